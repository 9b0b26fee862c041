"""What the review window reads: document summaries, one document's text, and its spans.

A long document has thousands of spans, so everything here reads plain columns with Core
selects built once and returns :class:`ReviewSpan` tuples, never ORM objects. Opening a
document is split in two so the window can paint before it has read every span:
:func:`load_document` reads the text, the status, the span to select first and the spans that
can be on screen around it, in one read transaction; :func:`load_spans` then reads all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.engine import Connection

from ..core.listing import file_name, shown_title
from ..core.model import DocumentStatus, LayerKind, Span, SpanState
from ..storage.schema import DocumentRow, DocumentStatusRow, LabelRow, LayerRow, SpanRow
from .decisions import Change, Decider
from .project import Project

_SPANS = SpanRow.__table__
_OWN = SpanRow.__table__.alias("own")
_LABELS = LabelRow.__table__
_ACCEPTED = SpanState.ACCEPTED.value
_REJECTED = SpanState.REJECTED.value


class ReviewSpan(NamedTuple):
    """A span as the review window reads it: the fields of :class:`~unannotate.core.model.Span`
    in the same order, as a tuple (cheap to build by the thousand)."""

    @classmethod
    def of(cls, span: Span) -> ReviewSpan:
        return cls(span.id, span.document_id, span.layer_id, span.start, span.end, span.label,
                   span.state.value, span.score, span.reason, span.source_id, span.version)

    id: int
    document_id: int
    layer_id: int
    start: int  # code points
    end: int
    label: str
    state: str  # a SpanState value
    score: float | None
    reason: str
    source_id: int | None
    version: int


@dataclass(frozen=True)
class DocumentSummary:
    id: int
    title: str
    status: DocumentStatus
    pending: int  # suggestions this reviewer has not decided
    annotations: int  # accepted spans in the reviewer's layer
    labels: frozenset[str]  # labels of the reviewer's annotations and pending suggestions
    source: str = ""  # the file it was imported from ("" when it came from no file)

    @property
    def file_name(self) -> str:
        """The source file's name (without its folders), or ""."""
        return file_name(self.source)

    @property
    def shown_title(self) -> str:
        """What names the document in a list (core/listing.py): its own file's name where
        it has one, else its title."""
        return shown_title(self.title, self.source)


@dataclass(frozen=True)
class ReviewSpans:
    """Spans of one document for one reviewer, each list in text order (start, end, id)."""

    suggestions: list[ReviewSpan]  # pending for this reviewer
    annotations: list[ReviewSpan]  # the reviewer's accepted spans
    rejected: list[ReviewSpan]  # the reviewer's rejections (not drawn, listed)


@dataclass(frozen=True)
class ReviewDocument:
    """One document as the review window opens it: the text and the spans near the span to
    select first (all of them with ``known`` None; else :func:`load_spans` reads the rest)."""

    id: int
    title: str
    text: str
    language: str
    status: DocumentStatus
    # The span to select on opening: the one asked for if it is drawn, else the first
    # pending suggestion in text order; None when nothing is pending.
    target: ReviewSpan | None
    spans: ReviewSpans  # every span overlapping ``known``
    known: tuple[int, int] | None  # code points [start, end); None: the whole text
    source: str = ""  # the file it was imported from, or ""


def document_summaries(reviewer: Decider) -> list[DocumentSummary]:
    """Every document with this reviewer's status and counts: a few grouped queries."""
    project = reviewer.project
    with project.db.read() as session:
        suggestion_layers = select(LayerRow.id).where(LayerRow.kind == LayerKind.SUGGESTIONS.value)
        docs = session.execute(select(DocumentRow.id, DocumentRow.title, DocumentRow.source)
                               .order_by(DocumentRow.id)).all()
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
            source=source or "",
        )
        for doc_id, title, source in docs
    ]


# -- one document ------------------------------------------------------------------------------
# Statements built once and run with bound parameters: on these paths, building a statement
# costs more than running it.

def _span_select(*extra: Any) -> Select[Any]:
    """Spans as :class:`ReviewSpan` columns (label by name), then ``extra`` columns."""
    c = _SPANS.c
    return (select(c.id, c.document_id, c.layer_id, c.start, c.end, _LABELS.c.name, c.state,
                   c.score, c.reason, c.source_id, c.version, *extra)
            .join_from(_SPANS, _LABELS, _LABELS.c.id == c.label_id))


