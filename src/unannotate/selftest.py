"""``unannotate --self-test``: does this installation work, from import to the window?

Runs what a reviewer's first session does, on a temporary project made from the sample
documents: import, suggest (built-in rules, and an installed spaCy pipeline if any), decide,
undo, export and read back, and the review window (offscreen unless a Qt platform is set).
Meant for a fresh install or a desktop bundle, where a missing module or data file shows up
only when the code that needs it runs. It prints one line per step and never touches the
person's settings, recent projects or projects: all of it lives in a temporary folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .core.model import SpanState
from .formats.interchange import FormatReport
from .formats.native import NativeDocument, read_native
from .resources import sample_dir
from .services.annotation_files import export_annotations, get_format
from .services.decisions import ALREADY_THERE, Decider
from .services.importing import import_paths
from .services.preferences import SETTINGS_ENV
from .services.project import Project, open_project
from .services.stats import project_stats
from .services.suggesting import (
    ENTITY_SPACY,
    build_suggesters,
    installed_pipelines,
    run_suggester,
)
from .services.window_data import first_document_to_review

REVIEWER = "self-test"
ACCEPTED = 3  # suggestions accepted one by one, then the rest of the document at once
REJECTED = 2


class StepFailed(Exception):
    """A check of a step did not hold: the message says what was found."""


class StepSkipped(Exception):
    """A step that does not apply to this installation (no pretrained pipeline)."""


@dataclass
class _Run:
    """What the steps share: the temporary folder, the project, what earlier steps found."""

    folder: Path
    project_: Project | None = None
    reviewer: Decider | None = None
    document_id: int | None = None
    documents: int = 0

    @property
    def project(self) -> Project:
        assert self.project_ is not None, "the project step runs first"
        return self.project_


Step = Callable[[_Run], str]


def run_self_test(echo: Callable[[str], None] = print) -> bool:
    """Run every step, echo one line each (``ok``, ``FAIL`` or ``skip``); True if none failed.
    After a failed step the later ones are not run (they would fail for the same reason)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    passed = True
    with tempfile.TemporaryDirectory(prefix="unannotate-self-test-",
                                     ignore_cleanup_errors=True) as folder, \
            _environment(SETTINGS_ENV, str(Path(folder) / "settings.json")):
        run = _Run(Path(folder))
        try:
            for name, step in STEPS:
                if not passed:
                    echo(f"skip {name}: an earlier step failed")
                    continue
                started = time.perf_counter()
                try:
                    detail = step(run)
                except StepSkipped as skipped:
                    echo(f"skip {name}: {skipped}")
                    continue
                except StepFailed as failed:
                    echo(f"FAIL {name}: {failed}")
                    passed = False
                    continue
                except Exception as error:  # noqa: BLE001 - a broken install fails anyhow
                    traceback.print_exc(file=sys.stderr)
                    echo(f"FAIL {name}: {type(error).__name__}: {error}")
                    passed = False
                    continue
                echo(f"ok   {name}: {detail} ({time.perf_counter() - started:.1f} s)")
        finally:
            if run.project_ is not None:
                run.project_.close()
    return passed


@contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def _decided(run: _Run) -> tuple[Decider, int]:
    """The reviewer and the document of the decide step."""
    if run.reviewer is None or run.document_id is None:
        raise StepFailed("nothing was decided")
    return run.reviewer, run.document_id


# -- the steps ---------------------------------------------------------------------------------
# Spacy and Qt are imported by the steps that use them: a broken install fails that step.


def create_project(run: _Run) -> str:
    run.project_ = open_project(run.folder / "self-test.unannotate.db")
    labels = run.project.labels()
    _check(bool(labels), "the new project has no labels")
    return f"a new project with the default scheme of {len(labels)} labels"


def import_samples(run: _Run) -> str:
    folder = sample_dir()
    _check(folder.is_dir(), f"no sample documents: {folder} is not a folder")
    report = import_paths(run.project, [folder])
    _check(not report.rejected, "; ".join(str(error) for error in report.rejected[:3]))
    _check(report.new > 0, f"no documents in {folder}")
    run.documents = report.new
    return f"{report.new} documents from {folder}"


def suggest_with_rules(run: _Run) -> str:
    found = []
    for suggester in build_suggesters():
        report = run_suggester(run.project, suggester)
        total = sum(report.spans.values())
        _check(report.documents == run.documents,
               f"{report.suggester} ran on {report.documents} of {run.documents} documents")
        _check(total > 0, f"{report.suggester} suggested nothing")
        _check(report.dropped == 0, f"{report.suggester}: {report.dropped} offsets outside "
               "the text")
        found.append(f"{total} from {report.suggester}")
    return ", ".join(found)


def suggest_with_pipeline(run: _Run) -> str:
    models = [model for model in installed_pipelines() if model.has_ner]
    if not models:
        raise StepSkipped("no spaCy pipeline with ner installed (the built-in rules are used)")
    model = models[0]
    [suggester] = build_suggesters([ENTITY_SPACY], model.name)
    report = run_suggester(run.project, suggester)
    _check(report.documents == run.documents,
           f"{model.name} ran on {report.documents} of {run.documents} documents")
    _check(report.dropped == 0, f"{model.name}: {report.dropped} offsets outside the text")
    return f"{sum(report.spans.values())} from {model.name} {model.version}"


