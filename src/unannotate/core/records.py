"""Small records the storage repositories hand to the services: plain, frozen, no rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple


@dataclass(frozen=True)
class ProjectCounts:
    """What a project holds, counted."""

    documents: int
    characters: int
    languages: dict[str, int] = field(default_factory=dict)
    annotators: tuple[str, ...] = ()  # every annotator, in alphabetical order
    # (annotator, status, documents)
    statuses: tuple[tuple[str, str, int], ...] = ()
    # (layer id, label, state, spans)
    spans: tuple[tuple[int, str, str, int], ...] = ()


class EventRecord(NamedTuple):
    """An event as stored, with the ids of the project holding it."""

    id: int
    at: datetime | str | None
    kind: str
    annotator_id: int | None
    document_id: int | None
    layer_id: int | None
    span_id: int | None
    suggestion_id: int | None
    suggester: str | None
    before: Any
    after: Any
    target_id: int | None
    group_id: str | None


class NamedEvent(NamedTuple):
    """An event as stored, its annotator, document and layer named (not by id)."""

    id: int
    at: datetime | str | None
    kind: str
    annotator: str | None
    sha256: str | None
    layer: str | None
    group_id: str | None
    suggester: str | None
    before: Any
    after: Any
    span_id: int | None
    suggestion_id: int | None


class SpanRecord(NamedTuple):
    """A span as stored, by ids (its label's too), with its times."""

    id: int
    layer_id: int
    document_id: int
    start: int
    end: int
    label_id: int
    state: str
    score: float | None
    reason: str | None
    source_id: int | None
    version: int
    created_at: datetime | str | None
    updated_at: datetime | str | None


class StatusRecord(NamedTuple):
    """An annotator's status of a document, or (``annotator_id`` None) its review status
    with its reviewer."""

    document_id: int
    annotator_id: int | None
    status: str
    seconds_spent: float | None
    updated_at: datetime | str | None
    reviewer_id: int | None = None


# The shape of a compared span as a plain tuple: what a whole project's read streams, as the
# fields of :class:`ComparedSpan` in its order (id, layer id, start, end, label, state, source
# id, reason, version, label kind, document id).
ComparedSpanTuple = tuple[int, int, int, int, str, str, int | None, str | None, int, str, int]


class ComparedSpan(NamedTuple):
    """A span of a layer a review compares (or of gold), with its label's name and kind."""

    id: int
    layer_id: int
    start: int
    end: int
    label: str
    state: str
    source_id: int | None
    reason: str | None
    version: int
    kind: str
    document_id: int
