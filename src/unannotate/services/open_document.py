"""The open document: the one state every view of a document on screen is drawn from.

The review window shows one document in three places (the text, the span panel, the document
list's row) and a selection. Each view used to be fed by hand after each decision, and each
path that forgot one (a bulk accept, an undo, a span moved under the selection) left a picture
that no longer matched the project. Here the document's spans, which are pending, the
selection and the counts are held once, in plain Python; every change (opening, reading the
rest, a decision, a bulk decision, an undo, a redo, a reload) goes through :meth:`apply` or
its siblings, which return one :class:`Delta` and hand it to every observer. A view draws
what the delta says, and nothing else feeds it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from ..core.model import DocumentStatus
from .decisions import Change, Decider
from .window_data import (
    WindowDocument,
    WindowSpan,
    WindowSpans,
    load_document,
    load_spans,
    refreshed_spans,
)

SpanKey = tuple[int, int, int]  # (start, end, id) in code points: keys sort in text order
BULK = 64  # spans changed at once above which the pending keys are rebuilt, not edited


class ReviewState(Enum):
    """How the reviewer sees a span of the open document."""

    PENDING = "pending"  # a suggestion not decided yet: drawn
    ACCEPTED = "accepted"  # the reviewer's annotation: drawn
    REJECTED = "rejected"  # the reviewer's rejection: listed, not drawn


def key_of(span: WindowSpan) -> SpanKey:
    return (span.start, span.end, span.id)


@dataclass(frozen=True)
class Delta:
    """What one change did to the open document, for the views to redraw.

    ``reset``: the document (or the set of spans known of it) was replaced: redraw all.
    Otherwise ``removed`` are the spans as they were before (drop them) and ``added`` the
    spans as they are now (draw or list them by :meth:`OpenDocument.state`); a span changed
    in place is in both. ``selection`` is the selected span after the change (always given:
    a view compares it with what it shows, including the span's extent), ``scroll`` whether
    to bring it into view. ``counts_changed``: the document's counts (pending, accepted,
    labels) differ."""

    reset: bool = False
    removed: tuple[WindowSpan, ...] = ()
    added: tuple[WindowSpan, ...] = ()
    selection: int | None = None
    scroll: bool = False
    counts_changed: bool = False
    status: DocumentStatus | None = None  # the reviewer's status, when the change says it


Observer = Callable[["OpenDocument", Delta], None]


@dataclass
class Counts:
    pending: int = 0
    accepted: int = 0
    labels: frozenset[str] = field(default_factory=frozenset)


class OpenDocument:
    """The document on screen for one reviewer: its spans (pending suggestions, the
    reviewer's annotations and rejections), the selection and the counts.

    A document opens in two steps (see :mod:`~unannotate.services.window_data`):
    :meth:`open` with the spans near the first span to select, :meth:`read_all` with every
    span. Every later change is :meth:`apply` (a decision's :class:`Change`),
    :meth:`select`, or :meth:`reload`."""

    def __init__(self, reviewer: Decider) -> None:
        self.reviewer = reviewer
        self.document: WindowDocument | None = None
        self.complete = True  # every span of the document is known (or there is none)
        self._spans: dict[int, WindowSpan] = {}  # every span known, any state
        self._states: dict[int, ReviewState] = {}
        self._pending_keys: list[SpanKey] = []  # sorted: next and previous by bisect
        self._labels: Counter[str] = Counter()  # labels of drawn spans
        self._accepted = 0
        self.selected: int | None = None
        self.status: DocumentStatus = DocumentStatus.TODO
        self._observers: list[Observer] = []

    # -- observers ---------------------------------------------------------------------
    def observe(self, observer: Observer) -> None:
        """Call ``observer(self, delta)`` after every change, in the order registered."""
        self._observers.append(observer)

    def _emit(self, delta: Delta) -> Delta:
        for observer in self._observers:
            observer(self, delta)
        return delta

    # -- reading the state ------------------------------------------------------------
    def state(self, span_id: int) -> ReviewState | None:
        return self._states.get(span_id)

    def span(self, span_id: int) -> WindowSpan | None:
        return self._spans.get(span_id)

    def drawn(self) -> dict[int, WindowSpan]:
        """Spans drawn in the text (pending suggestions and annotations), by id."""
        return {i: s for i, s in self._spans.items()
                if self._states[i] is not ReviewState.REJECTED}

    def rejected(self) -> dict[int, WindowSpan]:
        return {i: s for i, s in self._spans.items() if self._states[i] is ReviewState.REJECTED}

    def pending_ids(self) -> set[int]:
        return {key[2] for key in self._pending_keys}

    def is_drawn(self, span_id: int) -> bool:
        state = self._states.get(span_id)
        return state is not None and state is not ReviewState.REJECTED

    def keys(self, *, drawn_only: bool = False) -> list[SpanKey]:
        """Keys of the spans known, in text order (drawn ones only if asked)."""
        return sorted(key_of(s) for i, s in self._spans.items()
                      if not drawn_only or self._states[i] is not ReviewState.REJECTED)

    @property
    def counts(self) -> Counts:
        return Counts(len(self._pending_keys), self._accepted, frozenset(self._labels))

    def next_pending(self, *, after: SpanKey | None = None, forward: bool = True,
                     cursor: int = 0) -> int | None:
        """The pending suggestion after (or before) ``after``, else the selected span, else
        the code point ``cursor``; past the last one, the first. None when none is pending."""
        pending = self._pending_keys
        if not pending:
            return None
        current = self._spans.get(self.selected) if self.selected is not None else None
        key = after or (key_of(current) if current is not None else (cursor, -1, -1))
        if forward:
            n = bisect_right(pending, key)
            return pending[n][2] if n < len(pending) else pending[0][2]
        n = bisect_left(pending, key)
        return pending[n - 1][2] if n > 0 else pending[-1][2]

    # -- changes -------------------------------------------------------------------------
    def open(self, document: WindowDocument) -> Delta:
        """Show ``document`` with the spans it was read with; selects its target."""
        self.document = document
        self.complete = document.known is None
        self.status = document.status
        self._clear()
        self._take(document.spans)
        self.selected = document.target.id if document.target is not None else None
        if self.selected is not None and not self.is_drawn(self.selected):
            self.selected = None
        return self._emit(Delta(reset=True, selection=self.selected, scroll=True,
                                counts_changed=True, status=self.status))

    def load(self, document_id: int, *, select_span: int | None = None,
             around: Callable[[int], tuple[int, int]] | None = None) -> Delta:
        """Read the document (the spans ``around`` its first span to select; all when None)
        and open it."""
        return self.open(load_document(self.reviewer, document_id, select_span=select_span,
                                       around=around))

    def read_all(self) -> Delta | None:
        """Read every span of the open document, if only some were read on opening."""
        document = self.document
        if document is None or self.complete:
            self.complete = True
            return None
        self.complete = True
        spans = load_spans(self.reviewer, document.id)
        self._clear()
        self._take(spans)
        if self.selected is not None and self.selected not in self._spans:
            self.selected = None  # changed elsewhere between the two reads
        return self._emit(Delta(reset=True, selection=self.selected, counts_changed=True))

    def reload(self) -> Delta | None:
        """Read the open document again (what is stored now), keeping the selection."""
        if self.document is None:
            return None
        return self.load(self.document.id, select_span=self.selected)

    def close(self) -> Delta:
        self.document = None
        self.complete = True
        self._clear()
        self.selected = None
        return self._emit(Delta(reset=True, counts_changed=True))

    def select(self, span_id: int | None, *, scroll: bool = True) -> Delta:
        """Select a drawn span (or nothing)."""
        self.selected = span_id if span_id is not None and self.is_drawn(span_id) else None
        return self._emit(Delta(selection=self.selected, scroll=scroll))

    def apply(self, change: Change, *, select: int | None = None, advance: bool = False,
              reveal: bool = False) -> Delta:
        """A decision (or an undo, a redo) in the open document, as stored: each span it
        touched is read back as it is now (from what the decision wrote when it says, else
        one query) and replaces the one held. Then ``select`` is selected if it is drawn,
        else with ``advance`` the pending suggestion after the one decided, else the
        selection is kept if its span is still drawn, else with ``reveal`` (an undo, a redo)
        the first span the change drew."""
        document = self.document
        assert document is not None
        if not self.complete:
            self.read_all()
        previous = self._spans.get(self.selected) if self.selected is not None else None
        pending, own, rejected = refreshed_spans(self.reviewer, document.id, change)
        bulk = len(change.span_ids) > BULK
        removed = [s for i in change.span_ids if (s := self._remove(i, sort=not bulk))]
        if bulk:
            # Many spans (accept all, its undo): the pending keys filtered and sorted once,
            # not edited key by key.
            states = self._states
            self._pending_keys = [key for key in self._pending_keys
                                  if states.get(key[2]) is ReviewState.PENDING]
        for span in pending:
            self._add(span, ReviewState.PENDING, sort=not bulk)
        if bulk:
            self._pending_keys.sort()
        for span in own:
            self._add(span, ReviewState.ACCEPTED)
        for span in rejected:
            self._add(span, ReviewState.REJECTED)
        if select is not None and self.is_drawn(select):
            self.selected = select
        elif advance:
            after = (previous.start, -1, -1) if previous is not None else None
            self.selected = self.next_pending(after=after)
        elif self.selected is None or not self.is_drawn(self.selected):
            # With ``reveal`` (an undo, a redo): the first span it drew, so it is seen.
            brought = sorted(key_of(s) for s in (*pending, *own)) if reveal else []
            self.selected = brought[0][2] if brought else None
        status = change.statuses.get(document.id)
        if status is None and (change.status_changed or self.status is DocumentStatus.TODO):
            # A decision that does not say (an added span, an undo): the first decision in
            # a document marks it in progress, an undone status puts back the one before.
            status = self.reviewer.status(document.id)
        if status is not None:
            self.status = status
        return self._emit(Delta(removed=tuple(removed), added=(*pending, *own, *rejected),
                                selection=self.selected, scroll=True, counts_changed=True,
                                status=status))

    def set_status(self, status: DocumentStatus) -> Delta:
        self.status = status
        return self._emit(Delta(selection=self.selected, counts_changed=True, status=status))

    # -- the indexes -------------------------------------------------------------------
    def _clear(self) -> None:
        self._spans, self._states = {}, {}
        self._pending_keys, self._labels, self._accepted = [], Counter(), 0

    def _take(self, spans: WindowSpans) -> None:
        for span in spans.suggestions:
            self._add(span, ReviewState.PENDING, sort=False)
        for span in spans.annotations:
            self._add(span, ReviewState.ACCEPTED)
        for span in spans.rejected:
            self._add(span, ReviewState.REJECTED)
        self._pending_keys.sort()

    def _add(self, span: WindowSpan, state: ReviewState, *, sort: bool = True) -> None:
        if span.id in self._spans:
            self._remove(span.id)
        self._spans[span.id] = span
        self._states[span.id] = state
        if state is ReviewState.PENDING:
            if sort:
                insort(self._pending_keys, key_of(span))
            else:
                self._pending_keys.append(key_of(span))
        if state is ReviewState.ACCEPTED:
            self._accepted += 1
        if state is not ReviewState.REJECTED:
            self._labels[span.label] += 1

    def _remove(self, span_id: int, *, sort: bool = True) -> WindowSpan | None:
        """Forget a span; with ``sort`` False its pending key is left for the caller to
        filter out."""
        span = self._spans.pop(span_id, None)
        if span is None:
            return None
        state = self._states.pop(span_id)
        if state is ReviewState.PENDING and sort:
            del self._pending_keys[bisect_left(self._pending_keys, key_of(span))]
        if state is ReviewState.ACCEPTED:
            self._accepted -= 1
        if state is not ReviewState.REJECTED:
            self._labels[span.label] -= 1
            if not self._labels[span.label]:
                del self._labels[span.label]
        return span
