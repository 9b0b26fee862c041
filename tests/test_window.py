"""The review window driven with real key presses and clicks; the database checked after."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from sqlalchemy import insert

from unannotate.core.model import LabelKind
from unannotate.nlp.base import SuggesterInfo
from unannotate.services.project import Project, open_project
from unannotate.services.suggesting import suggestions_layer_id
from unannotate.storage.schema import DocumentRow, SpanRow

EMOJI_TEXT = "👩🏽‍⚕️🌍 Dr. Lina Haddad of UNICEF said 4,000 children in Mali were reached by 3 May 2025."
CRLF_TEXT = "Headline here\r\n\r\nThe Security Council met in Geneva.\r\nNo claim here!"
HTML_TEXT = 'A post read <b>URGENT</b> and <img src=x onerror=alert(1)> in Beirut.\n&amp; stays.'


@pytest.fixture(autouse=True)
def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(tmp_path / "settings.json"))


def _add_document(project: Project, text: str, title: str,
                  found: list[tuple[str, str]]) -> int:
    info = SuggesterInfo(name="test.suggester.v1", kind=LabelKind.ENTITY)
    with project.db.session() as session:
        doc_id = session.execute(
            insert(DocumentRow).returning(DocumentRow.id),
            [{"sha256": str(hash(text)).rjust(64, "0")[:64], "text": text, "title": title,
              "meta": {}}]).scalar_one()
        layer_id = suggestions_layer_id(session, info)
        labels = project.label_ids(session)
        for word, label in found:
            start = text.index(word)
            session.add(SpanRow(layer_id=layer_id, document_id=doc_id, start=start,
                                end=start + len(word), label_id=labels[label], state="suggested",
                                score=0.8, reason="test"))
    return doc_id


def _own_spans(path: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT d.text, s.start, s.end, l.name, s.state FROM spans s "
            "JOIN documents d ON d.id = s.document_id JOIN labels l ON l.id = s.label_id "
            "JOIN layers y ON y.id = s.layer_id WHERE y.kind = 'annotator' ORDER BY s.id").fetchall()
    finally:
        conn.close()
    return [(text[start:end], label, state) for text, start, end, label, state in rows]


@pytest.fixture
def seeded(project_path: Path) -> dict[str, int]:
    project = open_project(project_path)
    ids = {
        "emoji": _add_document(project, EMOJI_TEXT, "Emoji first",
                               [("UNICEF", "ORG"), ("Mali", "GPE"), ("3 May 2025", "DATE"),
                                ("Lina Haddad", "ORG")]),
        "crlf": _add_document(project, CRLF_TEXT, "CRLF", [("Security Council", "ORG"),
                                                          ("Geneva", "GPE")]),
        "html": _add_document(project, HTML_TEXT, "<b>HTML</b> title", [("Beirut", "GPE")]),
    }
    project.close()
    return ids


def test_accept_reject_relabel_with_keys(qtbot, window_factory, seeded, project_path) -> None:  # type: ignore[no-untyped-def]
    window = window_factory()
    view = window.view
    assert window.document.id == seeded["emoji"]
    qtbot.waitUntil(view.hasFocus)
    # Suggestions in text order: Lina Haddad, UNICEF, Mali, 3 May 2025.
    assert window.spans[view.selected_span].label == "ORG"
    qtbot.keyClick(view, Qt.Key.Key_1)  # relabel the wrongly labelled name as PERSON: accepts it
    qtbot.keyClick(view, Qt.Key.Key_A)  # UNICEF
    qtbot.keyClick(view, Qt.Key.Key_X)  # Mali rejected
    qtbot.keyClick(view, Qt.Key.Key_Tab)  # skip the date ...
    qtbot.keyClick(view, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)  # ... back
    qtbot.keyClick(view, Qt.Key.Key_A)
    assert _own_spans(project_path) == [
        ("Lina Haddad", "PERSON", "accepted"), ("UNICEF", "ORG", "accepted"),
        ("Mali", "GPE", "rejected"), ("3 May 2025", "DATE", "accepted")]
    assert window.pending_ids == set()


def test_add_a_span_from_selected_text_snapped_to_tokens(qtbot, window_factory, seeded,
                                                         project_path) -> None:  # type: ignore[no-untyped-def]
    window = window_factory()
    view = window.view
    positions = view.positions
    start = EMOJI_TEXT.index("hildren")  # a selection inside a word
    cursor = view.textCursor()
    cursor.setPosition(positions.to_qt(start - 6))  # "4,000 c"
    cursor.setPosition(positions.to_qt(start + 3), QTextCursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)
    qtbot.keyClick(view, Qt.Key.Key_6)  # CARDINAL
    assert _own_spans(project_path) == [("4,000 children", "CARDINAL", "accepted")]
    # Move the end one token left with the keyboard: "4,000".
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert _own_spans(project_path) == [("4,000", "CARDINAL", "accepted")]
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert _own_spans(project_path) == []


def test_undo_and_redo_survive_a_restart(qtbot, window_factory, seeded, project_path) -> None:  # type: ignore[no-untyped-def]
    window = window_factory()
    qtbot.keyClick(window.view, Qt.Key.Key_A)
    qtbot.keyClick(window.view, Qt.Key.Key_A)
    assert len(_own_spans(project_path)) == 2
    window.close()

    window = window_factory()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _own_spans(project_path) == [("Lina Haddad", "ORG", "accepted")]
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert len(_own_spans(project_path)) == 2
    assert len(window.pending_ids) == 2


def test_mark_claim_and_done_then_next_document(qtbot, window_factory, seeded,
                                                project_path) -> None:  # type: ignore[no-untyped-def]
    window = window_factory()
    window.open_document(seeded["crlf"])
    view = window.view
    cursor = view.textCursor()
    cursor.setPosition(view.positions.to_qt(CRLF_TEXT.index("Council")))
    view.setTextCursor(cursor)
    qtbot.keyClick(view, Qt.Key.Key_C)
    assert _own_spans(project_path) == [("The Security Council met in Geneva.", "CLAIM", "accepted")]
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    conn = sqlite3.connect(project_path)
    status = conn.execute("SELECT document_id, status FROM document_status").fetchall()
    conn.close()
    assert (seeded["crlf"], "done") in status
    assert window.document.id != seeded["crlf"]


def test_text_is_shown_exactly_never_as_html(qtbot, window_factory, seeded) -> None:  # type: ignore[no-untyped-def]
    window = window_factory()
    window.open_document(seeded["html"])
    shown = window.view.toPlainText()
    assert shown == HTML_TEXT
    assert window.doc_title.text() == "<b>HTML</b> title"
    assert window.doc_title.textFormat() == Qt.TextFormat.PlainText
    window.open_document(seeded["crlf"])
    assert window.view.toPlainText() == CRLF_TEXT.replace("\r\n", "\n")
    # The highlighted suggestion covers exactly "Geneva" although CRLFs come before it.
    geneva = next(s for s in window.spans.values() if s.label == "GPE")
    window._select(geneva.id)
    assert window.view.extraSelections()[0].cursor.selectedText() == "Geneva"


def test_shortcuts_help_lists_every_action(qtbot, window_factory, seeded) -> None:  # type: ignore[no-untyped-def]
    from unannotate.qt.actions import ACTIONS
    from unannotate.qt.dialogs import ShortcutsDialog

    window = window_factory()
    dialog = ShortcutsDialog(window.qactions, window)
    assert dialog.table.rowCount() == len(ACTIONS)
    keys = {dialog.table.item(r, 1).text(): dialog.table.item(r, 2).text()
            for r in range(dialog.table.rowCount())}
    assert keys["Accept"] == "A"
    assert keys["Undo"] == "Ctrl+Z"


# -- a long document: what is formatted when, and the window's indexes ----------------------

LONG_WORDS = ("Geneva", "UNICEF", "Mali")


def _long_text(paragraphs: int = 160) -> str:
    """Paragraphs of a few lines each, some with CRLF and an emoji, naming LONG_WORDS."""
    lines = []
    for n in range(paragraphs):
        lines.append(f"Paragraph {n} 🌍: UNICEF staff in Geneva said aid reached Mali on time, "
                     f"and the convoy number {n} left after the briefing in Geneva ended. "
                     "The figures were checked twice by the team before release.")
    return "\r\n\r\n".join(lines[:20]) + "\n\n" + "\n\n".join(lines[20:])


def _add_long_document(project: Project, text: str) -> int:
    """Every occurrence of LONG_WORDS suggested (two labels on each "Mali": an overlap),
    and a claim over the first sentence of every fifth paragraph."""
    import re

    info = SuggesterInfo(name="test.long.v1", kind=LabelKind.ENTITY)
    with project.db.session() as session:
        doc_id = session.execute(
            insert(DocumentRow).returning(DocumentRow.id),
            [{"sha256": "l" * 64, "text": text, "title": "Long", "meta": {}}]).scalar_one()
        layer_id = suggestions_layer_id(session, info)
        labels = project.label_ids(session)
        rows = []
        for word, label in (("Geneva", "GPE"), ("UNICEF", "ORG"), ("Mali", "GPE"),
                            ("Mali", "LOC")):
            rows += [(m.start(), m.end(), label) for m in re.finditer(word, text)]
        paragraphs = [m.start() for m in re.finditer(r"Paragraph \d+", text)]
        for start in paragraphs[::5]:
            rows.append((start, text.index("time,", start) + 4, "CLAIM"))
        session.execute(insert(SpanRow), [
            {"layer_id": layer_id, "document_id": doc_id, "start": start, "end": end,
             "label_id": labels[label], "state": "suggested", "score": 0.7, "reason": "test"}
            for start, end, label in sorted(rows)])
    return doc_id


def _formats(block) -> list[tuple[int, int, object]]:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QTextCharFormat

    return [(f.start, f.length, QTextCharFormat(f.format)) for f in block.layout().formats()]


def _visible_blocks(view) -> list:  # type: ignore[no-untyped-def]
    blocks = []
    block = view.firstVisibleBlock()
    top = view.contentOffset().y()
    while block.isValid() and top <= view.viewport().height():
        blocks.append(block)
        top += view.blockBoundingRect(block).height()
        block = block.next()
    return blocks


@pytest.fixture
def long_document(project_path: Path) -> int:
    project = open_project(project_path)
    doc_id = _add_long_document(project, _long_text())
    project.close()
    return doc_id


def test_idle_batches_format_every_block_holding_spans_as_a_full_rehighlight(
        qtbot, window_factory, long_document) -> None:  # type: ignore[no-untyped-def]
    window = window_factory()
    view = window.view
    window.open_document(long_document)
    assert window.spans  # every span read (they are, right after the first paint)
    doc = view.document()
    holding = view.blocks_with_spans()
    assert len(holding) > 100
    # Right after opening, only what is on screen is formatted ...
    formatted_at_once = [n for n in holding if doc.findBlockByNumber(n).layout().formats()]
    assert 0 < len(formatted_at_once) < len(holding) / 4
    # ... the rest in idle batches.
    qtbot.waitUntil(lambda: not view.idle_work_left, timeout=10_000)
    lazily = {n: _formats(doc.findBlockByNumber(n)) for n in range(doc.blockCount())}
    assert all(lazily[n] for n in holding)
    view.highlighter.active = set(range(doc.blockCount()))
    view.highlighter.rehighlight()
    assert lazily == {n: _formats(doc.findBlockByNumber(n)) for n in range(doc.blockCount())}


def test_a_block_scrolled_into_view_is_formatted_before_it_is_painted(
        qtbot, window_factory, long_document, project_path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QEvent, QObject

    from unannotate.services.decisions import Decider

    # Decided suggestions before the first pending one: the document opens in its middle.
    project = open_project(project_path)
    reviewer = Decider(project, "ana")
    for span in reviewer.pending(long_document)[:150]:
        reviewer.accept(span.id)
    project.close()
    window = window_factory()
    view = window.view
    checked: list[bool] = []

    class PaintCheck(QObject):
        def eventFilter(self, watched, event) -> bool:  # type: ignore[no-untyped-def]  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                checked.append(all(_formats(b) for b in _visible_blocks(view)
                                   if view.has_spans(b)))
            return False

    check = PaintCheck()
    view.viewport().installEventFilter(check)
    window.open_document(long_document)
    assert view.verticalScrollBar().value() > 0  # revealed the first pending suggestion
    # Before anything is painted, scroll far away (outside the spans read so far) ...
    view.verticalScrollBar().setValue(0)
    assert window.span_model.rowCount() == len(window.spans) + len(window.rejected)
    bar = view.verticalScrollBar()
    for value in range(0, bar.maximum() + 1, max(1, bar.pageStep() // 2)):
        bar.setValue(value)  # ... and page through it while the idle batches are still due
        view.viewport().repaint()
    assert checked and all(checked)
    qtbot.waitUntil(lambda: not view.idle_work_left, timeout=10_000)
    assert all(checked)


def test_decisions_keep_the_panel_and_the_document_row_in_step(
        qtbot, window_factory, long_document, project_path) -> None:  # type: ignore[no-untyped-def]
    window = window_factory()
    window.open_document(long_document)
    view = window.view
    qtbot.waitUntil(lambda: not view.idle_work_left, timeout=10_000)
    model = window.span_model
    for _ in range(6):
        qtbot.keyClick(view, Qt.Key.Key_A)
    qtbot.keyClick(view, Qt.Key.Key_X)
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    qtbot.keyClick(view, Qt.Key.Key_A)

    def rows() -> list[tuple[object, ...]]:
        return [tuple(model.data(model.index(r, c)) for c in range(model.columnCount()))
                for r in range(model.rowCount())]

    shown, shown_row = rows(), window.documents.rows[window.documents.row_of(long_document)]
    selected = view.selected_span
    # What the window shows after the decisions is what it shows when opened afresh.
    window.open_document(long_document, select_span=selected)
    qtbot.waitUntil(lambda: model.rowCount() == len(shown), timeout=10_000)
    assert rows() == shown
    window.reload_documents()
    assert window.documents.rows[window.documents.row_of(long_document)] == shown_row
    assert [r[3] for r in shown].count("accepted") == 7
    assert [r[3] for r in shown].count("rejected") == 1
    # The panel's rows in text order, the selected span's row selected.
    keys = [(s.start, s.end, s.id) for s in (*window.spans.values(), *window.rejected.values())]
    assert model.keys == sorted(keys)
    selected_row = window.span_table.selectionModel().selectedRows()[0].row()
    assert model.data(model.index(selected_row, 0), Qt.ItemDataRole.UserRole) == selected


def test_a_block_loses_its_formats_with_its_last_span(qtbot, window_factory, seeded) -> None:  # type: ignore[no-untyped-def]
    window = window_factory()
    window.open_document(seeded["html"])  # one suggestion: "Beirut"
    view = window.view
    block = view.document().findBlock(view.positions.to_qt(HTML_TEXT.index("Beirut")))
    assert _formats(block)
    qtbot.keyClick(view, Qt.Key.Key_X)  # rejected: not drawn any more
    assert not _formats(block)


def test_next_and_previous_wrap_around_in_text_order(qtbot, window_factory, seeded) -> None:  # type: ignore[no-untyped-def]
    window = window_factory()
    view = window.view
    order = sorted(window.pending_ids, key=lambda i: (window.spans[i].start, window.spans[i].end, i))
    assert view.selected_span == order[0]
    seen = []
    for _ in range(len(order)):
        qtbot.keyClick(view, Qt.Key.Key_Tab)
        seen.append(view.selected_span)
    assert seen == [*order[1:], order[0]]
    qtbot.keyClick(view, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert view.selected_span == order[-1]


def test_export_from_the_window_in_another_format(qtbot, window_factory, seeded,  # type: ignore[no-untyped-def]
                                                  project_path, tmp_path) -> None:
    import json

    from unannotate.qt.dialogs import ExportDialog
    from unannotate.services.annotation_files import FORMATS, layer_choices

    window = window_factory()
    view = window.view
    qtbot.keyClick(view, Qt.Key.Key_1)  # Lina Haddad as PERSON
    qtbot.keyClick(view, Qt.Key.Key_A)  # UNICEF
    dialog = ExportDialog([(s.name, s.title) for s in FORMATS.values()],
                          layer_choices(window.project), "ana", window)
    qtbot.addWidget(dialog)
    assert dialog.chosen_layer() == "ana"  # the reviewer's own layer is offered first
    dialog.format.setCurrentIndex(dialog.format.findData("spacy"))
    assert dialog.dev_fraction.isEnabled() and dialog.writes_folder()
    dialog.format.setCurrentIndex(dialog.format.findData("prodigy"))
    assert not dialog.dev_fraction.isEnabled() and not dialog.writes_folder()
    out = tmp_path / "ana.jsonl"
    window.run_export(str(out), fmt=dialog.chosen_format(), layer=dialog.chosen_layer(),
                      options=dialog.options())
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
    [record] = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [(s["label"], record["text"][s["start"]:s["end"]]) for s in record["spans"]] == [
        ("PERSON", "Lina Haddad"), ("ORG", "UNICEF")]
    assert "Exported 1 documents, 2 spans" in window.statusBar().currentMessage()
    box = window.export_report_box  # what the format could not hold is said, not hidden
    assert box is not None and box.isVisible() and not box.isModal()
    assert "Prodigy has no place for it (e.g. " in box.informativeText()
    assert "the reason of 2 spans" in box.informativeText()


def test_recent_projects_in_the_file_menu(qtbot, window_factory, seeded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from unannotate.services.preferences import Preferences

    prefs = Preferences.load()
    prefs.recent_projects = [str(tmp_path / "other.db"), str(tmp_path / "older.db")]
    prefs.save()
    window = window_factory()
    window.preferences.remember_project(window.project.location)
    window.recent_menu.aboutToShow.emit()
    titles = [a.text() for a in window.recent_menu.actions()]
    assert titles == [str(tmp_path / "other.db"), str(tmp_path / "older.db")]
    assert window.recent_menu.isEnabled()


def test_open_team_project_refuses_what_is_not_a_server_url(qtbot, window_factory, seeded,  # type: ignore[no-untyped-def]
                                                            monkeypatch) -> None:
    window = window_factory()
    shown: list[str] = []
    monkeypatch.setattr(window, "show_error", shown.append)
    switched: list[str] = []
    monkeypatch.setattr(window, "_switch_project", switched.append)
    window.open_server_project("/home/ana/project.db")
    assert switched == [] and "not a server project URL" in shown[0]
    window.open_server_project("postgresql://ana@db.example.org/team")
    assert switched == ["postgresql://ana@db.example.org/team"]
    assert "file.open_server" in window.qactions


# -- the window draws what is stored, after any sequence of keys -----------------------------

def _drawn_as_stored(window) -> None:  # type: ignore[no-untyped-def]
    from drawing import mismatches, stored_spans

    from unannotate.services.decisions import Decider

    reviewer = Decider(window.project, window.reviewer.annotator)
    labels = {label.name: label for label in window.project.labels()}
    wrong = mismatches(window.view, window.document.text,
                       stored_spans(reviewer, window.document.id), labels)
    assert not wrong, f"drawn otherwise than stored: {wrong[:5]}"


def _looks_selected(window) -> int:  # type: ignore[no-untyped-def]
    """How many things look selected in the text: the selected span and any text selection."""
    return len(window.view.extraSelections()) + window.view.textCursor().hasSelection()


def _line_layout(view) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """Each block's line count and height, as laid out now."""
    doc = view.document()
    layout = doc.documentLayout()
    found = []
    block = doc.begin()
    while block.isValid():
        found.append((block.lineCount(), round(layout.blockBoundingRect(block).height())))
        block = block.next()
    return found


