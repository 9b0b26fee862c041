"""Entity suggestions from gazetteers and token patterns, with no trained pipeline.

``build_nlp(language)`` makes a blank spaCy pipeline: the language's tokenizer, a
``sentencizer``, a ``span_ruler`` with the names listed in ``resources/gazetteers/``, a
token-pattern matcher with the patterns there (numbers, dates, money, sessions, names ending
in "Convention" or "Agency"), and a resolver that turns their overlapping matches into
``doc.ents``:

- a title ("Secretary-General", "Ambassador", "Mr.") next to a capitalised name marks the
  name, not the title, as PERSON; a name given so is found again elsewhere in the text;
- "the" is dropped from the start of pattern-made names, "in" from dates, dangling "of the"
  from their ends; pattern-made names on a title-case heading line are dropped;
- of overlapping candidates the longest wins (in tokens); on a tie a listed name beats a
  pattern and a pattern beats a guess, then the label order in ``LABEL_PRIORITY`` decides.

The lists and patterns cover English; other languages get their own tokenizer plus the
language-independent patterns (numbers in digits, "%", currency symbols, years, member-state
names written the same way). ``resources/gazetteers/README.md`` describes the files.
"""

from __future__ import annotations

import bisect
import json
import pkgutil
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np
import spacy
from spacy.attrs import IDS, IS_PUNCT, IS_SPACE, IS_TITLE, IS_UPPER, LIKE_NUM, LOWER, ORTH, SPACY
from spacy.lang.lex_attrs import word_shape
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.schemas import validate_token_pattern
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

NAME = "unannotate.entities.rules.v1"

CANDIDATES_KEY = "unannotate_entity_matches"  # the ruler's raw matches, removed by the resolver
TITLE_LABEL = "_TITLE"  # internal: a title that may introduce a person's name

RULER_NAME = "unannotate_entity_ruler"
PATTERNS_NAME = "unannotate_entity_patterns"
RESOLVER_NAME = "unannotate_entity_resolver"

# Ties between candidates covering the same number of tokens: earlier in this list wins.
LABEL_PRIORITY: dict[str, int] = {
    label: len(order) - rank
    for order in [
        [
            "EVENT", "LAW", "ORG", "GPE", "LOC", "FAC", "NORP", "PERSON", "LANGUAGE", "PRODUCT",
            "WORK_OF_ART", "DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "ORDINAL", "CARDINAL",
        ]
    ]
    for rank, label in enumerate(order)
}

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


# Token attributes that depend on the word alone, so a test on them can be a lexeme flag.
_LEXICAL_ATTRS = frozenset(
    "ORTH TEXT LOWER NORM SHAPE LIKE_NUM LIKE_URL LIKE_EMAIL IS_TITLE IS_UPPER IS_LOWER IS_ALPHA "
    "IS_ASCII IS_DIGIT IS_PUNCT IS_SPACE IS_CURRENCY IS_QUOTE IS_BRACKET LENGTH PREFIX SUFFIX".split()
)
_FLAG_IDS = [IDS[f"FLAG{n}"] for n in range(19, 64)]
# The last two flags mark where token pattern matches can start (TokenPatternMatcher).
_TEST_FLAGS, _WINDOW_FLAGS = _FLAG_IDS[:-2], _FLAG_IDS[-2:]


class _LexicalTest:
    """A token spec evaluated on a word's text: the getter of a lexeme flag.

    Module-level and plain data so that a pipeline using it can be pickled."""

    def __init__(self, spec: dict[str, Any], like_num: Any) -> None:
        self.spec = {k: v for k, v in spec.items() if k != "OP"}
        self.like_num = like_num
        self._regexes: dict[str, re.Pattern[str]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"spec": self.spec, "like_num": self.like_num}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["spec"], state["like_num"])  # type: ignore[misc]

    def _value(self, attr: str, text: str) -> Any:
        if attr in ("ORTH", "TEXT"):
            return text
        if attr in ("LOWER", "NORM"):
            return text.lower()
        if attr == "SHAPE":
            return word_shape(text)
        if attr == "LIKE_NUM":
            return bool(self.like_num(text)) if self.like_num else text.isdigit()
        if attr == "LENGTH":
            return len(text)
        if attr == "PREFIX":
            return text[:1]
        if attr == "SUFFIX":
            return text[-3:]
        return bool(
            {
                "IS_TITLE": text.istitle,
                "IS_UPPER": text.isupper,
                "IS_LOWER": text.islower,
                "IS_ALPHA": text.isalpha,
                "IS_ASCII": text.isascii,
                "IS_DIGIT": text.isdigit,
                "IS_SPACE": text.isspace,
            }.get(attr, lambda: False)()
        )

    def _holds(self, spec: dict[str, Any], text: str) -> bool:
        if "any" in spec:
            return any(self._holds(s, text) for s in spec["any"])
        for attr, want in spec.items():
            value = self._value(attr, text)
            if not isinstance(want, dict):
                if value != want:
                    return False
                continue
            for op, arg in want.items():
                if op == "IN" and value not in arg:
                    return False
                if op == "NOT_IN" and value in arg:
                    return False
                if op == "REGEX":
                    regex = self._regexes.get(arg) or self._regexes.setdefault(arg, re.compile(arg))
                    if not regex.search(str(value)):
                        return False
        return True

    def __call__(self, text: str) -> bool:
        return self._holds(self.spec, text)


