"""The command line's commands that bring documents and annotations in and write them out:
``import``, ``export``, ``bring-in`` and ``merge``. Thin over the services."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from .cli import ProjectOption, app, fail
from .cli_output import counted, file_error
from .cli_output import names as option_names
from .core.errors import UnannotateError

FORMAT_HELP = "jsonl, prodigy, doccano, label-studio, brat, conll, spacy"


def _language_code(value: str | None) -> str | None:
    """``--language``: a code such as kk, zh or zh-Hans, not a name."""
    if value is not None and not re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*", value):
        raise typer.BadParameter(
            f"{value!r} is not a language code (two or three letters, such as kk, zh or zh-Hans)"
        )
    return value


@app.command("import")
def import_command(
    paths: Annotated[list[Path], typer.Argument(
        help="Files or folders: documents (.txt .md .html .pdf .docx .jsonl) or annotations "
        f"({FORMAT_HELP})")],
    project: ProjectOption = None,
    annotator: Annotated[str | None, typer.Option(
        help="Whose annotations the file holds (when it does not say), or who is importing.")
    ] = None,
    format: Annotated[str | None, typer.Option(
        "--format", "-f", help=f"Annotation format ({FORMAT_HELP}); default: detected.")
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="Language code of the documents (default: guessed).",
                                 callback=_language_code)
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid",
                           help="Pass over bad records of a JSONL file and count them.")
    ] = False,
    status: Annotated[str | None, typer.Option(
        "--status", help="Annotations: mark every document of the file done, or leave them to "
        "do (default: as the file says; finished formats mark their documents done).")
    ] = None,
) -> None:
    """Import documents, or annotations written by this or another tool. The exact text is
    stored; a text already there is not stored twice; each file is imported whole or not at all."""
    from .services.annotation_files import IMPORT_STATUSES, detect_format

    if status is not None and status not in IMPORT_STATUSES:
        fail(f"--status takes {' or '.join(IMPORT_STATUSES)}, not {status!r}")
    annotated: list[Path] = []
    plain: list[Path] = []
    try:
        for path in paths:
            if format is not None or (path.exists() and detect_format(path) is not None):
                annotated.append(path)
            else:
                plain.append(path)
    except UnannotateError as error:
        fail(str(error))
    failed = False
    if plain:
        failed |= not _import_documents(plain, project, annotator, language, skip_invalid)
    for path in annotated:
        failed |= not _import_annotations(path, project, annotator, language, format,
                                          skip_invalid, status)
    _index_for_find(project)
    if failed:
        raise typer.Exit(1)


def _index_for_find(project: str | None) -> None:
    """The documents just imported into the full-text index (after the import: a search
    until then reads them, so nothing is missed)."""
    import time

    from .services.find import bring_index_up_to_date
    from .services.project import open_project

    start = time.perf_counter()
    try:
        with open_project(project, create=False) as opened:
            added = bring_index_up_to_date(opened)
    except UnannotateError:
        return  # the import said what went wrong; searches read what is not indexed
    if added:
        typer.echo(f"  {added} documents indexed for finding "
                   f"({time.perf_counter() - start:.1f} s)")


def _import_annotations(path: Path, project: str | None, annotator: str | None,
                        language: str | None, format: str | None, skip_invalid: bool,
                        status: str | None = None) -> bool:
    from .services.annotation_files import import_annotations
    from .services.project import open_project

    with open_project(project) as opened:
        try:
            report = import_annotations(opened, path, fmt=format, annotator=annotator,
                                        language=language, skip_invalid=skip_invalid,
                                        status=status)
        except UnannotateError as error:
            typer.echo(f"rejected {error}", err=True)
            return False
    _print_format_report(report.read, "read")
    for error in report.skipped[:50]:
        typer.echo(f"skipped {error}", err=True)
    typer.echo(f"{path} ({report.format}): {report.documents_new} new documents, "
               f"{report.documents_matched} already in the project"
               + (f", {len(report.skipped)} records skipped" if report.skipped else ""))
    for layer, counts in sorted(report.spans.items()):
        detail = ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))
        typer.echo(f"  {layer}: {sum(counts.values())} spans" + (f" ({detail})" if detail else ""))
    if report.already_present:
        typer.echo(f"  {report.already_present} spans were there already and were not added again")
    if report.new_labels:
        typer.echo(f"  labels added to the scheme: {', '.join(report.new_labels)}")
    typer.echo(f"  {report.became_done} documents marked done"
               + (f", {report.in_progress} left in progress (annotation rejected or not "
                  "confirmed)" if report.in_progress else ""))
    for conflict in report.status_conflicts[:50]:
        typer.echo(f"status {conflict}", err=True)
    if len(report.status_conflicts) > 50:
        typer.echo(f"status: {len(report.status_conflicts) - 50} more records contradict an "
                   "earlier one", err=True)
    return True


def _print_format_report(report, verb: str) -> None:  # type: ignore[no-untyped-def]
    """What a format could not keep, grouped by reason, with a few examples each."""
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)
    by_reason: dict[str, list[str]] = {}
    for dropped in report.dropped:
        by_reason.setdefault(dropped.why, []).append(f"{dropped.where}: {dropped.what}")
    for why, items in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        typer.echo(f"not {verb}: {len(items)} × {why}", err=True)
        for item in items[:3]:
            typer.echo(f"    {item}", err=True)
        if len(items) > 3:
            typer.echo(f"    ... and {len(items) - 3} more", err=True)


def _import_documents(paths: list[Path], project: str | None, annotator: str | None,
                      language: str | None, skip_invalid: bool) -> bool:
    from tqdm import tqdm

    from .services.importing import import_paths, list_files
    from .services.project import open_project

    files = list_files(paths)
    readable = sum(1 for f in files if isinstance(f, Path))
    with open_project(project) as opened, tqdm(
        total=readable, unit="file", desc="importing", disable=None if readable > 1 else True,
        file=sys.stderr,
    ) as bar:
        report = import_paths(
            opened, paths, annotator=annotator, language=language, skip_invalid=skip_invalid,
            on_file=lambda _path: bar.update(1), files=files,
        )
    for error in report.rejected:
        typer.echo(f"rejected {error}", err=True)
    for error in report.skipped[:50]:
        typer.echo(f"skipped {error}", err=True)
    if len(report.skipped) > 50:
        typer.echo(f"... and {len(report.skipped) - 50} more skipped records", err=True)
    typer.echo(
        f"{report.new} new, {report.duplicates} duplicates, {len(report.rejected)} rejected"
        + (f", {len(report.skipped)} records skipped" if report.skipped else "")
        + f" (project: {opened.location})"
    )
    return not (report.new == 0 and report.duplicates == 0)



@app.command("bring-in")
def bring_in_command(
    path: Annotated[Path, typer.Argument(help="A colleague's project file, or an export in "
                                         "any format import reads.", show_default=False)],
    project: ProjectOption = None,
    annotators: Annotated[list[str] | None, typer.Option(
        "--annotators", "-a", metavar="NAME[,NAME...]",
        help="From a project file: only these people's layers (default: everyone's).",
        show_default=False)] = None,
    rename: Annotated[str | None, typer.Option(
        "--as", help="The layer's name here (one person's work; needed for an export that "
        "names nobody).", show_default=False)] = None,
    format: Annotated[str | None, typer.Option(  # noqa: A002 (the option's name)
        "--format", "-f", help=f"Format of an export: {FORMAT_HELP} (default: detected).",
        show_default=False)] = None,
) -> None:
    """Bring in a colleague's work to review it: their annotations become their layer here,
    on the documents this project holds (matched by their exact text). Their file is only
    read. Documents that do not match are listed, never added."""
    from .services.colleague import bring_in
    from .services.project import open_project

    names = option_names(annotators)
    with open_project(project, create=False) as opened:
        try:
            report = bring_in(opened, path, annotators=names or None, rename=rename, fmt=format)
        except UnannotateError as error:
            fail(str(error))
    for layer, counts in sorted(report.spans.items()):
        detail = ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))
        typer.echo(f"{layer}: {sum(counts.values())} spans ({detail or 'none'})")
    typer.echo(f"{report.documents_matched} documents matched; "
               f"{report.already_present} spans were here already")
    if report.new_labels:
        typer.echo(f"new labels: {', '.join(report.new_labels)}")
    if report.unmatched:
        typer.echo(f"{len(report.unmatched)} of their documents are not in this project "
                   "(matched by exact text), left out:")
        for title, sha in report.unmatched[:20]:
            typer.echo(f"  {title or '(untitled)'}  sha256 {sha[:16]}")
        if len(report.unmatched) > 20:
            typer.echo(f"  ... and {len(report.unmatched) - 20} more")


@app.command("merge")
def merge_command(
    path: Annotated[Path, typer.Argument(help="A colleague's project file.",
                                         show_default=False)],
    project: ProjectOption = None,
) -> None:
    """Merge a colleague's whole project into this one: their documents (new ones added,
    the others matched by their exact text), every layer as theirs, statuses, labels and
    history. Their file is only read. Merging the same file again changes nothing."""
    from .services.merge import merge_project
    from .services.project import open_project

    with open_project(project, create=False) as opened:
        try:
            report = merge_project(opened, path)
        except UnannotateError as error:
            fail(str(error))
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)
    if not report.changed:
        typer.echo(f"{path}: nothing new, this project holds all of it already "
                   f"({report.documents_matched} documents, {report.spans_present} spans, "
                   f"{report.events_present} events)")
        return
    typer.echo(f"{path}: {report.documents_new} new documents, {report.documents_matched} "
               "already in the project (matched by exact text)")
    for layer, counts in sorted(report.spans.items()):
        detail = ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))
        typer.echo(f"  {layer}: {sum(counts.values())} spans added ({detail})")
    typer.echo(f"  {report.spans_present} spans were here already; "
               f"{report.events_added} events added, {report.events_present} were here already")
    if report.spans_updated or report.spans_removed:
        typer.echo(f"  spans both projects hold from before: {report.spans_updated} changed "
                   f"there since (taken), {report.spans_removed} removed there since (removed)")
    if report.statuses_changed:
        typer.echo(f"  {report.statuses_changed} statuses taken from theirs (further along)")
    if report.layers_added:
        typer.echo(f"  layers added: {', '.join(report.layers_added)}")
    if report.labels_added:
        typer.echo(f"  labels added to the scheme: {', '.join(report.labels_added)}")


@app.command()
def export(
    out: Annotated[Path, typer.Option(
        "--output", "-o", help="File to write (a folder for brat, for doccano without --layer, "
        "and for spacy with --dev-fraction).")],
    project: ProjectOption = None,
    format: Annotated[str, typer.Option("--format", "-f", help=f"{FORMAT_HELP}.")] = "jsonl",
    layer: Annotated[str | None, typer.Option(
        help="suggestions, gold, or an annotator's name (default: every layer for jsonl; the "
        "only annotator otherwise; doccano: one file per annotator).")] = None,
    only_done: Annotated[bool, typer.Option(
        "--only-done", help="Only documents marked done (by the layer's annotator).")] = False,
    include_untouched: Annotated[bool, typer.Option(
        "--include-untouched", help="Also documents not done and without spans, written as "
        "not annotated (spacy: missing entity tags).")] = False,
    dev_fraction: Annotated[float | None, typer.Option(
        help="spacy: share of documents for dev.spacy (split by document, seeded).")] = None,
    seed: Annotated[int | None, typer.Option(help="spacy: seed of the train/dev split.")] = None,
    scheme: Annotated[str | None, typer.Option(help="conll: iob2 (default), iob1, bioes, bilou.")
                      ] = None,
    allow_overlapping: Annotated[bool, typer.Option(
        "--allow-overlapping", help="doccano: write overlapping spans (the project allows them).")
    ] = False,
) -> None:
    """Export annotations (native JSONL, see docs/formats.md, or another tool's format)."""
    from .services.annotation_files import export_annotations
    from .services.project import open_project

    options: dict[str, object] = {}
    for name, value in (("dev_fraction", dev_fraction), ("seed", seed), ("scheme", scheme)):
        if value is not None:
            options[name] = value
    if allow_overlapping:
        options["allow_overlapping"] = True
    with open_project(project, create=False, read_only=True) as opened:  # only reads
        try:
            reports = export_annotations(opened, out, fmt=format, layer=layer,
                                         only_done=only_done,
                                         include_untouched=include_untouched, options=options)
        except (UnannotateError, ValueError) as error:
            fail(str(error))
        except OSError as error:  # a read-only place, a full disk: one line, no traceback
            fail(file_error(error, out))
        gold_open = _open_in_gold(opened) if layer == "gold" else ""
    for report in reports:
        written = report.written
        _print_format_report(written, "written")
        per_label = ", ".join(f"{label} {n}" for label, n in sorted(written.spans.items()))
        files = written.files
        where = ", ".join(files) if len(files) <= 3 else f"{out} ({len(files)} files)"
        typer.echo(f"wrote {written.documents} documents ({report.layer}) to {where}"
                   + (f" ({per_label})" if per_label else ""))
        if report.layer != "all":
            typer.echo(f"  {report.done} marked done, {report.done_without_spans} of them "
                       "without spans (written as negative examples)")
        counted(
            (report.skipped_not_done, "documents not marked done were left out"),
            (report.untouched_left_out, "documents not done and without spans were left out "
             "(--include-untouched writes them)"),
            (report.untouched_written, "documents not done and without spans written as not "
             "annotated"),
            (report.rejections if report.keeps_rejections else 0,
             "rejected spans written as negatives"))
        if gold_open:
            typer.echo(gold_open)


def _open_in_gold(project: object) -> str:
    """Gold written where the annotators' disagreements are not all settled: the line that
    says so ("" when all are)."""
    from .services.colleague_review import open_in_gold

    found = open_in_gold(project)  # type: ignore[arg-type]
    if not found.documents:
        return ""
    return (f"  warning: {len(found.documents)} documents in gold have {found.places} "
            f"disagreements between {', '.join(found.annotators)} not settled in gold "
            "(written as far as they are settled; settle them with `unannotate review`): "
            + ", ".join(f"document {doc} ({open_} of {total} open)"
                        for doc, (open_, total) in sorted(found.documents.items())[:10])
            + (" …" if len(found.documents) > 10 else ""))

