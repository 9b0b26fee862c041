"""Repository functions for how the suggesters fare: the decision events on suggestions (with
their undo and redo), where each decided suggestion came from, and the scores of the
suggestions a reviewer has not decided yet.

Suggestion ids are bound in chunks, never all at once (SQLite's variable limit).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from ..core.model import LayerKind
from .schema import EventRow, LabelRow, LayerRow, SpanRow

CHUNK = 400
# What a reviewer does to a suggestion (or to the annotation made from one), and the events
# that take such a step back or make it again.
DECISIONS = ("accept", "correct", "reject", "relabel", "resize")
REPLAYS = ("undo", "redo")


@dataclass(frozen=True)
class DecisionEvent:
    id: int
    at: datetime
    kind: str
    suggestion_id: int | None  # the suggestion decided (relabel/resize: the annotation's)
    suggester: str | None  # the suggestions layer's name, where the event names it
    target_id: int | None  # undo and redo: the decision taken back or made again
    label: str | None  # the label the event wrote (or had, for a rejection)


def decision_events(session: Session) -> Iterator[DecisionEvent]:
    """Every decision on a suggestion and every undo and redo, in the order they happened."""
    query = (select(EventRow.id, EventRow.at, EventRow.kind, EventRow.suggestion_id,
                    EventRow.suggester, EventRow.target_id, EventRow.before, EventRow.after)
             .where(EventRow.kind.in_(DECISIONS + REPLAYS)).order_by(EventRow.id))
    for event_id, at, kind, suggestion_id, suggester, target_id, before, after in (
            session.execute(query.execution_options(yield_per=2000))):
        if kind in ("relabel", "resize"):
            suggestion_id = _get(before, "source_id")
            if suggestion_id is None:
                continue  # an annotation the reviewer added: no suggester to credit
        label = _get(after, "label") or _get(before, "label")
        yield DecisionEvent(event_id, at, kind, suggestion_id, suggester, target_id, label)


def _get(data: Any, key: str) -> Any:
    return data.get(key) if isinstance(data, dict) else None


def suggestion_origins(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """For each suggestion still stored: (its label, its suggestions layer's name)."""
    wanted = sorted(set(ids))
    out: dict[int, tuple[str, str]] = {}
    for n in range(0, len(wanted), CHUNK):
        rows = session.execute(
            select(SpanRow.id, LabelRow.name, LayerRow.name)
            .join(LabelRow, LabelRow.id == SpanRow.label_id)
            .join(LayerRow, LayerRow.id == SpanRow.layer_id)
            .where(SpanRow.id.in_(wanted[n:n + CHUNK]),
                   LayerRow.kind == LayerKind.SUGGESTIONS.value))
        out.update({span_id: (label, layer) for span_id, label, layer in rows})
    return out


def pending_scores(session: Session, own_layer_id: int
                   ) -> Iterator[tuple[int, int, str, float]]:
    """(document id, suggestions layer id, label kind, score) of every scored suggestion the
    layer ``own_layer_id`` has not decided (no span of it was made from the suggestion)."""
    own = aliased(SpanRow)
    decided = exists().where(and_(own.layer_id == own_layer_id, own.source_id == SpanRow.id))
    query = (select(SpanRow.document_id, SpanRow.layer_id, LabelRow.kind, SpanRow.score)
             .join(LabelRow, LabelRow.id == SpanRow.label_id)
             .join(LayerRow, LayerRow.id == SpanRow.layer_id)
             .where(LayerRow.kind == LayerKind.SUGGESTIONS.value, SpanRow.score.is_not(None),
                    ~decided))
    for row in session.execute(query.execution_options(yield_per=5000)):
        yield row[0], row[1], row[2], float(row[3])
