"""The resolver of the built-in entity suggester: turns the phrase ruler's and the token
patterns' overlapping matches into ``doc.ents`` (persons from titles, cleaned pattern
matches, the longest candidate winning)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
from spacy.attrs import IS_PUNCT, IS_SPACE, IS_TITLE, IS_UPPER, LOWER, ORTH, SPACY
from spacy.language import Language
from spacy.tokens import Doc, Span

from .entity_data import (
    _AMBIGUOUS_ALONE,
    _APOSTROPHES,
    _LEADING_DATE_STRIP,
    _LEADING_NAME_STRIP,
    _TRAILING_PUNCT,
    _TRAILING_STRIP,
    CANDIDATES_KEY,
    RESOLVER_NAME,
    TITLE_LABEL,
)

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


@Language.factory(
    RESOLVER_NAME,
    default_config={
        "particles": [], "stop_name_words": [], "ordinal_words": [], "language_words": [],
        "given_names": [],
    },
)
def make_entity_resolver(
    nlp: Language,
    name: str,
    particles: list[str],
    stop_name_words: list[str],
    ordinal_words: list[str],
    language_words: list[str],
    given_names: list[str],
) -> EntityResolver:
    return EntityResolver(nlp.vocab, particles, stop_name_words, ordinal_words, language_words,
                          given_names)


_INITIAL = re.compile(r"^[A-Z]\.$")
_ACRONYM = re.compile(r"^[A-Z][A-Za-z&]{0,6}[A-Z]$")
_NAMED_LABELS = frozenset({"ORG", "GPE", "LOC", "FAC", "EVENT", "LAW", "NORP"})
_ORDINAL_DIGITS = re.compile(r"^\d+(st|nd|rd|th)$", re.IGNORECASE)
_HYPHENS = frozenset({"-", "‑", "–"})
_REPORTING = ("said", "says", "added", "explained", "warned", "noted", "stressed", "wrote",
              "asked", "replied", "told")
# Lower-case words for what a person is, before a name: "the rebel commander Abu Saleh".
_ROLE_NOUNS = ("commander", "leader", "spokesman", "spokeswoman", "spokesperson", "official",
               "citizen", "militant", "journalist", "activist", "photographer", "resident",
               "doctor", "nurse", "teacher", "student", "soldier", "officer", "chief", "envoy",
               "minister", "president", "general", "adviser", "advisor", "director", "founder",
               "cleric", "preacher", "fighter", "bomber", "lawyer", "judge", "economist",
               "analyst", "researcher", "colleague", "son", "daughter", "brother", "sister",
               "father", "mother", "wife", "husband", "widow", "cousin", "uncle")
_NOT_AFTER_ONE = frozenset("""of another and or but who whom which that is was has had will would
can could should must may might does did the a an as than last""".split())


_Match = tuple[int, int, str, str]  # start token, end token, label, reason


class _Tokens:
    """A document's token attributes as plain lists, read once: indexing ``doc[i]`` makes
    a Python object per access, which the resolver would do tens of thousands of times."""

    __slots__ = (
        "_breaks",
        "_headings",
        "lower",
        "orth",
        "orth_array",
        "punct",
        "space",
        "strings",
        "title",
        "ws",
    )

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
        given_names: Iterable[str] = (),
    ) -> None:
        add = vocab.strings.add
        self.given_names = frozenset(add(w) for w in given_names)
        # "one" is no number before these words ("one of them", "one another", "as One.")
        self.not_after_one = frozenset(add(w) for w in _NOT_AFTER_ONE)
        self.one = add("one")
        self.reporting = frozenset(add(w) for w in _REPORTING)
        self.period = add(".")
        self.roles = frozenset(add(w) for w in _ROLE_NOUNS)
        self.person_cues = self.given_names | self.reporting | self.roles
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
        candidates += self._acronyms(tokens, candidates)
        persons: list[_Match] = []
        if self.given_names:
            # One pass over the words finds both the given names and the "said"s.
            wanted = self.person_cues
            found = [k for k, orth in enumerate(tokens.orth) if orth in wanted]
            given = [k for k in found if tokens.orth[k] in self.given_names]
            persons = self._persons_from_given_names(tokens, candidates, given)
            if len(given) < len(found):
                saids = [k for k in found if tokens.orth[k] not in self.given_names]
                persons += self._persons_after_reporting(tokens, candidates, persons, saids)
            if persons:
                candidates = self._cut_before_persons(tokens, candidates, persons)
        if titles:
            persons += self._persons_from_titles(tokens, titles, candidates)
        if persons:
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
            if end - start == 1 and lower[start] == self.one and not self._one_counts(tokens, end):
                return None
        elif label == "ORDINAL" and end - start == 1 and tokens.text(start)[:1].isupper() \
                and end < len(orth) and tokens.title[end] and not tokens.punct[end]:
            return None  # "First Deputy Foreign Minister", "Second Avenue": part of a name
        if start >= end:
            return None
        return (start, end, label, reason)

    def _acronyms(self, tokens: _Tokens, candidates: list[_Match]) -> list[_Match]:
        """An acronym in brackets right after a name ("the Office of Foreign Assets Control
        (OFAC)") takes the name's label, there and wherever else the text uses it."""
        n = len(tokens.orth)
        orth = tokens.orth
        labels: dict[int, str] = {}
        for _, end, label, _ in candidates:
            if label in _NAMED_LABELS and end + 2 < n and orth[end] == self.open_paren \
                    and orth[end + 2] == self.close_paren \
                    and _ACRONYM.match(tokens.text(end + 1)):
                labels.setdefault(orth[end + 1], label)
        if not labels:
            return []
        return [(i, i + 1, labels[o], "pattern: acronym given after a name")
                for i, o in enumerate(orth) if o in labels]

    def _one_counts(self, tokens: _Tokens, after: int) -> bool:
        """Whether a lone "one" is a number: only before a lower-case word that is not
        "of", "another", "who"... ("one person", "one in five"; not "one of them", "a
        good one.", "Deliver as One")."""
        if after >= len(tokens.orth):
            return False
        word = tokens.text(after)
        return word.isalpha() and word.islower() and tokens.lower[after] not in self.not_after_one

    # persons --------------------------------------------------------------------------

    def _persons_from_given_names(self, tokens: _Tokens, candidates: list[_Match],
                                  given: list[int]) -> list[_Match]:
        """A listed given name and one to three more name words ("Antonio Guterres",
        "Yevgeny Prigozhin", "Bashar al-Assad"), anywhere but inside a listed name."""
        n = len(tokens.orth)
        listed = bytearray(n)
        for start, end, _, reason in candidates:
            if reason.startswith("gazetteer:"):
                listed[start:end] = b"\x01" * (end - start)
        found: list[_Match] = []
        reached = 0
        for i in given:
            if i < reached or listed[i] or tokens.in_heading(i):
                continue
            end, words = self._name_end(tokens, i, listed)
            if words >= 2:
                found.append((i, end, "PERSON", "pattern: given name and surname"))
                reached = end
            elif words == 1 and self._alone_as_a_name(tokens, end):
                found.append((i, end, "PERSON", "pattern: given name before 'said'"))
        return found

    def _alone_as_a_name(self, tokens: _Tokens, after: int) -> bool:
        """A given name alone is a person before "said" ("Manal said") or before a comma
        and "a", "an" or "the" ("Manal, a mother of three, ...")."""
        n = len(tokens.orth)
        if after >= n:
            return False
        if tokens.orth[after] in self.reporting:
            return True
        return (tokens.orth[after] == self.comma and after + 1 < n
                and tokens.lower[after + 1] in self.the_a_an)

    def _persons_after_reporting(self, tokens: _Tokens, candidates: list[_Match],
                                 persons: list[_Match], saids: list[int]) -> list[_Match]:
        """Two to four name words between "said" (or "added", "noted"...) and a comma or
        full stop: '"...," said Lama Fakih, the deputy director'."""
        n = len(tokens.orth)
        covered = bytearray(n)
        for start, end, _, _ in [*candidates, *persons]:
            covered[start:end] = b"\x01" * (end - start)
        found: list[_Match] = []
        for i in saids:
            j = i + 1
            end, words = self._name_end(tokens, j, covered)
            if words < 2 or tokens.in_heading(j):
                continue
            if tokens.orth[i] in self.roles:  # "the rebel commander Abu Saleh Jaber"
                if end >= n or not tokens.title[end]:
                    found.append((j, end, "PERSON", "pattern: capitalised name after a role"))
            elif end < n and tokens.orth[end] in (self.comma, self.period):
                found.append((j, end, "PERSON", "pattern: capitalised name after 'said'"))
        return found

    def _cut_before_persons(self, tokens: _Tokens, candidates: list[_Match],
                            persons: list[_Match]) -> list[_Match]:
        """A name made by a pattern that runs on into a person's name ("the Institute for
        Strategic Studies Dauren Aben") ends before the person."""
        starts = sorted((start, end) for start, end, _, _ in persons)
        out = []
        for match in candidates:
            start, end, label, reason = match
            if reason.startswith("pattern: capitalised name"):
                for p_start, p_end in starts:
                    if start < p_start < end <= p_end:
                        end = p_start
                        while end > start and (tokens.lower[end - 1] in self.trailing
                                               or tokens.punct[end - 1]):
                            end -= 1
                        match = (start, end, label, reason)
                        break
                if end - start < 1:
                    continue
            out.append(match)
        return out


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
        """Other mentions of a name found with a title or a given name: the full name or
        the surname ("Putin" after "Vladimir Putin")."""
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
                    found.append((i, end, "PERSON", "pattern: name given in full elsewhere"))
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

