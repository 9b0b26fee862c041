"""Decisions: what a reviewer does to spans, each committed as one transaction with its events.

Every decision is recorded as events holding the span's state before and after, so undo is
"put back the before state" and redo "put back the after state": both are appended as new
events, never by editing history. The undo and redo stacks are derived from the events, so they
survive a restart.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..core.errors import UnannotateError
from ..core.model import DocumentStatus, LabelKind, LayerKind, Span, SpanState, check_bounds
from ..storage.schema import (
    AnnotatorRow,
    DocumentRow,
    DocumentStatusRow,
    EventRow,
    LabelRow,
    LayerRow,
    ReviewStatusRow,
    SpanRow,
)
from ..storage.spans import places_in_layer, removed_as_duplicate, span_at
from .project import Project

UNDO = "undo"
# The reason of a suggestion decided without a copy: its span was in the layer already.
ALREADY_THERE = "already there as span"
REDO = "redo"
SPAN_FIELDS = ("id", "layer_id", "document_id", "start", "end", "label", "state", "score",
               "reason", "source_id", "version")


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

    def merge(self, other: Change) -> None:
        self.document_ids |= other.document_ids
        self.span_ids |= other.span_ids
        self.status_changed |= other.status_changed
        self.event_ids += other.event_ids
        self.statuses.update(other.statuses)
        self.written = (None if self.written is None or other.written is None
                        else self.written + other.written)
        self.notice = "; ".join(n for n in (self.notice, other.notice) if n)


def _snapshot(row: SpanRow, label: str) -> dict[str, Any]:
    return {
        "id": row.id, "layer_id": row.layer_id, "document_id": row.document_id,
        "start": row.start, "end": row.end, "label": label, "state": row.state,
        "score": row.score, "reason": row.reason, "source_id": row.source_id,
        "version": row.version,
    }


def _already(label: str, start: int, end: int) -> str:
    return f"already there: the {label} span at {start}–{end}"


def span_from_row(row: SpanRow, label: str) -> Span:
    return Span(
        id=row.id, document_id=row.document_id, layer_id=row.layer_id, start=row.start,
        end=row.end, label=label, state=SpanState(row.state), score=row.score,
        reason=row.reason or "", source_id=row.source_id, version=row.version,
    )


def _suggestion_to_decide() -> Select[Any]:
    """See :meth:`Reviewer._suggestion`; built once, run with bound parameters."""
    spans, labels, layers = SpanRow.__table__, LabelRow.__table__, LayerRow.__table__
    statuses = DocumentStatusRow.__table__
    own = spans.alias("own")
    c = spans.c
    # "+ 0": found through the source index (a few rows), not the layer's (every span the
    # reviewer has made, one more with each decision).
    taken = (select(own.c.id)
             .where(own.c.source_id == c.id, own.c.layer_id + 0 == bindparam("layer_id"))
             .limit(1).scalar_subquery())
    return (
        select(c.id, c.document_id, c.layer_id, c.start, c.end, labels.c.name, c.score,
               c.reason, layers.c.name, taken, statuses.c.status)
        .select_from(
            spans.join(labels, labels.c.id == c.label_id)
            .join(layers, layers.c.id == c.layer_id)
            .outerjoin(statuses, and_(statuses.c.document_id == c.document_id,
                                      statuses.c.annotator_id == bindparam("annotator_id"))))
        .where(c.id == bindparam("suggestion_id"))
    )


# Statements of the decision path, built once (building a statement costs more than running it).
_SUGGESTION_TO_DECIDE = _suggestion_to_decide()
_INSERT_SPAN = insert(SpanRow.__table__)
_INSERT_EVENT = insert(EventRow.__table__)
_INSERT_STATUS = insert(DocumentStatusRow.__table__)
_TEXT_LENGTH = (select(func.length(DocumentRow.text))
                .where(DocumentRow.id == bindparam("document_id")))
# Accepting every pending suggestion of a document (accept all).
_SUGGESTIONS_OF_DOCUMENT = (
    select(SpanRow.id, SpanRow.start, SpanRow.end, LabelRow.name.label("label"), SpanRow.score,
           SpanRow.reason, LayerRow.name.label("layer"))
    .join(LabelRow, LabelRow.id == SpanRow.label_id)
    .join(LayerRow, LayerRow.id == SpanRow.layer_id)
    .where(SpanRow.document_id == bindparam("document_id"),
           LayerRow.kind == LayerKind.SUGGESTIONS.value)
    .order_by(SpanRow.start, SpanRow.end, SpanRow.id))
_TAKEN_IN_DOCUMENT = (select(SpanRow.source_id).where(
    SpanRow.document_id == bindparam("document_id"), SpanRow.layer_id == bindparam("layer_id"),
    SpanRow.source_id.is_not(None)))
_MADE_IN_DOCUMENT = (select(SpanRow.source_id, SpanRow.id).where(
    SpanRow.document_id == bindparam("document_id"), SpanRow.layer_id == bindparam("layer_id"),
    SpanRow.source_id.is_not(None)))
_LAST_EVENT = select(func.max(EventRow.id))
_EVENTS_OF_GROUP = (select(EventRow.id).where(EventRow.id > bindparam("after"),
                                              EventRow.group_id == bindparam("group_id"))
                    .order_by(EventRow.id))


class _Source(NamedTuple):
    """A suggestion about to be decided, as :meth:`Reviewer._suggestion` reads it."""

    id: int
    document_id: int
    layer_id: int
    start: int
    end: int
    label: str
    score: float | None
    reason: str | None
    layer: str  # the suggestions layer's name: the suggester version
    taken: int | None  # the span this reviewer already made from it
    status: str | None  # this reviewer's status of the document, if any


class Reviewer:
    """One person deciding in one layer (their own, or gold when settling a review)."""

    def __init__(self, project: Project, annotator: str, *, layer: str | None = None) -> None:
        self.project = project
        self.annotator = annotator
        self._lengths: dict[int, int] = {}  # document id -> length of its text
        self.gold = False
        if project.read_only:
            self._look_up(layer)
            return
        with project.db.session() as session:
            self.annotator_id = project.annotator_id(session, annotator)
            if layer is None:
                self.layer_id = project.annotator_layer_id(session, annotator)
            else:
                found = session.scalar(select(LayerRow).where(LayerRow.name == layer))
                if found is None or found.kind == LayerKind.SUGGESTIONS.value:
                    raise DecisionError(f"no layer {layer!r} to decide in")
                if found.kind == LayerKind.ANNOTATOR.value and found.annotator_id != self.annotator_id:
                    raise DecisionError(f"{layer!r} is a colleague's layer: it is read-only")
                self.layer_id = found.id
                # Settling a review: the document's status is the review's, kept apart from
                # the reviewer's own status as an annotator.
                self.gold = found.kind == LayerKind.GOLD.value

    def _look_up(self, layer: str | None) -> None:
        """On a project open only to read: find the annotator and the layer without making
        them (-1 for what is not there: no rows have it; every decision is refused)."""
        with self.project.db.read() as session:
            self.annotator_id = session.scalar(select(AnnotatorRow.id).where(
                AnnotatorRow.name == self.annotator.strip())) or -1
            name = layer if layer is not None else f"annotator:{self.annotator.strip()}"
            found = session.scalar(select(LayerRow).where(LayerRow.name == name))
            self.layer_id = found.id if found is not None else -1
            self.gold = found is not None and found.kind == LayerKind.GOLD.value

    # -- helpers -----------------------------------------------------------------------
    def _labels(self, session: Session) -> tuple[dict[str, int], dict[int, str]]:
        ids = self.project.label_ids(session)
        return ids, {v: k for k, v in ids.items()}

    def _label_id(self, session: Session, label: str) -> int:
        ids, _ = self._labels(session)
        try:
            return ids[label]
        except KeyError:
            raise DecisionError(f"no label {label!r} in the project's scheme") from None

    def _span(self, session: Session, span_id: int) -> SpanRow:
        row = session.get(SpanRow, span_id)
        if row is None:
            raise DecisionError(f"no span {span_id} (it may have been deleted)")
        return row

    def _own(self, row: SpanRow, expected_version: int | None) -> None:
        if row.layer_id != self.layer_id:
            raise DecisionError("that span is in another layer; only your own layer can change")
        if expected_version is not None and row.version != expected_version:
            raise ConflictError(
                f"span {row.id} was changed elsewhere since it was shown "
                f"(version {row.version}, not {expected_version}); it has been reloaded"
            )

    def _check(self, session: Session, document_id: int, start: int, end: int) -> None:
        """Offsets must fit the document's text (its length in code points, from the database
        without reading the whole text on every decision)."""
        length = session.scalar(
            select(func.length(DocumentRow.text)).where(DocumentRow.id == document_id))
        if length is None:
            raise DecisionError(f"no document {document_id}")
        check_bounds(length, start, end)

    def _record(self, session: Session, kind: str, document_id: int,
                before: dict[str, Any] | None, after: dict[str, Any] | None, *,
                group: str, suggestion_id: int | None = None, suggester: str | None = None,
                target_id: int | None = None) -> EventRow:
        event = EventRow(
            kind=kind, annotator_id=self.annotator_id, document_id=document_id,
            layer_id=self.layer_id, span_id=(after or before or {}).get("id"),
            suggestion_id=suggestion_id, suggester=suggester, before=before, after=after,
            target_id=target_id, group_id=group,
        )
        session.add(event)
        return event

    def _touch_status(self, session: Session, document_id: int) -> None:
        """The first decision in a document marks it in progress for this reviewer (in gold:
        marks its review in progress)."""
        if self.gold:
            if session.get(ReviewStatusRow, document_id) is None:
                session.add(ReviewStatusRow(document_id=document_id,
                                            status=DocumentStatus.IN_PROGRESS.value,
                                            reviewer_id=self.annotator_id))
            return
        row = session.get(DocumentStatusRow, (document_id, self.annotator_id))
        if row is None:
            session.add(DocumentStatusRow(document_id=document_id, annotator_id=self.annotator_id,
                                          status=DocumentStatus.IN_PROGRESS.value))

    def _insert(self, session: Session, *, document_id: int, start: int, end: int,
                label: str, state: SpanState, source_id: int | None = None,
                score: float | None = None, reason: str = "") -> SpanRow:
        self._check(session, document_id, start, end)
        row = SpanRow(
            layer_id=self.layer_id, document_id=document_id, start=start, end=end,
            label_id=self._label_id(session, label), state=state.value, source_id=source_id,
            score=score, reason=reason, version=1,
        )
        session.add(row)
        session.flush()
        return row

    def _text_length(self, conn: Connection, document_id: int) -> int:
        """Length of the document's text in code points. A document's text never changes (it
        is the document's identity), so it is read once per reviewer and document: counting
        the characters of a long text on every decision costs more than the decision."""
        found = self._lengths.get(document_id)
        if found is None:
            found = conn.execute(_TEXT_LENGTH, {"document_id": document_id}).scalar()
            if found is None:
                raise DecisionError(f"no document {document_id}")
            self._lengths[document_id] = found
        return found

    def _suggestion(self, conn: Connection, suggestion_id: int) -> _Source:
        """The suggestion to decide, with what deciding it needs, in one select: its label,
        its layer, the span already made from it in this reviewer's layer (if decided) and
        the reviewer's status of the document."""
        row = conn.execute(_SUGGESTION_TO_DECIDE, {
            "suggestion_id": suggestion_id, "layer_id": self.layer_id,
            "annotator_id": self.annotator_id}).first()
        if row is None:
            raise DecisionError(f"no span {suggestion_id} (it may have been deleted)")
        source = _Source._make(row)
        if source.layer_id == self.layer_id:
            raise DecisionError(f"span {suggestion_id} is not a suggestion or a colleague's span")
        if source.taken is not None:
            # Decided elsewhere since it was shown (another window of the same reviewer).
            raise ConflictError(
                f"suggestion {suggestion_id} is decided already (span {source.taken}); "
                "the document has been reloaded")
        return source

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
            conn = session.connection()
            label_ids = self.project.label_ids(session)
            # The suggestions of the document and the spans already made from them, each
            # in one indexed read (not an IN over thousands of bound ids).
            rows = conn.execute(_SUGGESTIONS_OF_DOCUMENT, {"document_id": document_id}).all()
            taken = set(conn.execute(_TAKEN_IN_DOCUMENT, {
                "document_id": document_id, "layer_id": self.layer_id}).scalars())
            pending = [row for row in rows if row.id not in taken
                       and (label is None or row.label == label)
                       and (kind is None or kinds.get(row.label, LabelKind.ENTITY) is kind)]
            if not pending:
                return Change(document_ids={document_id})
            return self._accept_in_bulk(session, document_id, pending, label_ids)

    def _accept_in_bulk(self, session: Session, document_id: int, pending: list[Any],
                        label_ids: dict[str, int]) -> Change:
        """Accept ``pending`` (suggestion rows of one document, read in this transaction):
        the same rows and events :meth:`decide` writes one by one, as two multi-row
        inserts, one group of events (one undo step)."""
        change = Change(document_ids={document_id}, written=[])
        assert change.written is not None
        group = uuid.uuid4().hex
        conn = session.connection()
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
            conn.execute(_INSERT_SPAN, rows)
        if repeats:
            made_first = dict(conn.execute(_MADE_IN_DOCUMENT, {
                "document_id": document_id, "layer_id": self.layer_id}).all())
            for row in repeats:
                place = there[row["source_id"]]
                kept = places.get(place) or made_first[first[place]]
                row.update(state=rejected, reason=f"{ALREADY_THERE} {kept}")
            conn.execute(_INSERT_SPAN, repeats)
            change.notice = (f"{len(repeats)} suggestions were of spans already there: "
                             "decided without a copy")
        made_from = dict(conn.execute(_MADE_IN_DOCUMENT, {
            "document_id": document_id, "layer_id": self.layer_id}).all())
        made = [made_from[source.id] for source in pending]
        written = {row["source_id"]: row for row in (*rows, *repeats)}
        events = []
        for source, span_id in zip(pending, made, strict=True):
            row = written[source.id]
            state = SpanState(row["state"])
            after = {"id": span_id, "layer_id": self.layer_id, "document_id": document_id,
                     "start": source.start, "end": source.end, "label": source.label,
                     "state": state.value, "score": source.score, "reason": row["reason"],
                     "source_id": source.id, "version": 1}
            events.append({
                "kind": "reject" if state is SpanState.REJECTED else "accept",
                "annotator_id": self.annotator_id, "document_id": document_id,
                "layer_id": self.layer_id, "span_id": span_id, "suggestion_id": source.id,
                "suggester": source.layer, "before": None, "after": after, "target_id": None,
                "group_id": group})
            change.written.append(Span(
                id=span_id, document_id=document_id, layer_id=self.layer_id,
                start=source.start, end=source.end, label=source.label,
                state=state, score=source.score, reason=row["reason"],
                source_id=source.id, version=1))
        last = conn.execute(_LAST_EVENT).scalar() or 0
        conn.execute(_INSERT_EVENT, events)
        change.event_ids = list(conn.execute(_EVENTS_OF_GROUP, {
            "group_id": group, "after": last}).scalars())
        status = self._status_row(session, document_id)
        if status is None:
            self._touch_status(session, document_id)
        change.statuses[document_id] = (DocumentStatus(status.status) if status is not None
                                        else DocumentStatus.IN_PROGRESS)
        change.span_ids = set(made) | {source.id for source in pending}
        return change

    def _kind(self, label: str) -> LabelKind:
        return next((lab.kind for lab in self.project.labels() if lab.name == label),
                    LabelKind.ENTITY)

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
        with self.project.db.session() as session:
            conn = session.connection()
            if replace:
                _, names = self._labels(session)
                for span_id in replace:
                    row = self._span(session, span_id)
                    self._own(row, None)
                    self._record(session, "delete", row.document_id,
                                 _snapshot(row, names[row.label_id]), None, group=group)
                    session.execute(delete(SpanRow).where(SpanRow.id == span_id))
                    change.document_ids.add(row.document_id)
                    change.span_ids |= {span_id, row.source_id or span_id}
                session.flush()
            for suggestion_id, state in decisions:
                source = self._suggestion(conn, suggestion_id)
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
                values: dict[str, Any] = {
                    "layer_id": self.layer_id, "document_id": source.document_id,
                    "start": new_start, "end": new_end, "label_id": label_id,
                    "state": state.value, "score": source.score, "reason": reason,
                    "source_id": source.id, "version": 1,
                }
                span_id = conn.execute(_INSERT_SPAN, values).inserted_primary_key[0]
                after = {
                    "id": span_id, "layer_id": self.layer_id, "document_id": source.document_id,
                    "start": new_start, "end": new_end, "label": chosen, "state": state.value,
                    "score": source.score, "reason": values["reason"], "source_id": source.id,
                    "version": 1,
                }
                # A span written as suggested decides nothing: a reviewer's note on a place.
                kind = "reject" if state is SpanState.REJECTED else "comment" if (
                    state is SpanState.SUGGESTED) else (
                    "accept" if (chosen, new_start, new_end) ==
                    (source.label, source.start, source.end) else "correct")
                event_id = conn.execute(_INSERT_EVENT, {
                    "kind": kind, "annotator_id": self.annotator_id,
                    "document_id": source.document_id, "layer_id": self.layer_id,
                    "span_id": span_id, "suggestion_id": source.id, "suggester": source.layer,
                    "before": None, "after": after, "target_id": None, "group_id": group,
                }).inserted_primary_key[0]
                document_id = source.document_id
                if self.gold:
                    if document_id not in change.statuses:
                        self._touch_status(session, document_id)
                        change.statuses[document_id] = DocumentStatus.IN_PROGRESS
                elif source.status is None and document_id not in change.statuses:
                    # The first decision in a document marks it in progress for this reviewer.
                    conn.execute(_INSERT_STATUS, {
                        "document_id": document_id, "annotator_id": self.annotator_id,
                        "status": DocumentStatus.IN_PROGRESS.value})
                    change.statuses[document_id] = DocumentStatus.IN_PROGRESS
                elif document_id not in change.statuses:
                    change.statuses[document_id] = DocumentStatus(source.status)
                change.document_ids.add(document_id)
                change.span_ids |= {span_id, source.id}
                change.event_ids.append(event_id)
                change.written.append(Span(
                    id=span_id, document_id=document_id, layer_id=self.layer_id,
                    start=new_start, end=new_end, label=chosen, state=state,
                    score=source.score, reason=values["reason"], source_id=source.id, version=1))
        return change

    def add(self, document_id: int, start: int, end: int, label: str) -> Change:
        """Add a span the suggesters missed. The same span already in the layer (same start,
        end and label) is not added twice: nothing changes, and ``notice`` says so."""
        with self.project.db.session() as session:
            self._check(session, document_id, start, end)
            there = span_at(session, layer_id=self.layer_id, document_id=document_id,
                            start=start, end=end, label_id=self._label_id(session, label))
            if there is not None:
                return Change({document_id}, {there}, notice=_already(label, start, end))
            row = self._insert(session, document_id=document_id, start=start, end=end,
                               label=label, state=SpanState.ACCEPTED)
            event = self._record(session, "add", document_id, None, _snapshot(row, label),
                                 group=uuid.uuid4().hex)
            self._touch_status(session, document_id)
            session.flush()
            return Change({document_id}, {row.id}, event_ids=[event.id])

    def relabel(self, span_id: int, label: str, *, expected_version: int | None = None) -> Change:
        return self._edit(span_id, expected_version, "relabel", label=label)

    def resize(self, span_id: int, start: int, end: int, *,
               expected_version: int | None = None) -> Change:
        return self._edit(span_id, expected_version, "resize", start=start, end=end)

    def _edit(self, span_id: int, expected_version: int | None, kind: str, *,
              label: str | None = None, start: int | None = None,
              end: int | None = None) -> Change:
        with self.project.db.read() as session:
            in_other_layer = self._span(session, span_id).layer_id != self.layer_id
        if in_other_layer:
            # Correcting a pending suggestion accepts it with the correction.
            return self.accept(span_id, label=label, start=start, end=end)
        with self.project.db.session() as session:
            row = self._span(session, span_id)
            self._own(row, expected_version)
            _, names = self._labels(session)
            before = _snapshot(row, names[row.label_id])
            new_start = row.start if start is None else start
            new_end = row.end if end is None else end
            self._check(session, row.document_id, new_start, new_end)
            new_label_id = row.label_id if label is None else self._label_id(session, label)
            if row.state != SpanState.REJECTED.value:
                there = span_at(session, layer_id=self.layer_id, document_id=row.document_id,
                                start=new_start, end=new_end, label_id=new_label_id)
                if there is not None and there != row.id:
                    # Two copies of one span are never kept: nothing changes, and it is said.
                    return Change({row.document_id}, {row.id},
                                  notice=f"{_already(names[new_label_id], new_start, new_end)}"
                                         "; not changed")
            row.label_id = new_label_id
            row.start, row.end = new_start, new_end
            row.version += 1
            row.updated_at = datetime.now(UTC)
            session.flush()
            after = _snapshot(row, names[row.label_id])
            event = self._record(session, kind, row.document_id, before, after,
                                 group=uuid.uuid4().hex)
            self._touch_status(session, row.document_id)
            session.flush()
            return Change({row.document_id}, {row.id}, event_ids=[event.id])

    def delete(self, span_id: int, *, expected_version: int | None = None) -> Change:
        """Remove an annotation (or take back a rejection) from your layer.

        An annotation made from a suggestion is not removed: deleting it rejects that
        suggestion (the row becomes the rejection, at the suggestion's place and label), so
        the suggestion does not come back as pending. Undo makes it the annotation again."""
        with self.project.db.session() as session:
            row = self._span(session, span_id)
            self._own(row, expected_version)
            _, names = self._labels(session)
            before = _snapshot(row, names[row.label_id])
            suggestion = self._suggestion_of(session, row)
            if suggestion is not None:
                source, suggester = suggestion
                row.start, row.end, row.label_id = source.start, source.end, source.label_id
                row.state = SpanState.REJECTED.value
                row.version += 1
                row.updated_at = datetime.now(UTC)
                session.flush()
                event = self._record(session, "reject", row.document_id, before,
                                     _snapshot(row, names[row.label_id]), group=uuid.uuid4().hex,
                                     suggestion_id=source.id, suggester=suggester)
                session.flush()
                return Change({row.document_id}, {span_id, source.id}, event_ids=[event.id])
            session.execute(delete(SpanRow).where(SpanRow.id == span_id))
            event = self._record(session, "delete", row.document_id, before, None,
                                 group=uuid.uuid4().hex)
            session.flush()
            return Change({row.document_id}, {span_id, row.source_id or span_id},
                          event_ids=[event.id])

    @staticmethod
    def _suggestion_of(session: Session, row: SpanRow) -> tuple[SpanRow, str] | None:
        """The suggestion (still stored) an accepted annotation was made from, with its
        layer's name (the suggester version); None for any other span."""
        if row.state != SpanState.ACCEPTED.value or row.source_id is None:
            return None
        found = session.execute(
            select(SpanRow, LayerRow.name).join(LayerRow, LayerRow.id == SpanRow.layer_id)
            .where(SpanRow.id == row.source_id,
                   LayerRow.kind == LayerKind.SUGGESTIONS.value)).first()
        return None if found is None else (found[0], found[1])

    def set_status(self, document_id: int, status: DocumentStatus) -> Change:
        """Mark the document done (or back in progress / to do) for this reviewer."""
        with self.project.db.session() as session:
            row = self._status_row(session, document_id)
            before = {"status": row.status} if row is not None else {"status": DocumentStatus.TODO.value}
            if before["status"] == status.value:
                return Change({document_id})
            self._write_status(session, document_id, status.value)
            event = self._record(session, "status", document_id, before,
                                 {"status": status.value}, group=uuid.uuid4().hex)
            session.flush()
            return Change({document_id}, status_changed=True, event_ids=[event.id])

    def _status_row(self, session: Session,
                    document_id: int) -> DocumentStatusRow | ReviewStatusRow | None:
        if self.gold:
            return session.get(ReviewStatusRow, document_id)
        return session.get(DocumentStatusRow, (document_id, self.annotator_id))

    def _write_status(self, session: Session, document_id: int, status: str) -> None:
        if self.gold:
            review = session.get(ReviewStatusRow, document_id)
            if review is None:
                session.add(ReviewStatusRow(document_id=document_id, status=status,
                                            reviewer_id=self.annotator_id))
            else:
                review.status, review.reviewer_id = status, self.annotator_id
                review.updated_at = datetime.now(UTC)
            return
        row = session.get(DocumentStatusRow, (document_id, self.annotator_id))
        if row is None:
            session.add(DocumentStatusRow(document_id=document_id,
                                          annotator_id=self.annotator_id, status=status))
        else:
            row.status = status
            row.updated_at = datetime.now(UTC)

    # -- undo and redo -----------------------------------------------------------------
    def _stacks(self, session: Session) -> tuple[list[list[int]], list[list[int]]]:
        """Undo and redo stacks of event-id groups, derived from this reviewer's events."""
        rows = session.execute(
            select(EventRow.id, EventRow.kind, EventRow.group_id, EventRow.target_id)
            .where(EventRow.annotator_id == self.annotator_id,
                   EventRow.layer_id == self.layer_id)
            .order_by(EventRow.id)
        ).all()
        undo: list[list[int]] = []
        redo: list[list[int]] = []
        groups: list[tuple[str, list[int]]] = []
        for event_id, kind, group_id, _target in rows:
            if groups and group_id is not None and groups[-1][0] == group_id:
                groups[-1][1].append(event_id)
            else:
                groups.append((group_id or f"#{event_id}", [event_id]))
        kinds = {event_id: kind for event_id, kind, _, _ in rows}
        for _, ids in groups:
            kind = kinds[ids[0]]
            if kind == UNDO:
                if undo:
                    redo.append(undo.pop())
            elif kind == REDO:
                if redo:
                    undo.append(redo.pop())
            else:
                undo.append(ids)
                redo.clear()
        return undo, redo

    def can_undo(self) -> bool:
        with self.project.db.read() as session:
            return bool(self._stacks(session)[0])

    def can_redo(self) -> bool:
        with self.project.db.read() as session:
            return bool(self._stacks(session)[1])

    def undo(self) -> Change | None:
        """Reverse the last decision (a whole group, like accept-all); None if nothing left."""
        return self._replay(UNDO)

    def redo(self) -> Change | None:
        return self._replay(REDO)

    def _replay(self, kind: str) -> Change | None:
        with self.project.db.session() as session:
            undo, redo = self._stacks(session)
            stack = undo if kind == UNDO else redo
            if not stack:
                return None
            originals = list(session.scalars(select(EventRow).where(EventRow.id.in_(stack[-1]))
                                             .order_by(EventRow.id)))
            if kind == UNDO:
                originals.reverse()
            change = Change()
            group = uuid.uuid4().hex
            # The layer's spans in the documents concerned, read once: each event then finds
            # its span in the session instead of a query of its own (a bulk decision undone).
            held = list(session.scalars(select(SpanRow).where(
                SpanRow.layer_id == self.layer_id,
                SpanRow.document_id.in_({e.document_id for e in originals}))))
            recorded = []
            # The events are written together at the end, not one flush per event (each
            # statement would first flush the event before it).
            with session.no_autoflush:
                for event in originals:
                    frm, to = ((event.after, event.before) if kind == UNDO
                               else (event.before, event.after))
                    self._apply(session, event, frm, to)
                    new = self._record(session, kind, event.document_id, frm, to, group=group,
                                       suggestion_id=event.suggestion_id,
                                       suggester=event.suggester, target_id=event.id)
                    change.document_ids.add(event.document_id)
                    if event.kind == "status":
                        change.status_changed = True
                    else:
                        span = (to or frm or {})
                        change.span_ids.add(span["id"])
                        if span.get("source_id"):
                            change.span_ids.add(span["source_id"])
                    recorded.append(new)
            session.flush()
            change.event_ids = [new.id for new in recorded]
            del held
            return change

    def _apply(self, session: Session, event: EventRow, frm: dict[str, Any] | None,
               to: dict[str, Any] | None) -> None:
        """Move a span (or a status) from state ``frm`` to state ``to``."""
        if event.kind == "status":
            assert to is not None
            self._write_status(session, event.document_id, to["status"])
            return
        ref = to or frm
        assert ref is not None
        if to is None and removed_as_duplicate(session, ref["id"]):
            # Made by this decision, then merged away by the schema-4 upgrade: undoing the
            # decision leaves it absent, whatever the upgrade left of it.
            session.execute(delete(SpanRow).where(SpanRow.id == ref["id"]))
            return
        current = session.get(SpanRow, ref["id"])
        if frm is None and current is not None:
            raise ConflictError(
                f"span {ref['id']} exists again (made elsewhere after this decision); "
                "it cannot be undone automatically")
        if frm is not None and (current is None or current.version != frm["version"]):
            raise ConflictError(
                f"span {ref['id']} was changed elsewhere after this decision; "
                "it cannot be undone automatically"
            )
        if to is None:
            # On the table: an ORM delete would search the session for the row each time.
            session.execute(delete(SpanRow.__table__).where(SpanRow.__table__.c.id == ref["id"]))
            if current is not None:
                session.expunge(current)  # gone: not to be found again in the session
            return
        if to["state"] != SpanState.REJECTED.value:
            there = span_at(session, layer_id=to["layer_id"], document_id=to["document_id"],
                            start=to["start"], end=to["end"],
                            label_id=self._label_id(session, to["label"]))
            if there is not None and there != to["id"]:
                raise ConflictError(
                    f"span {ref['id']} cannot come back: the same {to['label']} span is there "
                    f"now (span {there}, made after this decision); delete it first")
        values = {
            "layer_id": to["layer_id"], "document_id": to["document_id"], "start": to["start"],
            "end": to["end"], "label_id": self._label_id(session, to["label"]),
            "state": to["state"], "score": to["score"], "reason": to["reason"] or "",
            "source_id": to["source_id"], "version": to["version"],
        }
        if current is None:
            session.add(SpanRow(id=to["id"], **values))
        else:
            session.execute(update(SpanRow).where(SpanRow.id == to["id"]).values(
                **values, updated_at=datetime.now(UTC)))
            # The row changed under the session: read it afresh when next asked (only it:
            # expiring every object per event made undoing a bulk decision quadratic).
            session.expire(current)
        session.flush()

    # -- reading -----------------------------------------------------------------------
    def spans(self, document_id: int) -> list[Span]:
        """This reviewer's spans in the document (annotations and rejections)."""
        return self._spans_of(document_id, [self.layer_id])

    def suggestions(self, document_id: int) -> list[Span]:
        """All suggestions for the document, from every suggestions layer."""
        with self.project.db.read() as session:
            layers = list(session.scalars(select(LayerRow.id).where(
                LayerRow.kind == LayerKind.SUGGESTIONS.value)))
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
            rows = session.execute(
                select(SpanRow, LabelRow.name)
                .join(LabelRow, LabelRow.id == SpanRow.label_id)
                .where(SpanRow.document_id == document_id, SpanRow.layer_id.in_(layer_ids))
                .order_by(SpanRow.start, SpanRow.end, SpanRow.id)
            ).all()
        return [span_from_row(row, label) for row, label in rows]

    def status(self, document_id: int) -> DocumentStatus:
        """This reviewer's status of the document (in gold: the document's review status)."""
        with self.project.db.read() as session:
            row = self._status_row(session, document_id)
            return DocumentStatus(row.status) if row else DocumentStatus.TODO
