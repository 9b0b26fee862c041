"""The command line: thin commands over the services."""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from . import __version__
from .core.errors import UnannotateError


class _Commands(TyperGroup):
    """The commands. A problem the program explains (an ``UnannotateError``) ends a command
    with one line, ``error: ...``, and status 1, however the commands are called (the
    installed program, ``python -m unannotate``, or a test's ``CliRunner``)."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UnannotateError as error:
            fail(str(error))


app = typer.Typer(
    name="unannotate",
    cls=_Commands,
    help="Review entity and claim suggestions in documents; every decision is kept.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

ProjectOption = Annotated[
    str | None,
    typer.Option(
        "--project", "-p",
        help="Project file or database URL (default: $UNANNOTATE_PROJECT, else a file in "
        "your user data folder).",
        show_default=False,
    ),
]


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"unannotate {__version__}")
        raise typer.Exit()


def _self_test(value: bool) -> None:
    if value:
        from .selftest import run_self_test

        raise typer.Exit(0 if run_self_test(typer.echo) else 1)


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    project: ProjectOption = None,
    annotator: Annotated[str | None, typer.Option(help="Your name as a reviewer.")] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    self_test: Annotated[bool, typer.Option(
        "--self-test", callback=_self_test, is_eager=True,
        help="Check that this installation works, on a temporary project made from the sample "
        "documents (offscreen; your settings and projects are not touched).")] = False,
) -> None:
    """With no command: open the review window on the project."""
    if ctx.invoked_subcommand is not None:
        return
    from .qt.app import open_for_window, run, use_password_dialog

    use_password_dialog()  # a team server's password is asked in a dialog
    opened = open_for_window(project)  # a mistyped --project is not made unasked
    raise typer.Exit(run(opened, annotator))


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
        bool, typer.Option("--skip-invalid", help="Pass over bad records of a JSONL file and count them.")
    ] = False,
    status: Annotated[str | None, typer.Option(
        "--status", help="Annotations: mark every document of the file done, or leave them to "
        "do (default: as the file says; finished formats mark their documents done).")
    ] = None,
) -> None:
    """Import documents, or annotations written by this or another tool. The exact text is
    stored; a text already there is not stored twice; each file is imported whole or not at all."""
    from .services.interchange import IMPORT_STATUSES, detect_format

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
    from .services.interchange import import_annotations
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


@app.command()
def stats(
    project: ProjectOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Documents, progress per annotator, spans per label and layer."""
    from .services.project import open_project
    from .services.learning_stats import suggestion_outcomes
    from .services.stats import project_stats

    with open_project(project, create=False, read_only=True) as opened:  # only reads
        result = project_stats(opened)
        outcomes = suggestion_outcomes(opened)
    if as_json:
        typer.echo(json.dumps({**result.to_dict(), "suggestion_outcomes": outcomes.to_dict()},
                              ensure_ascii=False))
    else:
        _print_stats(result)
        _print_outcomes(outcomes)


def _print_outcomes(outcomes) -> None:  # type: ignore[no-untyped-def]
    totals = outcomes.totals()
    if not totals:
        return
    typer.echo("suggestions decided (accepted / corrected / rejected):")
    for (suggester, label), counts in totals.items():
        typer.echo(f"  {suggester} {label}: {counts['accepted']} / {counts['corrected']} / "
                   f"{counts['rejected']}")
    typer.echo("by day:")
    for day, counts in outcomes.by_day():
        typer.echo(f"  {day}: {counts['accepted']} / {counts['corrected']} / "
                   f"{counts['rejected']}")


def _print_stats(result) -> None:  # type: ignore[no-untyped-def]
    typer.echo(f"project: {result.project}")
    languages = ", ".join(f"{k} {v}" for k, v in sorted(result.languages.items()))
    typer.echo(f"documents: {result.documents} ({result.characters:,} characters; {languages or '-'})")
    if result.annotators:
        typer.echo("annotators:")
        for a in result.annotators:
            typer.echo(f"  {a.annotator}: {a.done} done, {a.in_progress} in progress, {a.todo} to do")
    if result.layers:
        typer.echo("layers:")
        for layer in result.layers:
            typer.echo(f"  {layer.layer} ({layer.kind}): {layer.total} spans")
            for label, states in sorted(layer.labels.items()):
                detail = ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
                typer.echo(f"    {label}: {detail}")


