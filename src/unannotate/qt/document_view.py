"""The document view: the exact text, read-only, with spans drawn by a block highlighter.

Text is given to Qt with ``setPlainText`` only: it is never interpreted as HTML or rich text.
Positions go through :class:`~unannotate.core.offsets.QtPositions` and nowhere else.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from ..core.model import LabelKind, Span
from ..core.offsets import QtPositions

SELECTED_BACKGROUND = QColor("#1d3fbf")
SELECTED_FOREGROUND = QColor("#ffffff")


def _blend(colour: QColor, other: QColor, share: float) -> QColor:
    """``colour`` mixed with ``share`` of ``other``."""
    keep = 1.0 - share
    return QColor(int(colour.red() * keep + other.red() * share),
                  int(colour.green() * keep + other.green() * share),
                  int(colour.blue() * keep + other.blue() * share))


@dataclass(frozen=True)
class DrawnSpan:
    """A span as the view draws it, in Qt positions."""

    id: int
    start: int  # Qt position
    end: int
    colour: str
    kind: LabelKind
    pending: bool


class SpanHighlighter(QSyntaxHighlighter):
    """Draws spans one block (paragraph) at a time. Spans are indexed by block before the
    text is set, so each block is formatted once; a decision re-formats only the blocks its
    span touches."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._by_block: dict[int, list[DrawnSpan]] = {}
        self._formats: dict[tuple[object, ...], QTextCharFormat] = {}
        self._block_starts: list[int] = [0]

    def prepare(self, block_starts: list[int], spans: list[DrawnSpan]) -> None:
        """Spans for a text about to be set: Qt formats each block once as the text goes in."""
        self._block_starts = block_starts
        self._by_block = {}
        for span in spans:
            for number in self._blocks_of(span):
                self._by_block.setdefault(number, []).append(span)

    def _blocks_of(self, span: DrawnSpan) -> range:
        first = bisect_right(self._block_starts, span.start) - 1
        last = bisect_right(self._block_starts, max(span.end - 1, span.start)) - 1
        return range(first, last + 1)

    def replace_spans(self, removed: list[DrawnSpan], added: list[DrawnSpan]) -> None:
        """Update some spans and re-format only the blocks they touch."""
        touched: set[int] = set()
        removed_ids = {s.id for s in removed}
        for span in removed:
            for number in self._blocks_of(span):
                items = self._by_block.get(number)
                if items:
                    self._by_block[number] = [s for s in items if s.id not in removed_ids]
                touched.add(number)
        for span in added:
            for number in self._blocks_of(span):
                self._by_block.setdefault(number, []).append(span)
                touched.add(number)
        doc = self.document()
        for number in sorted(touched):
            self.rehighlightBlock(doc.findBlockByNumber(number))

    def _format(self, entity: DrawnSpan | None, extra_entities: int,
                claim: DrawnSpan | None) -> QTextCharFormat:
        key = (entity.colour if entity else None, entity.pending if entity else None,
               extra_entities > 0, claim.colour if claim else None, claim.pending if claim else None)
        found = self._formats.get(key)
        if found is not None:
            return found
        fmt = QTextCharFormat()
        if entity is not None:
            colour = QColor(entity.colour)
            if entity.pending:
                # A suggestion: a paler (still opaque, so readable on a dark palette)
                # background and a dotted line, until decided.
                colour = _blend(colour, QColor("#ffffff"), 0.55)
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
                fmt.setUnderlineColor(QColor(entity.colour).darker(170))
            fmt.setBackground(colour)
            fmt.setForeground(QColor("#111111"))
        if extra_entities:
            fmt.setFontOverline(True)
        if claim is not None:
            # Claims are underlined so they stay readable over entity colours.
            fmt.setUnderlineColor(QColor(claim.colour))
            fmt.setUnderlineStyle(
                QTextCharFormat.UnderlineStyle.DashUnderline if claim.pending
                else QTextCharFormat.UnderlineStyle.SingleUnderline
            )
            if not claim.pending:
                fmt.setFontWeight(QFont.Weight.DemiBold)
        self._formats[key] = fmt
        return fmt

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt's name)
        items = self._by_block.get(self.currentBlock().blockNumber())
        if not items:
            return
        base = self.currentBlock().position()
        length = len(text.encode("utf-16-le")) // 2
        cuts = {0, length}
        for span in items:
            cuts.add(min(max(span.start - base, 0), length))
            cuts.add(min(max(span.end - base, 0), length))
        edges = sorted(cuts)
        for left, right in zip(edges, edges[1:], strict=False):
            if left == right:
                continue
            covering = [s for s in items if s.start - base <= left and s.end - base >= right]
            if not covering:
                continue
            entities = sorted((s for s in covering if s.kind is LabelKind.ENTITY),
                              key=lambda s: (s.end - s.start, s.pending))
            claims = [s for s in covering if s.kind is LabelKind.CLAIM]
            claim = min(claims, key=lambda s: s.pending) if claims else None
            self.setFormat(left, right - left,
                           self._format(entities[0] if entities else None,
                                        max(len(entities) - 1, 0), claim))


