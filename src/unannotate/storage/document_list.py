"""Repository functions of the document list: which documents pass its filters, in its
order, and what a page of rows shows.

The list of a project of 100,000 documents is never read whole. :func:`listed_ids` answers
the filters (status, label, a search of titles and file names) and the order (import order,
by title) from indexes alone (``ix_documents_listing``, ``ix_documents_list_key``,
``ix_spans_layer_label_state``, the statuses' primary key) and returns only the ids;
:func:`list_rows` reads what one page of rows shows, for the ids of that page. Every query is
portable SQLAlchemy Core: the same runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, exists, func, select, union_all

from ..core.model import DocumentStatus, LayerKind, SpanState
from .database import Unit
from .schema import DocumentRow, DocumentStatusRow, LabelRow, LayerRow, SpanRow

CHUNK = 500  # ids bound in one statement: far below any backend's parameter limit
FETCH = 10_000  # ids fetched from the cursor at once

ORDER_IMPORT = "import"
ORDER_TITLE = "title"

_DOCUMENTS = DocumentRow.__table__
_STATUS = DocumentStatusRow.__table__
_SPANS = SpanRow.__table__
_TODO = DocumentStatus.TODO.value


@dataclass(frozen=True)
class ListFilter:
    """What the list shows for one annotator: documents with this ``status`` (None: any),
    with a span of ``label`` (None: any; a suggestion or the annotator's accepted span),
    whose title or file name holds ``search`` (case folded, "" for any)."""

    annotator_id: int
    layer_id: int  # the annotator's layer
    status: DocumentStatus | None = None
    label: str | None = None
    search: str = ""

    @property
    def filters(self) -> bool:
        return self.status is not None or bool(self.label) or bool(self.search)


class ListRow(NamedTuple):
    """What one row of the list shows."""

    id: int
    title: str
    source: str
    status: str
    pending: int  # suggestions the annotator has not decided
    accepted: int  # accepted spans in the annotator's layer
    labels: frozenset[str]  # labels of the suggestions and the accepted spans


def _suggestion_layers() -> Select[Any]:
    return select(LayerRow.id).where(LayerRow.kind == LayerKind.SUGGESTIONS.value)


def _status_join(query: Select[Any], annotator_id: int) -> Select[Any]:
    return query.outerjoin(_STATUS, and_(_STATUS.c.document_id == _DOCUMENTS.c.id,
                                         _STATUS.c.annotator_id == annotator_id))


def _filtered(query: Select[Any], where: ListFilter) -> Select[Any]:
    """``query`` (over documents) with the filter's conditions."""
    d = _DOCUMENTS.c
    if where.status is not None:
        query = _status_join(query, where.annotator_id).where(
            func.coalesce(_STATUS.c.status, _TODO) == where.status.value)
    if where.search:
        query = query.where(d.search_key.contains(where.search, autoescape=True))
    if where.label:
        label_id = select(LabelRow.id).where(LabelRow.name == where.label).scalar_subquery()
        s = _SPANS.c
        # Both halves read ix_spans_layer_label_state alone (layer, label[, state] -> document).
        with_label = union_all(
            select(s.document_id).where(s.layer_id.in_(_suggestion_layers()),
                                        s.label_id == label_id),
            select(s.document_id).where(s.layer_id == where.layer_id, s.label_id == label_id,
                                        s.state == SpanState.ACCEPTED.value))
        query = query.where(d.id.in_(with_label))
    return query


def listed_ids(unit: Unit, where: ListFilter, order: str = ORDER_IMPORT) -> Sequence[int]:
    """The ids of the documents passing ``where``, in ``order`` (import order, or by the
    shown title and then import order): 8 bytes a document, no row read. Every document in
    import order, when their ids have no gaps (no document was ever removed), is a range
    told by three numbers: opening a project does not read its ids."""
    d = _DOCUMENTS.c
    if order != ORDER_TITLE and not where.filters:
        count, low, high = unit.execute(select(func.count(), func.min(d.id),
                                               func.max(d.id))).one()
        if not count:
            return range(0)
        if high - low + 1 == count:  # ids are unique: count of them in that span is all
            return range(low, high + 1)
    keys = (d.list_key, d.id) if order == ORDER_TITLE else (d.id,)
    return _ids(unit, _filtered(select(d.id), where).order_by(*keys))


def _ids(unit: Unit, query: Select[Any]) -> array:
    """The first column of ``query``'s rows, fetched by the driver's own cursor: building a
    result row per document cost SQLAlchemy five times what the database took (0.4 s for
    100,000 ids). The statement is still Core, compiled for the connection's backend."""
    connection = unit.connection()
    compiled = query.compile(dialect=connection.dialect)
    found = array("q")
    if compiled.post_compile_params:  # expanding parameters: let SQLAlchemy render them
        for part in unit.execute(query.execution_options(yield_per=FETCH)).partitions():
            found.extend(row[0] for row in part)
        return found
    params: Any = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        while part := cursor.fetchmany(FETCH):
            found.extend(row[0] for row in part)
    finally:
        cursor.close()
    return found


def document_count(unit: Unit) -> int:
    return unit.scalar(select(func.count()).select_from(_DOCUMENTS)) or 0


def status_count(unit: Unit, annotator_id: int, status: DocumentStatus) -> int:
    """Documents the annotator has marked ``status`` (not for "to do": most have no row)."""
    return unit.scalar(select(func.count()).select_from(_STATUS).where(
        _STATUS.c.annotator_id == annotator_id, _STATUS.c.status == status.value)) or 0


def first_not_done(unit: Unit, annotator_id: int) -> int | None:
    """The first document (in import order) the annotator has not marked done, else the
    first document, else None."""
    d = _DOCUMENTS.c
    done = exists().where(_STATUS.c.document_id == d.id,
                          _STATUS.c.annotator_id == annotator_id,
                          _STATUS.c.status == DocumentStatus.DONE.value)
    found = unit.scalar(select(d.id).where(~done).order_by(d.id).limit(1))
    return found if found is not None else unit.scalar(select(d.id).order_by(d.id).limit(1))


def statuses(unit: Unit, annotator_id: int, ids: Sequence[int]) -> dict[int, str]:
    """The annotator's status of each of ``ids`` that has one (asked in bounded chunks)."""
    found: dict[int, str] = {}
    for first in range(0, len(ids), CHUNK):
        found.update(unit.execute(select(_STATUS.c.document_id, _STATUS.c.status).where(
            _STATUS.c.annotator_id == annotator_id,
            _STATUS.c.document_id.in_(list(ids[first:first + CHUNK])))).all())
    return found


def list_rows(unit: Unit, annotator_id: int, layer_id: int, ids: Sequence[int]) -> list[ListRow]:
    """The rows of ``ids`` (at most :data:`CHUNK`, one page), in that order; ids of
    documents no longer there are left out."""
    ids = list(ids[:CHUNK])
    if not ids:
        return []
    d, s = _DOCUMENTS.c, _SPANS.c
    documents = {row[0]: row for row in unit.execute(
        _status_join(select(d.id, d.title, d.source, _STATUS.c.status), annotator_id)
        .where(d.id.in_(ids)))}
    on_page = s.document_id.in_(ids)
    suggested: dict[int, int] = {}
    labels: dict[int, set[str]] = {}
    for doc_id, label, count in unit.execute(
            select(s.document_id, LabelRow.name, func.count())
            .join(LabelRow, LabelRow.id == s.label_id)
            .where(on_page, s.layer_id.in_(_suggestion_layers()))
            .group_by(s.document_id, LabelRow.name)):
        suggested[doc_id] = suggested.get(doc_id, 0) + count
        labels.setdefault(doc_id, set()).add(label)
    decided = dict(unit.execute(
        select(s.document_id, func.count())
        .where(on_page, s.layer_id == layer_id, s.source_id.is_not(None))
        .group_by(s.document_id)).all())
    accepted: dict[int, int] = {}
    for doc_id, label, count in unit.execute(
            select(s.document_id, LabelRow.name, func.count())
            .join(LabelRow, LabelRow.id == s.label_id)
            .where(on_page, s.layer_id == layer_id, s.state == SpanState.ACCEPTED.value)
            .group_by(s.document_id, LabelRow.name)):
        accepted[doc_id] = accepted.get(doc_id, 0) + count
        labels.setdefault(doc_id, set()).add(label)
    return [ListRow(doc_id, documents[doc_id][1] or "", documents[doc_id][2] or "",
                    documents[doc_id][3] or _TODO,
                    max(suggested.get(doc_id, 0) - decided.get(doc_id, 0), 0),
                    accepted.get(doc_id, 0), frozenset(labels.get(doc_id, ())))
            for doc_id in ids if doc_id in documents]

