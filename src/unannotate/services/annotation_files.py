"""Importing and exporting annotations in the formats of other tools.

Every format module reads into and writes from the native document types; this service is
the one place that maps them onto the project: documents matched by the SHA-256 of their
text, annotations into the named annotator's layer, predictions into a suggestions layer,
reviewed spans into gold. A file is imported in one transaction: whole, or not at all.
"""

from __future__ import annotations

import inspect
import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..core.errors import InputError, UnannotateError
from ..core.language import guess_language
from ..core.model import CLAIM_LABEL, DocumentStatus, Label, LabelKind, LayerKind, SpanState
from ..formats import brat, conll, doccano, labelstudio, native, prodigy
from ..formats.atomic import atomic_write
from ..formats.interchange import FormatReport, FormatSpec, shortened
from ..formats.native import NativeDocument, NativeLayer, NativeSpan
from ..nlp import docbin
from ..storage import documents as document_store
from ..storage import layer_spans
from ..storage.database import Unit
from ..storage.events import add_event
from ..storage.labels import all_labels, label_ids, label_kinds
from ..storage.layers import annotators_with_layers
from .exporting import iter_native_documents
from .import_status import STATUSES as IMPORT_STATUSES
from .import_status import FileStatuses, reviews_done, with_status
from .project import Project

NEW_LABEL_COLOUR = "#d7ccc8"

# In the order detection tries them: the most specific first.
FORMATS: dict[str, FormatSpec] = {
    spec.name: spec
    for spec in (native.SPEC, prodigy.SPEC, labelstudio.SPEC, doccano.SPEC, brat.SPEC,
                 conll.SPEC, docbin.SPEC)
}
SUGGESTIONS = "suggestions"
GOLD = "gold"
LINE_FORMATS = ("jsonl", "prodigy", "doccano")
HEAD_BYTES = 64 * 1024
MAX_FIRST_LINE = 8 * 1024 * 1024


class InterchangeError(UnannotateError):
    """An import or export the program cannot do as asked: the message says what to give."""


def format_names() -> list[str]:
    return list(FORMATS)


def get_format(name: str) -> FormatSpec:
    try:
        return FORMATS[name]
    except KeyError:
        raise InterchangeError(
            f"unknown format {name!r}; known: {', '.join(FORMATS)}") from None


def detect_format(path: Path) -> FormatSpec | None:
    """The annotation format ``path`` looks like, or None (plain documents, or unknown)."""
    path = Path(path)
    if path.is_dir():
        if any(path.rglob("*.ann")):
            return FORMATS["brat"]
        if any(path.glob("*.spacy")):
            return FORMATS["spacy"]
        return None
    try:
        with path.open("rb") as handle:
            # The first line whole (a JSONL record's keys may follow a long text), within reason.
            head = handle.read(HEAD_BYTES)
            if b"\n" not in head:
                head += handle.readline(MAX_FIRST_LINE)
    except OSError as error:
        raise InputError(str(path), f"cannot be read: {error.strerror or error}") from None
    for spec in FORMATS.values():
        if spec.detect is not None and spec.detect(path, head):
            return spec
    return None


def _call(function: Callable[..., Any], *args: Any, options: dict[str, Any], fmt: str,
          direction: str) -> Any:
    """Call a reader or writer with the options it takes; refuse the others plainly."""
    accepted = inspect.signature(function).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
    unknown = [k for k in options if k not in accepted and not takes_any]
    if unknown:
        raise InterchangeError(
            f"{', '.join(sorted(unknown))} does not apply when {direction} {fmt}")
    return function(*args, **options)


# -- import --------------------------------------------------------------------------------


@dataclass
class AnnotationImportReport:
    path: str
    format: str
    documents_new: int = 0
    documents_matched: int = 0  # already in the project (same text)
    spans: dict[str, Counter[str]] = field(default_factory=dict)  # layer -> label -> count
    already_present: int = 0  # spans the layer held already (a repeated import)
    new_labels: list[str] = field(default_factory=list)
    read: FormatReport = field(default_factory=FormatReport)
    skipped: list[InputError] = field(default_factory=list)  # records passed over
    # With match_only: documents the project does not hold (title, SHA-256), left out.
    unmatched: list[tuple[str, str]] = field(default_factory=list)
    became_done: int = 0  # documents this import marked done for someone
    # Documents the file leaves in progress: an annotation rejected (Prodigy's "reject") or
    # not confirmed (doccano): their spans are kept, and they are no negative examples.
    in_progress: int = 0
    # Records whose status contradicts an earlier one of the same document and person:
    # "file:line: ..." each; the later record wins.
    status_conflicts: list[str] = field(default_factory=list)

    @property
    def total_spans(self) -> int:
        return sum(sum(c.values()) for c in self.spans.values())


