"""The built-in claim suggester: sentences that assert something checkable.

``unannotate.claims.rules.v1`` proposes CLAIM spans: sentences (or clauses) holding a
figure, an event that happened, a commitment, a comparison or cause, or a statement
attributed to someone, and leaves out opinion, rhetoric, greetings, thanks and questions.

It works in three separate steps so that a trained classifier can replace the scoring
under another name while keeping the rest:

1. **units** (:func:`claim_units`): the sentences of a spaCy ``Doc``, further split at
   blank lines and at line breaks that start a new line (headings, list items), with
   surrounding whitespace and a leading bullet trimmed. A sentence holding independent
   assertions joined by ``;`` or ``, and`` / ``, but`` / ``, while`` (each side with its
   own verb and at least four words; English only) is also split into clauses: when
   every clause is a claim, or none is but the sentence is, the whole sentence is
   proposed; otherwise only the clauses that are claims.
2. **features** (:func:`claim_features`): numbers in ``[0, 1]`` computed from the
   tokens and ``doc.ents`` only (no parser or tagger needed): figures, money,
   percentages, dates, named entities, quotation marks, and cue words and phrases for
   reporting, comparison, cause, commitment, past events, hedges, first-person
   opinion, calls to act, evaluative words and courtesies, plus questions,
   exclamations and heading lines without a verb.
3. **score** (:func:`claim_score`): a logistic function of a weighted sum of the
   features. The cue lists and the weights are data in ``resources/claim_cues.json``.

The English cue lists are built in; other languages are scored on the
language-independent features only (figures written with digits, years, entities,
quotation marks, question and exclamation marks, heading lines).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import spacy
from spacy.attrs import ENT_IOB, ENT_TYPE, IDX, IS_SPACE, LENGTH, LIKE_NUM, SPACY
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..core.model import LabelKind, Suggestion
from ..resources import resources_dir
from .base import SuggesterError, SuggesterInfo, SuggesterInput, register

NAME = "unannotate.claims.rules.v1"
LABEL = "CLAIM"
CUES_FILE = "claim_cues.json"

_FIGURE_LABELS = frozenset({"CARDINAL", "PERCENT", "MONEY", "QUANTITY"})
_DATE_LABELS = frozenset({"DATE", "TIME"})
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
_NAMED_THING_LABELS = frozenset({"EVENT", "LAW"})
# Digits inside these entities are part of a name ("Resolution 2334", "G20"), not figures.
_NAME_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART",
     "LANGUAGE"}
)
_TERMINAL = frozenset(".!?…。！？;:")
_QUESTION = frozenset({"?", "¿", "？", "؟"})
_EXCLAMATION = frozenset({"!", "¡", "！"})
_YEAR = re.compile(r"^(?:1[5-9]\d\d|20\d\d)(?:s|[-–/](?:\d\d|\d{4}))?$")
_NUMERIC_DATE = re.compile(r"^\d{4}-\d\d-\d\d$|^\d{1,2}[./]\d{1,2}[./]\d{2,4}$")
_LIST_MARKER = re.compile(r"^(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]$")
_DECORATION_CATEGORIES = frozenset({"So", "Sk", "Cf", "Mn", "Me", "Cs"})
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th|er|re|e|ème|eme|º|ª|\.)$", re.IGNORECASE)

_VIEW_ATTRS = [IDX, LENGTH, ENT_TYPE, ENT_IOB, IS_SPACE, LIKE_NUM, SPACY]
_IOB = ("", "I", "O", "B")

# Categories of cue words whose hits are looked up in the per-language index.
_CUE_CATEGORIES = (
    "reporting", "comparative", "causal", "commitment", "event", "hedge", "opinion",
    "normative", "evaluative", "greeting", "vocative", "verbs", "months", "figure_words",
    "percent_words", "money_words", "person_pronouns",
)
# Categories whose one-word cues are proper nouns (written with a capital).
_CAPITALISED_CATEGORIES = frozenset({"months"})
# Categories that show that a line holds a verb.
_VERB_CATEGORIES = frozenset({"verbs", "reporting", "commitment", "event"})


# --------------------------------------------------------------------------- cue data


@dataclass(frozen=True)
class _Cues:
    """The compiled cue lists of one language."""

    language: str
    index: dict[str, tuple[tuple[tuple[str, ...], str], ...]]  # first word -> (rest, category)
    not_after: dict[str, frozenset[str]]
    not_figures: frozenset[str]
    participle_stoplist: frozenset[str]
    present_auxiliaries: frozenset[str]  # "is built" is no event, "was built" is
    reported_future: frozenset[str]  # "would" after "said" is reported, not hedged
    clause_joiners: frozenset[str]
    has_words: bool  # False: language-independent features only


@dataclass(frozen=True)
class _Config:
    bias: float
    weights: dict[str, float]
    quote_marks: frozenset[str]
    currency: frozenset[str]
    percent: frozenset[str]
    bullets: frozenset[str]
    languages: dict[str, dict[str, Any]]


def _norm(word: str) -> str:
    return word.lower().replace("’", "'")


@cache
def _config() -> _Config:
    path = Path(resources_dir()) / CUES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SuggesterError(f"cannot read the claim cues {path}: {exc}") from exc
    return _Config(
        bias=float(data["bias"]),
        weights={k: float(v) for k, v in data["weights"].items()},
        quote_marks=frozenset(data.get("quote_marks", [])),
        currency=frozenset(_norm(w) for w in data.get("currency_symbols", [])),
        percent=frozenset(data.get("percent_symbols", [])),
        bullets=frozenset(data.get("bullets", [])),
        languages=data.get("languages", {}),
    )


@cache
def _phrase_tokenizer(language: str) -> Language | None:
    try:
        return spacy.blank(language)
    except Exception:  # noqa: BLE001 - an unknown language: split on spaces
        return None


def _split_phrase(phrase: str, language: str) -> tuple[str, ...]:
    nlp = _phrase_tokenizer(language)
    words = [t.text for t in nlp.make_doc(phrase)] if nlp is not None else phrase.split()
    return tuple(_norm(w) for w in words if w.strip())


@cache
def _cues(language: str) -> _Cues:
    config = _config()
    lang = language.lower().replace("_", "-")
    data = config.languages.get(lang) or config.languages.get(lang.split("-")[0]) or {}
    base = lang.split("-")[0]
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for category in _CUE_CATEGORIES:
        for phrase in data.get(category, []):
            words = _split_phrase(phrase, base)
            if words:
                entry = (words[1:], category)
                bucket = index.setdefault(words[0], [])
                if entry not in bucket:
                    bucket.append(entry)
    return _Cues(
        language=lang,
        index={k: tuple(v) for k, v in index.items()},
        not_after={_norm(k): frozenset(_norm(w) for w in v)
                   for k, v in data.get("not_after", {}).items()},
        not_figures=frozenset(_norm(w) for w in data.get("not_figures", [])),
        participle_stoplist=frozenset(_norm(w) for w in data.get("participle_stoplist", [])),
        present_auxiliaries=frozenset(_norm(w) for w in data.get("present_auxiliaries", [])),
        reported_future=frozenset(_norm(w) for w in data.get("reported_future", [])),
        clause_joiners=frozenset(_norm(w) for w in data.get("clause_joiners", [])),
        has_words=bool(data),
    )


def feature_names() -> list[str]:
    """The names of the features :func:`claim_features` returns, in a stable order."""
    return list(_config().weights)


# --------------------------------------------------------------------------- token view


class _View:
    """Plain lists of the token attributes used, read once per ``Doc``."""

    __slots__ = ("doc", "text", "words", "lower", "ent", "iob", "space", "num", "idx", "ws")

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        text = self.text = doc.text
        rows = doc.to_array(_VIEW_ATTRS).tolist() if len(doc) else []
        strings = doc.vocab.strings
        names: dict[int, str] = {0: ""}
        words: list[str] = []
        lower: list[str] = []
        ent: list[str] = []
        iob: list[str] = []
        space: list[bool] = []
        num: list[bool] = []
        idx: list[int] = []
        ws: list[bool] = []
        for start, length, label, io, is_space, like_num, spacy_ in rows:
            w = text[start:start + length]
            words.append(w)
            lw = w.lower()
            lower.append(lw.replace("’", "'") if "’" in lw else lw)
            name = names.get(label)
            if name is None:
                name = names[label] = strings[label]
            ent.append(name)
            iob.append(_IOB[io])
            space.append(bool(is_space))
            num.append(bool(like_num))
            idx.append(start)
            ws.append(bool(spacy_))
        self.words, self.lower, self.ent, self.iob = words, lower, ent, iob
        self.space, self.num, self.idx, self.ws = space, num, idx, ws

    def char_span(self, start: int, end: int) -> tuple[int, int]:
        return self.idx[start], self.idx[end - 1] + len(self.words[end - 1])


_last_view: list[_View] = []


def _view_of(doc: Doc) -> _View:
    if _last_view and _last_view[0].doc is doc:
        return _last_view[0]
    view = _View(doc)
    _last_view[:] = [view]
    return view


# --------------------------------------------------------------------------- units


def _is_heading_end(view: _View, end: int) -> bool:
    """True when the unit ending before token ``end`` has no closing punctuation."""
    i = end - 1
    quotes = _config().quote_marks
    while i >= 0 and (view.words[i] in quotes or view.words[i] in {")", "]", "’", "'"}):
        i -= 1
    return i < 0 or view.words[i][-1] not in _TERMINAL


@cache
def _is_decoration(word: str) -> bool:
    """Emoji, pictographs and other symbols that carry no words (📢, ✅, 🇺🇳)."""
    return all(unicodedata.category(c) in _DECORATION_CATEGORIES for c in word)


def _trim(view: _View, start: int, end: int) -> tuple[int, int]:
    """Drop whitespace, emoji and symbols around a unit, and a leading bullet or list
    number ("-", "•", "1.", "a)") followed by a space."""
    words, space = view.words, view.space
    bullets = _config().bullets
    while start < end and (space[start] or _is_decoration(words[start])):
        start += 1
    while end > start and (space[end - 1] or _is_decoration(words[end - 1])):
        end -= 1
    if end - start > 1 and view.ws[start] and (
            words[start] in bullets or _LIST_MARKER.match(words[start])):
        start += 1
        while start < end and (space[start] or _is_decoration(words[start])):
            start += 1
    return start, end


def _line_units(view: _View, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Split a sentence at blank lines and at line breaks followed by a capital, a digit,
    a bullet or a quotation mark (a wrapped line going on in lower case stays joined)."""
    piece = start
    for i in range(start, end):
        if not view.space[i]:
            continue
        newlines = view.words[i].count("\n") + view.words[i].count("\r") - view.words[i].count("\r\n")
        if newlines == 0:
            continue
        if newlines == 1 and i + 1 < end and view.words[i + 1][:1].islower():
            continue
        if i > piece:
            yield piece, i
        piece = i + 1
    if end > piece:
        yield piece, end