def test_twenty_accepts_undone_quickly_are_drawn_as_stored(  # type: ignore[no-untyped-def]
        qtbot, window_factory, long_document) -> None:
    window = window_factory()
    window.open_document(long_document)
    view = window.view
    qtbot.waitUntil(lambda: not view.idle_work_left, timeout=10_000)
    rejected_word = None
    for n in range(20):
        if n == 10:  # a rejection among the accepts
            rejected_word = window.spans[view.selected_span]
            qtbot.keyClick(view, Qt.Key.Key_X)
        else:
            qtbot.keyClick(view, Qt.Key.Key_A)
    for _ in range(20):
        qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(window.pending_ids) == len(window.spans)  # nothing decided any more
    _drawn_as_stored(window)
    # The undone rejection is drawn again, as a suggestion.
    assert rejected_word is not None and rejected_word.id in window.pending_ids
    assert _looks_selected(window) <= 1
    # Every line laid out as a fresh open lays it out: none drawn twice, none shifted.
    laid_out = _line_layout(view)
    window.open_document(long_document)
    qtbot.waitUntil(lambda: not view.idle_work_left, timeout=10_000)
    assert _line_layout(view) == laid_out


def test_accept_all_draws_every_span_accepted(qtbot, window_factory,  # type: ignore[no-untyped-def]
                                              long_document) -> None:
    window = window_factory()
    window.open_document(long_document)
    view = window.view
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    assert window.pending_ids == set()
    summary = window.documents.rows[window.documents.row_of(long_document)]
    assert summary.pending == 0 and summary.annotations == len(window.spans)
    _drawn_as_stored(window)  # every block, also those off screen
    assert _looks_selected(window) == 0
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _drawn_as_stored(window)