def _needs_flag(spec: dict[str, Any]) -> bool:
    keys = [k for k in spec if k != "OP"]
    if "any" in keys:
        return True
    return bool(keys) and all(k.upper() in _LEXICAL_ATTRS for k in keys) and any(
        isinstance(spec[k], dict) for k in keys
    )


def _is_lexical(spec: dict[str, Any]) -> bool:
    keys = [k for k in spec if k != "OP"]
    return "any" in keys or (bool(keys) and all(k.upper() in _LEXICAL_ATTRS for k in keys))


def _repeats(op: str | None) -> tuple[int, int]:
    """The least and most times a pattern token matches, "*" and "+" counting as
    ``_STAR_LENGTH`` at most."""
    if op is None or op == "!":
        return 1, 1
    if op in ("?", "*", "+"):
        return (0 if op != "+" else 1), (1 if op == "?" else _STAR_LENGTH)
    m = re.fullmatch(r"\{(\d*)(,?)(\d*)\}", op)
    if not m:
        raise SuggesterError(f"unknown pattern operator {op!r}")
    low = int(m.group(1) or 0)
    high = int(m.group(3)) if m.group(3) else (low if not m.group(2) else _STAR_LENGTH)
    return low, high


def _leading(pattern: list[dict[str, Any]]) -> int:
    """How many tokens of a pattern can be its first matched token: the optional ones
    before the first required token, and that token."""
    for i, token in enumerate(pattern):
        if _repeats(token.get("OP"))[0] > 0:
            return i + 1
    return len(pattern)


def _spec_key(token: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in token.items() if k != "OP"}, sort_keys=True,
                      ensure_ascii=False)


def _use_flags(nlp: Language, patterns: list[dict[str, Any]]) -> None:
    """Turn tests on a single word into lexeme flags: every "any" test and every word
    class of an ``extend_left`` first, then set and regex tests that can start a match,
    then the most used others, while flags last.

    A flag is a bit the matcher checks in C, computed once per distinct word; a set or
    regex test is a Python call for every token it is tried on. The tests as written stay
    in ``entry["tests"]`` for ``TokenPatternMatcher`` to find where matches can start."""
    uses: dict[str, int] = {}
    must: set[str] = set()
    starting: set[str] = set()
    for entry in patterns:
        entry["tests"] = entry["pattern"]
        if "spec" in entry.get("extend_left", {}):
            key = _spec_key(entry["extend_left"]["spec"])
            uses[key] = uses.get(key, 0) + 1
            must.add(key)
        lead = _leading(entry["pattern"])
        for i, token in enumerate(entry["pattern"]):
            if i < lead and not _is_lexical(token):
                raise SuggesterError(
                    f"a token pattern must start with tests on the word itself: {entry['pattern']}"
                )
            if _needs_flag(token):
                key = _spec_key(token)
                uses[key] = uses.get(key, 0) + 1
                if '"any"' in key:
                    must.add(key)
                if i < lead:
                    starting.add(key)
    if len(must) > len(_TEST_FLAGS):
        raise SuggesterError(
            f"the token patterns need {len(must)} word tests as lexeme flags; there are "
            f"{len(_TEST_FLAGS)}: merge some token classes"
        )
    ranked = sorted(uses, key=lambda k: (k not in must, k not in starting, -uses[k]))
    like_num = nlp.vocab.lex_attr_getters.get(LIKE_NUM)
    flags: dict[str, int] = {}
    for key, flag_id in zip(ranked, _TEST_FLAGS):
        nlp.vocab.add_flag(_LexicalTest(json.loads(key), like_num), flag_id=flag_id)
        flags[key] = flag_id
    for entry in patterns:
        if "spec" in entry.get("extend_left", {}):
            entry["extend_left"]["flag"] = flags[_spec_key(entry["extend_left"]["spec"])]
        converted = []
        for token in entry["pattern"]:
            key = _spec_key(token)
            if key not in flags:
                converted.append(token)
                continue
            flag: dict[str, Any] = {f"FLAG{flags[key]}": True}
            if "OP" in token:
                flag["OP"] = token["OP"]
            converted.append(flag)
        entry["pattern"] = converted


_STAR_LENGTH = 6  # how far "*" and "+" tokens are expected to reach, for the match windows
_LOOKBACK = 8  # at most this many optional tokens before a match's first required token


class _AnyOf:
    """A flag getter true when any of the given getters is."""

    def __init__(self, getters: list[Any]) -> None:
        self.getters = getters

    def __call__(self, text: str) -> bool:
        return any(getter(text) for getter in self.getters)


