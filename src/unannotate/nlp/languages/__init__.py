"""Suggestions in the languages other than English: Arabic, Chinese, French, Russian, Spanish
and Kazakh from data (``resources/languages/`` and CLDR through Babel), and language-neutral
ones for every other language.

- :mod:`.data`: the data of one language, read and compiled once per process;
- :mod:`.entities`: entity suggestions on the characters of a text (no tokenizer: Chinese and
  Arabic write some words together, Russian and Kazakh inflect);
- :mod:`.claims`: sentences split on each script's punctuation, scored from cue words,
  figures, dates and names;
- :mod:`.routing`: each paragraph of a document to the rules of its own language.
"""

from __future__ import annotations

from dataclasses import dataclass

# Languages with rules of this package (English has the rules of ``entity_rules``).
RULE_LANGUAGES: tuple[str, ...] = ("ar", "zh", "fr", "ru", "es", "kk")
ENGLISH = "en"
NEUTRAL = "*"  # the language-neutral suggestions of any other language


def language_code(language: str | None, default: str = ENGLISH) -> str:
    """``"fr"`` for "fr", "FR", "fr-CA", "fr_FR"; ``default`` for nothing. The one reading of
    a document's language tag that the rules, training and spaCy's blank pipelines share."""
    code = (language or "").strip().replace("_", "-").split("-")[0].lower()
    return code or default


def rules_for(language: str | None) -> str:
    """Which rules suggest for ``language``: "en", one of :data:`RULE_LANGUAGES`, or
    :data:`NEUTRAL`."""
    code = language_code(language)
    if code == ENGLISH or code in RULE_LANGUAGES:
        return code
    return NEUTRAL


@dataclass(frozen=True)
class LanguageSupport:
    """What the built-in suggesters do for one language, said so a window can show it."""

    language: str
    has_rules: bool
    note: str | None  # None when the language has rules of its own


def language_support(language: str | None) -> LanguageSupport:
    """Whether the built-in rules know ``language``; if not, the note to show."""
    code = language_code(language)
    if rules_for(code) != NEUTRAL:
        return LanguageSupport(code, True, None)
    return LanguageSupport(
        code, False,
        f"no rules for language {code!r}; language-neutral suggestions (numbers, dates, "
        "amounts, claims by punctuation and figures)")
