"""Training suggesters from a layer's done documents, and the trained versions of a project.

What the window and the command line call:

- :func:`train` trains in this process, with a progress callback and a cancel check, and
  returns one :class:`TrainingReport` per kind trained (entities, claims).
- :class:`TrainingJob` runs :func:`train` in a separate process (so a window stays
  responsive): ``start()``, then ``poll()`` for progress, ``cancel()``, ``result()``.
- :func:`model_store` / :func:`trained_versions` list what was trained; the newest version
  of each kind is what ``suggest`` uses.

Trained versions live beside the project: ``NAME.models/`` next to a project file; for a
server project, a folder in the user data folder named by a hash of the server's URL
(without its password).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import queue
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import UnannotateError
from ..core.model import LabelKind, LayerKind, SpanState
from ..nlp.base import Suggester, SuggesterError, create
from ..nlp.trained import ModelStore, ModelVersion, export_version
from ..nlp.trainer import TrainingOutcome, train_and_register
from ..nlp.training import (
    CLAIM_MODELS,
    CLAIMS,
    ENCODER,
    ENTITIES,
    REGRESSION,
    WHAT,
    Progress,
    ProgressCallback,
    ShouldStop,
    TrainingDocument,
    TrainingError,
    TrainingSettings,
)
from ..nlp.training_curve import Curve
from ..storage.database import without_password
from ..storage.training_data import (
    LayerRef,
    done_document_ids,
    done_documents,
    trainable_layers,
)
from .project import Project, open_project

GOLD = "gold"
KINDS = {ENTITIES: LabelKind.ENTITY, CLAIMS: LabelKind.CLAIM}


@dataclass
class TrainingOptions:
    layer: str | None = None  # "gold" or an annotator's name; None: chosen (see pick_layer)
    what: Sequence[str] = (ENTITIES, CLAIMS)
    base: str | None = None  # an installed pipeline for entities; None or "blank": blank
    eval_fraction: float = 0.2
    seed: int = 1
    max_seconds: float = 60.0
    max_epochs: int = 30
    claim_model: str = REGRESSION  # or ENCODER: fine-tune a pretrained sentence encoder
    encoder: str | None = None  # ENCODER: a pretrained encoder's folder; None: the packaged
    encoder_seconds: float = 600.0  # ENCODER: the fine-tuning's time limit (not max_seconds)


@dataclass
class TrainingReport:
    """One kind trained: the version registered and the scores before and after."""

    what: str
    layer: str
    version: str  # the version id
    suggester: str  # "unannotate.entities.trained.v1@<id>"
    path: str
    documents: int
    held_out: int
    words: int
    spans: dict[str, int]
    negative_documents: int
    rejected: int
    left_out: int
    seconds: float
    after: dict[str, Any] | None  # Evaluation.to_dict()
    before: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, outcome: TrainingOutcome, layer: str) -> TrainingReport:
        d = outcome.data
        return cls(outcome.what, layer, outcome.version.id, outcome.version.reference,
                   str(outcome.version.path), d.documents, d.held_out, d.words, d.spans,
                   d.negative_documents, d.rejected, d.left_out, round(outcome.seconds, 1),
                   outcome.after.to_dict() if outcome.after else None,
                   {k: v.to_dict() for k, v in outcome.before.items()}, outcome.notes)


def encoder_unavailable() -> str | None:
    """Why claims cannot be learned by fine-tuning the packaged encoder here (the encoder
    extra is not installed), or None when they can."""
    from ..nlp.claim_encoder import unavailable

    return unavailable()


def models_dir(project: Project) -> Path:
    """Where the project's trained versions are kept."""
    path = project.db.path
    if path is not None:
        return path.with_name(path.stem + ".models")
    from platformdirs import user_data_path

    key = hashlib.sha256(without_password(project.db.url).encode()).hexdigest()[:16]
    return user_data_path("unannotate", appauthor=False) / "models" / key


def model_store(project: Project) -> ModelStore:
    return ModelStore(models_dir(project))


def export_trained(project: Project, version: str, out: Path) -> tuple[ModelVersion, Path]:
    """Write a trained version (its id, ``NAME@ID``, or a trained suggester's name for its
    newest version) as a spaCy pipeline folder ``out``: the version, and the folder."""
    found = model_store(project).find(version)
    return found, export_version(found, out)


def trained_versions(project: Project) -> list[ModelVersion]:
    return model_store(project).versions()


def pick_layer(project: Project, layer: str | None) -> LayerRef:
    """The layer to train from: ``gold``, an annotator's name, or (None) gold when it has done
    documents, else the only annotator layer that has some."""
    with project.db.read() as session:
        layers = trainable_layers(session)
        names = [GOLD if ref.kind == LayerKind.GOLD else ref.annotator or ref.name
                 for ref in layers]
        if layer is not None:
            for ref, name in zip(layers, names):
                if layer in (name, ref.name):
                    return ref
            raise TrainingError(f"no layer {layer!r} to train from; --layer takes: "
                                f"{', '.join(names) or 'none (nobody has annotated yet)'}")
        with_done = [(ref, name) for ref, name in zip(layers, names)
                     if done_document_ids(session, ref)]
    gold = [ref for ref, name in with_done if name == GOLD]
    if gold:
        return gold[0]
    if len(with_done) == 1:
        return with_done[0][0]
    if not with_done:
        raise TrainingError("no layer has documents marked done: mark the documents you "
                            "have reviewed done (Ctrl+Enter in the window), then train")
    raise TrainingError("several layers have done documents; choose one with --layer: "
                        + ", ".join(name for _, name in with_done))


