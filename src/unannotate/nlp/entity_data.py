"""The data of the built-in entity suggester: gazetteers, titles and token patterns read
from ``resources/gazetteers/`` (described in its README), ready for the pipeline.

Also the names the pipeline's parts share (component names, the spans key of the raw
matches, the internal title label) and the word lists the resolver cleans matches with."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from spacy.schemas import validate_token_pattern

from ..resources import resources_dir
from .base import SuggesterError

CANDIDATES_KEY = "unannotate_entity_matches"  # the ruler's raw matches, removed by the resolver
TITLE_LABEL = "_TITLE"  # internal: a title that may introduce a person's name

RULER_NAME = "unannotate_entity_ruler"
PATTERNS_NAME = "unannotate_entity_patterns"
RESOLVER_NAME = "unannotate_entity_resolver"

GAZETTEER_FILES = ("organisations.json", "places.json", "norp.json", "events_laws.json")
PATTERN_FILES = ("patterns_numbers.jsonl", "patterns_dates.jsonl", "patterns_names.jsonl")

# Words stripped from the start of a pattern-made ORG, EVENT or LAW ("The Security Council").
_LEADING_NAME_STRIP = frozenset(
    """the a an this that these those its his her their our my your in on at by for from with of
    to as and or but after before during since until under over while when where if today
    yesterday tomorrow meanwhile however also both all some each every said says""".split()
)
# Words dropped from the end of any pattern match (patterns end in optional tokens).
_TRAILING_STRIP = frozenset("of the on for and to in a an this that next last with against".split())
# Words that are a date only with a word before them ("in May", not "May I ...").
_AMBIGUOUS_ALONE = frozenset({"May"})
_TRAILING_PUNCT = frozenset({",", ";", ":", "-", "–", "—", "(", "/", '"', "“", "'", "’"})
# Words stripped from the start of a DATE or TIME ("in May" -> "May").
_LEADING_DATE_STRIP = frozenset(
    "in on at since until till by from during before after of through".split()
)
_APOSTROPHES = "'’"


@dataclass(frozen=True)
class _RulesData:
    phrases: list[dict[str, Any]]  # span_ruler patterns: label, pattern (text), id
    tokens: list[dict[str, Any]]  # token patterns: label, pattern (list), id, extend_left, trim
    particles: list[str]
    stop_name_words: list[str]
    ordinal_words: list[str]
    language_words: list[str]
    given_names: list[str]


# -- the data files ---------------------------------------------------------------------


def gazetteer_dir() -> Path | Traversable:
    return resources_dir() / "gazetteers"


def _read_text(name: str) -> str:
    path = gazetteer_dir() / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SuggesterError(f"the gazetteer file {name} is missing from {gazetteer_dir()}") from None


def _read_json(name: str) -> Any:
    try:
        return json.loads(_read_text(name))
    except json.JSONDecodeError as exc:
        raise SuggesterError(f"the gazetteer file {name} is not valid JSON: {exc}") from None


def _read_jsonl(name: str) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(_read_text(name).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise SuggesterError(f"{name}:{number}: not valid JSON: {exc}") from None
    return rows


def _applies(languages: Sequence[str] | None, language: str) -> bool:
    languages = languages or ["en"]
    return "*" in languages or language in languages


def _plural(word: str) -> str | None:
    """The plural noun of a nationality word ("Kenyan" -> "Kenyans"), or None where
    English uses the adjective for the people ("the French", "the Swiss", "the Chinese")."""
    if word.endswith(("s", "sh", "x", "z", "ese", "nch", "tch")):
        return None
    return word + "s"


def _state_phrases(language: str) -> list[tuple[str, str, str]]:
    """(text, label, reason) for member and observer states, capitals and demonyms."""
    data = _read_json("countries.json")
    out: list[tuple[str, str, str]] = []
    place_names: set[str] = set()
    for state in data["states"]:
        reason = (
            "gazetteer: listed member state"
            if state.get("status") == "member"
            else "gazetteer: listed observer state"
        )
        for name in [state["name"], *state.get("aliases", [])]:
            out.append((name, "GPE", reason))
            place_names.add(name)
        for capital in state.get("capitals", []):
            out.append((capital, "GPE", "gazetteer: listed capital city"))
            place_names.add(capital)
    if language != "en":
        return out
    for state in data["states"]:
        for demonym in state.get("demonyms", []):
            out.append((demonym, "NORP", "gazetteer: listed nationality"))
            plural = _plural(demonym)
            if plural and plural not in place_names:
                out.append((plural, "NORP", "gazetteer: listed nationality"))
    return out


def _group_phrases(name: str, language: str) -> list[tuple[str, str, str]]:
    data = _read_json(name)
    out = []
    file_languages = data.get("languages")
    for group in data["groups"]:
        languages = group.get("languages", file_languages)
        label, reason = group["label"], "gazetteer: " + group["reason"]
        for phrase in group["phrases"]:
            # An acronym ("UNICEF") reads the same in any language.
            if _applies(languages, language) or (phrase.isupper() and len(phrase) > 1):
                out.append((phrase, label, reason))
    return out


def _expand_values(spec: dict[str, Any]) -> dict[str, Any]:
    """Replace {"IN": {"RANGE": [a, b]}} by the numbers a..b as text."""
    out: dict[str, Any] = {}
    for key, value in spec.items():
        if isinstance(value, dict):
            value = {
                op: [str(n) for n in range(arg["RANGE"][0], arg["RANGE"][1] + 1)]
                if isinstance(arg, dict) and "RANGE" in arg
                else arg
                for op, arg in value.items()
            }
        out[key] = value
    return out


class _PatternExpander:
    """Expands ``{"CLASS": ...}`` tokens of the pattern files (see token_classes.json)."""

    def __init__(self, classes: dict[str, Any]) -> None:
        self.classes = classes

    def expand(self, pattern: list[dict[str, Any]], where: str) -> list[list[dict[str, Any]]]:
        results: list[list[dict[str, Any]]] = [[]]
        for token in pattern:
            alternatives = self._alternatives(token, where)
            results = [done + alt for done in results for alt in alternatives]
        return [r for r in results if r]

    def _alternatives(self, token: dict[str, Any], where: str) -> list[list[dict[str, Any]]]:
        if "CLASS" not in token:
            return [[_expand_values(token)]]
        name = token["CLASS"]
        try:
            cls = self.classes[name]
        except KeyError:
            raise SuggesterError(f"{where}: unknown token class {name!r}") from None
        rest = {k: v for k, v in token.items() if k != "CLASS"}
        if "alternatives" in cls:
            op = rest.pop("OP", None)
            if rest or op not in (None, "?"):
                raise SuggesterError(
                    f"{where}: the multi-token class {name!r} takes no attributes but \"OP\": \"?\""
                )
            out: list[list[dict[str, Any]]] = []
            for sequence in cls["alternatives"]:
                out.extend(self.expand(sequence, where))
            if op == "?":
                out.append([])
            return out
        if "any" in cls:
            return [[{"any": [_expand_values(s) for s in cls["any"]], **rest}]]
        return [[{**_expand_values(cls), **rest}]]


def _extension(
    extend: dict[str, Any], classes: dict[str, Any], expander: _PatternExpander, tokenize: Any,
    where: str,
) -> dict[str, Any]:
    """An ``extend_left`` of a pattern file: words before a match that join it, given as
    a class of single words with "max" (capitalised words before "Convention") or a class
    of "phrases" ("more than", "about" before a number)."""
    cls = classes.get(extend.get("CLASS", ""), {})
    if "phrases" in cls:
        return {"phrases": [[t.lower() for t in tokenize(p)] for p in cls["phrases"]]}
    spec = {k: v for k, v in extend.items() if k != "max"}
    ((token,),) = expander.expand([spec], where)
    return {"spec": token, "max": int(extend.get("max", 1))}


def _load_data(language: str, tokenize: Any) -> _RulesData:
    phrases: list[dict[str, Any]] = []
    seen: dict[str, str] = {}

    def add(text: str, label: str, reason: str) -> None:
        if text in seen:  # first listing wins: a capital that is also a state name, ...
            return
        seen[text] = label
        phrases.append({"label": label, "pattern": text, "id": reason})

    listed = _state_phrases(language)
    for name in GAZETTEER_FILES:
        listed += _group_phrases(name, language)
    for text, label, reason in listed:
        add(text, label, reason)
    # Datelines write places in capitals: "NEW YORK, 14 March 2025 —".
    for text, label, reason in listed:
        if label == "GPE" and text.upper() != text:
            add(text.upper(), label, reason)

    titles = _read_json("titles.json")
    title_words: set[str] = set()
    if _applies(titles.get("languages"), language):
        two_words = set(titles.get("two_word_names", []))
        for title in titles["titles"]:
            kind = "title: two words" if title in two_words else "title"
            phrases.append({"label": TITLE_LABEL, "pattern": title, "id": kind})
            title_words.update(t for t in tokenize(title) if t[:1].isalpha())

    classes = _read_json("token_classes.json")["classes"]
    expander = _PatternExpander(classes)
    tokens: list[dict[str, Any]] = []
    for name in PATTERN_FILES:
        for number, row in enumerate(_read_jsonl(name), start=1):
            if not _applies(row.get("languages"), language):
                continue
            for pattern in expander.expand(row["pattern"], f"{name}:{number}"):
                plain = [t for t in pattern if "any" not in t]
                problems = validate_token_pattern(plain) if len(plain) == len(pattern) else []
                if problems:
                    raise SuggesterError(f"{name}:{number}: {'; '.join(problems)}")
                entry = {"label": row["label"], "pattern": pattern, "id": row["id"]}
                if "extend_left" in row:
                    entry["extend_left"] = _extension(row["extend_left"], classes, expander,
                                                      tokenize, f"{name}:{number}")
                if "trim" in row:
                    entry["trim"] = [int(row["trim"][0]), int(row["trim"][1])]
                tokens.append(entry)

    def class_words(*names: str) -> set[str]:
        words: set[str] = set()
        for cls_name in names:
            for spec in classes[cls_name].values():
                if isinstance(spec, dict) and isinstance(spec.get("IN"), list):
                    words.update(spec["IN"])
        return words

    stop_name_words = (
        title_words
        | class_words("MONTH", "WEEKDAY", "ORG_HEAD", "LAW_HEAD", "EVENT_HEAD")
        | {w.capitalize() for w in _LEADING_NAME_STRIP}
        | {"I", "We", "He", "She", "They", "It", "You", "Republic", "Kingdom", "Federation",
           "State", "States", "Nations", "United", "Government", "People", "Member"}
    )
    return _RulesData(
        phrases=phrases,
        tokens=tokens,
        particles=list(titles.get("particles", [])),
        stop_name_words=sorted(stop_name_words),
        ordinal_words=sorted(class_words("ORD_WORD")),
        language_words=sorted(_read_json("norp.json").get("languages_too", [])),
        given_names=_given_names(language),
    )


def _given_names(language: str) -> list[str]:
    """The listed given names that start a person's name (given_names.json)."""
    data = _read_json("given_names.json")
    if not _applies(data.get("languages"), language):
        return []
    return sorted({name for group in data["groups"] for name in group["names"]})

