"""Label every occurrence: one label on every whole-token mention of a text, across documents,
as one decision.

:func:`preview` says what :func:`apply` would do (how many spans are new, already there with
the label, at places labelled otherwise, in done documents); :func:`apply` does it in one
transaction: the spans in one bulk insert, their events as one group, so one undo takes all
of it back (also after a restart: the group is in the log). Only the deciding person's layer
is written; colleagues' layers are not read, and a pending suggestion of the label at exactly
a mention's place is accepted (the new span linked to it) rather than left beside a copy.

A place "labelled otherwise" is a span of the person's layer, of the same kind as the label
(entity or claim: a claim around a name is no conflict), that overlaps a mention without
being exactly the mention with the label. By default it is left as it is and the mention
gets no span (a person decided that place); with ``relabel`` the span is changed into the
mention with the label (kept as the same span: its provenance stays), and other spans of the
kind that overlap that mention are deleted, so a place holds one span of the kind.

Which documents to look at is :func:`candidate_documents`, one small function: it reads the
texts in batches (narrowed by the database where a plain ``LIKE`` can) and is where a
full-text index answers instead once there is one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum

from ..core.errors import UnannotateError
from ..core.history import EventKind, snapshot_to_json
from ..core.mentions import compile_mention, mentions
from ..core.model import DocumentStatus, Span, SpanState
from ..storage import events as event_log
from ..storage import label_all as store
from ..storage import labels as label_store
from ..storage import spans_decisions as span_store
from ..storage.spans_decisions import Connection, Executor, Session
from .decisions import ALREADY_THERE, Change, Decider

EXAMPLES = 5  # places labelled differently the preview shows in context
CONTEXT = 30  # characters of context on each side


class LabelAllError(UnannotateError, ValueError):
    """A request that cannot be run (an unknown label, no document to look in)."""


class Scope(StrEnum):
    """Which documents: the open one, those the person has not marked done, or all."""

    DOCUMENT = "document"
    NOT_DONE = "not-done"
    ALL = "all"


@dataclass(frozen=True)
class LabelAll:
    """What to label: ``text`` (a surface text, or with ``regex`` a regular expression),
    the label, and where."""

    text: str
    label: str
    scope: Scope = Scope.NOT_DONE
    document_id: int | None = None  # the document of Scope.DOCUMENT
    include_done: bool = False  # also the documents the person has marked done
    regex: bool = False
    ignore_case: bool = False
    relabel: bool = False  # change places labelled otherwise into the mention with the label


@dataclass
class Preview:
    """What applying would do. ``mentions``: whole-token matches in the documents looked at
    (done ones too, where the scope holds them); of those written (done documents only when
    asked): ``new`` spans, ``same`` (the span is there already), ``different`` (a place
    labelled otherwise: left, or with ``relabel`` changed). ``removed``: spans deleted because
    a relabelled mention covered them too. ``in_done``: mentions in done documents."""

    mentions: int = 0
    new: int = 0
    suggested: int = 0  # of the new, those accepting a pending suggestion of the place
    same: int = 0
    different: int = 0
    removed: int = 0
    in_done: int = 0
    documents: int = 0  # documents holding a mention
    documents_changed: int = 0  # documents applying would write to
    # A few places labelled differently, in context: "ORG: …met [Tarin Bole] in…".
    examples: list[str] = field(default_factory=list)
    relabel: bool = False
    include_done: bool = False

    @property
    def changes(self) -> int:
        """Spans applying would add or change."""
        return self.new + (self.different if self.relabel else 0)

    def lines(self) -> list[str]:
        """The counts in words, one per line, as the window and the command line say them."""
        done = ("written" if self.include_done else "skipped: done documents only when asked")
        return [
            f"{_count(self.mentions, 'mention')} in {_count(self.documents, 'document')} "
            f"({self.documents_changed:,} to be written to)",
            f"new: {self.new:,}" + (f" ({self.suggested:,} accepting a pending suggestion)"
                                    if self.suggested else ""),
            f"already labelled the same: {self.same:,}",
            f"labelled differently: {self.different:,} ("
            + ("relabelled" + (f"; {self.removed:,} overlapping spans removed"
                               if self.removed else "") if self.relabel else "left as they are")
            + ")",
            f"in done documents: {self.in_done:,} ({done})",
            *(f"  e.g. {example}" for example in self.examples),
        ]


@dataclass
class Applied:
    """What :func:`apply` wrote: the preview it acted on and the decision's change
    (``spans_by_document``: the span ids written in each document, for a view of one)."""

    preview: Preview
    change: Change
    spans_by_document: dict[int, set[int]] = field(default_factory=dict)


@dataclass
class _Plan:
    preview: Preview
    # document, start, end, and the pending suggestions of the place (the first accepted)
    added: list[tuple[int, int, int, list[store.PendingSuggestion]]] = field(
        default_factory=list)
    changed: list[tuple[int, int, int]] = field(default_factory=list)  # span id, start, end
    removed: list[int] = field(default_factory=list)  # span ids


def candidate_documents(connection: Executor,
                        request: LabelAll) -> Iterator[list[tuple[int, str]]]:
    """Batches of ``(id, text)`` of every document that may hold a mention (a superset:
    the caller finds the mentions). The one place a full-text index would answer."""
    only = request.document_id if request.scope is Scope.DOCUMENT else None
    containing = None
    if not request.regex and (not request.ignore_case or request.text.isascii()):
        # A LIKE of its longest word narrows it in the database (the white space between
        # words may differ; case-insensitive only for ASCII letters on SQLite, so only then
        # with ignore_case): a superset either way.
        containing = max(request.text.split(), key=len, default=None)
    return store.document_texts(connection, containing=containing,
                                ignore_case=request.ignore_case, only=only)


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _checked(request: LabelAll,
             connection: Executor) -> tuple[re.Pattern, int, dict[int, str]]:
    """The pattern, the label's id and the labels of its kind (id -> name); a clear error
    for bad input."""
    ids, kinds = label_store.label_ids(connection), label_store.label_kinds(connection)
    if request.label not in ids:
        raise LabelAllError(f"no label {request.label!r} in the project's scheme "
                            f"(it has {', '.join(sorted(ids))})")
    if request.scope is Scope.DOCUMENT and request.document_id is None:
        raise LabelAllError("the scope 'this document' needs a document")
    pattern = compile_mention(request.text, regex=request.regex,
                              ignore_case=request.ignore_case)
    kind = kinds[request.label]
    return pattern, ids[request.label], {ids[name]: name for name in ids
                                         if kinds[name] == kind}


def _plan(connection: Executor, reviewer: Decider, request: LabelAll) -> _Plan:
    pattern, label_id, kind = _checked(request, connection)
    preview = Preview(relabel=request.relabel, include_done=request.include_done)
    plan = _Plan(preview)
    done = store.done_documents(connection, reviewer.annotator_id, review=reviewer.gold)
    writable = request.include_done and request.scope is not Scope.NOT_DONE
    for batch in candidate_documents(connection, request):
        texts = dict(batch)
        found: dict[int, list[tuple[int, int]]] = {}
        for document_id, text in batch:
            if request.scope is Scope.NOT_DONE and document_id in done:
                continue
            places = list(mentions(pattern, text))
            if places:
                found[document_id] = places
        if not found:
            continue
        preview.documents += len(found)
        own = store.layer_places(connection, reviewer.layer_id, found, kind)
        suggested = store.pending_suggestions(
            connection, reviewer.layer_id, [d for d in found if writable or d not in done],
            label_id)
        for document_id, places in found.items():
            preview.mentions += len(places)
            if document_id in done:
                preview.in_done += len(places)
                if not writable:
                    continue
            if _plan_document(plan, request.relabel, label_id, document_id, places,
                              own.get(document_id, []), suggested):
                preview.documents_changed += 1
            if len(preview.examples) < EXAMPLES:
                preview.examples = (preview.examples + _examples(
                    texts[document_id], places, own.get(document_id, []), label_id,
                    kind))[:EXAMPLES]
    return plan


def _plan_document(plan: _Plan, relabel: bool, label_id: int, document_id: int,
                   places: list[tuple[int, int]], spans: list[tuple[int, int, int, int]],
                   suggested: dict[tuple[int, int, int], list[store.PendingSuggestion]]
                   ) -> bool:
    """Add to ``plan`` what labelling ``places`` does in one document, given the person's
    spans there of the label's kind (``(id, start, end, label_id)``) and the pending
    suggestions of the label; whether it writes."""
    preview, wrote = plan.preview, False
    for start, end in places:
        if (start, end, label_id) in {(s, e, k) for _, s, e, k in spans}:
            preview.same += 1
            continue
        overlapping = [span for span in spans if span[1] < end and start < span[2]]
        if not overlapping:
            preview.new += 1
            sources = suggested.get((document_id, start, end), [])
            preview.suggested += bool(sources)
            plan.added.append((document_id, start, end, sources))
            wrote = True
            continue
        preview.different += 1
        if not relabel:
            continue
        kept, *others = overlapping
        plan.changed.append((kept[0], start, end))
        plan.removed += [span[0] for span in others]
        preview.removed += len(others)
        spans = [(kept[0], start, end, label_id) if span is kept else span for span in spans
                 if not any(span is other for other in others)]
        wrote = True
    return wrote


def _examples(text: str, places: list[tuple[int, int]], spans: list[tuple[int, int, int, int]],
              label_id: int, names: dict[int, str]) -> list[str]:
    """The places of one document labelled differently, each as its label and the mention in
    context (white space shown as single spaces; the text is shown as text, never markup)."""
    found = []
    for start, end in places:
        other = next((span for span in spans if span[1] < end and start < span[2]
                      and (span[1], span[2], span[3]) != (start, end, label_id)), None)
        if other is None or any((s, e, k) == (start, end, label_id) for _, s, e, k in spans):
            continue
        left = " ".join(text[max(0, other[1] - CONTEXT):other[1]].split())
        right = " ".join(text[other[2]:other[2] + CONTEXT].split())
        middle = " ".join(text[other[1]:other[2]].split())
        cut_left = "…" if other[1] > CONTEXT else ""
        cut_right = "…" if other[2] + CONTEXT < len(text) else ""
        found.append(f"{names[other[3]]}: {cut_left}{left} [{middle}] {right}{cut_right}")
    return found


def preview(reviewer: Decider, request: LabelAll) -> Preview:
    """What :func:`apply` would do now (only reads: works on a read-only project too)."""
    with reviewer.project.db.read() as session:
        return _plan(session.connection(), reviewer, request).preview


def apply(reviewer: Decider, request: LabelAll) -> Applied:
    """Label every mention as planned, in one transaction and one group of events: one
    decision, undone in one step. Only ``reviewer``'s layer is written."""
    # A read-only project refuses here, before any work (the write session says so).
    with reviewer.project.db.session() as session:
        connection = session.connection()
        plan = _plan(connection, reviewer, request)
        applied = Applied(plan.preview, Change())
        if plan.added or plan.changed:
            _write(session, reviewer, request, plan, applied)
    if applied.change.event_ids:
        # The reviewer's cached history advanced with the step written here, as its own
        # decisions advance it.
        reviewer._stepped(EventKind.ADD, applied.change.event_ids)  # noqa: SLF001
    return applied