def decide(run: _Run) -> str:
    """Decisions through the service the window calls: a few one by one, then the rest."""
    reviewer = run.reviewer = Decider(run.project, REVIEWER)
    document_id = first_document_to_review(reviewer)
    if document_id is None:
        raise StepFailed("no document to review")
    run.document_id = document_id
    pending = reviewer.pending(document_id)
    _check(len(pending) > ACCEPTED + REJECTED,
           f"only {len(pending)} suggestions in the first document")
    for suggestion in pending[:ACCEPTED]:
        reviewer.accept(suggestion.id)
    for suggestion in pending[ACCEPTED:ACCEPTED + REJECTED]:
        reviewer.reject(suggestion.id)
    reviewer.accept_all(document_id)
    spans = reviewer.spans(document_id)
    accepted = {(s.start, s.end, s.label) for s in spans if s.state is SpanState.ACCEPTED}
    # Suggesters that agree make the same suggestion twice: the second is decided as being
    # there already, not as a rejection of the reviewer's.
    rejected = [s for s in spans if s.state is SpanState.REJECTED
                and not s.reason.startswith(ALREADY_THERE)]
    wanted = {(s.start, s.end, s.label) for s in pending}
    decided = {(s.start, s.end, s.label) for s in pending[ACCEPTED:ACCEPTED + REJECTED]}
    _check(len(rejected) == REJECTED, f"{len(rejected)} rejections stored, not {REJECTED}")
    _check(accepted == wanted - decided,
           f"{len(accepted)} annotations stored for {len(wanted - decided)} accepted")
    _check(not reviewer.pending(document_id), "suggestions left pending after accepting all")
    return f"{len(accepted)} accepted, {len(rejected)} rejected in document {document_id}"


def undo(run: _Run) -> str:
    reviewer, document_id = _decided(run)
    before = len(reviewer.spans(document_id))
    _check(reviewer.undo() is not None, "nothing to undo")
    back = len(reviewer.pending(document_id))
    _check(back > 0, "undoing 'accept all' left no suggestion pending")
    _check(len(reviewer.spans(document_id)) == before - back,
           "undo did not remove what 'accept all' added")
    _check(reviewer.redo() is not None, "nothing to redo")
    _check(len(reviewer.spans(document_id)) == before and not reviewer.pending(document_id),
           "redo did not put the decisions back")
    return f"'accept all' of {back} suggestions undone and redone"


def export_jsonl(run: _Run) -> str:
    out = run.folder / "export" / "project.jsonl"
    out.parent.mkdir()
    export_annotations(run.project, out, fmt="jsonl", layer=None)
    documents = list(read_native(out))
    _check(len(documents) == run.documents,
           f"{len(documents)} documents read back, {run.documents} imported")
    spans = _checked_spans(documents, str(out))
    stored = _stored_spans(run.project)
    _check(spans == stored, f"{spans} spans read back, {stored} in the project")
    return f"{len(documents)} documents, {spans} spans read back, offsets match"


def export_spacy(run: _Run) -> str:
    reviewer, document_id = _decided(run)
    out = run.folder / "export" / "annotations.spacy"
    export_annotations(run.project, out, fmt="spacy", layer=REVIEWER)
    documents = list(get_format("spacy").reader(out, FormatReport()))
    _check(len(documents) == 1, f"{len(documents)} documents read back, 1 reviewed")
    _checked_spans(documents, str(out))
    read = {(s.start, s.end, s.label) for layer in documents[0].layers
            for s in (*layer.entities, *layer.claims)}
    stored = {(s.start, s.end, s.label) for s in reviewer.spans(document_id)
              if s.state is SpanState.ACCEPTED}
    _check(read == stored, f"{len(read)} spans read back, {len(stored)} annotations stored "
           f"({len(read ^ stored)} differ)")
    return f"1 document, {len(read)} spans read back, offsets match"


def _checked_spans(documents: list[NativeDocument], where: str) -> int:
    """How many spans the documents hold; each must cover its own text exactly."""
    count = 0
    for document in documents:
        for layer in document.layers:
            for span in (*layer.entities, *layer.claims):
                _check(document.text[span.start:span.end] == span.text,
                       f"{where}: span {span.start}-{span.end} does not cover its text")
                count += 1
    return count


def _stored_spans(project: Project) -> int:
    return sum(layer.total for layer in project_stats(project).layers)


def show_window(run: _Run) -> str:
    """The main window on the project, as ``unannotate`` opens it, and what it shows."""
    from .qt.app import application, open_window

    _, document_id = _decided(run)
    found = run.project.title_and_text(document_id)
    if found is None:
        raise StepFailed(f"document {document_id} is gone")
    title, text = found
    app = application()
    # Its own connection: the window closes its project when it closes.
    window = open_window(open_project(run.project.location, create=False), REVIEWER,
                         auto_suggest=False)
    if window is None:
        raise StepFailed("the window did not open")
    try:
        app.processEvents()
        shown = window.document
        _check(shown is not None and shown.id == document_id,
               f"the window shows document {shown.id if shown else None}, not {document_id}")
        _check(window.doc_title.text() == title, f"the title shown is {window.doc_title.text()!r}")
        _check(title in window.windowTitle(), f"the window's title is {window.windowTitle()!r}")
        first_line = text.strip().splitlines()[0].strip()
        _check(first_line in window.view.toPlainText(), "the document's text is not shown")
        rows = window.span_model.rowCount()
        _check(rows > 0, "the document's spans are not listed")
    finally:
        window.close()
        app.processEvents()
    return f"shows {title!r} with {rows} spans listed ({app.platformName()})"


STEPS: list[tuple[str, Step]] = [
    ("project", create_project),
    ("import", import_samples),
    ("suggest", suggest_with_rules),
    ("pipeline", suggest_with_pipeline),
    ("decide", decide),
    ("undo", undo),
    ("export jsonl", export_jsonl),
    ("export spacy", export_spacy),
    ("window", show_window),
]
