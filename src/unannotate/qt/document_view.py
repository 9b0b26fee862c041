"""The document view: the exact text, read-only, with spans drawn by a block highlighter.

Text is given to Qt with ``QTextDocument.setPlainText`` only: it is never interpreted as HTML
or rich text.
Positions go through :class:`~unannotate.core.offsets.QtPositions` and nowhere else.

Spans are kept as sorted ``(start, end, id)`` keys in code points, and converted to Qt positions
only when a block is formatted or a span selected, so a long document with thousands of spans
costs nothing per span until a block holding it is shown. Only *activated* blocks are
formatted: those on screen (at once, also after a scroll or a resize, before they are painted),
those a decision touches, and the others in idle batches, nearest to the viewport first. Until
the window has read every span, the view knows which code points its spans cover and asks for
the rest before it shows a block outside them.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterable
from time import perf_counter
from typing import NamedTuple

from PySide6.QtCore import SIGNAL, SLOT, QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QSyntaxHighlighter,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
    QTextLayout,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from ..core.model import LabelKind
from ..core.offsets import QtPositions

SELECTED_BACKGROUND = QColor("#1d3fbf")
SELECTED_FOREGROUND = QColor("#ffffff")
IDLE_SLICE_S = 0.004  # formatting work per idle tick, so input is never kept waiting long
BULK = 64  # changes above this rebuild the span index instead of editing it

# How QSyntaxHighlighter connects itself to its document (qsyntaxhighlighter.cpp).
_CONTENTS_CHANGE = "contentsChange(int,int,int)"
_REFORMAT_BLOCKS = "_q_reformatBlocks(int,int,int)"

SpanKey = tuple[int, int, int]  # (start, end, id) in code points: keys sort in text order


class SpanStyle(NamedTuple):
    """How a span is drawn: its label's colour and kind, and whether it is still pending."""

    colour: str
    kind: LabelKind
    pending: bool


class DrawnSpan(NamedTuple):
    """A span as the highlighter draws it in one block: Qt positions from the block's start,
    cut to the block; ``size``: the whole span's length in code points, as stored (which
    span is the shortest must not depend on block breaks or on UTF-16)."""

    id: int
    start: int
    end: int
    colour: str
    kind: LabelKind
    pending: bool
    size: int


def _blend(colour: QColor, other: QColor, share: float) -> QColor:
    """``colour`` mixed with ``share`` of ``other``."""
    keep = 1.0 - share
    return QColor(int(colour.red() * keep + other.red() * share),
                  int(colour.green() * keep + other.green() * share),
                  int(colour.blue() * keep + other.blue() * share))


def pending_colour(colour: str) -> str:
    """The background of a suggestion of a label drawn in ``colour``: paler (still opaque,
    so readable on a dark palette) until it is decided."""
    return _blend(QColor(colour), QColor("#ffffff"), 0.55).name()


