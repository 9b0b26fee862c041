"""A small guess of a document's language among the six official UN languages.

Used only when neither the import command nor the record names a language. Scripts decide
Arabic, Chinese and Russian; frequent function words decide English, French and Spanish.
``--language`` overrides it for anything else.
"""

from __future__ import annotations

import re
from collections import Counter


_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to in is that for on with was are by it this which as be has".split()),
    "fr": frozenset("le la les des et est une un du dans pour que qui sur au aux avec par ce sont".split()),
    "es": frozenset("el la los las y es una un del en para que por con se al como su sus fue".split()),
}


# Enough prose for dozens of function words; reading more only costs import time.
SAMPLE = 600
_SCRIPTS = {
    "ar": re.compile(r"[\u0600-\u06FF\u0750-\u077F]"),
    "zh": re.compile(r"[\u4E00-\u9FFF\u3400-\u4DBF]"),
    "ru": re.compile(r"[\u0400-\u04FF]"),
}
_ANY_SCRIPT = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u4E00-\u9FFF\u3400-\u4DBF\u0400-\u04FF]")


_WORD = re.compile(r"[^\W\d_]+")


def _script_share(sample: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for lang, pattern in _SCRIPTS.items():
        if n := len(pattern.findall(sample)):
            counts[lang] = n
    if latin := sum(map(str.isalpha, _ANY_SCRIPT.sub("", sample))):
        counts["latin"] = latin
    return counts


def guess_language(text: str, default: str = "en") -> str:
    """Return an ISO 639-1 code: ar, zh, ru, en, fr or es (``default`` when unsure).

    Judged on the first characters of the text."""
    sample = text[:SAMPLE]
    if _ANY_SCRIPT.search(sample):
        scripts = _script_share(sample)
        top, count = scripts.most_common(1)[0]
        if top != "latin" and count / sum(scripts.values()) > 0.5:
            return top
    words = _WORD.findall(sample.lower())
    scores = {lang: sum(map(vocab.__contains__, words)) for lang, vocab in _FUNCTION_WORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] >= 3 else default
