"""Regular expressions built from word lists: one prefix tree per list (a regex that reads
each character once, however many names it holds), with Russian case endings, Kazakh
suffixes and Arabic prefixes where the language needs them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# Case endings of Russian nouns and adjectives, longest first; "" for the nominative.
RU_ENDINGS = ("ами", "ями", "ого", "его", "ому", "ему", "ой", "ей", "ом", "ем", "ам", "ям",
              "ах", "ях", "ов", "ев", "ую", "юю", "ых", "их", "ым", "им", "ая", "яя", "ое",
              "ее", "ые", "ие", "ый", "ий", "а", "я", "у", "ю", "е", "и", "ы", "ь", "й", "о")
RU_ENDING = "(?:" + "|".join(RU_ENDINGS) + ")?"
# Nominative endings stripped to find a Russian word's stem ("Франция" -> "Франци").
_RU_STRIP = ("ые", "ие", "ая", "яя", "ое", "ее", "ый", "ий", "ой", "а", "я", "ь", "й", "о", "ы")
_RU_MIN_STEM = 3
# Short words of Russian names that never inflect.
_RU_FIXED = frozenset({"по", "и", "в", "во", "для", "об", "на", "о", "де", "да"})
# Kazakh suffixes after a name (case, plural, possessive): any lower-case letters.
KK_LETTERS = "а-яёәғқңөұүһі"
KK_SUFFIX = f"(?:[{KK_LETTERS}]{{1,8}})?"
# Arabic one-letter prefixes (and, so, with/in, for, like), which stay out of the span.
AR_PREFIX = "(?P<pre>[وف]?[بكل]?)"
ARABIC_LETTER = "\u0621-\u064a\u0671-\u06d3"

_END = ""  # trie key marking the end of a sequence


def trie_regex(sequences: Iterable[Sequence[str]]) -> str:
    """One regex matching any of ``sequences`` (each a list of regex atoms), written as a
    prefix tree so that alternatives sharing a beginning read it once. Longer sequences are
    tried first."""
    root: dict[str, dict] = {}
    for sequence in sequences:
        if not sequence:
            continue
        node = root
        for atom in sequence:
            node = node.setdefault(atom, {})
        node[_END] = {}

    def emit(node: dict[str, dict]) -> str:
        ends = _END in node
        # A name going on ("Доминика|н Республикасы") is tried before an ending or a
        # suffix that would end it there ("Доминика|н"): the longer name wins.
        atoms = sorted((atom for atom in node if atom != _END),
                       key=lambda atom: (not _literal(atom), atom))
        branches = [atom + emit(node[atom]) for atom in atoms]
        if not branches:
            return ""
        if len(branches) == 1 and not ends:
            return branches[0]
        body = "(?:" + "|".join(branches) + ")"
        return body + "?" if ends else body

    return emit(root) or "(?!)"


def _literal(atom: str) -> bool:
    """Whether a trie atom is one character (escaped or not)."""
    return len(atom) == 1 or (len(atom) == 2 and atom[0] == "\\")


def _char(ch: str, *, cyrillic: bool) -> str:
    if ch in "'’":
        return "['’]"
    if ch in " \u00a0":
        return "[ \u00a0]+"
    if cyrillic and ch in "её":
        return "[её]"
    if cyrillic and ch in "ЕЁ":
        return "[ЕЁ]"
    return re.escape(ch)


def _first_letter(ch: str) -> str:
    """A word's first letter in either case ("Organisation Mondiale" = "mondiale")."""
    if ch.lower() != ch.upper() and len(ch.lower()) == 1 and len(ch.upper()) == 1:
        return f"[{re.escape(ch.upper())}{re.escape(ch.lower())}]"
    return re.escape(ch)


def _ru_word(word: str) -> list[str]:
    """Atoms of one Russian word of a name: its stem, then any case ending."""
    letters = [_char(c, cyrillic=True) for c in word]
    if word.isupper() or word.lower() in _RU_FIXED or not word[-1].isalpha():
        return letters
    for ending in _RU_STRIP:
        if word.endswith(ending) and len(word) - len(ending) >= _RU_MIN_STEM:
            return letters[: len(word) - len(ending)] + [RU_ENDING]
    return letters + [RU_ENDING]


def name_atoms(name: str, language: str, script: str) -> list[str]:
    """The regex atoms of one listed name in ``language``."""
    cyrillic = script == "cyrillic"
    if language == "ru":
        atoms: list[str] = []
        for number, word in enumerate(name.split(" ")):
            if number:
                atoms.append("[ \u00a0]+")
            word_atoms = _ru_word(word)
            if number and word[:1].isupper() and not word.isupper():
                word_atoms[0] = _first_letter(word[0]).replace("Е", "ЕЁ").replace("е", "её")
            atoms.extend(word_atoms)
        return atoms
    atoms = []
    start_of_word = False
    for ch in name:
        if start_of_word and ch.isalpha() and script in ("latin", "cyrillic") and not (
                ch.isupper() and len(name) > 1 and name.replace(" ", "").isupper()):
            atoms.append(_first_letter(ch))
        else:
            atoms.append(_char(ch, cyrillic=cyrillic))
        start_of_word = ch == " "
    if language == "kk" and not name.split(" ")[-1].isupper():
        atoms.append(KK_SUFFIX)
    return atoms


def names_regex(names: Iterable[str], language: str, script: str) -> re.Pattern[str]:
    """A regex finding any of ``names`` as whole words (on characters for Chinese; after a
    one-letter prefix for Arabic, in the group ``n``)."""
    sequences = []
    for name in sorted(set(names)):
        sequences.append(name_atoms(name, language, script))
        if script == "arabic" and name.startswith("ال") and len(name) > 3:
            # "ل" + "الأمم" is written "للأمم".
            sequences.append(["ل", "ل", *(_char(c, cyrillic=False) for c in name[2:])])
    body = trie_regex(sequences)
    if script == "cjk":
        return re.compile(f"(?P<n>{body})")
    if script == "arabic":
        return re.compile(f"(?<![{ARABIC_LETTER}]){AR_PREFIX}(?P<n>{body})(?![{ARABIC_LETTER}])")
    return re.compile(rf"(?<![\w])(?P<n>{body})(?![\w])")


def words_regex(words: Iterable[str], *, prefix: bool = False) -> str:
    """An alternation of ``words`` (escaped, longest first); ``prefix``: a word beginning
    with one of them (a cue stem) counts."""
    ordered = sorted({w for w in words if w}, key=len, reverse=True)
    if not ordered:
        return "(?!)"
    body = "(?:" + "|".join("".join(_char(c, cyrillic=False) for c in w) for w in ordered) + ")"
    return body + r"\w*" if prefix else body
