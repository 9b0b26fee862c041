"""Claim suggestions for the languages of this package and the language-neutral ones.

A document is cut into sentences on its script's punctuation (". ! ?" and "…" followed by a
space, Chinese "。！？" without one, Arabic "؟" too), never after an abbreviation of the
language or an initial, and at line breaks; a long Arabic sentence is further cut at "،"
where both sides are long. Each sentence is scored from what it holds: figures, amounts and
percentages, dates and names (the entity suggestions of the same language), and the
language's cue words (a reported statement, a commitment, an event); questions, opinion
words and short headings count against. Without cue words (a language without rules) the
figures, dates and punctuation decide.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from ..base import SuggestionRow
from . import NEUTRAL
from .data import language_data
from .entities import entity_rows
from .patterns import ARABIC_LETTER, words_regex

LABEL = "CLAIM"
THRESHOLD = 0.5

# Weights of the score (a logistic function of their sum): a figure with a date, or a
# reported statement about a named body with a date, is a claim; a quoted opinion is not.
BIAS = -2.0
WEIGHTS = {
    "figure": 2.0, "date": 1.0, "names": 1.0, "reporting": 1.5, "commitment": 1.5,
    "event": 0.75, "question": -4.0, "opinion": -1.5, "short": -2.5,
}
MIN_WORDS = 4
MIN_CJK_CHARACTERS = 8
ARABIC_CLAUSE_WORDS = 6  # each side of a "،" that cuts a sentence

_ENDS = {
    "cjk": re.compile(r"[。！？!?]+[”’」』）)\"]*|[.]+[”’\"]*(?=\s)"),
    "other": re.compile(r"(?:[.!?؟…]+)[\"”’»)]*(?=\s)|[؟!?]+[\"”’»)]*"),
}


# What may begin a sentence besides a capital or a digit.
_OPENERS = frozenset("\"'«“‘(¿¡—–-[")


@dataclass(frozen=True)
class _Cues:
    regexes: dict[str, re.Pattern[str]]
    abbreviations: frozenset[str]


@cache
def _cues(language: str) -> _Cues:
    if language == NEUTRAL:
        return _Cues({}, frozenset())
    data = language_data(language)
    regexes: dict[str, re.Pattern[str]] = {}
    for category, words in data.cues.items():
        body = words_regex(words, prefix=data.script in ("latin", "cyrillic"))
        if data.script == "arabic":
            pattern = f"(?<![{ARABIC_LETTER}])[وف]?{body}(?![{ARABIC_LETTER}])"
        elif data.script == "cjk":
            pattern = body
        else:
            pattern = rf"(?<![\w]){body}"
        regexes[category] = re.compile(pattern, re.IGNORECASE)
    return _Cues(regexes, frozenset(a.lower() for a in data.abbreviations))


def _script(language: str) -> str:
    return NEUTRAL if language == NEUTRAL else language_data(language).script


def sentences(text: str, language: str) -> list[tuple[int, int]]:
    """The sentences (and long Arabic clauses) of ``text`` as ``[start, end)``, trimmed of
    surrounding spaces."""
    script = _script(language)
    ends = _ENDS["cjk" if script == "cjk" else "other"]
    abbreviations = _cues(language).abbreviations
    out: list[tuple[int, int]] = []
    line_start = 0
    for line in text.splitlines(keepends=True):
        line_end = line_start + len(line)
        start = line_start
        for match in ends.finditer(text, line_start, line_end):
            if match.group().startswith(".") and _abbreviation(text, match.start(),
                                                                abbreviations):
                continue
            following = text[match.end():match.end() + 3].lstrip()[:1]
            if script in ("latin", "cyrillic", NEUTRAL) and following and not (
                    following.isupper() or following.isdigit() or following in _OPENERS):
                continue  # "3,5 Mio. €", "etc. and": no sentence starts there
            out.append((start, match.end()))
            start = match.end()
        out.append((start, line_end))
        line_start = line_end
    trimmed = [_trim(text, s, e) for s, e in out]
    pieces = [p for p in trimmed if p[0] < p[1]]
    if script == "arabic":
        pieces = [clause for piece in pieces for clause in _arabic_clauses(text, *piece)]
    return pieces


def _abbreviation(text: str, dot: int, abbreviations: frozenset[str]) -> bool:
    """Whether the "." at ``dot`` ends an abbreviation or an initial ("M.", "г.", "А.")."""
    word = re.search(r"[\w.]+$", text[max(0, dot - 12):dot])
    if not word:
        return False
    value = word.group().lower()
    return value in abbreviations or (len(value) == 1 and value.isalpha())


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _arabic_clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A long Arabic sentence cut at "،" where each side has
    :data:`ARABIC_CLAUSE_WORDS` words or more."""
    out: list[tuple[int, int]] = []
    begin = start
    for match in re.finditer("،", text[start:end]):
        cut = start + match.end()
        if (len(text[begin:cut].split()) >= ARABIC_CLAUSE_WORDS
                and len(text[cut:end].split()) >= ARABIC_CLAUSE_WORDS):
            out.append(_trim(text, begin, cut))
            begin = cut
    out.append(_trim(text, begin, end))
    return [p for p in out if p[0] < p[1]]