@dataclass
class _Context:
    project: Project
    session: Unit
    report: AnnotationImportReport
    annotator: str | None
    rename: dict[str, str]  # a file's annotator name -> the name given with --annotator
    label_ids: dict[str, int]
    label_kinds: dict[str, str]
    layer_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    annotator_ids: dict[str, int] = field(default_factory=dict)
    statuses: FileStatuses = field(default_factory=FileStatuses)
    reviewed: list[int] = field(default_factory=list)  # documents whose review is done


def import_annotations(
    project: Project,
    path: str | Path,
    *,
    fmt: str | None = None,
    annotator: str | None = None,
    language: str | None = None,
    options: dict[str, Any] | None = None,
    skip_invalid: bool = False,
    on_documents: Callable[[int], None] | None = None,
    match_only: bool = False,
    status: str | None = None,
) -> AnnotationImportReport:
    """Import the documents and annotations of one file (or brat/DocBin folder).

    Annotations go to their annotator's layer: the name the file gives, or ``annotator``
    for annotations that name nobody (and when the file names exactly one person, it is
    renamed to ``annotator``). Predictions go to a suggestions layer named after the model,
    reviewed spans to the gold layer. Labels the project lacks are added to its scheme.
    With ``match_only`` (a colleague's work on the project's documents), only documents
    the project holds (same text, by SHA-256) are taken; the others are listed in the
    report's ``unmatched``, never added. All or nothing: on any error the project is
    unchanged.

    Each annotator's status of a document is what the file says (a finished format marks
    its documents done; see each reader), or ``status`` (``done`` or ``todo``) for every
    document of the file. A status only ever goes up: a document done before stays done."""
    path = Path(path)
    if status is not None and status not in IMPORT_STATUSES:
        raise InterchangeError(f"--status takes {' or '.join(IMPORT_STATUSES)}, not {status!r}")
    spec = get_format(fmt) if fmt else detect_format(path)
    if spec is None:
        raise InterchangeError(
            f"{path}: cannot tell its format; give --format ({', '.join(FORMATS)})")
    if spec.reader is None:
        raise InterchangeError(f"{spec.title} cannot be read")
    report = AnnotationImportReport(str(path), spec.name)
    try:
        documents = _read_all(spec, path, report, dict(options or {}), skip_invalid)
        store_documents(project, documents, report, annotator=annotator, language=language,
                        on_documents=on_documents, match_only=match_only, status=status)
    except InputError as error:
        raise shortened(error) from None
    return report


def store_documents(project: Project, documents: list[NativeDocument],
                    report: AnnotationImportReport, *, annotator: str | None = None,
                    language: str | None = None,
                    on_documents: Callable[[int], None] | None = None,
                    match_only: bool = False, status: str | None = None) -> None:
    """Store documents read from elsewhere, in one transaction (see import_annotations)."""
    path = report.path
    spec = FORMATS.get(report.format)
    title = spec.title if spec is not None else report.format
    if match_only:
        wanted = sorted({d.sha256 for d in documents})
        with project.db.read() as session:
            held = document_store.known_hashes(session, wanted)
        report.unmatched = [(d.title, d.sha256) for d in documents if d.sha256 not in held]
        documents = [d for d in documents if d.sha256 in held]
        if not documents:
            raise InputError(path, "none of its documents is in this project (documents "
                             "are matched by their exact text)")
    with project.db.session() as session:
        context = _Context(project, session, report, annotator, {}, label_ids(session),
                           label_kinds(session))
        first = _check_annotators(with_status(documents, status), context)
        count = 0
        for document in first:
            _store_document(context, document, language)
            count += 1
            if on_documents and count % 100 == 0:
                on_documents(100)
        if on_documents and count % 100:
            on_documents(count % 100)
        if count == 0:
            raise InputError(str(path), f"holds no documents ({title})")
        report.became_done, report.in_progress = context.statuses.store(session)
        reviews_done(session, context.reviewed)
        report.status_conflicts = context.statuses.conflicts
        add_event(
            session, "import",
            annotator_id=_annotator_id(context, annotator) if annotator else None,
            after={
                "source": str(path), "format": report.format,
                "new": report.documents_new, "matched": report.documents_matched,
                "spans": {layer: dict(c) for layer, c in report.spans.items()},
                "dropped": len(report.read.dropped), "skipped": len(report.skipped),
                "unmatched": len(report.unmatched), "done": report.became_done,
            },
        )