def test_a_span_moved_under_the_selection_is_shown_where_it_is(  # type: ignore[no-untyped-def]
        qtbot, window_factory, seeded) -> None:
    window = window_factory()
    view = window.view
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)  # all accepted
    first = min(window.spans.values(), key=lambda s: s.start)
    window._select(first.id)
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # "Lina" (its end one token left)
    assert view.extraSelections()[0].cursor.selectedText() == "Lina"
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    [selection] = view.extraSelections()
    assert selection.cursor.selectedText() == "Lina Haddad"  # as stored again
    _drawn_as_stored(window)


def test_accepted_claims_keep_the_texts_metrics(qtbot, window_factory, seeded) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QFont

    window = window_factory()
    window.open_document(seeded["crlf"])
    view = window.view
    cursor = view.textCursor()
    cursor.setPosition(view.positions.to_qt(CRLF_TEXT.index("Council")))
    view.setTextCursor(cursor)
    laid_out = _line_layout(view)
    qtbot.keyClick(view, Qt.Key.Key_C)  # the sentence accepted as a claim
    block = view.document().findBlock(view.positions.to_qt(CRLF_TEXT.index("Council")))
    from PySide6.QtGui import QTextCharFormat

    formats = [QTextCharFormat(r.format) for r in block.layout().formats()]
    assert formats and all(f.fontWeight() in (0, QFont.Weight.Normal) for f in formats)
    assert any(f.underlineStyle() == f.UnderlineStyle.SingleUnderline for f in formats)
    assert _line_layout(view) == laid_out
    _drawn_as_stored(window)


