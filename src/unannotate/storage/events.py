"""Repository functions on the event log."""

from __future__ import annotations

from typing import Any

from .database import Unit
from .schema import EventRow


def add_event(unit: Unit, kind: str, *, annotator_id: int | None = None,
              after: dict[str, Any] | None = None, group_id: str | None = None) -> None:
    """Append an event that names no span (an import, a merge)."""
    unit.add(EventRow(kind=kind, annotator_id=annotator_id, after=after, group_id=group_id))
