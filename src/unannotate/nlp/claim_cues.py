"""The cue words and weights of the built-in claim suggester, read from
``resources/claim_cues.json`` (its ``_note`` and ``_features`` describe them) and compiled
per language."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language

from ..resources import resources_dir
from .base import SuggesterError

CUES_FILE = "claim_cues.json"

# Cue categories of the per-language lists in the cue file.
_WORD_CATEGORIES = (
    "reporting", "comparative", "causal", "commitment", "event", "past", "measurable", "hedge",
    "opinion", "normative", "evaluative", "greeting", "vocative", "verbs", "months",
    "figure_words", "percent_words", "money_words", "person_pronouns",
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
    future: frozenset[str]  # "will", "going to": a commitment only when concrete
    pronoun_subjects: frozenset[str]  # "it will", "you'll": a prediction, even with a name
    self_reference: frozenset[str]  # "I", "me" after the first word: the speaker's own story
    addressee: frozenset[str]  # "you", "your": spoken to the listener
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
        future=words_of("future"),
        pronoun_subjects=words_of("pronoun_subjects"),
        self_reference=words_of("self_reference"),
        addressee=words_of("addressee"),
        discourse_markers=words_of("discourse_markers"),
        small_numbers=words_of("small_numbers"),
        passive_participles=words_of("passive_participles"),
        has_words=bool(data),
    )


def feature_names() -> list[str]:
    """The names of the features :func:`claim_features` returns, in a stable order."""
    return list(_config().weights)
