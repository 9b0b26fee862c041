"""Thin item models over service data: no logic beyond showing rows."""

from __future__ import annotations

import html
from bisect import bisect_left
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QSortFilterProxyModel
from PySide6.QtGui import QColor

from ..core.model import DocumentStatus
from ..services.review_data import DocumentSummary

Index = QModelIndex | QPersistentModelIndex
STATUS_TEXT = {DocumentStatus.TODO: "to do", DocumentStatus.IN_PROGRESS: "in progress",
               DocumentStatus.DONE: "done"}


def plain_tooltip(text: str) -> str:
    """Qt shows tooltips as rich text when they look like HTML: escape, so they never are."""
    return f"<p>{html.escape(text)}</p>"


class _RowsModel(QAbstractTableModel):
    """A table over a list of rows with fixed column headers."""

    HEADERS: tuple[str, ...] = ()
    rows: list

    def set_rows(self, rows: list) -> None:  # type: ignore[type-arg]
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def row_of(self, row_id: int) -> int:
        """The row whose ``id`` is ``row_id``, or -1."""
        return next((n for n, r in enumerate(self.rows) if r.id == row_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


class DocumentListModel(_RowsModel):
    HEADERS = ("Title", "Status", "Pending", "Annotations")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[DocumentSummary] = []

    def update_row(self, summary: DocumentSummary) -> None:
        for n, row in enumerate(self.rows):
            if row.id == summary.id:
                self.rows[n] = summary
                self.dataChanged.emit(self.index(n, 0), self.index(n, len(self.HEADERS) - 1))
                return

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.title, STATUS_TEXT[row.status], row.pending, row.annotations)[column]
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return plain_tooltip(row.title)
        if role == Qt.ItemDataRole.ForegroundRole and row.status is DocumentStatus.DONE:
            return QColor("#2e7d32")
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class DocumentFilter(QSortFilterProxyModel):
    """Filter by status, label and title text."""

    def __init__(self) -> None:
        super().__init__()
        self.status: DocumentStatus | None = None
        self.label: str | None = None
        self.search = ""

    def set_filter(self, *, status: DocumentStatus | None, label: str | None, search: str) -> None:
        self.status, self.label, self.search = status, label, search.casefold()
        self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        model = self.sourceModel()
        assert isinstance(model, DocumentListModel)
        row = model.rows[source_row]
        if self.status is not None and row.status is not self.status:
            return False
        if self.label and self.label not in row.labels:
            return False
        return not self.search or self.search in row.title.casefold()


@dataclass(frozen=True)
class SpanRowView:
    id: int
    label: str
    colour: str
    text: str
    score: float | None
    reason: str
    state: str  # "pending", "accepted", "rejected"
    order: tuple[int, int, int] = (0, 0, 0)  # start, end, id: rows are kept in text order


class SpanListModel(_RowsModel):
    HEADERS = ("Label", "Text", "Score", "State", "Reason")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[SpanRowView] = []

    def replace(self, removed_ids: set[int], added: list[SpanRowView]) -> None:
        """Remove and insert a few rows in place (a decision), keeping text order."""
        for n in sorted((n for n, r in enumerate(self.rows) if r.id in removed_ids),
                        reverse=True):
            self.beginRemoveRows(QModelIndex(), n, n)
            del self.rows[n]
            self.endRemoveRows()
        orders = [r.order for r in self.rows]
        for row in sorted(added, key=lambda r: r.order):
            n = bisect_left(orders, row.order)
            self.beginInsertRows(QModelIndex(), n, n)
            self.rows.insert(n, row)
            orders.insert(n, row.order)
            self.endInsertRows()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            text = row.text if len(row.text) <= 80 else row.text[:77] + "…"
            score = "" if row.score is None else f"{row.score:.2f}"
            return (row.label, text.replace("\r", " ").replace("\n", " "), score, row.state,
                    row.reason)[column]
        if role == Qt.ItemDataRole.BackgroundRole and column == 0:
            return QColor(row.colour)
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            return QColor("#111111")
        if role == Qt.ItemDataRole.ToolTipRole and column in (1, 4):
            return plain_tooltip(row.text if column == 1 else row.reason)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None