def _clause_splits(view: _View, cues: _Cues, start: int, end: int) -> list[int]:
    """Token positions where a sentence splits into independent clauses (English only)."""
    if not cues.has_words or not cues.clause_joiners:
        return []
    cut: list[int] = []
    for i in range(start + 1, end - 1):
        w = view.words[i]
        if w == ";":
            cut.append(i + 1)
        elif w == "," and view.lower[i + 1] in cues.clause_joiners:
            cut.append(i + 1)
    if not cut:
        return []
    # keep only cuts where both sides have at least four words and a verb of their own
    bounds = [start, *cut, end]
    kept: list[int] = []
    left = start
    for k in range(1, len(bounds) - 1):
        right_end = bounds[k + 1]
        if _clause_ok(view, cues, left, bounds[k]) and _clause_ok(view, cues, bounds[k], right_end):
            kept.append(bounds[k])
            left = bounds[k]
    return kept


def _clause_ok(view: _View, cues: _Cues, start: int, end: int) -> bool:
    words = sum(1 for i in range(start, end) if view.words[i][:1].isalnum())
    if words < 4:
        return False
    return _has_verb(view, cues, start, end)


def _has_verb(view: _View, cues: _Cues, start: int, end: int) -> bool:
    for i in range(start, end):
        w = view.lower[i]
        if _is_participle(view, cues, i):
            return True
        for rest, category in cues.index.get(w, ()):
            if category in _VERB_CATEGORIES and _matches(view, cues, i, end, rest, category, start):
                return True
    return False


