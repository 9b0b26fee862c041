"""Repository functions of the decisions: a person's spans, the suggestion to decide, the
document's status, read and written as core types.

Statements on the decision path are built once (building one costs more than running it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeAlias

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as Session  # re-exported: services import no SQL library

from ..core.model import DocumentStatus, LayerKind, Span, SpanState
from . import schema
from .bulk import insert_rows

# What a repository function runs its statements on: a session or its connection.
Executor: TypeAlias = Connection | Session


def executor(unit: Session) -> Executor:
    """What the decision path runs its statements on: the unit's connection (statements
    run on it skip the per-statement work of the ORM session)."""
    return unit.connection()

_spans, _labels = schema.SpanRow.__table__, schema.LabelRow.__table__
_layers, _annotators = schema.LayerRow.__table__, schema.AnnotatorRow.__table__
_statuses, _reviews = schema.DocumentStatusRow.__table__, schema.ReviewStatusRow.__table__
_SPAN_COLUMNS = (_spans.c.id, _spans.c.document_id, _spans.c.layer_id, _spans.c.start,
                 _spans.c.end, _labels.c.name, _spans.c.state, _spans.c.score, _spans.c.reason,
                 _spans.c.source_id, _spans.c.version)
_WIDTH = len(_SPAN_COLUMNS)


class LayerFound(NamedTuple):
    id: int
    kind: LayerKind
    annotator_id: int | None


class SuggestionToDecide(NamedTuple):
    """A suggestion about to be decided, with what deciding it needs."""

    span: Span  # the suggestion itself
    layer: str  # the suggestions layer's name: the suggester version
    taken: int | None  # the span this person already made from it in their layer
    status: str | None  # this person's status of the document, if any


def _suggestion_to_decide() -> Any:
    own = _spans.alias("own")
    c = _spans.c
    # "+ 0": found through the source index (a few rows), not the layer's (every span the
    # person has made, one more with each decision).
    taken = (select(own.c.id)
             .where(own.c.source_id == c.id, own.c.layer_id + 0 == bindparam("layer_id"))
             .limit(1).scalar_subquery())
    return (
        select(*_SPAN_COLUMNS, _layers.c.name, taken, _statuses.c.status)
        .select_from(
            _spans.join(_labels, _labels.c.id == c.label_id)
            .join(_layers, _layers.c.id == c.layer_id)
            .outerjoin(_statuses, and_(_statuses.c.document_id == c.document_id,
                                       _statuses.c.annotator_id == bindparam("annotator_id"))))
        .where(c.id == bindparam("suggestion_id"))
    )


_SUGGESTION_TO_DECIDE = _suggestion_to_decide()
_INSERT_SPAN = insert(_spans)
_INSERT_STATUS = insert(_statuses)
_TEXT_LENGTH = (select(func.length(schema.DocumentRow.text))
                .where(schema.DocumentRow.id == bindparam("document_id")))
_SPAN = (select(*_SPAN_COLUMNS).join(_labels, _labels.c.id == _spans.c.label_id)
         .where(_spans.c.id == bindparam("span_id")))


def _span(row: Any) -> Span:
    (span_id, document_id, layer_id, start, end, label, state, score, reason, source_id,
     version) = row
    return Span(id=span_id, document_id=document_id, layer_id=layer_id, start=start, end=end,
                label=label, state=SpanState(state), score=score, reason=reason or "",
                source_id=source_id, version=version)


# -- layers and people --------------------------------------------------------------------
def layer_named(session: Session, name: str) -> LayerFound | None:
    row = session.execute(select(_layers.c.id, _layers.c.kind, _layers.c.annotator_id)
                          .where(_layers.c.name == name)).first()
    return None if row is None else LayerFound(row[0], LayerKind(row[1]), row[2])


def annotator_named(session: Session, name: str) -> int | None:
    return session.scalar(select(_annotators.c.id).where(_annotators.c.name == name))


def suggestion_layer_ids(session: Session) -> list[int]:
    return list(session.scalars(select(_layers.c.id).where(
        _layers.c.kind == LayerKind.SUGGESTIONS.value)))


# -- documents ----------------------------------------------------------------------------
def text_length(connection: Executor, document_id: int) -> int | None:
    """Length of the document's text in code points (counted by the database), or None when
    there is no such document."""
    return connection.execute(_TEXT_LENGTH, {"document_id": document_id}).scalar()


# -- spans --------------------------------------------------------------------------------
def span_by_id(connection: Executor, span_id: int) -> Span | None:
    row = connection.execute(_SPAN, {"span_id": span_id}).first()
    return None if row is None else _span(row)


def spans_of(session: Session, document_id: int, layer_ids: Sequence[int]) -> list[Span]:
    """The document's spans in these layers, in text order."""
    rows = session.execute(
        select(*_SPAN_COLUMNS).join(_labels, _labels.c.id == _spans.c.label_id)
        .where(_spans.c.document_id == document_id, _spans.c.layer_id.in_(layer_ids))
        .order_by(_spans.c.start, _spans.c.end, _spans.c.id))
    return [_span(row) for row in rows]