def _read_all(spec: FormatSpec, path: Path, report: AnnotationImportReport,
              options: dict[str, Any], skip_invalid: bool) -> list[NativeDocument]:
    """Every record of the file, read before anything is written: a bad record fails the
    file (or, with ``skip_invalid`` and a format of one record a line, is passed over and
    counted in ``report.skipped``)."""
    assert spec.reader is not None
    if not skip_invalid:
        return list(_call(spec.reader, path, report.read, options=options, fmt=spec.title,
                          direction="reading"))
    if spec.name not in LINE_FORMATS or path.is_dir():
        raise InterchangeError(f"--skip-invalid needs a format of one record a line "
                               f"({', '.join(LINE_FORMATS)}); {spec.title} is read whole")
    lines = path.read_bytes().split(b"\n")
    if not _one_object_a_line(lines):
        raise InterchangeError(f"{path}: --skip-invalid needs one record a line, and this file "
                               "spreads a record over several lines")
    with tempfile.TemporaryDirectory(prefix="unannotate-") as folder:
        copy = Path(folder) / path.name
        while True:
            copy.write_bytes(b"\n".join(lines))
            report.read = FormatReport()
            try:
                return list(_call(spec.reader, copy, report.read, options=options,
                                  fmt=spec.title, direction="reading"))
            except InputError as error:
                if error.line is None or not 1 <= error.line <= len(lines) \
                        or not lines[error.line - 1].strip():
                    raise InputError(str(path), error.reason, error.line) from None
                # A blank line in its place: the reader skips it, later line numbers hold.
                lines[error.line - 1] = b""
                report.skipped.append(shortened(InputError(str(path), error.reason, error.line)))


def _one_object_a_line(lines: list[bytes]) -> bool:
    first = next((line for line in lines if line.strip()), b"")
    try:
        return isinstance(json.loads(first), dict)
    except (ValueError, RecursionError):  # the reader says what is wrong with it
        return False


def _check_annotators(documents: list[NativeDocument], context: _Context
                      ) -> list[NativeDocument]:
    """Whose layers the annotations go to, known before anything is written."""
    named = {layer.annotator for d in documents for layer in d.layers
             if layer.kind == LayerKind.ANNOTATOR.value and layer.annotator}
    if any(not isinstance(name, str) or not name.strip() for name in named):
        raise InputError(context.report.path, "an annotator's name is empty or not text")
    unnamed = any(layer.kind == LayerKind.ANNOTATOR.value and not layer.annotator
                  for d in documents for layer in d.layers)
    if context.annotator:
        if len(named) == 1 and not unnamed:
            context.rename[next(iter(named))] = context.annotator
    elif unnamed:
        raise InterchangeError(
            f"{context.report.path}: the file does not say whose annotations these are; "
            "give --annotator NAME")
    return documents


def _annotator_id(context: _Context, name: str) -> int:
    found = context.annotator_ids.get(name)
    if found is None:
        found = context.annotator_ids[name] = Project.annotator_id(context.session, name)
    return found


def _layer_for(context: _Context, layer: NativeLayer) -> tuple[int, str, int | None]:
    """The project layer receiving ``layer``: (layer id, its name, annotator id or None)."""
    if layer.kind == LayerKind.SUGGESTIONS.value:
        name = layer.suggester or layer.name or "imported"
        key = ("s", name)
        if key not in context.layer_ids:
            context.layer_ids[key] = Project.layer_id(
                context.session, name, LayerKind.SUGGESTIONS, suggester=name,
                pipeline=layer.pipeline, pipeline_version=layer.pipeline_version)
        return context.layer_ids[key], name, None
    if layer.kind == LayerKind.GOLD.value:
        key = ("g", GOLD)
        if key not in context.layer_ids:
            context.layer_ids[key] = Project.layer_id(context.session, GOLD, LayerKind.GOLD)
        return context.layer_ids[key], GOLD, None
    person = layer.annotator or context.annotator
    assert person, "checked by _collect_names"
    person = context.rename.get(person, person)
    key = ("a", person)
    if key not in context.layer_ids:
        context.layer_ids[key] = context.project.annotator_layer_id(context.session, person)
    return context.layer_ids[key], f"annotator:{person}", _annotator_id(context, person)


