"""Repository functions on spans: one span per place.

A layer holds at most one span with a given start, end and label in a document (a rejection
is a decision on a suggestion, not a span: rejections are left out, so a rejected suggestion
and a span added at its place later can both be kept). The database enforces it with a
unique partial index, ``ux_spans_place``; the decisions check first, to say "already there"
instead of failing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select
from sqlalchemy.orm import Session

from ..core.history import EventKind
from ..core.model import SpanState
from .schema import EventRow, LabelRow, SpanRow

REJECTED = SpanState.REJECTED.value
# The event recording a span the upgrade to schema 4 removed as an exact duplicate. It
# names no annotator, so it is in nobody's undo history.
DUPLICATE_REMOVED = EventKind.DUPLICATE_REMOVED.value
PLACE_INDEX = "ux_spans_place"
# Portable between SQLite and PostgreSQL (both know partial indexes in this spelling).
CREATE_PLACE_INDEX = (f'CREATE UNIQUE INDEX {PLACE_INDEX} ON spans '
                      f'(layer_id, document_id, start, "end", label_id) '
                      f"WHERE state <> '{REJECTED}'")

_spans = SpanRow.__table__
_SAME_PLACE = (
    select(_spans.c.id)
    .where(_spans.c.layer_id == bindparam("layer_id"),
           _spans.c.document_id == bindparam("document_id"),
           _spans.c.start == bindparam("start"), _spans.c.end == bindparam("end"),
           _spans.c.label_id == bindparam("label_id"), _spans.c.state != REJECTED)
    .limit(1)
)


def span_at(connection: Connection | Session, *, layer_id: int, document_id: int, start: int,
            end: int, label_id: int) -> int | None:
    """The id of the layer's span (not a rejection) at exactly this place, if there is one."""
    return connection.execute(_SAME_PLACE, {
        "layer_id": layer_id, "document_id": document_id, "start": start, "end": end,
        "label_id": label_id}).scalar()


_PLACES_IN_LAYER = (
    select(_spans.c.start, _spans.c.end, _spans.c.label_id, func.min(_spans.c.id))
    .where(_spans.c.layer_id == bindparam("layer_id"),
           _spans.c.document_id == bindparam("document_id"), _spans.c.state != REJECTED)
    .group_by(_spans.c.start, _spans.c.end, _spans.c.label_id)
)


def places_in_layer(connection: Connection | Session, *, layer_id: int, document_id: int
                    ) -> dict[tuple[int, int, int], int]:
    """The layer's spans (not rejections) in one document: (start, end, label id) -> span id,
    in one indexed read."""
    return {(start, end, label_id): span_id for start, end, label_id, span_id in
            connection.execute(_PLACES_IN_LAYER, {"layer_id": layer_id,
                                                  "document_id": document_id})}


def exact_duplicates(connection: Connection) -> Iterator[tuple[dict[str, Any], int]]:
    """Every span that repeats an earlier span of its layer at exactly its place (rejections
    left out), as a snapshot of the row with its label's name, and the id of the earliest
    span at that place (the one kept)."""
    s, k = _spans.alias("s"), _spans.alias("k")
    labels = LabelRow.__table__
    same = and_(k.c.layer_id == s.c.layer_id, k.c.document_id == s.c.document_id,
                k.c.start == s.c.start, k.c.end == s.c.end, k.c.label_id == s.c.label_id,
                k.c.state != REJECTED)
    first = select(func.min(k.c.id)).where(same).scalar_subquery()
    rows = connection.execute(
        select(s.c.id, s.c.layer_id, s.c.document_id, s.c.start, s.c.end, labels.c.name,
               s.c.state, s.c.score, s.c.reason, s.c.source_id, s.c.version, first)
        .join(labels, labels.c.id == s.c.label_id)
        .where(s.c.state != REJECTED, first < s.c.id)
        .order_by(s.c.id))
    for (span_id, layer_id, document_id, start, end, label, state, score, reason, source_id,
         version, kept) in rows:
        yield ({"id": span_id, "layer_id": layer_id, "document_id": document_id,
                "start": start, "end": end, "label": label, "state": state, "score": score,
                "reason": reason, "source_id": source_id, "version": version}, kept)


def removed_as_duplicate(connection: Connection | Session, span_id: int,
                         document_id: int | None = None) -> bool:
    """Whether the upgrade to schema 4 removed span ``span_id`` as a duplicate (or made it
    the rejection of its suggestion): undoing the decision that made it just removes it.
    ``document_id``, the span's document, narrows the search to that document's events."""
    where = [EventRow.kind == DUPLICATE_REMOVED, EventRow.span_id == span_id]
    if document_id is not None:
        where.append(EventRow.document_id == document_id)
    return connection.execute(select(EventRow.id).where(*where).limit(1)).first() is not None
