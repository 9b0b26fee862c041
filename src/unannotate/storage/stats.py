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
    spans = unit.execute(
        select(SpanRow.layer_id, LabelRow.name, SpanRow.state, func.count())
        .join(LabelRow, LabelRow.id == SpanRow.label_id)
        .group_by(SpanRow.layer_id, LabelRow.name, SpanRow.state))
    return ProjectCounts(
        documents=documents, characters=int(characters), languages=languages,
        annotators=tuple(annotator_names(unit)),
        statuses=tuple((name, status, count) for name, status, count in statuses),
        spans=tuple((layer, label, state, count) for layer, label, state, count in spans))