class TokenPatternMatcher:
    """The token patterns of the data files, matched only where a match can start.

    spaCy's Matcher tries every pattern at every token, which costs several times the
    tokenizer. So the patterns are grouped by their first required token, one ``Matcher``
    a group; two lexeme flags, computed once per distinct word, mark the words that can
    start a match and the words that may come before one (an optional "the"), so one
    ``to_array`` call finds where matches can be, and each group's matcher runs only on
    short windows there. Matches go to ``doc.spans[spans_key]`` with the pattern's label and
    id, after what the phrase ruler put there."""

    def __init__(self, vocab: Any, spans_key: str) -> None:
        self.vocab = vocab
        self.spans_key = spans_key
        self._matchers: dict[str, Matcher] = {}  # first required test -> its patterns
        self._reach: dict[str, int] = {}  # first required test -> tokens a match can reach
        self._tests: dict[str, _LexicalTest] = {}
        self._lead_tests: dict[str, _LexicalTest] = {}  # tests of tokens before a start
        self._keys: dict[int, tuple[str, str]] = {}
        self._extend: dict[int, tuple[int, int]] = {}  # key -> (flag, most tokens)
        self._extend_phrases: dict[int, list[tuple[int, ...]]] = {}  # key -> lower-case hashes
        self._trim: dict[int, tuple[int, int]] = {}
        self._groups_by_word: dict[int, list[str]] = {}
        self._prepared = False

    def add_patterns(self, patterns: list[dict[str, Any]]) -> None:
        """Add patterns already passed through ``_use_flags``."""
        like_num = self.vocab.lex_attr_getters.get(LIKE_NUM)
        for entry in patterns:
            label, reason, pattern = entry["label"], entry.get("id", ""), entry["pattern"]
            tests = entry.get("tests", pattern)
            extend = entry.get("extend_left")
            trim = tuple(entry.get("trim", (0, 0)))
            key = self.vocab.strings.add(repr((label, reason, json.dumps(extend), trim)))
            self._keys[key] = (label, reason)
            if extend and "flag" in extend:
                self._extend[key] = (extend["flag"], extend["max"])
            elif extend:
                phrases = [tuple(self.vocab.strings.add(w) for w in p) for p in extend["phrases"]]
                self._extend_phrases[key] = sorted(phrases, key=len, reverse=True)
            if trim != (0, 0):
                self._trim[key] = trim  # type: ignore[assignment]
            lead = _leading(pattern)
            required = _spec_key(tests[lead - 1])
            self._tests[required] = _LexicalTest(tests[lead - 1], like_num)
            for token in tests[: lead - 1]:
                self._lead_tests[_spec_key(token)] = _LexicalTest(token, like_num)
            reach = sum(_repeats(t.get("OP"))[1] for t in pattern[lead - 1:])
            self._reach[required] = max(self._reach.get(required, 0), reach)
            matcher = self._matchers.setdefault(required, Matcher(self.vocab, validate=False))
            matcher.add(key, [pattern])
        self._prepared = False

    def _prepare(self) -> None:
        trigger, lead = _WINDOW_FLAGS
        self.vocab.add_flag(_AnyOf(list(self._tests.values())), flag_id=trigger)
        self.vocab.add_flag(_AnyOf(list(self._lead_tests.values())), flag_id=lead)
        self._groups_by_word = {}
        self._prepared = True

    def _groups_of(self, orth: int) -> list[str]:
        groups = self._groups_by_word.get(orth)
        if groups is None:
            text = self.vocab.strings[orth]
            groups = [key for key, test in self._tests.items() if test(text)]
            self._groups_by_word[orth] = groups
        return groups

    def windows(self, doc: Doc) -> dict[str, list[tuple[int, int]]]:
        """For each group (first flag), merged token ranges ``[start, end)`` that hold all
        its possible matches."""
        n = len(doc)
        if n == 0 or not self._matchers:
            return {}
        if not self._prepared:
            self._prepare()
        table = doc.to_array([*_WINDOW_FLAGS, ORTH]).reshape(n, 3)
        triggers = np.flatnonzero(table[:, 0])
        leading = table[:, 1].tolist()
        orths = table[:, 2]
        out: dict[str, list[tuple[int, int]]] = {}
        for t in triggers.tolist():
            start = t
            while start > 0 and leading[start - 1] and t - start < _LOOKBACK:
                start -= 1
            for group in self._groups_of(int(orths[t])):
                end = min(n, t + self._reach[group])
                ranges = out.setdefault(group, [])
                if ranges and start <= ranges[-1][1]:
                    ranges[-1] = (ranges[-1][0], max(ranges[-1][1], end))
                else:
                    ranges.append((start, end))
        return out

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        lowers: list[int] | None = None
        for group, ranges in self.windows(doc).items():
            matcher = self._matchers[group]
            for a, b in ranges:
                for key, start, end in matcher(doc[a:b]):
                    label, reason = self._keys[key]
                    start += a
                    end += a
                    if key in self._extend:
                        # Capitalised words before "Convention", "Airport"... belong to it.
                        flag, most = self._extend[key]
                        first = start
                        while start > 0 and first - start < most and doc[start - 1].check_flag(flag):
                            start -= 1
                    elif key in self._extend_phrases:
                        # "more than", "about" before a number belong to it.
                        if lowers is None:
                            lowers = doc.to_array(LOWER).tolist()
                        for phrase in self._extend_phrases[key]:
                            k = len(phrase)
                            if start >= k and tuple(lowers[start - k:start]) == phrase:
                                start -= k
                                break
                    if key in self._trim:
                        cut_start, cut_end = self._trim[key]
                        start, end = start + cut_start, end - cut_end
                        if start >= end:
                            continue
                    spans.append(Span(doc, start, end, label=label, span_id=reason))
        if self.spans_key in doc.spans:
            doc.spans[self.spans_key].extend(spans)
        else:
            doc.spans[self.spans_key] = spans
        return doc