def _document_id(context: _Context, document: NativeDocument, language: str | None
                 ) -> tuple[int, bool]:
    """The document's id in the project, and whether it is new (stored just now)."""
    sha = document.sha256
    found = document_store.document_id(context.session, sha)
    if found is not None:
        context.report.documents_matched += 1
        return found, False
    new_id = document_store.add_document(
        context.session,
        sha256=sha, text=document.text, title=(document.title or "")[:500],
        meta=document.meta or {}, source=document.source or context.report.path,
        language=language or (document.language if document.language else None)
        or guess_language(document.text),
    )
    context.report.documents_new += 1
    return new_id, True


def _label_id(context: _Context, label: str, claim: bool) -> int:
    found = context.label_ids.get(label)
    if found is not None:
        return found
    kind = LabelKind.CLAIM if claim or label == CLAIM_LABEL else LabelKind.ENTITY
    context.report.new_labels.extend(context.project.ensure_labels(
        context.session, [Label(label, kind, NEW_LABEL_COLOUR)]))
    context.label_ids = label_ids(context.session)
    return context.label_ids[label]


def _store_document(context: _Context, document: NativeDocument, language: str | None) -> None:
    session = context.session
    doc_id, new = _document_id(context, document, language)
    # Suggestions first, so that decisions on them can point at them.
    ordered = sorted(document.layers, key=lambda la: la.kind != LayerKind.SUGGESTIONS.value)
    suggestion_ids: dict[tuple[str, int, int, str], int] = {}
    stamp = datetime.now(UTC)
    known: dict[int, dict[tuple[int, int, int], str]] = {}
    for layer in ordered:
        layer_id, layer_name, annotator_id = _layer_for(context, layer)
        # The layer's spans of the document, as stored and as added here. A document stored
        # just now has none yet (read twice in a file, it is matched the second time).
        existing = known.get(layer_id)
        if existing is None:
            existing = known[layer_id] = (
                {} if new else layer_spans.span_states(session, layer_id, doc_id))
        suggestions = layer.kind == LayerKind.SUGGESTIONS.value
        rows = []
        counts = context.report.spans.setdefault(layer_name, Counter())
        for claim, spans in ((False, layer.entities), (True, layer.claims)):
            for span in spans:
                label_id = _label_id(context, span.label, claim)
                key = (span.start, span.end, label_id)
                if key in existing:
                    context.report.already_present += 1
                    continue
                existing[key] = span.state
                state = SpanState.SUGGESTED.value if suggestions else (
                    SpanState.REJECTED.value if span.state == SpanState.REJECTED.value
                    else SpanState.ACCEPTED.value)
                source_id = _source_of(context, span, doc_id, suggestion_ids)
                rows.append((layer_id, doc_id, span.start, span.end, label_id, state,
                             span.score, span.reason or "", source_id, 1))
                counts[span.label] += 1
        layer_spans.add_spans(session, rows, stamp)
        if suggestions:
            for span_id, start, end, label_id in layer_spans.span_places(
                    session, layer_id, doc_id):
                suggestion_ids[(layer.name, start, end, str(label_id))] = span_id
        elif annotator_id is not None and layer.status:
            person = layer_name.removeprefix("annotator:")
            context.statuses.note(doc_id, annotator_id, person, layer, document)
        elif layer.kind == LayerKind.GOLD.value and layer.status == DocumentStatus.DONE.value:
            context.reviewed.append(doc_id)


def _source_of(context: _Context, span: NativeSpan, doc_id: int,
               suggestion_ids: dict[tuple[str, int, int, str], int]) -> int | None:
    """The suggestion a decision in the file was made on, when the file says so."""
    if not span.source or "layer" not in span.source:
        return None
    label_id = context.label_ids.get(span.label)
    return suggestion_ids.get((str(span.source["layer"]), span.start, span.end, str(label_id)))


