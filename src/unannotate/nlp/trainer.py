"""One training run from start to registration: check the data, hold out documents, train,
score the new model and the current suggesters on the same held-out documents, register.

Nothing is registered unless every step before succeeded; cancelling (``should_stop``)
is honoured up to the moment of registering.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import spacy

from .base import Suggester, SuggesterInput, suggestion_rows
from .trained import ModelStore, ModelVersion
from .training import (
    CLAIMS,
    ENCODER,
    ENTITIES,
    Clock,
    DataSummary,
    Evaluation,
    LabelScore,
    ProgressCallback,
    ShouldStop,
    Span3,
    TrainingDocument,
    TrainingError,
    TrainingSettings,
    check_documents,
    overlap_scores,
    split_documents,
    version_id,
)


@dataclass
class TrainingOutcome:
    what: str
    version: ModelVersion
    data: DataSummary
    after: Evaluation | None  # the new model on the held-out documents
    before: dict[str, Evaluation] = field(default_factory=dict)  # suggester -> scores
    seconds: float = 0.0
    held_out_keys: list[str] = field(default_factory=list)
    trained_keys: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _inputs(docs: Sequence[TrainingDocument]) -> list[SuggesterInput]:
    return [SuggesterInput(key=i, text=d.text, language=d.language) for i, d in enumerate(docs)]


def _rows_of(suggester: Suggester, docs: Sequence[TrainingDocument]) -> list[list[Span3]]:
    out: list[list[Span3]] = [[] for _ in docs]
    for key, rows in suggestion_rows(suggester, _inputs(docs)):
        out[key] = [(r[0], r[1], r[2]) for r in rows]
    return out


def claim_scores(held: Sequence[TrainingDocument],
                 predicted: Sequence[Sequence[Span3]] | None = None,
                 model: Any = None) -> Evaluation:
    """Per sentence (the claim rules' sentences): gold from the held-out spans, predicted
    from spans (a suggester's) or from the trained ``model``."""
    from .training_claims import claim_units, is_claim

    tp = gold_n = predicted_n = 0
    label = "CLAIM"
    for i, doc in enumerate(held):
        units = claim_units(doc.text, doc.language)
        if model is not None:
            label = model.label
            flags = [s >= model.threshold for s in model.scored(units, doc.text)]
        else:
            assert predicted is not None
            flags = [is_claim(u.start, u.end, predicted[i]) for u in units]
        for unit, flag in zip(units, flags, strict=True):
            truth = is_claim(unit.start, unit.end, doc.spans)
            tp += truth and flag
            gold_n += truth
            predicted_n += flag
        label = next((s[2] for s in doc.spans), label)
    score = LabelScore.of(tp, gold_n, predicted_n)
    return Evaluation(score, {label: score})


def entity_scores(held: Sequence[TrainingDocument], predicted: Sequence[Sequence[Span3]],
                  labels: Sequence[str] | None = None) -> Evaluation:
    from .training_entities import document_language, exact_f1

    gold = [d.spans for d in held]
    evaluation = overlap_scores(gold, predicted, labels)
    evaluation.exact_f1 = exact_f1(document_language(held), [d.text for d in held], gold,
                                   predicted)
    return evaluation


def _encoder_notes(model: Any, data: DataSummary, train: Sequence[TrainingDocument],
                   settings: TrainingSettings) -> list[str]:
    from .claim_encoder import planned_passes

    planned = planned_passes(settings.max_epochs)
    notes = [f"claims learned by fine-tuning the pretrained encoder "
             f"{model.component.encoder} ({data.passes:g} passes over the sentences)"]
    if data.passes < planned:
        notes.append(f"the time limit ({settings.max_seconds:g} s) stopped the fine-tuning "
                     f"after {data.passes:g} of {planned} passes: a "
                     "longer limit (--encoder-seconds) lets it learn more from the same sentences")
    others = sorted({d.language for d in train} - {"en"})
    if others:
        notes.append(f"the encoder was pretrained on English, and documents trained on are in "
                     f"{', '.join(others)}: the regression (--claim-model regression) may "
                     "suit them better")
    return notes


def train_and_register(docs: Sequence[TrainingDocument], settings: TrainingSettings,
                       store: ModelStore, *, baselines: Mapping[str, Suggester] | None = None,
                       source: Mapping[str, Any] | None = None,
                       progress: ProgressCallback | None = None,
                       should_stop: ShouldStop | None = None) -> TrainingOutcome:
    """Train ``settings.what`` from ``docs`` (done documents) and register the result in
    ``store``; ``baselines`` (name -> suggester) are scored on the same held-out documents."""
    if settings.what not in (ENTITIES, CLAIMS):
        raise TrainingError(f"cannot train {settings.what!r}: choose entities or claims")
    clock = Clock(progress, should_stop)
    check_documents(docs, settings)
    train, held = split_documents(docs, settings.eval_fraction, settings.seed)
    vid = version_id(docs, settings, dict(source or {}))
    notes: list[str] = []
    encoder: str | None = None  # claims: the pretrained encoder fine-tuned, if one was
    if settings.what == ENTITIES:
        from .training_entities import predict_entities, train_entities

        nlp, data = train_entities(train, settings, clock)
        labels = sorted(data.spans)
        unseen = sorted({s[2] for d in held for s in d.spans} - set(labels))
        if unseen:
            notes.append("labels only in held-out documents (no training example): "
                         + ", ".join(unseen))
        if data.passes < 1:
            notes.append(f"the time limit ({settings.max_seconds:g} s) stopped the training "
                         f"after {data.passes:.0%} of one pass over the {data.words:,} words "
                         "trained on: a longer limit (--max-seconds) lets it learn from all "
                         "of them")
        if data.names:
            notes.append(f"{data.names} names the reviewers mark wherever they occur are "
                         "suggested with their label at their other occurrences")
        clock.report("scoring", 0, 1 + len(baselines or {}))
        after = entity_scores(held, predict_entities(nlp, [d.text for d in held]),
                              labels) if held else None
        pipeline: Any = nlp
    else:
        from .training_claims import train_claims

        model, data = train_claims(train, settings, clock)
        if settings.claim_model == ENCODER:
            encoder = model.component.encoder
            notes += _encoder_notes(model, data, train, settings)
        clock.report("scoring", 0, 1 + len(baselines or {}))
        after = claim_scores(held, model=model) if held else None
        pipeline = model.nlp
    data.held_out = len(held)
    before: dict[str, Evaluation] = {}
    for n, (name, suggester) in enumerate((baselines or {}).items(), start=1):
        if held:
            rows = _rows_of(suggester, held)
            before[name] = (entity_scores(held, rows) if settings.what == ENTITIES
                            else claim_scores(held, rows))
        clock.report("scoring", n, 1 + len(baselines or {}))
    clock.report("saving", 0, 1)

    def save(folder: Path) -> dict[str, Any]:
        meta = pipeline.meta
        meta["name"] = f"unannotate_{settings.what}_{vid}"
        meta["version"] = "1.0.0"
        labels_text = ", ".join(sorted(k for k in data.spans if k != "sentences"))
        meta["description"] = (
            f"{settings.what} learned from {data.documents} reviewed documents "
            f"({data.words} words; labels {labels_text}); held-out F1 "
            + (f"{after.overall.f1:.3f} on {data.held_out} documents" if after else "none"))
        meta["sources"] = [{"name": "reviewed documents of an unannotate project",
                            "author": "the project's reviewers"}]
        if after is not None:
            meta["performance"] = {"f1": after.overall.f1, "precision": after.overall.precision,
                                   "recall": after.overall.recall}
        if encoder is not None:
            from .claim_encoder import requirements

            meta["requirements"] = requirements()
        pipeline.to_disk(folder)
        info: dict[str, Any] = {
            "suggester": f"unannotate.{settings.what}.trained.v1",
            "settings": settings.key(),
            "source": dict(source or {}),
            "data": asdict(data),
            "scores": after.to_dict() if after else None,
            "before": {k: v.to_dict() for k, v in before.items()},
            "labels": sorted(k for k in data.spans if k != "sentences"),
            "claim_model": f"{ENCODER}:{encoder}" if encoder is not None else None,
            "training_seconds": round(clock.seconds, 1),
            "spacy_version": spacy.__version__,
            "machine": platform.machine(),
        }
        if should_stop is not None and should_stop():
            from .training import TrainingCancelled

            raise TrainingCancelled()
        return info

    version = store.register(settings.what, vid, save)
    return TrainingOutcome(settings.what, version, data, after, before, clock.seconds,
                           [d.key for d in held], [d.key for d in train], notes)