@Language.factory(PATTERNS_NAME, default_config={"spans_key": CANDIDATES_KEY})
def make_token_pattern_matcher(nlp: Language, name: str, spans_key: str) -> TokenPatternMatcher:
    return TokenPatternMatcher(nlp.vocab, spans_key)


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
    )


# -- building the pipeline --------------------------------------------------------------


def supported_languages() -> list[str]:
    """Language codes for which spaCy has a blank pipeline."""
    import spacy.lang

    return sorted(
        m.name for m in pkgutil.iter_modules(spacy.lang.__path__) if m.ispkg and len(m.name) <= 3
    )


def _language_code(language: str) -> str:
    code = (language or "en").strip().replace("_", "-").split("-")[0].lower()
    return code or "en"


_BUILD_LOCK = threading.Lock()
_PIPELINES: dict[str, Language] = {}


def build_nlp(language: str = "en") -> Language:
    """The rules pipeline for ``language`` (an ISO code such as "en", "fr", "en-GB"), built
    once per process and shared: tokenizer, ``sentencizer`` (``doc.sents``), the phrase
    ruler, the token patterns and the resolver, which sets ``doc.ents`` (non-overlapping;
    each entity's ``id_`` is the reason shown to the reviewer). Raises SuggesterError for a
    language spaCy lacks."""
    code = _language_code(language)
    nlp = _PIPELINES.get(code)
    if nlp is not None:
        return nlp
    with _BUILD_LOCK:
        nlp = _PIPELINES.get(code)
        if nlp is None:
            nlp = _build(code, language)
            _PIPELINES[code] = nlp
    return nlp


def _build(code: str, asked: str) -> Language:
    known = supported_languages()
    if code not in known:
        raise SuggesterError(
            f"spaCy has no language {asked!r}; the languages it supports are: {', '.join(known)}"
        )
    try:
        nlp = spacy.blank(code)
    except ImportError as exc:
        raise SuggesterError(
            f"spaCy's tokenizer for {code!r} needs an extra package that is not installed: {exc}"
        ) from None
    nlp.add_pipe("sentencizer")
    data = _load_data(code, lambda text: [t.text for t in nlp.make_doc(text)])
    ruler = nlp.add_pipe(
        "span_ruler",
        name=RULER_NAME,
        config={
            "spans_key": CANDIDATES_KEY,
            "annotate_ents": False,
            "overwrite": True,
            "validate": False,
        },
    )
    ruler.add_patterns(data.phrases)
    _use_flags(nlp, data.tokens)  # the token patterns were validated when read
    patterns = nlp.add_pipe(PATTERNS_NAME, config={"spans_key": CANDIDATES_KEY})
    patterns.add_patterns(data.tokens)
    nlp.add_pipe(
        RESOLVER_NAME,
        config={
            "particles": data.particles,
            "stop_name_words": data.stop_name_words,
            "ordinal_words": data.ordinal_words,
            "language_words": data.language_words,
        },
    )
    return nlp


# -- turning the ruler's matches into entities -------------------------------------------


@Language.factory(
    RESOLVER_NAME,
    default_config={
        "particles": [], "stop_name_words": [], "ordinal_words": [], "language_words": []
    },
)
def make_entity_resolver(
    nlp: Language,
    name: str,
    particles: list[str],
    stop_name_words: list[str],
    ordinal_words: list[str],
    language_words: list[str],
) -> EntityResolver:
    return EntityResolver(nlp.vocab, particles, stop_name_words, ordinal_words, language_words)


_INITIAL = re.compile(r"^[A-Z]\.$")
_ORDINAL_DIGITS = re.compile(r"^\d+(st|nd|rd|th)$", re.IGNORECASE)
_HYPHENS = frozenset({"-", "‑", "–"})


_Match = tuple[int, int, str, str]  # start token, end token, label, reason


