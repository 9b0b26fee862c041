"""The token-pattern matcher of the built-in entity suggester: spaCy ``Matcher`` patterns run
only where a match can start, with single-word tests turned into lexeme flags."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
from spacy.attrs import IDS, LIKE_NUM, LOWER, ORTH
from spacy.lang.lex_attrs import word_shape
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from .base import SuggesterError
from .entity_data import CANDIDATES_KEY, PATTERNS_NAME

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


# Approximators that are also prepositions: they join a number in digits or with a scale
# word ("around 3,000", "about two million"), not a lone number word.
_PREPOSITIONS = ("around", "about", "some", "over")
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
        self._prepositions = frozenset(vocab.strings.add(w) for w in _PREPOSITIONS)

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
                                # "around", "about", "some", "over" before a lone number
                                # word are prepositions: "built around three pillars"
                                if k == 1 and phrase[0] in self._prepositions \
                                        and end - start == 1 and doc[start].is_alpha:
                                    break
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

