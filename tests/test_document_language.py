"""A document's language changed by a person: in the window with real keys (Ctrl+Shift+K,
the language chosen by its name's first letter, Enter), in the services and on the command
line. The language is stored and recorded as an undoable event; the pending suggestions are
made again with the new language's rules; decided spans, colleagues' layers and documents
marked done are left as they were; what is drawn is what is stored."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dialogs import shown_dialog
from drawing import mismatches, stored_spans
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select
from typer.testing import CliRunner

from unannotate.cli import app
from unannotate.core.errors import ReadOnlyProjectError, UnannotateError
from unannotate.core.history import EventKind, LanguageSnapshot
from unannotate.core.model import DocumentStatus, SpanState
from unannotate.nlp.base import SuggesterInput, suggestion_rows
from unannotate.qt.language_dialog import LanguageDialog
from unannotate.services.decisions import ConflictError, Decider
from unannotate.services.document_language import set_document_language
from unannotate.services.importing import import_paths
from unannotate.services.project import Project, open_project
from unannotate.services.suggesting import build_suggesters, run_suggester
from unannotate.storage import events as event_log
from unannotate.storage.schema import DocumentRow, EventRow

# Invented: a Russian briefing imported as English (the wrong language), and another.
TEXTS = {
    "a.txt": ("Генеральный секретарь Антониу Гутерриш заявил в Нью-Йорке 23 сентября 2025 "
              "года, что Казахстан выделит 2 миллиона долларов ПРООН.\r\nЭто хорошая новость "
              "🌍 для всех."),
    "b.txt": "Министр Иван Петров посетил Алматы 5 мая 2025 года вместе с ЮНИСЕФ.",
}
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
runner = CliRunner()


@pytest.fixture(autouse=True)
def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(tmp_path / "settings.json"))


def _build(project: Project, folder: Path) -> dict[str, int]:
    """Both documents as English, suggested by the rules; ana accepts the first pending
    suggestion of a.txt (the claim) and carl, a colleague, adds a span there."""
    folder.mkdir(exist_ok=True)
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    import_paths(project, [folder], language="en")
    for suggester in build_suggesters():
        run_suggester(project, suggester)
    with project.db.read() as session:
        ids = {source.rsplit("/", 1)[-1]: i for i, source in session.execute(
            select(DocumentRow.id, DocumentRow.source))}
    ana = Decider(project, "ana")
    first = min(ana.pending(ids["a.txt"]), key=lambda s: (s.start, s.end))
    ana.accept(first.id)
    Decider(project, "carl").add(ids["a.txt"], 0, 21, "PERSON")
    return ids


def _places(spans) -> list[tuple[int, int, str]]:  # type: ignore[no-untyped-def]
    return sorted((s.start, s.end, s.label) for s in spans)


def _rules_in(text: str, language: str) -> set[tuple[int, int, str]]:
    """What the built-in rules suggest in ``text`` read as ``language``, asked directly."""
    found = set()
    for suggester in build_suggesters():
        for _, rows in suggestion_rows(suggester, [SuggesterInput(1, text, language)]):
            found |= {(s, e, label) for s, e, label, _, _ in rows}
    return found


def _language(project: Project, document_id: int) -> str:
    with project.db.read() as session:
        return session.scalar(select(DocumentRow.language).where(DocumentRow.id == document_id))


def _stored_pending(reviewer: Decider, document_id: int) -> set[tuple[int, int, str]]:
    return {(s.start, s.end, s.label) for s in reviewer.pending(document_id)}


# -- services ---------------------------------------------------------------------------
def test_the_new_language_remakes_pending_suggestions_only_and_undo_puts_all_back(
        project: Project, tmp_path: Path) -> None:
    ids = _build(project, tmp_path / "docs")
    a, text = ids["a.txt"], TEXTS["a.txt"]
    ana = Decider(project, "ana")
    decided = _places(ana.spans(a))
    carl = _places(Decider(project, "carl").spans(a))
    english = _stored_pending(ana, a)
    assert not {"GPE", "PERSON", "MONEY"} & {label for _, _, label in english}

    # The Russian rules suggest the claim ana accepted too: no second suggestion repeats it.
    assert set(decided) & _rules_in(text, "ru")
    result = set_document_language(ana, a, "ru")
    assert _language(project, a) == "ru"
    russian = _rules_in(text, "ru") - set(decided)
    assert _stored_pending(ana, a) == russian
    assert {(text[s:e], label) for s, e, label in russian} >= {
        ("Антониу Гутерриш", "PERSON"), ("Нью-Йорке", "GPE"), ("Казахстан", "GPE"),
        ("23 сентября 2025 года", "DATE"), ("2 миллиона долларов", "MONEY")}
    assert _places(ana.spans(a)) == decided  # the claim ana accepted, as it was
    assert _places(Decider(project, "carl").spans(a)) == carl  # a colleague's layer
    assert _stored_pending(ana, ids["b.txt"]) == _rules_in(TEXTS["b.txt"], "en")  # untouched
    assert (result.replaced, result.suggested) == (len(english), len(russian))
    assert "English (en) → Russian (ru)" in result.message()
    # The event: who, which document, the language before and after, in ana's history.
    with project.db.read() as session:
        [event] = event_log.events_by_id(session, tuple(result.change.event_ids))
        assert (event.kind, event.document, event.before, event.after) == (
            EventKind.LANGUAGE, a, LanguageSnapshot("en"), LanguageSnapshot("ru"))
        assert event.who == ana.annotator_id and event.layer == ana.layer_id

    undone = ana.undo()
    assert undone is not None and undone.languages == {a: "en"}
    assert _language(project, a) == "en"
    assert _stored_pending(ana, a) == english
    assert _places(ana.spans(a)) == decided
    redone = Decider(project, "ana").redo()  # also from a new reviewer: after a restart
    assert redone is not None and _language(project, a) == "ru"
    assert _stored_pending(ana, a) == russian


def test_undo_after_a_colleague_changed_the_language_again_is_refused(
        project: Project, tmp_path: Path) -> None:
    ids = _build(project, tmp_path / "docs")
    a = ids["a.txt"]
    ana = Decider(project, "ana")
    set_document_language(ana, a, "ru")
    set_document_language(Decider(project, "carl"), a, "kk")
    pending = _stored_pending(ana, a)
    with pytest.raises(ConflictError, match="language was changed elsewhere"):
        ana.undo()
    assert _language(project, a) == "kk" and _stored_pending(ana, a) == pending


def test_a_document_marked_done_keeps_its_suggestions_and_says_so(
        project: Project, tmp_path: Path) -> None:
    ids = _build(project, tmp_path / "docs")
    b = ids["b.txt"]
    Decider(project, "carl").set_status(b, DocumentStatus.DONE)  # done by a colleague
    ana = Decider(project, "ana")
    before = _stored_pending(ana, b)
    result = set_document_language(ana, b, "kk")
    assert _language(project, b) == "kk" and result.done
    assert _stored_pending(ana, b) == before
    assert "marked done, so its suggestions were left as they are" in result.message()
    same = set_document_language(ana, b, "kk")  # nothing to change: no event
    assert not same.changed and not same.change.event_ids
    assert "already" in same.message()


def test_another_language_by_its_code_and_bad_codes(project: Project, tmp_path: Path) -> None:
    ids = _build(project, tmp_path / "docs")
    ana = Decider(project, "ana")
    result = set_document_language(ana, ids["b.txt"], " de ")
    assert _language(project, ids["b.txt"]) == "de"
    assert "German (de)" in result.message() and "no rules for language 'de'" in \
        result.message()
    for bad in ("r2d2", "", "ru!", "en-" + "x" * 20):
        with pytest.raises(UnannotateError, match="is not a language code"):
            set_document_language(ana, ids["b.txt"], bad)
    with pytest.raises(UnannotateError, match="no document 999"):
        set_document_language(ana, 999, "ru")
    assert _language(project, ids["b.txt"]) == "de"


def test_a_read_only_project_refuses_in_one_line(project_path: Path, tmp_path: Path) -> None:
    with open_project(project_path) as project:
        ids = _build(project, tmp_path / "docs")
    with open_project(project_path, create=False, read_only=True) as project:
        with pytest.raises(ReadOnlyProjectError, match="read-only") as refused:
            set_document_language(Decider(project, "ana"), ids["a.txt"], "ru")
        assert "\n" not in str(refused.value)
        assert _language(project, ids["a.txt"]) == "en"


def test_the_command_line_sets_a_language(project_path: Path, tmp_path: Path) -> None:
    with open_project(project_path) as project:
        ids = _build(project, tmp_path / "docs")
    a = str(ids["a.txt"])
    done = runner.invoke(app, ["set-language", a, "ru", "--annotator", "ana",
                               "--project", str(project_path)])
    assert done.exit_code == 0, done.output
    assert "English (en) → Russian (ru)" in done.output
    bad = runner.invoke(app, ["set-language", a, "ru!", "--annotator", "ana",
                              "--project", str(project_path)])
    assert bad.exit_code != 0 and "'ru!' is not a language code" in bad.output
    missing = runner.invoke(app, ["set-language", "999", "ru", "--annotator", "ana",
                                  "--project", str(project_path)])
    assert missing.exit_code == 1 and "no document 999" in missing.output
    with open_project(project_path) as project:
        assert _language(project, ids["a.txt"]) == "ru"
        with project.db.read() as session:
            kinds = list(session.scalars(select(EventRow.kind).where(
                EventRow.kind == EventKind.LANGUAGE.value)))
        assert kinds == ["language"]


# -- the window ---------------------------------------------------------------------------
def _dialog(qtbot) -> LanguageDialog:  # type: ignore[no-untyped-def]
    return shown_dialog(qtbot, LanguageDialog)


def _drawn_as_stored(window) -> None:  # type: ignore[no-untyped-def]
    reviewer = Decider(window.project, "ana")
    labels = {label.name: label for label in window.project.labels()}
    wrong = mismatches(window.view, window.document.text,
                       stored_spans(reviewer, window.document.id), labels)
    assert not wrong, f"drawn otherwise than stored: {wrong[:5]}"


def test_change_the_language_with_keys_then_undo(qtbot, project_path: Path, tmp_path: Path,
                                                 window_factory) -> None:
    with open_project(project_path) as project:
        ids = _build(project, tmp_path / "docs")
        decided = _places(Decider(project, "ana").spans(ids["a.txt"]))
        carl = _places(Decider(project, "carl").spans(ids["a.txt"]))
    window = window_factory()
    a = ids["a.txt"]
    window.open_document(a)
    english = set(window.pending_ids)
    assert window.language_button.text() == "🌐 English (en)"
    qtbot.keyClick(window.view, Qt.Key.Key_K, CTRL_SHIFT)
    dialog = _dialog(qtbot)
    assert "is in English (en)" in dialog.current.text()
    assert dialog.choice.currentData() == "en" and not dialog.code.isEnabled()
    qtbot.keyClicks(dialog.choice, "R")  # the first letter of Russian
    assert dialog.choice.currentData() == "ru"
    if os.environ.get("UNANNOTATE_SCREENSHOTS"):
        dialog.grab().save(str(Path(os.environ["UNANNOTATE_SCREENSHOTS"]) / "language.png"))
    qtbot.keyClick(dialog.choice, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    qtbot.waitUntil(lambda: "→ Russian (ru)" in window.statusBar().currentMessage(),
                    timeout=20000)
    project = window.project
    assert _language(project, a) == "ru"
    assert window.document.language == "ru"
    assert window.language_button.text() == "🌐 Russian (ru)"
    ana = Decider(project, "ana")
    assert _stored_pending(ana, a) == _rules_in(TEXTS["a.txt"], "ru") - set(decided)
    assert not english & set(window.pending_ids)  # the English suggestions are gone
    assert {(s.start, s.end, s.label) for i, s in window.spans.items()
            if i in window.pending_ids} == _stored_pending(ana, a)
    assert _places(ana.spans(a)) == decided
    assert _places(Decider(project, "carl").spans(a)) == carl
    _drawn_as_stored(window)
    assert "pending suggestions replaced" in window.statusBar().currentMessage()
    if os.environ.get("UNANNOTATE_SCREENSHOTS"):
        window.grab().save(str(Path(os.environ["UNANNOTATE_SCREENSHOTS"])
                               / "language-window.png"))

    qtbot.waitUntil(window.view.hasFocus)
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _language(project, a) == "en"
    assert window.language_button.text() == "🌐 English (en)"
    assert _stored_pending(ana, a) == _rules_in(TEXTS["a.txt"], "en") - set(decided)
    _drawn_as_stored(window)
    assert [s for s in ana.spans(a) if s.state is SpanState.ACCEPTED]


def test_an_invalid_code_is_said_in_the_dialog_and_nothing_changes(
        qtbot, project_path: Path, tmp_path: Path, window_factory) -> None:
    with open_project(project_path) as project:
        ids = _build(project, tmp_path / "docs")
    window = window_factory()
    window.open_document(ids["b.txt"])
    qtbot.keyClick(window.view, Qt.Key.Key_K, CTRL_SHIFT)
    dialog = _dialog(qtbot)
    qtbot.keyClicks(dialog.choice, "O")  # Other: a code
    qtbot.waitUntil(dialog.code.hasFocus)
    qtbot.keyClicks(dialog.code, "r2d2")
    qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "'r2d2' is not a language code" in dialog.error.text()
    if os.environ.get("UNANNOTATE_SCREENSHOTS"):
        dialog.grab().save(str(Path(os.environ["UNANNOTATE_SCREENSHOTS"])
                               / "language-error.png"))
    qtbot.keyClick(dialog.code, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert _language(window.project, ids["b.txt"]) == "en"
    # A language by its code: German has no rules, which the status bar says.
    qtbot.waitUntil(window.view.hasFocus)  # back in the text after the dialog
    qtbot.keyClick(window.view, Qt.Key.Key_K, CTRL_SHIFT)
    dialog = _dialog(qtbot)
    qtbot.keyClicks(dialog.choice, "O")
    qtbot.waitUntil(dialog.code.hasFocus)
    qtbot.keyClicks(dialog.code, "de")
    qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "→ German (de)" in window.statusBar().currentMessage(),
                    timeout=20000)
    assert _language(window.project, ids["b.txt"]) == "de"
    assert window.language_button.text() == "🌐 German (de): no rules"


def test_a_read_only_project_refuses_in_the_status_bar(qtbot, project_path: Path,
                                                      tmp_path: Path) -> None:
    from unannotate.qt.main_window import MainWindow
    from unannotate.services.preferences import Preferences

    with open_project(project_path) as project:
        _build(project, tmp_path / "docs")
    project = open_project(project_path, create=False, read_only=True)
    window = MainWindow(project, "ana", Preferences.load(), auto_suggest=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.view.hasFocus)
    qtbot.keyClick(window.view, Qt.Key.Key_K, CTRL_SHIFT)
    assert window.statusBar().currentMessage() == (
        "Document language: the project is open read-only; nothing can be changed.")
    assert not [w for w in QApplication.topLevelWidgets()
                if isinstance(w, LanguageDialog) and w.isVisible()]