def claim_units(doc: Doc) -> list[tuple[Span, list[Span]]]:
    """The units a claim is looked for in: each sentence (split at blank lines and new
    lines, trimmed) with its clauses (empty when it is not split)."""
    view = _view_of(doc)
    cues = _cues(doc.lang_)
    units: list[tuple[Span, list[Span]]] = []
    for sent in doc.sents:
        for a, b in _line_units(view, sent.start, sent.end):
            a, b = _trim(view, a, b)
            if a >= b:
                continue
            cuts = _clause_splits(view, cues, a, b)
            clauses = []
            if cuts:
                bounds = [a, *cuts, b]
                for k in range(len(bounds) - 1):
                    ca, cb = _trim(view, bounds[k], bounds[k + 1])
                    if ca < cb:
                        clauses.append(doc[ca:cb])
            units.append((doc[a:b], clauses))
    return units


# --------------------------------------------------------------------------- features


def _matches(
    view: _View, cues: _Cues, i: int, end: int, rest: tuple[str, ...], category: str,
    first: int,
) -> bool:
    n = len(rest)
    if n:
        if i + 1 + n > end:
            return False
        for k in range(n):
            if view.lower[i + 1 + k] != rest[k]:
                return False
    else:
        word = view.words[i]
        if category in _CAPITALISED_CATEGORIES:
            if not word[:1].isupper():
                return False
        elif word[:1].isupper() and i != first and word != "I":
            return False
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
    if len(w) < 5 or not w.endswith("ed") or not w.islower() or not w.isalpha():
        return False
    if view.lower[i] in cues.participle_stoplist:
        return False
    return not (i > 0 and view.lower[i - 1] in cues.present_auxiliaries)


