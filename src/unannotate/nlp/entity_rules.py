"""Entity suggestions from gazetteers and token patterns, with no trained pipeline.

``build_nlp(language)`` makes a blank spaCy pipeline of the language's tokenizer, a
sentencizer, a ``span_ruler`` fed from the data files in ``resources/gazetteers/`` and a
small resolver that turns the ruler's overlapping matches into ``doc.ents``:

- a title ("Secretary-General", "Ambassador", "Mr.") followed by a capitalised name marks
  the name, not the title, as PERSON; a name given so is found again elsewhere in the text;
- leading words such as "the" are dropped from pattern-made names, "in" from dates;
- of overlapping candidates the longest wins (in tokens); on a tie a gazetteer entry beats a
  pattern, then the label order in ``LABEL_PRIORITY`` decides.

All candidates (overlapping) stay in ``doc.spans["entities"]``. The patterns cover English;
other languages get their blank tokenizer plus the language-independent patterns (numbers,
percentages, money with symbols, years, member-state names written the same way).
"""

from __future__ import annotations

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
from spacy.attrs import IDS, IS_PUNCT, IS_SPACE, LIKE_NUM, LOWER, ORTH, SPACY
from spacy.lang.lex_attrs import word_shape
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.schemas import validate_token_pattern
from spacy.tokens import Doc, Span

from ..core.model import LabelKind, Suggestion
from ..resources import resources_dir
from .base import SuggesterError, SuggesterInfo, SuggesterInput, register

NAME = "unannotate.entities.rules.v1"

CANDIDATES_KEY = "unannotate_entity_matches"  # the ruler's raw matches, removed by the resolver
ENTITIES_KEY = "entities"  # every candidate entity, overlapping, after resolution
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
    phrases: list[dict[str, Any]]  # span_ruler phrase patterns: label, pattern (text), id
    tokens: list[dict[str, Any]]  # span_ruler token patterns: label, pattern (list), id
    particles: list[str]
    stop_name_words: list[str]
    ordinal_words: list[str]


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
        self.spec = spec
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
    """Turn tests on a single word into lexeme flags: every test a match can start with,
    every "any" test, then the most used set and regex tests while flags last.

    A flag is a bit the matcher checks in C, computed once per distinct word; a set or
    regex test is a Python call for every token it is tried on. Flags on the tokens that
    start a match also let ``TokenPatternMatcher`` find where matches can start."""
    uses: dict[str, int] = {}
    must: set[str] = set()
    for entry in patterns:
        if "extend_left" in entry:
            key = _spec_key(entry["extend_left"]["spec"])
            uses[key] = uses.get(key, 0) + 1
            must.add(key)
        lead = _leading(entry["pattern"])
        for i, token in enumerate(entry["pattern"]):
            if i < lead and not _is_lexical(token):
                raise SuggesterError(
                    f"a token pattern must start with tests on the word itself: {entry['pattern']}"
                )
            if i < lead or _needs_flag(token):
                key = _spec_key(token)
                uses[key] = uses.get(key, 0) + 1
                if i < lead or '"any"' in key:
                    must.add(key)
    if len(must) > len(_TEST_FLAGS):
        raise SuggesterError(
            f"the token patterns need {len(must)} word tests as lexeme flags; there are "
            f"{len(_TEST_FLAGS)}: merge some token classes"
        )
    ranked = sorted(uses, key=lambda k: (k not in must, -uses[k]))
    like_num = nlp.vocab.lex_attr_getters.get(LIKE_NUM)
    flags: dict[str, int] = {}
    for key, flag_id in zip(ranked, _TEST_FLAGS):
        nlp.vocab.add_flag(_LexicalTest(json.loads(key), like_num), flag_id=flag_id)
        flags[key] = flag_id
    for entry in patterns:
        if "extend_left" in entry:
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


def _flag_of(token: dict[str, Any]) -> int:
    for key in token:
        if key.startswith("FLAG"):
            return IDS[key]
    raise ValueError(f"not a flag test: {token}")


