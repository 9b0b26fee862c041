"""The consistency report in the window, from the keyboard: Ctrl+Shift+C opens it (computed
on a worker thread), a header click sorts it, Enter on a finding asks for the fix, Enter on a
place opens its document with the place selected, and a label key then labels it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from consistency_project import D1, D3, D4, at, build
from PySide6.QtCore import QPoint, Qt

from unannotate.qt.consistency_view import ConsistencyWindow

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture(autouse=True)
def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(tmp_path / "settings.json"))


def _texts(report: ConsistencyWindow, column: int) -> list[str]:
    return [report.table.item(row, column).text() for row in range(report.table.rowCount())]


def _click_header(qtbot: Any, report: ConsistencyWindow, column: int) -> None:
    header = report.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(x, header.height() // 2))


def _opened(qtbot: Any, window: Any) -> ConsistencyWindow:
    window.activateWindow()  # the key is the main window's
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window.view, Qt.Key.Key_C, CTRL_SHIFT)
    report = window.consistency_window
    assert isinstance(report, ConsistencyWindow) and report.isVisible()
    qtbot.waitUntil(lambda: report.report is not None, timeout=30_000)
    return report


def _the_label_all_dialog_opens_on(qtbot: Any, text: str, label: str) -> None:
    """The fix is "label every occurrence": its dialog, on the finding's text and majority
    label (closed again here, nothing applied)."""
    from dialogs import shown_dialog

    from unannotate.qt.label_all_dialog import LabelAllDialog

    dialog = shown_dialog(qtbot, LabelAllDialog)
    assert dialog.text.text() == text and dialog.label.currentData() == label
    dialog.reject()


def test_the_report_from_the_keyboard(qtbot: Any, window_factory: Any, project_path: Path,
                                      project_copy: Any, tmp_path: Path) -> None:
    ids = project_copy(build, project_path)
    window = window_factory()
    qtbot.keyClick(window.view, Qt.Key.Key_C, CTRL_SHIFT)
    report = window.consistency_window
    assert isinstance(report, ConsistencyWindow) and report.isVisible()
    # The report is computed on a worker thread: the key returned before it was made.
    assert report.report is None and report.worker is not None
    qtbot.waitUntil(lambda: report.report is not None, timeout=30_000)
    # Most places to fix first; every string as plain text.
    assert _texts(report, 2) == ["Delta Fund", "Mopti", "Saint Brides"]
    assert _texts(report, 1) == ["labelled here, missing there", "same text, different label",
                                 "labelled here, missing there"]
    assert _texts(report, 0) == ["3", "1", "1"]
    assert _texts(report, 3) == ["ORG", "GPE", "GPE"]
    assert _texts(report, 4)[1] == "GPE 2, ORG 1"
    assert _texts(report, 6)[1] == "ana: GPE 2; ben: ORG 1"
    assert _texts(report, 5)[0] == "3 in 2 documents"
    assert "3 surface forms labelled, 4 documents searched" in report.summary.text()
    report.grab().save(str(tmp_path / "consistency-report.png"))

    # A click on a header sorts by it, a second click the other way.
    _click_header(qtbot, report, 2)
    assert _texts(report, 2) == ["Delta Fund", "Mopti", "Saint Brides"]
    _click_header(qtbot, report, 2)
    assert _texts(report, 2) == ["Saint Brides", "Mopti", "Delta Fund"]
    _click_header(qtbot, report, 0)
    assert _texts(report, 0) in (["1", "1", "3"], ["3", "1", "1"])
    _click_header(qtbot, report, 2)  # by text again: Delta Fund, Mopti, Saint Brides

    # Enter on a finding: label every occurrence of its text with its majority label.
    report.table.setFocus()
    qtbot.keyClick(report.table, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(report.table, Qt.Key.Key_Down)
    assert report.current_finding().text == "Mopti"
    with qtbot.waitSignal(report.fix_requested, timeout=2000) as fix:
        qtbot.keyClick(report.table, Qt.Key.Key_Return)
    assert fix.args == ["Mopti", "GPE"]
    _the_label_all_dialog_opens_on(qtbot, "Mopti", "GPE")
    # Its places: the one span off the majority, ben's ORG.
    assert report.place_model.rowCount() == 1
    assert "ben: ORG" in report.place_model.data(report.place_model.index(0))
    with qtbot.waitSignal(report.fix_requested, timeout=2000) as fix:
        qtbot.keyClick(report.table, Qt.Key.Key_F)
    assert fix.args == ["Mopti", "GPE"]
    _the_label_all_dialog_opens_on(qtbot, "Mopti", "GPE")

    # The Delta Fund's places; Tab to them, the second, Enter: its document opens in the
    # main window with the place selected.
    qtbot.keyClick(report.table, Qt.Key.Key_Up)
    assert report.current_finding().text == "Delta Fund"
    assert report.place_model.rowCount() == 3
    # Each place in its context, as plain text (whitespace shown as one space).
    assert report.place_model.data(report.place_model.index(0)) == (
        "The [delta fund] opened a school in Mopti last spring.   ·   ana: unlabelled")
    qtbot.keyClick(report.table, Qt.Key.Key_Tab)
    assert report.places.hasFocus()
    qtbot.keyClick(report.places, Qt.Key.Key_Down)
    qtbot.keyClick(report.places, Qt.Key.Key_Return)
    assert window.document is not None and window.document.id == ids["d3"]
    start, end = at(D3, "DELTA FUND")
    assert window.view.selected_text_range() == (start, end)
    assert window.view.textCursor().selectedText() == "DELTA FUND"
    assert window.statusBar().currentMessage() == (
        "Consistency report: this place is unlabelled in ana's layer; a label key labels it.")
    # The main window comes forward; a label key on the selected place labels it, in
    # ana's own layer.
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    org = [label.name for label in window.labels].index("ORG")
    qtbot.keyClick(window.view, Qt.Key(Qt.Key.Key_1 + org))
    assert any((span.start, span.end, span.label) == (start, end, "ORG")
               for span in window.spans.values())

    # Asked again, the report counts what changed: one place fewer.
    report = _opened(qtbot, window)
    fund = next(f for f in report.report.findings if f.text == "Delta Fund")
    assert fund.unlabelled == 2
    # F5 counts again too.
    qtbot.keyClick(report.table, Qt.Key.Key_F5)
    assert report.report is None
    qtbot.waitUntil(lambda: report.report is not None, timeout=30_000)

    # Closing the window while a report is being made cancels it; its result is dropped.
    worker = report.refresh()
    report.close()
    assert worker.cancelled and report.worker is None
    qtbot.wait(300)
    assert report.report is None


def test_a_place_of_the_readers_own_span_selects_it(qtbot: Any, window_factory: Any,
                                                    project_path: Path,
                                                    project_copy: Any) -> None:
    ids = project_copy(build, project_path)
    window = window_factory()
    report = _opened(qtbot, window)
    report.layer.setCurrentText("ana")
    qtbot.waitUntil(lambda: report.report is not None and report.report.annotators == ["ana"],
                    timeout=30_000)
    # ana alone: one finding, the Delta Fund; scope every document adds d4.
    assert _texts(report, 2) == ["Delta Fund"]
    report.everywhere.setChecked(True)
    qtbot.waitUntil(lambda: report.report is not None and report.report.scope.value == "all",
                    timeout=30_000)
    assert _texts(report, 5)[0] == "4 in 3 documents"
    # A different-label place in ana's own layer opens with her span selected.
    report.layer.setCurrentIndex(0)
    report.everywhere.setChecked(False)
    qtbot.waitUntil(lambda: report.report is not None and report.report.annotators
                    == ["ana", "ben"] and report.report.scope.value == "worked", timeout=30_000)
    from unannotate.qt.consistency_view import show_place
    from unannotate.services.consistency import Place

    # A colleague who starts meanwhile joins the layer box when the report is asked again.
    from unannotate.services.decisions import Decider

    Decider(window.project, "cy").add(ids["d4"], *at(D4, "Delta Fund"), "ORG")
    assert _opened(qtbot, window) is report
    assert [report.layer.itemText(n) for n in range(report.layer.count())] == [
        "Every annotator", "ana", "ben", "cy"]
    assert report.report.annotators == ["ana", "ben", "cy"]

    show_place(window, Place(ids["d1"], 0, 5, "ana", "GPE"))
    assert window.document.id == ids["d1"]
    selected = window.open_doc.selected
    assert selected is not None
    span = window.spans[selected]
    assert (span.start, span.end, span.label) == (0, 5, "GPE")
    assert D1[span.start:span.end] == "Mopti"


def test_text_that_looks_like_html_stays_text(qtbot: Any, window_factory: Any,
                                              project_path: Path, tmp_path: Path) -> None:
    from unannotate.services.decisions import Decider
    from unannotate.services.importing import import_paths
    from unannotate.services.project import open_project
    from unannotate.services.window_data import document_summaries

    text = "Hello <i>Nord</i> team. Again <i>Nord</i> here."
    (tmp_path / "html.txt").write_text(text, encoding="utf-8")
    project = open_project(project_path)
    import_paths(project, [tmp_path / "html.txt"])
    ana = Decider(project, "ana")
    doc = document_summaries(ana)[0].id
    ana.add(doc, *at(text, "<i>Nord</i>"), "ORG")
    project.close()
    window = window_factory()
    report = _opened(qtbot, window)
    assert _texts(report, 2) == ["<i>Nord</i>"]
    assert report.table.item(0, 2).toolTip() == "<p>&lt;i&gt;Nord&lt;/i&gt;</p>"
    shown = report.place_model.data(report.place_model.index(0))
    assert shown.startswith("Hello <i>Nord</i> team. Again [<i>Nord</i>] here.")


def test_closing_the_main_window_stops_a_report(qtbot: Any, window_factory: Any,
                                                project_path: Path, project_copy: Any) -> None:
    project_copy(build, project_path)
    window = window_factory()
    report = _opened(qtbot, window)
    worker = report.refresh()
    window.close()
    assert worker.cancelled and report.worker is None