@app.command()
def agreement(
    annotators: Annotated[list[str], typer.Option(
        "--annotators", "-a", metavar="NAME[,NAME...]",
        help="The annotators to compare, two or more: names separated by commas (--annotators "
        "ana,ben,cy), or the option repeated (-a ana -a ben).", show_default=False)],
    project: ProjectOption = None,
    suggestions: Annotated[bool, typer.Option(
        "--suggestions", help="Compare the suggestions too (every suggestions layer "
        "together), as one more annotator called 'suggestions'.")] = False,
    suggestions_layer: Annotated[str | None, typer.Option(
        "--suggestions-layer", metavar="LAYER", help="Compare one suggestions layer (its name, "
        "or its suggester's) as one more annotator.")] = None,
    only_done: Annotated[bool, typer.Option(
        "--only-done", help="Only documents every annotator compared has marked done.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the report to this file instead of the terminal: .csv, "
        ".json or .html (a self-contained page with a chart); one line says where.",
        show_default=False)] = None,
) -> None:
    """Agreement between annotators: span F1 (exact and overlap), Cohen's kappa on tokens and
    on claim sentences, Krippendorff's alpha; per label, per pair, and the documents where
    they differ most. Compared: the documents any of them has worked on."""
    from .services.agreement import SUGGESTIONS, project_agreement
    from .services.project import open_project

    names = [name.strip() for value in annotators for name in value.split(",") if name.strip()]
    layer = suggestions_layer or (SUGGESTIONS if suggestions else None)
    with open_project(project, create=False, read_only=True) as opened:  # only reads
        try:
            report = project_agreement(opened, names, include_suggestions=layer,
                                       only_done=only_done)
        except UnannotateError as error:
            fail(str(error))
        location = opened.location
    if output is not None:
        from .services.agreement_report import write_report

        try:
            write_report(report, output)
        except (UnannotateError, OSError) as error:
            fail(_file_error(error, output))
    if as_json:
        from .services.agreement_report import report_to_dict

        typer.echo(json.dumps(report_to_dict(report), ensure_ascii=False))
    elif output is not None:
        # The report is in the file: the terminal gets where, and the figures at a glance.
        typer.echo(f"wrote the agreement report to {output}: {report.documents} documents, "
                   f"{', '.join(report.annotators)}; exact F1 {_score(report.exact_f1)}, "
                   f"token kappa {_score(report.token_kappa)}")
    else:
        _print_agreement(report, location)


