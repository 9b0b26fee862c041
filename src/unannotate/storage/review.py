"""Repository functions for the colleague review: the layers it compares, their spans with
gold's, and the annotators' statuses it shows beside its own."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Select, bindparam, select

from ..core.model import LayerKind
from ..core.records import ComparedSpan, ComparedSpanTuple
from .database import Unit
from .schema import AnnotatorRow, DocumentStatusRow, LabelRow, LayerRow, SpanRow
from .streaming import stream_rows


def annotator_layer_ids(unit: Unit) -> dict[str, int]:
    """Each annotator's layer id by the annotator's name."""
    return dict(unit.execute(
        select(AnnotatorRow.name, LayerRow.id).join(
            LayerRow, LayerRow.annotator_id == AnnotatorRow.id)
        .where(LayerRow.kind == LayerKind.ANNOTATOR.value)).all())


def suggestion_layer_ids(unit: Unit) -> list[int]:
    """The ids of every suggestions layer."""
    return list(unit.scalars(select(LayerRow.id).where(
        LayerRow.kind == LayerKind.SUGGESTIONS.value)))


def gold_layer_id(unit: Unit, name: str) -> int | None:
    """The id of the gold layer called ``name``, if the project has it."""
    return unit.scalar(select(LayerRow.id).where(LayerRow.kind == LayerKind.GOLD.value,
                                                 LayerRow.name == name))


def documents_with_spans(unit: Unit, layer_id: int | None) -> set[int]:
    """The documents the layer holds spans of."""
    return set(unit.scalars(select(SpanRow.document_id).distinct()
                            .where(SpanRow.layer_id == layer_id)))


def annotator_statuses(unit: Unit, document_id: int) -> dict[str, str]:
    """Each annotator's own status of the document, by the annotator's name."""
    return dict(unit.execute(
        select(AnnotatorRow.name, DocumentStatusRow.status)
        .join(DocumentStatusRow, DocumentStatusRow.annotator_id == AnnotatorRow.id)
        .where(DocumentStatusRow.document_id == document_id)).all())


class ComparedSpans:
    """The spans of the layers a review compares and of its gold layer, with label name and
    kind, in text order. The statements are built once: on the path that opens a document
    building a statement costs as much as running it."""

    def __init__(self, layer_ids: Sequence[int]) -> None:
        base: Select[tuple[object, ...]] = (
            select(SpanRow.id, SpanRow.layer_id, SpanRow.start, SpanRow.end, LabelRow.name,
                   SpanRow.state, SpanRow.source_id, SpanRow.reason, SpanRow.version,
                   LabelRow.kind, SpanRow.document_id)
            .join(LabelRow, LabelRow.id == SpanRow.label_id)
            .where(SpanRow.layer_id.in_(list(layer_ids))))
        in_text_order = (SpanRow.start, SpanRow.end, SpanRow.id)
        self._every = base.order_by(SpanRow.document_id, *in_text_order)
        document = SpanRow.document_id == bindparam("document_id")
        self._document = base.where(document).order_by(*in_text_order)
        self._before = base.where(document, SpanRow.start < bindparam("limit")) \
            .order_by(*in_text_order)

    def of_project(self, unit: Unit) -> Iterator[ComparedSpanTuple]:
        """Every document's, by document, streamed as plain tuples (a large project holds
        hundreds of thousands): read them before the unit ends."""
        return stream_rows(unit.connection(), self._every)  # type: ignore[return-value]

    def of_document(self, unit: Unit, document_id: int) -> list[ComparedSpan]:
        return list(map(ComparedSpan._make,
                        unit.connection().execute(self._document, {"document_id": document_id})))

    def starting_before(self, unit: Unit, document_id: int, limit: int) -> list[ComparedSpan]:
        """The document's spans that start before code point ``limit``."""
        return list(map(ComparedSpan._make, unit.connection().execute(
            self._before, {"document_id": document_id, "limit": limit})))
