"""What the built-in suggesters do for a document's language, for the window and the
command line to say: ``language_note`` is None for a language with rules of its own
(English, Arabic, Chinese, French, Russian, Spanish, Kazakh), else the one-line note
"no rules for language 'de'; language-neutral suggestions (...)"."""

from __future__ import annotations

from ..nlp.languages import RULE_LANGUAGES, LanguageSupport, language_support

__all__ = ["RULE_LANGUAGES", "LanguageSupport", "language_note", "language_support"]


def language_note(language: str | None) -> str | None:
    """The note to show beside a document in ``language``, or None when it has rules."""
    return language_support(language).note
