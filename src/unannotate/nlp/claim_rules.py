"""The built-in claim suggester: sentences that assert something checkable.

``unannotate.claims.rules.v1`` proposes CLAIM spans: sentences (or clauses) holding a
figure, an event that happened, a commitment, a comparison or a cause, or a statement
attributed to someone; it leaves out opinion, rhetoric, greetings, thanks and questions.

It works in three separate steps, so that a trained classifier can replace the scoring
under another name and keep the rest:

1. **units** (:func:`claim_units`): the sentences of a spaCy ``Doc``, further split at
   blank lines and at line breaks that start a new line (headings, list items), with
   surrounding whitespace, emoji and a leading bullet or list number trimmed. An English
   sentence holding independent assertions joined by ``;`` or by ``, and`` / ``, but`` /
   ``, while`` / ``, whereas`` (each side with a verb of its own and at least four words)
   is also split into clauses. When some of its clauses are claims and the others are
   clearly not (scoring below half the threshold: an opinion, a question, a courtesy),
   only the claim clauses are proposed, unless a clause starts with a contrast ("but",
   "while", "whereas": it leans on the clause before); otherwise the whole sentence is
   (or nothing).
2. **features** (:func:`claim_features`): numbers in ``[0, 1]`` computed from the tokens
   and ``doc.ents`` only, so no parser or tagger is needed: figures, money, percentages,
   dates, named entities, quotation marks, and cue words and phrases for reporting,
   comparison, cause, commitment, past events, things counted or measured, hedges,
   opinion, calls to act, evaluative words and courtesies, plus who speaks (a unit about
   "I" or "we"; a commitment after them is the speaker's promise, weaker than a reported
   one), questions, exclamations, short units, lone small numbers ("the two of us") and
   heading lines without a verb. "will be" before anything but a participle is a
   prediction, not a commitment; "it can be said" reports nobody.
3. **score** (:func:`claim_score`): a logistic function of a weighted sum of the
   features, in ``[0, 1]``. The cue lists and the weights are data in
   ``resources/claim_cues.json``.

The English cue lists are built in. With an installed pipeline (``model``), other
languages are scored on the language-independent features only: figures written with
digits, years and numeric dates, entities, quotation marks, question and exclamation marks,
heading lines. With the built-in rules, each paragraph goes to the rules of its language:
English to these, Arabic, Chinese, French, Russian, Spanish and Kazakh (and the
language-neutral rules of any other language) to ``languages.claims``.

The steps live in their own modules: ``claim_cues`` (the cue file), ``claim_units``
(units), ``claim_features`` (features, score, reason); this module turns them into
suggestions and holds the registered suggester.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ..core.model import CLAIM_LABEL, LabelKind
from .base import (
    SuggesterError,
    SuggesterInfo,
    SuggesterInput,
    SuggestionRow,
    register,
)
from .claim_cues import CUES_FILE, _config, _cues, feature_names  # noqa: F401
from .claim_features import (  # noqa: F401 - the names this module has always offered
    _analyse,
    _Analysis,
    _reason,
    claim_features,
    claim_reason,
    claim_score,
)
from .claim_units import _units, _view_of, claim_units  # noqa: F401
from .languages.claims import claim_rows
from .languages.routing import suggest_by_language
from .parallel import WindowedSuggester

NAME = "unannotate.claims.rules.v1"
LABEL = CLAIM_LABEL

# --------------------------------------------------------------------------- suggestions


def suggest_doc(
    doc: Doc, *, threshold: float = 0.5, offset: int = 0, text: str | None = None
) -> list[SuggestionRow]:
    """The claim suggestions of one processed ``Doc`` as rows, offsets shifted by ``offset``.

    ``text``, when given, must be the text the doc was made from (it saves rebuilding
    it from the tokens)."""
    if text is not None:
        length = doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0
        if len(text) != length:
            text = None
    view = _view_of(doc, text)
    cues = _cues(doc.lang_)
    text = view.text
    out: list[SuggestionRow] = []

    def scored(span: tuple[int, int]) -> tuple[float, _Analysis]:
        analysis = _analyse(view, span[0], span[1], cues)
        return claim_score(analysis.features), analysis

    def emit(span: tuple[int, int], score: float, analysis: _Analysis) -> None:
        start, end = view.char_span(*span)
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            out.append((start + offset, end + offset, LABEL, round(score, 3),
                        _reason(analysis)))

    for sentence, clauses in _units(view, cues):
        score, analysis = scored(sentence)
        if not clauses:
            if score >= threshold:
                emit(sentence, score, analysis)
            continue
        results = [(clause, *scored(clause)) for clause in clauses]
        passing = [r for r in results if r[1] >= threshold]
        clearly_not = all(r[1] < threshold / 2 for r in results if r[1] < threshold)
        # A clause after ", but" or ", while" leans on the one before: the claim is the
        # whole sentence, never one starting at "but".
        contrast = any(view.lower[clause[0]] in cues.contrast_joiners
                       for clause, _, _ in results[1:])
        if passing and len(passing) < len(results) and clearly_not and not contrast:
            for clause, clause_score, clause_analysis in passing:
                emit(clause, clause_score, clause_analysis)
        elif score >= threshold:
            emit(sentence, score, analysis)
        elif passing:  # a clause is a claim, the whole scores lower: keep the best
            best = max(passing, key=lambda r: r[1])
            emit(sentence, best[1], best[2])
    return out


# --------------------------------------------------------------------------- pipelines


def _default_pipeline(language: str) -> Language:
    from .entity_rules import build_nlp

    return build_nlp(language)


def _load_model(model: str) -> Language:
    path = Path(model).expanduser()
    is_path = path.exists() or "/" in model or "\\" in model
    try:
        nlp = spacy.load(path if path.exists() else model)
    except OSError as exc:
        if path.exists():
            raise SuggesterError(
                f"spaCy pipeline folder '{model}' could not be loaded: {exc}") from exc
        if is_path:
            raise SuggesterError(f"spaCy pipeline folder '{model}' does not exist") from None
        raise SuggesterError(
            f"spaCy pipeline '{model}' is not installed. Install it with: "
            f"python -m spacy download {model}, or give a path to a pipeline folder"
        ) from None
    except (ImportError, ValueError, KeyError) as exc:
        raise SuggesterError(f"spaCy pipeline '{model}' could not be loaded: {exc}") from exc
    if not any(name in nlp.pipe_names for name in ("parser", "senter", "sentencizer")):
        if "senter" in nlp.component_names:
            nlp.enable_pipe("senter")
        else:
            nlp.add_pipe("sentencizer")
    return nlp


def _pieces(text: str, limit: int) -> list[tuple[str, int]]:
    """Cut a text longer than a pipeline's ``max_length`` at line breaks (or spaces)."""
    if len(text) <= limit:
        return [(text, 0)]
    out: list[tuple[str, int]] = []
    pos = 0
    while len(text) - pos > limit:
        window = text[pos:pos + limit]
        cut = window.rfind("\n\n")
        if cut < limit // 2:
            cut = window.rfind("\n")
        if cut < limit // 2:
            cut = max(window.rfind(" "), window.rfind("\t"))
        if cut < limit // 2:
            cut = limit - 1
        out.append((text[pos:pos + cut + 1], pos))
        pos += cut + 1
    out.append((text[pos:], pos))
    return out