# -- export --------------------------------------------------------------------------------


@dataclass
class AnnotationExportReport:
    format: str
    layer: str
    written: FormatReport = field(default_factory=FormatReport)
    skipped_not_done: int = 0  # with only_done
    done: int = 0  # documents written that are marked done
    done_without_spans: int = 0  # of those, how many have no span: negative examples
    untouched_left_out: int = 0  # not done and without spans: not written
    untouched_written: int = 0  # the same, written as "not annotated" (include_untouched)
    rejections: int = 0  # rejected spans in the documents written
    keeps_rejections: bool = False  # whether the format wrote them (as negatives)


def layer_choices(project: Project) -> list[str]:
    """What ``--layer`` takes in this project: suggestions, gold, and each annotator."""
    with project.db.read() as session:
        annotators = annotators_with_layers(session)
    return [SUGGESTIONS, GOLD, *annotators]


def _pick_layer(document: NativeDocument, layer: str) -> NativeLayer | None:
    """The one layer of ``document`` being exported (all suggestion layers merged)."""
    if layer == SUGGESTIONS:
        chosen = [la for la in document.layers if la.kind == LayerKind.SUGGESTIONS.value]
        if not chosen:
            return None
        merged = NativeLayer(name=SUGGESTIONS, kind=LayerKind.SUGGESTIONS.value,
                             suggester=chosen[0].suggester if len(chosen) == 1 else None)
        for la in chosen:
            merged.entities.extend(la.entities)
            merged.claims.extend(la.claims)
        merged.entities.sort(key=lambda s: (s.start, s.end))
        merged.claims.sort(key=lambda s: (s.start, s.end))
        return merged
    kind = LayerKind.GOLD.value if layer == GOLD else LayerKind.ANNOTATOR.value
    for la in document.layers:
        # An annotator's rejections go along: the formats that hold decisions write them as
        # negatives, the others report them.
        if la.kind == kind and (kind == LayerKind.GOLD.value or la.annotator == layer):
            if kind == LayerKind.GOLD.value:
                # Gold's suggested spans are a reviewer's notes on open places, not spans.
                la.entities = [s for s in la.entities if s.state != SpanState.SUGGESTED.value]
                la.claims = [s for s in la.claims if s.state != SpanState.SUGGESTED.value]
            return la
    return None


def _empty_layer(layer: str) -> NativeLayer:
    """The layer ``layer`` of a document where it has no span and no status."""
    if layer == SUGGESTIONS:
        return NativeLayer(name=SUGGESTIONS, kind=LayerKind.SUGGESTIONS.value)
    if layer == GOLD:
        return NativeLayer(name=GOLD, kind=LayerKind.GOLD.value)
    return NativeLayer(name=f"annotator:{layer}", kind=LayerKind.ANNOTATOR.value,
                       annotator=layer, status=DocumentStatus.TODO.value)


def _is_done(document: NativeDocument, picked: NativeLayer | None, layer: str,
             reviewed: set[str]) -> bool:
    """Whether the layer is finished in the document: an annotator's when they marked it
    done; gold when its review is done (``reviewed``: SHA-256s), or it has gold spans and an
    annotator marked it done; suggestions when they are there and an annotator marked the
    document done (a suggester that found nothing leaves no trace to tell "nothing here")."""
    if layer not in (SUGGESTIONS, GOLD):
        return picked is not None and picked.status == DocumentStatus.DONE.value
    if layer == GOLD and reviewed and document.sha256 in reviewed:
        return True
    return picked is not None and any(
        la.status == DocumentStatus.DONE.value for la in document.layers
        if la.kind == LayerKind.ANNOTATOR.value)


