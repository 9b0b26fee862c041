"""The review window, driven with real key presses: a whole review settled into gold, the
colleagues' layers unchanged, the review status apart from theirs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog
from test_review import TEXT, build, colleague_rows

from unannotate.core.model import DocumentStatus, SpanState
from unannotate.qt.review_window import ReviewWindow
from unannotate.services.decisions import Reviewer
from unannotate.services.project import open_project
from unannotate.services.review import PlaceKind, Review


def gold_of(project, doc_id: int) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    spans = Review(project, "x", ["ana", "ben"]).gold.spans(doc_id)
    return sorted((TEXT[s.start:s.end], s.label, s.state.value) for s in spans)


def test_a_whole_review_with_the_keyboard(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    project, doc_id = build(tmp_path)
    before = colleague_rows(project)
    window = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    view = window.view
    assert window.document_id == doc_id  # the first document with open disagreements
    qtbot.waitUntil(view.hasFocus)  # the text has the keyboard when the window opens
    place = window.places[window.current]
    assert (TEXT[place.start:place.end], place.kind) == ("Geneva", PlaceKind.LABEL)

    qtbot.keyClick(view, Qt.Key.Key_B)  # Geneva: ben's LOC
    place = window.places[window.current]
    assert TEXT[place.start:place.end] == "3 May 2025"  # on to the next open one
    qtbot.keyClick(view, Qt.Key.Key_Tab)  # skip it for now
    assert TEXT[window.places[window.current].start:window.places[window.current].end] == "Kenya"
    qtbot.keyClick(view, Qt.Key.Key_N)  # Kenya: neither
    qtbot.keyClick(view, Qt.Key.Key_T)  # the World Food Programme: both
    place = window.places[window.current]
    assert TEXT[place.start:place.end] == "3 May 2025"  # wrapped round to the one skipped
    monkeypatch.setattr(QInputDialog, "getText",
                        lambda *a, **k: ("ana's boundary includes the day", True))
    qtbot.keyClick(view, Qt.Key.Key_K)  # a comment settles it with nothing taken...
    date = next(p for p in window.places if TEXT[p.start:p.end] == "3 May 2025")
    assert date.settled and date.comment == "ana's boundary includes the day"
    assert window.current is None  # nothing open is left
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # ...undone
    date = next(p for p in window.places if TEXT[p.start:p.end] == "3 May 2025")
    assert not date.settled and window.places[window.current] is date
    qtbot.keyClick(view, Qt.Key.Key_A)  # ana's 3 May 2025
    assert window.current is None  # nothing open is left
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)  # all that agree

    assert gold_of(project, doc_id) == [
        ("3 May 2025", "DATE", "accepted"), ("Amina Mohammed", "PERSON", "accepted"),
        ("Geneva", "GPE", "rejected"), ("Geneva", "LOC", "accepted"),
        ("Kenya", "GPE", "rejected"), ("May 2025", "DATE", "rejected"),
        ("UNICEF", "ORG", "accepted"), ("World Food Programme", "ORG", "accepted"),
        ("the World Food Programme", "ORG", "accepted")]
    assert "0 of 4 disagreements open" in window.statusBar().currentMessage()

    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    review = Review(project, "rita", ["ana", "ben"])
    assert review.status(doc_id) is DocumentStatus.DONE
    assert window.document_id != doc_id  # on to the next document
    assert Reviewer(project, "ben").status(doc_id) is DocumentStatus.IN_PROGRESS
    assert Reviewer(project, "ana").status(doc_id) is DocumentStatus.DONE
    assert colleague_rows(project) == before  # their layers never changed
    window.close()
    project.close()


def test_editing_gold_and_the_state_after_a_restart(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, doc_id = build(tmp_path)
    window = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    view = window.view
    qtbot.waitUntil(view.hasFocus)
    # Select "Geneva, " roughly with the keyboard: the selection snaps to whole tokens.
    start = TEXT.index("Geneva")
    from PySide6.QtGui import QTextCursor

    cursor = view.textCursor()
    cursor.setPosition(view.positions.to_qt(start + 1))
    cursor.setPosition(view.positions.to_qt(start + 4), QTextCursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)
    labels = [label.name for label in project.labels()]
    assert labels.index("GPE") < 9
    qtbot.keyClick(view, Qt.Key(Qt.Key.Key_1 + labels.index("GPE")))
    gold = Review(project, "x", ["ana", "ben"]).gold.spans(doc_id)
    assert [(TEXT[s.start:s.end], s.state) for s in gold] == [("Geneva", SpanState.ACCEPTED)]
    geneva = next(p for p in window.places if TEXT[p.start:p.end] == "Geneva")
    assert geneva.settled  # an edit in gold settles the place it covers
    window.close()
    project.close()
    reopened = open_project(tmp_path / "p.db", create=False)
    again = ReviewWindow(Review(reopened, "rita", ["ana", "ben"]))
    qtbot.addWidget(again)
    again.show()
    again.activateWindow()
    qtbot.waitUntil(again.view.hasFocus)
    assert next(p for p in again.places if TEXT[p.start:p.end] == "Geneva").settled
    qtbot.keyClick(again.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo
    assert not next(p for p in again.places if TEXT[p.start:p.end] == "Geneva").settled
    again.close()
    reopened.close()


def test_text_is_shown_as_text_in_the_review(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from unannotate.services.importing import import_paths

    folder = tmp_path / "docs"
    folder.mkdir()
    hostile = "<b>bold</b> <img src=x onerror=alert(1)> Kenya\r\nمرحبا Peru 👍🏽"
    (folder / "h.txt").write_bytes(hostile.encode("utf-8"))
    project = open_project(tmp_path / "h.db")
    import_paths(project, [folder])
    Reviewer(project, "ana").add(1, hostile.index("Kenya"), hostile.index("Kenya") + 5, "GPE")
    Reviewer(project, "ben").add(1, hostile.index("Peru"), hostile.index("Peru") + 4, "GPE")
    window = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(window)
    assert window.windowTitle().startswith("Review: ana, ben")
    assert window.view.toPlainText().replace("\u2029", "\n") == hostile.replace("\r\n", "\n")
    assert window.panel.topLevelItem(0).text(1) == "Kenya"
    assert window.panel.topLevelItem(1).text(1) == "Peru"
    window.close()
    project.close()


def test_from_the_main_window_bring_in_a_colleague_then_review(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    from unannotate.qt.dialogs import ReviewSetupDialog
    from unannotate.qt.main_window import MainWindow
    from unannotate.services.importing import import_paths
    from unannotate.services.preferences import Preferences

    (tmp_path / "ours").mkdir()
    project, doc_id = build(tmp_path / "ours")
    folder = tmp_path / "theirs_docs"
    folder.mkdir()
    (folder / "a.txt").write_bytes(TEXT.encode("utf-8"))
    (folder / "z.txt").write_text("Not in the reviewer's project.", encoding="utf-8")
    theirs = open_project(tmp_path / "theirs.db")
    import_paths(theirs, [folder])
    start = TEXT.index("Geneva")
    for doc in (1, 2):
        Reviewer(theirs, "carl").add(doc, 0, 1, "CARDINAL")
    Reviewer(theirs, "carl").add(1, start, start + 6, "LOC")
    theirs.close()

    window = MainWindow(project, "rita", Preferences.load(), auto_suggest=False)
    qtbot.addWidget(window)
    window.show()
    window.run_bring_in(str(tmp_path / "theirs.db"))
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
    assert "annotator:carl (2 spans) on 1 documents" in window.statusBar().currentMessage()
    assert window.unmatched_box is not None
    assert "1 of their documents are not in this project" in window.unmatched_box.text()
    assert Reviewer(project, "carl").spans(doc_id)

    dialog = ReviewSetupDialog(["ana", "ben", "carl"], False)
    qtbot.addWidget(dialog)
    dialog.boxes["ben"].click()  # ana and carl only
    assert dialog.layers() == ["ana", "carl"]
    dialog.boxes["carl"].click()
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    window.open_review(["ana", "carl"])
    review_window = window.review_window
    assert review_window is not None and review_window.review.layers == ["ana", "carl"]
    geneva = next(p for p in review_window.places if TEXT[p.start:p.end] == "Geneva")
    assert geneva.kind is PlaceKind.LABEL
    review_window.close()
    window.close()
    project.close()


def test_agreement_while_reviewing_and_the_report(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, doc_id = build(tmp_path)
    window = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "all documents: exact F1" in window.statusBar().currentMessage(),
                    timeout=10_000)
    assert "agreement here: exact F1 0.36" in window.statusBar().currentMessage()  # 2×2/11
    qtbot.keyClick(window.view, Qt.Key.Key_R,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = window.report_dialog
    assert dialog is not None and dialog.isVisible()
    other = next(d.id for d in window._documents if d.id != doc_id)
    window.open_document(other)
    dialog.document_activated.emit(doc_id)  # a row of the report opens its document
    assert window.document_id == doc_id
    dialog.close()
    window.close()
    project.close()