def _statements() -> dict[str, Select[Any]]:
    c = _SPANS.c
    document = bindparam("document_id")
    own_layer = bindparam("own_layer")
    in_order = (c.start, c.end, c.id)
    suggestion_layers = select(LayerRow.id).where(LayerRow.kind == LayerKind.SUGGESTIONS.value)
    drawn_layers = c.layer_id.in_(suggestion_layers) | (c.layer_id == own_layer)
    # Decided: the reviewer's layer holds a span made from it. An uncorrelated IN, so the
    # database reads the reviewer's spans of the document once.
    decided = c.id.in_(select(_OWN.c.source_id).where(
        _OWN.c.document_id == document, _OWN.c.layer_id == own_layer,
        _OWN.c.source_id.is_not(None)))
    status = (select(DocumentStatusRow.status)
              .where(DocumentStatusRow.document_id == document,
                     DocumentStatusRow.annotator_id == bindparam("annotator_id"))
              .scalar_subquery())
    layers = LayerRow.__table__
    return {
        "document": select(DocumentRow.text, DocumentRow.title, DocumentRow.language, status,
                           DocumentRow.source)
        .where(DocumentRow.id == document),
        "first_pending": _span_select().where(
            c.document_id == document, c.layer_id.in_(suggestion_layers), ~decided)
        .order_by(*in_order).limit(1),
        "span": _span_select(layers.c.kind, decided).join(layers, layers.c.id == c.layer_id)
        .where(c.id == bindparam("span_id"), c.document_id == document),
        "suggestion_layers": suggestion_layers,
        # The layers named one by one, so each is one range of the index on (document,
        # layer, start): with the OR above, the database reads every span of the document.
        "between": _span_select(decided).where(
            c.document_id == document, c.layer_id.in_(bindparam("layers", expanding=True)),
            c.start < bindparam("end"), c.end > bindparam("start")).order_by(*in_order),
        "all": _span_select().where(c.document_id == document, drawn_layers).order_by(*in_order),
        "refreshed": _span_select(layers.c.kind, decided).join(layers, layers.c.id == c.layer_id)
        .where(c.id.in_(bindparam("span_ids", expanding=True)), c.document_id == document)
        .order_by(*in_order),
    }


_STATEMENTS = _statements()


def _drawn_span(conn: Connection, reviewer: Decider, document_id: int,
                span_id: int) -> ReviewSpan | None:
    """Span ``span_id`` if the window draws it: a pending suggestion or an accepted annotation."""
    row = conn.execute(_STATEMENTS["span"], {"span_id": span_id, "document_id": document_id,
                                             "own_layer": reviewer.layer_id}).first()
    if row is None:
        return None
    span = ReviewSpan._make(row[:-2])
    kind, decided = row[-2:]
    if span.layer_id == reviewer.layer_id:
        return span if span.state == _ACCEPTED else None
    return span if kind == LayerKind.SUGGESTIONS.value and not decided else None


def _split(spans: list[ReviewSpan], pending: list[ReviewSpan], own_layer: int) -> ReviewSpans:
    own = [s for s in spans if s.layer_id == own_layer]
    return ReviewSpans(
        suggestions=pending,
        annotations=[s for s in own if s.state == _ACCEPTED],
        rejected=[s for s in own if s.state == _REJECTED],
    )