def training_documents(project: Project, layer: LayerRef, what: str
                       ) -> list[TrainingDocument]:
    """The done documents of ``layer``: its accepted spans of the kind as positives, its
    rejected suggestions of the kind as negatives."""
    kind = KINDS[what]
    out = []
    with project.db.read() as session:
        ids = done_document_ids(session, layer)
        for doc in done_documents(session, layer.id, ids):
            spans = tuple(sorted({(s.start, s.end, s.label) for s in doc.spans
                                  if s.kind == kind and s.state == SpanState.ACCEPTED}))
            rejected = tuple(sorted({(s.start, s.end, s.label) for s in doc.spans
                                     if s.kind == kind and s.state == SpanState.REJECTED}))
            out.append(TrainingDocument(doc.sha256, doc.text, doc.language, spans, rejected))
    return out


def current_suggesters(project: Project, what: str, base: str | None) -> dict[str, Suggester]:
    """What ``suggest`` uses now for ``what`` (the built-in rules, the newest trained
    version), and the bare base pipeline: scored beside the new model."""
    from .suggesting import CLAIM_RULES, ENTITY_RULES, ENTITY_SPACY

    out: dict[str, Suggester] = {}
    out[ENTITY_RULES if what == ENTITIES else CLAIM_RULES] = create(
        ENTITY_RULES if what == ENTITIES else CLAIM_RULES)
    newest = model_store(project).newest(what)
    if newest is not None:
        try:
            out[newest.reference] = create(newest.suggester, path=str(newest.path))
        except SuggesterError:
            pass  # an unreadable old version is not worth failing a training for
    if what == ENTITIES and base:
        out[f"{ENTITY_SPACY}:{base}"] = create(ENTITY_SPACY, model=base)
    return out


def _prepared(project: Project, options: TrainingOptions
              ) -> tuple[str, list[tuple[str, list[TrainingDocument], TrainingSettings]]]:
    """The layer's name and, per kind of ``options.what``, its done documents and settings;
    every kind's data checked before any is trained."""
    unknown = [w for w in options.what if w not in WHAT]
    if unknown or not options.what:
        raise TrainingError(f"--what takes entities, claims or both, not {','.join(unknown)!r}")
    if options.claim_model not in CLAIM_MODELS:
        raise TrainingError(f"--claim-model takes {' or '.join(CLAIM_MODELS)}, not "
                            f"{options.claim_model!r}")
    if options.claim_model == ENCODER and CLAIMS in options.what:
        from ..nlp.claim_encoder import resolve_encoder

        resolve_encoder(options.encoder)  # missing libraries or weights: said before training
    layer = pick_layer(project, options.layer)
    layer_name = GOLD if layer.kind == LayerKind.GOLD else (layer.annotator or layer.name)
    base = None if options.base in (None, "", "blank") else options.base
    prepared = []
    for what in options.what:  # check every kind's data before training any
        docs = training_documents(project, layer, what)
        settings = TrainingSettings(what=what, base=base if what == ENTITIES else None,
                                    eval_fraction=options.eval_fraction, seed=options.seed,
                                    max_seconds=options.encoder_seconds
                                    if what == CLAIMS and options.claim_model == ENCODER
                                    else options.max_seconds,
                                    max_epochs=options.max_epochs,
                                    claim_model=options.claim_model if what == CLAIMS
                                    else REGRESSION,
                                    encoder=options.encoder if what == CLAIMS else None)
        from ..nlp.training import TooLittleData, check_documents

        try:
            check_documents(docs, settings)
            if what == CLAIMS:
                check_claim_examples(docs)
        except TooLittleData as error:
            others = [w for w in options.what if w != what]
            if not others:
                raise
            raise TooLittleData(f"{error} (to train {' and '.join(others)} alone: "
                                f"--what {','.join(others)})") from None
        prepared.append((what, docs, settings))
    return layer_name, prepared


def train(project: Project, options: TrainingOptions, *,
          progress: ProgressCallback | None = None,
          should_stop: ShouldStop | None = None) -> list[TrainingReport]:
    """Train every kind in ``options.what`` from the chosen layer's done documents and
    register each as a new version. Raises :class:`TrainingError` (too little data, a bad
    base pipeline) or ``TrainingCancelled`` before registering anything of that kind."""
    layer_name, prepared = _prepared(project, options)
    store = model_store(project)
    reports = []
    for what, docs, settings in prepared:
        baselines = current_suggesters(project, what, settings.base)
        outcome = train_and_register(
            docs, settings, store, baselines=baselines,
            source={"layer": layer_name, "project": project.location},
            progress=(lambda p, w=what: progress(_tagged(p, w))) if progress else None,
            should_stop=should_stop)
        reports.append(TrainingReport.of(outcome, layer_name))
    return reports