@dataclass
class _Analysis:
    features: dict[str, float]
    evidence: dict[str, str] = field(default_factory=dict)
    entity_labels: set[str] = field(default_factory=set)


def _analyse(view: _View, start: int, end: int, cues: _Cues) -> _Analysis:
    config = _config()
    f = dict.fromkeys(config.weights, 0.0)
    ev: dict[str, str] = {}
    labels: set[str] = set()
    words = 0
    figures = 0
    prev_number = False
    hits: dict[str, int] = {}
    first = start
    while first < end and not view.words[first][:1].isalnum():
        first += 1
    quote = question = exclaim = currency = percent_sign = False
    lower, words_, ent, iob = view.lower, view.words, view.ent, view.iob
    for i in range(start, end):
        w = words_[i]
        if view.space[i]:
            continue
        c0 = w[:1]
        if c0.isalnum():
            words += 1
        label = ent[i]
        number = False
        if label:
            if iob[i] == "B":
                labels.add(label)
                if label in _FIGURE_LABELS:
                    figures += 1
        elif c0.isdigit():
            if _YEAR.match(w) or _NUMERIC_DATE.match(w):
                labels.add("DATE")
            elif _ORDINAL.match(w):
                labels.add("ORDINAL")
            else:
                number = True
        elif view.num[i] and cues.has_words:
            if _ordinal_word(lower, i, end, cues):
                labels.add("ORDINAL")
            else:
                number = True
        if number:
            if not prev_number:
                figures += 1
            prev_number = True
        elif c0.isalnum() or w not in {",", ".", "-"}:
            prev_number = False
        if w in config.quote_marks:
            quote = True
        elif w in _QUESTION:
            question = True
        elif w in _EXCLAMATION:
            exclaim = True
        elif lower[i] in config.currency:
            currency = True
        elif w in config.percent:
            percent_sign = True
        if not cues.has_words:
            continue
        entries = cues.index.get(lower[i])
        matched = False
        if entries:
            for rest, category in entries:
                if _matches(view, cues, i, end, rest, category, first):
                    matched = True
                    if category == "hedge" and lower[i] in cues.reported_future:
                        category = "reported_future"
                    if category not in hits:
                        hits[category] = 1
                        ev[category] = view.text[view.idx[i]:view.char_span(i, i + 1 + len(rest))[1]]
                    else:
                        hits[category] += 1
        if not matched and _is_participle(view, cues, i):
            hits["participle"] = hits.get("participle", 0) + 1
            ev.setdefault("participle", w)

    if "reported_future" in hits:
        # "She said the Mission would open ...": a reported commitment; otherwise a hedge
        moved = "reporting" in hits and "commitment" or "hedge"
        if moved not in hits:
            hits[moved] = 0
            ev[moved] = ev["reported_future"]
        hits[moved] += hits.pop("reported_future")

    figure_words = "figure_words" in hits or "percent_words" in hits
    if "percent_words" in hits:
        labels.add("PERCENT")
    if "money_words" in hits and (figures or figure_words):
        labels.add("MONEY")
    if "months" in hits:
        labels.add("DATE")
    has_figure = figures > 0 or figure_words or bool(labels & _FIGURE_LABELS)
    f["figure"] = 1.0 if has_figure else 0.0
    f["figures_several"] = 1.0 if figures >= 2 else 0.0
    f["money"] = 1.0 if "MONEY" in labels or (currency and has_figure) else 0.0
    f["percent"] = 1.0 if "PERCENT" in labels or (percent_sign and has_figure) else 0.0
    f["date"] = 1.0 if labels & _DATE_LABELS else 0.0
    f["ordinal"] = 1.0 if "ORDINAL" in labels else 0.0
    f["person"] = 1.0 if "PERSON" in labels else 0.0
    f["org"] = 1.0 if "ORG" in labels else 0.0
    f["place"] = 1.0 if labels & (_PLACE_LABELS | {"NORP"}) else 0.0
    f["named_event_or_law"] = 1.0 if labels & _NAMED_THING_LABELS else 0.0
    f["quote"] = 1.0 if quote else 0.0
    f["question"] = 1.0 if question else 0.0
    f["exclamation"] = 1.0 if exclaim else 0.0
    f["short"] = 1.0 if words < 4 else 0.0
    reporting = "reporting" in hits
    f["reporting"] = 1.0 if reporting else 0.0
    if reporting:
        if f["person"]:
            ev["source"] = "person"
        elif "person_pronouns" in hits:
            ev["source"] = "someone"
        elif f["org"]:
            ev["source"] = "org"
        elif quote:
            ev["source"] = "quote"
    f["attributed"] = 1.0 if "source" in ev else 0.0
    for name in ("comparative", "causal", "commitment", "event", "hedge", "opinion",
                 "normative", "evaluative"):
        f[name] = 1.0 if name in hits else 0.0
    f["greeting"] = 1.0 if ("greeting" in hits or _vocative(view, hits, start, end)) else 0.0
    if "vocative" in hits and f["greeting"] and "greeting" not in ev:
        ev["greeting"] = ev["vocative"]
    f["past_participle"] = 1.0 if "participle" in hits and "event" not in hits else 0.0
    has_verb = bool(hits.keys() & (_VERB_CATEGORIES | {"participle"}))
    heading = _is_heading_end(view, end)
    f["heading_without_verb"] = 1.0 if heading and not has_verb and not has_figure else 0.0
    return _Analysis({k: f[k] for k in config.weights}, ev, labels)


