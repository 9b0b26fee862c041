"""Label every occurrence in the window, with real keys: select text, Ctrl+Shift+L, choose the
label and the scope, Apply (Enter), then Ctrl+Z; what is stored and what is drawn agree at
each step."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dialogs import shown_dialog
from drawing import mismatches, stored_spans
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from sqlalchemy import insert

from unannotate.core.model import DocumentStatus, LabelKind
from unannotate.nlp.base import SuggesterInfo
from unannotate.qt.label_all_dialog import LabelAllDialog, open_label_all
from unannotate.services.decisions import Decider
from unannotate.services.importing import import_paths
from unannotate.services.project import open_project
from unannotate.services.suggesting import suggestions_layer_id
from unannotate.storage.schema import SpanRow

# Invented briefings: the first one opens (ana has done nothing there yet).
TEXTS = {
    "a.txt": ("Nadia Ferro spoke in Quito.\r\nThe 🌋 mission to Quito left; Quitoan crafts "
              "stayed."),
    "b.txt": "Talks in Quito ended. Nadia Ferro thanked Quito's mayor.",
    "c.txt": "Quito hosted the donors; the report on Quito is done.",
}
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _build(path: Path) -> dict[str, int]:
    folder = path.parent / "docs"
    folder.mkdir(exist_ok=True)
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    with open_project(path) as project:
        import_paths(project, [folder])
        with project.db.read() as session:
            from sqlalchemy import select

            from unannotate.storage.schema import DocumentRow
            ids = {source.rsplit("/", 1)[-1]: i for i, source in session.execute(
                select(DocumentRow.id, DocumentRow.source))}
        # A suggester's GPE at the first "Quito" of a.txt: label-all accepts it.
        with project.db.session() as session:
            layer = suggestions_layer_id(session, SuggesterInfo(name="test.v1",
                                                                kind=LabelKind.ENTITY))
            quito = TEXTS["a.txt"].index("Quito")
            session.execute(insert(SpanRow), [{
                "layer_id": layer, "document_id": ids["a.txt"], "start": quito,
                "end": quito + 5, "label_id": project.label_ids(session)["GPE"],
                "state": "suggested", "score": 0.6, "reason": "test"}])
        ana = Decider(project, "ana")
        ana.set_status(ids["c.txt"], DocumentStatus.DONE)
        Decider(project, "carl").add(ids["b.txt"], 9, 14, "ORG")  # a colleague's span
    return ids


def _own(window, document_id: int) -> list[tuple[int, int, str]]:  # type: ignore[no-untyped-def]
    reviewer = Decider(window.project, "ana")
    return sorted((s.start, s.end, s.label) for s in reviewer.spans(document_id))


def _drawn_as_stored(window) -> None:  # type: ignore[no-untyped-def]
    reviewer = Decider(window.project, "ana")
    labels = {label.name: label for label in window.project.labels()}
    wrong = mismatches(window.view, window.document.text,
                       stored_spans(reviewer, window.document.id), labels)
    assert not wrong, f"drawn otherwise than stored: {wrong[:5]}"


def _select(window, start: int, end: int) -> None:  # type: ignore[no-untyped-def]
    view = window.view
    cursor = view.textCursor()
    cursor.setPosition(view.positions.to_qt(start))
    cursor.setPosition(view.positions.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)


def _dialog(qtbot) -> LabelAllDialog:  # type: ignore[no-untyped-def]
    return shown_dialog(qtbot, LabelAllDialog)


def _counted(qtbot, dialog: LabelAllDialog) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: dialog.counts.text() not in ("Counting…", ""), timeout=10000)


def test_select_label_all_apply_and_undo_with_keys(qtbot, project_path: Path, window_factory,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from unannotate.services import window_data

    # The spans an undo names are read back in chunks (a bulk undo names thousands).
    monkeypatch.setattr(window_data, "_REFRESH_CHUNK", 1)
    ids = _build(project_path)
    window = window_factory()
    a = ids["a.txt"]
    assert window.document.id == a
    text = window.document.text
    quito = text.index("Quito")
    _select(window, quito + 1, quito + 3)  # part of the word: snapped to the whole token
    qtbot.keyClick(window.view, Qt.Key.Key_L, CTRL_SHIFT)
    dialog = _dialog(qtbot)
    assert dialog.text.text() == "Quito"
    qtbot.keyClicks(dialog.label, "GPE")
    assert dialog.label.currentData() == "GPE"
    qtbot.keyClick(dialog.label, Qt.Key.Key_Tab)  # on to the scope
    qtbot.waitUntil(dialog.scope.hasFocus)
    qtbot.keyClicks(dialog.scope, "All")
    assert dialog.scope.currentData() == "all"
    _counted(qtbot, dialog)
    # a: 2 (not "Quitoan"); b: 2 ("Quito's" too); c: 2, in a done document, skipped.
    assert dialog.shown_preview is not None
    assert (dialog.shown_preview.mentions, dialog.shown_preview.new,
            dialog.shown_preview.in_done) == (6, 4, 2)
    assert "new: 4 (1 accepting a pending suggestion)" in dialog.counts.text()
    if os.environ.get("UNANNOTATE_SCREENSHOTS"):
        dialog.grab().save(str(Path(os.environ["UNANNOTATE_SCREENSHOTS"]) / "label-all.png"))
    carl_before = sorted((s.start, s.end, s.label)
                         for s in Decider(window.project, "carl").spans(ids["b.txt"]))
    qtbot.keyClick(dialog.scope, Qt.Key.Key_Return)  # Enter: Apply
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    assert dialog.result_applied is not None
    second = text.index("Quito", quito + 1)
    assert _own(window, a) == [(quito, quito + 5, "GPE"), (second, second + 5, "GPE")]
    assert text[second:second + 5] == "Quito"
    b_text = TEXTS["b.txt"]
    assert [(s, e) for s, e, _ in _own(window, ids["b.txt"])] == [
        (9, 14), (b_text.index("Quito's"), b_text.index("Quito's") + 5)]
    assert _own(window, ids["c.txt"]) == []  # done: only when asked
    assert sorted((s.start, s.end, s.label) for s in Decider(
        window.project, "carl").spans(ids["b.txt"])) == carl_before
    _drawn_as_stored(window)
    assert {window.span_model.data(window.span_model.index(row, 3))
            for row in range(window.span_model.rowCount())} == {"accepted"}
    if os.environ.get("UNANNOTATE_SCREENSHOTS"):
        window.grab().save(str(Path(os.environ["UNANNOTATE_SCREENSHOTS"]) / "after.png"))
    qtbot.waitUntil(window.view.hasFocus)
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _own(window, a) == []
    assert _own(window, ids["b.txt"]) == []  # one undo: every document
    _drawn_as_stored(window)
    assert [window.span_model.data(window.span_model.index(row, 3))
            for row in range(window.span_model.rowCount())] == ["pending"]  # undecided again


def test_label_all_from_a_selected_span_takes_its_label(qtbot, project_path: Path,
                                                       window_factory) -> None:
    ids = _build(project_path)
    window = window_factory()
    a = ids["a.txt"]
    text = window.document.text
    added = window.reviewer.add(a, 0, 11, "PERSON")  # "Nadia Ferro"
    window.reload_current()
    window.open_doc.select(max(added.span_ids))
    qtbot.keyClick(window.view, Qt.Key.Key_L, CTRL_SHIFT)
    dialog = _dialog(qtbot)
    assert (dialog.text.text(), dialog.label.currentData()) == (text[:11], "PERSON")
    _counted(qtbot, dialog)
    assert dialog.shown_preview is not None
    assert (dialog.shown_preview.new, dialog.shown_preview.same) == (1, 1)  # b.txt; a itself
    qtbot.keyClick(dialog.label, Qt.Key.Key_Escape)  # Cancel: nothing written
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert _own(window, ids["b.txt"]) == []


def test_nothing_selected_says_so(qtbot, project_path: Path, window_factory) -> None:
    _build(project_path)
    window = window_factory()
    window.open_doc.select(None)
    qtbot.keyClick(window.view, Qt.Key.Key_L, CTRL_SHIFT)
    assert "select a span or some text first" in window.statusBar().currentMessage()


def test_an_invalid_expression_is_said_under_the_text_and_nothing_runs(
        qtbot, project_path: Path, window_factory) -> None:
    _build(project_path)
    window = window_factory()
    dialog = open_label_all(window, "Quito(", "GPE", regex=True)
    qtbot.waitUntil(dialog.error.isVisible, timeout=10000)
    assert "not a valid regular expression" in dialog.error.text()
    assert not dialog.apply_button.isEnabled()
    dialog.reject()


@pytest.mark.parametrize("regex", [False, True])
def test_the_entry_point_for_other_panels(qtbot, project_path: Path, window_factory,
                                          regex: bool) -> None:
    ids = _build(project_path)
    window = window_factory()
    dialog = open_label_all(window, r"Quito\b" if regex else "Quito", "LOC", regex=regex)
    assert dialog.regex.isChecked() is regex
    assert dialog.label.currentData() == "LOC"
    assert dialog.scope.currentData() == "not-done"  # the default: not the last listed
    assert not dialog.include_done.isEnabled()
    _counted(qtbot, dialog)
    dialog.run_apply()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    # "Documents not done" by default: a and b, not c.
    assert {label for _, _, label in _own(window, ids["a.txt"])} == {"LOC"}
    assert _own(window, ids["c.txt"]) == []
    _drawn_as_stored(window)


def test_apply_on_a_read_only_project_is_refused_in_the_dialog(qtbot,
                                                              project_path: Path) -> None:
    _build(project_path)
    with open_project(project_path, create=False, read_only=True) as project:
        reviewer = Decider(project, "ana")
        dialog = LabelAllDialog(reviewer, project.labels(), "Quito", "GPE", document_id=None)
        qtbot.addWidget(dialog)
        dialog.show()
        _counted(qtbot, dialog)
        assert dialog.shown_preview is not None and dialog.shown_preview.new == 4
        dialog.run_apply()
        qtbot.waitUntil(dialog.error.isVisible, timeout=10000)
        assert dialog.error.text().startswith("Not labelled: the project is open read-only")
        assert "\n" not in dialog.error.text() and dialog.isVisible()
        assert Decider(project, "ana").spans(1) == []


def test_the_entry_point_takes_case_and_scope(qtbot, project_path: Path, window_factory) -> None:
    from unannotate.services.label_all import Scope

    ids = _build(project_path)
    window = window_factory()
    dialog = open_label_all(window, "quito", "GPE", ignore_case=True, scope=Scope.ALL)
    assert dialog.ignore_case.isChecked() and dialog.scope.currentData() == "all"
    _counted(qtbot, dialog)
    assert dialog.shown_preview is not None and dialog.shown_preview.mentions == 6
    dialog.include_done.setChecked(True)  # done documents only when asked: asked here
    qtbot.waitUntil(lambda: dialog.shown_preview is not None
                    and dialog.shown_preview.include_done, timeout=10000)
    dialog.run_apply()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    assert len(_own(window, ids["c.txt"])) == 2


def test_label_every_occurrence_of_a_search_from_the_find_panel(
        qtbot, project_path: Path, window_factory) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+Shift+F, the name typed, Enter; "Label every occurrence…" clicked: the dialog
    opens on the searched text, and Enter in it labels the name in the documents not done."""
    ids = _build(project_path)
    window = window_factory()
    qtbot.keyClick(window.view, Qt.Key.Key_F, CTRL_SHIFT)
    panel = window.find_panel
    qtbot.waitUntil(panel.box.hasFocus)
    qtbot.keyClicks(panel.box, "Quito")
    qtbot.keyClick(panel.box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.label_all_button.isEnabled(), timeout=10000)
    qtbot.mouseClick(panel.label_all_button, Qt.MouseButton.LeftButton)
    dialog = _dialog(qtbot)
    assert dialog.text.text() == "Quito" and not dialog.regex.isChecked()
    index = dialog.label.findData("GPE")
    dialog.label.setCurrentIndex(index)
    _counted(qtbot, dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    # Whole words only: both "Quito" of the open document, never "Quitoan"; and the other
    # document not done.
    assert {text for text in (window.document.text[s:e] for s, e, _ in
                              _own(window, ids["a.txt"]))} == {"Quito"}
    assert len(_own(window, ids["a.txt"])) == 2
    assert len(_own(window, ids["b.txt"])) == 2
    _drawn_as_stored(window)
    # One Ctrl+Z takes all of it back, in every document.
    window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _own(window, ids["a.txt"]) == [], timeout=10000)
    assert _own(window, ids["b.txt"]) == []
    _drawn_as_stored(window)