def iter_layer_documents(project: Project, session: Unit, layer: str, *,
                         only_done: bool = False, include_untouched: bool = False,
                         keeps_rejections: bool = False,
                         report: AnnotationExportReport | None = None
                         ) -> Iterator[NativeDocument]:
    """The layer's documents, each carrying only that layer (its ``status`` set: ``done``
    or not), streamed: every document marked done, with or without spans (a negative
    example), every other one with spans (or, when the format keeps them, rejections), and
    with ``include_untouched`` the rest too. ``report`` counts each kind."""
    report = report if report is not None else AnnotationExportReport("", layer)
    reviewed = document_store.reviewed_hashes(session) if layer == GOLD else set()
    for document in iter_native_documents(project, session):
        picked = _pick_layer(document, layer)
        done = _is_done(document, picked, layer, reviewed)
        if only_done and not done:
            report.skipped_not_done += 1 if picked is not None else 0
            continue
        if picked is None:
            picked = _empty_layer(layer)
        spans = (*picked.entities, *picked.claims)
        rejections = sum(1 for s in spans if s.state == SpanState.REJECTED.value)
        annotated = len(spans) > rejections
        picked.status = DocumentStatus.DONE.value if done else (
            picked.status if picked.status not in (None, DocumentStatus.DONE.value)
            else DocumentStatus.TODO.value)
        if done:
            report.done += 1
            report.done_without_spans += not annotated
        elif not annotated and not (rejections and keeps_rejections):
            if not include_untouched:
                report.untouched_left_out += 1
                continue
            report.untouched_written += 1
        report.rejections += rejections
        document.layers = [picked]
        yield document


def export_annotations(project: Project, out: str | Path, *, fmt: str, layer: str | None,
                       only_done: bool = False, include_untouched: bool = False,
                       options: dict[str, Any] | None = None) -> list[AnnotationExportReport]:
    """Write ``layer`` (``suggestions``, ``gold`` or an annotator's name) in format ``fmt``.

    Every document marked done is written, with or without spans (one without is a negative
    example), and every other document with spans; documents not done and without spans
    only with ``include_untouched`` (see :func:`iter_layer_documents`).

    Without a layer: the native format writes every layer; doccano writes one file per
    annotator into the folder ``out``, as doccano does; other formats need one."""
    spec = get_format(fmt)
    if spec.writer is None:
        raise InterchangeError(f"{spec.title} cannot be written")
    out = Path(out)
    choices = layer_choices(project)
    if layer is not None and layer not in choices:
        raise InterchangeError(
            f"no layer {layer!r} in this project; --layer takes: {', '.join(choices)}")
    if layer is None and spec.name == "doccano":
        annotators = choices[2:]
        if not annotators:
            raise InterchangeError("no annotator has annotations to export")
        out.mkdir(parents=True, exist_ok=True)
        return [_export_one(project, out / f"{file}.jsonl", spec, name, only_done,
                            include_untouched, options)
                for name, file in zip(annotators, _file_names(annotators), strict=True)]
    if layer is None and spec.name != "jsonl":
        annotators = choices[2:]
        if len(annotators) != 1:
            raise InterchangeError(
                f"say which layer to export with --layer: {', '.join(choices)}")
        layer = annotators[0]
    return [_export_one(project, out, spec, layer, only_done, include_untouched, options)]


def _file_name(name: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._")
    return safe or "annotator"


def _file_names(names: list[str]) -> list[str]:
    """A file name for each person, safe (no folder, no "..") and unique without regard to
    case: "a/b" and "a_b" would both be "a_b", and one export would overwrite the other."""
    taken: set[str] = set()
    files = []
    for name in names:
        file = candidate = _file_name(name)
        number = 2
        while candidate.casefold() in taken:
            candidate, number = f"{file}-{number}", number + 1
        taken.add(candidate.casefold())
        files.append(candidate)
    return files


def _export_one(project: Project, out: Path, spec: FormatSpec, layer: str | None,
                only_done: bool, include_untouched: bool,
                options: dict[str, Any] | None) -> AnnotationExportReport:
    report = AnnotationExportReport(spec.name, layer or "all",
                                    keeps_rejections=spec.keeps_rejections)
    with project.db.read() as session:
        if layer is None:  # native, every layer
            documents: Iterable[NativeDocument] = iter_native_documents(project, session)
        else:
            documents = iter_layer_documents(project, session, layer, only_done=only_done,
                                             include_untouched=include_untouched,
                                             keeps_rejections=spec.keeps_rejections,
                                             report=report)
        _call(spec.writer, documents, out, report.written, options=dict(options or {}),
              fmt=spec.title, direction="writing")
        if spec.name == "label-studio":
            labels = [label.name for label in all_labels(session)]
            config = out.with_name(out.stem + ".config.xml")
            with atomic_write(config) as handle:
                handle.write(labelstudio.labeling_config(labels))
            report.written.files.append(str(config))
    return report
