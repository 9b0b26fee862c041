"""Training spaCy's ``ner`` from done documents: resumed from an installed pipeline's
``ner`` (its labels kept, the project's added), or from a blank pipeline of the documents'
language.

Each done document is cut at line breaks into pieces of a few hundred characters (never
inside a span), so an epoch makes many small updates. Every token of a piece gets a tag:
the BILUO tag of the span covering it, else "O" (the document is done: what it does not
mark is not an entity); a span that does not fall on token boundaries, or overlaps a
longer span, gets its tokens marked unknown ("-") rather than taught wrongly.
"""

from __future__ import annotations

import importlib.util
import itertools
import random
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy
import spacy
from spacy.language import Language
from spacy.scorer import Scorer
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.training.batchers import minibatch_by_words
from spacy.util import compounding, filter_spans

from .base import SuggesterError
from .entity_spacy import NER_PIECE_CHARS, _pieces, by_length, load_for_ner, ner_pieces
from .languages import language_code
from .reviewed_names import SPAN_ID as REVIEWED_NAME
from .rule_features import NESTED_KEY, RULES_FIRST
from .training import (
    Clock,
    DataSummary,
    Span3,
    TooLittleData,
    TrainingDocument,
    TrainingError,
    TrainingSettings,
    words_in,
)

PIECE_CHARS = 400  # pieces of a document are at least this long (but for its last)
BATCH_WORDS = (100.0, 1000.0, 1.001)  # start, stop, factor of the compounding batch size
DROPOUT = 0.1
BLANK_LEARN_RATE = 0.0  # 0: spaCy's default
# Resuming an installed pipeline: half spaCy's default step (0.001), so that a few reviewed
# documents move its ner less far from what it knew (chosen by cross-validation within the
# reviewed documents: docs/adr, "entity training").
RESUME_LEARN_RATE = 0.0005


def document_language(docs: Sequence[TrainingDocument]) -> str:
    """The language of the documents (the most common one)."""
    counts: dict[str, int] = {}
    for doc in docs:
        code = language_code(doc.language)
        counts[code] = counts.get(code, 0) + 1
    return max(sorted(counts), key=lambda c: counts[c]) if counts else "en"


def base_pipeline(base: str, language: str) -> Language:
    """The installed pipeline ``base`` with its ``ner`` and what ``ner`` needs; a clear error
    when it is missing, has no ``ner`` or is of another language."""
    try:
        nlp = load_for_ner(base)
    except SuggesterError as error:
        raise TrainingError(f"base pipeline {base!r}: {error}") from None
    if nlp.lang != language:
        raise TrainingError(
            f"base pipeline {base!r} is for language {nlp.lang!r}, but the documents are in "
            f"{language!r}: choose a {language!r} pipeline or --base blank")
    return nlp


# spaCy's language for words of a language it has no module for (Kazakh): its
# multi-language tokenizer, which splits on spaces and punctuation in any script.
MULTI_LANGUAGE = "xx"


def spacy_language(language: str) -> str:
    """``language`` if spaCy has a module for it, else its multi-language (Kazakh)."""
    known = language.isascii() and language.isalpha() and \
        importlib.util.find_spec(f"spacy.lang.{language}") is not None
    return language if known else MULTI_LANGUAGE


def blank_pipeline(language: str) -> Language:
    """A blank pipeline of ``language``; of spaCy's multi-language when spaCy has no module
    for it (Kazakh), so that documents of every language the program has rules for train."""
    language = spacy_language(language)
    try:
        return spacy.blank(language)
    except Exception as error:  # noqa: BLE001 - an unknown code, a missing extra package
        raise TrainingError(f"spaCy has no blank pipeline for language {language!r}: "
                            f"{error}") from None


