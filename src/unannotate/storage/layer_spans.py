"""Repository functions on one layer's spans of one document, read and added in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from .bulk import insert_rows
from .database import Unit
from .schema import SpanRow

# The values of a new span, in this order.
NEW_SPAN_COLUMNS = ("layer_id", "document_id", "start", "end", "label_id", "state", "score",
                    "reason", "source_id", "version")


def span_states(unit: Unit, layer_id: int, doc_id: int) -> dict[tuple[int, int, int], str]:
    """The layer's spans of the document: (start, end, label id) -> state."""
    return {(start, end, label_id): state for start, end, label_id, state in unit.execute(
        select(SpanRow.start, SpanRow.end, SpanRow.label_id, SpanRow.state)
        .where(SpanRow.layer_id == layer_id, SpanRow.document_id == doc_id))}


def span_places(unit: Unit, layer_id: int, doc_id: int) -> list[tuple[int, int, int, int]]:
    """The layer's spans of the document as (id, start, end, label id)."""
    return [(span_id, start, end, label_id) for span_id, start, end, label_id in unit.execute(
        select(SpanRow.id, SpanRow.start, SpanRow.end, SpanRow.label_id)
        .where(SpanRow.layer_id == layer_id, SpanRow.document_id == doc_id))]


def add_spans(unit: Unit, rows: Sequence[Sequence[Any]], stamp: datetime) -> None:
    """Insert new spans (tuples in the order of :data:`NEW_SPAN_COLUMNS`) in bulk, all made
    at ``stamp``."""
    insert_rows(unit.connection(), SpanRow.__table__, NEW_SPAN_COLUMNS, rows,
                {"created_at": stamp, "updated_at": stamp})
