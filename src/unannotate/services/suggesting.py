"""Running suggesters over a project's documents into their own suggestions layers.

Resumable and safe to interrupt: results are committed every few documents together with a
record of which documents were done, so a stopped run (Ctrl+C, a crash) leaves every finished
document stored, nothing half-written, and the next run starts where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.errors import OffsetError, UnannotateError
from ..core.model import Label, LabelKind, LayerKind, SpanState, check_bounds
from ..nlp.base import (
    Suggester,
    SuggesterInfo,
    SuggesterInput,
    SuggestionRow,
    create,
    registered,
    suggestion_rows,
)
from ..nlp.languages import language_support
from ..storage import suggestions as store
from ..storage.database import Unit
from ..storage.training_data import documents_done_by_anyone
from .project import Project

if TYPE_CHECKING:
    from ..nlp.entity_spacy import ModelInfo

ENTITY_RULES = "unannotate.entities.rules.v1"
ENTITY_SPACY = "unannotate.entities.spacy.v1"
CLAIM_RULES = "unannotate.claims.rules.v1"
# The pipeline part of a trained version's layer name (``nlp.trained.PIPELINE_PREFIX``);
# written out so that importing this module does not load spaCy.
TRAINED_PIPELINE = "trained"
READ_CHUNK = store.READ_CHUNK  # documents read per short read transaction
NEW_LABEL_COLOUR = "#d7ccc8"


@dataclass
class SuggestReport:
    suggester: str
    layer: str
    documents: int = 0  # documents processed in this run
    already: int = 0  # documents the layer had done before this run
    spans: dict[str, int] = field(default_factory=dict)  # label -> count
    new_labels: list[str] = field(default_factory=list)
    dropped: int = 0  # suggestions refused because their offsets did not fit the text
    replaced: int = 0  # pending suggestions of older suggesters removed (re-suggesting)
    skipped_done: int = 0  # documents left alone because someone marked them done
    # Documents of a language the built-in rules do not know (language -> documents): they
    # got language-neutral suggestions (``services.languages.language_note`` says so).
    no_rules: dict[str, int] = field(default_factory=dict)


def list_suggesters() -> list[str]:
    """Every registered suggester's name, sorted."""
    return registered()


def installed_pipelines() -> list[ModelInfo]:
    """The spaCy pipeline packages installed in this environment (loads spaCy)."""
    from ..nlp.entity_spacy import list_models

    return list_models()


def default_suggester_names(model: str | None = None) -> list[str]:
    """Entities (the built-in rules, or the named spaCy pipeline) and claims."""
    return [ENTITY_SPACY if model else ENTITY_RULES, CLAIM_RULES]


def build_suggesters(names: Sequence[str] | None = None, model: str | None = None,
                     project: Project | None = None) -> list[Suggester]:
    """The suggesters named (a registered name, or a trained version: its id,
    ``NAME@ID``, or a trained suggester's name for its newest version); by default
    entities and claims. With a ``project``, the default for each kind is its newest
    trained version when there is one (entities: unless ``model`` names a pipeline)."""
    from ..nlp.trained import SUGGESTER_NAMES, ModelStore
    from ..nlp.training import CLAIMS, ENTITIES
    from .training import models_dir

    store = ModelStore(models_dir(project)) if project is not None else None
    if names:
        chosen = list(names)
    else:
        chosen = default_suggester_names(model)
        if store is not None:
            for index, (what, rules) in enumerate(((ENTITIES, ENTITY_RULES),
                                                   (CLAIMS, CLAIM_RULES))):
                newest = store.newest(what)
                if newest is not None and chosen[index] == rules:
                    chosen[index] = newest.reference
    registered_names = set(registered())
    built = []
    for name in chosen:
        if name not in registered_names or name in SUGGESTER_NAMES.values():
            if store is None:
                raise UnannotateError(f"no suggester named {name!r}; known: "
                                      f"{', '.join(sorted(registered_names))}")
            try:
                version = store.find(name)
            except UnannotateError as error:
                if name in SUGGESTER_NAMES.values():
                    raise
                raise UnannotateError(
                    f"no suggester named {name!r}; known: "
                    f"{', '.join(sorted(registered_names))}, or a trained version "
                    f"({error})") from None
            built.append(create(version.suggester, path=str(version.path)))
            continue
        config = {}
        if model and name in (ENTITY_SPACY, CLAIM_RULES):
            config["model"] = model
        elif name == ENTITY_SPACY:
            raise UnannotateError(
                f"{ENTITY_SPACY} needs a pipeline: give --model NAME_OR_PATH "
                "(see `unannotate models`)"
            )
        built.append(create(name, **config))
    return built


def suggestions_layer_id(session: Unit, info: SuggesterInfo) -> int:
    """The layer of this suggester version (and pipeline version), created on first use."""
    return Project.layer_id(
        session, info.layer_name, LayerKind.SUGGESTIONS, suggester=info.name,
        pipeline=info.pipeline, pipeline_version=info.pipeline_version,
        spacy_version=info.spacy_version,
    )


