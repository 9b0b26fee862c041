"""The command line's figures: ``stats`` (the project at a glance), ``agreement`` (between
annotators) and ``review`` (the window that settles their disagreements). Thin over the
services; the tables are drawn by :mod:`unannotate.cli_output`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .cli import ProjectOption, app, fail
from .cli_output import file_error, rows, show, table
from .cli_output import names as option_names
from .core.errors import UnannotateError


@app.command()
def stats(
    project: ProjectOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Documents, progress per annotator, spans per label and layer."""
    from .services.learning_stats import suggestion_outcomes
    from .services.project import open_project
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
    show(rows(table("suggester", "label", ">accepted", ">corrected", ">rejected",
                    title="suggestions decided:"),
              ([suggester, label, counts["accepted"], counts["corrected"], counts["rejected"]]
               for (suggester, label), counts in totals.items())))
    show(rows(table("day", ">accepted", ">corrected", ">rejected", title="by day:"),
              ([day, counts["accepted"], counts["corrected"], counts["rejected"]]
               for day, counts in outcomes.by_day())))


def _print_stats(result) -> None:  # type: ignore[no-untyped-def]
    typer.echo(f"project: {result.project}")
    languages = ", ".join(f"{k} {v}" for k, v in sorted(result.languages.items()))
    typer.echo(f"documents: {result.documents} ({result.characters:,} characters; "
               f"{languages or '-'})")
    if result.annotators:
        show(rows(table("annotator", ">done", ">in progress", ">to do", title="annotators:"),
                  ([a.annotator, a.done, a.in_progress, a.todo] for a in result.annotators)))
    if result.layers:
        layers = table("layer", "kind", ">spans", "label", "by state", title="layers:")
        for layer in result.layers:
            layers.add_row(layer.layer, f"{layer.kind}", str(layer.total), "", "")
            for label, states in sorted(layer.labels.items()):
                layers.add_row("", "", str(sum(states.values())), label,
                               ", ".join(f"{n} {s}" for s, n in sorted(states.items())))
        show(layers)


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

    names = option_names(annotators)
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
            fail(file_error(error, output))
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
    from .services.colleague_review import SUGGESTIONS, resolve_layers
    from .services.project import open_project

    names = option_names(annotators)
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
    figures = table("figure", ">value", "what it measures")
    for title, value, meaning in (
        ("exact F1", report.exact_f1, f"same start, end and label ({pooled})"),
        ("overlap F1", report.overlap_f1, f"same label, a character shared ({pooled})"),
        ("token kappa", report.token_kappa, f"Cohen's, label of each token ({pairs})"),
        ("claim kappa", report.claim_kappa, f"Cohen's, claim or not per sentence ({pairs})"),
        ("token alpha", report.token_alpha, "Krippendorff's, nominal, all annotators"),
        ("claim alpha", report.claim_alpha, "Krippendorff's, nominal, all annotators"),
    ):
        figures.add_row(title, _score(value), meaning)
    show(figures)
    if report.per_label:
        show(rows(table("label", ">exact F1", ">overlap F1",
                        *(f">{name}" for name in report.annotators), title="per label:"),
                  ([label, _score(scores.exact_f1), _score(scores.overlap_f1),
                    *(scores.annotator_spans.get(name, 0) for name in report.annotators)]
                   for label, scores in report.per_label.items())))
    if len(report.annotators) > 2:
        exact = {frozenset((p.a, p.b)): p.exact_f1 for p in report.pairs}
        show(rows(table("", *(f">{name}" for name in report.annotators),
                        title="exact F1 per pair:"),
                  ([a, *("" if a == b else _score(exact.get(frozenset((a, b))))
                         for b in report.annotators)] for a in report.annotators)))
    shown = [d for d in report.per_document if d.disagreements][:10]
    if shown:
        documents = table(">disagreements", ">spans", ">exact F1", "document",
                          title=f"most disagreement ({len(shown)} of {report.documents} "
                          "documents):")
        for d in shown:
            title = " ".join(d.title.split())  # one line, whatever the title holds
            title = title if len(title) <= 60 else title[:59] + "…"
            documents.add_row(str(d.disagreements), str(d.spans), _score(d.exact_f1),
                              f"#{d.id} {title}")
        show(documents)
    elif report.documents:
        typer.echo("no disagreement: the annotators hold the same spans in every document")
    else:
        typer.echo("no documents to compare: none has a status or an annotation of theirs")
