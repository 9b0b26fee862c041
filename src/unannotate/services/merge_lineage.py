"""What a merge reads from the history: what an event says without the ids of the project
holding it (to recognise an event both projects hold), and the *lineage* of a span id.

A span is named in history by its id, and SQLite gives the id of the highest span, once it is
deleted, to the next one made; an undo makes a span again under its old id. So a span id is
read together with the event that (last) made it, as of each event: a lineage.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ..core.records import EventRecord

# Keys of a span snapshot that are ids of the project holding it.
ID_KEYS = frozenset({"id", "layer_id", "document_id", "source_id"})

# A span id with the event that (last) made it, 0 when no event did (a suggestion, an import).
Lineage = tuple[int, int]


def instant(value: datetime | str | None) -> str:
    """A stored time as one comparable string (SQLite may hand it back with or without its
    UTC offset)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds")
    return "" if value is None else str(value)


def without_ids(snapshot: Any) -> Any:
    if isinstance(snapshot, dict):
        return {k: v for k, v in snapshot.items() if k not in ID_KEYS}
    return snapshot


def fingerprint(at: datetime | str | None, kind: str, annotator: str | None,
                 sha256: str | None, layer: str | None, group: str | None,
                 suggester: str | None, before: Any, after: Any) -> str:
    """What an event says, without the ids of the project holding it."""
    return json.dumps([instant(at), kind, annotator, sha256, layer, group, suggester,
                       without_ids(before), without_ids(after)],
                      sort_keys=True, ensure_ascii=False, default=str)


def snapshot_span_ids(snapshot: Any) -> list[int]:
    if not isinstance(snapshot, dict):
        return []
    return [v for k in ("id", "source_id") if isinstance(v := snapshot.get(k), int)]


def named_spans(event: EventRecord) -> list[int]:
    """Every span id an event names: its span, its suggestion, and its snapshots' ids."""
    return [i for i in (event.span_id, event.suggestion_id) if i is not None] + \
        snapshot_span_ids(event.before) + snapshot_span_ids(event.after)


def is_empty(value: Any) -> bool:
    """A snapshot that is not there (SQL NULL, or a JSON null read back as text)."""
    return value is None or value == "null"


def makes_span(event: EventRecord) -> bool:
    """An event after which its span exists and before which it did not."""
    return event.span_id is not None and is_empty(event.before) and isinstance(event.after, dict)


class Lineages:
    """Span ids as of an event: fed the events in order, tells the lineage an id is in."""

    def __init__(self) -> None:
        self.made: dict[int, list[int]] = {}  # span id -> the events that made it, in order

    def see(self, event: EventRecord) -> None:
        if makes_span(event):
            self.made.setdefault(event.span_id, []).append(event.id)

    def now(self, span_id: int) -> Lineage:
        made = self.made.get(span_id)
        return (span_id, made[-1] if made else 0)
