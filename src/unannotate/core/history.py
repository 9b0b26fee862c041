"""History: events, the snapshots they hold, and the undo and redo stacks derived from them.

Every decision is recorded as events holding the state of a span (or of a document's status)
before and after it. Undo and redo are events too, appended to the log, never edits of it.
Which decisions can be undone or redone is a pure function of one person's events in one
layer: :func:`history_state` folds them into a :class:`History`, a cursor between the
decisions that can be undone (left of it) and those that can be redone (right of it).
Moving the cursor, or appending a decision, makes a new value in constant time (the two
stacks are linked lists sharing their tails), so a service keeps the value and advances it
with each group of events it writes instead of reading the log again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from .model import DocumentStatus, Span, SpanState


class EventKind(StrEnum):
    """What an event records. The values are stored in the log: never rename one."""

    ACCEPT = "accept"
    CORRECT = "correct"  # accepted with another label or other boundaries
    REJECT = "reject"
    COMMENT = "comment"  # a reviewer's note on a place, written as a suggested span
    ADD = "add"
    RELABEL = "relabel"
    RESIZE = "resize"
    DELETE = "delete"
    STATUS = "status"
    UNDO = "undo"
    REDO = "redo"
    IMPORT = "import"
    SUGGEST = "suggest"
    MERGE = "merge"
    LANGUAGE = "language"  # a document's language changed (its suggestions made again)
    # A span the upgrade to schema 4 removed as an exact duplicate (in nobody's history).
    DUPLICATE_REMOVED = "duplicate removed"


# A span's state at one moment, as an event holds it before and after a decision: the one
# shape of a span in the core (the span as stored, its label by name).
SpanSnapshot = Span


@dataclass(frozen=True)
class StatusSnapshot:
    """A document's status at one moment (for this annotator, or its review in gold)."""

    status: DocumentStatus


@dataclass(frozen=True)
class LanguageSnapshot:
    """A document's language at one moment (an ISO 639 code, as stored)."""

    language: str


Snapshot = SpanSnapshot | StatusSnapshot | LanguageSnapshot

_SPAN_KEYS = ("id", "layer_id", "document_id", "start", "end", "label", "state", "score",
              "reason", "source_id", "version")


def snapshot_to_json(snapshot: Snapshot | None) -> dict[str, Any] | None:
    """The JSON object an event stores for a snapshot (the keys the log has always held)."""
    if snapshot is None:
        return None
    if isinstance(snapshot, StatusSnapshot):
        return {"status": snapshot.status.value}
    if isinstance(snapshot, LanguageSnapshot):
        return {"language": snapshot.language}
    return {
        "id": snapshot.id, "layer_id": snapshot.layer_id, "document_id": snapshot.document_id,
        "start": snapshot.start, "end": snapshot.end, "label": snapshot.label,
        "state": snapshot.state.value, "score": snapshot.score, "reason": snapshot.reason,
        "source_id": snapshot.source_id, "version": snapshot.version,
    }


def snapshot_from_json(data: dict[str, Any] | None) -> Snapshot | None:
    """Read back what :func:`snapshot_to_json` wrote (a span or a status); None for none."""
    if data is None:
        return None
    if "status" in data and "id" not in data:
        return StatusSnapshot(DocumentStatus(data["status"]))
    if "language" in data and "id" not in data:
        return LanguageSnapshot(data["language"])
    return Span(
        id=data["id"], document_id=data["document_id"], layer_id=data["layer_id"],
        start=data["start"], end=data["end"], label=data["label"],
        state=SpanState(data["state"]), score=data.get("score"),
        reason=data.get("reason") or "", source_id=data.get("source_id"),
        version=data.get("version", 1),
    )


