"""What a document view draws, read back from its text document's formats, and what it
should draw, computed from the spans stored in the project: the two must always be equal.

The expected look of each character is worked out here from the stored spans alone (the
rule the reviewer sees: the shortest entity's colour, paler and dotted while it is a
suggestion; an overline where entities overlap; claims underlined, dashed while suggested),
never from the window's own state.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QTextCharFormat

from unannotate.core.model import Label, LabelKind, SpanState
from unannotate.core.offsets import QtPositions
from unannotate.services.decisions import Decider


class Look(NamedTuple):
    """How one character is drawn."""

    background: str | None  # the colour's name, or None
    overline: bool
    underline: str  # "none", "dot", "dash", "single"
    underline_colour: str | None


class StoredSpan(NamedTuple):
    start: int
    end: int
    label: str
    pending: bool


def stored_spans(reviewer: Decider, document_id: int) -> list[StoredSpan]:
    """The spans the window must draw, as the project holds them: the reviewer's accepted
    spans and the suggestions they have not decided."""
    own = [StoredSpan(s.start, s.end, s.label, False) for s in reviewer.spans(document_id)
           if s.state is SpanState.ACCEPTED]
    pending = [StoredSpan(s.start, s.end, s.label, True) for s in reviewer.pending(document_id)]
    return sorted(own + pending)


def _underline(fmt: QTextCharFormat) -> str:
    style = fmt.underlineStyle()
    styles = QTextCharFormat.UnderlineStyle
    if style == styles.DotLine:
        return "dot"
    if style == styles.DashUnderline:
        return "dash"
    if style == styles.SingleUnderline or fmt.fontUnderline():
        return "single"
    return "none"


def drawn_looks(view) -> dict[int, Look]:  # type: ignore[no-untyped-def]
    """Every character the view draws with a format, by Qt position (idle work done first),
    and checks on the way that no format changes the text's metrics."""
    view.highlight_everything()
    found: dict[int, Look] = {}
    block = view.document().begin()
    while block.isValid():
        for fmt_range in block.layout().formats():
            fmt = fmt_range.format
            assert not fmt.hasProperty(QTextCharFormat.Property.FontWeight) or \
                fmt.fontWeight() == QFont.Weight.Normal, "a span's format changes the font weight"
            assert not fmt.hasProperty(QTextCharFormat.Property.FontPointSize)
            brush = fmt.background()
            background = (brush.color().name() if brush.style() != Qt.BrushStyle.NoBrush
                          else None)
            underline = _underline(fmt)
            look = Look(background, fmt.fontOverline(), underline,
                        fmt.underlineColor().name() if underline != "none" else None)
            if look == Look(None, False, "none", None):
                continue
            for offset in range(fmt_range.start, fmt_range.start + fmt_range.length):
                found[block.position() + offset] = look
        block = block.next()
    return found


def expected_looks(text: str, spans: Iterable[StoredSpan],
                   labels: dict[str, Label]) -> dict[int, set[Look]]:
    """For each Qt position that should be drawn, the looks it may have (spans of the same
    length and state over one character may be drawn in either's colour)."""
    from unannotate.qt.document_view import pending_colour

    positions = QtPositions(text)
    per_char: dict[int, list[StoredSpan]] = {}
    for span in spans:
        for index in range(span.start, span.end):
            per_char.setdefault(index, []).append(span)
    looks: dict[int, set[Look]] = {}
    for index, covering in per_char.items():
        if text[index] in "\r\n":
            continue  # line breaks are not drawn
        entities = [s for s in covering if labels[s.label].kind is LabelKind.ENTITY]
        claims = [s for s in covering if labels[s.label].kind is LabelKind.CLAIM]
        best = min(((s.end - s.start, s.pending) for s in entities), default=None)
        options = [s for s in entities if (s.end - s.start, s.pending) == best]
        claim_options = ([s for s in claims if not s.pending] or claims)
        candidates: set[Look] = set()
        for entity in options or [None]:
            for claim in claim_options or [None]:
                background = None
                underline, colour = "none", None
                if entity is not None:
                    base = labels[entity.label].colour
                    background = QColor(pending_colour(base) if entity.pending else base).name()
                    if entity.pending:
                        underline = "dot"
                        colour = QColor(base).darker(170).name()
                if claim is not None:
                    underline = "dash" if claim.pending else "single"
                    colour = QColor(labels[claim.label].colour).name()
                candidates.add(Look(background, len(entities) > 1, underline, colour))
        qt = positions.to_qt(index)
        looks[qt] = candidates
        if positions.to_qt(index + 1) - qt == 2:  # an astral character: two UTF-16 units
            looks[qt + 1] = candidates
    return looks


def mismatches(view, text: str, spans: Iterable[StoredSpan],  # type: ignore[no-untyped-def]
               labels: dict[str, Label]) -> list[tuple[int, str, object, object]]:
    """Characters drawn otherwise than the stored spans say: (Qt position, the character,
    drawn, expected)."""
    drawn = drawn_looks(view)
    expected = expected_looks(text, spans, labels)
    shown = view.toPlainText()
    wrong = []
    for position in sorted(set(drawn) | set(expected)):
        look = drawn.get(position)
        allowed = expected.get(position, {None})
        if look not in allowed:
            wrong.append((position, shown[position:position + 1], look, allowed))
    return wrong