def _cuts(text: str, spans: Sequence[Span3]) -> list[int]:
    """Where to cut ``text`` into pieces: after line breaks no span crosses."""
    inside = bytearray(len(text) + 1)
    for start, end, _ in spans:
        for i in range(start + 1, min(end, len(text)) + 1):
            inside[i] = 1
    cuts = [0]
    pos = text.find("\n")
    while pos != -1:
        at = pos + 1
        if at < len(text) and not inside[at] and at - cuts[-1] >= PIECE_CHARS:
            cuts.append(at)
        pos = text.find("\n", at)
    cuts.append(len(text))
    if len(cuts) > 2 and cuts[-1] - cuts[-2] < PIECE_CHARS // 4:
        del cuts[-2]  # a short tail joins the piece before it
    return cuts


def tags_for(doc: Doc, spans: Sequence[Span3]) -> tuple[list[str], int]:
    """BILUO tags of ``doc`` for ``spans`` (offsets into ``doc.text``): "O" where no span
    is, "-" (unknown) on the tokens of a span that cannot be used; and how many could not."""
    tags = ["O"] * len(doc)
    left_out = 0
    taken = bytearray(len(doc))
    for start, end, label in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
        span = doc.char_span(start, end, label=label)
        if span is None or any(taken[span.start:span.end]):
            left_out += 1
            loose = doc.char_span(start, end, alignment_mode="expand")
            if loose is not None:
                for i in range(loose.start, loose.end):
                    if not taken[i]:
                        tags[i] = "-"
            continue
        for i in range(span.start, span.end):
            taken[i] = 1
        if len(span) == 1:
            tags[span.start] = f"U-{label}"
        else:
            tags[span.start] = f"B-{label}"
            for i in range(span.start + 1, span.end - 1):
                tags[i] = f"I-{label}"
            tags[span.end - 1] = f"L-{label}"
    return tags, left_out


def _prepared(nlp: Language, text: str) -> Doc:
    """The doc as ``ner`` sees it: made, and run through what comes before ``ner`` that
    only adds features (the rule tags)."""
    doc = nlp.make_doc(text)
    from .rule_features import FACTORY

    if FACTORY in nlp.pipe_names:
        doc = nlp.get_pipe(FACTORY)(doc)
    return doc


def entity_examples(nlp: Language, docs: Sequence[TrainingDocument]
                    ) -> tuple[list[Example], DataSummary]:
    """One example per piece of each done document, and what went into them."""
    examples: list[Example] = []
    spans_per_label: dict[str, int] = {}
    left_out = rejected = negative = 0
    for document in docs:
        text = document.text
        if not document.spans:
            negative += 1
        cuts = _cuts(text, document.spans)
        for a, b in itertools.pairwise(cuts):
            inside = [(s - a, e - a, lab) for s, e, lab in document.spans if a <= s and e <= b]
            doc = _prepared(nlp, text[a:b])
            tags, missed = tags_for(doc, inside)
            left_out += missed
            for _, _, label in inside:
                spans_per_label[label] = spans_per_label.get(label, 0) + 1
            for s, e, _ in document.rejected:
                if a <= s and e <= b:
                    rejected_span = doc.char_span(s - a, e - a, alignment_mode="expand")
                    if rejected_span is not None and all(
                            tags[i] == "O" for i in range(rejected_span.start, rejected_span.end)):
                        rejected += 1
            examples.append(Example.from_dict(doc, {"entities": tags}))
    summary = DataSummary(documents=len(docs), held_out=0, words=words_in(docs),
                          spans=dict(sorted(spans_per_label.items())),
                          negative_documents=negative, rejected=rejected, left_out=left_out)
    return examples, summary


