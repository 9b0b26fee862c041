"""The keys of both windows, checked without an X server (so in every run): what the real
window tier found, pinned where it can be cheaply.

- No window binds one key twice. Qt matches the Backtab-with-Shift a keyboard sends to
  "Shift+Tab" and, under X11, to "Backtab" too: an action holding both is ambiguous there,
  Qt says so on standard error and the key does nothing.
- A key still works after a place is chosen with the mouse in the colleague-review window.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from seed import BRIEFING, document_ids, make_review_project

from unannotate.core.model import SpanState
from unannotate.qt.actions import ACTIONS, REVIEW_ACTIONS, ActionSpec
from unannotate.services.colleague_review import Review
from unannotate.services.project import open_project

# Keys a keyboard cannot tell apart once Qt has mapped them.
SAME_KEY = {"Backtab": "Shift+Tab", "Shift+Backtab": "Shift+Tab"}


def _bound(actions: list[ActionSpec]) -> Counter[str]:
    keys: Counter[str] = Counter()
    for spec in actions:
        for key in spec.keys:
            text = QKeySequence(key).toString(QKeySequence.SequenceFormat.PortableText)
            assert text, f"{spec.id}: {key!r} is not a key Qt knows"
            keys[SAME_KEY.get(text, text)] += 1
    return keys


@pytest.mark.parametrize("actions", [ACTIONS, REVIEW_ACTIONS], ids=["main", "review"])
def test_no_window_binds_one_key_twice(actions: list[ActionSpec]) -> None:
    twice = sorted(key for key, count in _bound(actions).items() if count > 1)
    assert twice == []


def test_a_table_with_backtab_beside_shift_tab_is_refused() -> None:
    both = ActionSpec("x.previous", "Previous", ("Shift+Tab", "Backtab"), "previous")
    assert _bound([both])["Shift+Tab"] == 2


def test_the_previous_key_is_what_a_keyboard_sends(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    """Shift+Tab arrives as Backtab with Shift held, on every platform."""
    from unannotate.qt.review_window import ReviewWindow

    project = open_project(make_review_project(tmp_path), create=False)
    window = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.view.hasFocus)
    first = window.current
    qtbot.keyClick(window.view, Qt.Key.Key_Tab)
    assert window.current != first
    qtbot.keyClick(window.view, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert window.current == first
    window.close()
    project.close()


def test_delete_works_on_a_gold_span_chosen_with_the_mouse(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    from PySide6.QtTest import QTest

    from unannotate.qt.review_window import ReviewWindow

    project = open_project(make_review_project(tmp_path), create=False)
    window = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.view.hasFocus)
    doc_id = document_ids(project)[BRIEFING]

    def gold() -> list[tuple[str, str]]:
        return [(BRIEFING[s.start:s.end], s.label) for s in window.review.gold.spans(doc_id)
                if s.state is SpanState.ACCEPTED]

    qtbot.keyClick(window.view, Qt.Key.Key_B)  # Geneva: ben's LOC; the next place selected
    assert gold() == [("Geneva", "LOC")]
    geneva = next(n for n, p in enumerate(window.places) if BRIEFING[p.start:p.end] == "Geneva")
    rect = window.panel.visualItemRect(window.panel.topLevelItem(geneva))
    QTest.mouseClick(window.panel.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert gold() == []
    window.close()
    project.close()