def _write(session: Session, reviewer: Decider, request: LabelAll, plan: _Plan,
           applied: Applied) -> None:
    connection = session.connection()
    label_id = reviewer.project.label_ids(session)[request.label]
    layer_id, annotator_id = reviewer.layer_id, reviewer.annotator_id
    events: list[dict[str, object]] = []

    def event(kind: EventKind, document_id: int, before: Span | None, after: Span | None,
              source: store.PendingSuggestion | None = None) -> None:
        ref = after if after is not None else before
        assert ref is not None
        events.append({
            "kind": kind.value, "annotator_id": annotator_id, "document_id": document_id,
            "layer_id": layer_id, "span_id": ref.id,
            "suggestion_id": source.id if source is not None else None,
            "suggester": source.layer if source is not None else None,
            "before": snapshot_to_json(before), "after": snapshot_to_json(after),
            "target_id": None})
        written = applied.spans_by_document.setdefault(document_id, set())
        written.add(ref.id)
        if source is not None:
            written.add(source.id)  # decided now: no longer pending

    stored = store.spans_by_id(connection, [*plan.removed, *(i for i, _, _ in plan.changed)])
    for span_id in plan.removed:
        span = stored[span_id]
        span_store.delete_span(connection, span_id)
        event(EventKind.DELETE, span.document_id, span, None)
    for span_id, start, end in plan.changed:
        before = stored[span_id]
        after = replace(before, start=start, end=end, label=request.label,
                        version=before.version + 1)
        span_store.update_span(connection, span_id, start=start, end=end, label_id=label_id,
                               version=after.version)
        kind = EventKind.RELABEL if before.label != after.label else EventKind.RESIZE
        event(kind, before.document_id, before, after)
    if plan.added:
        _add(connection, reviewer, request.label, label_id, plan.added, event)
    change = applied.change
    change.event_ids = event_log.append_group(connection, uuid.uuid4().hex, events)
    change.document_ids = set(applied.spans_by_document)
    change.span_ids = {i for ids in applied.spans_by_document.values() for i in ids}
    # The first decision in a document marks it in progress for the person.
    if reviewer.gold:
        for document_id in change.document_ids:
            reviewer._touch_status(session, document_id)  # noqa: SLF001
    else:
        fresh = store.documents_without_status(connection, annotator_id, change.document_ids)
        store.add_statuses(connection, annotator_id, fresh, DocumentStatus.IN_PROGRESS)
        change.statuses.update(dict.fromkeys(fresh, DocumentStatus.IN_PROGRESS))


