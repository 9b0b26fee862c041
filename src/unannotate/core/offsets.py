"""Offsets: code points of the stored text, and the positions a Qt text document uses.

The stored text is indexed by Python code points. Qt counts UTF-16 code units (an emoji
outside the Basic Multilingual Plane is two) and a QTextDocument turns a CRLF pair into one
block separator. ``QtPositions`` is the one place that converts between the two; the window
uses nothing else.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

# A character outside the Basic Multilingual Plane: one code point, two UTF-16 units.
ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_CRLF = re.compile("\r\n")
_BLOCK_BREAK = re.compile("\r\n|[\r\n\u2029]")


SCAN_CHUNK = 16_384  # code points searched for astral characters at a time


class QtPositions:
    """Convert code-point offsets of ``text`` to and from QTextDocument positions.

    Astral characters are found as far into the text as a conversion needs (a chunk at a
    time): a long text opened at its top costs a screenful, not a search of every character,
    before it is shown."""

    def __init__(self, text: str, *, chunk: int = SCAN_CHUNK) -> None:
        self.text = text
        self._chunk = max(chunk, 1)
        # Sorted code-point indices of astral characters (+1 position each after them), as
        # far as ``_scanned``, and of the "\n" of each CRLF pair (-1 position each after them).
        self._astral: list[int] = []
        self._scanned = len(text) if text.isascii() else 0
        self._crlf = [m.start() + 1 for m in _CRLF.finditer(text)]

    def _scan_to(self, index: int) -> None:
        end = min(len(self.text), max(index, self._scanned + self._chunk))
        self._astral.extend(m.start() for m in ASTRAL.finditer(self.text, self._scanned, end))
        self._scanned = end

    def block_starts(self) -> list[int]:
        """Qt positions where each block (paragraph) of the QTextDocument starts: Qt ends a
        block at LF, CR, CRLF (once) and U+2029."""
        return [0, *(self.to_qt(m.end()) for m in _BLOCK_BREAK.finditer(self.text))]

    def display_text(self) -> str:
        """The text to give Qt: exactly the stored text (Qt itself folds CRLF)."""
        return self.text

    def to_qt(self, index: int) -> int:
        """QTextDocument position of code-point ``index`` (0 <= index <= len(text))."""
        if index > self._scanned:
            self._scan_to(index)
        return index + bisect_left(self._astral, index) - bisect_left(self._crlf, index)

    def from_qt(self, position: int) -> int:
        """The code-point index at QTextDocument ``position`` (inverse of :meth:`to_qt`;
        a position inside a surrogate pair goes to the start of its character)."""
        # A CRLF pair is one position: the index is at most ``position`` plus their number.
        lo, hi = 0, min(len(self.text), max(position, 0) + len(self._crlf))
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.to_qt(mid) <= position:
                lo = mid
            else:
                hi = mid - 1
        return lo


# Word characters with inner joiners, or one other non-space character: the tokens a
# selection snaps to, and the tokens of the token-based formats (formats/interchange.py).
TOKEN = re.compile(r"\w+(?:[-'’.,]\w+)*|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Tokens:
    """Token boundaries of a text, for snapping a selection to whole words."""

    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, text: str) -> Tokens:
        spans = [match.span() for match in TOKEN.finditer(text)]
        return cls([start for start, _ in spans], [end for _, end in spans])

    def snap(self, start: int, end: int) -> tuple[int, int]:
        """Widen ``[start, end)`` to whole tokens and trim surrounding white space."""
        i = bisect_right(self.ends, start)  # first token ending after start
        j = bisect_left(self.starts, end) - 1  # last token starting before end
        if i > j or i >= len(self.starts):
            return start, end
        return min(start, self.starts[i]) if self.starts[i] <= start else self.starts[i], \
            max(end, self.ends[j]) if self.ends[j] >= end else self.ends[j]

    def next_boundary(self, index: int, *, forward: bool, starts: bool) -> int:
        """The nearest token start (or end) strictly after (or before) ``index``."""
        edges = self.starts if starts else self.ends
        if forward:
            k = bisect_right(edges, index)
            return edges[k] if k < len(edges) else index
        k = bisect_left(edges, index) - 1
        return edges[k] if k >= 0 else index


# The gap between two sentences: white space after an end mark (and closing quotes), a
# blank line, or a line break before a list item or heading.
_SENTENCE_GAP = re.compile(
    r"(?<=[.!?…][\"'”’»)\]])\s+|(?<=[.!?…])\s+|\r?\n[ \t]*\r?\n\s*|\r?\n(?=[ \t]*[-*•#])"
)


def sentence_at(text: str, index: int) -> tuple[int, int]:
    """The sentence (or line of a list) around ``index``, without surrounding white space."""
    start = 0
    end = len(text)
    for match in _SENTENCE_GAP.finditer(text):
        if match.end() <= index:
            start = match.end()
        elif match.start() >= index:
            end = match.start()
            break
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# The same gaps, found faster over a whole text: each one starts with white space, and the
# look-ahead turns every other position down at once.
_SENTENCE_GAP_AHEAD = re.compile(rf"(?=\s)(?:{_SENTENCE_GAP.pattern})")


def sentences(text: str) -> list[tuple[int, int]]:
    """Every sentence (or line of a list) of ``text`` in order, cut where :func:`sentence_at`
    cuts, each without surrounding white space: every character that is not white space
    belongs to exactly one of them."""
    found: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_GAP_AHEAD.finditer(text):
        _add_trimmed(found, text, start, match.start())
        start = match.end()
    _add_trimmed(found, text, start, len(text))
    return found


def _add_trimmed(found: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        found.append((start, end))