def train_entities(train: Sequence[TrainingDocument], settings: TrainingSettings,
                   clock: Clock) -> tuple[Language, DataSummary]:
    """A pipeline whose ``ner`` learned the spans of ``train``."""
    language = document_language(train)
    clock.report("preparing", 0, 1, "loading the base pipeline")
    if settings.base:
        nlp = base_pipeline(settings.base, language)
    else:
        nlp = blank_pipeline(language)
        if settings.rule_features:  # a blank ner reads the rules' findings
            from .rule_features import FACTORY, NER_MODEL

            nlp.add_pipe(FACTORY)
            nlp.add_pipe("ner", config={"model": NER_MODEL})
        else:
            nlp.add_pipe("ner")
    examples, summary = entity_examples(nlp, train)
    if not summary.spans:
        raise TooLittleData(
            f"no entity in the {len(train)} done documents trained on: at least one entity "
            "span of each label to learn is needed; nothing was trained")
    ner = nlp.get_pipe("ner")
    labels = sorted(summary.spans)
    rng = random.Random(settings.seed)
    if settings.base:
        for label in labels:
            if label not in ner.labels:
                ner.add_label(label)
        spacy.util.fix_random_seed(settings.seed)  # the same data and settings, the same model
        optimizer = nlp.resume_training()
        optimizer.learn_rate = RESUME_LEARN_RATE
    else:
        for label in labels:
            ner.add_label(label)
        spacy.util.fix_random_seed(settings.seed)
        optimizer = nlp.initialize(lambda: examples)
        if BLANK_LEARN_RATE:
            optimizer.learn_rate = BLANK_LEARN_RATE
    words = sum(len(eg.reference) for eg in examples)
    epochs = settings.max_epochs
    # Progress counts words: an epoch is the same work however the batches fall.
    total = epochs * words
    clock.report("training", 0, total)
    done = 0
    train_started = clock.seconds
    # spaCy's own batching for ner: batches of compounding size in words (100 -> 1,000), so
    # little data still makes many small updates and much data fewer, larger ones.
    sizes = compounding(BATCH_WORDS[0], BATCH_WORDS[1], BATCH_WORDS[2])
    out_of_time = False
    for epoch in range(epochs):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch_by_words(examples, size=sizes, tolerance=0.2,
                                        discard_oversize=False):
            nlp.update(batch, drop=DROPOUT, sgd=optimizer, losses=losses)
            done += sum(len(eg.reference) for eg in batch)
            clock.report("training", done, total)
            # The limit holds within an epoch too, the first one included (a busy machine, or
            # hundreds of thousands of words, make an epoch long): what was learned is kept,
            # and the summary says how much of the data one pass covered.
            out_of_time = clock.seconds - train_started > settings.max_seconds
            if out_of_time:
                break
        spent = clock.seconds - train_started
        # Stop before the time limit: when one more epoch would pass it.
        if out_of_time or spent * (epoch + 2) / (epoch + 1) > settings.max_seconds:
            break
        # The passes the time limit leaves room for: what progress (and time left) counts.
        fits = int(settings.max_seconds * (epoch + 1) / spent) if spent > 0 else epochs
        total = max(done, min(epochs, fits) * words)
    clock.report("training", total, total)
    summary.passes = round(done / words, 2) if words else 0.0
    if settings.rule_features:
        from .rule_features import nested_label_pairs, reliable_of, rule_precision

        gold = [list(d.spans) for d in train]
        # The rules' precision on the reviewed documents: which labels they go first for, and
        # the score of their entities.
        precision = rule_precision([d.text for d in train], gold, nlp.lang)
        reliable = reliable_of(precision)
        nested = [list(pair) for pair in nested_label_pairs(gold)]
        nlp.add_pipe(RULES_FIRST, config={"labels": sorted(reliable), "nested": nested,
                                          "precision": precision})
        summary.rules_first = reliable
        summary.nested = nested
    from .reviewed_names import FACTORY as REVIEWED_NAMES
    from .reviewed_names import reviewed_names

    names = reviewed_names(nlp, ((d.text, d.spans) for d in train))
    nlp.add_pipe(REVIEWED_NAMES).set_names(names)
    summary.names = len(names)
    return nlp, summary


