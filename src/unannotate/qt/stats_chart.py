"""How the suggesters fare, in the window: per suggester version and label, the suggestions
reviewers accepted, corrected and rejected, as stacked bars per day (drawn with QPainter:
QtCharts is not part of the essentials) and a table of totals."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..services.learning_stats import OUTCOMES, LearningStats

COLOURS = {"accepted": QColor("#2e7d32"), "corrected": QColor("#f9a825"),
           "rejected": QColor("#c62828")}
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 48, 16, 30, 44
MAX_BAR = 56


class OutcomeChart(QWidget):
    """Stacked bars, one per day: accepted (green), corrected (amber), rejected (red)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.days: list[tuple[str, dict[str, int]]] = []
        self.setMinimumSize(420, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_days(self, days: list[tuple[str, dict[str, int]]]) -> None:
        self.days = days
        self.update()

    def plot_area(self) -> QRectF:
        return QRectF(MARGIN_LEFT, MARGIN_TOP, max(self.width() - MARGIN_LEFT - MARGIN_RIGHT, 1),
                      max(self.height() - MARGIN_TOP - MARGIN_BOTTOM, 1))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().color(self.foregroundRole())
        area = self.plot_area()
        self._legend(painter, text)
        painter.setPen(QPen(text, 1))
        painter.drawLine(area.bottomLeft(), area.bottomRight())
        painter.drawLine(area.bottomLeft(), area.topLeft())
        if not self.days:
            painter.drawText(area, int(Qt.AlignmentFlag.AlignCenter),
                             "No suggestion decided yet")
            painter.end()
            return
        top = max(sum(counts.values()) for _, counts in self.days) or 1
        step = _nice_step(top)
        scale_top = step * -(-top // step)
        metrics = painter.fontMetrics()
        draw_value_axis(painter, area, text, ((value / scale_top, str(value))  # counts
                                              for value in range(0, scale_top + 1, step)))
        slot = area.width() / len(self.days)
        width = min(slot * 0.7, MAX_BAR)
        every = max(1, int(metrics.horizontalAdvance("2026-12-07 ") / slot) + 1)
        for n, (day, counts) in enumerate(self.days):
            x = area.left() + slot * n + (slot - width) / 2
            y = area.bottom()
            for outcome in OUTCOMES:
                height = area.height() * counts.get(outcome, 0) / scale_top
                if height > 0:
                    painter.fillRect(QRectF(x, y - height, width, height), COLOURS[outcome])
                    y -= height
            painter.setPen(QPen(text, 1))
            total = sum(counts.values())
            painter.drawText(QRectF(x - 10, y - 16, width + 20, 14),
                             int(Qt.AlignmentFlag.AlignCenter), str(total))
            if n % every == 0:
                painter.drawText(QRectF(area.left() + slot * n - 20, area.bottom() + 4,
                                        slot + 40, 16), int(Qt.AlignmentFlag.AlignHCenter),
                                 day)
        painter.drawText(QRectF(area.left(), area.bottom() + 22, area.width(), 16),
                         int(Qt.AlignmentFlag.AlignHCenter),
                         "day of the decision (UTC) · suggestions decided")
        painter.end()

    def _legend(self, painter: QPainter, text: QColor) -> None:
        x = float(MARGIN_LEFT)
        for outcome in OUTCOMES:
            painter.fillRect(QRectF(x, 8, 12, 12), COLOURS[outcome])
            painter.setPen(QPen(text, 1))
            painter.drawText(QRectF(x + 16, 4, 100, 20), int(Qt.AlignmentFlag.AlignVCenter),
                             outcome)
            x += 24 + painter.fontMetrics().horizontalAdvance(outcome) + 12


def draw_value_axis(painter: QPainter, area: QRectF, text: QColor,
                    ticks: Iterable[tuple[float, str]]) -> None:
    """The y axis's ticks: each ``(share of the area's height from its bottom, label)``
    labelled in the margin left of ``area``, with a faint dashed line across it (none at
    the bottom, where the axis is)."""
    for share, label in ticks:
        y = area.bottom() - area.height() * share
        painter.setPen(QPen(text, 1))
        painter.drawText(QRectF(0, y - 8, area.left() - 6, 16),
                         int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), label)
        if share:
            grid = QColor(text)
            grid.setAlpha(40)
            painter.setPen(QPen(grid, 1, Qt.PenStyle.DashLine))
            painter.drawLine(int(area.left()), int(y), int(area.right()), int(y))


def _nice_step(top: int) -> int:
    """A step for the count axis giving at most five lines: 1, 2, 5, 10, 20, 50 …"""
    base = 1
    while True:
        for step in (base, 2 * base, 5 * base):
            if top / step <= 5:
                return step
        base *= 10


def _item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)  # plain text, whatever it holds
    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
    return item


class StatisticsDialog(QDialog):
    """The chart for a chosen suggester version and label, and the totals of each."""

    ALL = "All"

    def __init__(self, stats: LearningStats, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Suggestion statistics")
        self.resize(820, 640)
        self.stats = stats
        self.suggester = QComboBox()
        self.suggester.addItem("All suggesters", None)
        for name in stats.suggesters():
            self.suggester.addItem(name, name)
        self.label = QComboBox()
        self.suggester.currentIndexChanged.connect(self._fill_labels)
        self.label.currentIndexChanged.connect(self._draw)
        self.chart = OutcomeChart()
        totals = stats.totals()
        self.table = QTableWidget(len(totals), 6)
        self.table.setHorizontalHeaderLabels(
            ["Suggester version", "Label", "Accepted", "Corrected", "Rejected", "Accepted as is"])
        for row, ((suggester, label), counts) in enumerate(totals.items()):
            decided = sum(counts.values())
            share = f"{counts['accepted'] / decided:.0%}" if decided else "–"
            cells = (suggester, label, *(str(counts[o]) for o in OUTCOMES), share)
            for column, text in enumerate(cells):
                self.table.setItem(row, column, _item(text))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        note = QLabel("Each decided suggestion counts once, for its last decision (undone "
                      "decisions do not count), under the label and the suggester version "
                      "that suggested it. Corrected: accepted with another label or extent.")
        note.setTextFormat(Qt.TextFormat.PlainText)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        choose = QHBoxLayout()
        choose.addWidget(self.suggester, 2)
        choose.addWidget(self.label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(choose)
        layout.addWidget(self.chart, 3)
        layout.addWidget(self.table, 2)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self._fill_labels()

    def _fill_labels(self) -> None:
        self.label.blockSignals(True)
        self.label.clear()
        self.label.addItem("All labels", None)
        for name in self.stats.labels(self.suggester.currentData()):
            self.label.addItem(name, name)
        self.label.blockSignals(False)
        self._draw()

    def _draw(self) -> None:
        self.chart.set_days(self.stats.by_day(self.suggester.currentData(),
                                              self.label.currentData()))
