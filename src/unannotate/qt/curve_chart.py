"""Review → Would more reviewing help?: the learning curve in the window. Per kind (a tab
each), the held-out F1 of the models trained on growing parts of the done documents as a
line over the documents trained on, the current suggesters as dashed lines, a table per
label, and what the last part of the curve says. Drawn with QPainter (QtCharts is not part
of the essentials)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .improve import notes_label
from .stats_chart import draw_value_axis

if TYPE_CHECKING:
    from ..services.training import Curve

CURVE_COLOUR = QColor("#1565c0")
NOW_COLOURS = (QColor("#ef6c00"), QColor("#6a1b9a"), QColor("#00838f"))
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 48, 24, 56, 44


def short_name(suggester: str) -> str:
    """A suggester as a column header or legend can hold it: "rules", "trained @ID",
    "spaCy NAME" (the full name goes in the tooltip)."""
    name, _, pipeline = suggester.partition(":")
    if ".rules." in name:
        return "built-in rules"
    if ".trained." in name:
        return "trained @" + name.partition("@")[2][:8] if "@" in name else "trained"
    if ".spacy." in name and pipeline:
        return f"spaCy {pipeline}"
    return suggester


def f1_of(evaluation: object | None, label: str | None) -> float | None:
    """The F1 of ``label`` (None: all labels) in an Evaluation, None when not there."""
    if evaluation is None:
        return None
    score = (evaluation.overall if label is None  # type: ignore[attr-defined]
             else evaluation.per_label.get(label))  # type: ignore[attr-defined]
    return None if score is None else score.f1


class CurveChart(QWidget):
    """F1 (0 to 1) over the documents trained on: the trained points joined by a line, each
    with its value; the current suggesters as dashed lines across."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: list[tuple[int, float]] = []  # (documents trained on, F1)
        self.now: list[tuple[str, float]] = []  # (suggester, F1)
        self.setMinimumSize(420, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, points: list[tuple[int, float]], now: list[tuple[str, float]]) -> None:
        self.points, self.now = points, now
        self.update()

    def plot_area(self) -> QRectF:
        return QRectF(MARGIN_LEFT, MARGIN_TOP, max(self.width() - MARGIN_LEFT - MARGIN_RIGHT, 1),
                      max(self.height() - MARGIN_TOP - MARGIN_BOTTOM, 1))

    def position(self, documents: int, f1: float) -> QPointF:
        area = self.plot_area()
        right = max([d for d, _ in self.points] or [1])
        return QPointF(area.left() + area.width() * documents / right,
                       area.bottom() - area.height() * f1)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().color(self.foregroundRole())
        area = self.plot_area()
        self._legend(painter, text)
        draw_value_axis(painter, area, text, ((step / 5, f"{step / 5:.1f}")  # F1 by 0.2
                                              for step in range(6)))
        painter.setPen(QPen(text, 1))
        painter.drawLine(area.bottomLeft(), area.bottomRight())
        painter.drawLine(area.bottomLeft(), area.topLeft())
        if not self.points:
            painter.drawText(area, int(Qt.AlignmentFlag.AlignCenter),
                             "No point of the curve could be trained")
            painter.end()
            return
        for n, (_name, f1) in enumerate(self.now):
            y = area.bottom() - area.height() * f1
            painter.setPen(QPen(NOW_COLOURS[n % len(NOW_COLOURS)], 2, Qt.PenStyle.DashLine))
            painter.drawLine(int(area.left()), int(y), int(area.right()), int(y))
        painter.setPen(QPen(CURVE_COLOUR, 3))
        at = [self.position(d, f1) for d, f1 in self.points]
        for a, b in zip(at, at[1:]):
            painter.drawLine(a, b)
        painter.setBrush(CURVE_COLOUR)
        for point, (documents, f1) in zip(at, self.points, strict=True):
            painter.setPen(QPen(CURVE_COLOUR, 1))
            painter.drawEllipse(point, 4.5, 4.5)
            painter.setPen(QPen(text, 1))
            painter.drawText(QRectF(point.x() - 30, point.y() - 22, 60, 16),
                             int(Qt.AlignmentFlag.AlignHCenter), f"{f1:.2f}")
            painter.drawText(QRectF(point.x() - 30, area.bottom() + 4, 60, 16),
                             int(Qt.AlignmentFlag.AlignHCenter), str(documents))
        painter.drawText(QRectF(area.left(), area.bottom() + 22, area.width(), 16),
                         int(Qt.AlignmentFlag.AlignHCenter),
                         "documents trained on · F1 on the held-out documents")
        painter.end()

    def _legend(self, painter: QPainter, text: QColor) -> None:
        x = float(MARGIN_LEFT)
        entries = [("trained on part of the documents", CURVE_COLOUR, Qt.PenStyle.SolidLine)]
        entries += [(f"now: {short_name(name)}", NOW_COLOURS[n % len(NOW_COLOURS)],
                     Qt.PenStyle.DashLine) for n, (name, _) in enumerate(self.now)]
        metrics = painter.fontMetrics()
        for name, colour, style in entries:
            painter.setPen(QPen(colour, 3, style))
            painter.drawLine(int(x), 14, int(x) + 18, 14)
            painter.setPen(QPen(text, 1))
            width = metrics.horizontalAdvance(name)
            painter.drawText(QRectF(x + 22, 4, width + 4, 20),
                             int(Qt.AlignmentFlag.AlignVCenter), name)
            x += 22 + width + 16


