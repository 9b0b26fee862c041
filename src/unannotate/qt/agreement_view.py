"""The agreement dialog: the overall figures, per label (with a bar chart), between annotators
and per document, most disagreement first; a document opens with a double click or Enter.

Every string from the project goes in as plain text: titles may look like HTML.
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.agreement import AgreementReport
from ..core.errors import UnannotateError
from ..services.agreement_report import (
    FIGURES,
    SUFFIXES,
    defined,
    documents_by_disagreement,
    format_score,
    label_spans_by_annotator,
    score_colour,
    summary_lines,
    write_report,
)

SORT_KEY = Qt.ItemDataRole.UserRole
DOCUMENT_ID = Qt.ItemDataRole.UserRole + 1
EXACT_COLOUR = QColor("#2f6db0")
OVERLAP_COLOUR = QColor("#9cc2e8")
DARK_TEXT = QColor("#1d232b")  # on the light shaded cells, in either palette
EXPORTS = ((".csv", "CSV"), (".json", "JSON"), (".html", "HTML"))


class _Item(QTableWidgetItem):
    """A read-only cell that sorts by the key stored beside its text (numbers as numbers)."""

    def __init__(self, text: str, key: object = None) -> None:
        super().__init__(text)
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.setData(SORT_KEY, text.casefold() if key is None else key)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(SORT_KEY), other.data(SORT_KEY)
        try:
            return bool(mine < theirs)
        except TypeError:
            return str(mine) < str(theirs)


def _number(value: int) -> _Item:
    item = _Item(str(value), value)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _score(value: float | None, *, shade: bool = True) -> _Item:
    # An undefined figure sorts after every defined one when ascending.
    finite = defined(value)
    item = _Item(format_score(value), math.inf if finite is None else finite)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if shade:
        item.setBackground(QColor(score_colour(value)))
        item.setForeground(DARK_TEXT)
    return item


def _table(columns: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(26)
    table.horizontalHeader().setHighlightSections(False)
    return table


def _plain_label(text: str = "", style: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if style:
        label.setStyleSheet(style)
    return label


class ScoreChart(QWidget):
    """Exact and overlap F1 per label as horizontal bars on a 0–1 axis (QPainter only)."""

    ROW = 34  # height of one label's pair of bars, gap included

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, float | None, float | None]] = []

    def set_scores(self, rows: list[tuple[str, float | None, float | None]]) -> None:
        self.rows = rows
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(440, 60 + self.ROW * max(1, len(self.rows)))

    def minimumSizeHint(self) -> QSize:
        return QSize(300, 60 + 24 * max(1, len(self.rows)))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().windowText().color()
        faint = QColor(text)
        faint.setAlpha(45)
        metrics = painter.fontMetrics()
        if not self.rows:
            painter.setPen(text)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No labels to chart")
            painter.end()
            return
        label_width = min(170, max(metrics.horizontalAdvance(name) for name, _, _ in self.rows))
        left = 12 + label_width + 10
        right = self.width() - 52
        top, bottom = 30, self.height() - 24
        plot = max(40, right - left)
        # Legend.
        x = left
        for name, colour in (("exact F1", EXACT_COLOUR), ("overlap F1", OVERLAP_COLOUR)):
            painter.fillRect(QRectF(x, 9, 12, 12), colour)
            painter.setPen(text)
            painter.drawText(int(x + 17), 20, name)
            x += 17 + metrics.horizontalAdvance(name) + 18
        # Grid and axis.
        for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
            gx = left + tick * plot
            painter.setPen(QPen(text if tick == 0 else faint, 1))
            painter.drawLine(int(gx), top - 4, int(gx), bottom)
            painter.setPen(text)
            tick_text = f"{tick:g}"
            painter.drawText(int(gx - metrics.horizontalAdvance(tick_text) / 2),
                             bottom + metrics.ascent() + 4, tick_text)
        row = (bottom - top) / len(self.rows)
        bar = max(4.0, min(13.0, (row - 8) / 2))
        for index, (name, exact, overlap) in enumerate(self.rows):
            y = top + index * row + (row - 2 * bar) / 2
            shown = metrics.elidedText(name, Qt.TextElideMode.ElideRight, label_width)
            painter.setPen(text)
            painter.drawText(QRectF(12, y, label_width, 2 * bar),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, shown)
            for offset, value, colour in ((0.0, exact, EXACT_COLOUR),
                                          (bar, overlap, OVERLAP_COLOUR)):
                finite = defined(value)
                length = 0.0 if finite is None else min(1.0, max(0.0, finite)) * plot
                if length:
                    painter.fillRect(QRectF(left, y + offset, length, bar - 1), colour)
                painter.setPen(text)
                painter.drawText(QRectF(left + length + 4, y + offset - 2, 48, bar + 3),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                 format_score(value, 2))
        painter.end()


class _Figure(QFrame):
    """One overall figure: a large number under its name, shaded by how good it is."""

    def __init__(self, title: str, meaning: str) -> None:
        super().__init__()
        self.setObjectName("figure")
        self.setToolTip(meaning)
        self.title = _plain_label(title, "font-size: 9pt; font-weight: 600;")
        self.value = _plain_label("–")
        font = QFont(self.value.font())
        font.setPointSizeF(max(18.0, font.pointSizeF() * 2.1))
        font.setWeight(QFont.Weight.DemiBold)
        self.value.setFont(font)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.value)

    def set_value(self, value: float | None) -> None:
        self.value.setText(format_score(value))
        self.setStyleSheet(
            "QFrame#figure { border: 1px solid palette(mid); border-radius: 6px;"
            f" border-top: 5px solid {score_colour(value, strong=True)};"
            " background: palette(base); }")


class AgreementDialog(QDialog):
    """How far the annotators' layers coincide, and where they differ most."""

    document_activated = Signal(int)  # a per-document row opened: the document's id

    def __init__(self, report: AgreementReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Agreement")
        self.resize(1180, 740)
        self.report = report

        self.summary = _plain_label("", "font-size: 11pt;")
        self.summary.setWordWrap(True)
        self.figures: dict[str, _Figure] = {}
        figures_row = QHBoxLayout()
        figures_row.setSpacing(10)
        for name, title, meaning in FIGURES:
            self.figures[name] = _Figure(title, meaning)
            figures_row.addWidget(self.figures[name])

        self.documents = _table(["Document", "Spans", "Disagreements", "Exact F1"])
        header = self.documents.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 70), (2, 110), (3, 80)):
            header.resizeSection(column, width)
        self.documents.activated.connect(self._document_row_activated)
        self.documents.setToolTip("Double-click or press Enter to open the document")

        self.labels = _table([])
        self.labels_note = _plain_label("F1 per label (pooled over the pairs) and the spans each "
                                        "annotator marked with it")
        labels_tab = QWidget()
        labels_layout = QVBoxLayout(labels_tab)
        labels_layout.addWidget(self.labels_note)
        labels_layout.addWidget(self.labels, 1)
        self.matrix = _table([])
        self.matrix.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.matrix.verticalHeader().show()
        self.matrix_note = _plain_label("Exact F1 between each pair of annotators")
        self.pairs = _table(["Annotator", "Annotator", "Exact F1", "Overlap F1",
                             "Token kappa", "Claim kappa"])
        self.pairs_note = _plain_label()
        between = QWidget()
        between_layout = QVBoxLayout(between)
        between_layout.addWidget(self.matrix_note)
        between_layout.addWidget(self.matrix)
        between_layout.addSpacing(8)
        between_layout.addWidget(self.pairs_note)
        between_layout.addWidget(self.pairs, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.documents, "Documents")
        self.tabs.addTab(labels_tab, "Labels")
        self.tabs.addTab(between, "Between annotators")

        self.chart = ScoreChart()
        chart_scroll = QScrollArea()
        chart_scroll.setWidget(self.chart)
        chart_scroll.setWidgetResizable(True)
        chart_scroll.setFrameShape(QFrame.Shape.NoFrame)
        chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(8, 0, 0, 0)
        chart_layout.addWidget(_plain_label("F1 per label", "font-weight: 600;"))
        chart_layout.addWidget(chart_scroll, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.tabs)
        splitter.addWidget(chart_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([690, 460])

        self.status = _plain_label("", "color: palette(mid);")
        buttons = QHBoxLayout()
        self.export_buttons: dict[str, QPushButton] = {}
        for suffix, name in EXPORTS:
            button = QPushButton(f"Export {name}…")
            button.clicked.connect(lambda _=False, s=suffix, n=name: self._ask_and_export(s, n))
            self.export_buttons[suffix] = button
            buttons.addWidget(button)
        buttons.addWidget(self.status, 1)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.close_button)
        for button in (*self.export_buttons.values(), self.close_button):
            # Enter opens the current document; it must not also press a button.
            button.setAutoDefault(False)
            button.setDefault(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(self.summary)
        layout.addLayout(figures_row)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self.set_report(report)

    # -- filling ----------------------------------------------------------------------------
    def set_report(self, report: AgreementReport) -> None:
        self.report = report
        self.summary.setText("\n".join(summary_lines(report)))
        for name, figure in self.figures.items():
            figure.set_value(getattr(report, name))
        self._fill_documents(report)
        self._fill_labels(report)
        self._fill_between(report)
        self.chart.set_scores([(label, scores.exact_f1, scores.overlap_f1)
                               for label, scores in report.per_label.items()])
        self.status.clear()

    def _fill_documents(self, report: AgreementReport) -> None:
        table = self.documents
        table.setSortingEnabled(False)
        ordered = documents_by_disagreement(report)
        table.setRowCount(len(ordered))
        for row, document in enumerate(ordered):
            title = _Item(document.title)
            title.setData(DOCUMENT_ID, document.id)
            # A rich-text tooltip, escaped: the full title, shown literally.
            title.setToolTip(f"<p>{escape(document.title)}</p>")
            table.setItem(row, 0, title)
            table.setItem(row, 1, _number(document.spans))
            table.setItem(row, 2, _number(document.disagreements))
            table.setItem(row, 3, _score(document.exact_f1))
        # Enabling sorting sorts once, by the indicator; Qt's sort is stable, so ties keep
        # the report's order.
        table.horizontalHeader().setSortIndicator(2, Qt.SortOrder.DescendingOrder)
        table.setSortingEnabled(True)
        if ordered:
            table.setCurrentCell(0, 0)

    def _fill_labels(self, report: AgreementReport) -> None:
        spans = label_spans_by_annotator(report)
        table = self.labels
        table.setSortingEnabled(False)
        table.clear()
        columns = ["Label", "Exact F1", "Overlap F1", *report.annotators]
        table.setColumnCount(len(columns))
        table.setHorizontalHeaderLabels(columns)
        for column, name in enumerate(report.annotators, start=3):
            header_item = QTableWidgetItem(name)
            # Tooltips guess at rich text: the name goes in escaped.
            header_item.setToolTip(f"<p>Spans {escape(name)} marked with the label</p>")
            table.setHorizontalHeaderItem(column, header_item)
        table.setRowCount(len(report.per_label))
        for row, (label, scores) in enumerate(report.per_label.items()):
            table.setItem(row, 0, _Item(label))
            table.setItem(row, 1, _score(scores.exact_f1))
            table.setItem(row, 2, _score(scores.overlap_f1))
            for column, name in enumerate(report.annotators, start=3):
                table.setItem(row, column, _number(spans.get(label, {}).get(name, 0)))
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        # No sort indicator yet: the report's order stays until a header is clicked.
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)

    def _fill_between(self, report: AgreementReport) -> None:
        several = len(report.annotators) > 2
        self.matrix.setVisible(several)
        self.matrix_note.setVisible(several)
        if several:
            scores = {frozenset((p.a, p.b)): p.exact_f1 for p in report.pairs}
            names = report.annotators
            self.matrix.clear()
            self.matrix.setRowCount(len(names))
            self.matrix.setColumnCount(len(names))
            self.matrix.setHorizontalHeaderLabels(names)
            self.matrix.setVerticalHeaderLabels(names)
            for row, a in enumerate(names):
                for column, b in enumerate(names):
                    if a == b:
                        item = _Item("")
                        item.setBackground(self.palette().alternateBase())
                    else:
                        item = _score(scores.get(frozenset((a, b))))
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    self.matrix.setItem(row, column, item)
            self.matrix.horizontalHeader().setSectionResizeMode(
                QHeaderView.ResizeMode.Stretch)
            # As tall as its rows: the matrix is small, the pairs table below takes the rest.
            self.matrix.setFixedHeight(
                self.matrix.horizontalHeader().sizeHint().height()
                + self.matrix.verticalHeader().length() + 2 * self.matrix.frameWidth() + 2)
        self.pairs_note.setText("Every figure of each pair" if several else
                                "The figures of the pair")
        table = self.pairs  # a few rows in the report's order: not sortable
        table.setRowCount(len(report.pairs))
        for row, pair in enumerate(report.pairs):
            table.setItem(row, 0, _Item(pair.a))
            table.setItem(row, 1, _Item(pair.b))
            for column, value in enumerate((pair.exact_f1, pair.overlap_f1, pair.token_kappa,
                                            pair.claim_kappa), start=2):
                table.setItem(row, column, _score(value, shade=column < 4))
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

    # -- acting -----------------------------------------------------------------------------
    def _document_row_activated(self, index) -> None:  # type: ignore[no-untyped-def]
        item = self.documents.item(index.row(), 0)
        if item is not None:
            self.document_activated.emit(int(item.data(DOCUMENT_ID)))

    def document_order(self) -> list[int]:
        """The document ids in the order the table shows them."""
        items = (self.documents.item(row, 0) for row in range(self.documents.rowCount()))
        return [int(item.data(DOCUMENT_ID)) for item in items if item is not None]

    def export_to(self, path: Path | str) -> Path:
        """Write the report to a file whose suffix names the format; raises on failure."""
        target = Path(path)
        write_report(self.report, target, title=self.windowTitle())
        self.status.setText(f"Written: {target}")
        return target

    def _ask_and_export(self, suffix: str, name: str) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export the agreement report as {name}", f"agreement{suffix}",
            f"{name} (*{suffix})")
        if not path:
            return
        if SUFFIXES.get(Path(path).suffix.lower()) != SUFFIXES[suffix]:
            path += suffix
        try:
            self.export_to(path)
        except (UnannotateError, OSError) as error:
            box = QMessageBox(QMessageBox.Icon.Warning, "Export", str(error), parent=self)
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.exec()
