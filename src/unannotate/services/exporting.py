"""Exporting a project: streams documents and spans, writes atomically."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ..core.model import LabelKind
from ..formats.atomic import atomic_write
from ..formats.native import NativeDocument, NativeLayer, NativeSpan, write_native
from ..storage.schema import (
    AnnotatorRow,
    DocumentRow,
    DocumentStatusRow,
    LabelRow,
    LayerRow,
    SpanRow,
)
from .project import Project

STREAM_ROWS = 2_000


@dataclass
class ExportReport:
    path: str
    documents: int = 0
    spans: dict[str, int] = field(default_factory=dict)  # label -> count


@dataclass(frozen=True)
class _LayerInfo:
    name: str
    kind: str
    annotator: str | None
    annotator_id: int | None
    suggester: str | None
    pipeline: str | None
    pipeline_version: str | None


def _layers(session: Session) -> dict[int, _LayerInfo]:
    rows = session.execute(
        select(LayerRow, AnnotatorRow.name).outerjoin(
            AnnotatorRow, AnnotatorRow.id == LayerRow.annotator_id
        )
    )
    return {
        layer.id: _LayerInfo(
            layer.name, layer.kind, annotator, layer.annotator_id, layer.suggester,
            layer.pipeline, layer.pipeline_version,
        )
        for layer, annotator in rows
    }


def iter_native_documents(project: Project, session: Session,
                          report: ExportReport | None = None) -> Iterator[NativeDocument]:
    """Every document with all its layers, streamed in two ordered queries merged here,
    so memory stays flat however large the project."""
    layers = _layers(session)
    labels = {
        label_id: (name, LabelKind(kind))
        for label_id, name, kind in session.execute(
            select(LabelRow.id, LabelRow.name, LabelRow.kind)
        )
    }
    statuses: dict[tuple[int, int], str] = {}
    source = aliased(SpanRow)
    span_rows = session.execute(
        select(
            SpanRow.document_id, SpanRow.id, SpanRow.layer_id, SpanRow.start, SpanRow.end,
            SpanRow.label_id, SpanRow.state, SpanRow.score, SpanRow.reason, SpanRow.source_id,
            source.layer_id,
        )
        .outerjoin(source, source.id == SpanRow.source_id)
        .order_by(SpanRow.document_id, SpanRow.layer_id, SpanRow.start, SpanRow.end, SpanRow.id)
        .execution_options(yield_per=STREAM_ROWS)
    )
    pending = next(span_rows, None)
    documents = session.execute(
        select(
            DocumentRow.id, DocumentRow.text, DocumentRow.title, DocumentRow.language,
            DocumentRow.source, DocumentRow.meta,
        )
        .order_by(DocumentRow.id)
        .execution_options(yield_per=STREAM_ROWS)
    )
    status_rows = session.execute(
        select(DocumentStatusRow.document_id, DocumentStatusRow.annotator_id, DocumentStatusRow.status)
        .order_by(DocumentStatusRow.document_id)
        .execution_options(yield_per=STREAM_ROWS)
    )
    pending_status = next(status_rows, None)
    for doc_id, text, title, language, source_name, meta in documents:
        statuses.clear()
        while pending_status is not None and pending_status[0] <= doc_id:
            if pending_status[0] == doc_id:
                statuses[(doc_id, pending_status[1])] = pending_status[2]
            pending_status = next(status_rows, None)
        by_layer: dict[int, NativeLayer] = {}
        while pending is not None and pending[0] <= doc_id:
            if pending[0] == doc_id:
                (_, span_id, layer_id, start, end, label_id, state, score, reason,
                 source_id, source_layer) = pending
                info = layers[layer_id]
                layer = by_layer.get(layer_id)
                if layer is None:
                    layer = by_layer[layer_id] = _native_layer(info, statuses, doc_id)
                label, kind = labels[label_id]
                provenance = None
                if source_id is not None:
                    origin = layers.get(source_layer) if source_layer is not None else None
                    provenance = {"span_id": source_id}
                    if origin is not None:
                        provenance["layer"] = origin.name
                        if origin.suggester:
                            provenance["suggester"] = origin.suggester
                span = NativeSpan(
                    start=start, end=end, label=label, text=text[start:end], state=state,
                    id=span_id, score=score, reason=reason or "", source=provenance,
                )
                (layer.claims if kind is LabelKind.CLAIM else layer.entities).append(span)
                if report is not None:
                    report.spans[label] = report.spans.get(label, 0) + 1
            pending = next(span_rows, None)
        # Annotators who marked the document but have no spans in it still show their status.
        for (_, annotator_id), _status in statuses.items():
            for layer_id, info in layers.items():
                if info.annotator_id == annotator_id and info.kind == "annotator" \
                        and layer_id not in by_layer:
                    by_layer[layer_id] = _native_layer(info, statuses, doc_id)
        yield NativeDocument(
            text=text, title=title, language=language, source=source_name, meta=meta or {},
            layers=[by_layer[k] for k in sorted(by_layer)],
        )


def _native_layer(info: _LayerInfo, statuses: dict[tuple[int, int], str],
                  doc_id: int) -> NativeLayer:
    status = None
    if info.annotator_id is not None:
        status = statuses.get((doc_id, info.annotator_id), "todo")
    return NativeLayer(
        name=info.name, kind=info.kind, annotator=info.annotator, suggester=info.suggester,
        pipeline=info.pipeline, pipeline_version=info.pipeline_version, status=status,
    )


def export_native(project: Project, out: str | Path) -> ExportReport:
    """Write the whole project as native JSONL to ``out`` (atomically)."""
    report = ExportReport(str(out))
    with project.db.read() as session, atomic_write(out) as handle:
        report.documents = write_native(iter_native_documents(project, session, report), handle)
    return report
