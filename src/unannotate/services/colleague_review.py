"""Reviewing colleagues' work: where their layers agree and differ, settled into gold.

A review compares two or more layers (annotators, and optionally the suggestions as one more)
document by document. Their spans are grouped into *places*: spans of any layer connected by
overlap. In a place the layers agree when each holds exactly the same spans (start, end,
label); otherwise it is a disagreement of one kind:

- ``label``: every layer marks the same stretch of text, with different labels;
- ``boundary``: every layer marks something there, but the stretches differ;
- ``missing``: some layers mark something there and others nothing.

Settling a place writes the reviewer's outcome to the gold layer, through the same decisions
as a suggestion's: each distinct span of the place (a *variant*) is accepted into gold or
rejected there, with a link to the colleague's span it came from (provenance) and the
reviewer's comment, if any. The colleagues' layers are never changed. A place is settled when
gold holds a decision on one of its spans, or a gold span of the reviewer's own overlaps it.

A comment on a place not settled yet is a *note*: a gold span in state ``suggested`` made
from the place's first variant, holding the comment as its reason. It decides nothing (the
place stays open, and exports of gold leave it out); settling the place replaces it with the
decisions, which carry the comment on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from ..core.agreement import group_places
from ..core.errors import UnannotateError
from ..core.model import DocumentStatus, LabelKind, LayerKind, SpanState
from ..core.records import ComparedSpanTuple
from ..storage import review as store
from ..storage.documents import document_text, document_titles, review_statuses
from ..storage.labels import label_kinds
from ..storage.layers import annotators_with_layers
from .decisions import Change, Decider
from .project import Project

GOLD = "gold"
SUGGESTIONS = "suggestions"  # all suggestions layers, compared as one more "annotator"


class ReviewError(UnannotateError):
    """A review that cannot be opened or a decision that does not fit it."""


class PlaceKind(StrEnum):
    AGREED = "agreed"
    LABEL = "label"
    BOUNDARY = "boundary"
    MISSING = "missing"


@dataclass(frozen=True)
class Variant:
    """One distinct span found in a place, and the layers holding it."""

    start: int
    end: int
    label: str
    holders: tuple[str, ...]  # layer names, in the review's order
    span_ids: tuple[int, ...]  # each holder's span

    @property
    def key(self) -> tuple[int, int, str]:
        return self.start, self.end, self.label


@dataclass(frozen=True)
class GoldSpan:
    id: int
    start: int
    end: int
    label: str
    state: SpanState
    source_id: int | None
    note: str
    version: int
    claim: bool = False


@dataclass
class Place:
    start: int
    end: int
    kind: PlaceKind
    variants: list[Variant]
    gold: list[GoldSpan] = field(default_factory=list)  # gold's decisions and spans here
    claim: bool = False  # a place of claims (entities and claims are compared apart)

    @property
    def settled(self) -> bool:
        """Gold holds a decision here (a note alone settles nothing)."""
        return any(g.state is not SpanState.SUGGESTED for g in self.gold)

    @property
    def notes(self) -> list[GoldSpan]:
        return [g for g in self.gold if g.state is SpanState.SUGGESTED]

    @property
    def is_open(self) -> bool:
        """A disagreement not settled yet."""
        return self.kind is not PlaceKind.AGREED and not self.settled

    @property
    def span_ids(self) -> set[int]:
        return {i for v in self.variants for i in v.span_ids}

    def held_by(self, layer: str) -> list[Variant]:
        return [v for v in self.variants if layer in v.holders]

    @property
    def comment(self) -> str:
        return next((g.note for g in self.gold if g.note), "")


@dataclass
class ComparedDocument:
    id: int
    title: str
    review_status: DocumentStatus
    open_disagreements: int
    disagreements: int
    agreed_open: int  # agreed places not yet in gold


def _groups(items: list[tuple[int, int, str, str, int]]
            ) -> list[list[tuple[int, int, str, str, int]]]:
    """Spans of the layers (sorted by start) grouped into places, by the rule the agreement
    figures use (``core.agreement.group_places``)."""
    distinct: dict[tuple[int, int, str], list[tuple[int, int, str, str, int]]] = {}
    for item in items:
        distinct.setdefault((item[0], item[1], item[2]), []).append(item)
    keys = list(distinct)  # in start order, as the items came
    groups = group_places([(k[0], k[1], {item[3] for item in distinct[k]}) for k in keys])
    return [[item for i in group for item in distinct[keys[i]]] for group in groups]


def resolve_layers(project: Project, layers: Sequence[str]) -> dict[str, list[int]]:
    """The layers a review compares, by name (annotators, or ``suggestions`` for every
    suggestions layer together), checked without writing anything."""
    names = list(dict.fromkeys(layers))
    if len(names) < 2:
        raise ReviewError("a review compares at least two layers (two annotators, or one "
                          "annotator and the suggestions)")
    with project.db.read() as unit:
        known = store.annotator_layer_ids(unit)
        suggestion_layers = store.suggestion_layer_ids(unit)
    found: dict[str, list[int]] = {}
    for name in names:
        if name == SUGGESTIONS:
            if not suggestion_layers:
                raise ReviewError("the project has no suggestions to compare")
            found[name] = suggestion_layers
        elif name in known:
            found[name] = [known[name]]
        else:
            raise ReviewError(
                f"no annotator {name!r} in this project; it has: "
                + (", ".join(sorted(known)) or "none yet") + " (and 'suggestions')")
    return found


@dataclass(frozen=True)
class GoldOpen:
    """Documents holding gold spans whose disagreements are not all settled in gold."""

    annotators: list[str]  # the layers compared: every annotator of the project
    documents: dict[int, tuple[int, int]]  # document id -> (open, disagreements)

    @property
    def places(self) -> int:
        return sum(open_ for open_, _ in self.documents.values())


def open_in_gold(project: Project) -> GoldOpen:
    """For an export of gold: the documents gold holds spans of where the project's
    annotators still disagree on places gold has not settled. Reads only."""
    with project.db.read() as unit:
        annotators = annotators_with_layers(unit)
        gold = store.gold_layer_id(unit, GOLD)
        documents = store.documents_with_spans(unit, gold)
    if len(annotators) < 2 or gold is None or not documents:
        return GoldOpen(annotators, {})
    review = Review.reading(project, annotators, gold)
    found = {}
    for document_id, places in review._all_places().items():
        if document_id not in documents:
            continue
        disagreements = [p for p in places if p.kind is not PlaceKind.AGREED]
        open_ = sum(1 for p in disagreements if not p.settled)
        if open_:
            found[document_id] = (open_, len(disagreements))
    return GoldOpen(annotators, found)


class Review:
    """One reviewer comparing ``layers`` (annotator names, or ``suggestions``) and settling
    their disagreements into the gold layer."""

    def __init__(self, project: Project, reviewer: str, layers: Sequence[str]) -> None:
        self.project = project
        self.layer_ids = resolve_layers(project, layers)
        self.layers = list(self.layer_ids)
        with project.db.session() as unit:
            self.gold_layer_id = Project.layer_id(unit, GOLD, LayerKind.GOLD)
        self.spans = self._compared_spans()
        self.gold = Decider(project, reviewer, layer=GOLD)
        self.reviewer = reviewer

    @classmethod
    def reading(cls, project: Project, layers: Sequence[str], gold_layer_id: int) -> Review:
        """A review that only reads (its places), writing nothing to open it."""
        review = cls.__new__(cls)
        review.project = project
        review.layer_ids = resolve_layers(project, layers)
        review.layers = list(review.layer_ids)
        review.gold_layer_id = gold_layer_id
        review.spans = review._compared_spans()
        return review

    # -- reading -----------------------------------------------------------------------
    def _compared_spans(self) -> store.ComparedSpans:
        """The spans a review reads: the compared layers and gold, with label and kind."""
        by_layer = [layer_id for ids in self.layer_ids.values() for layer_id in ids]
        return store.ComparedSpans([*by_layer, self.gold_layer_id])

    def places(self, document_id: int) -> list[Place]:
        """Every place of the document where a compared layer has a span, in text order."""
        with self.project.db.read() as unit:
            rows = self.spans.of_document(unit, document_id)
        return self.places_from_rows(rows)

    def read_document(self, document_id: int) -> tuple[list[Place], list[GoldSpan]]:
        """The document's places and the accepted gold spans in none of them (the reviewer's
        own, where no layer has anything): one read."""
        with self.project.db.read() as unit:
            rows = self.spans.of_document(unit, document_id)
        unplaced: list[GoldSpan] = []
        return self.places_from_rows(rows, unplaced), unplaced

    def text(self, document_id: int) -> str:
        """The document's text."""
        with self.project.db.read() as unit:
            return document_text(unit, document_id)

    def places_from_rows(self, rows: Sequence[ComparedSpanTuple],
                         unplaced: list[GoldSpan] | None = None) -> list[Place]:
        """Places from span rows (of one document, in start, end, id order); ``unplaced``,
        if given, receives the accepted gold spans in no place."""
        by_layer = {layer_id: name for name, ids in self.layer_ids.items() for layer_id in ids}
        # Entities and claims are compared apart: a claim is a sentence that holds entities.
        compared: dict[bool, list[tuple[int, int, str, str, int]]] = {False: [], True: []}
        gold: list[tuple[GoldSpan, bool]] = []
        for (span_id, layer_id, start, end, label, state, source_id, reason, version,
             kind, _) in rows:
            claim = kind == LabelKind.CLAIM.value
            if layer_id == self.gold_layer_id:
                gold.append((GoldSpan(span_id, start, end, label, SpanState(state), source_id,
                                      reason or "", version, claim), claim))
            elif state != SpanState.REJECTED.value:
                # An annotator's rejections are decisions on suggestions, not annotations.
                compared[claim].append((start, end, label, by_layer[layer_id], span_id))
        places: list[Place] = []
        for claim, items in compared.items():
            places.extend(self._place(group, claim) for group in _groups(items))
        places.sort(key=lambda p: (p.start, p.claim, p.end))
        by_source: dict[int, Place] = {i: p for p in places for i in p.span_ids}
        for span, claim in gold:
            place = by_source.get(span.source_id) if span.source_id is not None else None
            if place is None and span.state is SpanState.ACCEPTED:
                place = next((p for p in places if p.claim == claim
                              and span.start < p.end and p.start < span.end), None)
            if place is not None:
                place.gold.append(span)
            elif unplaced is not None and span.state is SpanState.ACCEPTED:
                unplaced.append(span)
        return places

    def _place(self, group: list[tuple[int, int, str, str, int]], claim: bool) -> Place:
        variants: dict[tuple[int, int, str], tuple[list[str], list[int]]] = {}
        for start, end, label, layer, span_id in group:
            holders, ids = variants.setdefault((start, end, label), ([], []))
            if layer not in holders:
                holders.append(layer)
                ids.append(span_id)
        order = {name: n for n, name in enumerate(self.layers)}
        made = []
        for (start, end, label), (holders, ids) in variants.items():
            pairs = sorted(zip(holders, ids), key=lambda p: order[p[0]])
            made.append(Variant(start, end, label, tuple(h for h, _ in pairs),
                                tuple(i for _, i in pairs)))
        present = {h for v in made for h in v.holders}
        if all(len(v.holders) == len(self.layers) for v in made):
            kind = PlaceKind.AGREED
        elif len(present) < len(self.layers):
            kind = PlaceKind.MISSING
        elif len({(v.start, v.end) for v in made}) == 1:
            kind = PlaceKind.LABEL
        else:
            kind = PlaceKind.BOUNDARY
        return Place(min(v.start for v in made), max(v.end for v in made), kind, made,
                     claim=claim)

    def disagreements(self, document_id: int) -> list[Place]:
        return [p for p in self.places(document_id) if p.kind is not PlaceKind.AGREED]

    def documents(self) -> list[ComparedDocument]:
        """Every document with its review status and how many disagreements are open."""
        with self.project.db.read() as unit:
            docs = document_titles(unit)
            statuses = review_statuses(unit)
        every = self._all_places()
        found = []
        for doc_id, title in docs:
            places = every.get(doc_id, [])
            found.append(ComparedDocument(
                doc_id, title, DocumentStatus(statuses.get(doc_id, "todo")),
                sum(1 for p in places if p.kind is not PlaceKind.AGREED and not p.settled),
                sum(1 for p in places if p.kind is not PlaceKind.AGREED),
                sum(1 for p in places if p.kind is PlaceKind.AGREED and not p.settled)))
        return found

    def _all_places(self) -> dict[int, list[Place]]:
        """Every document's places (documents with spans only): one ordered query."""
        by_document: dict[int, list[ComparedSpanTuple]] = {}
        with self.project.db.read() as unit:
            for row in self.spans.of_project(unit):
                by_document.setdefault(row[-1], []).append(row)
        return {doc_id: self.places_from_rows(rows) for doc_id, rows in by_document.items()}

    def annotator_status(self, document_id: int) -> dict[str, DocumentStatus]:
        """Each compared annotator's own status of the document (kept apart from the
        review's)."""
        with self.project.db.read() as unit:
            rows = store.annotator_statuses(unit, document_id)
        return {name: DocumentStatus(rows.get(name, "todo")) for name in self.layers
                if name != SUGGESTIONS}

    # -- settling ----------------------------------------------------------------------
    def take(self, document_id: int, place: Place, layers: Sequence[str], *,
             comment: str | None = None) -> Change:
        """Settle a place with the spans the given layers hold there (none: take neither).
        Every variant of the place gets one decision in gold: accepted when one of
        ``layers`` holds it, rejected otherwise. A place settled before is settled again
        (its earlier gold decisions replaced) in the same undoable step."""
        unknown = [name for name in layers if name not in self.layers]
        if unknown:
            raise ReviewError(f"{', '.join(unknown)} is not part of this review")
        chosen = set(layers)
        decisions = [
            (v.span_ids[0],
             SpanState.ACCEPTED if chosen & set(v.holders) else SpanState.REJECTED)
            for v in place.variants
        ]
        replace = [g.id for g in place.gold]
        # Gold's reason is the reviewer's comment (the one given before, unless another is
        # given now), never a suggester's reason carried along.
        note = place.comment if comment is None else comment
        return self.gold.decide(decisions, note=note, replace=replace)

    def take_variants(self, place: Place, keys: Sequence[tuple[int, int, str]], *,
                      comment: str | None = None) -> Change:
        """Settle a place with exactly the chosen variants (by start, end, label)."""
        wanted = set(keys)
        decisions = [(v.span_ids[0],
                      SpanState.ACCEPTED if v.key in wanted else SpanState.REJECTED)
                     for v in place.variants]
        return self.gold.decide(decisions, note=place.comment if comment is None else comment,
                                replace=[g.id for g in place.gold])

    def comment(self, place: Place, text: str) -> Change:
        """Attach, change or (with an empty text) remove the reviewer's comment on a place,
        keeping its outcome. On a place not settled it is a note that decides nothing (see
        the module's notes): the place stays open. One undoable step."""
        if not place.settled:
            replace = [g.id for g in place.notes]
            if not text.strip():
                if not replace:
                    return Change()
                return self.gold.decide([], replace=replace)
            return self.gold.decide([(place.variants[0].span_ids[0], SpanState.SUGGESTED)],
                                    note=text, replace=replace)
        accepted = {g.source_id for g in place.gold if g.state is SpanState.ACCEPTED}
        keys = [v.key for v in place.variants if accepted & set(v.span_ids)]
        if any(g.source_id is None for g in place.gold):
            raise ReviewError("this place holds spans edited in gold; comment on it by "
                              "settling it again")
        return self.take_variants(place, keys, comment=text)

    def accept_agreed(self, document_id: int | None = None) -> Change:
        """Take every span all the layers agree on into gold, in one document or in all of
        them, as one undoable step."""
        if document_id is None:
            every = self._all_places()
        else:
            every = {document_id: self.places(document_id)}
        ids = list(every)
        decisions = [(v.span_ids[0], SpanState.ACCEPTED)
                     for places in every.values() for p in places
                     if p.kind is PlaceKind.AGREED and not p.settled for v in p.variants]
        if not decisions:
            return Change(document_ids=set(ids))
        return self.gold.decide(decisions, note="")

    def open_count(self, document_id: int) -> tuple[int, int]:
        """How many disagreements of the document are open, of how many."""
        disagreements = self.disagreements(document_id)
        return sum(1 for p in disagreements if not p.settled), len(disagreements)

    def set_status(self, document_id: int, status: DocumentStatus, *,
                   force: bool = False) -> Change:
        """The document's review status. Done is refused while disagreements are open,
        unless ``force``: marking it done is saying it is settled."""
        if status is DocumentStatus.DONE and not force:
            open_, total = self.open_count(document_id)
            if open_:
                raise ReviewError(f"{open_} of {total} disagreements are still open in this "
                                  "document: settle them first (or mark it done anyway)")
        return self.gold.set_status(document_id, status)

    def status(self, document_id: int) -> DocumentStatus:
        return self.gold.status(document_id)

    def undo(self) -> Change | None:
        return self.gold.undo()

    def redo(self) -> Change | None:
        return self.gold.redo()

    def label_kinds(self) -> dict[str, LabelKind]:
        with self.project.db.read() as unit:
            return {name: LabelKind(kind) for name, kind in label_kinds(unit).items()}
