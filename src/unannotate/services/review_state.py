"""The document on screen in the review window, as plain Python: its places, how each is
drawn, which one is current, and after each change what must be drawn again.

The window draws only from :attr:`ReviewState.drawn` and redraws only from the
:class:`Delta` that :meth:`ReviewState.show` and :meth:`ReviewState.apply` return. Every
path (a place taken, a comment, everything agreed taken, a gold edit, undo, redo, a document
opened) goes through them, and they read the places from the store, so what is drawn is what
is stored: a place whose look changes without moving is in the delta like one that moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from ..core.model import LabelKind, SpanState
from .colleague_review import GoldSpan, Place, PlaceKind, Review
from .decisions import Change

DrawnKey = tuple[int, int, int]  # (start, end, id) in code points: a place n is id n + 1,
# a gold span is minus its span id.


class Look(StrEnum):
    OPEN = "open"  # a disagreement not settled: drawn as the review's mark of its kind
    AGREED = "agreed"  # all agree, not yet taken into gold
    NEITHER = "neither"  # settled with nothing taken
    GOLD = "gold"  # a gold span taken (or added by the reviewer), in its label's colour


class Mark(NamedTuple):
    """What a drawn span is: its look, the place's kind (open, agreed), the gold label."""

    look: Look
    kind: PlaceKind | None
    label: str | None
    claim: bool


@dataclass
class Delta:
    """What to draw again: spans no longer drawn, spans drawn anew or drawn otherwise (the
    same key with another mark), and the places whose row in a list changed."""

    removed: list[int] = field(default_factory=list)
    added: list[DrawnKey] = field(default_factory=list)
    restyled: list[DrawnKey] = field(default_factory=list)  # in both: same key, another mark
    rows: list[int] = field(default_factory=list)  # indices into ``places``
    new_document: bool = False  # everything is new: draw it all

    def __bool__(self) -> bool:
        return bool(self.removed or self.added or self.rows or self.new_document)


def drawing(places: list[Place], unplaced: Iterable[GoldSpan],
            kinds: dict[str, LabelKind]) -> dict[int, tuple[DrawnKey, Mark]]:
    """Every span drawn for these places and gold spans: a place as itself until settled
    (open, or agreed and not taken), then the gold spans taken there, or itself as "neither"
    when nothing was taken; gold spans in no place as themselves."""
    drawn: dict[int, tuple[DrawnKey, Mark]] = {}

    def gold(span: GoldSpan) -> None:
        claim = kinds.get(span.label, LabelKind.CLAIM if span.claim else LabelKind.ENTITY)
        drawn[-span.id] = ((span.start, span.end, -span.id),
                           Mark(Look.GOLD, None, span.label, claim is LabelKind.CLAIM))

    for n, place in enumerate(places, 1):
        key = (place.start, place.end, n)
        taken = [g for g in place.gold if g.state is SpanState.ACCEPTED]
        if not place.settled:
            look = Look.AGREED if place.kind is PlaceKind.AGREED else Look.OPEN
            drawn[n] = (key, Mark(look, place.kind, None, place.claim))
        elif not taken:
            drawn[n] = (key, Mark(Look.NEITHER, place.kind, None, place.claim))
        for span in taken:
            gold(span)
    for span in unplaced:
        gold(span)
    return drawn


