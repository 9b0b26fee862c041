"""Repository functions on the event log: appending events, reading one person's history.

The log is append-only; these functions never update or delete an event."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..core.history import Event, EventKind, Snapshot, snapshot_from_json, snapshot_to_json
from .bulk import insert_rows
from .database import Unit
from .schema import EventRow, utcnow

_events = EventRow.__table__
_INSERT_EVENT = insert(_events)
_GROUP_COLUMNS = ("kind", "annotator_id", "document_id", "layer_id", "span_id", "suggestion_id",
                  "suggester", "before", "after", "target_id", "group_id")
_MINE = (_events.c.annotator_id == bindparam("annotator_id"),
         _events.c.layer_id == bindparam("layer_id"),
         _events.c.id > bindparam("after"))
# Built once: building a statement costs more than running it on the decision path.
_HISTORY = select(_events.c.id, _events.c.kind, _events.c.group_id).where(*_MINE) \
    .order_by(_events.c.id)
_SINCE = select(func.count(), func.max(_events.c.id)).where(*_MINE)
_LAST_EVENT = select(func.max(_events.c.id))
_EVENTS_OF_GROUP = (select(_events.c.id).where(_events.c.id > bindparam("after"),
                                               _events.c.group_id == bindparam("group_id"))
                    .order_by(_events.c.id))


def append_event(connection: Connection | Session, *, kind: EventKind, annotator_id: int | None,
                 document_id: int | None, layer_id: int | None, before: Snapshot | None,
                 after: Snapshot | None, group: str | None, suggestion_id: int | None = None,
                 suggester: str | None = None, target_id: int | None = None) -> int:
    """Append one event; its id."""
    ref = after if after is not None else before
    values: dict[str, Any] = {
        "kind": kind.value, "annotator_id": annotator_id, "document_id": document_id,
        "layer_id": layer_id, "span_id": getattr(ref, "id", None),
        "suggestion_id": suggestion_id, "suggester": suggester,
        "before": snapshot_to_json(before), "after": snapshot_to_json(after),
        "target_id": target_id, "group_id": group,
    }
    return int(connection.execute(_INSERT_EVENT, values).inserted_primary_key[0])


def append_group(connection: Connection | Session, group: str,
                 events: list[dict[str, Any]]) -> list[int]:
    """Append the events of one group in bulk (each a dict of the columns, ``before``
    and ``after`` as :func:`~unannotate.core.history.snapshot_to_json` makes them); their
    ids, in order. Writers hold the project's write lock, so the ids follow the last one."""
    if isinstance(connection, Session):
        connection = connection.connection()
    last = connection.execute(_LAST_EVENT).scalar() or 0
    if events:
        # As multi-row inserts (storage/bulk.py): a bulk decision and its undo append
        # thousands of events; one moment stamps them all.
        insert_rows(connection, _events, _GROUP_COLUMNS,
                    [tuple(event.get(name) for name in _GROUP_COLUMNS[:-1]) + (group,)
                     for event in events], {"at": utcnow()})
    return list(connection.execute(_EVENTS_OF_GROUP, {"group_id": group,
                                                      "after": last}).scalars())


def history_events(connection: Connection | Session, annotator_id: int, layer_id: int, *,
                   after: int = 0) -> list[tuple[int, str, str | None]]:
    """One person's events in one layer after event ``after``, as ``(id, kind, group)`` in
    the order they were made: what :func:`~unannotate.core.history.history_state` folds."""
    rows = connection.execute(_HISTORY, {"annotator_id": annotator_id, "layer_id": layer_id,
                                         "after": after})
    return [(event_id, kind, group) for event_id, kind, group in rows]


def events_since(connection: Connection | Session, annotator_id: int, layer_id: int,
                 after: int) -> tuple[int, int]:
    """How many of the person's events in the layer came after event ``after``, and the
    last one's id (``after`` when none did): one indexed read, however long the log."""
    count, last = connection.execute(_SINCE, {"annotator_id": annotator_id,
                                              "layer_id": layer_id, "after": after}).one()
    return int(count), int(last) if last is not None else after


def events_by_id(connection: Connection | Session, event_ids: tuple[int, ...]) -> list[Event]:
    """The events with these ids, in the order they were made."""
    c = _events.c
    rows = connection.execute(
        select(c.id, c.kind, c.annotator_id, c.at, c.document_id, c.layer_id, c.before,
               c.after, c.suggestion_id, c.suggester, c.target_id, c.group_id)
        .where(c.id.in_(event_ids)).order_by(c.id))
    return [
        Event(id=row.id, kind=EventKind(row.kind), who=row.annotator_id, when=row.at,
              document=row.document_id, layer=row.layer_id,
              before=snapshot_from_json(row.before), after=snapshot_from_json(row.after),
              suggestion=row.suggestion_id, suggester=row.suggester, target=row.target_id,
              group=row.group_id)
        for row in rows
    ]


def add_event(unit: Unit, kind: str, *, annotator_id: int | None = None,
              after: dict[str, Any] | None = None, group_id: str | None = None) -> None:
    """Append an event that names no span (an import, a merge)."""
    unit.add(EventRow(kind=kind, annotator_id=annotator_id, after=after, group_id=group_id))