class SpanHighlighter(QSyntaxHighlighter):
    """Draws spans one block (paragraph) at a time, in activated blocks only. Blocks are
    formatted by :meth:`activate`; ``highlightBlock`` gives the same formats, so
    ``rehighlight()`` formats every activated block the same way (tests compare the two)."""

    def __init__(self, view: DocumentView) -> None:
        super().__init__(view.document())
        self._view = view
        self.active: set[int] = set()  # block numbers formatted (or to format) with spans
        self._formats: dict[tuple[object, ...], QTextCharFormat] = {}

    def activate(self, block: QTextBlock) -> None:
        """Format ``block`` from now on, at once, and redraw only it.

        The formats :meth:`highlightBlock` gives are put on the block's layout directly (as
        QSyntaxHighlighter stores them): ``rehighlightBlock`` would mark the whole block
        dirty, which QPlainTextDocumentLayout takes for a change reaching into the next block,
        so it lays out both again and repaints the whole viewport. A block not laid out yet
        needs nothing more (it is laid out with its formats when shown); one laid out is
        laid out again by marking a single character dirty, and only its rectangle repaints.
        """
        self.active.add(block.blockNumber())
        layout = block.layout()
        ranges = self._ranges(block)
        current = layout.formats()
        if len(ranges) == len(current) and all(
                (a.start, a.length, a.format) == (b.start, b.length, b.format)
                for a, b in zip(ranges, current, strict=True)):
            return
        layout.setFormats(ranges)
        if layout.lineCount():
            self.document().markContentsDirty(block.position(), 1)

    def _ranges(self, block: QTextBlock) -> list[QTextLayout.FormatRange]:
        """The format ranges :meth:`highlightBlock` gives ``block``, merged as
        QSyntaxHighlighter merges them (adjacent equal formats make one range)."""
        ranges: list[QTextLayout.FormatRange] = []
        for start, length, fmt in self._segments(block):
            last = ranges[-1] if ranges else None
            if last is not None and last.start + last.length == start and last.format == fmt:
                last.length += length
                continue
            found = QTextLayout.FormatRange()
            found.start, found.length, found.format = start, length, fmt
            ranges.append(found)
        return ranges

    def _segments(self, block: QTextBlock) -> list[tuple[int, int, QTextCharFormat]]:
        """(start, length, format) of each stretch of ``block`` covered by spans: overlaps
        are cut into segments so every span stays visible."""
        items = self._view.drawn_in(block)
        if not items:
            return []
        length = block.length() - 1
        edges = sorted({0, length, *(s.start for s in items), *(s.end for s in items)})
        items.sort(key=lambda s: s.start)  # stable: spans starting together keep their order
        segments = []
        active: list[DrawnSpan] = []  # spans covering the segment: started, not ended
        waiting = 0
        for left, right in zip(edges, edges[1:], strict=False):
            while waiting < len(items) and items[waiting].start <= left:
                active.append(items[waiting])
                waiting += 1
            active = [s for s in active if s.end > left]  # each ends at an edge: >= right
            if not active:
                continue
            entity = None
            entities = 0
            claim = None
            for span in active:
                if span.kind is LabelKind.ENTITY:
                    entities += 1
                    if entity is None or (span.size, span.pending) < (
                            entity.size, entity.pending):
                        entity = span  # the shortest, an annotation before a suggestion
                elif claim is None or (claim.pending and not span.pending):
                    claim = span
            segments.append((left, right - left,
                             self._format(entity, max(entities - 1, 0), claim)))
        return segments

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
        self._formats[key] = fmt
        return fmt

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt's name)
        if not self.active:
            return
        block = self.currentBlock()
        if block.blockNumber() not in self.active:
            return
        for start, length, fmt in self._segments(block):
            self.setFormat(start, length, fmt)