def _file_error(error: Exception, path: Path) -> str:
    """An error writing ``path`` on one line: the file and the reason, no traceback."""
    if isinstance(error, OSError):  # named as given (not the temporary file beside it)
        return f"{path}: cannot be written ({error.strerror or error})"
    return str(error)


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

    names = [n.strip() for value in annotators or [] for n in value.split(",") if n.strip()]
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
def review(
    annotators: Annotated[list[str], typer.Option(
        "--annotators", "-a", metavar="NAME[,NAME...]",
        help="The layers to compare: annotators' names (two or more with --suggestions "
        "counting as one).", show_default=False)],
    project: ProjectOption = None,
    suggestions: Annotated[bool, typer.Option(
        "--suggestions", help="Compare the suggestions too, as one more layer.")] = False,
    reviewer: Annotated[str | None, typer.Option(
        "--reviewer", help="Your name as this project's reviewer (default: the one given "
        "for it before; asked the first time).",
        show_default=False)] = None,
) -> None:
    """Open the review window: where the annotators agree and differ, each disagreement
    settled into the gold layer with the keyboard."""
    from .qt.app import run_review
    from .services.project import open_project
    from .services.review import SUGGESTIONS, resolve_layers

    names = [n.strip() for value in annotators for n in value.split(",") if n.strip()]
    if suggestions:
        names.append(SUGGESTIONS)
    opened = open_project(project, create=False)
    try:
        resolve_layers(opened, names)  # refuse bad names before a window opens
    except UnannotateError as error:
        fail(str(error))
    raise typer.Exit(run_review(opened, reviewer, names))


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _print_agreement(report, location: str) -> None:  # type: ignore[no-untyped-def]
    typer.echo(f"project: {location}")
    typer.echo(f"documents compared: {report.documents} ({report.tokens:,} tokens, "
               f"{report.sentences:,} sentences)")
    typer.echo("annotators: " + ", ".join(
        f"{name} ({report.spans.get(name, 0)} spans)" for name in report.annotators))
    pairs = "mean over the pairs" if len(report.pairs) > 1 else "the pair"
    pooled = "pooled over the pairs" if len(report.pairs) > 1 else "the pair"
    for title, value, meaning in (
        ("exact F1", report.exact_f1, f"same start, end and label ({pooled})"),
        ("overlap F1", report.overlap_f1, f"same label, a character shared ({pooled})"),
        ("token kappa", report.token_kappa, f"Cohen's, label of each token ({pairs})"),
        ("claim kappa", report.claim_kappa, f"Cohen's, claim or not per sentence ({pairs})"),
        ("token alpha", report.token_alpha, "Krippendorff's, nominal, all annotators"),
        ("claim alpha", report.claim_alpha, "Krippendorff's, nominal, all annotators"),
    ):
        typer.echo(f"  {title:12s} {_score(value):>6s}  {meaning}")
    if report.per_label:
        width = max(5, *(len(label) for label in report.per_label))
        typer.echo("per label:")
        typer.echo(f"  {'label':{width}s}  exact F1  overlap F1  "
                   + "  ".join(f"{name:>8s}" for name in report.annotators))
        for label, scores in report.per_label.items():
            counts = "  ".join(f"{scores.annotator_spans.get(name, 0):>8d}"
                               for name in report.annotators)
            typer.echo(f"  {label:{width}s}  {_score(scores.exact_f1):>8s}  "
                       f"{_score(scores.overlap_f1):>10s}  {counts}")
    if len(report.annotators) > 2:
        width = max(8, *(len(name) for name in report.annotators))
        exact = {frozenset((p.a, p.b)): p.exact_f1 for p in report.pairs}
        typer.echo("exact F1 per pair:")
        typer.echo(f"  {'':{width}s}  " + "  ".join(f"{n:>{width}s}" for n in report.annotators))
        for a in report.annotators:
            cells = ("" if a == b else _score(exact.get(frozenset((a, b))))
                     for b in report.annotators)
            typer.echo(f"  {a:{width}s}  " + "  ".join(f"{c:>{width}s}" for c in cells))
    shown = [d for d in report.per_document if d.disagreements][:10]
    if shown:
        typer.echo(f"most disagreement ({len(shown)} of {report.documents} documents):")
        typer.echo("  disagreements   spans  exact F1  document")
        for d in shown:
            title = " ".join(d.title.split())  # one line, whatever the title holds
            title = title if len(title) <= 60 else title[:59] + "…"
            typer.echo(f"  {d.disagreements:13d}  {d.spans:6d}  {_score(d.exact_f1):>8s}  "
                       f"#{d.id} {title}")
    elif report.documents:
        typer.echo("no disagreement: the annotators hold the same spans in every document")
    else:
        typer.echo("no documents to compare: none has a status or an annotation of theirs")


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
    from .services.interchange import export_annotations
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
            fail(_file_error(error, out))
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
        if report.skipped_not_done:
            typer.echo(f"  {report.skipped_not_done} documents not marked done were left out")
        if report.untouched_left_out:
            typer.echo(f"  {report.untouched_left_out} documents not done and without spans "
                       "were left out (--include-untouched writes them)")
        if report.untouched_written:
            typer.echo(f"  {report.untouched_written} documents not done and without spans "
                       "written as not annotated")
        if report.rejections and report.keeps_rejections:
            typer.echo(f"  {report.rejections} rejected spans written as negatives")
        if gold_open:
            typer.echo(gold_open)


def _open_in_gold(project: object) -> str:
    """Gold written where the annotators' disagreements are not all settled: the line that
    says so ("" when all are)."""
    from .services.review import open_in_gold

    found = open_in_gold(project)  # type: ignore[arg-type]
    if not found.documents:
        return ""
    return (f"  warning: {len(found.documents)} documents in gold have {found.places} "
            f"disagreements between {', '.join(found.annotators)} not settled in gold "
            "(written as far as they are settled; settle them with `unannotate review`): "
            + ", ".join(f"document {doc} ({open_} of {total} open)"
                        for doc, (open_, total) in sorted(found.documents.items())[:10])
            + (" …" if len(found.documents) > 10 else ""))