def suggestion_to_decide(connection: Executor, suggestion_id: int, *,
                         layer_id: int, annotator_id: int) -> SuggestionToDecide | None:
    """The suggestion, its label and layer, the span already made from it in ``layer_id``
    (if decided) and the person's status of the document, in one select."""
    row = connection.execute(_SUGGESTION_TO_DECIDE, {
        "suggestion_id": suggestion_id, "layer_id": layer_id,
        "annotator_id": annotator_id}).first()
    return None if row is None else SuggestionToDecide(_span(row[:_WIDTH]), *row[_WIDTH:])


_SUGGESTIONS_OF_DOCUMENT = (
    select(_spans.c.id, _spans.c.start, _spans.c.end, _labels.c.name.label("label"),
           _spans.c.score, _spans.c.reason, _layers.c.name.label("layer"))
    .join(_labels, _labels.c.id == _spans.c.label_id)
    .join(_layers, _layers.c.id == _spans.c.layer_id)
    .where(_spans.c.document_id == bindparam("document_id"),
           _layers.c.kind == LayerKind.SUGGESTIONS.value)
    .order_by(_spans.c.start, _spans.c.end, _spans.c.id))
_MADE_IN_DOCUMENT = (select(_spans.c.source_id, _spans.c.id).where(
    _spans.c.document_id == bindparam("document_id"), _spans.c.layer_id == bindparam("layer_id"),
    _spans.c.source_id.is_not(None)))


def suggestions_of_document(connection: Executor, document_id: int) -> list[Any]:
    """Every suggestion of the document, in text order, in one indexed read: rows of id,
    start, end, label (its name), score, reason and layer (the suggester version)."""
    return list(connection.execute(_SUGGESTIONS_OF_DOCUMENT, {"document_id": document_id}))


def made_from(connection: Executor, document_id: int, layer_id: int) -> dict[int, int]:
    """The spans of the layer in the document made from another span: source id -> id."""
    return dict(connection.execute(_MADE_IN_DOCUMENT, {  # type: ignore[arg-type]
        "document_id": document_id, "layer_id": layer_id}).all())


def insert_spans(connection: Executor, rows: list[dict[str, Any]]) -> None:
    """Store many spans in one statement (``state`` as its stored value; every row with the
    same keys); their ids are read back with :func:`made_from`."""
    if not rows:
        return
    if not isinstance(connection, Connection) or len(rows) < 50:
        connection.execute(_INSERT_SPAN, rows)
        return
    # Many (accept all): as plain rows, one time stamp, without the per-row parameter
    # processing of an executemany through the statement.
    columns = tuple(rows[0])
    now = schema.utcnow()
    insert_rows(connection, _spans, columns, [tuple(row[c] for c in columns) for row in rows],
                {"created_at": now, "updated_at": now})


def spans_in_documents(connection: Executor, layer_id: int,
                       document_ids: set[int]) -> dict[int, Span]:
    """The layer's spans in these documents, by id, in one read."""
    rows = connection.execute(
        select(*_SPAN_COLUMNS).join(_labels, _labels.c.id == _spans.c.label_id)
        .where(_spans.c.layer_id == layer_id, _spans.c.document_id.in_(document_ids)))
    return {row[0]: _span(row) for row in rows}