@dataclass(frozen=True)
class Event:
    """One entry of the append-only log."""

    id: int
    kind: EventKind
    who: int | None  # the annotator's id; None for what no person did (an import)
    when: datetime | None
    document: int | None
    layer: int | None
    before: Snapshot | None = None
    after: Snapshot | None = None
    suggestion: int | None = None  # the suggestion it decided
    suggester: str | None = None  # the suggester version that suggestion came from
    target: int | None = None  # for undo and redo: the event reversed or applied again
    group: str | None = None  # events of one action (accept all) share it and undo together

    @property
    def span_id(self) -> int | None:
        ref = self.after if self.after is not None else self.before
        return ref.id if isinstance(ref, Span) else None


@dataclass(frozen=True)
class Step:
    """One step of the history: the events of one action, undone or redone together."""

    kind: EventKind
    event_ids: tuple[int, ...]


@dataclass(frozen=True)
class _Node:
    """A cell of an immutable linked list: a stack whose tail is shared between values."""

    step: tuple[int, ...]
    below: _Node | None
    depth: int


def _push(stack: _Node | None, step: tuple[int, ...]) -> _Node:
    return _Node(step, stack, 1 if stack is None else stack.depth + 1)


def _items(stack: _Node | None) -> Iterator[tuple[int, ...]]:
    while stack is not None:
        yield stack.step
        stack = stack.below


@dataclass(frozen=True)
class History:
    """The cursor in one person's history in one layer.

    ``undo`` holds the steps before the cursor (the last made on top), ``redo`` those after
    it (the next to redo on top); ``last_event`` is the id of the last event folded in."""

    _undo: _Node | None = None
    _redo: _Node | None = None
    last_event: int = 0

    def advance(self, step: Step) -> History:
        """The history after one more step (a decision, an undo or a redo), in O(1).

        An undo or a redo with nothing to move (as a log merged from elsewhere may hold)
        changes nothing but ``last_event``."""
        last = max(self.last_event, max(step.event_ids, default=0))
        if step.kind is EventKind.UNDO:
            if self._undo is None:
                return History(self._undo, self._redo, last)
            return History(self._undo.below, _push(self._redo, self._undo.step), last)
        if step.kind is EventKind.REDO:
            if self._redo is None:
                return History(self._undo, self._redo, last)
            return History(_push(self._undo, self._redo.step), self._redo.below, last)
        return History(_push(self._undo, step.event_ids), None, last)

    @property
    def can_undo(self) -> bool:
        return self._undo is not None

    @property
    def can_redo(self) -> bool:
        return self._redo is not None

    @property
    def next_undo(self) -> tuple[int, ...] | None:
        """The event ids the next undo reverses (in the order they were made)."""
        return None if self._undo is None else self._undo.step

    @property
    def next_redo(self) -> tuple[int, ...] | None:
        """The event ids the next redo applies again (in the order they were first made)."""
        return None if self._redo is None else self._redo.step

    @property
    def undo_depth(self) -> int:
        return 0 if self._undo is None else self._undo.depth

    @property
    def redo_depth(self) -> int:
        return 0 if self._redo is None else self._redo.depth

    def stacks(self) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
        """Both stacks as lists, bottom first (the top is the last item): O(depth)."""
        return list(_items(self._undo))[::-1], list(_items(self._redo))[::-1]


def steps(events: Iterable[tuple[int, EventKind | str, str | None]]) -> Iterator[Step]:
    """Group ``(id, kind, group)`` events, in id order, into steps: neighbours sharing a
    group are one step; an event without a group is a step alone."""
    kind: EventKind | None = None
    group: str | None = None
    ids: list[int] = []
    for event_id, event_kind, event_group in events:
        if ids and event_group is not None and event_group == group:
            ids.append(event_id)
            continue
        if ids:
            assert kind is not None
            yield Step(kind, tuple(ids))
        kind, group, ids = EventKind(event_kind), event_group, [event_id]
    if ids:
        assert kind is not None
        yield Step(kind, tuple(ids))


def history_state(events: Iterable[tuple[int, EventKind | str, str | None]],
                  start: History | None = None) -> History:
    """The history after one person's events in one layer (``(id, kind, group)`` in id
    order), folded onto ``start`` (an empty history by default)."""
    history = start if start is not None else History()
    for step in steps(events):
        history = history.advance(step)
    return history