def _ordinal_word(lower: list[str], i: int, end: int, cues: _Cues) -> bool:
    """"first", "eightieth", "fifty-ninth": a number word that is an ordinal."""
    word = lower[i]
    if word in cues.not_figures or word.endswith("th"):
        return True
    return (i + 2 < end and lower[i + 1] == "-"
            and (lower[i + 2] in cues.not_figures or lower[i + 2].endswith("th")))


def _vocative(view: _View, hits: dict[str, int], start: int, end: int) -> bool:
    """A form of address ("Mr. President,") at the start or the end of the sentence."""
    if "vocative" not in hits:
        return False
    first_words = " ".join(view.lower[start:min(end, start + 4)])
    last_words = " ".join(view.lower[max(start, end - 4):end])
    cues = _cues(view.doc.lang_)
    for key, entries in cues.index.items():
        for rest, category in entries:
            if category != "vocative":
                continue
            phrase = " ".join((key, *rest))
            if first_words.startswith(phrase) or phrase in last_words:
                return True
    return False


def claim_features(sent: Span) -> dict[str, float]:
    """The features of one sentence or clause, each in ``[0, 1]``, named as in
    :func:`feature_names`. Uses only the tokens and ``doc.ents``."""
    view = _view_of(sent.doc)
    return _analyse(view, sent.start, sent.end, _cues(sent.doc.lang_)).features