class DocumentView(QPlainTextEdit):
    """The document's text, read-only, selectable by mouse and keyboard."""

    span_clicked = Signal(int)  # span id
    painted = Signal()  # after each paint of the viewport

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.positions = QtPositions("")
        self._keys: list[SpanKey] = []  # sorted
        self._by_id: dict[int, SpanKey] = {}
        self._longest = 0  # longest span in code points (an upper bound): how far to look back
        self._style: Callable[[int], SpanStyle] | None = None  # None until spans are given
        # Code points whose spans the view holds (None: all of them), and what to call for
        # the rest when a block outside is to be shown.
        self._known: tuple[int, int] | None = None
        self._need_all: Callable[[], None] | None = None
        self._ranges: dict[int, tuple[int, int]] = {}  # block number -> code points of its text
        self._selected: int | None = None
        self._shown: tuple[int, int] | None = None  # code points the extra selection covers
        self._stale: list[int] = []  # block numbers to format again (idle)
        self._below = QTextBlock()  # the idle walk's next blocks below and above the viewport
        self._above = QTextBlock()
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                     | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        # Always there, so lines keep their width from one document to the next (a scroll
        # bar that comes and goes re-wraps every line on screen).
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setTabChangesFocus(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        font = QFont()
        font.setPointSize(12)
        self.setFont(font)
        self.document().setDocumentMargin(14)
        self.highlighter = SpanHighlighter(self)
        self._idle = QTimer(self)
        self._idle.setInterval(0)
        self._idle.timeout.connect(self._format_some)
        self.verticalScrollBar().valueChanged.connect(self.activate_visible)

    # -- content ---------------------------------------------------------------------
    def show_text(self, text: str) -> None:
        """Show ``text``, with no spans yet (give them with :meth:`set_spans`)."""
        self._idle.stop()
        self.positions = QtPositions(text)
        self._keys, self._by_id, self._longest = [], {}, 0
        self._style, self._known, self._need_all = None, None, None
        self._ranges = {}
        self._stale = []
        self._below, self._above = QTextBlock(), QTextBlock()
        self._selected = None
        self._shown = None
        self.highlighter.active = set()
        self.setExtraSelections([])
        # The highlighter would be asked for every block as the text goes in, with nothing
        # to draw yet: keep it out while the text is set (it is connected by this signature).
        doc = self.document()
        detached = QObject.disconnect(doc, SIGNAL(_CONTENTS_CHANGE), self.highlighter,
                                      SLOT(_REFORMAT_BLOCKS))
        try:
            # The document's own setPlainText: the editor's would also give every character
            # the editor's current character format (a pass over the whole text that changes
            # nothing here) and track its cursor through the change. Plain text, never markup.
            self.setTextCursor(QTextCursor())
            doc.setPlainText(self.positions.display_text())
            self.setTextCursor(QTextCursor(doc))
        finally:
            if detached:
                QObject.connect(doc, SIGNAL(_CONTENTS_CHANGE), self.highlighter,
                                SLOT(_REFORMAT_BLOCKS))
        # A new text may show or hide the scroll bar, which resizes the viewport (a relayout
        # of every line on screen): let that happen now, before blocks are laid out for it.
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        QCoreApplication.sendPostedEvents(self, QEvent.Type.LayoutRequest)

    def set_spans(self, keys: list[SpanKey], style: Callable[[int], SpanStyle], *,
                  known: tuple[int, int] | None = None,
                  need_all: Callable[[], None] | None = None,
                  reveal: int | None = None) -> None:
        """Draw the spans ``keys`` (sorted), each as ``style(id)`` says. ``known``: the code
        points these are all the spans of (default: the whole text); ``need_all`` is called
        before a block outside them is shown, and must give all spans with ``set_spans``.
        ``reveal``: first scroll to this code point (see :meth:`reveal`).

        Blocks already formatted are formatted again only if their spans changed; the blocks
        on screen are formatted at once, and with all spans known the rest in idle batches."""
        old, old_longest = self._keys, self._longest
        self._keys = keys
        self._by_id = {key[2]: key for key in keys}
        self._longest = max((end - start for start, end, _ in keys), default=0)
        self._style, self._known, self._need_all = style, known, need_all
        doc = self.document()
        for number in sorted(self.highlighter.active):
            start, end = self._range(doc.findBlockByNumber(number))
            if _overlapping(old, start, end, old_longest) != self._overlapping(start, end):
                self.highlighter.activate(doc.findBlockByNumber(number))
        if reveal is not None:
            self.reveal(reveal)
        self.activate_visible()
        if self._known is None:
            self._start_idle()

    def replace_spans(self, removed_ids: Iterable[int], added: list[SpanKey]) -> None:
        """A decision: drop some spans, add others, and format again the blocks they touch.
        The selection is left to the caller (who selects what comes next), even when its
        span is dropped."""
        removed = []
        for span_id in removed_ids:
            key = self._by_id.pop(span_id, None)
            if key is not None:
                removed.append(key)
        if len(removed) + len(added) > BULK:
            gone = set(removed)
            self._keys = sorted([k for k in self._keys if k not in gone] + added)
        else:
            for key in removed:
                del self._keys[bisect_left(self._keys, key)]
            for key in added:
                insort(self._keys, key)
        for key in added:
            self._by_id[key[2]] = key
            self._longest = max(self._longest, key[1] - key[0])
        self._reformat([*removed, *added])

    def _reformat(self, keys: list[SpanKey]) -> None:
        """Format again the blocks ``keys`` touch: at once when few or on screen, the others
        in idle batches."""
        doc = self.document()
        touched: set[int] = set()
        to_qt = self.positions.to_qt
        reached = -1  # Qt position: the blocks before it are in ``touched`` (keys in order)
        for start, end, _ in sorted(keys):
            stop = to_qt(end)
            if stop <= reached:
                continue  # within blocks already taken (accept all: most keys)
            block = doc.findBlock(max(to_qt(start), reached))
            while block.isValid():
                touched.add(block.blockNumber())
                reached = block.position() + block.length()
                block = block.next()
                if block.position() >= stop:
                    break
        if len(touched) <= BULK:
            for number in sorted(touched):
                self.highlighter.activate(doc.findBlockByNumber(number))
            return
        visible = self._visible_numbers()
        for number in sorted(touched, reverse=True):
            if number in visible:
                self.highlighter.activate(doc.findBlockByNumber(number))
            else:
                self.highlighter.active.discard(number)
                self._stale.append(number)  # popped from the end: top of the text first
        if self._stale and not self._idle.isActive():
            self._idle.start()

    # -- spans by position -----------------------------------------------------------------
    def _range(self, block: QTextBlock) -> tuple[int, int]:
        """Code points of ``block``'s text (without its line break)."""
        number = block.blockNumber()
        found = self._ranges.get(number)
        if found is None:
            position = block.position()
            found = (self.positions.from_qt(position),
                     self.positions.from_qt(position + block.length() - 1))
            self._ranges[number] = found
        return found

    def _overlapping(self, start: int, end: int) -> list[SpanKey]:
        return _overlapping(self._keys, start, end, self._longest)

    def has_spans(self, block: QTextBlock) -> bool:
        start, end = self._range(block)
        return bool(self._overlapping(start, end)) if self._keys else False

    def drawn_in(self, block: QTextBlock) -> list[DrawnSpan]:
        """The spans overlapping ``block``, in Qt positions from its start, cut to its text."""
        if self._style is None:
            return []
        start, end = self._range(block)
        base = block.position()
        length = block.length() - 1
        to_qt = self.positions.to_qt
        drawn = []
        for span_start, span_end, span_id in self._overlapping(start, end):
            colour, kind, pending = self._style(span_id)
            drawn.append(DrawnSpan(span_id, min(max(to_qt(span_start) - base, 0), length),
                                   min(max(to_qt(span_end) - base, 0), length),
                                   colour, kind, pending, span_end - span_start))
        return drawn

    def span_at(self, position: int) -> int | None:
        """The shortest span covering Qt ``position``."""
        index = self.positions.from_qt(position)
        if self._known is not None and not self._known[0] <= index < self._known[1] \
                and self._need_all is not None:
            self._need_all()
        best: SpanKey | None = None
        for key in self._overlapping(index, index + 1):
            if best is None or key[1] - key[0] < best[1] - best[0]:
                best = key
        return best[2] if best else None

    def blocks_with_spans(self) -> list[int]:
        """Numbers of the blocks holding at least one span (walks every block: for tests)."""
        block = self.document().begin()
        found = []
        while block.isValid():
            if self.has_spans(block):
                found.append(block.blockNumber())
            block = block.next()
        return found

    # -- activation: what is formatted when --------------------------------------------------
    def _covers(self, block: QTextBlock) -> bool:
        if self._known is None:
            return True
        start, end = self._range(block)
        return self._known[0] <= start and end <= self._known[1]

    def _visible_blocks(self) -> list[QTextBlock]:
        """Blocks on screen, from the first visible one (lays them out, as painting will)."""
        blocks = []
        block = self.firstVisibleBlock()
        top = self.contentOffset().y()
        bottom = self.viewport().height()
        while block.isValid() and top <= bottom:
            blocks.append(block)
            top += self.blockBoundingRect(block).height()
            block = block.next()
        return blocks

    def _visible_numbers(self) -> set[int]:
        return {block.blockNumber() for block in self._visible_blocks()}

    def activate_visible(self) -> None:
        """Format the blocks on screen that are not yet, each before it is laid out."""
        if self._style is None:
            return
        active = self.highlighter.active
        block = self.firstVisibleBlock()
        top = self.contentOffset().y()
        bottom = self.viewport().height()
        while block.isValid() and top <= bottom:
            if block.blockNumber() not in active:
                if not self._covers(block):
                    if self._need_all is not None:
                        self._need_all()  # gives all spans, and activates what is on screen
                    return
                self.highlighter.activate(block)
            top += self.blockBoundingRect(block).height()
            block = block.next()

    def _start_idle(self) -> None:
        first = self.firstVisibleBlock()
        self._below, self._above = first, first.previous()
        self._idle.start()

    def _format_some(self) -> None:
        """One idle batch: blocks formatted again after a large change first, then the walk
        away from the viewport (alternately down and up) to every block holding spans."""
        deadline = perf_counter() + IDLE_SLICE_S
        highlighter = self.highlighter
        doc = self.document()
        while self._stale:
            highlighter.activate(doc.findBlockByNumber(self._stale.pop()))
            if perf_counter() > deadline:
                return
        while self._below.isValid() or self._above.isValid():
            for block in (self._below, self._above):
                if block.isValid() and block.blockNumber() not in highlighter.active:
                    highlighter.activate(block)
            if self._below.isValid():
                self._below = self._below.next()
            if self._above.isValid():
                self._above = self._above.previous()
            if perf_counter() > deadline:
                return
        self._idle.stop()

    def highlight_everything(self) -> None:
        """Run the idle batches to the end now (tests and benchmarks)."""
        while self._idle.isActive():
            self._format_some()

    @property
    def idle_work_left(self) -> bool:
        return self._idle.isActive()

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().resizeEvent(event)
        self.activate_visible()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.activate_visible()

    def paintEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().paintEvent(event)
        self.painted.emit()

    # -- where the screen is ------------------------------------------------------------
    def reveal(self, index: int) -> None:
        """Scroll as selecting a span starting at code point ``index`` would. Its block is
        formatted first, so it is laid out once (scrolling lays it out)."""
        position = self.positions.to_qt(index)
        block = self.document().findBlock(position)
        if self._style is not None and block.blockNumber() not in self.highlighter.active \
                and self._covers(block):
            self.highlighter.activate(block)
        caret = QTextCursor(self.document())
        caret.setPosition(position)
        self.setTextCursor(caret)
        self.ensureCursorVisible()

    def on_screen_after_reveal(self) -> Callable[[int], tuple[int, int]]:
        """For a text about to be shown: given the code point a span to select starts at,
        the code points that can be on screen once :meth:`reveal` has scrolled to it.

        A new text is shown from its top, and revealing either leaves it there (the screen
        shows at most ``reach`` code points from 0) or scrolls until the span's line is the
        last on screen (at most ``reach`` before it and a line after). ``reach`` counts
        whole lines of characters three quarters as wide as the font's average: a bound for
        prose, and if a screen holds more, the view asks for all spans before showing it."""
        metrics = QFontMetricsF(self.font())
        width = max(metrics.averageCharWidth() * 0.75, 1.0)
        per_line = int(self.viewport().width() / width) + 1
        lines = int(self.viewport().height() / max(metrics.lineSpacing(), 1.0)) + 2
        reach = lines * per_line
        return lambda start: (max(0, start - reach), max(start, reach) + per_line)

    # -- selection ---------------------------------------------------------------------
    def select_span(self, span_id: int | None, *, scroll: bool = True) -> None:
        key = self._by_id.get(span_id) if span_id is not None else None
        self._selected = span_id if key is not None else None
        shown = (key[0], key[1]) if key is not None else None
        if shown == self._shown and not scroll:
            return
        if key is None:
            self._shown = None
            self.setExtraSelections([])
            return
        start, end = self.positions.to_qt(key[0]), self.positions.to_qt(key[1])
        if shown != self._shown:
            self._show_selection(start, end)
            self._shown = shown
        if scroll:
            caret = QTextCursor(self.document())
            caret.setPosition(start)
            self.setTextCursor(caret)
            self.ensureCursorVisible()

    def _show_selection(self, start: int, end: int) -> None:
        """The selected span, unmistakable: one extra selection over Qt positions."""
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor
        fmt = QTextCharFormat()
        fmt.setBackground(SELECTED_BACKGROUND)
        fmt.setForeground(SELECTED_FOREGROUND)
        fmt.setProperty(QTextFormat.Property.FullWidthSelection, False)
        selection.format = fmt
        self.setExtraSelections([selection])

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

    def mouseReleaseEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().mouseReleaseEvent(event)
        cursor = self.textCursor()
        if not cursor.hasSelection():
            found = self.span_at(cursor.position())
            if found is not None:
                self.span_clicked.emit(found)


def _overlapping(keys: list[SpanKey], start: int, end: int, longest: int) -> list[SpanKey]:
    """Keys of spans overlapping code points [start, end), in text order: only spans starting
    at most ``longest`` before ``start`` can reach into it."""
    low = bisect_left(keys, (start - longest,))
    high = bisect_left(keys, (end,))
    return [key for key in keys[low:high] if key[1] > start]
