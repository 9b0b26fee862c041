"""The units a claim is looked for in: sentences, split at line breaks and, in English,
into clauses; and the plain-list view of a ``Doc``'s tokens they are read from."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from functools import cache

from spacy.attrs import ENT_IOB, ENT_TYPE, IDX, IS_SPACE, LENGTH, LIKE_NUM, SENT_START, SPACY
from spacy.tokens import Doc, Span

from .claim_cues import _CAPITALISED_CATEGORIES, _VERB_CATEGORIES, _config, _Cues, _cues

_TERMINAL = frozenset(".!?…。！？;:")
_OPENERS = frozenset({"«", "“", "„", "(", "[", "‘", "¿", "¡"})
_CLOSERS = frozenset({")", "]", "’", "'", "*", "_"})
_YEAR = re.compile(r"^(?:1[5-9]\d\d|20\d\d)(?:s|[-–/](?:\d\d|\d{4}))?$")
_NUMERIC_DATE = re.compile(r"^\d{4}-\d\d-\d\d$|^\d{1,2}[./]\d{1,2}[./]\d{2,4}$")
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th|er|re|e|ème|eme|º|ª)$", re.IGNORECASE)
_LIST_MARKER = re.compile(r"^(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]$")
_DECORATION_CATEGORIES = frozenset({"So", "Sk", "Cf", "Mn", "Me", "Cs"})

_VIEW_ATTRS = [IDX, LENGTH, ENT_TYPE, ENT_IOB, IS_SPACE, LIKE_NUM, SPACY, SENT_START]
_IOB = ("", "I", "O", "B")

# --------------------------------------------------------------------------- token view


class _View:
    """The token attributes used, read once per ``Doc`` into plain lists."""

    __slots__ = (
        "doc",
        "ent",
        "idx",
        "iob",
        "lower",
        "num",
        "sent_start",
        "space",
        "text",
        "words",
        "ws",
    )

    def __init__(self, doc: Doc, text: str | None = None) -> None:
        self.doc = doc
        # doc.text joins the tokens again: take the text the doc was made from when known
        text = self.text = doc.text if text is None else text
        if len(doc):
            columns = doc.to_array(_VIEW_ATTRS).T.tolist()
        else:
            columns = [[] for _ in _VIEW_ATTRS]
        idx, lengths, labels, iob, space, num, ws, sent_start = columns
        words = [text[a:a + n] for a, n in zip(idx, lengths)]
        lower = [w.lower() for w in words]
        if "’" in text:
            lower = [w.replace("’", "'") for w in lower]
        strings = doc.vocab.strings
        names = {h: (strings[h] if h else "") for h in set(labels)}
        self.words, self.lower, self.idx = words, lower, idx
        self.ent = [names[h] for h in labels]
        self.iob = [_IOB[v] for v in iob]
        self.space, self.num, self.ws, self.sent_start = space, num, ws, sent_start

    def char_span(self, start: int, end: int) -> tuple[int, int]:
        return self.idx[start], self.idx[end - 1] + len(self.words[end - 1])


_recent = threading.local()  # the view of the doc last looked at, per thread


def _view_of(doc: Doc, text: str | None = None) -> _View:
    view = getattr(_recent, "view", None)
    if view is None or view.doc is not doc:
        view = _recent.view = _View(doc, text)
    return view


# --------------------------------------------------------------------------- units


def _sentences(view: _View) -> Iterator[tuple[int, int]]:
    doc = view.doc
    if not len(doc):
        return
    if not doc.has_annotation("SENT_START"):
        for sent in doc.sents:  # raises spaCy's own error naming the missing component
            yield sent.start, sent.end
        return
    start = 0
    words, ws = view.words, view.ws
    for i, value in enumerate(view.sent_start):
        if value == 1 and i > start:
            # the sentencizer leaves an opening quote or bracket at the end of the
            # sentence before: give it to the sentence it opens
            cut = i
            while cut - 1 > start and (
                    words[cut - 1] in _OPENERS
                    or (words[cut - 1] == '"' and not ws[cut - 1] and ws[cut - 2])):
                cut -= 1
            yield start, cut
            start = cut
    yield start, len(doc)


@cache
def _is_decoration(word: str) -> bool:
    """Emoji, pictographs and other symbols that carry no words (📢, ✅, 🇺🇳)."""
    return all(unicodedata.category(c) in _DECORATION_CATEGORIES for c in word)


def _trim(view: _View, start: int, end: int) -> tuple[int, int]:
    """Drop whitespace, emoji and symbols around a unit, and a leading bullet or list
    number ("-", "•", "1.", "a)") followed by a space."""
    words, space = view.words, view.space
    while start < end and (space[start] or _is_decoration(words[start])):
        start += 1
    while end > start and (space[end - 1] or _is_decoration(words[end - 1])):
        end -= 1
    if end - start > 1 and view.ws[start] and (
            words[start] in _config().bullets or _LIST_MARKER.match(words[start])):
        start += 1
        while start < end and (space[start] or _is_decoration(words[start])):
            start += 1
    return start, end


def _line_units(view: _View, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Split a sentence at blank lines, and at line breaks unless the next line goes on
    in lower case (a wrapped line)."""
    piece = start
    for i in range(start, end):
        if not view.space[i]:
            continue
        w = view.words[i]
        breaks = w.count("\n") + w.count("\r") - w.count("\r\n")
        if breaks == 0:
            continue
        if breaks == 1 and i + 1 < end and view.words[i + 1][:1].islower():
            continue
        if i > piece:
            yield piece, i
        piece = i + 1
    if end > piece:
        yield piece, end


