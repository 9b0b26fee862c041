"""Repository functions counting what a project holds."""

from __future__ import annotations

from sqlalchemy import func, select

from ..core.records import ProjectCounts
from .database import Unit
from .layers import annotator_names
from .schema import AnnotatorRow, DocumentRow, DocumentStatusRow, LabelRow, SpanRow


def project_counts(unit: Unit) -> ProjectCounts:
    """Documents, characters, languages, statuses per annotator and spans per layer, label
    and state, each counted by the database."""
    # Lengths are kept beside each text (``characters``): the counts read one narrow index
    # (ix_documents_listing), never the texts.
    documents, characters = unit.execute(
        select(func.count(DocumentRow.id),
               func.coalesce(func.sum(DocumentRow.characters), 0))).one()
    languages = dict(unit.execute(
        select(DocumentRow.language, func.count()).group_by(DocumentRow.language)).all())
    statuses = unit.execute(
        select(AnnotatorRow.name, DocumentStatusRow.status, func.count())
        .join(DocumentStatusRow, DocumentStatusRow.annotator_id == AnnotatorRow.id)
        .group_by(AnnotatorRow.name, DocumentStatusRow.status))
    # Grouped by label id first, in the order of ix_spans_layer_label_state (a scan of that
    # index alone, no sort), then named: grouping by the joined name sorted every span.
    per_label = (select(SpanRow.layer_id, SpanRow.label_id, SpanRow.state,
                        func.count().label("spans"))
                 .group_by(SpanRow.layer_id, SpanRow.label_id, SpanRow.state).subquery())
    spans = unit.execute(
        select(per_label.c.layer_id, LabelRow.name, per_label.c.state, per_label.c.spans)
        .join(LabelRow, LabelRow.id == per_label.c.label_id)
        .order_by(per_label.c.layer_id, LabelRow.name, per_label.c.state))  # a few rows
    return ProjectCounts(
        documents=documents, characters=int(characters), languages=languages,
        annotators=tuple(annotator_names(unit)),
        statuses=tuple((name, status, count) for name, status, count in statuses),
        spans=tuple((layer, label, state, count) for layer, label, state, count in spans))