def _ner_confident(nlp: Language, docs: list[Doc]) -> list[Doc] | None:
    """``docs`` run through ``nlp`` as ``nlp.pipe`` would, with ``ner``'s greedy decoding
    done here step by step so that each token keeps how sure the model was of the step it
    took there: the softmax probability of its best move, in ``doc.user_data[CONFIDENCE]``
    (one float per token). None when the pipeline has no greedy ``ner`` (nothing done).

    The components before and after ``ner`` (the rules' findings, the rules first, the
    remembered names) read each whole document, as the rules resolve a name by its first
    mention; ``ner`` reads it in pieces of at most :data:`NER_PIECE_CHARS` characters cut at
    line breaks (:func:`ner_token_pieces`), as it holds all it reads at once in memory and
    what it finds depends only on a few words around each token."""
    if "ner" not in nlp.pipe_names:
        return None
    ner = nlp.get_pipe("ner")
    if not hasattr(ner, "transition_states") or ner.cfg.get("beam_width", 1) != 1:
        return None
    names = nlp.pipe_names
    before = names[:names.index("ner")]
    after = names[names.index("ner") + 1:]
    for name in before:
        docs = _through(nlp, name, docs)
    parts = [(n, a, doc if (a, b) == (0, len(doc)) else doc[a:b].as_doc())
             for n, doc in enumerate(docs) for a, b in ner_token_pieces(doc)]
    sure = [numpy.ones(len(doc), dtype="float32") for doc in docs]
    found: list[list[Span]] = [[] for _ in docs]
    for batch in by_length(parts, lambda part: len(part[2].text), len(parts) or 1):
        _decode(ner, [piece for _, _, piece in batch])
        for n, a, piece in batch:
            sure[n][a:a + len(piece)] = piece.user_data.pop(CONFIDENCE)
            if piece is not docs[n]:
                found[n] += [Span(docs[n], a + e.start, a + e.end, label=e.label)
                             for e in piece.ents]
    split = {n for n, _, piece in parts if piece is not docs[n]}
    for n, doc in enumerate(docs):
        if n in split:  # a whole document's entities were set by the decoding itself
            doc.set_ents(found[n], default="outside")
        doc.user_data[CONFIDENCE] = sure[n]
    for name in after:
        docs = _through(nlp, name, docs)
    return docs


def ner_token_pieces(doc: Doc) -> list[tuple[int, int]]:
    """``doc``'s tokens in pieces ``(start, end)`` of at most :data:`NER_PIECE_CHARS`
    characters, cut where :func:`~.entity_spacy.ner_pieces` cuts its text (at a token's
    start, or inside white space)."""
    if len(doc.text) <= NER_PIECE_CHARS:
        return [(0, len(doc))]
    starts = [token.idx for token in doc]
    cuts = [bisect_left(starts, offset) for _, offset in ner_pieces(doc.text, len(doc.text))]
    cuts = sorted({*cuts, len(doc)})
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _decode(ner: Any, docs: list[Doc]) -> None:
    """``ner``'s greedy decoding of ``docs``, step by step: their entities set, and each
    token's confidence in ``doc.user_data[CONFIDENCE]``."""
    step_model = ner.model.predict(docs)
    states = ner.moves.init_batch(docs)
    sure = [numpy.ones(len(doc), dtype="float32") for doc in docs]
    owner = {id(state): n for n, state in enumerate(states)}
    active = [state for state in states if not state.is_final()]
    while active:
        scores = step_model.predict(active)
        best = scores.max(axis=1, keepdims=True)
        shares = numpy.exp(scores - best)
        top = 1.0 / shares.sum(axis=1)  # the softmax of the best move
        for state, p in zip(active, top, strict=True):
            sure[owner[id(state)]][state.B(0)] = p
        ner.transition_states(active, scores)
        active = [state for state in active if not state.is_final()]
    ner.set_annotations(docs, states)
    for doc, values in zip(docs, sure, strict=True):
        doc.user_data[CONFIDENCE] = values


def _through(nlp: Language, name: str, docs: list[Doc]) -> list[Doc]:
    component = nlp.get_pipe(name)
    if hasattr(component, "pipe"):
        return list(component.pipe(docs))
    return [component(doc) for doc in docs]


CONFIDENCE = "unannotate_ner_confidence"


def _piped(nlp: Language, texts: list[str], batch_size: int) -> Iterator[Doc]:
    """The docs of ``texts`` through ``nlp``, ``batch_size`` at a time, with the ner's
    confidence per token where it can be had (:func:`_ner_confident`)."""
    for start in range(0, len(texts), batch_size):
        chunk = texts[start:start + batch_size]
        docs = _ner_confident(nlp, [nlp.make_doc(text) for text in chunk])
        yield from docs if docs is not None else nlp.pipe(chunk, batch_size=batch_size)


