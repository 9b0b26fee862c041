"""Training suggesters from reviewed documents, with spaCy's own machinery.

Plain data in (:class:`TrainingDocument`: the exact text and the reviewer's spans), a spaCy
pipeline out. What is common to entities and claims lives here: the held-out split, the
version id, the scores, progress and cancelling. Entities: :mod:`.training_entities`;
claims: :mod:`.training_claims`.

Every document given is *done*: the reviewer has looked at all of it, so whatever it does
not mark is known not to be an entity (or a claim). A done document without spans is a full
negative, and a rejected suggestion is a negative wherever no accepted span covers it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import spacy

from ..core.agreement import greedy_overlap_matches
from ..core.errors import UnannotateError

ENTITIES = "entities"
CLAIMS = "claims"
WHAT = (ENTITIES, CLAIMS)
# How claims are learned (TrainingSettings.claim_model).
REGRESSION = "regression"
ENCODER = "encoder"
CLAIM_MODELS = (REGRESSION, ENCODER)
# The fewest done documents to train from, and the fewest of them kept apart for scoring.
MIN_DOCUMENTS = {ENTITIES: 5, CLAIMS: 5}
MIN_EXAMPLES_PER_LABEL = 1
# Claims: the fewest sentences, and of them claims and non-claims, to learn anything.
MIN_CLAIM_UNITS = 20
MIN_CLAIMS_EACH = 3

Span3 = tuple[int, int, str]


class TrainingError(UnannotateError):
    """Training cannot start or go on: too little data, a bad base pipeline."""


class TooLittleData(TrainingError):
    """Fewer done documents (or examples of a label) than training needs; nothing trained."""


class TrainingCancelled(TrainingError):
    """Training was cancelled; nothing was registered."""

    def __init__(self) -> None:
        super().__init__("training cancelled: nothing was registered, the previous version "
                         "stays current")


@dataclass(frozen=True)
class TrainingDocument:
    """One done document: its exact text, its spans (positives) of the kind trained, and
    the suggestions the reviewer rejected there (negatives)."""

    key: str  # the document's identity (SHA-256 of its text)
    text: str
    language: str = "en"
    spans: tuple[Span3, ...] = ()
    rejected: tuple[Span3, ...] = ()


@dataclass
class TrainingSettings:
    what: str = ENTITIES
    base: str | None = None  # an installed pipeline's name or folder; None: blank
    eval_fraction: float = 0.2
    seed: int = 1
    max_epochs: int = 30
    max_seconds: float = 60.0  # of updating; scoring comes on top
    min_documents: int | None = None  # default: MIN_DOCUMENTS[what]
    # Entities: the built-in rules' findings as input features (from blank), and their
    # entities first for the labels where they proved precise in the reviewed documents.
    rule_features: bool = True
    # Claims: the regression over the rules' features and the words (REGRESSION), or a
    # pretrained sentence encoder fine-tuned (ENCODER; needs PyTorch, see claim_encoder).
    claim_model: str = "regression"
    encoder: str | None = None  # ENCODER: a pretrained encoder's folder; None: the packaged

    def key(self) -> dict[str, Any]:
        """What goes into the version id (time limits do not name a version)."""
        key = {"what": self.what, "base": self.base, "eval_fraction": self.eval_fraction,
               "seed": self.seed, "max_epochs": self.max_epochs,
               "rule_features": self.rule_features}
        if self.claim_model != REGRESSION:
            key["claim_model"] = self.claim_model
            key["encoder"] = self.encoder
        return key


@dataclass
class Progress:
    """How far training is: ``done`` of ``total`` steps of ``stage``."""

    stage: str  # "preparing", "training", "scoring", "saving"
    done: int
    total: int
    seconds: float  # since training started
    message: str = ""

    @property
    def seconds_left(self) -> float | None:
        if self.stage != "training" or not self.done or self.total <= self.done:
            return None
        return self.seconds / self.done * (self.total - self.done)


ProgressCallback = Callable[[Progress], None]
ShouldStop = Callable[[], bool]


@dataclass
class LabelScore:
    precision: float
    recall: float
    f1: float
    gold: int  # spans (or claim sentences) in the held-out documents
    predicted: int

    @classmethod
    def of(cls, matched: int, gold: int, predicted: int) -> LabelScore:
        p = matched / predicted if predicted else 0.0
        r = matched / gold if gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return cls(round(p, 4), round(r, 4), round(f, 4), gold, predicted)


@dataclass
class Evaluation:
    """Scores on the held-out documents. Entities: overlap match (same label, a character
    shared; one to one) with spaCy's exact-match F1 beside; claims: per sentence."""

    overall: LabelScore
    per_label: dict[str, LabelScore] = field(default_factory=dict)
    exact_f1: float | None = None  # spaCy's Scorer, entities only

    def to_dict(self) -> dict[str, Any]:
        return {"overall": asdict(self.overall),
                "per_label": {k: asdict(v) for k, v in self.per_label.items()},
                "exact_f1": self.exact_f1}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evaluation:
        return cls(LabelScore(**data["overall"]),
                   {k: LabelScore(**v) for k, v in data.get("per_label", {}).items()},
                   data.get("exact_f1"))


