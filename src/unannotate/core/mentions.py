"""Mentions: where a surface text (or a pattern) occurs in a document as whole tokens.

A mention is a match that is not part of a longer word: the character right before it and
the character right after it are not letters, digits, underscores or combining marks (so
"Lima" is found in "Lima," and "Lima's" but not in "Limassol" or "Lima\u0301"). Offsets are
code points of the exact text, whatever it holds (emoji, CRLF, marks).

A surface text matches case-sensitively by default: in names the case carries meaning ("May"
the month or the name, "may" the verb; "Lima" the city, "lima" the fruit). ``ignore_case``
asks for the other, as a pattern may.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from .errors import UnannotateError


class PatternError(UnannotateError, ValueError):
    """A surface text or pattern that cannot be searched for (empty, an invalid expression)."""


def compile_mention(text: str, *, regex: bool = False, ignore_case: bool = False) -> re.Pattern:
    """The expression finding ``text`` (a surface text, or with ``regex`` a regular
    expression) as whole tokens; :class:`PatternError` for an empty text or a bad expression."""
    if not text or not text.strip():
        raise PatternError("nothing to look for: the text is empty")
    body = text if regex else re.escape(text)
    flags = re.IGNORECASE if ignore_case else 0
    try:
        return re.compile(rf"(?<!\w)(?:{body})(?!\w)", flags)
    except re.error as error:
        raise PatternError(f"not a valid regular expression: {error} in {text!r}") from None


def _mark(character: str) -> bool:
    return unicodedata.category(character)[0] == "M"


def mentions(pattern: re.Pattern, text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each whole-token match of ``pattern`` (from :func:`compile_mention`)
    in ``text``, in text order; empty matches and matches next to a combining mark (inside a
    longer written word) are left out."""
    length = len(text)
    for match in pattern.finditer(text):
        start, end = match.span()
        if start == end or _mark(text[start]) or (start and _mark(text[start - 1])) \
                or (end < length and _mark(text[end])):
            continue
        yield start, end
