"""The review window's document list for one reviewer, whatever the project's size.

The database answers the filters and the order (:mod:`~unannotate.storage.document_list`)
with the ids of the documents listed, 8 bytes each; a row's title, status and counts are read
a page at a time when the row is first shown, and only the last few pages are kept. So a list
of 100,000 documents costs the window one indexed query and a page, not 100,000 summaries.

"Most uncertain first" is the one order the database does not give: its key is computed
over the suggestions waiting (:func:`~unannotate.services.learning_stats.document_uncertainty`)
when the order is chosen, and the ids the filters pass are sorted by it here.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import replace

from ..core.listing import search_needle
from ..core.model import DocumentStatus
from ..storage.document_list import (
    CHUNK,
    ORDER_IMPORT,
    ORDER_TITLE,
    ListFilter,
    ListRow,
    document_count,
    list_rows,
    listed_ids,
    status_count,
    statuses,
)
from .decisions import Decider
from .window_data import DocumentSummary

ORDER_UNCERTAIN = "uncertain"
PAGE = 100  # rows read at once
PAGES_KEPT = 8  # pages held; older ones are read again when shown again


def _summary(row: ListRow) -> DocumentSummary:
    return DocumentSummary(id=row.id, title=row.title or f"document {row.id}",
                           status=DocumentStatus(row.status), pending=row.pending,
                           annotations=row.accepted, labels=row.labels, source=row.source)


class DocumentList:
    """The documents one reviewer's list shows: filters, order, and rows read by the page.

    ``status``, ``label`` and ``search`` filter; ``order`` is None (import order),
    ``"title"`` or ``"uncertain"`` (by ``scores``: document id -> uncertainty, unscored
    last). :meth:`refresh` asks the database again (after a change made elsewhere)."""

    def __init__(self, reviewer: Decider) -> None:
        self.reviewer = reviewer
        self.status: DocumentStatus | None = None
        self.label: str | None = None
        self.search = ""
        self.order: str | None = None
        self.scores: dict[int, float] = {}
        self.document_count = 0  # documents in the project, filters or not
        self.done_count = 0  # of those, marked done by the reviewer
        self._ids: Sequence[int] = range(0)
        self._every: Sequence[int] | None = None  # every document in the order, no filters
        self._pages: OrderedDict[int, list[DocumentSummary]] = OrderedDict()
        self._rows_of: dict[int, int] = {}  # positions found lately

    # -- what is listed ---------------------------------------------------------------
    def _filter(self, *, filtered: bool = True) -> ListFilter:
        reviewer = self.reviewer
        if not filtered:
            return ListFilter(reviewer.annotator_id, reviewer.layer_id)
        return ListFilter(reviewer.annotator_id, reviewer.layer_id, self.status,
                          self.label or None, search_needle(self.search))

    def _ordered(self, where: ListFilter) -> Sequence[int]:
        with self.reviewer.project.db.read() as session:
            if self.order == ORDER_UNCERTAIN:
                ids = listed_ids(session, where, ORDER_IMPORT)
                scores = self.scores
                return array("q", sorted(ids, key=lambda i: (-scores.get(i, -1.0), i)))
            return listed_ids(session, where, ORDER_TITLE if self.order == ORDER_TITLE
                              else ORDER_IMPORT)

    def refresh(self) -> None:
        """Read the listed ids and the counts again; forget every page read."""
        where = self._filter()
        self._ids = self._ordered(where)
        self._every = None if where.filters else self._ids
        self._pages.clear()
        self._rows_of.clear()
        self.recount()

    def recount(self) -> None:
        """Count the project's documents and those the reviewer has done (indexed counts)."""
        with self.reviewer.project.db.read() as session:
            self.document_count = document_count(session)
            self.done_count = status_count(session, self.reviewer.annotator_id,
                                           DocumentStatus.DONE)

    def set_filter(self, *, status: DocumentStatus | None, label: str | None,
                   search: str) -> None:
        # A combo box hands the status back as its text value.
        self.status = DocumentStatus(status) if status is not None else None
        self.label, self.search = label, search
        self.refresh()

    def set_order(self, order: str | None, scores: dict[int, float] | None = None) -> None:
        self.order, self.scores = order, dict(scores or {})
        self.refresh()

    def __len__(self) -> int:
        return len(self._ids)

    def id_at(self, row: int) -> int:
        return self._ids[row]

    @property
    def loaded_rows(self) -> int:
        """Rows held in memory now (at most PAGE × PAGES_KEPT)."""
        return sum(len(page) for page in self._pages.values())

    # -- rows ---------------------------------------------------------------------------
    def summary(self, row: int) -> DocumentSummary:
        """What row ``row`` shows (its page read if it is not held)."""
        number = row // PAGE
        page = self._pages.get(number)
        if page is None:
            page = self._read_page(number)
        else:
            self._pages.move_to_end(number)
        return page[row - number * PAGE]

    def _read_page(self, number: int) -> list[DocumentSummary]:
        ids = self._ids[number * PAGE:(number + 1) * PAGE]
        reviewer = self.reviewer
        with reviewer.project.db.read() as session:
            found = {row.id: _summary(row) for row in list_rows(
                session, reviewer.annotator_id, reviewer.layer_id, ids)}
        # A document removed since the ids were read keeps its row until the next refresh.
        page = [found.get(i) or DocumentSummary(i, f"document {i}", DocumentStatus.TODO, 0, 0,
                                                frozenset()) for i in ids]
        self._pages[number] = page
        while len(self._pages) > PAGES_KEPT:
            self._pages.popitem(last=False)
        return page

    def position(self, document_id: int) -> int:
        """The row of ``document_id``, or -1 when the filters leave it out."""
        row = self._rows_of.get(document_id)
        if row is None:
            row = _index(self._ids, document_id)
            if len(self._rows_of) > 64:
                self._rows_of.clear()
            self._rows_of[document_id] = row
        return row

    def update(self, document_id: int, *, status: DocumentStatus, pending: int,
               annotations: int, labels: frozenset[str], status_given: bool = False
               ) -> tuple[int, bool]:
        """The open document's row as a decision left it (what the window holds, no
        query): (its row or -1, whether it no longer passes the filters). A row held is
        changed in place and the documents done counted from it; a row not held is read from
        the project when shown, and the documents done are counted again if the decision
        set a status (``status_given``)."""
        row = self.position(document_id)
        page = self._pages.get(row // PAGE) if row >= 0 else None
        if page is None:
            if status_given:
                with self.reviewer.project.db.read() as session:
                    self.done_count = status_count(session, self.reviewer.annotator_id,
                                                   DocumentStatus.DONE)
            return row, row >= 0 and self._left_out(status, labels)
        held = page[row % PAGE]
        summary = replace(held, status=status, pending=pending, annotations=annotations,
                          labels=labels)
        if summary == held:
            return row, False
        self.done_count += (status is DocumentStatus.DONE) - (held.status is DocumentStatus.DONE)
        page[row % PAGE] = summary
        return row, self._left_out(status, labels)

    def _left_out(self, status: DocumentStatus, labels: frozenset[str]) -> bool:
        """Whether a row of this status and these labels no longer passes the filters."""
        return ((self.status is not None and status is not self.status)
                or (bool(self.label) and self.label not in labels))

    def rows(self) -> Sequence[DocumentSummary]:
        """The listed rows as a sequence read by the page."""
        return _Rows(self)

    # -- moving through the documents --------------------------------------------------
    def _every_in_order(self) -> Sequence[int]:
        """Every document (filters left out) in the order chosen: what next and previous
        document walk, as the list's order does."""
        if self._every is None:
            self._every = self._ordered(self._filter(filtered=False))
        return self._every

    def following(self, document_id: int | None, step: int) -> int | None:
        """The document ``step`` places after ``document_id`` in the order (wrapping
        around); the first or last when ``document_id`` is None or not listed."""
        every = self._every_in_order()
        if not every:
            return None
        current = _index(every, document_id) if document_id is not None else -1
        return every[(current + step) % len(every)]

    def next_to_review(self, document_id: int) -> int | None:
        """The first document after ``document_id`` in the order (wrapping around) that the
        reviewer has not marked done; None when every other one is."""
        every = self._every_in_order()
        start = _index(every, document_id)
        following = [*every[start + 1:], *every[:max(start, 0)]]
        for first in range(0, len(following), CHUNK):
            ids = following[first:first + CHUNK]
            with self.reviewer.project.db.read() as session:
                found = statuses(session, self.reviewer.annotator_id, ids)
            for document in ids:
                if found.get(document) != DocumentStatus.DONE.value:
                    return document
        return None


def _index(ids: Sequence[int], document_id: int | None) -> int:
    try:
        return ids.index(document_id) if document_id is not None else -1
    except ValueError:
        return -1


class _Rows(Sequence[DocumentSummary]):
    """The listed rows, read by the page as they are asked for."""

    def __init__(self, listing: DocumentList) -> None:
        self.listing = listing

    def __len__(self) -> int:
        return len(self.listing)

    def __getitem__(self, row):  # type: ignore[no-untyped-def, override]
        if isinstance(row, slice):
            return [self.listing.summary(n) for n in range(*row.indices(len(self)))]
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        return self.listing.summary(row)

    def __iter__(self) -> Iterator[DocumentSummary]:
        for row in range(len(self)):
            yield self.listing.summary(row)