def claim_score(features: dict[str, float]) -> float:
    """The probability-like score in ``[0, 1]`` of a feature dict."""
    config = _config()
    z = config.bias + sum(config.weights.get(k, 0.0) * v for k, v in features.items())
    if z < -60:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


# --------------------------------------------------------------------------- reasons


def _with(words: str, cue: str | None) -> str:
    return f"{words} ({cue})" if cue else words


def claim_reason(analysis: _Analysis) -> str:
    """A short plain-words account of the strongest features of a unit."""
    f, ev, w = analysis.features, analysis.evidence, _config().weights
    parts: list[tuple[float, str]] = []

    figure_weight = sum(w[k] * f[k] for k in ("figure", "figures_several", "money", "percent"))
    if f["money"]:
        figure_words = "an amount of money"
    elif f["percent"]:
        figure_words = "a percentage"
    elif f["figures_several"]:
        figure_words = "figures"
    elif f["figure"]:
        figure_words = "a figure"
    else:
        figure_words = ""
    if figure_words and f["date"]:
        parts.append((figure_weight + w["date"], f"{figure_words} and a date"))
    elif figure_words:
        parts.append((figure_weight, figure_words))
    elif f["date"]:
        parts.append((w["date"], "a date"))

    names_used = set()
    if f["reporting"]:
        weight = w["reporting"] + w["attributed"] * f["attributed"]
        source = ev.get("source")
        if source == "person":
            text = "attributed to a named person"
            names_used.add("person")
            weight += w["person"]
        elif source == "org":
            text = "attributed to an organisation"
            names_used.add("org")
            weight += w["org"]
        elif f["attributed"]:
            text = _with("attributed to someone", ev.get("reporting"))
        else:
            text = _with("a reported statement", ev.get("reporting"))
        if f["quote"]:
            text += ", quoted"
            weight += w["quote"]
        parts.append((weight, text))
    elif f["quote"]:
        parts.append((w["quote"], "a quotation"))

    for name, words in (
        ("commitment", "a commitment"),
        ("event", "an event that happened"),
        ("comparative", "a comparison"),
        ("causal", "a cause or effect"),
    ):
        if f[name]:
            parts.append((w[name], _with(words, ev.get(name))))
    if f["past_participle"]:
        parts.append((w["past_participle"], _with("a completed action", ev.get("participle"))))

    named: list[str] = []
    weight = 0.0
    for name, words in (
        ("person", "a person"),
        ("org", "an organisation"),
        ("place", "a place" if analysis.entity_labels & _PLACE_LABELS else "a nationality"),
        ("named_event_or_law", "an event or law"),
    ):
        if f[name] and name not in names_used:
            named.append(words)
            weight += w[name]
    if named:
        listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
        parts.append((weight, f"names {listed}"))

    parts.sort(key=lambda p: -p[0])
    shown = [text for weight, text in parts[:3] if weight > 0]

    negatives = []
    for name, words in (
        ("question", "a question"),
        ("heading_without_verb", "a heading"),
        ("greeting", _with("a courtesy", ev.get("greeting"))),
        ("opinion", _with("an opinion", ev.get("opinion"))),
        ("exclamation", "an exclamation"),
        ("normative", _with("a call to act", ev.get("normative"))),
        ("short", "very short"),
        ("hedge", _with("hedged", ev.get("hedge"))),
    ):
        if f[name] and w[name] <= -0.8:
            negatives.append((w[name], words))
    negatives.sort()
    if negatives:
        shown.append("but " + negatives[0][1])
    return "; ".join(shown) if shown else "no strong cue"


