"""Repository functions of "label every occurrence": document texts read in batches, a
layer's spans in many documents, and the rows one bulk decision writes.

No statement binds a number of parameters that grows with the corpus: lists of documents
go in chunks of :data:`CHUNK` ids."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, func, select

from ..core.model import DocumentStatus, LayerKind, Span, SpanState
from .bulk import insert_rows
from .schema import (
    DocumentRow,
    DocumentStatusRow,
    LabelRow,
    LayerRow,
    ReviewStatusRow,
    SpanRow,
)
from .spans_decisions import Executor

CHUNK = 500  # document ids bound in one statement
BATCH = 2_000  # document texts read at a time

_documents = DocumentRow.__table__
_spans, _labels, _layers = SpanRow.__table__, LabelRow.__table__, LayerRow.__table__
_statuses, _reviews = DocumentStatusRow.__table__, ReviewStatusRow.__table__
_SPAN_COLUMNS = ("layer_id", "document_id", "start", "end", "label_id", "state", "score",
                 "reason", "source_id", "version")


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for at in range(0, len(ordered), CHUNK):
        yield ordered[at:at + CHUNK]


def document_texts(connection: Executor, *, containing: str | None = None,
                   ignore_case: bool = False, only: int | None = None,
                   batch: int = BATCH) -> Iterator[list[tuple[int, str]]]:
    """``(id, text)`` of the documents, in id order, ``batch`` at a time (keyset pages).
    ``containing``: only texts that may hold this text (a database ``LIKE``: ASCII letters
    in any case on SQLite, so a superset the caller narrows); ``only``: that one document."""
    c = _documents.c
    statement = select(c.id, c.text).where(c.id > bindparam("after"))
    if only is not None:
        statement = statement.where(c.id == only)
    if containing is not None:
        statement = statement.where(
            c.text.icontains(containing, autoescape=True) if ignore_case
            else c.text.contains(containing, autoescape=True))
    statement = statement.order_by(c.id).limit(batch)
    after = 0
    while True:
        rows = [(row[0], row[1]) for row in connection.execute(statement, {"after": after})]
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def done_documents(connection: Executor, annotator_id: int, *, review: bool) -> set[int]:
    """The documents the person has marked done (``review``: whose review is done)."""
    done = DocumentStatus.DONE.value
    if review:
        statement = select(_reviews.c.document_id).where(_reviews.c.status == done)
    else:
        statement = select(_statuses.c.document_id).where(
            _statuses.c.annotator_id == annotator_id, _statuses.c.status == done)
    return set(connection.execute(statement).scalars())


def layer_places(connection: Executor, layer_id: int, document_ids: Iterable[int],
                 label_ids: Iterable[int]) -> dict[int, list[tuple[int, int, int, int]]]:
    """The layer's spans (rejections left out) with one of these labels in these documents,
    by document, as ``(id, start, end, label_id)``: only what a plan needs of each."""
    found: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    wanted = set(label_ids)
    c = _spans.c
    # The labels are picked here, not in the statement: with them there SQLite walks the
    # (layer, label) index, every span of the layer, instead of the documents'.
    statement = (
        select(c.document_id, c.id, c.start, c.end, c.label_id)
        .where(c.document_id.in_(bindparam("ids", expanding=True)), c.layer_id == layer_id,
               c.state != SpanState.REJECTED.value))
    for ids in _chunks(document_ids):
        for document_id, span_id, start, end, label_id in connection.execute(
                statement, {"ids": ids}):
            if label_id in wanted:
                found[document_id].append((span_id, start, end, label_id))
    return found


def spans_by_id(connection: Executor, span_ids: Iterable[int]) -> dict[int, Span]:
    """These spans as stored, by id."""
    c = _spans.c
    statement = (
        select(c.id, c.document_id, c.layer_id, c.start, c.end, _labels.c.name, c.state,
               c.score, c.reason, c.source_id, c.version)
        .join(_labels, _labels.c.id == c.label_id)
        .where(c.id.in_(bindparam("ids", expanding=True))))
    found = {}
    for ids in _chunks(span_ids):
        for row in connection.execute(statement, {"ids": ids}):
            found[row[0]] = Span(
                id=row[0], document_id=row[1], layer_id=row[2], start=row[3], end=row[4],
                label=row[5], state=SpanState(row[6]), score=row[7], reason=row[8] or "",
                source_id=row[9], version=row[10])
    return found


def last_span_id(connection: Executor) -> int:
    return int(connection.execute(select(func.max(_spans.c.id))).scalar() or 0)


class PendingSuggestion(NamedTuple):
    """A suggestion the person has not decided, at a place a bulk decision labels."""

    id: int
    score: float | None
    reason: str
    layer: str  # the suggestions layer's name: the suggester version


def pending_suggestions(connection: Executor, layer_id: int, document_ids: Iterable[int],
                        label_id: int) -> dict[tuple[int, int, int], list[PendingSuggestion]]:
    """The suggestions with this label in these documents that the person (``layer_id``)
    has not decided, by ``(document_id, start, end)``, in id order."""
    c, own = _spans.c, _spans.alias("own")
    # "+ 0": the decision made of a suggestion found through the source index (a few rows),
    # not the layer's (every span the person has made).
    decided = select(own.c.id).where(own.c.source_id == c.id,
                                     own.c.layer_id + 0 == layer_id).exists()
    statement = (
        select(c.document_id, c.start, c.end, c.id, c.score, c.reason, _layers.c.name)
        .join(_layers, _layers.c.id == c.layer_id)
        .where(c.document_id.in_(bindparam("ids", expanding=True)),
               _layers.c.kind == LayerKind.SUGGESTIONS.value, c.label_id == label_id,
               ~decided)
        .order_by(c.id))
    found: dict[tuple[int, int, int], list[PendingSuggestion]] = defaultdict(list)
    for ids in _chunks(document_ids):
        for document_id, start, end, span_id, score, reason, layer in connection.execute(
                statement, {"ids": ids}):
            found[(document_id, start, end)].append(
                PendingSuggestion(span_id, score, reason or "", layer))
    return found


def add_spans(connection: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert spans, ``(layer_id, document_id, start, end, label_id, state, score, reason,
    source_id)`` each, in bulk; their ids follow :func:`last_span_id` (writers hold the
    project's write lock)."""
    stamp = datetime.now(UTC)
    insert_rows(connection, _spans, _SPAN_COLUMNS, [(*row, 1) for row in rows],
                {"created_at": stamp, "updated_at": stamp})