@dataclass
class DataSummary:
    documents: int  # done documents trained on
    held_out: int  # done documents kept apart for scoring
    words: int  # in the documents trained on
    spans: dict[str, int]  # positives per label, in the documents trained on
    negative_documents: int  # done documents without a span of the kind (full negatives)
    rejected: int  # rejected suggestions used as negatives
    left_out: int = 0  # spans that could not be used (overlapping, off token boundaries)
    # Entities: the labels whose rule suggestions go first, with the rules' precision on the
    # documents trained on (see rule_features.RulesFirst).
    rules_first: dict[str, float] = field(default_factory=dict)
    # Entities: the (inner, outer) label pairs the reviewers nest, whose rule entities are
    # suggested inside the model's longer ones (see rule_features.nested_label_pairs).
    nested: list[list[str]] = field(default_factory=list)
    # Entities: how many names the reviewers mark where they occur, suggested again at their
    # other occurrences (see reviewed_names).
    names: int = 0
    # Entities: passes over the documents trained on before the epochs or the time ran out
    # (below 1: the time limit stopped the first pass).
    passes: float = 0.0


class Clock:
    """Progress reports and the cancel check, with the time since the start."""

    def __init__(self, progress: ProgressCallback | None, should_stop: ShouldStop | None):
        self.started = time.monotonic()
        self._progress = progress
        self._should_stop = should_stop

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def report(self, stage: str, done: int, total: int, message: str = "") -> None:
        if self._should_stop is not None and self._should_stop():
            raise TrainingCancelled()
        if self._progress is not None:
            self._progress(Progress(stage, done, total, self.seconds, message))


def _rank(seed: int, key: str) -> str:
    return hashlib.sha256(f"{seed}\0{key}".encode()).hexdigest()


def split_documents(docs: Sequence[TrainingDocument], fraction: float, seed: int
                    ) -> tuple[list[TrainingDocument], list[TrainingDocument]]:
    """``(train, held_out)``, by document: the held-out share is the documents whose
    seeded hash of their identity ranks lowest, so a document keeps its side as more
    documents are reviewed. At least one document is held out when ``fraction > 0``."""
    if not 0.0 <= fraction < 1.0:
        raise TrainingError(f"--eval-fraction must be at least 0 and below 1, not {fraction}")
    ranked = sorted(docs, key=lambda d: _rank(seed, d.key))
    n = round(len(ranked) * fraction)
    if fraction > 0 and n == 0 and len(ranked) > 1:
        n = 1
    held = {d.key for d in ranked[:n]}
    return [d for d in docs if d.key not in held], [d for d in docs if d.key in held]


def version_id(docs: Sequence[TrainingDocument], settings: TrainingSettings,
               extra: dict[str, Any] | None = None) -> str:
    """12 hex digits naming the training data and settings: the same data and settings
    give the same id."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"settings": settings.key(), "spacy": spacy.__version__,
                              "extra": extra or {}}, sort_keys=True).encode())
    for doc in sorted(docs, key=lambda d: d.key):
        digest.update(json.dumps([doc.key, doc.language, sorted(doc.spans),
                                  sorted(doc.rejected)]).encode())
    return digest.hexdigest()[:12]


def check_documents(docs: Sequence[TrainingDocument], settings: TrainingSettings) -> None:
    """Refuse too little data with a message saying how much is needed."""
    need = settings.min_documents or MIN_DOCUMENTS[settings.what]
    if len(docs) < need:
        raise TooLittleData(
            f"too little data to train {settings.what}: {len(docs)} done documents, at "
            f"least {need} are needed (mark more documents done, then train again); "
            "nothing was trained")


def overlap_scores(gold: Sequence[Sequence[Span3]], predicted: Sequence[Sequence[Span3]],
                   labels: Sequence[str] | None = None) -> Evaluation:
    """Per label and overall: spans match when they share a label and a character, one to
    one (the agreement report's overlap F1)."""
    counts: dict[str, list[int]] = {}
    for gold_spans, found in zip(gold, predicted, strict=True):
        names = {s[2] for s in gold_spans} | {s[2] for s in found}
        for label in names:
            a = [(s, e) for s, e, lab in gold_spans if lab == label]
            b = [(s, e) for s, e, lab in found if lab == label]
            entry = counts.setdefault(label, [0, 0, 0])
            entry[0] += greedy_overlap_matches(a, b)
            entry[1] += len(a)
            entry[2] += len(b)
    if labels is not None:
        for label in labels:
            counts.setdefault(label, [0, 0, 0])
    per_label = {label: LabelScore.of(*entry) for label, entry in sorted(counts.items())}
    total = [sum(e[i] for e in counts.values()) for i in range(3)]
    return Evaluation(LabelScore.of(*total), per_label)


def words_in(docs: Sequence[TrainingDocument]) -> int:
    return sum(len(d.text.split()) for d in docs)
