"""Decisions: what a reviewer does to spans, each committed as one transaction with its events.

Every decision is recorded as events holding the span's state before and after, so undo is
"put back the before state" and redo "put back the after state": both are appended as new
events, never by editing history. The undo and redo stacks are derived from the events
(:mod:`unannotate.core.history`), so they survive a restart; a reviewer reads its history once
and then advances it with each step it writes, reading only what others appended since.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..core.errors import UnannotateError
from ..core.history import (
    Event,
    EventKind,
    History,
    LanguageSnapshot,
    Snapshot,
    StatusSnapshot,
    Step,
    history_state,
    snapshot_to_json,
)
from ..core.model import DocumentStatus, LabelKind, LayerKind, Span, SpanState, check_bounds
from ..storage import events as event_log
from ..storage import spans_decisions as store
from ..storage.database import Unit
from ..storage.document_language import set_language
from ..storage.spans import places_in_layer, removed_as_duplicate, span_at
from ..storage.spans_decisions import Executor, executor
from .project import Project

UNDO = EventKind.UNDO.value
REDO = EventKind.REDO.value
# The reason of a suggestion decided without a copy: its span was in the layer already.
ALREADY_THERE = "already there as span"
# An undo or redo of more events than this reads the spans of their documents at once.
BULK = 16


class DecisionError(UnannotateError):
    """A decision that cannot be made (unknown span, a colleague's layer, bad offsets)."""


class ConflictError(DecisionError):
    """The span changed since it was shown: someone else (another window) edited it."""


@dataclass
class Change:
    """What a decision changed, so a view refreshes only what it shows."""

    document_ids: set[int] = field(default_factory=set)
    span_ids: set[int] = field(default_factory=set)
    status_changed: bool = False
    event_ids: list[int] = field(default_factory=list)
    # The reviewer's status of documents as this decision left it, where it knows it without
    # another query (deciding a suggestion); a view asks the service for the others.
    statuses: dict[int, DocumentStatus] = field(default_factory=dict)
    # Deciding suggestions: the spans written, as stored; every other id in ``span_ids`` is a
    # suggestion now decided. None when a view must read the spans back.
    written: list[Span] | None = None
    # What the decision did instead of what was asked, to be told to the person without an
    # error (a span added where the same span is already): empty when it did what was asked.
    notice: str = ""
    # Documents whose language the change set (changing it, its undo or redo): language.
    languages: dict[int, str] = field(default_factory=dict)

    def merge(self, other: Change) -> None:
        self.document_ids |= other.document_ids
        self.span_ids |= other.span_ids
        self.status_changed |= other.status_changed
        self.event_ids += other.event_ids
        self.statuses.update(other.statuses)
        self.written = (None if self.written is None or other.written is None
                        else self.written + other.written)
        self.notice = "; ".join(n for n in (self.notice, other.notice) if n)
        self.languages.update(other.languages)


def _already(label: str, start: int, end: int) -> str:
    return f"already there: the {label} span at {start}–{end}"


@dataclass
class _CachedHistory:
    """A reviewer's history as last read (``base``, complete up to ``base.last_event``) and
    as advanced since with the steps this reviewer wrote (``current``, ``own`` their count
    of events): still right when no other writer appended to the same history since."""

    base: History
    current: History
    own: int = 0


class Decider:
    """One person deciding in one layer (their own, or gold when settling a review)."""

    def __init__(self, project: Project, annotator: str, *, layer: str | None = None) -> None:
        self.project = project
        self.annotator = annotator
        self._lengths: dict[int, int] = {}  # document id -> length of its text
        self._history: _CachedHistory | None = None
        self.gold = False
        if project.read_only:
            self._look_up(layer)
            return
        with project.db.session() as session:
            self.annotator_id = project.annotator_id(session, annotator)
            if layer is None:
                self.layer_id = project.annotator_layer_id(session, annotator)
            else:
                found = store.layer_named(session, layer)
                if found is None or found.kind is LayerKind.SUGGESTIONS:
                    raise DecisionError(f"no layer {layer!r} to decide in")
                if found.kind is LayerKind.ANNOTATOR and found.annotator_id != self.annotator_id:
                    raise DecisionError(f"{layer!r} is a colleague's layer: it is read-only")
                self.layer_id = found.id
                # Settling a review: the document's status is the review's, kept apart from
                # the reviewer's own status as an annotator.
                self.gold = found.kind is LayerKind.GOLD

    def _look_up(self, layer: str | None) -> None:
        """On a project open only to read: find the annotator and the layer without making
        them (-1 for what is not there: no rows have it; every decision is refused)."""
        with self.project.db.read() as session:
            self.annotator_id = store.annotator_named(session, self.annotator.strip()) or -1
            name = layer if layer is not None else f"annotator:{self.annotator.strip()}"
            found = store.layer_named(session, name)
            self.layer_id = found.id if found is not None else -1
            self.gold = found is not None and found.kind is LayerKind.GOLD

    # -- helpers -----------------------------------------------------------------------
    def _label_id(self, session: Unit, label: str) -> int:
        try:
            return self.project.label_ids(session)[label]
        except KeyError:
            raise DecisionError(f"no label {label!r} in the project's scheme") from None

    @staticmethod
    def _span(session: Unit, span_id: int) -> Span:
        found = store.span_by_id(session, span_id)
        if found is None:
            raise DecisionError(f"no span {span_id} (it may have been deleted)")
        return found

    def _own(self, span: Span, expected_version: int | None) -> None:
        if span.layer_id != self.layer_id:
            raise DecisionError("that span is in another layer; only your own layer can change")
        if expected_version is not None and span.version != expected_version:
            raise ConflictError(
                f"span {span.id} was changed elsewhere since it was shown "
                f"(version {span.version}, not {expected_version}); it has been reloaded"
            )

    def _text_length(self, conn: Executor, document_id: int) -> int:
        """Length of the document's text in code points. A document's text never changes (it
        is the document's identity), so it is read once per reviewer and document: counting
        the characters of a long text on every decision costs more than the decision."""
        found = self._lengths.get(document_id)
        if found is None:
            found = store.text_length(conn, document_id)
            if found is None:
                raise DecisionError(f"no document {document_id}")
            self._lengths[document_id] = found
        return found

    def _check(self, session: Unit, document_id: int, start: int, end: int) -> None:
        """Offsets must fit the document's text."""
        check_bounds(self._text_length(session, document_id), start, end)

    def _record(self, conn: Executor, kind: EventKind, document_id: int | None,
                before: Snapshot | None, after: Snapshot | None, *, group: str,
                suggestion_id: int | None = None, suggester: str | None = None,
                target_id: int | None = None) -> int:
        return event_log.append_event(
            conn, kind=kind, annotator_id=self.annotator_id, document_id=document_id,
            layer_id=self.layer_id, before=before, after=after, group=group,
            suggestion_id=suggestion_id, suggester=suggester, target_id=target_id)

    def _stepped(self, kind: EventKind, event_ids: Sequence[int]) -> None:
        """Advance the cached history with a step just written (nothing when not read yet)."""
        cached = self._history
        if cached is not None and event_ids:
            cached.current = cached.current.advance(Step(kind, tuple(event_ids)))
            cached.own += len(event_ids)

    def _touch_status(self, session: Unit, document_id: int) -> None:
        """The first decision in a document marks it in progress for this reviewer (in gold:
        marks its review in progress)."""
        store.write_status(session, document_id, self.annotator_id, DocumentStatus.IN_PROGRESS,
                           review=self.gold, only_if_none=True)

    def _suggestion(self, conn: Executor,
                    suggestion_id: int) -> store.SuggestionToDecide:
        """The suggestion to decide, with what deciding it needs, in one select."""
        found = store.suggestion_to_decide(conn, suggestion_id, layer_id=self.layer_id,
                                           annotator_id=self.annotator_id)
        if found is None:
            raise DecisionError(f"no span {suggestion_id} (it may have been deleted)")
        if found.span.layer_id == self.layer_id:
            raise DecisionError(f"span {suggestion_id} is not a suggestion or a colleague's span")
        if found.taken is not None:
            # Decided elsewhere since it was shown (another window of the same reviewer).
            raise ConflictError(
                f"suggestion {suggestion_id} is decided already (span {found.taken}); "
                "the document has been reloaded")
        return found

    # -- decisions ---------------------------------------------------------------------
    def accept(self, suggestion_id: int, *, label: str | None = None, start: int | None = None,
               end: int | None = None) -> Change:
        """Accept a suggestion, optionally corrected (another label, other boundaries)."""
        return self._decide_suggestions([suggestion_id], SpanState.ACCEPTED, label=label,
                                        start=start, end=end)

    def reject(self, suggestion_id: int) -> Change:
        return self._decide_suggestions([suggestion_id], SpanState.REJECTED)

    def accept_all(self, document_id: int, *, label: str | None = None,
                   kind: LabelKind | None = None) -> Change:
        """Accept every suggestion still pending in the document (of one label or kind), in
        one transaction: one undo step."""
        kinds = ({lab.name: lab.kind for lab in self.project.labels()} if kind is not None
                 else {})
        with self.project.db.session() as session:
            conn = executor(session)
            label_ids = self.project.label_ids(session)
            # The suggestions of the document and the spans already made from them, each
            # in one indexed read (not an IN over thousands of bound ids).
            rows = store.suggestions_of_document(conn, document_id)
            taken = store.made_from(conn, document_id, self.layer_id)
            pending = [row for row in rows if row.id not in taken
                       and (label is None or row.label == label)
                       and (kind is None or kinds.get(row.label, LabelKind.ENTITY) is kind)]
            if not pending:
                return Change(document_ids={document_id})
            change = self._accept_in_bulk(session, document_id, pending, label_ids)
        self._stepped(EventKind.ACCEPT, change.event_ids)
        return change

    def _accept_in_bulk(self, session: Unit, document_id: int, pending: list[Any],
                        label_ids: dict[str, int]) -> Change:
        """Accept ``pending`` (suggestion rows of one document, read in this transaction):
        the same rows and events :meth:`decide` writes one by one, as two multi-row
        inserts, one group of events (one undo step)."""
        change = Change(document_ids={document_id}, written=[])
        assert change.written is not None
        conn = executor(session)
        length = self._text_length(conn, document_id)
        accepted, rejected = SpanState.ACCEPTED.value, SpanState.REJECTED.value
        # One place, one span: a suggestion of a span the layer holds already (or that an
        # earlier suggestion of this batch makes, two suggesters agreeing) is decided without
        # a copy, as one by one (see decide).
        places = places_in_layer(conn, layer_id=self.layer_id, document_id=document_id)
        first: dict[tuple[int, int, int], int] = {}  # place -> the suggestion taken there
        there: dict[int, tuple[int, int, int]] = {}  # suggestion -> place it repeats
        rows, repeats = [], []
        for source in pending:
            check_bounds(length, source.start, source.end)
            place = (source.start, source.end, label_ids[source.label])
            row = {
                "layer_id": self.layer_id, "document_id": document_id, "start": source.start,
                "end": source.end, "label_id": place[2], "state": accepted,
                "score": source.score, "reason": source.reason or "", "source_id": source.id,
                "version": 1}
            if place in places or place in first:
                there[source.id] = place
                repeats.append(row)
            else:
                first[place] = source.id
                rows.append(row)
        # Plain multi-row inserts (one executemany each), the new ids read back after in one
        # indexed read each: RETURNING in document order costs a statement per row.
        if rows:
            store.insert_spans(conn, rows)
        if repeats:
            made_first = store.made_from(conn, document_id, self.layer_id)
            for row in repeats:
                place = there[row["source_id"]]
                kept = places.get(place) or made_first[first[place]]
                row.update(state=rejected, reason=f"{ALREADY_THERE} {kept}")
            store.insert_spans(conn, repeats)
            change.notice = (f"{len(repeats)} suggestions were of spans already there: "
                             "decided without a copy")
        made_from = store.made_from(conn, document_id, self.layer_id)
        made = [made_from[source.id] for source in pending]
        stored = {row["source_id"]: row for row in (*rows, *repeats)}
        events = []
        for source, span_id in zip(pending, made, strict=True):
            row = stored[source.id]
            written = Span(
                id=span_id, document_id=document_id, layer_id=self.layer_id,
                start=source.start, end=source.end, label=source.label,
                state=SpanState(row["state"]), score=source.score, reason=row["reason"],
                source_id=source.id, version=1)
            events.append({
                "kind": (EventKind.REJECT if written.state is SpanState.REJECTED
                         else EventKind.ACCEPT).value,
                "annotator_id": self.annotator_id, "document_id": document_id,
                "layer_id": self.layer_id, "span_id": span_id, "suggestion_id": source.id,
                "suggester": source.layer, "before": None,
                "after": snapshot_to_json(written), "target_id": None})
            change.written.append(written)
        change.event_ids = event_log.append_group(conn, uuid.uuid4().hex, events)
        status = store.status_of(session, document_id, self.annotator_id, review=self.gold)
        if status is None:
            self._touch_status(session, document_id)
        change.statuses[document_id] = status or DocumentStatus.IN_PROGRESS
        change.span_ids = set(made) | {source.id for source in pending}
        return change

    def _decide_suggestions(self, suggestion_ids: Sequence[int], state: SpanState, *,
                            label: str | None = None, start: int | None = None,
                            end: int | None = None) -> Change:
        return self.decide([(i, state) for i in suggestion_ids], label=label, start=start,
                           end=end)

    def decide(self, decisions: Sequence[tuple[int, SpanState]], *, label: str | None = None,
               start: int | None = None, end: int | None = None, note: str | None = None,
               replace: Sequence[int] = ()) -> Change:
        """Decide suggestions (or a colleague's spans) in one transaction, undone together.
        Each is one select (:meth:`_suggestion`), the span insert and the event insert; the
        status row is inserted only by the first decision in a document, and the text's
        length (to check the offsets) is read once per document. ``note`` replaces the
        source's reason on the spans written (a reviewer's comment); ``replace``: spans of
        this layer deleted first, in the same step (a review settled again)."""
        change = Change(written=[])
        assert change.written is not None
        group = uuid.uuid4().hex
        step: list[int] = []  # every event of the step: the deletions too
        first: EventKind | None = EventKind.DELETE if replace else None
        with self.project.db.session() as session:
            conn = executor(session)
            for span_id in replace:
                span = self._span(session, span_id)
                self._own(span, None)
                step.append(self._record(
                    conn, EventKind.DELETE, span.document_id, span, None, group=group))
                store.delete_span(conn, span_id)
                change.document_ids.add(span.document_id)
                change.span_ids |= {span_id, span.source_id or span_id}
            for suggestion_id, state in decisions:
                found = self._suggestion(conn, suggestion_id)
                source = found.span
                chosen = label or source.label
                new_start = source.start if start is None else start
                new_end = source.end if end is None else end
                check_bounds(self._text_length(conn, source.document_id), new_start, new_end)
                label_id = self._label_id(session, chosen)
                reason = note if note is not None else (source.reason or "")
                if state is SpanState.ACCEPTED:
                    there = span_at(conn, layer_id=self.layer_id, document_id=source.document_id,
                                    start=new_start, end=new_end, label_id=label_id)
                    if there is not None:
                        # The layer holds this span already (one place, one span): the
                        # suggestion is decided without a second copy, as the person would
                        # (rejecting a suggestion of what is there), and told so.
                        state, reason = SpanState.REJECTED, f"{ALREADY_THERE} {there}"
                        change.notice = _already(chosen, new_start, new_end)
                span_id = store.insert_span(
                    conn, layer_id=self.layer_id, document_id=source.document_id,
                    start=new_start, end=new_end, label_id=label_id, state=state,
                    score=source.score, reason=reason, source_id=source.id)
                written = Span(
                    id=span_id, document_id=source.document_id, layer_id=self.layer_id,
                    start=new_start, end=new_end, label=chosen, state=state,
                    score=source.score, reason=reason, source_id=source.id, version=1)
                # A span written as suggested decides nothing: a reviewer's note on a place.
                kind = EventKind.REJECT if state is SpanState.REJECTED else (
                    EventKind.COMMENT if state is SpanState.SUGGESTED else
                    EventKind.ACCEPT if (chosen, new_start, new_end) ==
                    (source.label, source.start, source.end) else EventKind.CORRECT)
                event_id = self._record(conn, kind, source.document_id, None, written,
                                        group=group, suggestion_id=source.id,
                                        suggester=found.layer)
                step.append(event_id)
                first = first or kind
                document_id = source.document_id
                if self.gold:
                    if document_id not in change.statuses:
                        self._touch_status(session, document_id)
                        change.statuses[document_id] = DocumentStatus.IN_PROGRESS
                elif found.status is None and document_id not in change.statuses:
                    # The first decision in a document marks it in progress for this reviewer.
                    store.insert_status(conn, document_id, self.annotator_id,
                                        DocumentStatus.IN_PROGRESS)
                    change.statuses[document_id] = DocumentStatus.IN_PROGRESS
                elif document_id not in change.statuses:
                    change.statuses[document_id] = DocumentStatus(found.status)
                change.document_ids.add(document_id)
                change.span_ids |= {span_id, source.id}
                change.event_ids.append(event_id)
                change.written.append(written)
        if first is not None:
            self._stepped(first, step)
        return change

    def add(self, document_id: int, start: int, end: int, label: str) -> Change:
        """Add a span the suggesters missed. The same span already in the layer (same start,
        end and label) is not added twice: nothing changes, and ``notice`` says so."""
        with self.project.db.session() as session:
            self._check(session, document_id, start, end)
            label_id = self._label_id(session, label)
            there = span_at(session, layer_id=self.layer_id, document_id=document_id,
                            start=start, end=end, label_id=label_id)
            if there is not None:
                return Change({document_id}, {there}, notice=_already(label, start, end))
            span_id = store.insert_span(session, layer_id=self.layer_id,
                                        document_id=document_id, start=start, end=end,
                                        label_id=label_id, state=SpanState.ACCEPTED)
            added = Span(id=span_id, document_id=document_id, layer_id=self.layer_id,
                         start=start, end=end, label=label, state=SpanState.ACCEPTED)
            event_id = self._record(session, EventKind.ADD, document_id, None, added,
                                    group=uuid.uuid4().hex)
            self._touch_status(session, document_id)
        self._stepped(EventKind.ADD, [event_id])
        return Change({document_id}, {span_id}, event_ids=[event_id])

    def relabel(self, span_id: int, label: str, *, expected_version: int | None = None) -> Change:
        return self._edit(span_id, expected_version, EventKind.RELABEL, label=label)

    def resize(self, span_id: int, start: int, end: int, *,
               expected_version: int | None = None) -> Change:
        return self._edit(span_id, expected_version, EventKind.RESIZE, start=start, end=end)

    def _edit(self, span_id: int, expected_version: int | None, kind: EventKind, *,
              label: str | None = None, start: int | None = None,
              end: int | None = None) -> Change:
        with self.project.db.read() as session:
            in_other_layer = self._span(session, span_id).layer_id != self.layer_id
        if in_other_layer:
            # Correcting a pending suggestion accepts it with the correction.
            return self.accept(span_id, label=label, start=start, end=end)
        with self.project.db.session() as session:
            before = self._span(session, span_id)
            self._own(before, expected_version)
            new_start = before.start if start is None else start
            new_end = before.end if end is None else end
            self._check(session, before.document_id, new_start, new_end)
            new_label = before.label if label is None else label
            new_label_id = self._label_id(session, new_label)
            if before.state is not SpanState.REJECTED:
                there = span_at(session, layer_id=self.layer_id, document_id=before.document_id,
                                start=new_start, end=new_end, label_id=new_label_id)
                if there is not None and there != span_id:
                    # Two copies of one span are never kept: nothing changes, and it is said.
                    return Change({before.document_id}, {span_id},
                                  notice=f"{_already(new_label, new_start, new_end)}"
                                         "; not changed")
            after = replace(before, label=new_label, start=new_start, end=new_end,
                            version=before.version + 1)
            store.update_span(session, span_id, label_id=new_label_id, start=new_start,
                              end=new_end, version=after.version)
            event_id = self._record(session, kind, before.document_id, before, after,
                                    group=uuid.uuid4().hex)
            self._touch_status(session, before.document_id)
        self._stepped(kind, [event_id])
        return Change({before.document_id}, {span_id}, event_ids=[event_id])

    def delete(self, span_id: int, *, expected_version: int | None = None) -> Change:
        """Remove an annotation (or take back a rejection) from your layer.

        An annotation made from a suggestion is not removed: deleting it rejects that
        suggestion (the row becomes the rejection, at the suggestion's place and label), so
        the suggestion does not come back as pending. Undo makes it the annotation again."""
        with self.project.db.session() as session:
            before = self._span(session, span_id)
            self._own(before, expected_version)
            suggestion = store.suggestion_of(session, before)
            if suggestion is not None:
                source, suggester = suggestion
                after = replace(before, start=source.start, end=source.end, label=source.label,
                                state=SpanState.REJECTED, version=before.version + 1)
                store.update_span(session, span_id, start=source.start, end=source.end,
                                  label_id=self._label_id(session, source.label),
                                  state=SpanState.REJECTED, version=after.version)
                event_id = self._record(session, EventKind.REJECT, before.document_id, before,
                                        after, group=uuid.uuid4().hex, suggestion_id=source.id,
                                        suggester=suggester)
                change = Change({before.document_id}, {span_id, source.id},
                                event_ids=[event_id])
                kind = EventKind.REJECT
            else:
                store.delete_span(session, span_id)
                event_id = self._record(session, EventKind.DELETE, before.document_id, before,
                                        None, group=uuid.uuid4().hex)
                change = Change({before.document_id}, {span_id, before.source_id or span_id},
                                event_ids=[event_id])
                kind = EventKind.DELETE
        self._stepped(kind, [event_id])
        return change

    def set_status(self, document_id: int, status: DocumentStatus) -> Change:
        """Mark the document done (or back in progress / to do) for this reviewer."""
        with self.project.db.session() as session:
            before = store.status_of(session, document_id, self.annotator_id,
                                     review=self.gold) or DocumentStatus.TODO
            if before is status:
                return Change({document_id})
            store.write_status(session, document_id, self.annotator_id, status,
                               review=self.gold)
            event_id = self._record(session, EventKind.STATUS, document_id,
                                    StatusSnapshot(before), StatusSnapshot(status),
                                    group=uuid.uuid4().hex)
        self._stepped(EventKind.STATUS, [event_id])
        return Change({document_id}, status_changed=True, event_ids=[event_id])

    # -- undo and redo -----------------------------------------------------------------
    def history(self, session: Unit) -> History:
        """This reviewer's history in the layer: read in full once, then advanced with each
        step written here; what others appended since (another window, a colleague's
        program on a team server, a merge) is read from the last event known, one short
        read, and folded in."""
        cached = self._history
        if cached is None:
            full = history_state(event_log.history_events(session, self.annotator_id,
                                                          self.layer_id))
            self._history = _CachedHistory(full, full)
            return full
        count, last = event_log.events_since(session, self.annotator_id, self.layer_id,
                                             cached.base.last_event)
        if count != cached.own or last != cached.current.last_event:
            # Another writer appended to this history: fold in everything since the last
            # read, in the order it was made (theirs and ours interleaved).
            cached.current = history_state(event_log.history_events(
                session, self.annotator_id, self.layer_id, after=cached.base.last_event),
                start=cached.base)
        cached.base, cached.own = cached.current, 0
        return cached.current

    def can_undo(self) -> bool:
        with self.project.db.read() as session:
            return self.history(session).can_undo

    def can_redo(self) -> bool:
        with self.project.db.read() as session:
            return self.history(session).can_redo

    def undo(self) -> Change | None:
        """Reverse the last decision (a whole group, like accept-all); None if nothing left."""
        return self._replay(EventKind.UNDO)

    def redo(self) -> Change | None:
        return self._replay(EventKind.REDO)

    def _replay(self, kind: EventKind) -> Change | None:
        change = Change()
        try:
            with self.project.db.session() as session:
                history = self.history(session)
                step = history.next_undo if kind is EventKind.UNDO else history.next_redo
                if step is None:
                    return None
                originals = event_log.events_by_id(session, step)
                if kind is EventKind.UNDO:
                    originals.reverse()
                # A bulk decision undone: the layer's spans in the documents concerned, read
                # once, where each event finds its span instead of a query of its own.
                held = (store.spans_in_documents(session, self.layer_id, {
                    e.document for e in originals if e.document is not None})
                    if len(originals) > BULK else None)
                recorded = []
                for event in originals:
                    frm, to = ((event.after, event.before) if kind is EventKind.UNDO
                               else (event.before, event.after))
                    self._apply(session, event, frm, to, held)
                    recorded.append({
                        "kind": kind.value, "annotator_id": self.annotator_id,
                        "document_id": event.document, "layer_id": self.layer_id,
                        "span_id": event.span_id, "suggestion_id": event.suggestion,
                        "suggester": event.suggester, "before": snapshot_to_json(frm),
                        "after": snapshot_to_json(to), "target_id": event.id})
                    if event.document is not None:
                        change.document_ids.add(event.document)
                    if event.kind is EventKind.STATUS:
                        change.status_changed = True
                    elif isinstance(to, LanguageSnapshot) and event.document is not None:
                        change.languages[event.document] = to.language
                    else:
                        span = to or frm
                        assert isinstance(span, Span)
                        change.span_ids.add(span.id)
                        if span.source_id:
                            change.span_ids.add(span.source_id)
                # The events written together, in one statement, after the spans.
                change.event_ids = event_log.append_group(session, uuid.uuid4().hex, recorded)
        except BaseException:
            self._history = None  # read again: the transaction may have been rolled back
            raise
        self._stepped(kind, change.event_ids)
        if change.languages:  # the documents' suggestions follow their language back
            from .document_language import suggest_again

            suggest_again(self, change)
        return change

    def _apply(self, session: Unit, event: Event, frm: Snapshot | None,
               to: Snapshot | None, held: dict[int, Span] | None) -> None:
        """Move a span (or a status) from state ``frm`` to state ``to``; ``held``: the
        layer's spans in the documents concerned (None: each read when needed), kept up to
        date."""
        if event.kind is EventKind.STATUS:
            assert isinstance(to, StatusSnapshot) and event.document is not None
            store.write_status(session, event.document, self.annotator_id, to.status,
                               review=self.gold)
            return
        if isinstance(to, LanguageSnapshot):
            assert event.document is not None
            if not set_language(session.connection(), event.document, to.language,
                                expected=getattr(frm, "language", None)):
                raise ConflictError(f"document {event.document}'s language was changed "
                                    "elsewhere after this; it cannot be undone automatically")
            return
        ref = to or frm
        assert isinstance(ref, Span) and not isinstance(frm, StatusSnapshot)
        current = (held.get(ref.id) if held is not None and ref.layer_id == self.layer_id
                   else store.span_by_id(session, ref.id))
        unchanged = current is not None and frm is not None and current.version == frm.version
        if to is None and not unchanged and removed_as_duplicate(session, ref.id,
                                                                 ref.document_id):
            # Made by this decision, then merged away by the schema-4 upgrade: undoing the
            # decision leaves it absent, whatever the upgrade left of it.
            store.delete_span(session, ref.id)
            if held is not None:
                held.pop(ref.id, None)
            return
        if frm is None and current is not None:
            raise ConflictError(
                f"span {ref.id} exists again (made elsewhere after this decision); "
                "it cannot be undone automatically")
        if frm is not None and (current is None or current.version != frm.version):
            raise ConflictError(
                f"span {ref.id} was changed elsewhere after this decision; "
                "it cannot be undone automatically"
            )
        if to is None:
            store.delete_span(session, ref.id)
            if held is not None:
                held.pop(ref.id, None)
            return
        assert isinstance(to, Span)
        label_id = self._label_id(session, to.label)
        if to.state is not SpanState.REJECTED:
            there = span_at(session, layer_id=to.layer_id, document_id=to.document_id,
                            start=to.start, end=to.end, label_id=label_id)
            if there is not None and there != to.id:
                raise ConflictError(
                    f"span {ref.id} cannot come back: the same {to.label} span is there "
                    f"now (span {there}, made after this decision); delete it first")
        values = {
            "layer_id": to.layer_id, "document_id": to.document_id, "start": to.start,
            "end": to.end, "label_id": label_id, "state": to.state, "score": to.score,
            "reason": to.reason or "", "source_id": to.source_id, "version": to.version,
        }
        if current is None:
            store.insert_span(session, span_id=to.id, **values)
        else:
            store.update_span(session, to.id, **values)
        if held is not None:
            held[to.id] = to

    # -- reading -----------------------------------------------------------------------
    def spans(self, document_id: int) -> list[Span]:
        """This reviewer's spans in the document (annotations and rejections)."""
        return self._spans_of(document_id, [self.layer_id])

    def suggestions(self, document_id: int) -> list[Span]:
        """All suggestions for the document, from every suggestions layer."""
        with self.project.db.read() as session:
            layers = store.suggestion_layer_ids(session)
        return self._spans_of(document_id, layers)

    def pending(self, document_id: int) -> list[Span]:
        """Suggestions this reviewer has not decided yet, in text order."""
        decided = {s.source_id for s in self.spans(document_id) if s.source_id is not None}
        return [s for s in self.suggestions(document_id) if s.id not in decided]

    def _spans_of(self, document_id: int, layer_ids: Iterable[int]) -> list[Span]:
        layer_ids = list(layer_ids)
        if not layer_ids:
            return []
        with self.project.db.read() as session:
            return store.spans_of(session, document_id, layer_ids)

    def status(self, document_id: int) -> DocumentStatus:
        """This reviewer's status of the document (in gold: the document's review status)."""
        with self.project.db.read() as session:
            return store.status_of(session, document_id, self.annotator_id,
                                   review=self.gold) or DocumentStatus.TODO