def claim_rows(text: str, language: str, *, threshold: float = THRESHOLD,
               entities: list[SuggestionRow] | None = None) -> list[SuggestionRow]:
    """The claim suggestions of ``text`` in ``language`` (a rule language or
    :data:`NEUTRAL`) scoring ``threshold`` or more."""
    if entities is None:
        entities = entity_rows(text, language)
    cues = _cues(language)
    script = _script(language)
    out: list[SuggestionRow] = []
    for start, end in sentences(text, language):
        inside = [row for row in entities if row[0] >= start and row[1] <= end]
        labels = {row[2] for row in inside}
        piece = text[start:end]
        features: dict[str, float] = {
            "figure": float(bool(labels & {"CARDINAL", "MONEY", "PERCENT"})),
            "date": float("DATE" in labels),
            "names": min(2, sum(1 for row in inside if row[2] in ("PERSON", "ORG", "GPE")))
            / 2,
            "question": float(piece.rstrip("\"”’»)」 ").endswith(("?", "؟", "？", "¿"))),
        }
        short = (len(piece) < MIN_CJK_CHARACTERS if script == "cjk"
                 else len(piece.split()) < MIN_WORDS)
        features["short"] = float(short)
        found: dict[str, str] = {}
        for category, regex in cues.regexes.items():
            match = regex.search(piece)
            features[category] = float(match is not None)
            if match:
                found[category] = match.group()
        total = BIAS + sum(WEIGHTS.get(name, 0.0) * value for name, value in features.items())
        score = 1 / (1 + math.exp(-total))
        if score >= threshold:
            out.append((start, end, LABEL, round(score, 3), _reason(features, found, labels)))
    return out


def _reason(features: dict[str, float], found: dict[str, str], labels: set[str]) -> str:
    """The strongest features in plain words ("a figure and a date; a commitment
    (s'est engagé)")."""
    parts: list[str] = []
    if "MONEY" in labels:
        figure = "an amount of money"
    elif "PERCENT" in labels:
        figure = "a percentage"
    elif features["figure"]:
        figure = "a figure"
    else:
        figure = ""
    if figure and features["date"]:
        parts.append(f"{figure} and a date")
    elif figure:
        parts.append(figure)
    elif features["date"]:
        parts.append("a date")
    for category, words in (("reporting", "a reported statement"),
                            ("commitment", "a commitment"), ("event", "an event that happened")):
        if category in found:
            parts.append(f"{words} ({found[category].strip()})")
    if features["names"]:
        parts.append("names a person, organisation or place")
    return "; ".join(parts) or "rule: claim"