def suggestion_of(session: Session, span: Span) -> tuple[Span, str] | None:
    """The suggestion (still stored) an accepted annotation was made from, with its layer's
    name (the suggester version); None for any other span."""
    if span.state is not SpanState.ACCEPTED or span.source_id is None:
        return None
    found = session.execute(
        select(*_SPAN_COLUMNS, _layers.c.name)
        .join(_labels, _labels.c.id == _spans.c.label_id)
        .join(_layers, _layers.c.id == _spans.c.layer_id)
        .where(_spans.c.id == span.source_id,
               _layers.c.kind == LayerKind.SUGGESTIONS.value)).first()
    return None if found is None else (_span(found[:-1]), found[-1])


def insert_span(connection: Executor, *, layer_id: int, document_id: int,
                start: int, end: int, label_id: int, state: SpanState,
                score: float | None = None, reason: str = "", source_id: int | None = None,
                version: int = 1, span_id: int | None = None) -> int:
    """Store a span; its id (``span_id`` to bring a deleted span back under its own id)."""
    values: dict[str, Any] = {
        "layer_id": layer_id, "document_id": document_id, "start": start, "end": end,
        "label_id": label_id, "state": state.value, "score": score, "reason": reason,
        "source_id": source_id, "version": version}
    if span_id is not None:
        values["id"] = span_id
    return int(connection.execute(_INSERT_SPAN, values).inserted_primary_key[0])


def update_span(connection: Executor, span_id: int, **values: Any) -> None:
    """Change a stored span's columns (``state`` as a SpanState); stamps ``updated_at``."""
    if isinstance(values.get("state"), SpanState):
        values["state"] = values["state"].value
    connection.execute(update(_spans).where(_spans.c.id == span_id)
                       .values(**values, updated_at=datetime.now(UTC)))


_DELETE_SPAN = delete(_spans).where(_spans.c.id == bindparam("span_id"))


def delete_span(connection: Executor, span_id: int) -> None:
    # Built once, and run on the connection (not through the ORM session): an undo of a
    # bulk decision deletes thousands of spans one by one.
    if isinstance(connection, Session):
        connection = connection.connection()
    connection.execute(_DELETE_SPAN, {"span_id": span_id})


# -- status -------------------------------------------------------------------------------
def status_of(session: Session, document_id: int, annotator_id: int, *,
              review: bool) -> DocumentStatus | None:
    """The person's status of the document (``review``: the document's review status, in
    gold); None when none is stored."""
    if review:
        found = session.scalar(select(_reviews.c.status)
                               .where(_reviews.c.document_id == document_id))
    else:
        found = session.scalar(select(_statuses.c.status).where(
            _statuses.c.document_id == document_id, _statuses.c.annotator_id == annotator_id))
    return None if found is None else DocumentStatus(found)


def write_status(session: Session, document_id: int, annotator_id: int,
                 status: DocumentStatus, *, review: bool, only_if_none: bool = False) -> None:
    """Store the status (``review``: as the document's review status, by this reviewer);
    ``only_if_none``: only where no status is stored yet."""
    now = datetime.now(UTC)
    there = status_of(session, document_id, annotator_id, review=review)
    if there is not None and only_if_none:
        return
    if review:
        if there is None:
            session.execute(insert(_reviews).values(
                document_id=document_id, status=status.value, reviewer_id=annotator_id,
                updated_at=now))
        else:
            session.execute(update(_reviews).where(_reviews.c.document_id == document_id)
                            .values(status=status.value, reviewer_id=annotator_id,
                                    updated_at=now))
        return
    if there is None:
        insert_status(session, document_id, annotator_id, status)
    else:
        session.execute(update(_statuses).where(
            _statuses.c.document_id == document_id, _statuses.c.annotator_id == annotator_id)
            .values(status=status.value, updated_at=now))


def insert_status(connection: Executor, document_id: int, annotator_id: int,
                  status: DocumentStatus) -> None:
    """Store a status where none is (the first decision in a document)."""
    connection.execute(_INSERT_STATUS, {"document_id": document_id,
                                        "annotator_id": annotator_id, "status": status.value})
