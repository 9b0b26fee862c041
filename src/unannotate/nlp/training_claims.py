"""Training the claim suggester: a sentence classifier that starts from the claim rules.

The units are the sentences the claim rules cut (:func:`claim_rules.claim_units`). Each
goes to spaCy's ``textcat`` (a bag of words and word pairs) as the sentence's words behind
the rules' signals written as words of their own: one per feature that fired
(``ftfigure``, ``ftopinion`` ...) and the rules' score in tenths (``rs7``). The classifier
so learns which words, and which of the rules' signals, mark a claim *for this project*.

Its probability is blended with the rules' score, ``w * model + (1 - w) * rules``, and a
unit is proposed when the blend reaches a threshold. ``w`` and the threshold are chosen by
three-fold cross-validation on the training sentences alone (never the held-out documents);
with too few sentences for that, ``w`` is 0: the trained suggester is then the rules, and
it moves away from them only as far as the reviewed data shows it should.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.training import Example
from spacy.util import minibatch

from . import claim_rules
from .entity_rules import build_nlp
from .training import (
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

POSITIVE = "CLAIM"
NEGATIVE = "OTHER"
EPOCHS = 10
BATCH = 16
DROPOUT = 0.2
CV_FOLDS = 3
MIN_UNITS_FOR_BLEND = 60
WEIGHTS = (0.0, 0.2, 0.4, 0.5, 0.6, 0.8, 1.0)
THRESHOLDS = tuple(round(0.25 + 0.05 * i, 2) for i in range(11))  # 0.25 .. 0.75
TEXTCAT_CONFIG = {"model": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True,
                            "ngram_size": 2, "no_output_layer": False, "length": 262144}}


@dataclass(frozen=True)
class Unit:
    """A sentence of a document as the claim rules cut and score it."""

    start: int
    end: int
    rules_score: float
    reason: str
    words: str  # what the classifier reads: the rules' signals, then the sentence


def claim_units(text: str, language: str) -> list[Unit]:
    """The sentences of ``text`` with the rules' score, reason and the classifier's input."""
    nlp = build_nlp(language)
    out: list[Unit] = []
    for piece, offset in claim_rules._pieces(text, nlp.max_length):
        doc = nlp(piece)
        for sentence, _clauses in claim_rules.claim_units(doc):
            features = claim_rules.claim_features(sentence)
            score = claim_rules.claim_score(features)
            fired = " ".join(f"ft{name.replace('_', '')}" for name, value in
                             sorted(features.items()) if value > 0)
            words = f"rs{min(9, int(score * 10))} {fired} {sentence.text}"
            out.append(Unit(offset + sentence.start_char, offset + sentence.end_char,
                            score, claim_rules.claim_reason(sentence), words))
    return out


def is_claim(start: int, end: int, claims: Sequence[Span3]) -> bool:
    """A unit is a claim when a claim span covers at least half of it, or at least half of
    the claim span lies in it."""
    for s, e, _ in claims:
        shared = min(end, e) - max(start, s)
        if shared > 0 and (2 * shared >= end - start or 2 * shared >= e - s):
            return True
    return False


def unit_labels(docs: Sequence[TrainingDocument]) -> list[tuple[list[Unit], list[bool]]]:
    out = []
    for doc in docs:
        units = claim_units(doc.text, doc.language)
        out.append((units, [is_claim(u.start, u.end, doc.spans) for u in units]))
    return out


class ClaimModel:
    """The classifier, its blend weight and threshold: what a trained claim suggester runs."""

    def __init__(self, nlp: Language, weight: float, threshold: float, label: str) -> None:
        self.nlp = nlp
        self.weight = weight
        self.threshold = threshold
        self.label = label

    @classmethod
    def load(cls, path: str | Path) -> ClaimModel:
        nlp = spacy.load(path)
        info = nlp.meta.get("unannotate", {})
        return cls(nlp, float(info.get("weight", 0.0)), float(info.get("threshold", 0.5)),
                   str(info.get("label", POSITIVE)))

    def settings(self) -> dict[str, Any]:
        return {"weight": self.weight, "threshold": self.threshold, "label": self.label}

    def probabilities(self, units: Sequence[Unit], batch_size: int = 64) -> list[float]:
        if not units:
            return []
        docs = self.nlp.pipe((u.words for u in units), batch_size=batch_size)
        return [float(doc.cats.get(POSITIVE, 0.0)) for doc in docs]

    def scored(self, units: Sequence[Unit]) -> list[float]:
        return [round(self.weight * p + (1 - self.weight) * u.rules_score, 4)
                for p, u in zip(self.probabilities(units), units, strict=True)]

    def predict(self, text: str, language: str) -> list[tuple[int, int, str, float, str]]:
        """Suggestion rows for ``text``: the units whose blended score reaches the threshold."""
        units = claim_units(text, language)
        rows = []
        for unit, score in zip(units, self.scored(units), strict=True):
            if score >= self.threshold:
                rows.append((unit.start, unit.end, self.label, score,
                             f"{unit.reason}; learned score {score:.2f}"))
        return rows


def _textcat(language: str) -> Language:
    nlp = spacy.blank(language)
    textcat = nlp.add_pipe("textcat", config=TEXTCAT_CONFIG)
    textcat.add_label(POSITIVE)
    textcat.add_label(NEGATIVE)
    return nlp


def _examples(nlp: Language, units: Sequence[Unit], labels: Sequence[bool]) -> list[Example]:
    return [Example.from_dict(nlp.make_doc(u.words),
                              {"cats": {POSITIVE: float(y), NEGATIVE: float(not y)}})
            for u, y in zip(units, labels, strict=True)]


def _fit(language: str, units: Sequence[Unit], labels: Sequence[bool], seed: int,
         clock: Clock | None = None, step: list[int] | None = None, total: int = 0
         ) -> Language:
    nlp = _textcat(language)
    examples = _examples(nlp, units, labels)
    spacy.util.fix_random_seed(seed)
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)
    for _ in range(EPOCHS):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=BATCH):
            nlp.update(batch, drop=DROPOUT, sgd=optimizer)
        if clock is not None and step is not None:
            step[0] += 1
            clock.report("training", step[0], total)
    return nlp


def _f1(scores: Sequence[float], labels: Sequence[bool], threshold: float) -> float:
    tp = sum(1 for s, y in zip(scores, labels) if s >= threshold and y)
    predicted = sum(1 for s in scores if s >= threshold)
    gold = sum(labels)
    return 2 * tp / (predicted + gold) if predicted + gold else 0.0


def choose_blend(units: Sequence[Unit], labels: Sequence[bool], language: str, seed: int,
                 clock: Clock, step: list[int], total: int) -> tuple[float, float]:
    """``(weight, threshold)`` with the best F1 over out-of-fold predictions."""
    order = list(range(len(units)))
    random.Random(seed).shuffle(order)
    out_of_fold = [0.0] * len(units)
    for fold in range(CV_FOLDS):
        held = set(order[fold::CV_FOLDS])
        train_idx = [i for i in order if i not in held]
        if not any(labels[i] for i in train_idx) or all(labels[i] for i in train_idx):
            return 0.0, 0.5
        nlp = _fit(language, [units[i] for i in train_idx], [labels[i] for i in train_idx],
                   seed + fold, clock, step, total)
        model = ClaimModel(nlp, 1.0, 0.5, POSITIVE)
        held_idx = sorted(held)
        for i, p in zip(held_idx, model.probabilities([units[i] for i in held_idx])):
            out_of_fold[i] = p
    best = (-1.0, 0.0, 0.5)
    for w in WEIGHTS:
        blended = [w * p + (1 - w) * u.rules_score for p, u in zip(out_of_fold, units)]
        for t in THRESHOLDS:
            f = _f1(blended, labels, t)
            # Ties go to the rules (lower weight) and the rules' own threshold.
            if f > best[0] + 1e-9:
                best = (f, w, t)
    return best[1], best[2]


def train_claims(train: Sequence[TrainingDocument], settings: TrainingSettings,
                 clock: Clock) -> tuple[ClaimModel, DataSummary]:
    from .training_entities import document_language

    language = document_language(train)
    clock.report("preparing", 0, len(train), "cutting sentences")
    units: list[Unit] = []
    labels: list[bool] = []
    rejected = negative = 0
    for i, (doc, (doc_units, doc_labels)) in enumerate(zip(train, unit_labels(train))):
        units += doc_units
        labels += doc_labels
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
    label_counts: dict[str, int] = {}
    for doc in train:
        for _, _, label in doc.spans:
            label_counts[label] = label_counts.get(label, 0) + 1
    label = max(sorted(label_counts), key=lambda k: label_counts[k])
    blend = len(units) >= MIN_UNITS_FOR_BLEND
    total = EPOCHS * ((CV_FOLDS if blend else 0) + 1)
    step = [0]
    clock.report("training", 0, total)
    weight, threshold = (choose_blend(units, labels, language, settings.seed, clock, step,
                                      total) if blend else (0.0, 0.5))
    nlp = _fit(language, units, labels, settings.seed, clock, step, total)
    nlp.meta["unannotate"] = {"weight": weight, "threshold": threshold, "label": label}
    summary = DataSummary(documents=len(train), held_out=0, words=words_in(train),
                          spans={label: positives, "sentences": len(units)},
                          negative_documents=negative, rejected=rejected)
    return ClaimModel(nlp, weight, threshold, label), summary
