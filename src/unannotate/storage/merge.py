"""Repository functions of a merge: reading a colleague's project (a read snapshot of a copy
of it) and writing it into this one (one write transaction). Rows are read and written
through Core, never as ORM objects: a merge may move a million spans."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Text,
    bindparam,
    delete,
    func,
    insert,
    select,
    type_coerce,
    update,
)

from ..core.errors import InputError
from ..core.model import Label, LabelKind
from ..core.records import EventRecord, NamedEvent, SpanRecord, StatusRecord
from .bulk import insert_rows
from .database import Unit
from .migrations import VERSION_KEY
from .schema import (
    AnnotatorRow,
    DocumentRow,
    DocumentStatusRow,
    EventRow,
    LabelRow,
    LayerRow,
    ReviewStatusRow,
    SpanRow,
    SuggestedDocumentRow,
)

CHUNK = 500  # bound parameters per query
BATCH = 2_000  # rows per insert, and per batch of a streamed read
SPAN_COLUMNS = SpanRecord._fields
EVENT_COLUMNS = EventRecord._fields
# Our spans of one document, asked once per document both projects hold; built once.
_HELD = (select(SpanRow.id, SpanRow.layer_id, SpanRow.start, SpanRow.end, SpanRow.label_id,
                SpanRow.source_id)
         .where(SpanRow.document_id == bindparam("document_id")).order_by(SpanRow.id))


def _core(unit: Unit) -> Connection:
    """The transaction's connection: statements run through Core, without the session's
    autoflush and ORM bookkeeping."""
    return unit.connection()


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for first in range(0, len(items), size):
        yield items[first:first + size]


def stored_schema_version(copy: Path, shown: Path) -> str | None:
    """The schema version a project file records (read from ``copy`` of it, named ``shown``
    in messages); None when it is an SQLite database but no project. Opening it as a
    project would make a new project of an empty database: this only reads."""
    conn = sqlite3.connect(copy)
    try:
        found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                             "AND name = 'schema_info'").fetchone()
        row = conn.execute("SELECT value FROM schema_info WHERE key = ?",
                           (VERSION_KEY,)).fetchone() if found else None
    except sqlite3.DatabaseError as error:
        raise InputError(str(shown), f"cannot be read as a project ({error})") from None
    finally:
        conn.close()
    return None if row is None else str(row[0])


# -- their project: read only ------------------------------------------------------------
def labels_with_ids(unit: Unit) -> list[tuple[int, Label]]:
    """The scheme in its order, each label with its id."""
    return [(label_id, Label(name, LabelKind(kind), colour, key or "", description or ""))
            for label_id, name, kind, colour, key, description in _core(unit).execute(select(
                LabelRow.id, LabelRow.name, LabelRow.kind, LabelRow.colour, LabelRow.key,
                LabelRow.description).order_by(LabelRow.position, LabelRow.id))]


def annotators_with_ids(unit: Unit) -> list[tuple[int, str]]:
    return [(annotator_id, name) for annotator_id, name in _core(unit).execute(
        select(AnnotatorRow.id, AnnotatorRow.name).order_by(AnnotatorRow.id))]


def document_hashes(unit: Unit) -> list[tuple[int, str]]:
    """Every document's (id, SHA-256), in id order."""
    return [(doc_id, sha) for doc_id, sha in _core(unit).execute(
        select(DocumentRow.id, DocumentRow.sha256).order_by(DocumentRow.id))]