def _item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)  # plain text, whatever the labels are called
    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
    return item


class CurvePage(QWidget):
    """One kind's curve: what was trained, the label to draw, the chart, the table, the
    verdict."""

    ALL = "All labels"

    def __init__(self, curve: Curve, layer: str) -> None:
        super().__init__()
        self.curve = curve
        last = curve.points[-1]
        head = QLabel(
            f"{curve.what.capitalize()} from the {layer} layer: models trained on "
            f"{', '.join(str(p.documents) for p in curve.points)} of the {last.documents} "
            f"done documents not held out, each scored on the same {curve.held_out} held-out "
            "documents"
            + (" (overlap match)" if curve.what == "entities" else " (per sentence)")
            + ". Nothing is registered.")
        head.setTextFormat(Qt.TextFormat.PlainText)
        head.setWordWrap(True)
        self.label = QComboBox()
        self.label.addItem(self.ALL, None)
        for name in curve.labels:
            self.label.addItem(name, name)
        self.label.currentIndexChanged.connect(self._draw)
        self.chart = CurveChart()
        now = list(curve.before)
        passes = any(p.passes is not None for p in curve.points)
        self.table = QTableWidget(len(curve.labels) + 1 + passes,
                                  len(curve.points) + len(now) + 1)
        self.table.setHorizontalHeaderLabels(
            ["Label", *(f"{p.documents} documents" for p in curve.points),
             *(f"Now: {short_name(name)}" for name in now)])
        for column, name in enumerate(now, start=len(curve.points) + 1):
            self.table.horizontalHeaderItem(column).setToolTip(name)
        for row, label in enumerate([*curve.labels, None]):
            values = [f1_of(p.evaluation, label) for p in curve.points]
            values += [f1_of(curve.before[name], label) for name in now]
            cells = [label or self.ALL.lower(),
                     *("–" if v is None else f"{v:.2f}" for v in values)]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, _item(text))
        if passes:  # how much training the time limit gave each point
            row = len(curve.labels) + 1
            cells = ["passes",
                     *("–" if p.passes is None else f"{p.passes:g}" for p in curve.points),
                     *("" for _ in now)]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, _item(text))
            self.table.item(row, 0).setToolTip("Passes over its documents each point's "
                                               "training made in the time it was given")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        lines = [f"{p.share:.0%} ({p.documents} documents): not trained, {p.skipped}."
                 for p in curve.points if p.evaluation is None]
        verdict = curve.verdict()
        self.verdict = QLabel("\n".join([*lines, verdict[:1].upper() + verdict[1:] + "."]))
        self.verdict.setTextFormat(Qt.TextFormat.PlainText)
        self.verdict.setWordWrap(True)
        font = self.verdict.font()
        font.setBold(True)
        self.verdict.setFont(font)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.label)
        layout.addWidget(self.chart, 3)
        layout.addWidget(self.verdict)
        layout.addWidget(self.table, 2)
        unmarked = curve.unmarked()
        self.unmarked = QLabel(unmarked[:1].upper() + unmarked[1:] + "." if unmarked else "")
        self.unmarked.setTextFormat(Qt.TextFormat.PlainText)
        self.unmarked.setWordWrap(True)
        self.unmarked.setVisible(bool(unmarked))
        layout.addWidget(self.unmarked)
        self._draw()

    def _draw(self) -> None:
        label = self.label.currentData()
        points = [(p.documents, f1) for p in self.curve.points
                  if (f1 := f1_of(p.evaluation, label)) is not None]
        now = [(name, f1) for name, evaluation in self.curve.before.items()
               if (f1 := f1_of(evaluation, label)) is not None]
        self.chart.set_data(points, now)


class CurveDialog(QDialog):
    """Per kind, a tab with its :class:`CurvePage`; notes (a kind left out) above."""

    def __init__(self, curves: list[tuple[str, Curve]], parent: QWidget | None = None, *,
                 notes: list[str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Would more reviewing help? Learning curve")
        self.resize(860, 720)
        layout = QVBoxLayout(self)
        self.notes = notes_label(notes)
        layout.addWidget(self.notes)
        self.tabs = QTabWidget()
        self.pages: dict[str, CurvePage] = {}
        for layer, curve in curves:
            page = CurvePage(curve, layer)
            self.tabs.addTab(page, curve.what.capitalize())
            self.pages[curve.what] = page
        layout.addWidget(self.tabs, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