def _add(connection: Connection, reviewer: Decider, label: str, label_id: int,
         added: list[tuple[int, int, int, list[store.PendingSuggestion]]],
         event: Callable[..., None]) -> None:
    """Insert the new spans in bulk, each accepting the first pending suggestion of its place
    when there is one (the suggestion's score and reason kept, as accepting it would); the
    place's other suggestions (two suggesters agreeing) are decided without a copy, as
    accept-all decides them. Their events go to ``event``."""
    layer_id = reviewer.layer_id
    accepted, rejected = SpanState.ACCEPTED.value, SpanState.REJECTED.value
    first = store.last_span_id(connection)
    sources = {}
    rows = []
    for document_id, start, end, pending in added:
        source = pending[0] if pending else None
        rows.append((layer_id, document_id, start, end, label_id, accepted,
                     source.score if source else None, source.reason if source else "",
                     source.id if source else None))
        if source is not None:
            sources[source.id] = source
    store.add_spans(connection, rows)
    made = store.spans_made_after(connection, layer_id, first)
    kept: dict[tuple[int, int, int], int] = {}
    for span_id, document_id, start, end, source_id in made:
        source = sources.get(source_id) if source_id is not None else None
        kept[(document_id, start, end)] = span_id
        event(EventKind.ACCEPT if source else EventKind.ADD, document_id, None, Span(
            id=span_id, document_id=document_id, layer_id=layer_id, start=start, end=end,
            label=label, state=SpanState.ACCEPTED, score=source.score if source else None,
            reason=source.reason if source else "", source_id=source_id), source)
    repeats = [(document_id, start, end, other) for document_id, start, end, pending in added
               for other in pending[1:]]
    if not repeats:
        return
    first = store.last_span_id(connection)
    store.add_spans(connection, [
        (layer_id, d, s, e, label_id, rejected, other.score,
         f"{ALREADY_THERE} {kept[(d, s, e)]}", other.id) for d, s, e, other in repeats])
    others = {other.id: other for _, _, _, other in repeats}
    for span_id, document_id, start, end, source_id in store.spans_made_after(
            connection, layer_id, first):
        assert source_id is not None
        other = others[source_id]
        event(EventKind.REJECT, document_id, None, Span(
            id=span_id, document_id=document_id, layer_id=layer_id, start=start, end=end,
            label=label, state=SpanState.REJECTED, score=other.score,
            reason=f"{ALREADY_THERE} {kept[(document_id, start, end)]}",
            source_id=source_id), other)
