"""Mentions: where a surface text (or a pattern) occurs in a document as whole tokens.

A mention is a match that is not part of a longer word: the character right before it and
the character right after it are not letters, digits, underscores or combining marks, nor a
hyphen or an apostrophe joining it to one (so "Lima" is found in "Lima," "(Lima)" and the
possessive "Lima's", but not in "Limassol", "Lima\u0301", "Lima-based" or "d'Lima"). Offsets are
code points of the exact text, whatever it holds (emoji, CRLF, marks).

In a surface text, a run of white space matches any run of white space ("Tarin Bole" is found
where a line break or two spaces stand between the words); the offsets are of the text as it
is. A surface text matches case-sensitively by default: in names the case carries meaning ("May"
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
    flags = re.IGNORECASE if ignore_case else 0
    # A plain text is searched for as it is, each run of white space in it matching any run
    # (a name broken over two lines is still the name); the boundaries are checked after, by
    # mentions(). An expression gets them inside, so that of its alternatives the one ending
    # on a boundary is taken ("Bole|Boleyn" finds "Boleyn").
    body = (rf"(?<!\w)(?:{text})(?!\w)" if regex
            else r"\s+".join(re.escape(word) for word in text.split()))
    try:
        return re.compile(body, flags)
    except re.error as error:
        raise PatternError(f"not a valid regular expression: {error} in {text!r}") from None


HYPHENS = "-\u2010\u2011"
APOSTROPHES = "'\u2019"
_WORD = re.compile(r"\w")


def _mark(character: str) -> bool:
    return unicodedata.category(character)[0] == "M"


def _word(text: str, index: int) -> bool:
    """Whether ``text[index]`` is part of a word (a letter, digit, underscore or mark)."""
    if not 0 <= index < len(text):
        return False
    return _WORD.match(text[index]) is not None or _mark(text[index])


def _joined(text: str, start: int, end: int) -> bool:
    """Whether the match is joined to a word next to it: a hyphen or apostrophe between
    (Bole-Smith, d'Ivoire, O'Neill), a mark on either side. A possessive "'s" after it is
    not a longer word: "Bole's" holds the name."""
    if _word(text, start - 1) or _word(text, end) or _mark(text[start]):
        return True
    before, after = text[start - 1:start], text[end:end + 1]
    if before and before in HYPHENS + APOSTROPHES and _word(text, start - 2):
        return True
    if after and after in HYPHENS and _word(text, end + 1):
        return True
    if after and after in APOSTROPHES and _word(text, end + 1):
        return not (text[end + 1] in "sS" and not _word(text, end + 2))
    return False


def mentions(pattern: re.Pattern, text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each whole-token match of ``pattern`` (from :func:`compile_mention`)
    in ``text``, in text order; empty matches and matches joined to a word next to them
    (see :func:`_joined`) are left out."""
    for match in pattern.finditer(text):
        start, end = match.span()
        if start == end or _joined(text, start, end):
            continue
        yield start, end
