"""Thin item models over service data: no logic beyond showing rows."""

from __future__ import annotations

import html
from bisect import bisect_left
from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from ..core.model import DocumentStatus
from ..services.document_list import DocumentList
from ..services.window_data import DocumentSummary, WindowSpan

Index = QModelIndex | QPersistentModelIndex
STATUS_TEXT = {DocumentStatus.TODO: "to do", DocumentStatus.IN_PROGRESS: "in progress",
               DocumentStatus.DONE: "done"}
SpanKey = tuple[int, int, int]  # (start, end, id): rows are kept in text order
BULK = 64  # rows changed at once above which the table is reset rather than edited

_DISPLAY = Qt.ItemDataRole.DisplayRole
_USER = Qt.ItemDataRole.UserRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
_DARK_TEXT = QColor("#111111")
_DONE_TEXT = QColor("#2e7d32")


def plain_tooltip(text: str) -> str:
    """Qt shows tooltips as rich text when they look like HTML: escape, so they never are."""
    return f"<p>{html.escape(text)}</p>"


class _TableModel(QAbstractTableModel):
    """A flat table with fixed column headers."""

    HEADERS: tuple[str, ...] = ()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


class DocumentListModel(_TableModel):
    """The document list, filtered, ordered and read by the page by the database
    (:class:`~unannotate.services.document_list.DocumentList`): a row's data is read when
    the row is first painted, so a project of 100,000 documents shows its list as fast as one
    of ten. The model is also its own filter (status, label, title search) and sort."""

    HEADERS = ("Title", "Status", "Pending", "Accepted")
    _ROLES = frozenset({_DISPLAY, _USER, _TOOLTIP, _FOREGROUND, _ALIGNMENT})

    def __init__(self) -> None:
        super().__init__()
        self.listing: DocumentList | None = None
        self._filter: tuple[DocumentStatus | None, str | None, str] = (None, None, "")
        self._order: tuple[str | None, dict[int, float]] = (None, {})

    def set_listing(self, listing: DocumentList) -> None:
        """List ``listing``'s documents (a reviewer's), with the filters and order set."""
        self.beginResetModel()
        status, label, search = self._filter
        listing.order, listing.scores = self._order
        listing.set_filter(status=status, label=label, search=search)  # and read
        self.listing = listing
        self.endResetModel()

    def _reset(self, change: Callable[[DocumentList], None]) -> None:
        self.beginResetModel()
        if self.listing is not None:
            change(self.listing)
        self.endResetModel()

    # -- filters and order (what QSortFilterProxyModel did, asked of the database) -------
    @property
    def order(self) -> str | None:
        return self._order[0]

    def set_filter(self, *, status: DocumentStatus | None, label: str | None, search: str) -> None:
        self._filter = (status, label, search)
        self._reset(lambda listing: listing.set_filter(status=status, label=label,
                                                       search=search))

    def set_order(self, order: str | None, scores: dict[int, float] | None = None) -> None:
        """Rows in import order (None), by title ("title") or most uncertain first
        ("uncertain", by ``scores``: document id -> uncertainty; unscored ones last)."""
        self._order = (order, dict(scores or {}))
        self._reset(lambda listing: listing.set_order(order, scores))

    def refresh(self) -> None:
        """Ask the database again (documents or statuses changed elsewhere)."""
        self._reset(lambda listing: listing.refresh())

    # -- rows -----------------------------------------------------------------------------
    @property
    def rows(self) -> Sequence[DocumentSummary]:
        """The listed rows, read by the page as they are asked for."""
        return self.listing.rows() if self.listing is not None else ()

    @property
    def done_count(self) -> int:
        return self.listing.done_count if self.listing is not None else 0

    @property
    def document_count(self) -> int:
        """Documents in the project, whatever the filters."""
        return self.listing.document_count if self.listing is not None else 0

    @property
    def loaded_rows(self) -> int:
        return self.listing.loaded_rows if self.listing is not None else 0

    def row_of(self, document_id: int) -> int:
        """The row of document ``document_id``, or -1 (filtered out, or not in the project)."""
        return self.listing.position(document_id) if self.listing is not None else -1

    def update_row(self, document_id: int, *, status: DocumentStatus, pending: int,
                   annotations: int, labels: frozenset[str], status_given: bool = False) -> None:
        """The open document's row as a decision left it; the filters answered again when
        the row no longer passes them."""
        if self.listing is None:
            return
        row, refilter = self.listing.update(document_id, status=status, pending=pending,
                                            annotations=annotations, labels=labels,
                                            status_given=status_given)
        if refilter:
            self.refresh()
        elif row >= 0:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))

    def following(self, document_id: int | None, step: int) -> int | None:
        """The document ``step`` places from ``document_id`` in the order chosen (every
        document, whatever the filters), wrapping around."""
        return self.listing.following(document_id, step) if self.listing is not None else None

    def next_to_review(self, document_id: int) -> int | None:
        """The next document in the order chosen that is not done, or None."""
        return self.listing.next_to_review(document_id) if self.listing is not None else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() or self.listing is None else len(self.listing)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role not in self._ROLES or not index.isValid() or self.listing is None:
            return None
        if role == _USER:
            return self.listing.id_at(index.row())  # no page read for an id
        row = self.listing.summary(index.row())
        column = index.column()
        if role == _DISPLAY:
            return (row.shown_title, STATUS_TEXT[row.status], row.pending,
                    row.annotations)[column]
        if role == _TOOLTIP and column == 0:
            return plain_tooltip(f"{row.file_name} — {row.title}" if row.file_name
                                 else row.title)
        if role == _FOREGROUND and row.status is DocumentStatus.DONE:
            return _DONE_TEXT
        if role == _ALIGNMENT and column >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


