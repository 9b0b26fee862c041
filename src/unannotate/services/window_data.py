"""What the review window reads: document summaries, one document's text, and its spans.

A long document has thousands of spans, so everything here is read by the repository
functions of storage/window_data.py as plain columns and returned as :class:`WindowSpan`
tuples, never ORM objects. Opening a document is split in two so the window can paint before
it has read every span: :func:`load_document` reads the text, the status, the span to select
first and the spans that can be on screen around it, in one read transaction;
:func:`load_spans` then reads all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..core.listing import file_name, shown_title
from ..core.model import DocumentStatus, LayerKind, Span, SpanState
from ..storage import window_data
from ..storage.database import Unit
from ..storage.layers import annotators_with_layers
from .decisions import Change, Decider
from .project import Project

_ACCEPTED = SpanState.ACCEPTED.value
_REJECTED = SpanState.REJECTED.value
_SPAN = window_data.SPAN_COLUMNS


class WindowSpan(NamedTuple):
    """A span as the review window reads it: the fields of :class:`~unannotate.core.model.Span`
    in the same order, as a tuple (cheap to build by the thousand)."""

    @classmethod
    def of(cls, span: Span) -> WindowSpan:
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
class WindowSpans:
    """Spans of one document for one reviewer, each list in text order (start, end, id)."""

    suggestions: list[WindowSpan]  # pending for this reviewer
    annotations: list[WindowSpan]  # the reviewer's accepted spans
    rejected: list[WindowSpan]  # the reviewer's rejections (not drawn, listed)


@dataclass(frozen=True)
class WindowDocument:
    """One document as the review window opens it: the text and the spans near the span to
    select first (all of them with ``known`` None; else :func:`load_spans` reads the rest)."""

    id: int
    title: str
    text: str
    language: str
    status: DocumentStatus
    # The span to select on opening: the one asked for if it is drawn, else the first
    # pending suggestion in text order; None when nothing is pending.
    target: WindowSpan | None
    spans: WindowSpans  # every span overlapping ``known``
    known: tuple[int, int] | None  # code points [start, end); None: the whole text
    source: str = ""  # the file it was imported from, or ""


def document_summaries(reviewer: Decider) -> list[DocumentSummary]:
    """Every document with this reviewer's status and counts: a few grouped queries."""
    with reviewer.project.db.read() as session:
        rows = window_data.document_counts(session, reviewer.annotator_id, reviewer.layer_id)
    return [
        DocumentSummary(
            id=doc_id,
            title=title or f"document {doc_id}",
            status=DocumentStatus(DocumentStatus.TODO.value if status is None else status),
            pending=pending,
            annotations=annotations,
            labels=labels,
            source=source or "",
        )
        for doc_id, title, source, status, pending, annotations, labels in rows
    ]


# -- one document ------------------------------------------------------------------------------

def _split(spans: list[WindowSpan], pending: list[WindowSpan], own_layer: int) -> WindowSpans:
    own = [s for s in spans if s.layer_id == own_layer]
    return WindowSpans(
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


def _span_or_none(row: Sequence[Any] | None) -> WindowSpan | None:
    return None if row is None else WindowSpan._make(row[:_SPAN])


def load_document(reviewer: Decider, document_id: int, *, select_span: int | None = None,
                  around: Callable[[int], tuple[int, int]] | None = None) -> WindowDocument:
    """The document's exact text, the reviewer's status, the span to select first
    (``select_span`` when it is drawn, else the first pending suggestion) and, in the same
    read transaction, the spans overlapping ``around(start of that span)`` (0 when there is
    none), a range of code points widened to whole paragraphs; all spans when ``around`` is
    None."""
    own_layer = reviewer.layer_id
    with reviewer.project.db.read() as session:
        doc = window_data.document_text(session, document_id, reviewer.annotator_id)
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
            target = _span_or_none(
                window_data.drawn_span(session, document_id, own_layer, select_span))
        known = near(target.start if target is not None else 0)
        spans = _spans_between(session, reviewer, document_id, known)
        if target is None and spans.suggestions:
            # The first pending suggestion of a range starting at 0 is the document's first:
            # one read for a document opened at its top, not a sort of every suggestion too.
            target = spans.suggestions[0]
        elif target is None:
            target = _span_or_none(window_data.first_pending(session, document_id, own_layer))
        if target is not None:
            needed = near(target.start)
            if needed != known and (known is None or needed is None or not (
                    known[0] <= needed[0] and needed[1] <= known[1])):
                known = needed
                spans = _spans_between(session, reviewer, document_id, known)
    _, title, language, status_value, source = doc
    return WindowDocument(
        id=document_id, title=title, text=text, language=language,
        status=DocumentStatus(status_value) if status_value else DocumentStatus.TODO,
        target=target, spans=spans, known=known, source=source or "",
    )


def _spans_between(unit: Unit, reviewer: Decider, document_id: int,
                   known: tuple[int, int] | None) -> WindowSpans:
    """The spans overlapping code points ``known`` (all of them if None)."""
    if known is None:
        return _all_spans(unit, reviewer, document_id)
    own_layer = reviewer.layer_id
    rows = window_data.spans_between(unit, document_id, own_layer, *known)
    read = [WindowSpan._make(r[:-1]) for r in rows]
    return _split(read, [s for s, r in zip(read, rows, strict=True)
                         if s.layer_id != own_layer and not r[-1]], own_layer)


def _all_spans(unit: Unit, reviewer: Decider, document_id: int) -> WindowSpans:
    own_layer = reviewer.layer_id
    spans = list(map(WindowSpan._make,
                     window_data.drawn_layer_spans(unit, document_id, own_layer)))
    decided = {s.source_id for s in spans if s.layer_id == own_layer and s.source_id is not None}
    return _split(spans, [s for s in spans if s.layer_id != own_layer and s.id not in decided],
                  own_layer)


def load_spans(reviewer: Decider, document_id: int) -> WindowSpans:
    """Every pending suggestion of the document and every span of the reviewer in it, in one
    indexed query."""
    with reviewer.project.db.read() as session:
        return _all_spans(session, reviewer, document_id)


def first_document_to_review(reviewer: Decider) -> int | None:
    """The first document (import order) this reviewer has not marked done, else the
    first: one indexed query, however many documents the project holds."""
    from ..storage.document_list import first_not_done

    with reviewer.project.db.read() as session:
        return first_not_done(session, reviewer.annotator_id)


_REFRESH_CHUNK = 2_000  # span ids read back in one statement


def refreshed_spans(reviewer: Decider, document_id: int,
                    change: Change) -> tuple[list[WindowSpan], list[WindowSpan],
                                             list[WindowSpan]]:
    """After a decision: of the spans it changed (and the suggestions they came from), which
    are now pending suggestions, the reviewer's accepted spans and their rejections. From
    what the decision wrote when it says (deciding suggestions), else one query."""
    if change.written is not None:
        written = [WindowSpan.of(s) for s in change.written if s.document_id == document_id]
        return ([], [s for s in written if s.state == _ACCEPTED],
                [s for s in written if s.state == _REJECTED])
    span_ids = change.span_ids
    if not span_ids:
        return [], [], []
    with reviewer.project.db.read() as session:
        rows = window_data.spans_by_id(session, document_id, reviewer.layer_id, span_ids,
                                       _REFRESH_CHUNK)
    pending, own, rejected = [], [], []
    suggestions = LayerKind.SUGGESTIONS.value
    for row in rows:
        span = WindowSpan._make(row[:-2])
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
    with project.db.read() as session:
        return annotators_with_layers(session), window_data.has_suggestion_layer(session)
