"""Entity suggestions from gazetteers and token patterns, with no trained pipeline.

``build_nlp(language)`` makes a blank spaCy pipeline: the language's tokenizer, a
``sentencizer``, a ``span_ruler`` with the names listed in ``resources/gazetteers/``, a
token-pattern matcher with the patterns there (numbers, dates, money, sessions, names ending
in "Convention" or "Agency"), and a resolver that turns their overlapping matches into
``doc.ents``:

- a title ("Secretary-General", "Ambassador", "Mr.") next to a capitalised name marks the
  name, not the title, as PERSON; so do a listed given name before a surname ("Antonio
  Guterres"), "said" before a name and a comma, and a role word before a name ("the rebel
  commander Abu Saleh Jaber"); a name found so is found again elsewhere in the text, in
  full or by its surname, and a pattern-made organisation name running on into it ends
  before it;
- a lone "one" is a number only before a noun-like word, "around" or "about" joins a
  number word only with a scale ("around three thousand", not "built around three
  pillars"), and a capitalised ordinal before a capitalised word is part of a name;
- "the" is dropped from the start of pattern-made names, "in" from dates, dangling "of the"
  from their ends; pattern-made names on a title-case heading line are dropped;
- of overlapping candidates the longest wins (in tokens); on a tie a listed name beats a
  pattern and a pattern beats a guess, then the label order in ``LABEL_PRIORITY`` decides.

The lists and patterns cover English; ``build_nlp`` of another language gives its own
tokenizer plus the language-independent patterns (numbers in digits, "%", currency symbols,
years, member-state names written the same way). ``resources/gazetteers/README.md`` describes
the files. The suggester sends each paragraph to the rules of its language: English to this
pipeline, Arabic, Chinese, French, Russian, Spanish and Kazakh (and the language-neutral rules
of any other language) to ``languages`` (``resources/languages/README.md``).

The pipeline's parts live in their own modules: ``entity_data`` (reading the files),
``entity_matcher`` (the token patterns), ``entity_resolver`` (choosing ``doc.ents``); this
module builds the pipeline and holds the registered suggester.
"""

from __future__ import annotations

import pkgutil
import threading
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ..core.model import LabelKind
from .base import (
    SuggesterError,
    SuggesterInfo,
    SuggesterInput,
    SuggestionRow,
    register,
)
from .entity_data import (  # noqa: F401 - the names this module has always offered
    CANDIDATES_KEY,
    GAZETTEER_FILES,
    PATTERN_FILES,
    PATTERNS_NAME,
    RESOLVER_NAME,
    RULER_NAME,
    TITLE_LABEL,
    _group_phrases,
    _load_data,
    _state_phrases,
    gazetteer_dir,
)
from .entity_matcher import TokenPatternMatcher, _use_flags  # noqa: F401
from .entity_resolver import LABEL_PRIORITY, EntityResolver  # noqa: F401
from .languages import language_code
from .languages.entities import entity_rows
from .languages.routing import suggest_by_language
from .parallel import WindowedSuggester

NAME = "unannotate.entities.rules.v1"


# -- building the pipeline --------------------------------------------------------------


def supported_languages() -> list[str]:
    """Language codes for which spaCy has a blank pipeline."""
    import spacy.lang

    return sorted(
        m.name for m in pkgutil.iter_modules(spacy.lang.__path__) if m.ispkg and len(m.name) <= 3
    )


_BUILD_LOCK = threading.Lock()
_PIPELINES: dict[str, Language] = {}


def build_nlp(language: str = "en") -> Language:
    """The rules pipeline for ``language`` (an ISO code such as "en", "fr", "en-GB"), built
    once per process and shared: tokenizer, ``sentencizer`` (``doc.sents``), the phrase
    ruler, the token patterns and the resolver, which sets ``doc.ents`` (non-overlapping;
    each entity's ``id_`` is the reason shown to the reviewer). Raises SuggesterError for a
    language spaCy lacks."""
    code = language_code(language)
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
            "language_words": data.language_words,
            "given_names": data.given_names,
        },
    )
    return nlp



# -- the suggester ----------------------------------------------------------------------


def doc_rows(doc: Doc, text: str) -> list[SuggestionRow]:
    """``doc.ents`` as suggestion rows with code-point offsets into ``text``."""
    out: list[SuggestionRow] = []
    for ent in doc.ents:
        start, end = ent.start_char, ent.end_char
        if text[start:end] != ent.text:  # the tokenizer keeps the text; never store bad offsets
            continue
        label = ent.label_
        out.append((start, end, label, None, ent.id_ or f"rule: {label}"))
    return out


@register(NAME)
class RulesEntitySuggester(WindowedSuggester):
    """Entities from gazetteers and token patterns: no trained pipeline needed."""

    name = NAME

    def __init__(self) -> None:
        self.info = SuggesterInfo(
            name=NAME, kind=LabelKind.ENTITY, pipeline=None, spacy_version=spacy.__version__
        )

    def suggest_here(
        self, items: list[SuggesterInput], batch_size: int
    ) -> list[tuple[Any, list[SuggestionRow]]]:
        """Suggestion rows for ``items`` computed in this process, in input order: each
        paragraph by the rules of its language (``languages.routing``), English by this
        pipeline, Arabic, Chinese, French, Russian, Spanish and Kazakh by ``languages``,
        any other language by the language-neutral rules there."""
        return suggest_by_language(
            items, lambda pieces: self.english_rows(pieces, batch_size), entity_rows)

    def english_rows(
        self, items: list[SuggesterInput], batch_size: int
    ) -> list[list[SuggestionRow]]:
        """Suggestion rows for ``items`` through the pipeline of ``build_nlp``."""
        by_language: dict[str, list[int]] = {}
        for index, item in enumerate(items):
            by_language.setdefault(language_code(item.language), []).append(index)
        results: list[list[SuggestionRow]] = [[] for _ in items]
        for language, indices in by_language.items():
            nlp = build_nlp(language)
            texts = [items[i].text for i in indices]
            for index, doc in zip(indices, nlp.pipe(texts, batch_size=batch_size)):
                results[index] = doc_rows(doc, items[index].text)
        return results
