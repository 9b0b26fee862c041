"""Blank spaCy pipelines for tokenising a document's text in its language, kept per process
and renewed as their vocab grows. The DocBin writer tokenises with them; the reader reads with
their vocab."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import spacy
from spacy.language import Language
from spacy.vocab import Vocab

from .languages import language_code

FALLBACK_LANGUAGE = "xx"  # spaCy's multi-language tokenizer

_BLANK_LOCK = threading.Lock()


@dataclass(frozen=True)
class Blank:
    """A blank pipeline for tokenising, why it is not the document's own language, and how
    many strings its vocab held when it was built."""

    nlp: Language
    fallback_reason: str | None
    built_strings: int


def _build_blank(code: str) -> Blank:
    try:
        nlp, reason = spacy.blank(code), None
    except ImportError as error:  # unknown language, or a tokenizer needing another package
        nlp = spacy.blank(FALLBACK_LANGUAGE)
        reason = f"spaCy cannot tokenise {code!r} ({str(error).splitlines()[0]})"
    return Blank(nlp, reason, len(nlp.vocab.strings))


# A pipeline keeps every string it has seen, a lexeme for each, and its tokenizer a cache entry
# for every distinct piece of text between spaces: about 600 bytes a new string in news text,
# where most documents bring one or two (a number, a name). Past this many new strings a fresh
# pipeline takes its place, so memory stays flat (within about 6 MB) however many documents go
# through; building one takes about a tenth of a second. (Strings of Docs already in a DocBin
# are kept by the DocBin itself.)
MAX_NEW_STRINGS = 10_000

BLANKS: dict[str, Blank] = {}


def blank_for(language: str) -> Blank:
    """The blank pipeline for ``language``, built once per process (building one for each
    document would dominate an export) and built again once its vocab has taken in
    ``MAX_NEW_STRINGS`` strings."""
    code = language_code(language, FALLBACK_LANGUAGE)
    with _BLANK_LOCK:
        found = BLANKS.get(code)
        if found is None or len(found.nlp.vocab.strings) - found.built_strings > MAX_NEW_STRINGS:
            found = BLANKS[code] = _build_blank(code)
        return found


def reading_vocab() -> Vocab:
    """A DocBin stores its own strings, so any vocab reads any language."""
    return blank_for(FALLBACK_LANGUAGE).nlp.vocab


