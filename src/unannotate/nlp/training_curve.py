"""Would reviewing more documents help? A learning curve over the reviewed documents.

The documents held out are the ones :func:`~.training.split_documents` holds out for a
training with the same settings; the rest are put in a seeded order and the model is trained
on growing parts of them (by default a quarter, a half, three quarters, all), each scored on
the same held-out documents. Nothing is registered. When the score still rises over the last
part, more reviewed documents of the same kind are likely to help; when it has flattened,
more of the same will help little (and the labels with the lowest scores are where to look).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from .base import Suggester
from .training import (
    CLAIMS,
    ENTITIES,
    Clock,
    Evaluation,
    Progress,
    ProgressCallback,
    ShouldStop,
    TooLittleData,
    TrainingDocument,
    TrainingError,
    TrainingSettings,
    _rank,
    check_documents,
    split_documents,
    words_in,
)

SHARES = (0.25, 0.5, 0.75, 1.0)
# A change of F1 over the last part smaller than this is "flat".
FLAT = 0.01
# From this held-out F1 on, a flat curve has little left to learn.
NEAR_PERFECT = 0.95
# A point given fewer passes than this share of the one before it is said to be less trained.
LESS_TRAINED = 0.5
# The part of a point's progress each stage takes (a point goes through them in this order).
_STAGE_SPAN = {"preparing": (0.0, 0.1), "training": (0.1, 0.95), "scoring": (0.95, 1.0)}


@dataclass
class CurvePoint:
    share: float  # of the documents not held out
    documents: int
    words: int
    evaluation: Evaluation | None  # None: too little data at this point (``skipped`` says)
    seconds: float = 0.0
    skipped: str = ""
    passes: float | None = None  # entities: passes over the documents in the time given


@dataclass
class Curve:
    what: str
    held_out: int
    points: list[CurvePoint]
    before: dict[str, Evaluation] = field(default_factory=dict)  # the current suggesters
    labels: list[str] = field(default_factory=list)  # the labels the reviewers marked

    def unmarked(self) -> str:
        """The current suggesters' suggestions in the held-out documents of labels nobody
        marked there (each one wrong, counted in their "all labels"), said in a line; "" when
        there are none."""
        said = []
        for name, evaluation in self.before.items():
            extra = sorted((label, s.predicted) for label, s in evaluation.per_label.items()
                           if label not in self.labels and s.predicted)
            if extra:
                said.append(f"{name}: " + ", ".join(f"{label} {n}" for label, n in extra))
        if not said:
            return ""
        return ("all labels also counts the current suggestions of labels nobody marked in "
                "these documents, each of them wrong here (" + "; ".join(said) + ")")

    def verdict(self) -> str:
        """What the last part of the curve says about reviewing more."""
        trained = [p for p in self.points if p.evaluation is not None]
        if len(trained) < 2:
            return ("too few trained points to say whether more documents would help: "
                    "review more documents, then run the curve again")
        last, before = trained[-1], trained[-2]
        assert last.evaluation is not None and before.evaluation is not None
        change = last.evaluation.overall.f1 - before.evaluation.overall.f1
        added = last.documents - before.documents
        said = (f"F1 went from {before.evaluation.overall.f1:.2f} to "
                f"{last.evaluation.overall.f1:.2f} ({change:+.2f}) with the last {added} "
                f"documents")
        if (last.passes is not None and before.passes is not None
                and last.passes < before.passes * LESS_TRAINED):
            said += (f" (the time limit gave that point {last.passes:g} passes over its "
                     f"documents against {before.passes:g} before it: a longer "
                     "--max-seconds makes the points comparable)")
        if change >= FLAT:
            return (f"{said}: still rising, so reviewing more documents like these is "
                    "likely to improve the suggestions further")
        overall = last.evaluation.overall.f1
        if overall >= NEAR_PERFECT:
            return (f"{said}: the held-out documents are nearly all found already; more "
                    "documents like these have little left to teach")
        weakest = sorted((s.f1, label) for label, s in last.evaluation.per_label.items()
                         if label in self.labels and s.gold and s.f1 + FLAT <= overall)[:2]
        look = ("; the labels it finds worst: "
                + ", ".join(f"{label} {f1:.2f}" for f1, label in weakest)) if weakest else ""
        if change > -FLAT:
            return (f"{said}: flat, so more documents of the same kind will help little{look}"
                    + (" (documents with more of these may)" if weakest else ""))
        return (f"{said}: it fell, so the {self.held_out} held-out documents are too few "
                "to tell, or the last documents differ from the others; hold out more "
                f"(--eval-fraction) or review more{look}")


def _point_clock(progress: ProgressCallback | None, should_stop: ShouldStop | None,
                 share: float, documents: int, started: float, before: int, words: int,
                 all_words: int) -> Clock:
    """A point's clock, its progress told as progress through the whole curve: the point's
    steps spread over its documents' words, after the words of the points before it, the
    seconds counted from the curve's start (so the time left is the whole curve's)."""
    if progress is None:
        return Clock(None, should_stop)
    tag = f"{share:.0%} ({documents} documents)"

    def tagged(p: Progress) -> None:
        low, high = _STAGE_SPAN.get(p.stage, (0.0, 1.0))
        done = before + round(words * (low + (high - low) * (p.done / p.total if p.total
                                                                else 0.0)))
        progress(replace(p, done=min(done, all_words), total=all_words,
                         seconds=time.monotonic() - started,
                         message=f"{tag}: {p.message}" if p.message else tag))
    return Clock(tagged, should_stop)


def curve_order(train: Sequence[TrainingDocument], seed: int) -> list[TrainingDocument]:
    """The documents trained on, in the seeded order whose growing prefixes are trained."""
    return sorted(train, key=lambda d: _rank(seed, "curve\0" + d.key))


def train_curve(docs: Sequence[TrainingDocument], settings: TrainingSettings, *,
                shares: Sequence[float] = SHARES,
                baselines: Mapping[str, Suggester] | None = None,
                progress: ProgressCallback | None = None,
                should_stop: ShouldStop | None = None) -> Curve:
    """Train ``settings.what`` on growing shares of ``docs`` (done documents, less the
    held-out ones) and score each model, and ``baselines``, on the held-out documents."""
    from .trainer import _rows_of, claim_scores, entity_scores

    if settings.what not in (ENTITIES, CLAIMS):
        raise TrainingError(f"cannot train {settings.what!r}: choose entities or claims")
    if not shares or any(not 0 < s <= 1 for s in shares) or list(shares) != sorted(shares):
        raise TrainingError("the shares of a learning curve rise from above 0 to at most 1")
    if settings.eval_fraction <= 0:
        raise TrainingError("a learning curve needs held-out documents to score: "
                            "--eval-fraction must be above 0")
    check_documents(docs, settings)
    train, held = split_documents(docs, settings.eval_fraction, settings.seed)
    ordered = curve_order(train, settings.seed)
    labels = sorted({s[2] for d in docs for s in d.spans})
    parts: list[tuple[float, list[TrainingDocument]]] = []
    for share in shares:
        part = ordered[:max(1, round(len(ordered) * share))]
        if not parts or len(parts[-1][1]) != len(part):  # too few documents: no point twice
            parts.append((share, part))
    sizes = [max(1, words_in(part)) for _, part in parts]
    started = time.monotonic()
    points: list[CurvePoint] = []
    for n, (share, part) in enumerate(parts):
        clock = _point_clock(progress, should_stop, share, len(part), started, sum(sizes[:n]),
                             sizes[n], sum(sizes))
        try:
            if settings.what == ENTITIES:
                from .training_entities import predict_entities, train_entities

                nlp, summary = train_entities(part, settings, clock)
                passes: float | None = summary.passes
                clock.report("scoring", 0, 1)
                evaluation = entity_scores(held, predict_entities(nlp, [d.text for d in held]),
                                           labels)
            else:
                from .training_claims import train_claims

                model, _ = train_claims(part, settings, clock)
                passes = None
                clock.report("scoring", 0, 1)
                evaluation = claim_scores(held, model=model)
        except TooLittleData as error:
            reason = str(error).split(": ", 1)[-1].replace("; nothing was trained", "")
            points.append(CurvePoint(share, len(part), words_in(part), None,
                                     round(clock.seconds, 1), reason))
            continue
        clock.report("scoring", 1, 1)
        points.append(CurvePoint(share, len(part), words_in(part), evaluation,
                                 round(clock.seconds, 1), passes=passes))
    if not any(p.evaluation for p in points):
        raise TooLittleData(f"too little data for a learning curve of {settings.what}: "
                            f"{points[-1].skipped}; nothing was trained")
    before: dict[str, Evaluation] = {}
    for name, suggester in (baselines or {}).items():
        rows = _rows_of(suggester, held)
        before[name] = (entity_scores(held, rows, labels) if settings.what == ENTITIES
                        else claim_scores(held, rows))
    return Curve(settings.what, len(held), points, before, labels)
