"""Each paragraph of a document to the rules of its language.

A document's language is stored with it (guessed on import or chosen); a paragraph long
enough to tell (:data:`MIN_LETTERS`) is guessed again, so that a French press release
quoting a Russian statement gets the French rules for the one and the Russian for the other.
Shorter paragraphs (headings, datelines) go with the paragraph before them. A document whose
paragraphs all agree is one piece, suggested as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ...core.language import guess_languages
from ..base import SuggesterInput, SuggestionRow
from . import ENGLISH, language_code, rules_for

# Characters but spaces (a Chinese character counts three) a paragraph needs for a guess of
# its own.
MIN_LETTERS = 80
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")

Segment = tuple[int, int, str]  # start, end, the rules' language (see ``rules_for``)


def _weight(text: str, start: int, end: int) -> int:
    """About the letters of ``text[start:end]`` (its length without spaces; a Chinese
    character three): cheap, as every line of every document is weighed."""
    weight = end - start - text.count(" ", start, end)
    if _CJK.search(text, start, end):
        weight += 2 * len(_CJK.findall(text, start, end))
    return weight


# The pieces of recent documents: the entity and the claim suggesters ask for the same ones.
_RECENT: dict[tuple[int, int, str | None], list[Segment]] = {}
_RECENT_MAX = 2048


def segments(text: str, language: str | None) -> list[Segment]:
    """``text`` cut into pieces of one language each: ``(start, end, rules)`` covering it
    all, in order."""
    key = (hash(text), len(text), language)
    found = _RECENT.get(key)
    if found is None:
        found = _segments(text, language)
        if len(_RECENT) >= _RECENT_MAX:
            _RECENT.clear()
        _RECENT[key] = found
    return list(found)


def _segments(text: str, language: str | None) -> list[Segment]:
    document = rules_for(language)
    lines: list[tuple[int, int]] = []
    position = 0
    for line in text.splitlines(keepends=True):
        lines.append((position, position + len(line)))
        position += len(line)
    long = [(s, e) for s, e in lines if _weight(text, s, e) >= MIN_LETTERS]
    if len(long) < 2:
        return [(0, len(text), document)]
    guesses = guess_languages([text[s:e] for s, e in long], default=language_code(language))
    language_of = {start: rules_for(guess) for (start, _), guess in zip(long, guesses)}
    if all(rules == document for rules in language_of.values()):
        return [(0, len(text), document)]
    out: list[list[Any]] = []
    for start, end in lines:
        rules = language_of.get(start)
        if rules is None:  # a short line: with the paragraph before it
            rules = out[-1][2] if out else None
        if out and (rules is None or out[-1][2] == rules):
            out[-1][1] = end
        else:
            out.append([start, end, rules])
    first = next((piece[2] for piece in out if piece[2] is not None), document)
    return [(start, end, rules or first) for start, end, rules in out]


def suggest_by_language(
    items: Sequence[SuggesterInput],
    english: Callable[[list[SuggesterInput]], list[list[SuggestionRow]]],
    other: Callable[[str, str], list[SuggestionRow]],
) -> list[tuple[Any, list[SuggestionRow]]]:
    """Suggestion rows of ``items`` in input order: their English pieces through
    ``english`` (all at once, so it can batch them), the others through
    ``other(text, rules)``; offsets shifted back into each whole text."""
    results: list[list[SuggestionRow]] = [[] for _ in items]
    english_inputs: list[SuggesterInput] = []
    english_where: list[tuple[int, int]] = []
    for index, item in enumerate(items):
        pieces = segments(item.text, item.language)
        for start, end, rules in pieces:
            piece = item.text if len(pieces) == 1 else item.text[start:end]
            if rules == ENGLISH:
                language = item.language if len(pieces) == 1 else ENGLISH
                english_inputs.append(SuggesterInput(index, piece, language))
                english_where.append((index, start))
            else:
                results[index].extend(_shift(other(piece, rules), start))
    if english_inputs:
        for (index, start), rows in zip(english_where, english(english_inputs), strict=True):
            results[index].extend(_shift(rows, start))
    for rows in results:
        rows.sort(key=lambda row: (row[0], row[1]))
    return [(item.key, rows) for item, rows in zip(items, results)]


def _shift(rows: list[SuggestionRow], offset: int) -> list[SuggestionRow]:
    if not offset:
        return rows
    return [(start + offset, end + offset, *rest) for start, end, *rest in rows]
