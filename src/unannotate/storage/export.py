"""Repository functions reading a whole project in document order, for export: documents,
their spans and their statuses as three ordered streams."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, null, select
from sqlalchemy.orm import aliased

from ..core.model import Label, LabelKind
from .database import Unit
from .schema import DocumentRow, DocumentStatusRow, LabelRow, SpanRow
from .streaming import stream_rows

EXPORT_ROWS = 2_000

# Plain tuples (millions are read by a large export):
# (id, text, title, language, source, meta)
DocumentTuple = tuple[int, str, str, str, str, dict[str, Any] | None]
# (document id, span id, layer id, start, end, label id, state, score, reason, source id,
#  source's layer id)
SpanTuple = tuple[Any, ...]
# (document id, annotator id, status)
StatusTuple = tuple[int, int, str]


def labels_by_id(unit: Unit) -> dict[int, Label]:
    """Every label by its id (name and kind; the rest of the scheme left out)."""
    return {label_id: Label(name, LabelKind(kind))
            for label_id, name, kind in unit.execute(
                select(LabelRow.id, LabelRow.name, LabelRow.kind))}


def _span_select(unit: Unit) -> Select[Any]:
    # The layer of each span's source, for provenance; a project where no span has a
    # source (nothing taken from a suggestion or a colleague) needs no join for it.
    source = aliased(SpanRow)
    has_sources = unit.scalar(
        select(SpanRow.id).where(SpanRow.source_id.is_not(None)).limit(1)) is not None
    statement = select(
        SpanRow.document_id, SpanRow.id, SpanRow.layer_id, SpanRow.start, SpanRow.end,
        SpanRow.label_id, SpanRow.state, SpanRow.score, SpanRow.reason, SpanRow.source_id,
        source.layer_id if has_sources else null(),
    )
    if has_sources:
        statement = statement.outerjoin(source, source.id == SpanRow.source_id)
    return statement


def export_streams(unit: Unit) -> tuple[Iterator[DocumentTuple], Iterator[SpanTuple],
                                        Iterator[StatusTuple]]:
    """Documents in id order; spans in document and layer order (which the index gives
    without sorting millions of rows: each document's few are put in order by the reader);
    statuses in document order."""
    connection = unit.connection()
    spans = stream_rows(connection, _span_select(unit).order_by(
        SpanRow.document_id, SpanRow.layer_id), EXPORT_ROWS)
    documents = stream_rows(connection, select(
        DocumentRow.id, DocumentRow.text, DocumentRow.title, DocumentRow.language,
        DocumentRow.source, DocumentRow.meta,
    ).order_by(DocumentRow.id), EXPORT_ROWS)
    statuses = stream_rows(connection, select(
        DocumentStatusRow.document_id, DocumentStatusRow.annotator_id,
        DocumentStatusRow.status,
    ).order_by(DocumentStatusRow.document_id), EXPORT_ROWS)
    return documents, spans, statuses  # type: ignore[return-value]


def ordered_spans(unit: Unit, doc_id: int) -> list[SpanTuple]:
    """A document's span rows in layer, start, end, id order, as the database orders them."""
    return list(stream_rows(unit.connection(), _span_select(unit).where(
        SpanRow.document_id == doc_id).order_by(
        SpanRow.layer_id, SpanRow.start, SpanRow.end, SpanRow.id), EXPORT_ROWS))