def _has_verb(view: _View, cues: _Cues, start: int, end: int) -> bool:
    for i in range(start, end):
        for rest, category in cues.index.get(view.lower[i], ()):
            if category in _VERB_CATEGORIES and _matches(view, cues, i, end, rest,
                                                         category, start):
                return True
        if _is_participle(view, cues, i):
            return True
    return False


def _clause_ok(view: _View, cues: _Cues, start: int, end: int) -> bool:
    words = sum(1 for i in range(start, end) if view.words[i][:1].isalnum())
    return words >= 4 and _has_verb(view, cues, start, end)


def _clause_cuts(view: _View, cues: _Cues, start: int, end: int) -> list[int]:
    """Token positions where a sentence splits into independent clauses (English only)."""
    if not cues.clause_joiners:
        return []
    candidates = [
        i + 1 for i in range(start + 1, end - 2)
        if view.words[i] == ";"
        or (view.words[i] == "," and view.lower[i + 1] in cues.clause_joiners)
    ]
    kept: list[int] = []
    left = start
    for k, cut in enumerate(candidates):
        right = candidates[k + 1] if k + 1 < len(candidates) else end
        if _clause_ok(view, cues, left, cut) and _clause_ok(view, cues, cut, right):
            kept.append(cut)
            left = cut
    return kept


def _units(view: _View, cues: _Cues) -> list[tuple[tuple[int, int], list[tuple[int, int]]]]:
    units = []
    for s_start, s_end in _sentences(view):
        for a, b in _line_units(view, s_start, s_end):
            a, b = _trim(view, a, b)
            if a >= b:
                continue
            clauses = []
            cuts = _clause_cuts(view, cues, a, b)
            if cuts:
                bounds = [a, *cuts, b]
                for k in range(len(bounds) - 1):
                    ca, cb = _trim(view, bounds[k], bounds[k + 1])
                    while cb > ca and view.words[cb - 1] in (",", ";"):
                        cb -= 1
                    ca, cb = _trim(view, ca, cb)
                    if ca < cb:
                        clauses.append((ca, cb))
            units.append(((a, b), clauses))
    return units


def claim_units(doc: Doc) -> list[tuple[Span, list[Span]]]:
    """The units a claim is looked for in: each sentence (split at blank lines and new
    lines, trimmed) with its clauses (an empty list when it is not split)."""
    view = _view_of(doc)
    return [(doc[a:b], [doc[ca:cb] for ca, cb in clauses])
            for (a, b), clauses in _units(view, _cues(doc.lang_))]


# --------------------------------------------------------------------------- cues in a unit


def _matches(
    view: _View, cues: _Cues, i: int, end: int, rest: tuple[str, ...], category: str,
    first: int,
) -> bool:
    """Whether the cue starting with token ``i`` matches there."""
    if rest:
        n = len(rest)
        if i + 1 + n > end or tuple(view.lower[i + 1:i + 1 + n]) != rest:
            return False
    else:
        word = view.words[i]
        if category in _CAPITALISED_CATEGORIES:
            if not word[:1].isupper():
                return False
        elif word[:1].isupper() and i > first and word != "I":
            return False  # "May" the month, "Will" a name: not a hedge or a commitment
    if i > first:
        before = view.lower[i - 1]
        blocked = cues.not_after.get(view.lower[i])
        if blocked and before in blocked:
            return False
        if category == "event" and before in cues.present_auxiliaries:
            return False
    return True


def _is_participle(view: _View, cues: _Cues, i: int) -> bool:
    """A lower-case word ending in -ed that reads as a completed action: not a known
    adjective, and not after a present-tense "is" / "are" / "be"."""
    w = view.words[i]
    if not cues.has_words or len(w) < 5 or not w.endswith("ed") or not w.isalpha() \
            or not w.islower():
        return False
    before = view.lower[i - 1] if i > 0 else ""
    if w in cues.participle_stoplist:  # an adjective, unless a tense: "have shared"
        return before in cues.past_auxiliaries
    return before not in cues.present_auxiliaries