def spans_made_after(connection: Executor, layer_id: int,
                     after: int) -> list[tuple[int, int, int, int, int | None]]:
    """``(id, document_id, start, end, source_id)`` of the layer's spans with an id above
    ``after``."""
    c = _spans.c
    return [(row[0], row[1], row[2], row[3], row[4]) for row in connection.execute(
        select(c.id, c.document_id, c.start, c.end, c.source_id)
        .where(c.id > after, c.layer_id == layer_id).order_by(c.id))]


def documents_without_status(connection: Executor, annotator_id: int,
                             document_ids: Iterable[int]) -> list[int]:
    """Of these documents, those the person has no status of yet."""
    statement = select(_statuses.c.document_id).where(
        _statuses.c.annotator_id == annotator_id,
        _statuses.c.document_id.in_(bindparam("ids", expanding=True)))
    missing = []
    for ids in _chunks(document_ids):
        have = set(connection.execute(statement, {"ids": ids}).scalars())
        missing += [i for i in ids if i not in have]
    return missing


def add_statuses(connection: Connection, annotator_id: int, document_ids: Sequence[int],
                 status: DocumentStatus) -> None:
    """Store the person's status of documents that have none yet, in bulk."""
    insert_rows(connection, _statuses, ("document_id", "annotator_id", "status",
                                        "seconds_spent"),
                [(i, annotator_id, status.value, 0.0) for i in document_ids],
                {"updated_at": datetime.now(UTC)})
