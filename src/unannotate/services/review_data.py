"""What the review window reads: document summaries and one document with its spans."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..core.model import DocumentStatus, LayerKind, Span, SpanState
from ..storage.schema import DocumentRow, DocumentStatusRow, LabelRow, LayerRow, SpanRow
from .decisions import Reviewer, span_from_row


@dataclass(frozen=True)
class DocumentSummary:
    id: int
    title: str
    status: DocumentStatus
    pending: int  # suggestions this reviewer has not decided
    annotations: int  # accepted spans in the reviewer's layer
    labels: frozenset[str]  # labels of the reviewer's annotations and pending suggestions


@dataclass(frozen=True)
class ReviewDocument:
    id: int
    title: str
    text: str
    language: str
    status: DocumentStatus
    suggestions: list[Span]  # pending for this reviewer, in text order
    annotations: list[Span]  # the reviewer's accepted spans
    rejected: list[Span]  # the reviewer's rejections (not drawn, listed)
    reasons_layer: dict[int, str]  # span id -> suggestions layer name


def document_summaries(reviewer: Reviewer) -> list[DocumentSummary]:
    """Every document with this reviewer's status and counts: a few grouped queries."""
    project = reviewer.project
    with project.db.read() as session:
        suggestion_layers = select(LayerRow.id).where(LayerRow.kind == LayerKind.SUGGESTIONS.value)
        docs = session.execute(select(DocumentRow.id, DocumentRow.title).order_by(DocumentRow.id)).all()
        statuses = dict(session.execute(
            select(DocumentStatusRow.document_id, DocumentStatusRow.status)
            .where(DocumentStatusRow.annotator_id == reviewer.annotator_id)).all())
        suggested: dict[int, int] = {}
        labels: dict[int, set[str]] = {}
        for doc_id, label, count in session.execute(
            select(SpanRow.document_id, LabelRow.name, func.count())
            .join(LabelRow, LabelRow.id == SpanRow.label_id)
            .where(SpanRow.layer_id.in_(suggestion_layers))
            .group_by(SpanRow.document_id, LabelRow.name)
        ).all():
            suggested[doc_id] = suggested.get(doc_id, 0) + count
            labels.setdefault(doc_id, set()).add(label)
        decided = dict(session.execute(
            select(SpanRow.document_id, func.count())
            .where(SpanRow.layer_id == reviewer.layer_id, SpanRow.source_id.is_not(None))
            .group_by(SpanRow.document_id)).all())
        accepted: dict[int, int] = {}
        for doc_id, label, count in session.execute(
            select(SpanRow.document_id, LabelRow.name, func.count())
            .join(LabelRow, LabelRow.id == SpanRow.label_id)
            .where(SpanRow.layer_id == reviewer.layer_id,
                   SpanRow.state == SpanState.ACCEPTED.value)
            .group_by(SpanRow.document_id, LabelRow.name)
        ).all():
            accepted[doc_id] = accepted.get(doc_id, 0) + count
            labels.setdefault(doc_id, set()).add(label)
    return [
        DocumentSummary(
            id=doc_id,
            title=title or f"document {doc_id}",
            status=DocumentStatus(statuses.get(doc_id, DocumentStatus.TODO.value)),
            pending=max(suggested.get(doc_id, 0) - decided.get(doc_id, 0), 0),
            annotations=accepted.get(doc_id, 0),
            labels=frozenset(labels.get(doc_id, ())),
        )
        for doc_id, title in docs
    ]


def load_document(reviewer: Reviewer, document_id: int) -> ReviewDocument:
    """The document's exact text with pending suggestions and the reviewer's spans,
    in two indexed queries."""
    with reviewer.project.db.read() as session:
        doc = session.get(DocumentRow, document_id)
        if doc is None:
            raise KeyError(document_id)
        layers = dict(session.execute(
            select(LayerRow.id, LayerRow.name).where(LayerRow.kind == LayerKind.SUGGESTIONS.value)
        ).all())
        wanted = [*layers, reviewer.layer_id]
        # Plain columns, not ORM objects: a long document has thousands of spans.
        rows = session.execute(
            select(SpanRow.id, SpanRow.document_id, SpanRow.layer_id, SpanRow.start,
                   SpanRow.end, LabelRow.name, SpanRow.state, SpanRow.score, SpanRow.reason,
                   SpanRow.source_id, SpanRow.version)
            .join(LabelRow, LabelRow.id == SpanRow.label_id)
            .where(SpanRow.document_id == document_id, SpanRow.layer_id.in_(wanted))
            .order_by(SpanRow.start, SpanRow.end, SpanRow.id)
        ).all()
        status = session.get(DocumentStatusRow, (document_id, reviewer.annotator_id))
        states = {state.value: state for state in SpanState}
        spans = [Span(i, d, lay, st, en, lab, states[state], sc, rs or "", src, ver)
                 for i, d, lay, st, en, lab, state, sc, rs, src, ver in rows]
        text, title, language = doc.text, doc.title, doc.language
    own = [s for s in spans if s.layer_id == reviewer.layer_id]
    decided = {s.source_id for s in own if s.source_id is not None}
    return ReviewDocument(
        id=document_id,
        title=title,
        text=text,
        language=language,
        status=DocumentStatus(status.status) if status else DocumentStatus.TODO,
        suggestions=[s for s in spans if s.layer_id in layers and s.id not in decided],
        annotations=[s for s in own if s.state is SpanState.ACCEPTED],
        rejected=[s for s in own if s.state is SpanState.REJECTED],
        reasons_layer={s.id: layers[s.layer_id] for s in spans if s.layer_id in layers},
    )


def first_document_to_review(reviewer: Reviewer) -> int | None:
    """The first document this reviewer has not marked done."""
    summaries = document_summaries(reviewer)
    for summary in summaries:
        if summary.status is not DocumentStatus.DONE:
            return summary.id
    return summaries[0].id if summaries else None


def refreshed_spans(reviewer: Reviewer, document_id: int,
                    span_ids: set[int]) -> tuple[list[Span], list[Span], list[Span]]:
    """After a decision: of ``span_ids`` (and the suggestions they came from), which are now
    pending suggestions, the reviewer's accepted spans and their rejections. Two small queries."""
    if not span_ids:
        return [], [], []
    with reviewer.project.db.read() as session:
        rows = session.execute(
            select(SpanRow, LabelRow.name, LayerRow.kind)
            .join(LabelRow, LabelRow.id == SpanRow.label_id)
            .join(LayerRow, LayerRow.id == SpanRow.layer_id)
            .where(SpanRow.id.in_(list(span_ids)), SpanRow.document_id == document_id)
        ).all()
        decided = set(session.scalars(
            select(SpanRow.source_id).where(SpanRow.layer_id == reviewer.layer_id,
                                            SpanRow.source_id.in_(list(span_ids)))))
    pending, own, rejected = [], [], []
    for row, label, kind in rows:
        span = span_from_row(row, label)
        if kind == LayerKind.SUGGESTIONS.value and span.id not in decided:
            pending.append(span)
        elif span.layer_id == reviewer.layer_id and span.state is SpanState.ACCEPTED:
            own.append(span)
        elif span.layer_id == reviewer.layer_id and span.state is SpanState.REJECTED:
            rejected.append(span)
    return pending, own, rejected