def documents_by_ids(unit: Unit, ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """(id, sha256, text, title, meta, language, source, created_at) of the documents
    ``ids`` (a bounded chunk), in id order."""
    return [tuple(row) for row in _core(unit).execute(select(
        DocumentRow.id, DocumentRow.sha256, DocumentRow.text, DocumentRow.title,
        DocumentRow.meta, DocumentRow.language, DocumentRow.source,
        DocumentRow.created_at).where(DocumentRow.id.in_(ids)).order_by(DocumentRow.id))]


def stream_events(unit: Unit) -> Iterator[EventRecord]:
    """Every event in id order, streamed."""
    rows = _core(unit).execute(select(*(EventRow.__table__.c[name] for name in EVENT_COLUMNS))
                        .order_by(EventRow.id).execution_options(yield_per=BATCH))
    return map(EventRecord._make, rows)


def event_time_range(unit: Unit) -> tuple[Any, Any]:
    """The times of the first and the last event (None, None without events)."""
    first, last = _core(unit).execute(
        select(func.min(EventRow.at), func.max(EventRow.at))).one()
    return first, last


def span_ids(unit: Unit) -> list[int]:
    return list(_core(unit).scalars(select(SpanRow.id)))


def stream_spans(unit: Unit) -> Iterator[SpanRecord]:
    """Every span in document and id order, streamed."""
    rows = _core(unit).execute(select(*(SpanRow.__table__.c[name] for name in SPAN_COLUMNS))
                        .order_by(SpanRow.document_id, SpanRow.id)
                        .execution_options(yield_per=BATCH))
    return map(SpanRecord._make, rows)


def statuses(unit: Unit) -> list[StatusRecord]:
    """Every annotator's status of every document."""
    return [StatusRecord(*row) for row in _core(unit).execute(select(
        DocumentStatusRow.document_id, DocumentStatusRow.annotator_id,
        DocumentStatusRow.status, DocumentStatusRow.seconds_spent,
        DocumentStatusRow.updated_at))]


def review_statuses(unit: Unit) -> list[StatusRecord]:
    """Every document's review status, with its reviewer."""
    return [StatusRecord(doc_id, None, status, None, updated, reviewer)
            for doc_id, status, reviewer, updated in _core(unit).execute(select(
                ReviewStatusRow.document_id, ReviewStatusRow.status,
                ReviewStatusRow.reviewer_id, ReviewStatusRow.updated_at))]


def suggested_documents(unit: Unit) -> list[tuple[int, int, int, Any]]:
    """(layer id, document id, spans, when) of each document a suggester has seen."""
    return [(layer, doc, spans, at) for layer, doc, spans, at in _core(unit).execute(select(
        SuggestedDocumentRow.layer_id, SuggestedDocumentRow.document_id,
        SuggestedDocumentRow.spans, SuggestedDocumentRow.at))]


# -- our project: read and written -------------------------------------------------------
def document_ids(unit: Unit, hashes: Sequence[str]) -> dict[str, int]:
    """SHA-256 -> id of the documents of ``hashes`` the project holds."""
    held: dict[str, int] = {}
    for chunk in chunks(hashes):
        held.update((sha, doc_id) for sha, doc_id in _core(unit).execute(
            select(DocumentRow.sha256, DocumentRow.id).where(DocumentRow.sha256.in_(chunk))))
    return held


def insert_document(unit: Unit, sha256: str, text: str, title: str, meta: dict[str, Any],
                    language: str, source: str, created_at: Any) -> int:
    return _core(unit).execute(insert(DocumentRow).returning(DocumentRow.id), {
        "sha256": sha256, "text": text, "title": title, "meta": meta, "language": language,
        "source": source, "created_at": created_at}).scalar_one()


def events_between(unit: Unit, first: datetime, last: datetime) -> Iterator[tuple[int, Any]]:
    """(id, time) of the events from a day before ``first`` to a day after ``last``: a day
    either side, as SQLite compares the stored texts, which may carry an offset."""
    rows = _core(unit).execute(select(EventRow.id, EventRow.at).where(
        EventRow.at >= first - timedelta(days=1), EventRow.at <= last + timedelta(days=1)))
    return ((event_id, at) for event_id, at in rows)


def named_events(unit: Unit, ids: Sequence[int]) -> Iterator[NamedEvent]:
    """The events ``ids`` in id order, their annotator, document and layer named."""
    for chunk in chunks(sorted(ids)):
        rows = _core(unit).execute(
            select(EventRow.id, EventRow.at, EventRow.kind, AnnotatorRow.name,
                   DocumentRow.sha256, LayerRow.name, EventRow.group_id, EventRow.suggester,
                   EventRow.before, EventRow.after, EventRow.span_id, EventRow.suggestion_id)
            .outerjoin(AnnotatorRow, AnnotatorRow.id == EventRow.annotator_id)
            .outerjoin(DocumentRow, DocumentRow.id == EventRow.document_id)
            .outerjoin(LayerRow, LayerRow.id == EventRow.layer_id)
            .where(EventRow.id.in_(chunk)).order_by(EventRow.id))
        yield from map(NamedEvent._make, rows)


def existing_spans(unit: Unit, ids: Sequence[int]) -> set[int]:
    """Which of the span ids ``ids`` are spans now."""
    found: set[int] = set()
    for chunk in chunks(sorted(ids)):
        found.update(_core(unit).scalars(select(SpanRow.id).where(SpanRow.id.in_(chunk))))
    return found


def span_events(unit: Unit) -> Iterator[tuple[int, int, str | None, str | None]]:
    """(id, span id, before, after) of every event naming a span, in id order; the
    snapshots as the stored JSON text (one pass: span_id has no index)."""
    return ((event_id, span_id, before, after) for event_id, span_id, before, after
            in _core(unit).execute(select(EventRow.id, EventRow.span_id,
                                   type_coerce(EventRow.before, Text),
                                   type_coerce(EventRow.after, Text))
                            .where(EventRow.span_id.is_not(None)).order_by(EventRow.id)))


def next_span_id(unit: Unit) -> int:
    """Above every span id, and every span id the events name (a span undone or deleted
    keeps its id in the history)."""
    highest = _core(unit).execute(select(
        func.max(SpanRow.id),
        select(func.max(EventRow.span_id)).scalar_subquery(),
        select(func.max(EventRow.suggestion_id)).scalar_subquery())).one()
    return max((v for v in highest if v is not None), default=0) + 1


def document_spans(unit: Unit, doc_id: int) -> list[tuple[int, int, int, int, int, int | None]]:
    """(id, layer id, start, end, label id, source id) of the document's spans, by id."""
    rows = _core(unit).execute(_HELD, {"document_id": doc_id})
    return [(span, layer, start, end, label, source)
            for span, layer, start, end, label, source in rows]


def insert_spans(unit: Unit, rows: Sequence[Sequence[Any]]) -> None:
    """Spans with their ids given (tuples in the order of :class:`SpanRecord`), in bulk."""
    insert_rows(unit.connection(), SpanRow.__table__, SPAN_COLUMNS, rows)


def set_span_source(unit: Unit, span_id: int, source_id: int | None) -> None:
    overwrite_span(unit, span_id, source_id=source_id)


def overwrite_span(unit: Unit, span_id: int, **values: Any) -> None:
    """Give span ``span_id`` these column values."""
    _core(unit).execute(update(SpanRow).where(SpanRow.id == span_id).values(**values))


def span_record(unit: Unit, span_id: int) -> SpanRecord:
    return SpanRecord._make(_core(unit).execute(
        select(*(SpanRow.__table__.c[name] for name in SPAN_COLUMNS))
        .where(SpanRow.id == span_id)).one())


def has_derived_span(unit: Unit, span_id: int) -> bool:
    """Whether some span was made from span ``span_id``."""
    return _core(unit).execute(select(SpanRow.id).where(
        SpanRow.source_id == span_id).limit(1)).first() is not None


def delete_span(unit: Unit, span_id: int) -> None:
    _core(unit).execute(delete(SpanRow).where(SpanRow.id == span_id))


def status_map(unit: Unit) -> dict[tuple[int, int], tuple[str, float | None]]:
    """(document id, annotator id) -> (status, seconds spent)."""
    return {(d, a): (s, t) for d, a, s, t in _core(unit).execute(select(
        DocumentStatusRow.document_id, DocumentStatusRow.annotator_id,
        DocumentStatusRow.status, DocumentStatusRow.seconds_spent))}


def add_status(unit: Unit, doc_id: int, annotator_id: int, **values: Any) -> None:
    _core(unit).execute(insert(DocumentStatusRow.__table__).values(
        document_id=doc_id, annotator_id=annotator_id, **values))


def update_status(unit: Unit, doc_id: int, annotator_id: int, **values: Any) -> None:
    table = DocumentStatusRow.__table__
    _core(unit).execute(update(table).where(table.c.document_id == doc_id,
                                     table.c.annotator_id == annotator_id).values(**values))


def review_status_map(unit: Unit) -> dict[int, str]:
    return {doc_id: status for doc_id, status in _core(unit).execute(
        select(ReviewStatusRow.document_id, ReviewStatusRow.status))}


def add_review_status(unit: Unit, doc_id: int, **values: Any) -> None:
    table = ReviewStatusRow.__table__
    _core(unit).execute(insert(table).values(document_id=doc_id, **values))


def update_review_status(unit: Unit, doc_id: int, **values: Any) -> None:
    table = ReviewStatusRow.__table__
    _core(unit).execute(update(table).where(table.c.document_id == doc_id).values(**values))


def suggested_pairs(unit: Unit) -> set[tuple[int, int]]:
    """(layer id, document id) of each document a suggester has seen."""
    return {(layer, doc) for layer, doc in _core(unit).execute(
        select(SuggestedDocumentRow.layer_id, SuggestedDocumentRow.document_id))}


def add_suggested_documents(unit: Unit, rows: Iterable[tuple[int, int, int, Any]]) -> None:
    """(layer id, document id, spans, when) rows, in bulk."""
    insert_rows(unit.connection(), SuggestedDocumentRow.__table__,
                ("layer_id", "document_id", "spans", "at"), list(rows))


def max_event_id(unit: Unit) -> int:
    return _core(unit).scalar(select(func.max(EventRow.id))) or 0


def insert_events(unit: Unit, rows: Sequence[Sequence[Any]]) -> None:
    """Events with their ids given (tuples in the order of :class:`EventRecord`), in bulk."""
    insert_rows(unit.connection(), EventRow.__table__, EVENT_COLUMNS, rows)


def add_event(unit: Unit, **values: Any) -> None:
    """One event with these column values, its id given by the database."""
    _core(unit).execute(insert(EventRow.__table__).values(**values))


def advance_sequences(unit: Unit) -> None:
    """Spans and events were given their ids here; a PostgreSQL sequence must hear of it."""
    connection = unit.connection()
    if connection.dialect.name != "postgresql":
        return
    for table in (SpanRow.__tablename__, EventRow.__tablename__):
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