class _Tokens:
    """A document's token attributes as plain lists, read once: indexing ``doc[i]`` makes
    a Python object per access, which the resolver would do tens of thousands of times."""

    __slots__ = ("orth", "lower", "punct", "space", "ws", "title", "strings", "orth_array",
                 "_headings", "_breaks")

    def __init__(self, doc: Doc) -> None:
        table = doc.to_array([ORTH, LOWER, IS_PUNCT, IS_SPACE, SPACY, IS_TITLE, IS_UPPER])
        table = table.reshape(len(doc), 7)
        self.orth_array = table[:, 0]
        self.orth: list[int] = self.orth_array.tolist()
        self.lower: list[int] = table[:, 1].tolist()
        self.punct: list[int] = table[:, 2].tolist()
        self.space: list[int] = table[:, 3].tolist()
        self.ws: list[int] = table[:, 4].tolist()  # followed by a space
        self.title: list[int] = (table[:, 5] | table[:, 6]).tolist()  # capitalised or capitals
        self.strings = doc.vocab.strings
        self._headings: dict[int, bool] = {}
        self._breaks: list[int] | None = None  # tokens holding a line break

    def text(self, i: int) -> str:
        return self.strings[self.orth[i]]

    def in_heading(self, i: int) -> bool:
        """Whether token ``i`` is on a short line in title case ("Security Council Hears
        Warning on Election Delays"), where capitals say nothing about names."""
        if self._breaks is None:
            self._breaks = [k for k, space in enumerate(self.space)
                            if space and "\n" in self.text(k)]
        at = bisect.bisect_left(self._breaks, i)
        start = self._breaks[at - 1] + 1 if at else 0
        end = self._breaks[at] if at < len(self._breaks) else len(self.orth)
        known = self._headings.get(start)
        if known is not None:
            return known
        heading = False
        if end - start < 40:
            long_words = [k for k in range(start, end)
                          if len(self.text(k)) >= 4 and self.text(k)[0].isalpha()]
            capitalised = sum(self.title[k] for k in long_words)
            heading = (len(long_words) >= 3 and capitalised >= 0.75 * len(long_words)
                       and self.text(end - 1) not in (".", ":"))
        self._headings[start] = heading
        return heading