def train_curve(project: Project, options: TrainingOptions, shares: Sequence[float], *,
                progress: ProgressCallback | None = None,
                should_stop: ShouldStop | None = None) -> list[tuple[str, Curve]]:
    """A learning curve per kind of ``options.what`` (see :mod:`unannotate.nlp.training_curve`):
    the models trained on growing shares of the chosen layer's done documents, and the
    current suggesters, scored on the documents a training would hold out. Nothing is
    registered. Returns ``(layer name, curve)`` per kind."""
    from ..nlp.training_curve import train_curve as curve_of

    layer_name, prepared = _prepared(project, options)
    out = []
    for what, docs, settings in prepared:
        curve = curve_of(docs, settings, shares=shares,
                         baselines=current_suggesters(project, what, settings.base),
                         progress=(lambda p, w=what: progress(_tagged(p, w))) if progress
                         else None, should_stop=should_stop)
        out.append((layer_name, curve))
    return out


def check_claim_examples(docs: Sequence[TrainingDocument]) -> None:
    """Refuse claims without a claim span before anything is trained (the sentences are
    counted when training starts)."""
    from ..nlp.training import MIN_CLAIMS_EACH, TooLittleData

    claims = sum(len(d.spans) for d in docs)
    if claims < MIN_CLAIMS_EACH:
        raise TooLittleData(
            f"too little data to train claims: {claims} claims marked in the "
            f"{len(docs)} done documents, at least {MIN_CLAIMS_EACH} are needed; nothing "
            "was trained")


def _tagged(progress: Progress, what: str) -> Progress:
    progress.message = f"{what}: {progress.message}" if progress.message else what
    return progress


# -- in a separate process ----------------------------------------------------------------


def _child(location: str, options: TrainingOptions, messages: Any, stop: Any,
           shares: Sequence[float] | None = None) -> None:
    """The training process: trains and sends ("progress", dict), then ("done", reports)
    or, with ``shares``, ("curves", [(layer, Curve)]); or ("error", message)."""
    try:
        with open_project(location, create=False) as project:
            if shares is not None:
                curves = train_curve(project, options, shares,
                                     progress=lambda p: messages.put(("progress", asdict(p))),
                                     should_stop=stop.is_set)
                messages.put(("curves", curves))
                return
            reports = train(project, options,
                            progress=lambda p: messages.put(("progress", asdict(p))),
                            should_stop=stop.is_set)
        messages.put(("done", [asdict(r) for r in reports]))
    except UnannotateError as error:
        messages.put(("error", str(error)))
    except Exception as error:  # noqa: BLE001 - reported to the window, not lost
        messages.put(("error", f"training failed: {type(error).__name__}: {error}"))


class TrainingJob:
    """Training in a separate process. The window calls ``start()``, then ``poll()`` from a
    timer (progress as :class:`Progress`; the reports once done), ``cancel()`` to stop;
    a cancelled or killed job registers nothing. With ``shares`` it draws learning curves
    (:func:`train_curve`, in ``curves`` once done) and registers nothing at all.

    ``location`` is the project's file or URL (``Project.location``): the process opens
    the project itself (a server's password comes from the keyring or libpq's files)."""

    def __init__(self, location: str, options: TrainingOptions,
                 shares: Sequence[float] | None = None) -> None:
        context = multiprocessing.get_context("spawn")
        self._messages = context.Queue()
        self._stop = context.Event()
        self._process = context.Process(target=_child, args=(location, options,
                                                             self._messages, self._stop,
                                                             shares),
                                        daemon=True)
        self.progress: Progress | None = None
        self.reports: list[TrainingReport] | None = None
        self.curves: list[tuple[str, Curve]] | None = None  # a learning curve's (``shares``)
        self.error: str | None = None

    def start(self) -> None:
        self._process.start()

    def poll(self) -> Progress | None:
        """Take in what the process sent; the latest progress."""
        while True:
            try:
                kind, payload = self._messages.get_nowait()
            except queue.Empty:
                break
            if kind == "progress":
                self.progress = Progress(**payload)
            elif kind == "done":
                self.reports = [TrainingReport(**r) for r in payload]
            elif kind == "curves":
                self.curves = payload
            else:
                self.error = payload
        if (not self.finished and not self._process.is_alive()
                and self._messages.empty()):
            code = self._process.exitcode
            self.error = ("training cancelled: nothing was registered" if self._stop.is_set()
                          else f"the training process stopped (exit code {code}): nothing "
                          "was registered")
        return self.progress

    @property
    def finished(self) -> bool:
        return self.reports is not None or self.curves is not None or self.error is not None

    def cancel(self) -> None:
        self._stop.set()

    def wait(self, timeout: float | None = None) -> None:
        self._process.join(timeout)
        self.poll()

    def kill(self) -> None:
        """Stop at once (the window closing): nothing half-registered is left current."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
