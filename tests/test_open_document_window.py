"""The review window always draws what the project stores: any sequence of decisions made
with the keyboard and the mouse (accept, reject, add, relabel, resize, delete, accept all,
undo, redo) leaves the spans drawn in the text (read back from the text document's formats),
the span panel and the document list equal to what a fresh read of the project says."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from drawing import mismatches, stored_spans
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication
from sqlalchemy import insert

from unannotate.core.model import LabelKind, SpanState
from unannotate.nlp.base import SuggesterInfo
from unannotate.services.decisions import Decider
from unannotate.services.project import Project, open_project
from unannotate.services.suggesting import suggestions_layer_id
from unannotate.storage.schema import DocumentRow, SpanRow

PARAGRAPHS = [
    "Dr. Lina Haddad of UNICEF said 4,000 children in Mali were reached by 3 May 2025.",
    "👩🏽‍⚕️ The World Food Programme in Geneva counted 12 convoys; 🌍 none arrived late.",
    "قال المتحدث في جنيف إن 30 شاحنة وصلت.",
    "The Security Council met in Geneva on 3 May 2025 and UNICEF briefed it.\r",
    "Mali and Chad signed the accord; the Geneva office will report in June 2025.",
]
WORDS = (("Lina Haddad", "PERSON"), ("UNICEF", "ORG"), ("Mali", "GPE"), ("Chad", "GPE"),
         ("3 May 2025", "DATE"), ("Geneva", "GPE"), ("World Food Programme", "ORG"),
         ("4,000", "CARDINAL"), ("جنيف", "GPE"), ("June 2025", "DATE"), ("May", "DATE"))


def document_text(repeat: int) -> str:
    return "\n\n".join(f"{n}. {PARAGRAPHS[n % len(PARAGRAPHS)]}" for n in range(repeat))


def add_document(project: Project, text: str) -> int:
    """The text with every occurrence of WORDS suggested (overlaps: "May" inside a date,
    "Mali" also as LOC) and the first sentence of every third paragraph as a claim."""
    info = SuggesterInfo(name="test.property.v1", kind=LabelKind.ENTITY)
    with project.db.session() as session:
        doc_id = session.execute(insert(DocumentRow).returning(DocumentRow.id), [
            {"sha256": "p" * 64, "text": text, "title": "Property", "meta": {}}]).scalar_one()
        layer_id = suggestions_layer_id(session, info)
        labels = project.label_ids(session)
        rows = []
        for word, label in (*WORDS, ("Mali", "LOC")):
            rows += [(m.start(), m.end(), label) for m in re.finditer(re.escape(word), text)]
        starts = [m.start() for m in re.finditer(r"(?m)^\d+\. ", text)]
        for start in starts[::3]:
            rows.append((start, text.index(".", start + 4) + 1, "CLAIM"))
        session.execute(insert(SpanRow), [
            {"layer_id": layer_id, "document_id": doc_id, "start": s, "end": e,
             "label_id": labels[label], "state": "suggested", "score": 0.7, "reason": "test"}
            for s, e, label in sorted(rows)])
    return doc_id


def check(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """What the window shows of the open document is what the project stores."""
    reviewer = Decider(window.project, window.reviewer.annotator)
    document = window.document
    labels = {label.name: label for label in window.project.labels()}
    stored = stored_spans(reviewer, document.id)
    wrong = mismatches(window.view, document.text, stored, labels)
    assert not wrong, f"drawn otherwise than stored: {wrong[:5]}"
    # The panel lists every pending suggestion, annotation and rejection, in text order.
    own = reviewer.spans(document.id)
    expected_rows = sorted([(s.start, s.end, s.id) for s in own]
                           + [(s.start, s.end, s.id) for s in reviewer.pending(document.id)])
    model = window.span_model
    assert model.keys == expected_rows
    states = {s.id: s.state.value for s in own}
    for row, (_, _, span_id) in enumerate(model.keys):
        shown = model.data(model.index(row, 3))
        assert shown == ("pending" if span_id not in states else states[span_id])
    # The document list counts as the project does.
    summary = window.documents.rows[window.documents.row_of(document.id)]
    assert summary.pending == len(reviewer.pending(document.id))
    assert summary.annotations == sum(s.state is SpanState.ACCEPTED for s in own)
    # At most one span looks selected, and it is the selected one.
    selections = window.view.extraSelections()
    assert len(selections) <= 1
    selected = window.view.selected_span
    if selected is not None:
        assert len(selections) == 1
        span = window.spans[selected]
        shown = selections[0].cursor.selectedText()
        assert shown.replace("\u2029", "\n") == document.text[span.start:span.end].replace(
            "\r\n", "\n").replace("\r", "\n")


OPS = st.lists(st.tuples(
    st.sampled_from(["accept", "accept", "reject", "add", "relabel", "resize", "delete",
                     "accept_all", "undo", "undo", "redo", "claim"]),
    st.integers(0, 10_000), st.integers(0, 10_000)), min_size=1, max_size=14)


class Driver:
    """Makes each decision as a reviewer would: keys on the document view, clicks in the
    span panel."""

    def __init__(self, window, qtbot) -> None:  # type: ignore[no-untyped-def]
        self.window, self.qtbot = window, qtbot
        self.view = window.view
        self.keyed = [label for label in window.labels if label.key.isdigit()]

    def key(self, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
            ) -> None:
        self.qtbot.keyClick(self.view, key, modifiers)

    def digit(self, n: int) -> Qt.Key:
        label = self.keyed[n % len(self.keyed)]
        return Qt.Key(int(Qt.Key.Key_0.value) + int(label.key))

    def click_row(self, span_id: int) -> None:
        window = self.window
        span = window.spans.get(span_id) or window.rejected[span_id]
        row = window.span_model.row_of((span.start, span.end, span_id))
        index = window.span_model.index(row, 1)
        window.span_table.scrollTo(index)
        self.qtbot.mouseClick(window.span_table.viewport(), Qt.MouseButton.LeftButton,
                              pos=window.span_table.visualRect(index).center())

    def drawn(self, own: bool | None = None) -> list[int]:
        pending = self.window.pending_ids
        return sorted(i for i in self.window.spans
                      if own is None or (i not in pending) == own)

    def run(self, op: str, a: int, b: int) -> None:
        window, view = self.window, self.view
        text = window.document.text
        if op in ("accept", "reject"):
            for _ in range(a % 3):
                self.key(Qt.Key.Key_Tab)
            self.key(Qt.Key.Key_A if op == "accept" else Qt.Key.Key_X)
        elif op == "accept_all":
            self.key(Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
        elif op == "undo":
            self.key(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        elif op == "redo":
            self.key(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                     | Qt.KeyboardModifier.ShiftModifier)
        elif op in ("add", "claim"):
            words = [m.span() for m in re.finditer(r"\w+", text)]
            first = a % len(words)
            last = min(first + b % 3, len(words) - 1)
            cursor = view.textCursor()
            cursor.setPosition(view.positions.to_qt(words[first][0]))
            if op == "add" or b % 2:
                cursor.setPosition(view.positions.to_qt(words[last][1]),
                                   QTextCursor.MoveMode.KeepAnchor)
            view.setTextCursor(cursor)
            self.key(Qt.Key.Key_C if op == "claim" else self.digit(b))
        else:
            candidates = self.drawn(own=True if op == "relabel" else None)
            if not candidates:
                return
            self.click_row(candidates[a % len(candidates)])
            if op == "relabel":
                self.key(self.digit(b))
            elif op == "delete":
                self.key(Qt.Key.Key_Delete)
            else:
                modifiers = Qt.KeyboardModifier.AltModifier
                if b % 2:
                    modifiers |= Qt.KeyboardModifier.ShiftModifier
                self.key(Qt.Key.Key_Left if b % 4 < 2 else Qt.Key.Key_Right, modifiers)


def _run_sequence(qtbot, ops, repeat: int) -> None:  # type: ignore[no-untyped-def]
    from unannotate.qt.main_window import MainWindow
    from unannotate.services.preferences import Preferences

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.unannotate.db"
        project = open_project(path)
        add_document(project, document_text(repeat))
        window = MainWindow(project, "ana", Preferences.load(Path(folder) / "s.json"),
                            auto_suggest=False)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.view.hasFocus)
        driver = Driver(window, qtbot)
        try:
            for op, a, b in ops:
                driver.run(op, a, b)
                QApplication.processEvents()
                check(window, qtbot)
        finally:
            window.close()


@pytest.fixture(autouse=True)
def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(tmp_path / "settings.json"))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=OPS)
def test_any_sequence_of_decisions_is_drawn_as_stored(qtbot, ops) -> None:  # type: ignore[no-untyped-def]
    # 30 paragraphs, about 100 suggestions: accept all changes more spans and blocks at once
    # than a decision's quick path handles, and the screen shows only part of the text.
    _run_sequence(qtbot, ops, repeat=30)


@pytest.mark.slow
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(OPS.flatmap(st.just), min_size=1, max_size=3).map(
    lambda chunks: [op for chunk in chunks for op in chunk]))
def test_longer_sequences_of_decisions_are_drawn_as_stored(qtbot, ops) -> None:  # type: ignore[no-untyped-def]
    _run_sequence(qtbot, ops, repeat=60)


def _open_with_suggestions(qtbot, folder: Path, text: str,  # type: ignore[no-untyped-def]
                           suggested: list[tuple[str, str]]):
    """A window on ``text`` with each (words, label) suggested where the words first occur."""
    from unannotate.qt.main_window import MainWindow
    from unannotate.services.preferences import Preferences

    project = open_project(folder / "p.unannotate.db")
    info = SuggesterInfo(name="test.shortest.v1", kind=LabelKind.ENTITY)
    with project.db.session() as session:
        doc_id = session.execute(insert(DocumentRow).returning(DocumentRow.id), [
            {"sha256": "s" * 64, "text": text, "title": "Shortest", "meta": {}}]).scalar_one()
        layer_id = suggestions_layer_id(session, info)
        labels = project.label_ids(session)
        session.execute(insert(SpanRow), [
            {"layer_id": layer_id, "document_id": doc_id, "start": text.index(words),
             "end": text.index(words) + len(words), "label_id": labels[label],
             "state": "suggested", "score": 0.7, "reason": "test"}
            for words, label in suggested])
    window = MainWindow(project, "ana", Preferences.load(folder / "s.json"), auto_suggest=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.view.hasFocus)
    return window


def _select_and_key(qtbot, window, start: int, end: int,  # type: ignore[no-untyped-def]
                    key: Qt.Key) -> None:
    view = window.view
    cursor = view.textCursor()
    cursor.setPosition(view.positions.to_qt(start))
    cursor.setPosition(view.positions.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)
    qtbot.keyClick(view, key)
    QApplication.processEvents()


def _background(window, index: int) -> str | None:  # type: ignore[no-untyped-def]
    """The background colour drawn behind code point ``index``."""
    from drawing import drawn_looks

    look = drawn_looks(window.view).get(window.view.positions.to_qt(index))
    return look.background if look else None


def _colour(window, label: str, *, pending: bool = False) -> str:  # type: ignore[no-untyped-def]
    """The background a span of ``label`` is drawn with."""
    from PySide6.QtGui import QColor

    from unannotate.qt.document_view import pending_colour

    base = next(found.colour for found in window.project.labels() if found.name == label)
    return QColor(pending_colour(base) if pending else base).name()


def test_a_span_across_a_line_break_is_as_long_as_stored_in_every_block(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    # A place marked from "May" over a CRLF and a blank line to "Next": 16 code points, of
    # which only 9 lie in the first block. The suggested date (10) is the shorter span and
    # is drawn over both, in the first block as much as anywhere.
    text = "Talks in Geneva on 3 May 2025.\r\n\nNext round in June."
    window = _open_with_suggestions(qtbot, tmp_path, text, [("3 May 2025", "DATE")])
    try:
        start, end = text.index("May"), text.index("Next") + len("Next")
        _select_and_key(qtbot, window, start, end, Qt.Key.Key_3)  # GPE
        reviewer = Decider(window.project, "ana")
        assert [(s.start, s.end, s.label) for s in reviewer.spans(window.document.id)] == [
            (start, end, "GPE")]
        assert _background(window, text.index("2025")) == _colour(window, "DATE", pending=True)
        assert _background(window, text.index("Next")) == _colour(window, "GPE")
        check(window, qtbot)
    finally:
        window.close()


def test_the_shortest_span_is_counted_in_code_points_not_utf16(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    # "🌍🌍🌍 UNICEF" is 10 code points (13 UTF-16 units); the suggested "UNICEF team" is 11
    # of both: the reviewer's place is the shorter one and is drawn over "UNICEF".
    text = "Seen from 🌍🌍🌍 UNICEF team members in Mali."
    window = _open_with_suggestions(qtbot, tmp_path, text, [("UNICEF team", "ORG")])
    try:
        start, end = text.index("🌍"), text.index("UNICEF") + len("UNICEF")
        _select_and_key(qtbot, window, start, end, Qt.Key.Key_3)  # GPE
        reviewer = Decider(window.project, "ana")
        assert [(s.start, s.end, s.label) for s in reviewer.spans(window.document.id)] == [
            (start, end, "GPE")]
        assert _background(window, text.index("UNICEF")) == _colour(window, "GPE")
        assert _background(window, text.index("team")) == _colour(window, "ORG", pending=True)
        check(window, qtbot)
    finally:
        window.close()
