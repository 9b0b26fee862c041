"""The built-in claim suggester: sentences that assert something checkable.

``unannotate.claims.rules.v1`` proposes CLAIM spans: sentences (or clauses) holding a
figure, an event that happened, a commitment, a comparison or a cause, or a statement
attributed to someone; it leaves out opinion, rhetoric, greetings, thanks and questions.

It works in three separate steps, so that a trained classifier can replace the scoring
under another name and keep the rest:

1. **units** (:func:`claim_units`): the sentences of a spaCy ``Doc``, further split at
   blank lines and at line breaks that start a new line (headings, list items), with
   surrounding whitespace, emoji and a leading bullet or list number trimmed. An English
   sentence holding independent assertions joined by ``;`` or by ``, and`` / ``, but`` /
   ``, while`` / ``, whereas`` (each side with a verb of its own and at least four words)
   is also split into clauses. When some of its clauses are claims and the others are
   clearly not (scoring below half the threshold: an opinion, a question, a courtesy),
   only the claim clauses are proposed, unless a clause starts with a contrast ("but",
   "while", "whereas": it leans on the clause before); otherwise the whole sentence is
   (or nothing).
2. **features** (:func:`claim_features`): numbers in ``[0, 1]`` computed from the tokens
   and ``doc.ents`` only, so no parser or tagger is needed: figures, money, percentages,
   dates, named entities, quotation marks, and cue words and phrases for reporting,
   comparison, cause, commitment, past events, things counted or measured, hedges,
   opinion, calls to act, evaluative words and courtesies, plus who speaks (a unit about
   "I" or "we"; a commitment after them is the speaker's promise, weaker than a reported
   one), questions, exclamations, short units, lone small numbers ("the two of us") and
   heading lines without a verb. "will be" before anything but a participle is a
   prediction, not a commitment; "it can be said" reports nobody.
3. **score** (:func:`claim_score`): a logistic function of a weighted sum of the
   features, in ``[0, 1]``. The cue lists and the weights are data in
   ``resources/claim_cues.json``.

The English cue lists are built in. Other languages are scored on the
language-independent features only: figures written with digits, years and numeric
dates, entities, quotation marks, question and exclamation marks, heading lines.
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import spacy
from spacy.attrs import ENT_IOB, ENT_TYPE, IDX, IS_SPACE, LENGTH, LIKE_NUM, SENT_START, SPACY
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..core.model import LabelKind, Suggestion
from ..resources import resources_dir
from .base import (
    SuggesterError,
    SuggesterInfo,
    SuggesterInput,
    SuggestionRow,
    as_suggestions,
    register,
)
from .parallel import suggest_in_processes

NAME = "unannotate.claims.rules.v1"
LABEL = "CLAIM"
CUES_FILE = "claim_cues.json"

_FIGURE_LABELS = frozenset({"CARDINAL", "PERCENT", "MONEY", "QUANTITY"})
_DATE_LABELS = frozenset({"DATE", "TIME"})
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
_NAMED_THING_LABELS = frozenset({"EVENT", "LAW"})
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

# Cue categories of the per-language lists in the cue file.
_WORD_CATEGORIES = (
    "reporting", "comparative", "causal", "commitment", "event", "past", "measurable", "hedge",
    "opinion",
    "normative", "evaluative", "greeting", "vocative", "verbs", "months", "figure_words",
    "percent_words", "money_words", "person_pronouns",
)
# Categories whose one-word cues are proper nouns, written with a capital ("May").
_CAPITALISED_CATEGORIES = frozenset({"months"})
# Categories that show that a unit holds a verb.
_VERB_CATEGORIES = frozenset({"verbs", "reporting", "commitment", "event", "past", "participle",
                              "promise"})
# Features that are set from a cue category of the same name.
_CUE_FEATURES = ("comparative", "causal", "commitment", "event", "hedge", "opinion",
                 "normative", "evaluative")


# --------------------------------------------------------------------------- cue data


@dataclass(frozen=True)
class _Config:
    bias: float
    weights: dict[str, float]
    symbols: dict[str, str]  # language-independent token -> category
    bullets: frozenset[str]
    quote_marks: frozenset[str]
    languages: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class _Cues:
    """The compiled cues of one language."""

    index: dict[str, tuple[tuple[tuple[str, ...], str], ...]]  # first word -> (rest, category)
    not_after: dict[str, frozenset[str]]
    not_figures: frozenset[str]
    participle_stoplist: frozenset[str]
    present_auxiliaries: frozenset[str]  # "is built" is no event; "was built" is
    past_auxiliaries: frozenset[str]  # "have shared": a verb, though "shared values" is not
    reported_future: frozenset[str]  # "would" after "said" is reported, not hedged
    clause_joiners: frozenset[str]
    contrast_joiners: frozenset[str]  # ", but": a claim clause is proposed as the whole sentence
    first_person: frozenset[str]  # "I", "we": a commitment after them is the speaker's promise
    discourse_markers: frozenset[str]  # "And", "Well,": skipped to find who speaks
    small_numbers: frozenset[str]  # "two", "three": a weak figure alone
    passive_participles: frozenset[str]  # "will be held": a plan; "will be a success" is not
    has_words: bool  # False: language-independent features only


def _norm(word: str) -> str:
    return word.lower().replace("’", "'")


@cache
def _config() -> _Config:
    path = Path(resources_dir()) / CUES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        symbols: dict[str, str] = {}
        for category, key in (("quote", "quote_marks"), ("currency", "currency_symbols"),
                              ("percent_sign", "percent_symbols")):
            for symbol in data.get(key, []):
                symbols[_norm(symbol)] = category
        for symbol in ("?", "¿", "？", "؟"):
            symbols[symbol] = "question"
        for symbol in ("!", "¡", "！"):
            symbols[symbol] = "exclamation"
        return _Config(
            bias=float(data["bias"]),
            weights={k: float(v) for k, v in data["weights"].items()},
            symbols=symbols,
            bullets=frozenset(data.get("bullets", [])),
            quote_marks=frozenset(data.get("quote_marks", [])),
            languages=data.get("languages", {}),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SuggesterError(f"cannot read the claim cues {path}: {exc}") from exc


@cache
def _phrase_tokenizer(language: str) -> Language | None:
    try:
        return spacy.blank(language)
    except Exception:  # noqa: BLE001 - a language spaCy does not know: split on spaces
        return None


def _split_phrase(phrase: str, language: str) -> tuple[str, ...]:
    nlp = _phrase_tokenizer(language)
    words = [t.text for t in nlp.make_doc(phrase)] if nlp is not None else phrase.split()
    return tuple(_norm(w) for w in words if w.strip())


@cache
def _cues(language: str) -> _Cues:
    config = _config()
    lang = (language or "").lower().replace("_", "-")
    base = lang.split("-")[0]
    data = config.languages.get(lang) or config.languages.get(base) or {}
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {
        symbol: [((), category)] for symbol, category in config.symbols.items()
    }
    for category in _WORD_CATEGORIES:
        for phrase in data.get(category, []):
            words = _split_phrase(phrase, base)
            if words:
                entry = (words[1:], category)
                bucket = index.setdefault(words[0], [])
                if entry not in bucket:
                    bucket.append(entry)

    def words_of(key: str) -> frozenset[str]:
        return frozenset(_norm(w) for w in data.get(key, []))

    return _Cues(
        index={k: tuple(v) for k, v in index.items()},
        not_after={_norm(k): frozenset(_norm(w) for w in v)
                   for k, v in data.get("not_after", {}).items()},
        not_figures=words_of("not_figures"),
        participle_stoplist=words_of("participle_stoplist"),
        present_auxiliaries=words_of("present_auxiliaries"),
        past_auxiliaries=words_of("past_auxiliaries"),
        reported_future=words_of("reported_future"),
        clause_joiners=words_of("clause_joiners"),
        contrast_joiners=words_of("contrast_joiners"),
        first_person=words_of("first_person"),
        discourse_markers=words_of("discourse_markers"),
        small_numbers=words_of("small_numbers"),
        passive_participles=words_of("passive_participles"),
        has_words=bool(data),
    )


def feature_names() -> list[str]:
    """The names of the features :func:`claim_features` returns, in a stable order."""
    return list(_config().weights)


# --------------------------------------------------------------------------- token view


class _View:
    """The token attributes used, read once per ``Doc`` into plain lists."""

    __slots__ = ("doc", "text", "words", "lower", "ent", "iob", "space", "num", "idx", "ws",
                 "sent_start")

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


# --------------------------------------------------------------------------- features


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


def _weak_number(view: _View, cues: _Cues, i: int, end: int) -> bool:
    """A small number word that counts nothing: "the two of us", "these three", "two.",
    not "two new clinics"."""
    lower = view.lower
    if lower[i] not in cues.small_numbers:
        return False
    after = lower[i + 1] if i + 1 < end else ""
    before = lower[i - 1] if i > 0 else ""
    return (not after[:1].isalpha() or after in ("of", "or", "and", "to", "that", "who")
            or before in ("the", "these", "those", "my", "our", "your", "their", "those"))


def _is_prediction(view: _View, cues: _Cues, i: int, end: int) -> bool:
    """"will be" before anything but a participle: a prediction ("it will be a substantive
    address"), not a plan ("the meeting will be held", "will be voiced" is one)."""
    lower = view.lower
    if lower[i] != "will" or i + 2 >= end or lower[i + 1] != "be":
        return False
    after = lower[i + 2]
    return not (after in cues.passive_participles or (after.endswith("ed") and after.isalpha()))


def _ordinal_word(lower: list[str], i: int, end: int, cues: _Cues) -> bool:
    """"first", "eightieth", "fifty-ninth": a number word that is an ordinal."""
    word = lower[i]
    if word in cues.not_figures or word.endswith("th"):
        return True
    return (i + 2 < end and lower[i + 1] == "-"
            and (lower[i + 2] in cues.not_figures or lower[i + 2].endswith("th")))


@dataclass
class _Analysis:
    """The features of a unit and what was found for each, for the reason text."""

    features: dict[str, float]
    evidence: dict[str, str] = field(default_factory=dict)
    entity_labels: set[str] = field(default_factory=set)


def _analyse(view: _View, start: int, end: int, cues: _Cues) -> _Analysis:
    config = _config()
    words, lower, ent, iob, space, num = (
        view.words, view.lower, view.ent, view.iob, view.space, view.num)
    index = cues.index
    has_words = cues.has_words
    evidence: dict[str, str] = {}
    labels: set[str] = set()
    hits: dict[str, int] = {}
    n_words = 0
    figures = 0
    prev_number = False
    vocative = False
    weak_figures = 0  # "two", "three" alone: often no figure at all ("the two of us")
    first = start
    while first < end and not words[first][:1].isalnum():
        first += 1
    speaker = first  # the first word after "And", "Well,", "Now," ...
    while speaker < end and (lower[speaker] in cues.discourse_markers
                             or not words[speaker][:1].isalnum()):
        speaker += 1

    for i in range(start, end):
        if space[i]:
            continue
        w = words[i]
        c0 = w[0]
        alnum = c0.isalnum()
        if alnum:
            n_words += 1
        label = ent[i]
        number = False
        if label:
            if iob[i] == "B" or i == start:
                labels.add(label)
                if label in _FIGURE_LABELS:
                    figures += 1
                    if not (i + 1 < end and iob[i + 1] == "I") and _weak_number(view, cues, i, end):
                        weak_figures += 1
        elif c0.isdigit():
            if _YEAR.match(w) or _NUMERIC_DATE.match(w):
                labels.add("DATE")
            elif _ORDINAL.match(w):
                labels.add("ORDINAL")
            else:
                number = True
        elif num[i] and has_words:
            if _ordinal_word(lower, i, end, cues):
                labels.add("ORDINAL")
            else:
                number = True
        if number:
            if not prev_number:
                figures += 1
                if not (i + 1 < end and num[i + 1]) and _weak_number(view, cues, i, end):
                    weak_figures += 1
            prev_number = True
        elif alnum or w not in (",", ".", "-"):
            prev_number = False

        entries = index.get(lower[i])
        matched = False
        if entries:
            for rest, category in entries:
                if not _matches(view, cues, i, end, rest, category, first):
                    continue
                matched = True
                if category == "hedge" and lower[i] in cues.reported_future:
                    category = "reported_future"
                elif category == "commitment":
                    if _is_prediction(view, cues, i, end):
                        continue  # "it will be a substantive address": no commitment
                    if lower[i] in cues.first_person or (
                            i > start and lower[i - 1] in cues.first_person):
                        category = "promise"  # "I will", "we are going to": the speaker's
                elif category == "vocative":
                    after = i + 1 + len(rest)
                    if not (i == first or words[i - 1] == "," or after >= end
                            or words[after] in (",", ".", "!")):
                        continue
                    vocative = True
                    category = "greeting"
                if category in hits:
                    hits[category] += 1
                else:
                    hits[category] = 1
                    cue_end = view.char_span(i, i + 1 + len(rest))[1]
                    evidence[category] = view.text[view.idx[i]:cue_end]
        if not matched and has_words and _is_participle(view, cues, i):
            if "participle" in hits:
                hits["participle"] += 1
            else:
                hits["participle"] = 1
                evidence["participle"] = w

    if "reported_future" in hits:
        # "She said the Mission would open ...": a reported commitment; alone, a hedge
        moved = "commitment" if "reporting" in hits else "hedge"
        if moved not in hits:
            hits[moved] = 0
            evidence[moved] = evidence["reported_future"]
        hits[moved] += hits.pop("reported_future")
    if "percent_words" in hits or "percent_sign" in hits:
        labels.add("PERCENT")
    has_figure = figures > 0 or "figure_words" in hits or bool(labels & _FIGURE_LABELS)
    weak_only = (has_figure and figures == weak_figures and "figure_words" not in hits
                 and not labels & {"MONEY", "PERCENT", "QUANTITY"})
    if has_figure and ("money_words" in hits or "currency" in hits):
        labels.add("MONEY")
    if "months" in hits:
        labels.add("DATE")

    f = dict.fromkeys(config.weights, 0.0)
    f["figure"] = float(has_figure)
    f["small_number_only"] = float(weak_only and "percent_words" not in hits
                                   and "percent_sign" not in hits)
    f["figures_several"] = float(figures >= 2)
    f["money"] = float("MONEY" in labels)
    f["percent"] = float("PERCENT" in labels and has_figure)
    f["date"] = float(bool(labels & _DATE_LABELS))
    f["ordinal"] = float("ORDINAL" in labels)
    f["person"] = float("PERSON" in labels)
    f["org"] = float("ORG" in labels)
    f["place"] = float(bool(labels & _PLACE_LABELS) or "NORP" in labels)
    f["named_event_or_law"] = float(bool(labels & _NAMED_THING_LABELS))
    f["quote"] = float("quote" in hits)
    f["question"] = float("question" in hits)
    f["exclamation"] = float("exclamation" in hits)
    f["short"] = float(n_words < 4)
    f["brief"] = float(n_words < 8)
    if "reporting" in hits:
        f["reporting"] = 1.0
        if f["person"]:
            evidence["source"] = "person"
        elif "person_pronouns" in hits:
            evidence["source"] = "someone"
        elif f["org"]:
            evidence["source"] = "org"
        elif f["quote"]:
            evidence["source"] = "quote"
        f["attributed"] = float("source" in evidence)
    for name in _CUE_FEATURES:
        f[name] = float(name in hits)
    f["greeting"] = float("greeting" in hits or vocative)
    f["past_participle"] = float("participle" in hits and "event" not in hits)
    f["past"] = float("past" in hits)
    f["measurable"] = float("measurable" in hits)
    f["promise"] = float("promise" in hits)
    f["first_person"] = float(speaker < end and lower[speaker] in cues.first_person)
    has_verb = not hits.keys().isdisjoint(_VERB_CATEGORIES)
    f["heading_without_verb"] = float(
        not has_verb and not has_figure and _is_heading_end(view, start, end))
    return _Analysis({k: f[k] for k in config.weights}, evidence, labels)


def _is_heading_end(view: _View, start: int, end: int) -> bool:
    """True when the unit does not end with closing punctuation."""
    i = end - 1
    quotes = _config().quote_marks
    while i >= start and (view.words[i] in quotes or view.words[i] in _CLOSERS):
        i -= 1
    return i < start or view.words[i][-1] not in _TERMINAL


def claim_features(sent: Span) -> dict[str, float]:
    """The features of one sentence or clause, each in ``[0, 1]``, named as in
    :func:`feature_names`, from the tokens and ``doc.ents`` only."""
    view = _view_of(sent.doc)
    return _analyse(view, sent.start, sent.end, _cues(sent.doc.lang_)).features


def claim_score(features: dict[str, float]) -> float:
    """The score in ``[0, 1]`` of a feature dict: a logistic of the weighted sum."""
    config = _config()
    z = config.bias + sum(config.weights.get(k, 0.0) * v for k, v in features.items())
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


# --------------------------------------------------------------------------- reasons


def _with(words: str, cue: str | None) -> str:
    return f"{words} ({cue})" if cue else words


def _reason(analysis: _Analysis) -> str:
    """The strongest features of a unit in plain words, e.g. "a figure and a date;
    attributed to a named person"."""
    f, ev, w = analysis.features, analysis.evidence, _config().weights
    parts: list[tuple[float, str]] = []

    figure_weight = sum(w[k] * f[k] for k in ("figure", "figures_several", "money", "percent"))
    if f["money"]:
        figure = "an amount of money"
    elif f["percent"]:
        figure = "a percentage"
    elif f["figures_several"]:
        figure = "figures"
    elif f["figure"]:
        figure = "a figure"
    else:
        figure = ""
    if figure and f["date"]:
        parts.append((figure_weight + w["date"], f"{figure} and a date"))
    elif figure:
        parts.append((figure_weight, figure))
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
        elif source:
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
    if negatives:
        shown.append("but " + min(negatives)[1])
    return "; ".join(shown) if shown else "no strong cue"


def claim_reason(sent: Span) -> str:
    """The reason text a suggestion for ``sent`` carries."""
    view = _view_of(sent.doc)
    return _reason(_analyse(view, sent.start, sent.end, _cues(sent.doc.lang_)))


# --------------------------------------------------------------------------- suggestions


def suggest_doc(
    doc: Doc, *, threshold: float = 0.5, offset: int = 0, text: str | None = None
) -> list[SuggestionRow]:
    """The claim suggestions of one processed ``Doc`` as rows, offsets shifted by ``offset``.

    ``text``, when given, must be the text the doc was made from (it saves rebuilding
    it from the tokens)."""
    if text is not None:
        length = doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0
        if len(text) != length:
            text = None
    view = _view_of(doc, text)
    cues = _cues(doc.lang_)
    text = view.text
    out: list[SuggestionRow] = []

    def scored(span: tuple[int, int]) -> tuple[float, _Analysis]:
        analysis = _analyse(view, span[0], span[1], cues)
        return claim_score(analysis.features), analysis

    def emit(span: tuple[int, int], score: float, analysis: _Analysis) -> None:
        start, end = view.char_span(*span)
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            out.append((start + offset, end + offset, LABEL, round(score, 3),
                        _reason(analysis)))

    for sentence, clauses in _units(view, cues):
        score, analysis = scored(sentence)
        if not clauses:
            if score >= threshold:
                emit(sentence, score, analysis)
            continue
        results = [(clause, *scored(clause)) for clause in clauses]
        passing = [r for r in results if r[1] >= threshold]
        clearly_not = all(r[1] < threshold / 2 for r in results if r[1] < threshold)
        # A clause after ", but" or ", while" leans on the one before: the claim is the
        # whole sentence, never one starting at "but".
        contrast = any(view.lower[clause[0]] in cues.contrast_joiners
                       for clause, _, _ in results[1:])
        if passing and len(passing) < len(results) and clearly_not and not contrast:
            for clause, clause_score, clause_analysis in passing:
                emit(clause, clause_score, clause_analysis)
        elif score >= threshold:
            emit(sentence, score, analysis)
        elif passing:  # a clause is a claim, the whole scores lower: keep the best
            best = max(passing, key=lambda r: r[1])
            emit(sentence, best[1], best[2])
    return out


# --------------------------------------------------------------------------- pipelines


def _default_pipeline(language: str) -> Language:
    from .entity_rules import build_nlp

    return build_nlp(language)


def _load_model(model: str) -> Language:
    path = Path(model).expanduser()
    is_path = path.exists() or "/" in model or "\\" in model
    try:
        nlp = spacy.load(path if path.exists() else model)
    except OSError as exc:
        if path.exists():
            raise SuggesterError(
                f"spaCy pipeline folder '{model}' could not be loaded: {exc}") from exc
        if is_path:
            raise SuggesterError(f"spaCy pipeline folder '{model}' does not exist") from None
        raise SuggesterError(
            f"spaCy pipeline '{model}' is not installed. Install it with: "
            f"python -m spacy download {model}, or give a path to a pipeline folder"
        ) from None
    except (ImportError, ValueError, KeyError) as exc:
        raise SuggesterError(f"spaCy pipeline '{model}' could not be loaded: {exc}") from exc
    if not any(name in nlp.pipe_names for name in ("parser", "senter", "sentencizer")):
        if "senter" in nlp.component_names:
            nlp.enable_pipe("senter")
        else:
            nlp.add_pipe("sentencizer")
    return nlp


def _pieces(text: str, limit: int) -> list[tuple[str, int]]:
    """Cut a text longer than a pipeline's ``max_length`` at line breaks (or spaces)."""
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
    """Proposes CLAIM spans scored from cue words, figures and entities.

    ``model``: ``None`` uses the built-in rule pipeline of each document's language;
    otherwise the name or folder of an installed spaCy pipeline, whose ``ner`` supplies
    the entities and whose parser or senter the sentences (a sentencizer is added when it
    has neither); it is used for every document. ``threshold``: the lowest score proposed.
    """

    def __init__(self, model: str | None = None, threshold: float = 0.5) -> None:
        try:
            threshold = float(threshold)
        except (TypeError, ValueError):
            raise SuggesterError(f"threshold must be a number, got {threshold!r}") from None
        if not 0.0 <= threshold <= 1.0:
            raise SuggesterError(f"threshold must be between 0 and 1, got {threshold}")
        self.threshold = threshold
        self.model = model or None
        self._pipelines: dict[str, Language] = {}
        _config()  # a broken cue file fails here, not in the middle of a run
        if self.model:
            nlp = _load_model(self.model)
            self._pipelines["*"] = nlp
            meta = nlp.meta
            self.info = SuggesterInfo(
                name=NAME,
                kind=LabelKind.CLAIM,
                pipeline=f"{meta.get('lang', nlp.lang)}_{meta.get('name', 'pipeline')}",
                pipeline_version=meta.get("version"),
                spacy_version=spacy.__version__,
            )
        else:
            self.info = SuggesterInfo(name=NAME, kind=LabelKind.CLAIM,
                                      spacy_version=spacy.__version__)

    def _pipeline(self, key: str) -> Language:
        nlp = self._pipelines.get(key)
        if nlp is None:
            try:
                nlp = _default_pipeline(key)
            except SuggesterError:
                raise
            except Exception as exc:  # noqa: BLE001 - e.g. a language spaCy does not know
                raise SuggesterError(f"no rule pipeline for language {key!r}: {exc}") from exc
            self._pipelines[key] = nlp
        return nlp

    def suggest(
        self, docs: Iterable[SuggesterInput], *, batch_size: int = 64, n_process: int = 1
    ) -> Iterator[tuple[Any, list[Suggestion]]]:
        """Yield ``(key, suggestions)`` for each input, in input order."""
        yield from as_suggestions(
            self.suggest_rows(docs, batch_size=batch_size, n_process=n_process))

    def suggest_rows(
        self, docs: Iterable[SuggesterInput], *, batch_size: int = 64, n_process: int = 1
    ) -> Iterator[tuple[Any, list[SuggestionRow]]]:
        """Yield ``(key, rows)`` for each input, in input order.

        Inputs are read in chunks; within a chunk they are grouped by language and each
        group goes through ``nlp.pipe``. Several processes each take a few documents at a
        time (see :mod:`.parallel`)."""
        batch_size = max(1, batch_size)
        if n_process > 1:
            config = {"model": self.model, "threshold": self.threshold}
            yield from suggest_in_processes(self, NAME, config, docs, n_process=n_process,
                                            batch_size=batch_size)
            return
        chunk_size = max(512, batch_size * 16)
        chunk: list[SuggesterInput] = []
        for item in docs:
            chunk.append(item)
            if len(chunk) >= chunk_size:
                yield from self.suggest_here(chunk, batch_size)
                chunk = []
        if chunk:
            yield from self.suggest_here(chunk, batch_size)

    def suggest_here(
        self, items: list[SuggesterInput], batch_size: int
    ) -> list[tuple[Any, list[SuggestionRow]]]:
        """Suggestion rows for ``items`` computed in this process, in input order."""
        results: list[list[SuggestionRow]] = [[] for _ in items]
        groups: dict[str, list[int]] = {}
        for i, item in enumerate(items):
            key = "*" if self.model else (item.language or "en")
            groups.setdefault(key, []).append(i)
        for key, positions in groups.items():
            nlp = self._pipeline(key)
            pieces = [
                (piece, (i, offset, piece))
                for i in positions
                for piece, offset in _pieces(items[i].text, nlp.max_length)
            ]
            for doc, (i, offset, piece) in nlp.pipe(pieces, as_tuples=True,
                                                    batch_size=batch_size):
                results[i].extend(
                    suggest_doc(doc, threshold=self.threshold, offset=offset, text=piece))
        return [(item.key, rows) for item, rows in zip(items, results)]