class EntityResolver:
    """Makes persons from titles, cleans pattern matches and picks ``doc.ents``."""

    def __init__(
        self,
        vocab: Any,
        particles: Iterable[str],
        stop_name_words: Iterable[str],
        ordinal_words: Iterable[str],
        language_words: Iterable[str] = (),
    ) -> None:
        add = vocab.strings.add
        self.language_words = frozenset(add(w) for w in language_words)
        self.language_before = frozenset(add(w) for w in ("in", "into", "speak", "speaks", "spoken"))
        self.list_joiners = frozenset(add(w) for w in (",", "and", "or"))
        self.particles = frozenset(add(w) for w in particles)
        self.stop_name_words = frozenset(stop_name_words)
        self.ordinal_words = frozenset(add(w) for w in ordinal_words)
        self.trailing = frozenset(add(w) for w in _TRAILING_STRIP)
        self.trailing_punct = frozenset(add(w) for w in _TRAILING_PUNCT)
        self.leading_name = frozenset(add(w) for w in _LEADING_NAME_STRIP)
        self.leading_date = frozenset(add(w) for w in _LEADING_DATE_STRIP)
        self.ambiguous_alone = frozenset(add(w) for w in _AMBIGUOUS_ALONE)
        self.the_a_an = frozenset(add(w) for w in ("the", "a", "an"))
        self.chain = frozenset(add(w) for w in ("of", "to", "for", "on", "at", "in"))
        self.the = add("the")
        self.comma = add(",")
        self.open_paren, self.close_paren, self.and_ = add("("), add(")"), add("and")
        self.joiners = frozenset(add(w) for w in ("and", "of", "the", "for", "-", "&"))
        self.hyphens = frozenset(add(w) for w in _HYPHENS)
        self._name_word: dict[int, bool] = {}

    def __call__(self, doc: Doc) -> Doc:
        if CANDIDATES_KEY not in doc.spans:
            doc.ents = []
            return doc
        tokens = _Tokens(doc)
        titles: list[_Match] = []
        candidates: list[_Match] = []
        for span in doc.spans[CANDIDATES_KEY]:
            match = (span.start, span.end, span.label_, span.id_)
            if match[2] == TITLE_LABEL:
                titles.append(match)
                continue
            cleaned = self._clean(tokens, match)
            if cleaned is not None:
                candidates.append(cleaned)
        del doc.spans[CANDIDATES_KEY]
        if any(c[3].startswith("guess:") for c in candidates):
            candidates = _drop_guesses_on_listed_names(len(doc), candidates)
        if titles:
            persons = self._persons_from_titles(tokens, titles, candidates)
            persons += self._names_again(tokens, persons, candidates)
            candidates += persons
        chosen = _select(len(doc), candidates)
        if self.language_words:
            self._languages(tokens, chosen)
        doc.ents = [
            Span(doc, start, end, label=label, span_id=reason) for start, end, label, reason in chosen
        ]
        return doc

    def _languages(self, tokens: _Tokens, chosen: list[_Match]) -> None:
        """"French" is a language after "in" or in a list of languages ("in Arabic,
        English and French"), a nationality otherwise."""
        def language(k: int) -> bool:
            return 0 <= k < len(chosen) and chosen[k][2] == "LANGUAGE"

        def joined(left: _Match, right: _Match) -> bool:
            return right[0] - left[1] == 1 and tokens.orth[left[1]] in self.list_joiners or (
                right[0] - left[1] == 2 and tokens.orth[left[1]] == self.comma
                and tokens.orth[left[1] + 1] in self.list_joiners)

        for _ in range(2):  # a list may be read from either end
            for k, (start, end, label, reason) in enumerate(chosen):
                if label != "NORP" or end - start != 1 or tokens.orth[start] not in self.language_words:
                    continue
                if (start > 0 and tokens.lower[start - 1] in self.language_before) or (
                    language(k - 1) and joined(chosen[k - 1], chosen[k])
                ) or (language(k + 1) and joined(chosen[k], chosen[k + 1])):
                    chosen[k] = (start, end, "LANGUAGE", "pattern: language name in context")

    # cleaning -----------------------------------------------------------------------

    def _is_ordinal(self, tokens: _Tokens, i: int) -> bool:
        return tokens.lower[i] in self.ordinal_words or bool(
            _ORDINAL_DIGITS.match(tokens.text(i))
        )

    def _clean(self, tokens: _Tokens, match: _Match) -> _Match | None:
        start, end, label, reason = match
        if reason.startswith("gazetteer:"):
            return match
        lower, orth = tokens.lower, tokens.orth
        # Patterns end in optional tokens: drop what dangles ("Council of the", "March,").
        while end > start and (
            lower[end - 1] in self.trailing
            or orth[end - 1] in self.trailing_punct
            or tokens.space[end - 1]
        ):
            end -= 1
        if reason.startswith("pattern: capitalised"):
            while start < end and (lower[start] in self.leading_name or tokens.punct[start]):
                start += 1
            if end - start < 2 or tokens.in_heading(start):
                return None
        elif reason.startswith("guess:") and tokens.in_heading(start):
            return None
        elif label in ("DATE", "TIME"):
            while start < end - 1 and lower[start] in self.leading_date:
                start += 1
            if match[1] - match[0] == 1 and orth[start] in self.ambiguous_alone:
                return None  # "May" counts only after "in", "since", "early", ...
        elif label == "CARDINAL":
            while start < end and self._is_ordinal(tokens, start):
                start += 1
            while end > start and self._is_ordinal(tokens, end - 1):
                end -= 1
        if start >= end:
            return None
        return (start, end, label, reason)

    # persons --------------------------------------------------------------------------

    def _is_name_word(self, tokens: _Tokens, i: int) -> bool:
        orth = tokens.orth[i]
        known = self._name_word.get(orth)
        if known is None:
            known = self._name_word[orth] = self._looks_like_name(tokens.text(i))
        return known

    def _looks_like_name(self, text: str) -> bool:
        if not text[:1].isupper() or text in self.stop_name_words:
            return False
        if _INITIAL.match(text):
            return True
        if not any(c.islower() for c in text[1:]):
            return False
        return all(c.isalpha() or c in _APOSTROPHES or c == "." for c in text)

    def _joined(self, tokens: _Tokens, left: int) -> bool:
        """No space between token ``left`` and the next one."""
        return not tokens.ws[left]

    def _name_end(self, tokens: _Tokens, start: int, covered: bytearray) -> tuple[int, int]:
        """Where a run of name words from ``start`` ends, and how many words it has."""
        n = len(tokens.orth)
        k, words = start, 0
        while k < n and words < 4 and not covered[k]:
            if self._is_name_word(tokens, k):
                words += 1
                k += 1
                continue
            lower = tokens.lower[k]
            if lower in self.particles and k + 1 < n and not covered[k + 1]:
                if tokens.orth[k + 1] in self.hyphens and self._joined(tokens, k) \
                        and self._joined(tokens, k + 1):
                    k += 2
                    continue
                if self._is_name_word(tokens, k + 1) or tokens.lower[k + 1] in self.particles:
                    k += 1
                    continue
                break
            if (
                tokens.orth[k] in self.hyphens
                and words
                and self._joined(tokens, k - 1)
                and self._joined(tokens, k)
                and k + 1 < n
                and self._is_name_word(tokens, k + 1)
            ):
                k += 1
                continue
            break
        while k > start and not self._is_name_word(tokens, k - 1):
            k -= 1
        return k, words

    def _name_start(self, tokens: _Tokens, end: int, covered: bytearray) -> tuple[int, int]:
        """Where a run of name words ending just before ``end`` starts, and its word count."""
        k, words = end, 0
        while k > 0 and words < 4 and not covered[k - 1]:
            if self._is_name_word(tokens, k - 1):
                words += 1
                k -= 1
                continue
            if tokens.lower[k - 1] in self.particles and words:
                k -= 1
                continue
            if (
                tokens.orth[k - 1] in self.hyphens
                and words
                and k - 2 >= 0
                and self._joined(tokens, k - 2)
                and self._joined(tokens, k - 1)
            ):
                k -= 1
                continue
            break
        while k < end and not self._is_name_word(tokens, k):
            k += 1
        return k, words

    def _after_title(
        self, tokens: _Tokens, j: int, name_ends: dict[int, int]
    ) -> tuple[int, bool]:
        """Skip what may stand between a title and the name: "of Kazakhstan", "for South
        Sudan and Head of the United Nations Mission in South Sudan (UNMISS)", "for the
        Environment,". Returns where the name may start and whether a comma came first
        (then the name must have two words)."""
        n = len(tokens.orth)
        for _ in range(6):
            if j >= n:
                break
            if tokens.orth[j] == self.open_paren:  # "(UNMISS)"
                close = next((k for k in range(j + 1, min(n, j + 6))
                              if tokens.orth[k] == self.close_paren), None)
                if close is None:
                    break
                j = close + 1
                continue
            if tokens.lower[j] == self.and_ and name_ends.get(j + 1, 0) > j + 1:
                j = name_ends[j + 1]  # "... and Head of ..."
                continue
            if tokens.lower[j] in self.chain:
                k = j + 1
                if k < n and tokens.lower[k] == self.the:
                    k += 1
                if name_ends.get(k, 0) > k:
                    j = name_ends[k]
                    continue
                # "Minister for Humanitarian Action and Disaster Management, Aïssata ...",
                # "Special Rapporteur on the situation of human rights in Myanmar, Tom ..."
                m = k
                while m < n and m - k < 12 and not tokens.punct[m] and not tokens.space[m]:
                    m += 1
                if m > k and m < n and tokens.orth[m] == self.comma:
                    j = m
                    continue
            break
        if j < n and tokens.orth[j] == self.comma:
            return j + 1, True
        return j, False

    def _persons_from_titles(
        self, tokens: _Tokens, titles: list[_Match], candidates: list[_Match]
    ) -> list[_Match]:
        n = len(tokens.orth)
        covered = bytearray(n)
        ends_at: dict[int, int] = {}
        starts_at: dict[int, int] = {}
        for c_start, c_end, _, _ in candidates:
            covered[c_start:c_end] = b"\x01" * (c_end - c_start)
            ends_at[c_start] = max(ends_at.get(c_start, 0), c_end)
            starts_at[c_end] = min(starts_at.get(c_end, c_start), c_start)
        name_ends = dict(ends_at)
        for t_start, t_end, _, _ in titles:
            name_ends[t_start] = max(name_ends.get(t_start, 0), t_end)
        persons: dict[tuple[int, int], _Match] = {}
        for t_start, t_end, _, kind in titles:
            if any(
                ends_at.get(s, 0) >= t_end and ends_at[s] - s > t_end - t_start
                for s in range(max(0, t_start - 12), t_start + 1)
            ):
                continue  # "General" inside "General Assembly"
            # Forward: "Ambassador Kairat Umarov", "President of Kazakhstan Kassym-Jomart
            # Tokayev", "the Secretary-General, António Guterres,".
            j, after_comma = self._after_title(tokens, t_end, name_ends)
            end, words = self._name_end(tokens, j, covered)
            least = 2 if after_comma or kind == "title: two words" else 1
            if words >= least and end > j:
                persons[(j, end)] = (j, end, "PERSON", "pattern: title before a capitalised name")
            # Backward: "Kairat Umarov, the Permanent Representative of Kazakhstan",
            # "Ingrid Solbakken, WFP Regional Director".
            i = t_start
            if i > 0 and starts_at.get(i, i) < i and i - starts_at[i] <= 6:
                i = starts_at[i]
            if i > 0 and tokens.lower[i - 1] in self.the_a_an:
                i -= 1
            if i > 0 and tokens.orth[i - 1] == self.comma:
                start, words = self._name_start(tokens, i - 1, covered)
                if words >= 2 and start < i - 1:
                    persons[(start, i - 1)] = (
                        start, i - 1, "PERSON", "pattern: capitalised name before a title"
                    )
        return list(persons.values())

    def _names_again(
        self, tokens: _Tokens, persons: list[_Match], candidates: list[_Match]
    ) -> list[_Match]:
        """Other mentions of a name given with a title: the full name or the surname."""
        names: set[tuple[int, ...]] = set()
        for p_start, p_end, _, _ in persons:
            names.add(tuple(tokens.orth[p_start:p_end]))
            last = p_end - 1
            if len(tokens.text(last)) >= 3 and tokens.lower[last] not in self.particles:
                names.add((tokens.orth[last],))
        if not names:
            return []
        covered = bytearray(len(tokens.orth))
        for c_start, c_end, _, _ in [*candidates, *persons]:
            covered[c_start:c_end] = b"\x01" * (c_end - c_start)
        by_first: dict[int, list[tuple[int, ...]]] = {}
        for name in sorted(names, key=len, reverse=True):
            by_first.setdefault(name[0], []).append(name)
        orths = tokens.orth
        found: list[_Match] = []
        for i in np.flatnonzero(np.isin(tokens.orth_array, list(by_first))).tolist():
            for name in by_first[orths[i]]:
                end = i + len(name)
                if tuple(orths[i:end]) == name and not any(covered[i:end]):
                    covered[i:end] = b"\x01" * (end - i)
                    found.append((i, end, "PERSON", "pattern: name given with a title elsewhere"))
                    break
        return found