def _block_around(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened to whole paragraphs: from the line break before ``start`` to the
    one after ``end`` (a line break is any of LF, CR and U+2029)."""
    start = max(0, start)
    end = min(len(text), end)
    before = max(text.rfind(mark, 0, start) for mark in "\n\r\u2029") + 1
    after = [found for mark in "\n\r\u2029" if (found := text.find(mark, end)) >= 0]
    return before, min(after, default=len(text))


def load_document(reviewer: Decider, document_id: int, *, select_span: int | None = None,
                  around: Callable[[int], tuple[int, int]] | None = None) -> ReviewDocument:
    """The document's exact text, the reviewer's status, the span to select first
    (``select_span`` when it is drawn, else the first pending suggestion) and, in the same
    read transaction, the spans overlapping ``around(start of that span)`` (0 when there is
    none), a range of code points widened to whole paragraphs; all spans when ``around`` is
    None."""
    params = {"document_id": document_id, "own_layer": reviewer.layer_id,
              "annotator_id": reviewer.annotator_id}
    with reviewer.project.db.read() as session:
        conn = session.connection()
        doc = conn.execute(_STATEMENTS["document"], params).first()
        if doc is None:
            raise KeyError(document_id)
        text = doc[0]

        def near(start: int) -> tuple[int, int] | None:
            if around is None:
                return None
            found = _block_around(text, *around(start))
            return None if found == (0, len(text)) else found

        target = None
        if select_span is not None:
            target = _drawn_span(conn, reviewer, document_id, select_span)
        known = near(target.start if target is not None else 0)
        spans = _spans_between(conn, reviewer, document_id, known)
        if target is None and spans.suggestions:
            # The first pending suggestion of a range starting at 0 is the document's first:
            # one read for a document opened at its top, not a sort of every suggestion too.
            target = spans.suggestions[0]
        elif target is None:
            row = conn.execute(_STATEMENTS["first_pending"], params).first()
            target = ReviewSpan._make(row) if row is not None else None
        if target is not None:
            needed = near(target.start)
            if needed != known and (known is None or needed is None or not (
                    known[0] <= needed[0] and needed[1] <= known[1])):
                known = needed
                spans = _spans_between(conn, reviewer, document_id, known)
    _, title, language, status_value, source = doc
    return ReviewDocument(
        id=document_id, title=title, text=text, language=language,
        status=DocumentStatus(status_value) if status_value else DocumentStatus.TODO,
        target=target, spans=spans, known=known, source=source or "",
    )


def _spans_between(conn: Connection, reviewer: Decider, document_id: int,
                   known: tuple[int, int] | None) -> ReviewSpans:
    """The spans overlapping code points ``known`` (all of them if None)."""
    if known is None:
        return _all_spans(conn, reviewer, document_id)
    own_layer = reviewer.layer_id
    layers = [*conn.execute(_STATEMENTS["suggestion_layers"]).scalars(), own_layer]
    rows = conn.execute(_STATEMENTS["between"], {
        "document_id": document_id, "own_layer": own_layer, "layers": layers,
        "start": known[0], "end": known[1]}).all()
    read = [ReviewSpan._make(r[:-1]) for r in rows]
    return _split(read, [s for s, r in zip(read, rows, strict=True)
                         if s.layer_id != own_layer and not r[-1]], own_layer)


def _all_spans(conn: Connection, reviewer: Decider, document_id: int) -> ReviewSpans:
    own_layer = reviewer.layer_id
    spans = list(map(ReviewSpan._make, conn.execute(
        _STATEMENTS["all"], {"document_id": document_id, "own_layer": own_layer}).all()))
    decided = {s.source_id for s in spans if s.layer_id == own_layer and s.source_id is not None}
    return _split(spans, [s for s in spans if s.layer_id != own_layer and s.id not in decided],
                  own_layer)


def load_spans(reviewer: Decider, document_id: int) -> ReviewSpans:
    """Every pending suggestion of the document and every span of the reviewer in it, in one
    indexed query."""
    with reviewer.project.db.read() as session:
        return _all_spans(session.connection(), reviewer, document_id)


def first_document_to_review(reviewer: Decider) -> int | None:
    """The first document (import order) this reviewer has not marked done, else the
    first: one indexed query, however many documents the project holds."""
    from ..storage.document_list import first_not_done

    with reviewer.project.db.read() as session:
        return first_not_done(session, reviewer.annotator_id)


_REFRESH_CHUNK = 2_000


def refreshed_spans(reviewer: Decider, document_id: int,
                    change: Change) -> tuple[list[ReviewSpan], list[ReviewSpan],
                                             list[ReviewSpan]]:
    """After a decision: of the spans it changed (and the suggestions they came from), which
    are now pending suggestions, the reviewer's accepted spans and their rejections. From
    what the decision wrote when it says (deciding suggestions), else one query."""
    if change.written is not None:
        written = [ReviewSpan.of(s) for s in change.written if s.document_id == document_id]
        return ([], [s for s in written if s.state == _ACCEPTED],
                [s for s in written if s.state == _REJECTED])
    span_ids = change.span_ids
    if not span_ids:
        return [], [], []
    ids = sorted(span_ids)
    rows = []
    with reviewer.project.db.read() as session:
        # In chunks: an undo of a bulk decision names thousands of spans (a server takes
        # at most 65,535 parameters in one statement).
        for at in range(0, len(ids), _REFRESH_CHUNK):
            rows += session.connection().execute(_STATEMENTS["refreshed"], {
                "span_ids": ids[at:at + _REFRESH_CHUNK], "document_id": document_id,
                "own_layer": reviewer.layer_id}).all()
    pending, own, rejected = [], [], []
    suggestions = LayerKind.SUGGESTIONS.value
    for row in rows:
        span = ReviewSpan._make(row[:-2])
        kind, decided = row[-2:]
        if kind == suggestions and not decided:
            pending.append(span)
        elif span.layer_id == reviewer.layer_id and span.state == _ACCEPTED:
            own.append(span)
        elif span.layer_id == reviewer.layer_id and span.state == _REJECTED:
            rejected.append(span)
    return pending, own, rejected


def layers_to_review(project: Project) -> tuple[list[str], bool]:
    """The annotators who have a layer in the project (by name) and whether it holds
    suggestions: what a review of colleagues' work can compare."""
    from ..storage.schema import AnnotatorRow

    with project.db.read() as session:
        annotators = list(session.scalars(
            select(AnnotatorRow.name)
            .join(LayerRow, LayerRow.annotator_id == AnnotatorRow.id)
            .where(LayerRow.kind == LayerKind.ANNOTATOR.value).order_by(AnnotatorRow.name)))
        has_suggestions = session.scalar(
            select(LayerRow.id).where(LayerRow.kind == LayerKind.SUGGESTIONS.value)
            .limit(1)) is not None
    return annotators, has_suggestions
