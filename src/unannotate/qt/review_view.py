"""How the review window draws a document: label colours for gold, the review's own marks for
everything not settled into gold.

Gold spans (what the review settled) are drawn as annotations are everywhere: a background in
their label's colour. The review's state is never a background: an open disagreement is
wavy-underlined, and its text coloured, in the colour of its kind; a place all agree on and
not yet taken is dotted-underlined; a place settled with nothing taken is struck through.
The kinds' colours are dark and saturated where the label colours are pale, so neither can
pass for the other (a test keeps them apart).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPixmap,
    QTextCharFormat,
    QTextLayout,
)
from PySide6.QtWidgets import QWidget

from ..core.model import LabelKind
from ..services.colleague_review import PlaceKind
from ..services.review_state import Look, Mark
from .document_view import DocumentView, DrawnSpan, SpanHighlighter, SpanStyle

KIND_COLOURS = {
    PlaceKind.AGREED: "#1b5e20",
    PlaceKind.LABEL: "#b45309",
    PlaceKind.BOUNDARY: "#4527a0",
    PlaceKind.MISSING: "#c2185b",
}
KIND_TITLES = {
    PlaceKind.AGREED: "all agree",
    PlaceKind.LABEL: "another label",
    PlaceKind.BOUNDARY: "other boundaries",
    PlaceKind.MISSING: "missing in some",
}
NEITHER_COLOUR = "#555555"  # settled with nothing taken
TEXT_COLOUR = "#111111"
PAPER = "#ffffff"  # behind marked text, so it reads on a dark palette too
UNKNOWN_LABEL = "#cccccc"


def mark_format(entity: Mark | None, extra_entities: bool, claim: Mark | None,
                colours: dict[str, str]) -> QTextCharFormat:
    """The character format of a stretch covered by ``entity`` and ``claim`` marks."""
    fmt = QTextCharFormat()
    underline = False
    if entity is not None:
        if entity.look is Look.GOLD:
            fmt.setBackground(QColor(colours.get(entity.label or "", UNKNOWN_LABEL)))
            fmt.setForeground(QColor(TEXT_COLOUR))
        else:
            fmt.setBackground(QColor(PAPER))
            underline = entity.look in (Look.OPEN, Look.AGREED)
            colour = QColor(KIND_COLOURS[entity.kind or PlaceKind.MISSING])
            if entity.look is Look.OPEN:
                fmt.setForeground(colour)
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
                fmt.setUnderlineColor(colour)
            elif entity.look is Look.AGREED:
                fmt.setForeground(QColor(TEXT_COLOUR))
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
                fmt.setUnderlineColor(colour)
            else:
                fmt.setForeground(QColor(NEITHER_COLOUR))
                fmt.setFontStrikeOut(True)
    if extra_entities:
        fmt.setFontOverline(True)
    if claim is not None and not underline:
        # A claim's place is a sentence: its mark is the underline, kept thin.
        if claim.look is Look.GOLD:
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
            fmt.setUnderlineColor(QColor(colours.get(claim.label or "", UNKNOWN_LABEL)))
        elif claim.look is Look.OPEN:
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor(KIND_COLOURS[claim.kind or PlaceKind.MISSING]))
        elif claim.look is Look.AGREED:
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
            fmt.setUnderlineColor(QColor(KIND_COLOURS[PlaceKind.AGREED]))
        else:
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DashUnderline)
            fmt.setUnderlineColor(QColor(NEITHER_COLOUR))
    return fmt


class ReviewHighlighter(SpanHighlighter):
    """The document view's highlighter, with each span's format from its review mark."""

    def __init__(self, view: ReviewDocumentView) -> None:
        super().__init__(view)
        self._review_view = view
        self._marked: dict[tuple[object, ...], QTextCharFormat] = {}

    def _format(self, entity: DrawnSpan | None, extra_entities: int,
                claim: DrawnSpan | None) -> QTextCharFormat:
        mark = self._review_view.mark
        entity_mark = mark(entity.id) if entity is not None else None
        claim_mark = mark(claim.id) if claim is not None else None
        key = (entity_mark, extra_entities > 0, claim_mark)
        found = self._marked.get(key)
        if found is None:
            found = self._marked[key] = mark_format(entity_mark, extra_entities > 0,
                                                    claim_mark, self._review_view.colours)
        return found


class ReviewDocumentView(DocumentView):
    """The document view of the review window: spans drawn by their marks."""

    def __init__(self, colours: dict[str, str], kinds: dict[str, LabelKind],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colours, self.kinds = colours, kinds
        self.mark: Callable[[int], Mark] = lambda _span_id: Mark(Look.OPEN, None, None, False)
        # The plain view's highlighter leaves the document; this one draws marks.
        self.highlighter.setDocument(None)
        self.highlighter = ReviewHighlighter(self)

    def style(self, span_id: int) -> SpanStyle:
        """What the view's span index needs of a span (its kind; gold before the rest)."""
        found = self.mark(span_id)
        kind = LabelKind.CLAIM if found.claim else LabelKind.ENTITY
        colour = (self.colours.get(found.label or "", UNKNOWN_LABEL) if found.look is Look.GOLD
                  else KIND_COLOURS[found.kind or PlaceKind.MISSING])
        return SpanStyle(colour, kind, found.look is not Look.GOLD)


def swatch(text: str, mark: Mark, font: QFont, colours: dict[str, str]) -> QPixmap:
    """``text`` drawn as the view draws a span with ``mark``: the legend's key."""
    layout = QTextLayout(text, font)
    whole = QTextLayout.FormatRange()
    whole.start, whole.length = 0, len(text)
    whole.format = mark_format(mark, False, None, colours)
    layout.setFormats([whole])
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(10_000)
    layout.endLayout()
    metrics = QFontMetricsF(font)
    pad = 4.0
    width = int(line.naturalTextWidth() + 2 * pad + 1)
    height = int(metrics.height() + 2 * pad + 1)
    pixmap = QPixmap(width, height)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    layout.draw(painter, QPointF(pad, pad))
    painter.end()
    return pixmap
