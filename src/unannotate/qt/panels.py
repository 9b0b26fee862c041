"""The review window's panels: the document list (with its filters), the span panel (with
the guidance), the label bar, and the document's title line. Widgets only: what they show
comes from :mod:`~unannotate.qt.open_document_views` and the window."""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..core.model import DocumentStatus, Label, LabelKind
from .models import STATUS_TEXT, DocumentListModel, SpanListModel

SECOND_ROW = 9  # labels past the ninth: Shift+1 … Shift+9, then the label picker (L)


def plain_table(table: QTableView) -> None:
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(24)
    table.setWordWrap(False)
    table.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    table.setTabKeyNavigation(False)


class ElidedLabel(QLabel):
    """A one-line plain-text label that never asks for the width of its text: it holds the
    whole text (and shows it as its tooltip) but paints only its first line, cut with "…"
    to the width the layout gives. A QLabel's minimum width is its text's, so a document
    whose first line is long would widen the window past the screen."""

    def __init__(self) -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def set_full_text(self, text: str, detail: str = "") -> None:
        """Hold ``text``; the tooltip shows it whole, with ``detail`` (a file name) after."""
        self.setText(text)
        shown = f"{text} — {detail}" if detail else text
        self.setToolTip(f"<p>{html.escape(shown)}</p>" if shown else "")

    def shown_text(self) -> str:
        """What is painted: the first line, elided to the label's width."""
        line = self.text().splitlines()[0] if self.text() else ""
        return QFontMetrics(self.font()).elidedText(line, Qt.TextElideMode.ElideRight,
                                                    max(self.contentsRect().width(), 0))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(0, QFontMetrics(self.font()).height() + 10)

    def sizeHint(self) -> QSize:  # noqa: N802
        return self.minimumSizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setFont(self.font())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(Qt.AlignmentFlag.AlignLeft
                                                  | Qt.AlignmentFlag.AlignVCenter),
                         self.shown_text())
        painter.end()


class DocumentListPanel(QWidget):
    """The project's documents, filtered by status, label and title."""

    def __init__(self, labels: list[Label]) -> None:
        super().__init__()
        self.model = DocumentListModel()
        # The database filters and orders: the model is its own filter.
        self.filter = self.model
        self.table = QTableView()
        self.table.setModel(self.model)
        plain_table(self.table)
        # Fixed widths, not ResizeToContents: that measures every row on each reset. The
        # title takes what is left (and at least a readable share).
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        for column, width in ((1, 78), (2, 60), (3, 64)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        self.status_filter = QComboBox()
        self.status_filter.addItem("All", None)
        for status in DocumentStatus:
            self.status_filter.addItem(STATUS_TEXT[status].capitalize(), status)
        self.label_filter = QComboBox()
        self.label_filter.addItem("Any label", None)
        for label in labels:
            self.label_filter.addItem(label.name, label.name)
        self.order = QComboBox()
        self.order.setToolTip("The order of the list. Most uncertain first: the documents "
                              "whose waiting suggestions the suggesters are least sure of")
        for text, order in (("Import order", None), ("By title", "title"),
                            ("Most uncertain first", "uncertain")):
            self.order.addItem(text, order)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search titles and file names")
        self.search.setClearButtonEnabled(True)
        for widget in (self.status_filter, self.label_filter):
            widget.currentIndexChanged.connect(self._filter)
        self.search.textChanged.connect(self._filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        filters = QHBoxLayout()
        filters.addWidget(self.status_filter)
        filters.addWidget(self.label_filter)
        filters.addWidget(self.order)
        layout.addLayout(filters)
        layout.addWidget(self.search)
        layout.addWidget(self.table)

    def _filter(self) -> None:
        self.filter.set_filter(status=self.status_filter.currentData(),
                               label=self.label_filter.currentData(),
                               search=self.search.text())


class SpanPanel(QWidget):
    """The open document's spans in text order, and the guidance of the selected one."""

    def __init__(self) -> None:
        super().__init__()
        self.model = SpanListModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        plain_table(self.table)
        header = self.table.horizontalHeader()
        # The text gets the room; label, score and state keep small fixed widths, and the
        # reason (often long) the rest of what it needs, after the text.
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 84), (2, 42), (3, 66), (4, 90)):
            header.resizeSection(column, width)
        header.setStretchLastSection(False)
        self.guidance = QLabel()
        self.guidance.setTextFormat(Qt.TextFormat.PlainText)
        self.guidance.setWordWrap(True)
        self.guidance.setStyleSheet("padding: 6px; color: palette(text);")
        # A fixed height: new guidance text must not re-lay out the panel on every decision.
        self.guidance.setFixedHeight(120)
        self.guidance.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 6, 6)
        layout.addWidget(QLabel("Suggestions and annotations"))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.guidance)