def run_suggester(
    project: Project,
    suggester: Suggester,
    *,
    batch_size: int = 64,
    n_process: int = 1,
    commit_every: int = 100,
    document_ids: Sequence[int] | None = None,
    on_documents: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    replace: bool | None = None,
) -> SuggestReport:
    """Run ``suggester`` over every document its layer has not seen yet.

    Re-suggesting (``replace``; by default for a trained version): documents that some
    annotator or the review marked done are left alone, and in the others the pending
    suggestions of the same kind from the program's other suggesters are replaced by this
    one's. A suggestion someone decided (accepted, rejected, corrected) is never removed,
    and no annotator's or gold span is touched."""
    info = suggester.info
    if replace is None:
        replace = info.pipeline == TRAINED_PIPELINE
    with project.db.session() as session:
        layer_id = suggestions_layer_id(session, info)
        pending = store.documents_not_suggested(session, layer_id, document_ids)
        skipped = documents_done_by_anyone(session, pending) if replace else set()
        if skipped:
            pending = [i for i in pending if i not in skipped]
        already = store.documents_suggested(session, layer_id)
    report = SuggestReport(info.name, info.layer_name, already=already,
                           skipped_done=len(skipped))
    if on_total:
        on_total(len(pending))
    if not pending:
        return report
    lengths: dict[int, int] = {}  # of the texts being suggested for, to check offsets
    built_in = info.name in (ENTITY_RULES, CLAIM_RULES) and not info.pipeline

    def inputs() -> Iterator[SuggesterInput]:
        for start in range(0, len(pending), READ_CHUNK):
            chunk = pending[start : start + READ_CHUNK]
            with project.db.read() as read:
                rows = store.texts(read, chunk)
            for doc_id, text, language in rows:
                lengths[doc_id] = len(text)
                if built_in and not language_support(language or "en").has_rules:
                    code = language_support(language).language
                    report.no_rules[code] = report.no_rules.get(code, 0) + 1
                yield SuggesterInput(key=doc_id, text=text, language=language or "en")

    buffer: list[tuple[int, list[SuggestionRow]]] = []
    for key, rows in suggestion_rows(suggester, inputs(), batch_size=batch_size,
                                     n_process=n_process):
        buffer.append((key, rows))
        if len(buffer) >= commit_every:
            _store(project, layer_id, info, buffer, lengths, report, replace=replace)
            if on_documents:
                on_documents(len(buffer))
            buffer = []
    if buffer:  # the last documents and the run's event: one transaction less
        _store(project, layer_id, info, buffer, lengths, report, last=True, replace=replace)
        if on_documents:
            on_documents(len(buffer))
    else:
        with project.db.session() as session:
            _add_event(session, layer_id, info, report)
    return report


def _add_event(unit: Unit, layer_id: int, info: SuggesterInfo, report: SuggestReport) -> None:
    """The record of a finished run."""
    after = {"documents": report.documents, "spans": sum(report.spans.values())}
    if report.replaced or report.skipped_done:
        after.update(replaced=report.replaced, skipped_done=report.skipped_done)
    store.add_run_event(unit, layer_id, info.layer_name, after)


def _store(project: Project, layer_id: int, info: SuggesterInfo,
           results: list[tuple[int, list[SuggestionRow]]], lengths: dict[int, int],
           report: SuggestReport, *, last: bool = False, replace: bool = False) -> None:
    """One transaction: the spans of these documents and the record that they are done;
    with the ``last`` documents of a run, also the run's event."""
    kind = LabelKind.CLAIM if info.kind == LabelKind.CLAIM else LabelKind.ENTITY
    with project.db.session() as session:
        label_ids = project.label_ids(session)
        missing = {row[2] for _, found in results for row in found} - set(label_ids)
        if missing:
            added = project.ensure_labels(
                session, [Label(name, kind, NEW_LABEL_COLOUR) for name in sorted(missing)]
            )
            report.new_labels.extend(added)
            label_ids = project.label_ids(session)
        span_rows: list[tuple[Any, ...]] = []
        done_rows: list[tuple[int, int]] = []
        suggested = SpanState.SUGGESTED.value
        spans = report.spans
        for doc_id, found in results:
            length = lengths.pop(doc_id)
            kept = 0
            seen: set[tuple[int, int, str]] = set()  # one suggestion per place and label
            for start, end, label, score, reason in found:
                # The common case tested inline; anything else gets check_bounds' verdict.
                if not (type(start) is int and type(end) is int and 0 <= start < end <= length):
                    try:
                        check_bounds(length, start, end)
                    except OffsetError:
                        report.dropped += 1
                        continue
                if (start, end, label) in seen:
                    continue
                seen.add((start, end, label))
                span_rows.append((layer_id, doc_id, start, end, label_ids[label],
                                  suggested, score, reason, None, 1))
                spans[label] = spans.get(label, 0) + 1
                kept += 1
            done_rows.append((doc_id, kept))
        report.replaced += store.store_suggestions(
            session, layer_id, span_rows, done_rows, replace_kind=kind if replace else None,
            suggester_prefix="unannotate.")
        report.documents += len(results)
        if last:
            _add_event(session, layer_id, info, report)


def suggest_document(project: Project, document_id: int,
                     suggesters: Sequence[Suggester]) -> int:
    """Make sure one document has suggestions from each of ``suggesters``; return how many
    suggesters had to run. Meant for a worker thread of the window."""
    ran = 0
    for suggester in suggesters:
        report = run_suggester(project, suggester, document_ids=[document_id])
        ran += 1 if report.documents else 0
    return ran
