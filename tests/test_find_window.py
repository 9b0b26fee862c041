"""Find in every document from the review window, driven with real keys: Ctrl+Shift+F, a
query, Enter, the hits under their documents, Enter on a hit opens its document with the hit
selected; an invalid expression is said under the box; Cancel stops a huge search."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette

from unannotate.qt import find_panel as panel_module
from unannotate.services.decisions import Decider
from unannotate.services.find import DocumentHits, FindQuery, Hit
from unannotate.services.importing import import_paths
from unannotate.services.project import open_project

TEXTS = {
    "geneva": "Geneva briefing\n\nThe envoy met UNICEF staff in Geneva on Monday.",
    "mali": "Mali update 🌍\r\n\r\nAmina Diallo said 🇲🇱 aid reached Gao.\r\nLater, "
            "Amina Diallo visited Timbuktu with <b>UNICEF</b> teams.",
    "yemen": "Yemen appeal\n\nNo names here, only numbers: 4,000 families.",
}


@pytest.fixture(autouse=True)
def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(tmp_path / "settings.json"))


@pytest.fixture
def documents(project_path: Path, tmp_path: Path) -> dict[str, int]:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, body in TEXTS.items():
        (folder / f"{name}.txt").write_bytes(body.encode("utf-8"))
    project = open_project(project_path)
    try:
        import_paths(project, [folder], language="en")
        from unannotate.services.find import find

        ids = {name: next(iter(find(project, FindQuery(body.split()[0])))).document_id
               for name, body in TEXTS.items()}
        mali = TEXTS["mali"]
        start = mali.index("Amina Diallo")
        Decider(project, "ben").add(ids["mali"], start, start + 12, "PERSON")
    finally:
        project.close()
    return ids


def _open_panel(qtbot, window):  # type: ignore[no-untyped-def]
    qtbot.keyClick(window.view, Qt.Key.Key_F,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    panel = window.find_panel
    qtbot.waitUntil(panel.box.hasFocus)
    return panel


def test_find_then_enter_on_a_hit_opens_its_document_with_the_hit_selected(
        qtbot, window_factory, documents: dict[str, int], tmp_path: Path) -> None:
    window = window_factory()
    panel = _open_panel(qtbot, window)
    qtbot.keyClicks(panel.box, "amina diallo")
    qtbot.keyClick(panel.box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not panel.running and panel.hits_found == 2)
    assert panel.status.text() == "2 hits in 1 document"
    top = panel.results.topLevelItem(0)
    assert top.text(0) == "Mali update 🌍 — 2 hits" and top.isFirstColumnSpanned()
    first, second = (top.child(n) for n in range(2))
    assert first.text(1) == "Amina Diallo" and first.text(3) == "PERSON (ben)"
    assert second.text(3) == ""
    assert "Later, " in second.text(0) and second.text(2).startswith(" visited Timbuktu")
    # Down goes from the box to the hits; Down again to the second; Enter opens it.
    qtbot.keyClick(panel.box, Qt.Key.Key_Down)
    assert panel.results.hasFocus()
    qtbot.keyClick(panel.results, Qt.Key.Key_Down)
    assert panel.results.currentItem() is second
    qtbot.keyClick(panel.results, Qt.Key.Key_Return)
    hit: Hit = second.data(0, panel_module.HIT_ROLE)
    mali = TEXTS["mali"]
    assert (hit.start, hit.end) == (mali.rindex("Amina Diallo"), mali.rindex("Amina Diallo") + 12)
    assert window.document.id == documents["mali"]
    qtbot.waitUntil(window.view.hasFocus)
    view = window.view
    assert view.selected_text_range() == (hit.start, hit.end)
    cursor = view.textCursor()
    # Qt's positions: the emoji and the flag are two each, a CRLF one.
    assert (cursor.selectionStart(), cursor.selectionEnd()) == (
        view.positions.to_qt(hit.start), view.positions.to_qt(hit.end))
    assert cursor.selectionEnd() - cursor.selectionStart() == 12
    assert cursor.selectedText() == "Amina Diallo"
    # The selection is drawn: the middle of the hit is painted in the highlight colour.
    qtbot.wait(50)
    image = view.viewport().grab().toImage()
    probe = view.textCursor()
    probe.setPosition(cursor.selectionStart() + 6)
    point = view.cursorRect(probe).center()
    ratio = image.width() / max(view.viewport().width(), 1)
    colour = image.pixelColor(int(point.x() * ratio) - 2, int(point.y() * ratio))
    highlight = view.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)
    assert colour.name() == highlight.name()
    shot = Path(os.environ.get("FIND_PANEL_SCREENSHOT", tmp_path / "find-panel.png"))
    window.grab().save(str(shot))
    # Every column is in view, the annotations' too.
    header = panel.results.header()
    assert header.sectionPosition(3) + 40 < panel.results.viewport().width()
    # With the hit selected, a label key labels it.
    qtbot.keyClick(view, Qt.Key.Key_1)
    spans = Decider(window.project, "ana").spans(documents["mali"])
    assert [(s.start, s.end) for s in spans] == [(hit.start, hit.end)]
    window.close()


def test_an_invalid_expression_is_said_under_the_box_and_nothing_runs(
        qtbot, window_factory, documents: dict[str, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[object] = []
    monkeypatch.setattr(panel_module, "start", lambda worker: started.append(worker))
    window = window_factory()
    panel = _open_panel(qtbot, window)
    qtbot.mouseClick(panel.regex, Qt.MouseButton.LeftButton)
    assert panel.regex.isChecked()
    panel.box.setFocus()
    qtbot.keyClicks(panel.box, "Amina (Diallo")
    assert not panel.label_all_button.isEnabled()
    qtbot.keyClick(panel.box, Qt.Key.Key_Return)
    assert panel.error.isVisible()
    assert panel.error.text() == ("Amina (Diallo: not a valid regular expression: missing ), "
                                  "unterminated subpattern at position 6")
    assert panel.error.textFormat() == Qt.TextFormat.PlainText
    assert started == [] and panel.results.topLevelItemCount() == 0
    qtbot.keyClick(panel.box, Qt.Key.Key_Backspace)  # editing the query clears the error
    assert not panel.error.isVisible()
    qtbot.keyClick(panel.box, Qt.Key.Key_Escape)  # Esc closes the panel
    assert not panel.isVisible()
    window.close()


def test_the_query_and_label_every_occurrence_for_the_labelling_dialog(
        qtbot, window_factory, documents: dict[str, int]) -> None:
    window = window_factory()
    panel = _open_panel(qtbot, window)
    assert panel.current_query() is None and not panel.label_all_button.isEnabled()
    qtbot.keyClicks(panel.box, "UNICEF")
    assert panel.current_query() == FindQuery("UNICEF", regex=False, whole_words=True)
    with qtbot.waitSignal(panel.label_all_requested) as asked:
        qtbot.mouseClick(panel.label_all_button, Qt.MouseButton.LeftButton)
    assert asked.args == ["UNICEF", False]
    # The window answers it with the labelling dialog, on the searched text (closed here).
    from PySide6.QtWidgets import QApplication

    from unannotate.qt.label_all_dialog import LabelAllDialog

    [dialog] = [w for w in QApplication.topLevelWidgets()
                if isinstance(w, LabelAllDialog) and w.isVisible()]
    assert dialog.text.text() == "UNICEF" and not dialog.regex.isChecked()
    dialog.reject()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(panel.box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not panel.running and panel.hits_found == 2)
    assert [h.text for h in panel.hits()] == ["UNICEF", "UNICEF"]
    # Text is shown as text: the document's markup is listed as it is written.
    assert "<b>" in panel.results.topLevelItem(1).child(0).text(0)
    # Only the hits with a label on them: ben's PERSON on the first Amina Diallo.
    panel.box.setText("amina diallo")
    panel.label.setCurrentIndex(panel.label.findData("PERSON"))
    assert panel.current_query() == FindQuery("amina diallo", label="PERSON")
    qtbot.mouseClick(panel.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.running and panel.hits_found == 1)
    assert [h.start for h in panel.hits()] == [TEXTS["mali"].index("Amina Diallo")]
    # A label added to the scheme since is offered the next time the panel opens.
    from unannotate.core.model import Label, LabelKind

    window.set_labels([*window.labels, Label("TREATY", LabelKind.ENTITY)])
    window.view.setFocus()
    assert _open_panel(qtbot, window) is panel
    assert panel.label.findData("TREATY") > 0 and panel.label.currentData() == "PERSON"
    window.close()


def test_a_huge_search_lists_a_first_page_at_once_counts_on_and_cancels(
        qtbot, window_factory, documents: dict[str, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(panel_module, "MAX_LISTED", 30)
    produced: list[int] = []

    def endless(project, query, *, annotator=None, cancelled=None):  # type: ignore[no-untyped-def]
        n = 0
        while cancelled is None or not cancelled():
            n += 1
            hits = tuple(Hit(n, f"Document {n}", i, i + 4, "word", "", "") for i in range(3))
            produced.append(n)
            yield DocumentHits(n, f"Document {n}", hits)
            time.sleep(0.002)

    monkeypatch.setattr(panel_module, "find", endless)
    window = window_factory()
    panel = _open_panel(qtbot, window)
    qtbot.keyClicks(panel.box, "word")
    qtbot.keyClick(panel.box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.results.topLevelItemCount() > 0, timeout=2000)
    qtbot.waitUntil(lambda: panel.hits_found > 300, timeout=10000)
    assert panel.status.text().startswith("Finding… ")
    assert panel.cancel_button.isEnabled()
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=5000)
    qtbot.waitUntil(lambda: panel.status.text().startswith("Cancelled: "))
    assert len(panel.hits()) == 30  # listed: the cap; counted: everything found
    assert panel.hits_found >= 300 and "(the first 30 listed)" in panel.status.text()
    stopped_at = len(produced)
    qtbot.wait(100)
    assert len(produced) == stopped_at  # the worker stopped
    assert not panel.cancel_button.isEnabled()
    window.close()