def scored_entity_rows(nlp: Language, texts: Sequence[str], batch_size: int = 16,
                       reason: str = "trained model"
                       ) -> list[list[tuple[int, int, str, str, float | None]]]:
    """``doc.ents`` of each text, and the rule entities kept inside them where the reviewers
    nest labels (``doc.spans["unannotate_nested"]``), as ``(start, end, label, reason,
    score)``, code-point offsets sorted by start; an entity the rules put first carries the
    rules' reason, a remembered name its own. The score of an entity of the model is how
    sure the model was of its least sure step inside it (see :func:`_ner_confident`); of a
    rule entity, the rules' precision for its label in the reviewed documents (when they
    made enough of that label there to tell); a remembered name has none."""
    pieces = [(index, piece, offset) for index, text in enumerate(texts)
              for piece, offset in _pieces(text, nlp.max_length)]
    out: list[list[tuple[int, int, str, str, float | None]]] = [[] for _ in texts]
    first = nlp.get_pipe(RULES_FIRST) if RULES_FIRST in nlp.pipe_names else None
    rules_precision: dict[str, float] = getattr(first, "precision", {})
    for (index, _piece, offset), doc in zip(
            pieces, _piped(nlp, [p for _, p, _ in pieces], batch_size), strict=True):
        text = texts[index]
        sure = doc.user_data.get(CONFIDENCE)
        for ent in itertools.chain(doc.ents, doc.spans.get(NESTED_KEY, ())):
            start, end = offset + ent.start_char, offset + ent.end_char
            if text[start:end] != ent.text:
                continue
            score = None
            if ent.id_ == REVIEWED_NAME:
                why = f"a name marked {ent.label_} where it occurs in the reviewed documents"
            elif ent.id_:
                why = f"{ent.id_} (rules, precise in the reviewed documents)"
                score = rules_precision.get(ent.label_)
            else:
                why = reason
                if sure is not None and len(ent):
                    score = round(float(sure[ent.start:ent.end].min()), 4)
            out[index].append((start, end, ent.label_, why, score))
    return [sorted(rows, key=lambda r: r[:4]) for rows in out]


def predict_entity_rows(nlp: Language, texts: Sequence[str], batch_size: int = 16,
                        reason: str = "trained model") -> list[list[tuple[int, int, str, str]]]:
    """:func:`scored_entity_rows` without the scores."""
    return [[row[:4] for row in rows]
            for rows in scored_entity_rows(nlp, texts, batch_size, reason)]


def predict_entities(nlp: Language, texts: Sequence[str], batch_size: int = 16
                     ) -> list[list[Span3]]:
    """The entities of each text (:func:`predict_entity_rows`) as ``(start, end, label)``."""
    return [[(s, e, label) for s, e, label, _ in rows]
            for rows in predict_entity_rows(nlp, texts, batch_size)]


def exact_f1(language: str, texts: Sequence[str], gold: Sequence[Sequence[Span3]],
             predicted: Sequence[Sequence[Span3]]) -> float:
    """spaCy's Scorer: exact-match entity F1 (spans snapped to its tokens)."""
    nlp = blank_pipeline(language)

    def doc_with(text: str, spans: Sequence[Span3]) -> Doc:
        doc = nlp.make_doc(text)
        made = [doc.char_span(s, e, label=lab, alignment_mode="expand") for s, e, lab in spans]
        doc.ents = filter_spans([m for m in made if m is not None])
        return doc

    examples = [Example(doc_with(t, p), doc_with(t, g))
                for t, g, p in zip(texts, gold, predicted, strict=True)]
    scores = Scorer.score_spans(examples, "ents")
    return round(float(scores.get("ents_f") or 0.0), 4)


def save_pipeline(nlp: Language, path: Path) -> None:
    nlp.to_disk(path)