class DocumentView(QPlainTextEdit):
    """The document's text, read-only, selectable by mouse and keyboard."""

    span_clicked = Signal(int)  # span id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                     | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setTabChangesFocus(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        font = QFont()
        font.setPointSize(12)
        self.setFont(font)
        self.document().setDocumentMargin(14)
        self.highlighter = SpanHighlighter(self.document())
        self.positions = QtPositions("")
        self._spans: list[DrawnSpan] = []
        self._starts: list[int] = []
        self._selected: int | None = None

    # -- content ---------------------------------------------------------------------
    def show_text(self, text: str, spans: list[Span] | None = None,
                  style: Callable[[Span], tuple[str, LabelKind, bool]] | None = None) -> None:
        """Show ``text`` with ``spans`` (drawn as ``style`` says: colour, kind, pending)."""
        self.positions = QtPositions(text)
        drawn = [self.drawn(s, *style(s)) for s in spans] if spans and style else []
        self._spans = sorted(drawn, key=lambda s: (s.start, s.end))
        self._starts = [s.start for s in self._spans]
        self._selected = None
        self.setExtraSelections([])
        self.highlighter.prepare(self.positions.block_starts(), self._spans)
        self.setPlainText(self.positions.display_text())

    def replace_spans(self, removed_ids: set[int], added: list[DrawnSpan]) -> None:
        removed = [s for s in self._spans if s.id in removed_ids]
        self._spans = sorted([s for s in self._spans if s.id not in removed_ids] + added,
                             key=lambda s: (s.start, s.end))
        self._starts = [s.start for s in self._spans]
        self.highlighter.replace_spans(removed, added)
        if self._selected is not None and self._selected in removed_ids and \
                not any(s.id == self._selected for s in added):
            self.select_span(None)

    def drawn(self, span: Span, colour: str, kind: LabelKind, pending: bool) -> DrawnSpan:
        return DrawnSpan(span.id, self.positions.to_qt(span.start), self.positions.to_qt(span.end),
                         colour, kind, pending)

    # -- selection ---------------------------------------------------------------------
    def select_span(self, span_id: int | None, *, scroll: bool = True) -> None:
        self._selected = span_id
        found = next((s for s in self._spans if s.id == span_id), None)
        if found is None:
            self._selected = None
            self.setExtraSelections([])
            return
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document())
        cursor.setPosition(found.start)
        cursor.setPosition(found.end, QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor
        fmt = QTextCharFormat()
        fmt.setBackground(SELECTED_BACKGROUND)
        fmt.setForeground(SELECTED_FOREGROUND)
        fmt.setProperty(QTextFormat.Property.FullWidthSelection, False)
        selection.format = fmt
        self.setExtraSelections([selection])
        if scroll:
            caret = QTextCursor(self.document())
            caret.setPosition(found.start)
            self.setTextCursor(caret)
            self.ensureCursorVisible()

    @property
    def selected_span(self) -> int | None:
        return self._selected

    def selected_text_range(self) -> tuple[int, int] | None:
        """The selected text as code-point offsets, or None when nothing is selected."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        return (self.positions.from_qt(cursor.selectionStart()),
                self.positions.from_qt(cursor.selectionEnd()))

    def cursor_index(self) -> int:
        return self.positions.from_qt(self.textCursor().position())

    def span_at(self, position: int) -> int | None:
        """The shortest span covering Qt ``position``."""
        k = bisect_right(self._starts, position)
        best = None
        for span in self._spans[:k]:
            if span.start <= position < span.end and (
                    best is None or span.end - span.start < best.end - best.start):
                best = span
        return best.id if best else None

    def mouseReleaseEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().mouseReleaseEvent(event)
        cursor = self.textCursor()
        if not cursor.hasSelection():
            found = self.span_at(cursor.position())
            if found is not None:
                self.span_clicked.emit(found)
