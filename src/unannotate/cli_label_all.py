"""The command line's ``label-all``: label every whole-token mention of a text as one decision.
Thin over :mod:`unannotate.services.label_all`."""

from __future__ import annotations

from typing import Annotated

import typer

from .cli import ProjectOption, app, fail
from .core.errors import UnannotateError
from .services.label_all import LabelAll, Scope


@app.command("label-all")
def label_all(
    text: Annotated[str, typer.Argument(help="The text to label (a regular expression with "
                                             "--regex), found as whole tokens.")],
    label: Annotated[str, typer.Option("--label", "-l", help="The label to give it.")],
    scope: Annotated[Scope, typer.Option(
        help="Which documents: not-done (those you have not marked done), all, or document "
        "(with --document).")] = Scope.NOT_DONE,
    document: Annotated[int | None, typer.Option(
        help="The document's id, for --scope document.")] = None,
    include_done: Annotated[bool, typer.Option(
        "--include-done", help="Also the documents you have marked done (with --scope all "
        "or document).")] = False,
    regex: Annotated[bool, typer.Option("--regex", help="TEXT is a regular expression.")] = False,
    ignore_case: Annotated[bool, typer.Option(
        "--ignore-case", help="Match in any case (by default the case must match).")] = False,
    relabel: Annotated[bool, typer.Option(
        "--relabel", help="Change the places you labelled otherwise into this label (by "
        "default they are left as they are).")] = False,
    annotator: Annotated[str | None, typer.Option(
        help="Whose layer to write (default: your name in this project).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only say what would be done; write nothing.")] = False,
    project: ProjectOption = None,
) -> None:
    """Label every occurrence of TEXT as one decision (one undo takes it all back). Only your
    own layer is written; documents you marked done only with --include-done."""
    from .services.decisions import Decider
    from .services.label_all import apply, preview
    from .services.preferences import current_annotator
    from .services.project import open_project

    if scope is Scope.DOCUMENT and document is None:
        fail("--scope document needs --document ID")
    if include_done and scope is Scope.NOT_DONE:
        fail("--include-done needs --scope all (or document): not-done leaves done "
             "documents out")
    request = LabelAll(text=text, label=label, scope=scope, document_id=document,
                       include_done=include_done, regex=regex, ignore_case=ignore_case,
                       relabel=relabel)
    try:
        with open_project(project, create=False, read_only=dry_run) as opened:
            name = annotator or current_annotator(opened)
            if not name:
                fail("who is labelling? Give --annotator NAME")
            reviewer = Decider(opened, name)
            if dry_run:
                found = preview(reviewer, request)
                for line in found.lines():
                    typer.echo(line)
                typer.echo(f"dry run: nothing written ({found.changes:,} spans would be "
                           f"written to {name}'s layer)")
                return
            done = apply(reviewer, request)
    except (UnannotateError, ValueError) as error:
        fail(str(error))
    for line in done.preview.lines():
        typer.echo(line)
    if not done.change.event_ids:
        typer.echo("nothing written")
        return
    typer.echo(f"written to {name}'s layer: {done.preview.changes:,} spans in "
               f"{len(done.spans_by_document):,} documents, as one decision (one undo takes "
               "all of it back)")