@app.command()
def suggest(
    project: ProjectOption = None,
    suggester: Annotated[
        list[str] | None,
        typer.Option("--suggester", "-s", help="Suggester name or trained version id "
                     "(repeatable). Default: entities and claims, each by its newest trained "
                     "version, else the built-in rules (or --model)."),
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="An installed spaCy pipeline (package name or path).")
    ] = None,
    n_process: Annotated[int, typer.Option(
        "--n-process", min=1, help="Processes in all: this one and N-1 workers.")] = 1,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Texts per batch.")] = 64,
) -> None:
    """Suggest entities and claims for every document that lacks them: with the newest
    trained version of each when there is one (see `unannotate models`), else the rules.
    A trained version replaces the pending suggestions of documents nobody marked done.

    Safe to interrupt: finished documents stay stored and the next run goes on from there."""
    from tqdm import tqdm

    from .services.languages import language_note
    from .services.project import open_project
    from .services.suggesting import build_suggesters, run_suggester

    with open_project(project, create=False) as opened:
        try:
            suggesters = build_suggesters(suggester, model, project=opened)
        except UnannotateError as error:
            fail(str(error))
        for each in suggesters:
            with tqdm(unit="doc", desc=each.info.name, file=sys.stderr, disable=None) as bar:
                try:
                    report = run_suggester(
                        opened, each, batch_size=batch_size, n_process=n_process,
                        on_total=lambda n: setattr(bar, "total", n) or bar.refresh(),
                        on_documents=bar.update,
                    )
                except KeyboardInterrupt:
                    bar.close()
                    typer.echo(
                        "interrupted: every finished document is stored; run the command "
                        "again to go on", err=True,
                    )
                    raise typer.Exit(130) from None
            per_label = ", ".join(f"{k} {v}" for k, v in sorted(report.spans.items()))
            typer.echo(
                f"{report.layer}: {report.documents} documents"
                + (f" ({report.already} had suggestions already)" if report.already else "")
                + f", {sum(report.spans.values())} suggestions"
                + (f": {per_label}" if per_label else "")
            )
            if report.new_labels:
                typer.echo(f"  labels added to the scheme: {', '.join(report.new_labels)}")
            if report.dropped:
                typer.echo(f"  {report.dropped} suggestions dropped: offsets outside the text")
            if report.replaced:
                typer.echo(f"  {report.replaced} pending suggestions of earlier suggesters "
                           "replaced (decided ones kept)")
            if report.skipped_done:
                typer.echo(f"  {report.skipped_done} documents marked done left as they are")
            for language, count in sorted(report.no_rules.items()):
                typer.echo(f"  {count} document{'s' if count != 1 else ''}: "
                           f"{language_note(language)}")


@app.command()
def models(project: ProjectOption = None) -> None:
    """List installed spaCy pipelines, the suggesters, and the project's trained versions
    (data size, date, held-out scores)."""
    from .nlp.base import registered
    from .nlp.entity_spacy import list_models

    found = list_models()
    if not found:
        typer.echo("no spaCy pipeline installed: the built-in rules are used "
                   "(python -m spacy download en_core_web_sm for better entities)")
    for info in found:
        typer.echo(
            f"{info.name} {info.version} ({info.lang}): components {', '.join(info.components)}"
            + ("" if info.has_ner else "  [no ner: cannot suggest entities]")
        )
    typer.echo("suggesters: " + ", ".join(registered()))
    from .cli_training import print_trained_versions

    print_trained_versions(project)


# The training, find and consistency commands live in their own modules; importing them
# registers them.
from .cli_consistency import consistency  # noqa: E402
from .cli_find import find  # noqa: E402
from .cli_training import export_model, train  # noqa: E402
from . import cli_label_all  # noqa: E402, F401  (registers label-all)
from . import cli_language  # noqa: E402, F401  (registers set-language)

__all__ = ["app", "consistency", "export_model", "find", "main", "train"]


def _terminal_password(place: str) -> str | None:
    """A server's password typed at the terminal (never echoed), when there is one."""
    if not sys.stdin.isatty():
        return None
    typed = typer.prompt(f"Password for {place}", hide_input=True, default="",
                         show_default=False)
    return typed or None


def main() -> None:
    # Libraries that log their own warnings (pypdf on a damaged file) would add lines to the
    # one clear message each problem gets; the importers report those problems themselves.
    logging.basicConfig(level=logging.ERROR, format="%(name)s: %(message)s")
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    from .storage.database import set_password_prompt

    set_password_prompt(_terminal_password)
    try:
        app()
    except UnannotateError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