class TokenPatternMatcher:
    """The token patterns of the data files, matched only where a match can start.

    spaCy's Matcher tries every pattern at every token, which costs several times the
    tokenizer. Every pattern's first required token is a lexeme flag, so the patterns are
    grouped by that flag, one ``Matcher`` a group; one ``to_array`` call finds the tokens
    that can start a match, and each group's matcher runs only on short windows around the
    tokens that carry its flag. Matches go to ``doc.spans[spans_key]`` with the pattern's
    label and id, after what the phrase ruler put there."""

    def __init__(self, vocab: Any, spans_key: str) -> None:
        self.vocab = vocab
        self.spans_key = spans_key
        self._matchers: dict[int, Matcher] = {}  # first required flag -> its patterns
        self._reach: dict[int, int] = {}  # first required flag -> tokens a match can reach
        self._keys: dict[int, tuple[str, str]] = {}
        self._extend: dict[int, tuple[int, int]] = {}  # key -> (flag, most tokens)
        self._lead_flags: set[int] = set()
        self._groups_by_word: dict[int, list[int]] = {}
        self._prepared = False

    def add_patterns(self, patterns: list[dict[str, Any]]) -> None:
        for entry in patterns:
            label, reason, pattern = entry["label"], entry.get("id", ""), entry["pattern"]
            extend = entry.get("extend_left")
            key = self.vocab.strings.add(repr((label, reason, bool(extend))))
            self._keys[key] = (label, reason)
            if extend:
                self._extend[key] = (extend["flag"], extend["max"])
                self._lead_flags.add(extend["flag"])
            lead = _leading(pattern)
            required = _flag_of(pattern[lead - 1])
            reach = sum(_repeats(t.get("OP"))[1] for t in pattern[lead - 1:])
            self._reach[required] = max(self._reach.get(required, 0), reach)
            self._lead_flags.update(_flag_of(t) for t in pattern[: lead - 1])
            matcher = self._matchers.setdefault(required, Matcher(self.vocab, validate=False))
            matcher.add(key, [pattern])
        self._prepared = False

    def _prepare(self) -> None:
        """Two more flags: "some match can start here" and "may come before a start"."""
        getters = self.vocab.lex_attr_getters
        trigger, lead = _WINDOW_FLAGS
        self.vocab.add_flag(_AnyOf([getters[f] for f in sorted(self._reach)]), flag_id=trigger)
        self.vocab.add_flag(_AnyOf([getters[f] for f in sorted(self._lead_flags)]), flag_id=lead)
        self._groups_by_word = {}
        self._prepared = True

    def _groups_of(self, orth: int) -> list[int]:
        groups = self._groups_by_word.get(orth)
        if groups is None:
            lexeme = self.vocab[orth]
            groups = [f for f in self._matchers if lexeme.check_flag(f)]
            self._groups_by_word[orth] = groups
        return groups

    def windows(self, doc: Doc) -> dict[int, list[tuple[int, int]]]:
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
        out: dict[int, list[tuple[int, int]]] = {}
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
        for group, ranges in self.windows(doc).items():
            matcher = self._matchers[group]
            for a, b in ranges:
                for key, start, end in matcher(doc[a:b]):
                    label, reason = self._keys[key]
                    start += a
                    if key in self._extend:
                        # Capitalised words before "Convention", "resolution", ... belong to it.
                        flag, most = self._extend[key]
                        first = start
                        while start > 0 and first - start < most and doc[start - 1].check_flag(flag):
                            start -= 1
                    spans.append(Span(doc, start, a + end, label=label, span_id=reason))
        if self.spans_key in doc.spans:
            doc.spans[self.spans_key].extend(spans)
        else:
            doc.spans[self.spans_key] = spans
        return doc


@Language.factory(PATTERNS_NAME, default_config={"spans_key": CANDIDATES_KEY})
def make_token_pattern_matcher(nlp: Language, name: str, spans_key: str) -> TokenPatternMatcher:
    return TokenPatternMatcher(nlp.vocab, spans_key)