def _drop_guesses_on_listed_names(n_tokens: int, candidates: list[_Match]) -> list[_Match]:
    """A guess ("in Sudanese Refugee ...") never overrides a listed name it touches."""
    listed = bytearray(n_tokens)
    for start, end, _, reason in candidates:
        if reason.startswith("gazetteer:"):
            listed[start:end] = b"\x01" * (end - start)
    return [c for c in candidates if not (c[3].startswith("guess:") and any(listed[c[0]:c[1]]))]


# On a tie in length: a listed name beats a pattern, a pattern beats a guess.
_CONFIDENCE = {"gazetteer": 0, "pattern": 1, "guess": 2}


def _select(n_tokens: int, candidates: list[_Match]) -> list[_Match]:
    """Non-overlapping entities: longest first; then gazetteer, pattern, guess; then label."""
    order = sorted(
        candidates,
        key=lambda m: (
            m[0] - m[1],
            _CONFIDENCE.get(m[3][: m[3].find(":")], 1),
            -LABEL_PRIORITY.get(m[2], 0),
            m[0],
        ),
    )
    taken = bytearray(n_tokens)
    chosen = []
    for match in order:
        start, end = match[0], match[1]
        if any(taken[start:end]):
            continue
        taken[start:end] = b"\x01" * (end - start)
        chosen.append(match)
    return sorted(chosen)


