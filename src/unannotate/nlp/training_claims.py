"""Training the claim suggester: a sentence classifier that starts from the claim rules.

The units are the sentences the claim rules cut (:func:`claim_rules.claim_units`). The
claim rules score a sentence as a logistic function of a weighted sum of their features
(figures, dates, reporting verbs, opinions, questions ...). The trained model is the same
logistic function over the same features *plus* the sentence's words and word pairs
(hashed into :data:`WORD_BUCKETS` columns), fitted to the reviewed sentences with a prior
that holds each rule weight near the rules' own value and each word weight near zero. With
few reviewed sentences it stays close to the rules; with more, the data moves it: which
features and which words mark a claim *for this project*. The threshold is the one with the
best F1 over three-fold cross-validation on the training sentences alone.

The model is a spaCy component (``unannotate_claims``): a saved version is a pipeline
folder that ``spacy.load`` reads, and calling it on a text sets ``doc.spans["claims"]``,
each span's score in ``doc.spans["claims"].attrs["scores"]``.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import srsly
from spacy.language import Language
from spacy.tokens import Doc

from . import claim_rules
from .entity_rules import build_nlp
from .training import (
    ENCODER,
    MIN_CLAIM_UNITS,
    MIN_CLAIMS_EACH,
    Clock,
    DataSummary,
    Span3,
    TooLittleData,
    TrainingDocument,
    TrainingSettings,
    words_in,
)

FACTORY = "unannotate_claims"
POSITIVE = "CLAIM"
WORD_BUCKETS = 4096
RULE_PRIOR = 0.01  # L2 strength pulling the rule weights to the rules' own
WORD_PRIOR = 0.003  # L2 strength pulling the word weights to zero
ITERATIONS = 800
STEP = 0.5
CV_FOLDS = 3
THRESHOLDS = tuple(round(0.2 + 0.05 * i, 2) for i in range(11))  # 0.20 .. 0.70
_WORD = re.compile(r"[^\W_]+|[%$€£]", re.UNICODE)


@dataclass(frozen=True)
class Unit:
    """A sentence of a document as the claim rules cut and describe it."""

    start: int
    end: int
    features: tuple[float, ...]  # in the order of claim_rules.feature_names()
    rules_score: float
    reason: str
    words: tuple[int, ...]  # hashed word and word-pair columns


def _words(text: str) -> tuple[int, ...]:
    words = [w.lower() for w in _WORD.findall(text)]
    grams = words + [f"{a} {b}" for a, b in pairwise(words)]
    return tuple(sorted({zlib.crc32(g.encode("utf-8", "surrogatepass")) % WORD_BUCKETS
                         for g in grams}))


def claim_units(text: str, language: str) -> list[Unit]:
    """The sentences of ``text`` with the rules' features, score and reason."""
    from .training_entities import spacy_language

    nlp = build_nlp(spacy_language(language))
    names = claim_rules.feature_names()
    out: list[Unit] = []
    for piece, offset in claim_rules._pieces(text, nlp.max_length):
        doc = nlp(piece)
        for sentence, _clauses in claim_rules.claim_units(doc):
            features = claim_rules.claim_features(sentence)
            out.append(Unit(offset + sentence.start_char, offset + sentence.end_char,
                            tuple(float(features.get(n, 0.0)) for n in names),
                            claim_rules.claim_score(features),
                            claim_rules.claim_reason(sentence), _words(sentence.text)))
    return out


def is_claim(start: int, end: int, claims: Sequence[Span3]) -> bool:
    """A unit is a claim when a claim span covers at least half of it, or at least half of
    the claim span lies in it."""
    for s, e, _ in claims:
        shared = min(end, e) - max(start, s)
        if shared > 0 and (2 * shared >= end - start or 2 * shared >= e - s):
            return True
    return False