def _load_data(language: str, tokenize: Any) -> _RulesData:
    phrases: list[dict[str, Any]] = []
    seen: dict[str, str] = {}

    def add(text: str, label: str, reason: str) -> None:
        if text in seen:  # first listing wins: a capital that is also a state name, ...
            return
        seen[text] = label
        phrases.append({"label": label, "pattern": text, "id": reason})

    for text, label, reason in _state_phrases(language):
        add(text, label, reason)
    for name in GAZETTEER_FILES:
        for text, label, reason in _group_phrases(name, language):
            add(text, label, reason)

    titles = _read_json("titles.json")
    title_words: set[str] = set()
    if _applies(titles.get("languages"), language):
        for title in titles["titles"]:
            phrases.append({"label": TITLE_LABEL, "pattern": title, "id": "title"})
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
                    extend = dict(row["extend_left"])
                    limit = int(extend.pop("max", 1))
                    (spec,), = expander.expand([extend], f"{name}:{number}")
                    entry["extend_left"] = {"spec": spec, "max": limit}
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
    once per process and shared: tokenizer, ``sentencizer``, the entity ruler and the
    resolver. ``doc.ents`` holds non-overlapping entities, ``doc.spans["entities"]`` all
    candidates. Raises SuggesterError for a language spaCy lacks."""
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
        },
    )
    return nlp


# -- turning the ruler's matches into entities -------------------------------------------


@Language.factory(
    RESOLVER_NAME,
    default_config={"particles": [], "stop_name_words": [], "ordinal_words": []},
)
def make_entity_resolver(
    nlp: Language,
    name: str,
    particles: list[str],
    stop_name_words: list[str],
    ordinal_words: list[str],
) -> EntityResolver:
    return EntityResolver(nlp.vocab, particles, stop_name_words, ordinal_words)


_INITIAL = re.compile(r"^[A-Z]\.$")
_ORDINAL_DIGITS = re.compile(r"^\d+(st|nd|rd|th)$", re.IGNORECASE)
_HYPHENS = frozenset({"-", "‑", "–"})


class _Tokens:
    """A document's token attributes as plain lists, read once: indexing ``doc[i]`` makes
    a Python object per access, which the resolver would do tens of thousands of times."""

    __slots__ = ("orth", "lower", "punct", "space", "ws", "strings", "orth_array")

    def __init__(self, doc: Doc) -> None:
        table = doc.to_array([ORTH, LOWER, IS_PUNCT, IS_SPACE, SPACY]).reshape(len(doc), 5)
        self.orth_array = table[:, 0]
        self.orth: list[int] = self.orth_array.tolist()
        self.lower: list[int] = table[:, 1].tolist()
        self.punct: list[int] = table[:, 2].tolist()
        self.space: list[int] = table[:, 3].tolist()
        self.ws: list[int] = table[:, 4].tolist()  # followed by a space
        self.strings = doc.vocab.strings

    def text(self, i: int) -> str:
        return self.strings[self.orth[i]]


class EntityResolver:
    """Makes persons from titles, cleans pattern matches and picks ``doc.ents``."""

    def __init__(
        self,
        vocab: Any,
        particles: Iterable[str],
        stop_name_words: Iterable[str],
        ordinal_words: Iterable[str],
    ) -> None:
        add = vocab.strings.add
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
        self.hyphens = frozenset(add(w) for w in _HYPHENS)
        self._name_word: dict[int, bool] = {}

    def __call__(self, doc: Doc) -> Doc:
        raw = list(doc.spans[CANDIDATES_KEY]) if CANDIDATES_KEY in doc.spans else []
        tokens = _Tokens(doc)
        titles = []
        candidates = []
        for span in raw:
            if span.label_ == TITLE_LABEL:
                titles.append(span)
                continue
            cleaned = self._clean(doc, tokens, span)
            if cleaned is not None:
                candidates.append(cleaned)
        if titles:
            persons = self._persons_from_titles(doc, tokens, titles, candidates)
            persons += self._names_again(doc, tokens, persons, candidates)
            candidates += persons
        doc.ents = _select(doc, candidates)
        doc.spans[ENTITIES_KEY] = candidates
        if CANDIDATES_KEY in doc.spans:
            del doc.spans[CANDIDATES_KEY]
        return doc

    # cleaning -----------------------------------------------------------------------

    def _is_ordinal(self, tokens: _Tokens, i: int) -> bool:
        return tokens.lower[i] in self.ordinal_words or bool(
            _ORDINAL_DIGITS.match(tokens.text(i))
        )

    def _clean(self, doc: Doc, tokens: _Tokens, span: Span) -> Span | None:
        reason = span.id_
        if not reason.startswith("pattern:"):
            return span
        start, end, label = span.start, span.end, span.label_
        lower, orth = tokens.lower, tokens.orth
        # Patterns end in optional tokens: drop what dangles ("Council of the", "March,").
        while end > start and (
            lower[end - 1] in self.trailing
            or orth[end - 1] in self.trailing_punct
            or tokens.space[end - 1]
        ):
            end -= 1
        if label in ("ORG", "EVENT", "LAW"):
            while start < end and (lower[start] in self.leading_name or tokens.punct[start]):
                start += 1
            if reason.startswith("pattern: capitalised") and end - start < 2:
                return None
        elif label in ("DATE", "TIME"):
            while start < end - 1 and lower[start] in self.leading_date:
                start += 1
            if span.end - span.start == 1 and orth[start] in self.ambiguous_alone:
                return None  # "May" counts only after "in", "since", "early", ...
        elif label == "CARDINAL":
            while start < end and self._is_ordinal(tokens, start):
                start += 1
            while end > start and self._is_ordinal(tokens, end - 1):
                end -= 1
        if start >= end:
            return None
        if (start, end) == (span.start, span.end):
            return span
        return Span(doc, start, end, label=label, span_id=reason)

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

    def _persons_from_titles(
        self, doc: Doc, tokens: _Tokens, titles: list[Span], candidates: list[Span]
    ) -> list[Span]:
        n = len(doc)
        covered = bytearray(n)
        ends_at: dict[int, int] = {}
        for c in candidates:
            covered[c.start:c.end] = b"\x01" * (c.end - c.start)
            ends_at[c.start] = max(ends_at.get(c.start, 0), c.end)
        name_ends = dict(ends_at)
        for t in titles:
            name_ends[t.start] = max(name_ends.get(t.start, 0), t.end)
        spans: dict[tuple[int, int], Span] = {}
        for title in titles:
            length = title.end - title.start
            if any(
                ends_at.get(s, 0) >= title.end and ends_at[s] - s > length
                for s in range(max(0, title.start - 12), title.start + 1)
            ):
                continue  # "General" inside "General Assembly"
            # Forward: "Ambassador Kairat Umarov", "President of Kazakhstan Kassym-Jomart
            # Tokayev", "the Secretary-General, António Guterres,".
            j = title.end
            for _ in range(3):
                if j < n and tokens.lower[j] in self.chain:
                    k = j + 1
                    if k < n and tokens.lower[k] == self.the:
                        k += 1
                    if name_ends.get(k, 0) > k:
                        j = name_ends[k]
                        continue
                break
            min_words = 1
            if j < n and tokens.orth[j] == self.comma and j == title.end:
                j += 1
                min_words = 2
            end, words = self._name_end(tokens, j, covered)
            if words >= min_words and end > j:
                spans[(j, end)] = Span(
                    doc, j, end, label="PERSON", span_id="pattern: title before a capitalised name"
                )
            # Backward: "Kairat Umarov, the Permanent Representative of Kazakhstan".
            i = title.start
            if i > 0 and tokens.lower[i - 1] in self.the_a_an:
                i -= 1
            if i > 0 and tokens.orth[i - 1] == self.comma:
                start, words = self._name_start(tokens, i - 1, covered)
                if words >= 2 and start < i - 1:
                    spans[(start, i - 1)] = Span(
                        doc, start, i - 1, label="PERSON",
                        span_id="pattern: capitalised name before a title",
                    )
        return list(spans.values())

    def _names_again(
        self, doc: Doc, tokens: _Tokens, persons: list[Span], candidates: list[Span]
    ) -> list[Span]:
        """Other mentions of a name given with a title: the full name or the surname."""
        names: set[tuple[int, ...]] = set()
        for p in persons:
            names.add(tuple(tokens.orth[p.start:p.end]))
            last = p.end - 1
            if len(tokens.text(last)) >= 3 and tokens.lower[last] not in self.particles:
                names.add((tokens.orth[last],))
        if not names:
            return []
        covered = bytearray(len(doc))
        for c in [*candidates, *persons]:
            covered[c.start:c.end] = b"\x01" * (c.end - c.start)
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


def _select(doc: Doc, candidates: list[Span]) -> list[Span]:
    """Non-overlapping entities: longest first; then gazetteer before pattern; then label."""
    order = sorted(
        candidates,
        key=lambda s: (
            -(s.end - s.start),
            0 if s.id_.startswith("gazetteer:") else 1,
            -LABEL_PRIORITY.get(s.label_, 0),
            s.start,
        ),
    )
    taken = bytearray(len(doc))
    chosen = []
    for span in order:
        if any(taken[span.start:span.end]):
            continue
        taken[span.start:span.end] = b"\x01" * (span.end - span.start)
        chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


# -- the suggester ----------------------------------------------------------------------


def _reason(span: Span) -> str:
    return span.id_ or f"rule: {span.label_}"


def doc_suggestions(doc: Doc, text: str) -> list[Suggestion]:
    """``doc.ents`` as suggestions with code-point offsets into ``text``."""
    out = []
    for ent in doc.ents:
        start, end = ent.start_char, ent.end_char
        if text[start:end] != ent.text:  # the tokenizer keeps the text; never store bad offsets
            continue
        out.append(Suggestion(start=start, end=end, label=ent.label_, score=None,
                              reason=_reason(ent)))
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
        batch_size = max(1, batch_size)
        # With several processes the whole input goes in one run, so that the worker
        # processes start once; otherwise windows keep memory flat on long inputs.
        window = batch_size * 16 if n_process == 1 else None
        buffer: list[SuggesterInput] = []
        for item in docs:
            buffer.append(item)
            if window is not None and len(buffer) >= window:
                yield from self._run(buffer, batch_size, n_process)
                buffer = []
        if buffer:
            yield from self._run(buffer, batch_size, n_process)

    def _run(
        self, items: list[SuggesterInput], batch_size: int, n_process: int
    ) -> Iterator[tuple[Any, list[Suggestion]]]:
        by_language: dict[str, list[int]] = {}
        for index, item in enumerate(items):
            by_language.setdefault(_language_code(item.language), []).append(index)
        results: list[list[Suggestion]] = [[] for _ in items]
        for language, indices in by_language.items():
            nlp = build_nlp(language)
            texts = [items[i].text for i in indices]
            processes = n_process if len(texts) > 1 else 1
            for index, doc in zip(
                indices, nlp.pipe(texts, batch_size=batch_size, n_process=processes)
            ):
                results[index] = doc_suggestions(doc, items[index].text)
        for item, suggestions in zip(items, results):
            yield item.key, suggestions