# -- the suggester ----------------------------------------------------------------------


def doc_rows(doc: Doc, text: str) -> list[SuggestionRow]:
    """``doc.ents`` as suggestion rows with code-point offsets into ``text``."""
    out: list[SuggestionRow] = []
    for ent in doc.ents:
        start, end = ent.start_char, ent.end_char
        if text[start:end] != ent.text:  # the tokenizer keeps the text; never store bad offsets
            continue
        label = ent.label_
        out.append((start, end, label, None, ent.id_ or f"rule: {label}"))
    return out


@register(NAME)
class RulesEntitySuggester:
    """Entities from gazetteers and token patterns: no trained pipeline needed."""

    def __init__(self) -> None:
        self.info = SuggesterInfo(
            name=NAME, kind=LabelKind.ENTITY, pipeline=None, spacy_version=spacy.__version__
        )

    def suggest(
        self, docs: Iterable[SuggesterInput], *, batch_size: int = 64, n_process: int = 1
    ) -> Iterator[tuple[Any, list[Suggestion]]]:
        yield from as_suggestions(
            self.suggest_rows(docs, batch_size=batch_size, n_process=n_process))

    def suggest_rows(
        self, docs: Iterable[SuggesterInput], *, batch_size: int = 64, n_process: int = 1
    ) -> Iterator[tuple[Any, list[SuggestionRow]]]:
        batch_size = max(1, batch_size)
        if n_process > 1:
            yield from suggest_in_processes(self, NAME, {}, docs, n_process=n_process,
                                            batch_size=batch_size)
            return
        # Windows of documents keep memory flat on long inputs.
        window = batch_size * 16
        buffer: list[SuggesterInput] = []
        for item in docs:
            buffer.append(item)
            if len(buffer) >= window:
                yield from self.suggest_here(buffer, batch_size)
                buffer = []
        if buffer:
            yield from self.suggest_here(buffer, batch_size)

    def suggest_here(
        self, items: list[SuggesterInput], batch_size: int
    ) -> list[tuple[Any, list[SuggestionRow]]]:
        """Suggestion rows for ``items`` computed in this process, in input order."""
        by_language: dict[str, list[int]] = {}
        for index, item in enumerate(items):
            by_language.setdefault(_language_code(item.language), []).append(index)
        results: list[list[SuggestionRow]] = [[] for _ in items]
        for language, indices in by_language.items():
            nlp = build_nlp(language)
            texts = [items[i].text for i in indices]
            for index, doc in zip(indices, nlp.pipe(texts, batch_size=batch_size)):
                results[index] = doc_rows(doc, items[index].text)
        return [(item.key, rows) for item, rows in zip(items, results)]