# --------------------------------------------------------------------------- suggester


def suggest_doc(doc: Doc, *, threshold: float = 0.5, offset: int = 0) -> list[Suggestion]:
    """The claim suggestions of one processed ``Doc`` (offsets shifted by ``offset``)."""
    view = _view_of(doc)
    cues = _cues(doc.lang_)
    text = view.text
    out: list[Suggestion] = []

    def scored(span: Span) -> tuple[float, _Analysis]:
        analysis = _analyse(view, span.start, span.end, cues)
        return claim_score(analysis.features), analysis

    def emit(span: Span, score: float, analysis: _Analysis) -> None:
        start, end = view.char_span(span.start, span.end)
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            out.append(Suggestion(start + offset, end + offset, LABEL, round(score, 3),
                                  claim_reason(analysis)))

    for sent, clauses in claim_units(doc):
        score, analysis = scored(sent)
        if not clauses:
            if score >= threshold:
                emit(sent, score, analysis)
            continue
        results = [(clause, *scored(clause)) for clause in clauses]
        passing = [r for r in results if r[1] >= threshold]
        if passing and len(passing) < len(results):
            for clause, s, a in passing:
                emit(clause, s, a)
        elif score >= threshold or passing:
            if score >= threshold:
                emit(sent, score, analysis)
            else:  # every clause passes but the whole does not: keep the strongest reading
                best = max(passing, key=lambda r: r[1])
                emit(sent, best[1], best[2])
    return out


def _default_pipeline(language: str) -> Language:
    from .entity_rules import build_nlp

    return build_nlp(language)


def _not_installed(model: str) -> SuggesterError:
    return SuggesterError(
        f"spaCy pipeline '{model}' is not installed. Install it with: "
        f"python -m spacy download {model}, or give a path to a pipeline folder"
    )


def _load_model(model: str) -> Language:
    path = Path(model).expanduser()
    looks_like_path = path.exists() or any(sep in model for sep in ("/", "\\"))
    try:
        nlp = spacy.load(path if path.exists() else model)
    except OSError as exc:
        if looks_like_path and path.exists():
            raise SuggesterError(
                f"spaCy pipeline folder '{model}' could not be loaded: {exc}") from exc
        if looks_like_path:
            raise SuggesterError(f"spaCy pipeline folder '{model}' does not exist") from None
        raise _not_installed(model) from None
    except (ImportError, ValueError) as exc:
        raise SuggesterError(f"spaCy pipeline '{model}' could not be loaded: {exc}") from exc
    if not any(name in nlp.pipe_names for name in ("parser", "senter", "sentencizer")):
        if "senter" in nlp.component_names:
            nlp.enable_pipe("senter")
        else:
            nlp.add_pipe("sentencizer")
    return nlp


