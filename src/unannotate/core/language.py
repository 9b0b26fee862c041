"""A small guess of a document's language among the six official UN languages.

Used only when neither the import command nor the record names a language. Scripts decide
Arabic, Chinese and Russian; frequent function words decide English, French and Spanish.
``--language`` overrides it for anything else.
"""

from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to in is that for on with was are by it this which as be has".split()),
    "fr": frozenset("le la les des et est une un du dans pour que qui sur au aux avec par ce sont".split()),
    "es": frozenset("el la los las y es una un del en para que por con se al como su sus fue".split()),
}


def _script_share(sample: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for ch in sample:
        code = ord(ch)
        if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F:
            counts["ar"] += 1
        elif 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
            counts["zh"] += 1
        elif 0x0400 <= code <= 0x04FF:
            counts["ru"] += 1
        elif ch.isalpha():
            counts["latin"] += 1
    return counts


def guess_language(text: str, default: str = "en") -> str:
    """Return an ISO 639-1 code: ar, zh, ru, en, fr or es (``default`` when unsure)."""
    sample = text[:20_000]
    scripts = _script_share(sample)
    letters = sum(scripts.values())
    if not letters:
        return default
    top, count = scripts.most_common(1)[0]
    if top != "latin" and count / letters > 0.5:
        return top
    words = Counter(w.lower() for w in _WORD.findall(sample))
    scores = {
        lang: sum(words[w] for w in vocab) for lang, vocab in _FUNCTION_WORDS.items()
    }
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] >= 3 else default