def label_keys(labels: list[Label]) -> dict[str, str]:
    """Every label's key, in QKeySequence text: its own digit (1–9), C for the claim label,
    else the next key of the second row (Shift+1 … Shift+9) in scheme order; labels past
    those are reached with the label picker (L) alone, shown as "L"."""
    keys: dict[str, str] = {}
    second = 1
    claim = next((label.name for label in labels if label.kind is LabelKind.CLAIM), None)
    for label in labels:
        if len(label.key) == 1 and label.key in "123456789":
            keys[label.name] = label.key
        elif label.name == claim:
            keys[label.name] = "C"  # marks the sentence at the cursor as a claim
        elif second <= SECOND_ROW:
            keys[label.name] = f"Shift+{second}"
            second += 1
        else:
            keys[label.name] = "L"
    return keys


def second_row_label(labels: list[Label], index: int) -> Label | None:
    """The label on Shift+``index + 1``."""
    wanted = f"Shift+{index + 1}"
    keys = label_keys(labels)
    return next((label for label in labels if keys[label.name] == wanted), None)


class LabelBar(QWidget):
    """The label scheme as chips, in two rows across the window: the labels on 1–9 (and the
    claim key), then the second row on Shift+1…9 and the picker (L). Each chip shows its key,
    name and colour (its guidance as the tooltip); claims are underlined, as they are drawn."""

    def __init__(self) -> None:
        super().__init__()
        # In a scroll area, so the chips never set the window's minimum width (a small screen
        # scrolls them instead).
        self.bar = QWidget()
        column = QVBoxLayout(self.bar)
        column.setContentsMargins(6, 4, 6, 2)
        column.setSpacing(3)
        self.rows = [QHBoxLayout(), QHBoxLayout()]
        for row in self.rows:
            row.setSpacing(4)
            column.addLayout(row)
        scroll = QScrollArea()
        scroll.setWidget(self.bar)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.scroll = scroll
        self.chips: dict[str, QLabel] = {}

    def fill(self, labels: list[Label]) -> None:
        for row in self.rows:
            while row.count():
                item = row.takeAt(0)
                if item.widget():
                    item.widget().deleteLater()
        self.chips = {}
        keys = label_keys(labels)
        for label in labels:
            key = keys[label.name]
            chip = QLabel(f"{key.replace('Shift+', '⇧')} {label.name}")
            chip.setTextFormat(Qt.TextFormat.PlainText)
            chip.setToolTip(f"<p>{html.escape(label.description)}</p>")
            underline = f"border-bottom: 3px solid {label.colour};"
            style = (f"background: {label.colour}; color: #111;"
                     if label.kind is LabelKind.ENTITY
                     else f"background: transparent; color: palette(text); {underline}")
            chip.setStyleSheet(f"{style} border-radius: 3px; padding: 1px 5px; font-size: 9pt;")
            self.rows[0 if len(key) == 1 else 1].addWidget(chip)
            self.chips[label.name] = chip
        hint = QLabel("L any label, from a list")
        hint.setTextFormat(Qt.TextFormat.PlainText)
        hint.setStyleSheet("padding: 1px 5px; font-size: 9pt; color: palette(mid);")
        self.rows[1].addWidget(hint)
        for row in self.rows:
            row.addStretch(1)
        bar = self.bar.sizeHint().height()
        self.setFixedHeight(bar + self.scroll.horizontalScrollBar().sizeHint().height() + 2)