def _pieces(text: str, limit: int) -> list[tuple[str, int]]:
    """Cut a text longer than the pipeline's ``max_length`` at line breaks (or spaces)."""
    if len(text) <= limit:
        return [(text, 0)]
    out: list[tuple[str, int]] = []
    pos = 0
    while len(text) - pos > limit:
        window = text[pos:pos + limit]
        cut = window.rfind("\n\n")
        if cut < limit // 2:
            cut = window.rfind("\n")
        if cut < limit // 2:
            cut = max(window.rfind(" "), window.rfind("\t"))
        if cut < limit // 2:
            cut = limit - 1
        out.append((text[pos:pos + cut + 1], pos))
        pos += cut + 1
    out.append((text[pos:], pos))
    return out


@register(NAME)
class RulesClaimSuggester:
    """Proposes CLAIM spans with cue-based scores.

    ``model``: ``None`` uses the built-in rule pipeline of each document's language;
    otherwise the name or folder of an installed spaCy pipeline, whose ``ner`` supplies
    the entities and whose parser or senter the sentences (a sentencizer is added when
    it has neither). ``threshold``: the lowest score proposed.
    """

    def __init__(self, model: str | None = None, threshold: float = 0.5) -> None:
        if not 0.0 <= float(threshold) <= 1.0:
            raise SuggesterError(f"threshold must be between 0 and 1, got {threshold!r}")
        self.threshold = float(threshold)
        self.model = model
        self._pipelines: dict[str, Language] = {}
        _config()  # a broken cue file fails here, not in the middle of a run
        if model:
            nlp = _load_model(model)
            self._pipelines["*"] = nlp
            meta = nlp.meta
            self.info = SuggesterInfo(
                name=NAME, kind=LabelKind.CLAIM,
                pipeline=f"{meta.get('lang', nlp.lang)}_{meta.get('name', 'pipeline')}",
                pipeline_version=meta.get("version"), spacy_version=spacy.__version__,
            )
        else:
            self.info = SuggesterInfo(name=NAME, kind=LabelKind.CLAIM,
                                      spacy_version=spacy.__version__)

    def _pipeline(self, language: str) -> Language:
        key = "*" if self.model else (language or "en")
        nlp = self._pipelines.get(key)
        if nlp is None:
            try:
                nlp = _default_pipeline(key)
            except SuggesterError:
                raise
            except Exception as exc:  # noqa: BLE001 - an unknown language code
                raise SuggesterError(
                    f"no rule pipeline for language {key!r}: {exc}") from exc
            self._pipelines[key] = nlp
        return nlp

    def suggest(
        self, docs: Iterable[SuggesterInput], *, batch_size: int = 64, n_process: int = 1
    ) -> Iterator[tuple[Any, list[Suggestion]]]:
        """Yield ``(key, suggestions)`` for each input, in input order.

        Inputs are read in chunks; within a chunk they are grouped by language and run
        through ``nlp.pipe``."""
        chunk_size = max(512, batch_size * max(1, n_process) * 16)
        chunk: list[SuggesterInput] = []
        for item in docs:
            chunk.append(item)
            if len(chunk) >= chunk_size:
                yield from self._run(chunk, batch_size, n_process)
                chunk = []
        if chunk:
            yield from self._run(chunk, batch_size, n_process)

    def _run(
        self, items: list[SuggesterInput], batch_size: int, n_process: int
    ) -> Iterator[tuple[Any, list[Suggestion]]]:
        results: list[list[Suggestion]] = [[] for _ in items]
        groups: dict[str, list[int]] = {}
        for i, item in enumerate(items):
            key = "*" if self.model else (item.language or "en")
            groups.setdefault(key, []).append(i)
        for key, positions in groups.items():
            nlp = self._pipeline(key)
            pieces = [
                (piece, (i, offset))
                for i in positions
                for piece, offset in _pieces(items[i].text, nlp.max_length)
            ]
            processes = n_process if len(pieces) >= 2 * batch_size else 1
            for doc, (i, offset) in nlp.pipe(
                pieces, as_tuples=True, batch_size=batch_size, n_process=processes
            ):
                results[i].extend(suggest_doc(doc, threshold=self.threshold, offset=offset))
        for item, suggestions in zip(items, results):
            yield item.key, suggestions