def test_a_long_first_line_does_not_widen_the_window(qtbot, window_factory,  # type: ignore[no-untyped-def]
                                                     project_path) -> None:
    from PySide6.QtGui import QGuiApplication

    project = open_project(project_path)
    line = "In the name of the delegation " * 40  # 1,200 characters, no line break
    # The title as an import stores it: the first line cut at 500 characters.
    doc_id = _add_document(project, line + "\nThe Council met in Geneva.", line[:500],
                           [("Geneva", "GPE")])
    project.close()
    window = window_factory()
    available = QGuiApplication.primaryScreen().availableGeometry()
    window.open_document(doc_id)
    qtbot.wait(50)
    assert window.minimumSizeHint().width() <= available.width()
    assert window.width() <= available.width()
    assert window.doc_title.text().startswith("In the name")  # the label holds the title ...
    assert len(window.doc_title.shown_text()) < 300  # ... and paints what fits, elided
    assert window.doc_title.shown_text().endswith("…")


def test_the_selected_span_is_scrolled_into_view(qtbot, window_factory,  # type: ignore[no-untyped-def]
                                                 long_document) -> None:
    window = window_factory()
    window.open_document(long_document)
    view = window.view
    qtbot.waitUntil(lambda: not view.idle_work_left, timeout=10_000)

    def on_screen() -> bool:
        span = window.spans[view.selected_span]
        cursor = view.textCursor()
        cursor.setPosition(view.positions.to_qt(span.start))
        return view.viewport().rect().contains(view.cursorRect(cursor))

    for _ in range(40):
        qtbot.keyClick(view, Qt.Key.Key_Tab)
    for key in (Qt.Key.Key_Tab, Qt.Key.Key_X):
        qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier
                       | Qt.KeyboardModifier.ShiftModifier)  # the suggestion, longer: accepted
        assert on_screen()
        view.verticalScrollBar().setValue(0)  # the reviewer scrolled away to read
        qtbot.keyClick(view, key)  # Tab: the next suggestion; X: nothing to reject here ...
        assert on_screen(), key  # ... either way, the selected span is brought into view
    assert "X" in window.statusBar().currentMessage()


