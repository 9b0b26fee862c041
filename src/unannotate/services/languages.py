"""What the built-in suggesters do for a document's language, for the window and the
command line to say: ``language_note`` is None for a language with rules of its own
(English, Arabic, Chinese, French, Russian, Spanish, Kazakh), else the one-line note
"no rules for language 'de'; language-neutral suggestions (...)".

Also the languages a person chooses from (:data:`RULE_LANGUAGE_CODES`, by their English
names from CLDR through Babel) and the check of a language code typed by hand."""

from __future__ import annotations

import re
from functools import cache

from ..core.errors import UnannotateError
from ..core.language import LANGUAGES
from ..nlp.languages import RULE_LANGUAGES, LanguageSupport, language_code, language_support

__all__ = ["RULE_LANGUAGES", "RULE_LANGUAGE_CODES", "LanguageSupport", "check_language_code",
           "language_name", "language_note", "language_support"]

# The languages with rules of their own, in the order of their English names.
RULE_LANGUAGE_CODES: tuple[str, ...] = ("ar", "zh", "en", "fr", "kk", "ru", "es")
assert set(RULE_LANGUAGE_CODES) == set(LANGUAGES)
# As ``import --language`` takes it: two or three letters, then subtags (zh-Hans, pt_BR);
# at most as long as the documents' language column holds.
_CODE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
LONGEST_CODE = 16


def language_note(language: str | None) -> str | None:
    """The note to show beside a document in ``language``, or None when it has rules."""
    return language_support(language).note


def check_language_code(value: str) -> str:
    """``value`` without surrounding spaces if it is a language code (kk, zh, zh-Hans), else
    an :class:`UnannotateError` saying what is expected."""
    code = value.strip()
    if not _CODE.fullmatch(code) or len(code) > LONGEST_CODE:
        raise UnannotateError(
            f"{value!r} is not a language code (two or three letters, such as kk, zh or "
            f"zh-Hans; at most {LONGEST_CODE} characters)")
    return code


@cache
def _names() -> dict[str, str]:
    from babel import Locale

    return dict(Locale("en").languages)


def language_name(code: str | None) -> str:
    """"Russian (ru)" for "ru": the English name from CLDR and the code as stored; the code
    alone for one CLDR does not name."""
    stored = code or "en"
    name = _names().get(stored.replace("-", "_")) or _names().get(language_code(stored))
    return f"{name} ({stored})" if name else stored
