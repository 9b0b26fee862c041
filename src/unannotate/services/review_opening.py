"""What the review window reads of a document before its first paint (see docs/adr/0006):
only the places from the top of the text to the screen around the first open one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..core.model import LabelKind, SpanState
from ..storage.documents import document_text
from .colleague_review import GoldSpan, Place, Review

LINE_BREAKS = "\n\r\u2029"  # where Qt ends a block


@dataclass
class Opening:
    """What the window draws of a document before its first paint: its first places, exactly
    as :meth:`Review.places` gives them (same order, so the same indices), up to ``frontier``."""

    text: str
    places: list[Place]  # every place starting before ``frontier``, in text order
    frontier: int  # code point: every span and place before it is known
    unplaced_gold: list[GoldSpan]  # accepted gold spans before ``frontier`` in no place
    target: int | None  # index of the first open place (None: there is none)


def _line_end(text: str, index: int) -> int:
    """The first line break at or after ``index`` (the end of its block), or the text's end."""
    found = [at for mark in LINE_BREAKS if (at := text.find(mark, index)) >= 0]
    return min(found, default=len(text))


class OpeningReader:
    """Reads what a document shows before its first paint (see :meth:`read`), through the
    review's own span reader (so its own grouping applies), cut at a code point."""

    def __init__(self, review: Review) -> None:
        self.review = review

    def read(self, document_id: int, around: Callable[[int], tuple[int, int]]) -> Opening:
        """The text and the places the screen can show around the first open place, read
        from the top of the text in one read transaction: the spans starting before a limit,
        grouped as :meth:`Review.places` groups them. A place ending past the limit may
        still grow with spans beyond it, so only places starting before the first of those
        (the frontier) are kept, and the limit is pushed on (to a block's end, at least
        doubled) until they hold an open place and the blocks ``around`` its start, or the
        whole text is read. Every span of a long document costs tens of milliseconds to
        group; a screenful of them well under one."""
        review = self.review
        with review.project.db.read() as unit:
            text = document_text(unit, document_id)
            limit = _line_end(text, around(0)[1])
            while True:
                rows = review.spans.starting_before(unit, document_id, limit)
                places = review.places_from_rows(rows)
                frontier = min([limit, *(p.start for p in places if p.end > limit)])
                known = [p for p in places if p.start < frontier]  # places sort by start
                target = next((n for n, p in enumerate(known)
                               if p.is_open), None)
                needed = _line_end(text, around(known[target].start if target is not None
                                                else 0)[1])
                if limit >= len(text) or (target is not None and needed <= frontier):
                    break
                limit = max(needed, _line_end(text, 2 * limit + 1))
        placed = {g.id for p in known for g in p.gold}
        unplaced = [GoldSpan(r.id, r.start, r.end, r.label, SpanState(r.state), r.source_id,
                             r.reason or "", r.version, r.kind == LabelKind.CLAIM.value)
                    for r in rows if r.layer_id == review.gold_layer_id and r.id not in placed
                    and r.state == SpanState.ACCEPTED.value and r.start < frontier]
        return Opening(text, known, frontier, unplaced, target)