SpanLookup = Callable[[int], tuple[WindowSpan, str] | None]  # id -> (span, state)


class SpanListModel(_TableModel):
    """The open document's spans in text order. Rows are only keys: what a row shows (label,
    text, score, state, reason) is looked up and formatted in :meth:`data`, for the rows
    painted, so filling the panel builds nothing per span."""

    HEADERS = ("Label", "Text", "Score", "State", "Reason")
    _ROLES = frozenset({_DISPLAY, _USER, _TOOLTIP, _BACKGROUND, _FOREGROUND})

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[SpanKey] = []
        self._text = ""
        self._lookup: SpanLookup = lambda _id: None
        self._colour: Callable[[str], str] = lambda _label: "#cccccc"

    def set_spans(self, text: str, keys: list[SpanKey], lookup: SpanLookup,
                  colour: Callable[[str], str]) -> None:
        """Show ``keys`` (sorted); ``lookup(id)`` gives a row's span and state ("pending",
        "accepted", "rejected"), ``colour(label)`` its label's colour."""
        self.beginResetModel()
        self.keys = keys
        self._text, self._lookup, self._colour = text, lookup, colour
        self.endResetModel()

    def row_of(self, key: SpanKey) -> int:
        """The row of the span with ``key``, or -1 (a bisect)."""
        n = bisect_left(self.keys, key)
        return n if n < len(self.keys) and self.keys[n] == key else -1

    def replace(self, removed: list[SpanKey], added: list[SpanKey]) -> None:
        """A decision: remove and insert a few rows, keeping text order. A span replaced by
        one that sorts to the same row (a suggestion and the annotation made from it) is
        changed in place, and a single row that moves is moved, not removed and inserted."""
        removed = [key for key in removed if self.row_of(key) >= 0]
        if len(removed) == 1 and len(added) == 1:
            self._replace_one(removed[0], added[0])
            return
        if len(removed) + len(added) > BULK:
            # Many rows (accept all): one reset, not a layout change per row.
            gone = set(removed)
            self.beginResetModel()
            self.keys = sorted([key for key in self.keys if key not in gone] + added)
            self.endResetModel()
            return
        for n in sorted((self.row_of(key) for key in removed), reverse=True):
            self.beginRemoveRows(QModelIndex(), n, n)
            del self.keys[n]
            self.endRemoveRows()
        for key in sorted(added):
            n = bisect_left(self.keys, key)
            self.beginInsertRows(QModelIndex(), n, n)
            self.keys.insert(n, key)
            self.endInsertRows()

    def _replace_one(self, old: SpanKey, new: SpanKey) -> None:
        row = self.row_of(old)
        del self.keys[row]
        target = bisect_left(self.keys, new)
        self.keys.insert(row, old)
        if target != row:
            # The model's destination counts rows before the move.
            self.beginMoveRows(QModelIndex(), row, row, QModelIndex(),
                               target + 1 if target > row else target)
            del self.keys[row]
            self.keys.insert(target, new)
            self.endMoveRows()
        else:
            self.keys[row] = new
        self.dataChanged.emit(self.index(target, 0), self.index(target, len(self.HEADERS) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.keys)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role not in self._ROLES or not index.isValid():
            return None
        column = index.column()
        if role == _FOREGROUND:
            return _DARK_TEXT if column == 0 else None
        if role == _TOOLTIP and column not in (1, 4):
            return None
        found = self._lookup(self.keys[index.row()][2])
        if found is None:
            return None
        span, state = found
        if role == _DISPLAY:
            if column == 0:
                return span.label
            if column == 1:
                text = self._text[span.start:span.end]
                text = text if len(text) <= 80 else text[:77] + "…"
                return text.replace("\r", " ").replace("\n", " ")
            if column == 2:
                return "" if span.score is None else f"{span.score:.2f}"
            return state if column == 3 else span.reason
        if role == _BACKGROUND:
            return QColor(self._colour(span.label)) if column == 0 else None
        if role == _TOOLTIP:
            return plain_tooltip(self._text[span.start:span.end] if column == 1 else span.reason)
        return span.id  # UserRole