def test_default_layout_columns_are_readable(qtbot, window_factory, seeded,  # type: ignore[no-untyped-def]
                                             project_path) -> None:
    from PySide6.QtGui import QFontMetrics

    from unannotate.qt.main_window import DEFAULT_SIZE

    with open_project(project_path) as project, project.db.session() as session:
        session.get(DocumentRow, seeded["crlf"]).source = "/home/ana/in/02_unhcr_chad_arrivals.txt"
    window = window_factory()
    window.resize(DEFAULT_SIZE)
    window.default_layout()
    qtbot.wait(20)
    model, table = window.span_model, window.span_table
    metrics = QFontMetrics(table.font())
    widest = max(metrics.horizontalAdvance(model.data(model.index(r, 1)))
                 for r in range(model.rowCount()))
    assert table.columnWidth(1) >= widest + 8  # every entity's text whole, not "…"
    assert window.document_table.columnWidth(0) >= 160
    titles = [window.document_filter.index(r, 0).data()
              for r in range(window.document_filter.rowCount())]
    assert "02_unhcr_chad_arrivals.txt" in titles  # the file's name, where there is one
    assert "Emoji first" in titles  # else the title
    window.search.setText("unhcr")
    assert window.document_filter.rowCount() == 1


def test_labels_past_the_ninth_have_keys(qtbot, window_factory, seeded,  # type: ignore[no-untyped-def]
                                         project_path) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from unannotate.qt.label_picker import LabelPicker

    window = window_factory()
    view = window.view
    chips = {name: chip.text() for name, chip in window.label_bar.chips.items()}
    assert chips["PERSON"] == "1 PERSON" and chips["LAW"] == "⇧1 LAW"
    assert chips["LOC"] == "⇧2 LOC" and chips["FAC"].startswith("⇧") and "FAC" in chips["FAC"]

    def select(word: str) -> None:
        start = EMOJI_TEXT.index(word)
        cursor = view.textCursor()
        cursor.setPosition(view.positions.to_qt(start))
        cursor.setPosition(view.positions.to_qt(start + len(word)),
                           QTextCursor.MoveMode.KeepAnchor)
        view.setTextCursor(cursor)

    select("children")
    qtbot.keyClick(view, Qt.Key.Key_2, Qt.KeyboardModifier.ShiftModifier)  # LOC
    assert ("children", "LOC", "accepted") in _own_spans(project_path)

    def choose() -> None:
        picker = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, LabelPicker) and w.isVisible())
        qtbot.keyClicks(picker.filter, "work_of")
        qtbot.keyClick(picker.filter, Qt.Key.Key_Return)

    select("Mali")
    QTimer.singleShot(0, choose)
    qtbot.keyClick(view, Qt.Key.Key_L)  # any label, from the list
    assert ("Mali", "WORK_OF_ART", "accepted") in _own_spans(project_path)
    assert not window.action_host.ambiguous()