def _rule_prior() -> tuple[np.ndarray, float]:
    config = claim_rules._config()
    return (np.array([config.weights.get(n, 0.0) for n in claim_rules.feature_names()]),
            float(config.bias))


class _Words:
    """The units' word columns as a sparse 0/1 matrix (rows of a few dozen columns out of
    :data:`WORD_BUCKETS`): products in time proportional to the words, not the buckets."""

    def __init__(self, units: Sequence[Unit]) -> None:
        self.rows = np.repeat(np.arange(len(units)), [len(u.words) for u in units])
        self.columns = np.fromiter((c for u in units for c in u.words), dtype=np.int64,
                                   count=len(self.rows))
        self.n = len(units)

    def times(self, v: np.ndarray) -> np.ndarray:
        """``words @ v``."""
        return np.bincount(self.rows, weights=v[self.columns], minlength=self.n)

    def transposed_times(self, e: np.ndarray) -> np.ndarray:
        """``words.T @ e``."""
        return np.bincount(self.columns, weights=e[self.rows], minlength=WORD_BUCKETS)


def _matrices(units: Sequence[Unit]) -> tuple[np.ndarray, _Words]:
    features = np.array([u.features for u in units], dtype=np.float64).reshape(
        len(units), len(claim_rules.feature_names()))
    return features, _Words(units)


@dataclass
class Weights:
    rules: np.ndarray  # one per rule feature
    words: np.ndarray  # one per word bucket
    bias: float

    def scores(self, units: Sequence[Unit]) -> np.ndarray:
        if not units:
            return np.zeros(0)
        features, words = _matrices(units)
        z = features @ self.rules + words.times(self.words) + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))


def fit(units: Sequence[Unit], labels: Sequence[bool]) -> Weights:
    """Logistic regression by full-batch gradient descent, from the rules' weights, with
    the prior of the module's description."""
    prior, bias = _rule_prior()
    features, words = _matrices(units)
    y = np.array(labels, dtype=np.float64)
    w, v, b = prior.copy(), np.zeros(WORD_BUCKETS), bias
    n = max(1, len(units))
    for _ in range(ITERATIONS):
        p = 1.0 / (1.0 + np.exp(-np.clip(features @ w + words.times(v) + b, -60, 60)))
        error = p - y
        w -= STEP * (features.T @ error / n + RULE_PRIOR * (w - prior))
        v -= STEP * (words.transposed_times(error) / n + WORD_PRIOR * v)
        b -= STEP * float(error.mean())
    return Weights(w, v, b)


def _f1(scores: np.ndarray, labels: np.ndarray, threshold: float) -> float:
    predicted = scores >= threshold
    tp = int((predicted & labels).sum())
    total = int(predicted.sum() + labels.sum())
    return 2 * tp / total if total else 0.0


def choose_threshold(units: Sequence[Unit], labels: Sequence[bool], seed: int,
                     clock: Clock, total: int) -> float:
    """The threshold with the best F1 over out-of-fold scores (ties: nearest 0.5)."""
    order = list(range(len(units)))
    random.Random(seed).shuffle(order)
    out_of_fold = np.zeros(len(units))
    for fold in range(CV_FOLDS):
        held = sorted(order[fold::CV_FOLDS])
        kept = set(held)
        train_idx = [i for i in order if i not in kept]
        weights = fit([units[i] for i in train_idx], [labels[i] for i in train_idx])
        out_of_fold[held] = weights.scores([units[i] for i in held])
        clock.report("training", fold + 1, total)
    y = np.array(labels, dtype=bool)
    return max(THRESHOLDS, key=lambda t: (round(_f1(out_of_fold, y, t), 6), -abs(t - 0.5)))


def set_claim_spans(doc: Doc, rows: Sequence[tuple[int, int, str, float, str]]) -> Doc:
    """``doc.spans["claims"]`` from suggestion rows, their scores in the group's attrs."""
    spans = []
    scores = []
    for start, end, label, score, _ in rows:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            spans.append(span)
            scores.append(score)
    doc.spans["claims"] = spans
    doc.spans["claims"].attrs["scores"] = scores
    return doc


