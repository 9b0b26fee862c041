"""The command line's ``consistency`` command: thin over
:mod:`unannotate.services.consistency`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .cli import ProjectOption, app

EXAMPLES = 3  # places shown under each finding in the table
WIDTH = 28  # of the text column


def _labels(counts: dict[str, int]) -> str:
    return ", ".join(f"{label} {n}" for label, n in counts.items())


def _annotators(annotators: dict[str, dict[str, int]]) -> str:
    return "; ".join(f"{name}: {_labels(counts)}" for name, counts in annotators.items())


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def print_report(report: Any, limit: int | None,  # a services ConsistencyReport
                 texts: dict[int, str]) -> None:
    """The report as a table, ``limit`` findings; ``texts``: of the places shown."""
    from .services.consistency import FindingKind, in_context

    scope = ("every document" if report.scope.value == "all"
             else "the documents each annotator has worked on")
    typer.echo(f"consistency of {', '.join(report.annotators) or 'no annotator'}: "
               f"{report.forms} surface forms labelled, {report.documents} documents searched "
               f"({scope}), {report.seconds:.1f} s")
    if not report.findings:
        typer.echo("no inconsistency: every form has one label, and is labelled wherever "
                   "it occurs")
        return
    typer.echo(f"{report.count(FindingKind.DIFFERENT_LABEL)} forms with different labels, "
               f"{report.count(FindingKind.MISSING)} labelled here and missing there; "
               "most places to fix first")
    typer.echo(f"  {'places':>7s}  {'finding':28s}  {'text':{WIDTH}s}  labels (annotators)")
    shown = report.findings if limit is None else report.findings[:limit]
    for finding in shown:
        typer.echo(f"  {finding.impact:7d}  {finding.kind.caption:28s}  "
                   f"{_cut(finding.text, WIDTH):{WIDTH}s}  {_labels(finding.labels)} "
                   f"({_annotators(finding.annotators)})")
        if finding.kind is FindingKind.MISSING:
            detail = (f"labelled {_count(finding.labelled, 'time')} in "
                      f"{_count(finding.labelled_documents, 'document')}, unlabelled in "
                      f"{_count(finding.unlabelled, 'place')} in "
                      f"{_count(finding.unlabelled_documents, 'document')}")
        else:
            spread = ", ".join(f"{label} in {n}" for label, n in finding.label_documents.items())
            detail = (f"{_count(finding.impact, 'span')} not labelled "
                      f"{finding.majority_label} (documents: {spread})")
        typer.echo(f"  {'':7s}  {detail}; fix: label every occurrence {finding.majority_label}")
        for place in finding.places[:EXAMPLES]:
            before, piece, after = in_context(texts.get(place.document_id, ""), place.start,
                                              place.end, width=30)
            typer.echo(f"  {'':7s}    {place.annotator}: {place.label or 'unlabelled'} in "
                       f"document {place.document_id} [{place.start}, {place.end}): "
                       f"{before}[{piece}]{after}")
    if len(shown) < len(report.findings):
        typer.echo(f"... {len(report.findings) - len(shown)} more (--limit, or --json for "
                   "every finding)")


@app.command()
def consistency(
    project: ProjectOption = None,
    layer: Annotated[str | None, typer.Option(
        "--layer", "-l", metavar="ANNOTATOR",
        help="Only this annotator's layer (default: every annotator's).")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object with every finding and all its places.")] = False,
    min_count: Annotated[int, typer.Option(
        "--min-count", min=1, help="Only surface forms labelled at least this many times.")
    ] = 1,
    limit: Annotated[int | None, typer.Option(
        "--limit", min=1, help="Show only the first N findings (default: 20 in the table, "
        "all in JSON).", show_default=False)] = None,
    all_documents: Annotated[bool, typer.Option(
        "--all-documents", help="Count unlabelled occurrences in every document, not only "
        "in those the annotator has worked on.")] = False,
    claims: Annotated[bool, typer.Option(
        "--claims", help="Take claims as surface forms too (left out by default).")] = False,
) -> None:
    """Inconsistent labelling: the same text with different labels, and text labelled in one
    place but left unlabelled elsewhere (case and whitespace ignored; whole tokens)."""
    from .services.consistency import Scope, consistency_report, document_texts
    from .services.project import open_project

    shown = limit if as_json or limit is not None else 20
    with open_project(project, create=False, read_only=True) as opened:  # only reads
        report = consistency_report(opened, layer=layer, min_count=min_count,
                                    scope=Scope.ALL if all_documents else Scope.WORKED,
                                    include_claims=claims)
        texts = {} if as_json else document_texts(opened, {
            place.document_id for finding in report.findings[:shown]
            for place in finding.places[:EXAMPLES]})
    if as_json:
        for chunk in report.json_chunks(limit):
            typer.echo(chunk, nl=False)
        typer.echo()
    else:
        print_report(report, shown, texts)
