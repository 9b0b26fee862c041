"""The command line's suggesting: ``suggest`` and ``models`` (what can suggest). Thin over the
services; tables drawn by :mod:`unannotate.cli_output`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .cli import ProjectOption, app, fail
from .cli_output import counted, rows, show, table
from .core.errors import UnannotateError


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
            counted(
                (report.dropped, "suggestions dropped: offsets outside the text"),
                (report.replaced, "pending suggestions of earlier suggesters replaced (decided "
                 "ones kept)"),
                (report.skipped_done, "documents marked done left as they are"))
            for language, count in sorted(report.no_rules.items()):
                typer.echo(f"  {count} document{'s' if count != 1 else ''}: "
                           f"{language_note(language)}")


@app.command()
def models(project: ProjectOption = None) -> None:
    """List installed spaCy pipelines, the suggesters, and the project's trained versions
    (data size, date, held-out scores)."""
    from .cli_training import print_trained_versions
    from .services.pipelines import installed_pipelines, suggester_names

    found = installed_pipelines()
    if not found:
        typer.echo("no spaCy pipeline installed: the built-in rules are used "
                   "(python -m spacy download en_core_web_sm for better entities)")
    else:
        show(rows(table("pipeline", "version", "language", "components", "note", indent=False),
                  ([info.name, info.version, info.lang, ", ".join(info.components),
                    "" if info.has_ner else "no ner: cannot suggest entities"]
                   for info in found)))
    typer.echo("suggesters: " + ", ".join(suggester_names()))
    from .services.training import encoder_unavailable

    why = encoder_unavailable()
    typer.echo("claims can be learned with the fine-tuned encoder (train --claim-model "
               "encoder)" if why is None else f"claims: the fine-tuned encoder {why}")
    print_trained_versions(project)