class ClaimComponent:
    """The trained claim model as a spaCy component: sets ``doc.spans["claims"]``."""

    def __init__(self, nlp: Language, name: str, threshold: float = 0.5,
                 label: str = POSITIVE) -> None:
        self.name = name
        self.language = nlp.lang
        self.threshold = threshold
        self.label = label
        prior, bias = _rule_prior()
        self.weights = Weights(prior, np.zeros(WORD_BUCKETS), bias)

    def rows(self, text: str) -> list[tuple[int, int, str, float, str]]:
        """Suggestion rows: the sentences whose score reaches the threshold."""
        units = claim_units(text, self.language)
        out = []
        for unit, score in zip(units, self.weights.scores(units), strict=True):
            if score >= self.threshold:
                out.append((unit.start, unit.end, self.label, round(float(score), 3),
                            f"{unit.reason}; learned score {score:.2f}"))
        return out

    def scores(self, units: Sequence[Unit], text: str | None = None) -> np.ndarray:
        return self.weights.scores(units)

    def rows_many(self, texts: Sequence[str]) -> list[list[tuple[int, int, str, float, str]]]:
        return [self.rows(text) for text in texts]

    def __call__(self, doc: Doc) -> Doc:
        return set_claim_spans(doc, self.rows(doc.text))

    def to_disk(self, path: Any, *, exclude: Any = ()) -> None:
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        srsly.write_json(folder / "weights.json", {
            "features": claim_rules.feature_names(), "rules": self.weights.rules.tolist(),
            "words": self.weights.words.tolist(), "bias": self.weights.bias,
            "word_buckets": WORD_BUCKETS})

    def from_disk(self, path: Any, *, exclude: Any = ()) -> ClaimComponent:
        data = srsly.read_json(Path(path) / "weights.json")
        if data["features"] != claim_rules.feature_names():
            # The rules' features changed since: keep the learned weights of those still there.
            known = dict(zip(data["features"], data["rules"], strict=True))
            prior, _ = _rule_prior()
            data["rules"] = [known.get(n, p) for n, p in
                             zip(claim_rules.feature_names(), prior, strict=True)]
        self.weights = Weights(np.array(data["rules"]), np.array(data["words"]),
                               float(data["bias"]))
        return self


@Language.factory(FACTORY, default_config={"threshold": 0.5, "label": POSITIVE})
def make_claims(nlp: Language, name: str, threshold: float, label: str) -> ClaimComponent:
    return ClaimComponent(nlp, name, threshold, label)


class ClaimModel:
    """A trained claim version as the suggester runs it."""

    def __init__(self, nlp: Language) -> None:
        from .claim_encoder import FACTORY as ENCODER

        self.nlp = nlp
        # The regression's component, or a fine-tuned encoder's (claim_encoder).
        self.component: Any = nlp.get_pipe(FACTORY if FACTORY in nlp.pipe_names else ENCODER)

    @classmethod
    def load(cls, path: str | Path) -> ClaimModel:
        from .trained import load_trained

        return cls(load_trained(path))

    @property
    def threshold(self) -> float:
        return self.component.threshold

    @property
    def label(self) -> str:
        return self.component.label

    def settings(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "label": self.label}

    def scored(self, units: Sequence[Unit], text: str) -> list[float]:
        """The claim probability of each unit of ``text``."""
        return [float(s) for s in self.component.scores(units, text)]

    def predict(self, text: str, language: str) -> list[tuple[int, int, str, float, str]]:
        return self.component.rows(text)

    def predict_many(self, texts: Sequence[str]) -> list[list[tuple[int, int, str, float, str]]]:
        """:meth:`predict` of each text (in the version's language), read together."""
        return self.component.rows_many(texts)


