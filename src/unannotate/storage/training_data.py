"""Repository functions for training and re-suggesting: the done documents of a layer with
their spans, and the pending suggestions a newer suggester version replaces.

Every query here keeps the number of bound parameters small: document ids are read in
chunks, never bound all at once (SQLite's variable limit).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, delete, exists, select
from sqlalchemy.orm import Session, aliased

from ..core.model import DocumentStatus, LabelKind, LayerKind, SpanState
from .schema import (
    AnnotatorRow,
    DocumentRow,
    DocumentStatusRow,
    LabelRow,
    LayerRow,
    ReviewStatusRow,
    SpanRow,
)

CHUNK = 400  # document ids bound in one statement


@dataclass(frozen=True)
class LayerRef:
    """A layer that can be trained from: gold or an annotator's."""

    id: int
    name: str  # as stored ("gold", "annotator:ana")
    kind: LayerKind
    annotator_id: int | None
    annotator: str | None


@dataclass(frozen=True)
class StoredSpan:
    start: int
    end: int
    label: str
    kind: LabelKind
    state: SpanState


@dataclass(frozen=True)
class DoneDocument:
    """A document marked done in a layer, with the layer's spans in it."""

    id: int
    sha256: str
    text: str
    language: str
    spans: tuple[StoredSpan, ...]


def trainable_layers(session: Session) -> list[LayerRef]:
    """Gold and every annotator's layer, gold first."""
    rows = session.execute(
        select(LayerRow.id, LayerRow.name, LayerRow.kind, LayerRow.annotator_id,
               AnnotatorRow.name)
        .outerjoin(AnnotatorRow, AnnotatorRow.id == LayerRow.annotator_id)
        .where(LayerRow.kind.in_([LayerKind.GOLD.value, LayerKind.ANNOTATOR.value]))
        .order_by(LayerRow.kind.desc(), LayerRow.name)
    ).all()
    return [LayerRef(i, name, LayerKind(kind), annotator_id, annotator)
            for i, name, kind, annotator_id, annotator in rows]


def done_document_ids(session: Session, layer: LayerRef) -> list[int]:
    """The documents marked done in ``layer``: by its annotator, or (gold) by the review."""
    if layer.kind == LayerKind.GOLD:
        query = select(ReviewStatusRow.document_id).where(
            ReviewStatusRow.status == DocumentStatus.DONE.value)
    else:
        query = select(DocumentStatusRow.document_id).where(
            DocumentStatusRow.annotator_id == layer.annotator_id,
            DocumentStatusRow.status == DocumentStatus.DONE.value)
    return sorted(session.scalars(query))


def done_documents(session: Session, layer_id: int,
                   document_ids: Sequence[int]) -> Iterator[DoneDocument]:
    """The documents ``document_ids`` with the spans ``layer_id`` holds in each, in id order."""
    ids = sorted(document_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        docs = session.execute(
            select(DocumentRow.id, DocumentRow.sha256, DocumentRow.text, DocumentRow.language)
            .where(DocumentRow.id.in_(chunk)).order_by(DocumentRow.id)).all()
        spans: dict[int, list[StoredSpan]] = {}
        for doc_id, s, e, label, kind, state in session.execute(
            select(SpanRow.document_id, SpanRow.start, SpanRow.end, LabelRow.name,
                   LabelRow.kind, SpanRow.state)
            .join(LabelRow, LabelRow.id == SpanRow.label_id)
            .where(SpanRow.layer_id == layer_id, SpanRow.document_id.in_(chunk))
            .order_by(SpanRow.document_id, SpanRow.start, SpanRow.end, SpanRow.id)
        ):
            spans.setdefault(doc_id, []).append(
                StoredSpan(s, e, label, LabelKind(kind), SpanState(state)))
        for doc_id, sha, text, language in docs:
            yield DoneDocument(doc_id, sha, text, language or "en",
                               tuple(spans.get(doc_id, ())))


def documents_done_by_anyone(connection: Connection | Session,
                             document_ids: Sequence[int]) -> set[int]:
    """Those of ``document_ids`` that some annotator, or the review, marked done."""
    found: set[int] = set()
    ids = list(document_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        found.update(connection.scalars(
            select(DocumentStatusRow.document_id).where(
                DocumentStatusRow.document_id.in_(chunk),
                DocumentStatusRow.status == DocumentStatus.DONE.value)))
        found.update(connection.scalars(
            select(ReviewStatusRow.document_id).where(
                ReviewStatusRow.document_id.in_(chunk),
                ReviewStatusRow.status == DocumentStatus.DONE.value)))
    return found


def delete_pending_suggestions(connection: Connection, *, keep_layer_id: int,
                               kind: LabelKind, suggester_prefix: str,
                               document_ids: Sequence[int]) -> int:
    """Delete the undecided suggestions of ``kind`` in ``document_ids`` held by suggestions
    layers other than ``keep_layer_id`` whose suggester name starts with
    ``suggester_prefix``. A suggestion some span was made from (accepted, rejected,
    corrected, by anyone) is decided and stays. Returns how many were deleted."""
    own = aliased(SpanRow)
    layers = select(LayerRow.id).where(
        LayerRow.kind == LayerKind.SUGGESTIONS.value, LayerRow.id != keep_layer_id,
        LayerRow.suggester.like(suggester_prefix + "%"))
    labels = select(LabelRow.id).where(LabelRow.kind == kind.value)
    deleted = 0
    ids = list(document_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        result = connection.execute(
            delete(SpanRow).where(
                SpanRow.document_id.in_(chunk),
                SpanRow.layer_id.in_(layers),
                SpanRow.label_id.in_(labels),
                SpanRow.state == SpanState.SUGGESTED.value,
                ~exists(select(own.id).where(and_(own.source_id == SpanRow.id))),
            ))
        deleted += result.rowcount or 0
    return deleted