class ReviewState:
    """The review window's open document: read from the store, never fed by hand."""

    def __init__(self, review: Review) -> None:
        self.review = review
        self.kinds = review.label_kinds()
        self.document_id: int | None = None
        self.text = ""
        self.places: list[Place] = []
        self.unplaced: list[GoldSpan] = []
        self.drawn: dict[int, tuple[DrawnKey, Mark]] = {}
        self.current: int | None = None  # index into ``places``
        self.complete = False  # every place read (not only those before a frontier)

    # -- reading -----------------------------------------------------------------------
    def show(self, document_id: int, text: str, places: list[Place],
             unplaced: list[GoldSpan], *, complete: bool = True) -> Delta:
        """Take these places as the document's (all of them, or with ``complete`` False
        the first ones, read before a first paint). For another document everything is
        new; for the same one, the delta from what was drawn."""
        same = document_id == self.document_id and text == self.text
        self.document_id, self.text = document_id, text
        self.complete = complete
        if same:
            return self._replace(places, unplaced)
        self.places, self.unplaced = places, unplaced
        self.drawn = drawing(places, unplaced, self.kinds)
        return Delta(added=self.keys(), rows=list(range(len(places))), new_document=True)

    def apply(self, change: Change | None = None) -> Delta:
        """After a decision, an undo or a redo: the document's places read again, the
        current place kept (or, once settled, the next open one), and what changed."""
        if self.document_id is None:
            return Delta()
        if change is not None and change.document_ids and \
                self.document_id not in change.document_ids:
            return Delta()
        previous = self._current_key()
        places, unplaced = self.review.read_document(self.document_id)
        self.complete = True
        delta = self._replace(places, unplaced)
        self.current = next((n for n, p in enumerate(self.places)
                             if (p.start, p.end, p.claim) == previous), None)
        if self.current is not None and self.places[self.current].settled:
            self.step()
        return delta

    def _replace(self, places: list[Place], unplaced: list[GoldSpan]) -> Delta:
        old_drawn, old_places = self.drawn, self.places
        self.places, self.unplaced = places, unplaced
        self.drawn = drawing(places, unplaced, self.kinds)
        delta = Delta()
        for span_id, (key, mark) in old_drawn.items():
            now = self.drawn.get(span_id)
            if now is None or now[0] != key:
                delta.removed.append(span_id)
            elif now[1] != mark:
                delta.removed.append(span_id)
                delta.added.append(key)
                delta.restyled.append(key)
        for span_id, (key, _mark) in self.drawn.items():
            was = old_drawn.get(span_id)
            if was is None or was[0] != key:
                delta.added.append(key)
        delta.rows = [n for n, place in enumerate(places)
                      if n >= len(old_places) or old_places[n] != place]
        delta.added.sort()
        return delta

    def keys(self) -> list[DrawnKey]:
        return sorted(key for key, _ in self.drawn.values())

    def mark(self, span_id: int) -> Mark:
        return self.drawn[span_id][1]

    # -- places --------------------------------------------------------------------------
    def _current_key(self) -> tuple[int, int, bool] | None:
        if self.current is None or self.current >= len(self.places):
            return None
        place = self.places[self.current]
        return place.start, place.end, place.claim

    @property
    def place(self) -> Place | None:
        return self.places[self.current] if self.current is not None else None

    def open_places(self) -> list[int]:
        return [n for n, p in enumerate(self.places) if p.is_open]

    def counts(self) -> tuple[int, int]:
        """Open disagreements, and disagreements, of the places read."""
        return (len(self.open_places()),
                sum(1 for p in self.places if p.kind is not PlaceKind.AGREED))

    def step(self, step: int = 1) -> int | None:
        """The next (or previous) open disagreement, wrapping round; None when none is."""
        open_ = self.open_places()
        if not open_:
            self.current = None
        elif self.current is None:
            self.current = open_[0] if step > 0 else open_[-1]
        else:
            later = [n for n in open_ if (n > self.current if step > 0 else n < self.current)]
            self.current = (later[0] if step > 0 else later[-1]) if later else (
                open_[0] if step > 0 else open_[-1])
        return self.current

    def place_of_gold(self, span_id: int) -> int | None:
        return next((n for n, p in enumerate(self.places)
                     if any(g.id == span_id for g in p.gold)), None)

    def gold_span(self, span_id: int) -> GoldSpan | None:
        for place in self.places:
            for span in place.gold:
                if span.id == span_id:
                    return span
        return next((s for s in self.unplaced if s.id == span_id), None)
