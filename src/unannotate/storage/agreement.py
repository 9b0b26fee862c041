"""Repository functions reading what agreement compares: annotators' and suggestions' layers,
and the documents and spans of the compared layers, streamed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select

from ..core.model import DocumentStatus, LayerKind, SpanState
from .database import Unit
from .schema import AnnotatorRow, DocumentRow, DocumentStatusRow, LabelRow, LayerRow, SpanRow
from .streaming import stream_rows

# A compared document: (id, title, text); a compared span: (document id, layer id, start,
# end, label, label kind). Plain tuples: a few hundred thousand are read per report.
DocumentTuple = tuple[int, str, str]
SpanTuple = tuple[int, int, int, int, str, str]


def annotator_layers(unit: Unit) -> dict[str, tuple[int, int]]:
    """Each annotator's name -> (their layer's id, their id)."""
    return {
        name: (layer_id, annotator_id)
        for name, layer_id, annotator_id in unit.execute(
            select(AnnotatorRow.name, LayerRow.id, AnnotatorRow.id)
            .join(LayerRow, LayerRow.annotator_id == AnnotatorRow.id)
            .where(LayerRow.kind == LayerKind.ANNOTATOR.value))
    }


def suggestion_layers(unit: Unit) -> list[tuple[int, str, str | None]]:
    """Every suggestions layer as (id, name, suggester), in the order they were made."""
    return [(layer_id, name, suggester) for layer_id, name, suggester in unit.execute(
        select(LayerRow.id, LayerRow.name, LayerRow.suggester)
        .where(LayerRow.kind == LayerKind.SUGGESTIONS.value).order_by(LayerRow.id))]


def compared_rows(unit: Unit, people: Sequence[tuple[int, Sequence[int]]],
                  by_state: Mapping[str, Sequence[int]], only_done: bool,
                  ) -> tuple[Iterator[DocumentTuple], Iterator[SpanTuple]]:
    """The documents compared (in id order) and their spans (in document order), streamed.

    ``people``: each compared person's annotator id and layer ids; ``by_state``: the layer
    ids whose spans of a state count. A document is compared when one of the people has
    worked on it (a status or an accepted span); with ``only_done``, when all have marked it
    done."""
    chosen = _chosen_documents(people, only_done)
    connection = unit.connection()
    texts = stream_rows(connection, select(DocumentRow.id, DocumentRow.title, DocumentRow.text)
                        .where(chosen).order_by(DocumentRow.id))
    spans = stream_rows(connection, _span_select(by_state, chosen))
    return texts, spans


def _chosen_documents(people: Sequence[tuple[int, Sequence[int]]],
                      only_done: bool) -> ColumnElement[bool]:
    annotator_ids = [annotator_id for annotator_id, _ in people]
    status = DocumentStatusRow
    if only_done:
        return DocumentRow.id.in_(
            select(status.document_id)
            .where(status.annotator_id.in_(annotator_ids),
                   status.status == DocumentStatus.DONE.value)
            .group_by(status.document_id)
            .having(func.count(func.distinct(status.annotator_id)) == len(set(annotator_ids))))
    # Correlated EXISTS: one index probe per document (spans by document and layer, statuses
    # by their key), rather than a scan of every span.
    layer_ids = [layer_id for _, ids in people for layer_id in ids]
    annotated = exists().where(SpanRow.document_id == DocumentRow.id,
                               SpanRow.layer_id.in_(layer_ids),
                               SpanRow.state == SpanState.ACCEPTED.value)
    marked = exists().where(status.document_id == DocumentRow.id,
                            status.annotator_id.in_(annotator_ids))
    return or_(annotated, marked)


def _span_select(by_state: Mapping[str, Sequence[int]], chosen: ColumnElement[bool]) -> Any:
    states = or_(*(and_(SpanRow.layer_id.in_(ids), SpanRow.state == state)
                   for state, ids in by_state.items()))
    # Documents and layers as two lists the index on (document, layer) can take in document
    # order; the state of each layer's spans checked on the rows it finds.
    return (select(SpanRow.document_id, SpanRow.layer_id, SpanRow.start, SpanRow.end,
                   LabelRow.name, LabelRow.kind)
            .join(LabelRow, LabelRow.id == SpanRow.label_id)
            .where(SpanRow.document_id.in_(select(DocumentRow.id).where(chosen)),
                   SpanRow.layer_id.in_([i for ids in by_state.values() for i in ids]),
                   states)
            .order_by(SpanRow.document_id))
