"""The agreement dialog driven with real clicks and key presses: documents by disagreement, a
row opened with Enter or a double click, sorting by a header, exports, titles shown literally."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFileDialog, QLabel, QTableWidget

from unannotate.core.agreement import AgreementReport, DocumentScores, LabelScores, PairScores
from unannotate.core.errors import UnannotateError

HOSTILE_TITLE = '<b>URGENT</b> <img src=x onerror=alert(1)> & "quotes"'
ANNOTATORS = ["ana", "<i>ben</i>", "chloé"]


def _labels(a: int, b: int) -> dict[str, LabelScores]:
    return {
        "PERSON": LabelScores("PERSON", 0.9, 0.95, a, b, 8),
        "CLAIM": LabelScores("CLAIM", 0.41, 0.74, a + 5, b + 2, 3),
        "NORP": LabelScores("NORP", None, None, 0, 0, 0),
    }


def make_report(annotators: list[str] | None = None,
                documents: list[DocumentScores] | None = None) -> AgreementReport:
    names = list(annotators or ANNOTATORS)
    spans = {name: 10 + 2 * index for index, name in enumerate(names)}
    pairs = [PairScores(a, b, 0.6 + 0.05 * i, 0.8, 0.7, 0.5, _labels(spans[a], spans[b]))
             for i, (a, b) in enumerate((a, b) for j, a in enumerate(names)
                                        for b in names[j + 1:])]
    per_document = documents if documents is not None else [
        DocumentScores(11, "Calm briefing", 9, 1, 0.95),
        DocumentScores(22, HOSTILE_TITLE, 10, 7, 0.31),
        DocumentScores(33, "empty draft", 0, 0, None),
        DocumentScores(44, "Busy debate", 100, 4, 0.62),
        DocumentScores(55, "Assembly statement", 12, 4, 0.7),
    ]
    per_label = _labels(11, 12)
    extra = {"PERSON": 0, "CLAIM": 5}  # NORP: no spans
    for label, scores in per_label.items():  # the counts of every annotator, as computed
        scores.annotator_spans = {name: spans[name] + extra[label] if label in extra else 0
                                  for name in names}
    return AgreementReport(names, len(per_document), 0.65, 0.8, 0.7, None, 0.68, 0.52,
                           per_label=per_label, pairs=pairs, per_document=per_document,
                           tokens=1234, sentences=56,
                           spans={name: 2 * count for name, count in spans.items()})


@pytest.fixture
def dialog_factory(qtbot):  # type: ignore[no-untyped-def]
    from unannotate.qt.agreement_view import AgreementDialog

    def make(report: AgreementReport | None = None) -> AgreementDialog:
        dialog = AgreementDialog(report or make_report())
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    return make


def _column(table: QTableWidget, column: int) -> list[str]:
    return [table.item(row, column).text() for row in range(table.rowCount())]


def _row_centre(table: QTableWidget, row: int) -> QPoint:
    return table.visualRect(table.model().index(row, 0)).center()


def _double_click(qtbot, table: QTableWidget, row: int) -> None:  # type: ignore[no-untyped-def]
    # A person's double click is a click and then a second press read as a double click;
    # QTest's double click alone skips the first click.
    where = _row_centre(table, row)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)


def _click_header(qtbot, table: QTableWidget, column: int) -> None:  # type: ignore[no-untyped-def]
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(x, header.height() // 2))


def test_shows_the_overall_figures_and_every_table(dialog_factory) -> None:  # type: ignore[no-untyped-def]
    dialog = dialog_factory()
    values = {name: figure.value.text() for name, figure in dialog.figures.items()}
    assert values == {"exact_f1": "0.650", "overlap_f1": "0.800", "token_kappa": "0.700",
                      "claim_kappa": "–", "token_alpha": "0.680", "claim_alpha": "0.520"}
    assert all(figure.toolTip() for figure in dialog.figures.values())
    assert dialog.summary.text() == ("5 documents · 1,234 tokens · 56 sentences compared\n"
                                     "3 annotators: ana (20 spans), <i>ben</i> (24 spans), "
                                     "chloé (28 spans)")
    assert _column(dialog.labels, 0) == ["PERSON", "CLAIM", "NORP"]
    assert [dialog.labels.item(2, c).text() for c in (1, 2)] == ["–", "–"]
    # Spans per annotator: one column each, from the pairs.
    header = [dialog.labels.horizontalHeaderItem(c).text()
              for c in range(dialog.labels.columnCount())]
    assert header == ["Label", "Exact F1", "Overlap F1", *ANNOTATORS]
    assert [dialog.labels.item(0, c).text() for c in (3, 4, 5)] == ["10", "12", "14"]
    assert [dialog.labels.item(1, c).text() for c in (3, 4, 5)] == ["15", "17", "19"]
    assert dialog.pairs.rowCount() == 3
    assert dialog.chart.rows == [("PERSON", 0.9, 0.95), ("CLAIM", 0.41, 0.74),
                                 ("NORP", None, None)]


def test_pairwise_matrix_coloured_by_value(dialog_factory) -> None:  # type: ignore[no-untyped-def]
    dialog = dialog_factory()
    matrix = dialog.matrix
    assert not matrix.isHidden()
    assert (matrix.rowCount(), matrix.columnCount()) == (3, 3)
    assert matrix.item(0, 1).text() == matrix.item(1, 0).text() == "0.600"
    assert matrix.item(1, 2).text() == "0.700"
    low = matrix.item(0, 1).background().color()
    high = matrix.item(1, 2).background().color()
    assert high.green() > low.green() or high.red() < low.red()  # towards green
    assert matrix.item(0, 0).text() == ""
    # Two annotators: no matrix, the pair's own figures.
    two = dialog_factory(make_report(["ana", "ben"]))
    assert two.matrix.isHidden()
    assert two.pairs.rowCount() == 1
    assert _column(two.pairs, 2) == ["0.600"]


def test_documents_most_disagreement_first(dialog_factory) -> None:  # type: ignore[no-untyped-def]
    dialog = dialog_factory()
    # 7, then the tie of 4 in the report's order, then 1, 0.
    assert dialog.document_order() == [22, 44, 55, 11, 33]
    assert _column(dialog.documents, 2) == ["7", "4", "4", "1", "0"]
    assert _column(dialog.documents, 3)[-1] == "–"


def test_enter_on_a_row_opens_that_document(qtbot, dialog_factory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args: asked.append(args[1]) or ("", "")))
    dialog = dialog_factory()
    table = dialog.documents
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=_row_centre(table, 2))
    assert table.currentRow() == 2
    with qtbot.waitSignal(dialog.document_activated, timeout=2000) as blocker:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert blocker.args == [55]
    qtbot.keyClick(table, Qt.Key.Key_Down)
    with qtbot.waitSignal(dialog.document_activated, timeout=2000) as blocker:
        qtbot.keyClick(table, Qt.Key.Key_Enter)
    assert blocker.args == [11]
    # Enter opened the document; it did not also press a button of the dialog.
    assert dialog.isVisible() and asked == []


def test_double_click_opens_that_document(qtbot, dialog_factory) -> None:  # type: ignore[no-untyped-def]
    dialog = dialog_factory()
    table = dialog.documents
    with qtbot.waitSignal(dialog.document_activated, timeout=2000) as blocker:
        _double_click(qtbot, table, 0)
    assert blocker.args == [22]


def test_sorting_by_clicking_a_header(qtbot, dialog_factory) -> None:  # type: ignore[no-untyped-def]
    dialog = dialog_factory()
    table = dialog.documents
    _click_header(qtbot, table, 0)
    titles = _column(table, 0)
    by_title = sorted(titles, key=str.casefold)
    first = table.horizontalHeader().sortIndicatorOrder()
    assert titles == (by_title if first == Qt.SortOrder.AscendingOrder else by_title[::-1])
    _click_header(qtbot, table, 0)
    assert _column(table, 0) == titles[::-1]

    _click_header(qtbot, table, 1)  # spans: as numbers, not as text ("100" after "12")
    spans = [int(text) for text in _column(table, 1)]
    ascending = table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    assert spans == sorted(spans, reverse=not ascending)
    assert spans != [int(t) for t in sorted(_column(table, 1), reverse=not ascending)]

    # The id travels with its row: double-click the first row after sorting.
    expected = {d.title: d.id for d in dialog.report.per_document}[table.item(0, 0).text()]
    with qtbot.waitSignal(dialog.document_activated, timeout=2000) as blocker:
        _double_click(qtbot, table, 0)
    assert blocker.args == [expected]


def test_export_to_writes_each_format(dialog_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = dialog_factory()
    for name in ("a.csv", "a.json", "a.html"):
        assert dialog.export_to(tmp_path / name) == tmp_path / name
    assert (tmp_path / "a.csv").read_text(encoding="utf-8").startswith("section,")
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in data["per_document"]] == [11, 22, 33, 44, 55]
    page = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;URGENT&lt;/b&gt;" in page and "<script" not in page
    assert str(tmp_path / "a.html") in dialog.status.text()
    with pytest.raises(UnannotateError):
        dialog.export_to(tmp_path / "a.txt")
    assert not (tmp_path / "a.txt").exists()


def test_export_button_asks_for_a_file_and_adds_the_suffix(qtbot, dialog_factory, tmp_path,
                                                          monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dialog = dialog_factory()
    asked: list[str] = []

    def save_name(parent, caption, directory, filter):  # type: ignore[no-untyped-def]
        asked.append(filter)
        return str(tmp_path / "report"), filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    qtbot.mouseClick(dialog.export_buttons[".json"], Qt.MouseButton.LeftButton)
    assert asked == ["JSON (*.json)"]
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["documents"] == 5


def test_hostile_title_and_names_shown_literally(dialog_factory) -> None:  # type: ignore[no-untyped-def]
    dialog = dialog_factory()
    assert dialog.documents.item(0, 0).text() == HOSTILE_TITLE
    assert dialog.matrix.horizontalHeaderItem(1).text() == "<i>ben</i>"
    assert dialog.labels.horizontalHeaderItem(4).text() == "<i>ben</i>"
    assert "&lt;i&gt;ben" in dialog.labels.horizontalHeaderItem(4).toolTip()
    assert "<i>ben</i>" in dialog.summary.text()
    for label in dialog.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    # The tooltip is rich text, so the title in it is escaped.
    assert "&lt;img src=x" in dialog.documents.item(0, 0).toolTip()


def test_chart_draws_bars_for_defined_figures(dialog_factory) -> None:  # type: ignore[no-untyped-def]
    from unannotate.qt.agreement_view import EXACT_COLOUR, OVERLAP_COLOUR

    dialog = dialog_factory()

    def pixels(colour: QColor) -> int:
        image = dialog.chart.grab().toImage()
        return sum(image.pixelColor(x, y) == colour
                   for x in range(0, image.width(), 2) for y in range(0, image.height(), 2))

    exact, overlap = pixels(EXACT_COLOUR), pixels(OVERLAP_COLOUR)
    assert exact > 50 and overlap > 50
    assert overlap > exact  # overlap F1 is higher for every label here
    dialog.chart.set_scores([("PERSON", None, None)])
    legend = pixels(EXACT_COLOUR)  # only the legend's swatch is left
    assert 0 < legend < exact / 4
    dialog.chart.set_scores([("PERSON", None, 0.5)])
    assert pixels(EXACT_COLOUR) == legend and pixels(OVERLAP_COLOUR) > 2 * legend


def test_set_report_replaces_everything(dialog_factory) -> None:  # type: ignore[no-untyped-def]
    dialog = dialog_factory()
    smaller = make_report(["x", "y"], [DocumentScores(9, "Only one", 3, 2, 0.4)])
    dialog.set_report(smaller)
    assert dialog.document_order() == [9]
    assert dialog.labels.columnCount() == 5
    assert dialog.matrix.isHidden()
    assert dialog.summary.text().startswith("1 document · ")