def unit_labels(docs: Sequence[TrainingDocument]) -> list[tuple[list[Unit], list[bool]]]:
    out = []
    for doc in docs:
        units = claim_units(doc.text, doc.language)
        out.append((units, [is_claim(u.start, u.end, doc.spans) for u in units]))
    return out


def train_claims(train: Sequence[TrainingDocument], settings: TrainingSettings,
                 clock: Clock) -> tuple[ClaimModel, DataSummary]:
    from .training_entities import document_language

    language = document_language(train)
    units: list[Unit] = []
    labels: list[bool] = []
    texts: list[str] = []  # the units' own text
    rejected = negative = 0
    for i, doc in enumerate(train):
        doc_units = claim_units(doc.text, doc.language)
        units += doc_units
        texts += [doc.text[u.start:u.end] for u in doc_units]
        labels += [is_claim(u.start, u.end, doc.spans) for u in doc_units]
        negative += 0 if doc.spans else 1
        rejected += sum(1 for s, e, _ in doc.rejected if not is_claim(s, e, doc.spans))
        clock.report("preparing", i + 1, len(train), "cutting sentences")
    positives = sum(labels)
    if len(units) < MIN_CLAIM_UNITS or positives < MIN_CLAIMS_EACH \
            or len(units) - positives < MIN_CLAIMS_EACH:
        raise TooLittleData(
            f"too little data to train claims: {len(units)} sentences in the done documents, "
            f"{positives} of them claims and {len(units) - positives} not; at least "
            f"{MIN_CLAIM_UNITS} sentences with {MIN_CLAIMS_EACH} of each are needed; "
            "nothing was trained")
    counts: dict[str, int] = {}
    for doc in train:
        for _, _, name in doc.spans:
            counts[name] = counts.get(name, 0) + 1
    label = max(sorted(counts), key=lambda k: counts[k])
    summary = DataSummary(documents=len(train), held_out=0, words=words_in(train),
                          spans={label: positives, "sentences": len(units)},
                          negative_documents=negative, rejected=rejected)
    if settings.claim_model == ENCODER:
        return _train_encoder(texts, labels, label, language, settings, clock, summary)
    total = CV_FOLDS + 1
    clock.report("training", 0, total)
    threshold = choose_threshold(units, labels, settings.seed, clock, total)
    weights = fit(units, labels)
    clock.report("training", total, total)
    from .training_entities import blank_pipeline

    nlp = blank_pipeline(language)
    component = nlp.add_pipe(FACTORY, config={"threshold": threshold, "label": label})
    component.weights = weights
    return ClaimModel(nlp), summary


def _train_encoder(texts: Sequence[str], labels: Sequence[bool], label: str, language: str,
                   settings: TrainingSettings, clock: Clock, summary: DataSummary
                   ) -> tuple[ClaimModel, DataSummary]:
    """The units' texts fine-tune a pretrained encoder (:mod:`.claim_encoder`)."""
    from .claim_encoder import FACTORY as ENCODER_FACTORY
    from .claim_encoder import fine_tune, resolve_encoder
    from .training_entities import blank_pipeline

    folder = resolve_encoder(settings.encoder)
    classifier, tokenizer, passes = fine_tune(
        texts, labels, folder, seed=settings.seed, max_seconds=settings.max_seconds,
        max_epochs=settings.max_epochs, clock=clock)
    nlp = blank_pipeline(language)
    component = nlp.add_pipe(ENCODER_FACTORY, config={
        "threshold": 0.5, "label": label, "encoder": encoder_name(folder)})
    component.classifier, component.tokenizer = classifier, tokenizer
    summary.passes = passes
    return ClaimModel(nlp), summary


def encoder_name(folder: Path) -> str:
    """How a pretrained encoder is named in a version: the packaged one by its model's
    name, another by its folder's name."""
    from .claim_encoder import PACKAGED_NAME, packaged_encoder

    return PACKAGED_NAME if folder == packaged_encoder() else folder.name