def test_the_status_bar_says_who_you_are_and_changes_it(qtbot, window_factory, seeded,  # type: ignore[no-untyped-def]
                                                        project_path) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QInputDialog

    window = window_factory()
    qtbot.keyClick(window.view, Qt.Key.Key_A)  # ana accepts the first suggestion
    assert "ana" in window.progress_label.text() and window.who.isVisible()

    def answer() -> None:
        dialog = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, QInputDialog) and w.isVisible())
        dialog.setTextValue("ben")
        dialog.accept()

    QTimer.singleShot(0, answer)
    qtbot.mouseClick(window.who, Qt.MouseButton.LeftButton)
    window.activateWindow()
    qtbot.waitUntil(window.view.hasFocus)
    assert window.reviewer.annotator == "ben" and "ben" in window.progress_label.text()
    # Ben has decided nothing: every suggestion of the document is pending for him.
    assert len(window.pending_ids) == 4
    qtbot.keyClick(window.view, Qt.Key.Key_X)
    conn = sqlite3.connect(project_path)
    layers = [r[0] for r in conn.execute(
        "SELECT y.name FROM spans s JOIN layers y ON y.id = s.layer_id "
        "WHERE y.kind = 'annotator' ORDER BY s.id")]
    conn.close()
    assert layers == ["annotator:ana", "annotator:ben"]


def test_an_empty_project_says_how_to_import_and_offers_the_samples(  # type: ignore[no-untyped-def]
        qtbot, project_path, tmp_path, monkeypatch) -> None:
    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "a_statement.txt").write_text(
        "The Secretary-General welcomed the ceasefire agreed in Geneva on 2 March.\n",
        encoding="utf-8")
    (samples / "b_note.md").write_text("# Note\n\nUNICEF reached 1,200 families in Chad.\n",
                                       encoding="utf-8")
    monkeypatch.setenv("UNANNOTATE_SAMPLES", str(samples))
    from unannotate.qt.main_window import MainWindow
    from unannotate.services.preferences import Preferences

    window = MainWindow(open_project(project_path), "ana", Preferences.load(),
                        auto_suggest=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.document is None
    assert window.centre.currentWidget() is window.empty
    assert "Import documents" in window.empty_message.text()
    assert window.sample_button.isVisible() and window.import_button.isVisible()
    qtbot.mouseClick(window.sample_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.document is not None, timeout=10_000)
    assert window.centre.currentWidget() is not window.empty
    assert {row.file_name for row in window.documents.rows} == {"a_statement.txt",
                                                                "b_note.md"}