@register(NAME)
class RulesClaimSuggester(WindowedSuggester):
    """Proposes CLAIM spans scored from cue words, figures and entities.

    ``model``: ``None`` uses the built-in rule pipeline of each document's language;
    otherwise the name or folder of an installed spaCy pipeline, whose ``ner`` supplies
    the entities and whose parser or senter the sentences (a sentencizer is added when it
    has neither); it is used for every document. ``threshold``: the lowest score proposed.
    """

    def __init__(self, model: str | None = None, threshold: float = 0.5) -> None:
        try:
            threshold = float(threshold)
        except (TypeError, ValueError):
            raise SuggesterError(f"threshold must be a number, got {threshold!r}") from None
        if not 0.0 <= threshold <= 1.0:
            raise SuggesterError(f"threshold must be between 0 and 1, got {threshold}")
        self.threshold = threshold
        self.model = model or None
        self._pipelines: dict[str, Language] = {}
        _config()  # a broken cue file fails here, not in the middle of a run
        if self.model:
            nlp = _load_model(self.model)
            self._pipelines["*"] = nlp
            meta = nlp.meta
            self.info = SuggesterInfo(
                name=NAME,
                kind=LabelKind.CLAIM,
                pipeline=f"{meta.get('lang', nlp.lang)}_{meta.get('name', 'pipeline')}",
                pipeline_version=meta.get("version"),
                spacy_version=spacy.__version__,
            )
        else:
            self.info = SuggesterInfo(name=NAME, kind=LabelKind.CLAIM,
                                      spacy_version=spacy.__version__)

    def _pipeline(self, key: str) -> Language:
        nlp = self._pipelines.get(key)
        if nlp is None:
            try:
                nlp = _default_pipeline(key)
            except SuggesterError:
                raise
            except Exception as exc:  # noqa: BLE001 - e.g. a language spaCy does not know
                raise SuggesterError(f"no rule pipeline for language {key!r}: {exc}") from exc
            self._pipelines[key] = nlp
        return nlp

    name = NAME

    def spawn_config(self) -> dict[str, Any]:
        return {"model": self.model, "threshold": self.threshold}

    def window(self, batch_size: int) -> int:
        """Inputs are read in windows; within a window they are grouped by language and
        each group goes through ``nlp.pipe``. Several processes each take a few documents
        at a time (see :mod:`.parallel`)."""
        return max(512, batch_size * 16)

    def suggest_here(
        self, items: list[SuggesterInput], batch_size: int
    ) -> list[tuple[Any, list[SuggestionRow]]]:
        """Suggestion rows for ``items`` computed in this process, in input order. With
        the built-in pipelines each paragraph goes to the rules of its language
        (``languages.routing``): English to these, the others to ``languages.claims``."""
        if self.model:
            return self.pipeline_rows(items, batch_size)
        return suggest_by_language(
            items,
            lambda pieces: [rows for _, rows in self.pipeline_rows(pieces, batch_size)],
            lambda text, rules: claim_rows(text, rules, threshold=self.threshold))

    def pipeline_rows(
        self, items: list[SuggesterInput], batch_size: int
    ) -> list[tuple[Any, list[SuggestionRow]]]:
        """Suggestion rows for ``items`` through spaCy pipelines, in input order."""
        results: list[list[SuggestionRow]] = [[] for _ in items]
        groups: dict[str, list[int]] = {}
        for i, item in enumerate(items):
            key = "*" if self.model else (item.language or "en")
            groups.setdefault(key, []).append(i)
        for key, positions in groups.items():
            nlp = self._pipeline(key)
            pieces = [
                (piece, (i, offset, piece))
                for i in positions
                for piece, offset in _pieces(items[i].text, nlp.max_length)
            ]
            for doc, (i, offset, piece) in nlp.pipe(pieces, as_tuples=True,
                                                    batch_size=batch_size):
                results[i].extend(
                    suggest_doc(doc, threshold=self.threshold, offset=offset, text=piece))
        return [(item.key, rows) for item, rows in zip(items, results)]
