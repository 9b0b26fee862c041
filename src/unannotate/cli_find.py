"""The command line's ``find``: a word, phrase or regular expression across every document.
Thin over :mod:`unannotate.services.find`."""

from __future__ import annotations

import heapq
import json
from typing import Annotated

import typer

from .cli import ProjectOption, app


def _labels(hit) -> str:  # type: ignore[no-untyped-def]  # a services.find.Hit
    if not hit.labels:
        return ""
    return "  [" + ", ".join(f"{item.label} ({item.layer}{'' if item.exact else ', overlap'})"
                             for item in hit.labels) + "]"


@app.command()
def find(
    pattern: Annotated[str, typer.Argument(
        help="A word or phrase (ignoring case, any white space between its words, whole "
        "words), or with --regex a Python regular expression (case as written; (?i) "
        "ignores it).")],
    project: ProjectOption = None,
    regex: Annotated[bool, typer.Option("--regex", help="PATTERN is a regular expression.")
                     ] = False,
    label: Annotated[str | None, typer.Option(
        "--label", help="Only the hits that an annotation with this label covers or "
        "overlaps, in any annotator's layer or gold.", show_default=False)] = None,
    substring: Annotated[bool, typer.Option(
        "--substring", help="A word or phrase may also start or end inside a longer word.")
    ] = False,
    annotator: Annotated[str | None, typer.Option(
        help="Whose annotations are marked as yours (\"mine\" in JSON).", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option(
        help="Show at most this many hits (the totals still count them all); 0: all.",
        min=0)] = 50,
    context: Annotated[int, typer.Option(
        help="Characters of context on each side of a hit.", min=0)] = 40,
    as_json: Annotated[bool, typer.Option(
        "--json", help="One JSON object a line per document (its count and its hits, up to "
        "--limit hits in all), then one with the totals.")] = False,
) -> None:
    """Find a word, a phrase or a regular expression in every document of the project: each
    hit with its document, code-point offsets and context, the annotations on it, and
    totals per document."""
    from .services.find import FindQuery, compile_query, one_line
    from .services.find import find as find_hits
    from .services.project import open_project

    query = FindQuery(pattern, regex=regex, label=label, whole_words=not substring)
    compile_query(query)  # an invalid expression: one line, before the project is opened
    shown = total = documents = 0
    busiest: list[tuple[int, int, str]] = []  # the ten documents with most hits (a heap)
    with open_project(project, create=False, read_only=True) as opened:
        for found in find_hits(opened, query, annotator=annotator, context=context):
            documents += 1
            total += found.count
            heapq.heappush(busiest, (found.count, -found.document_id, found.title))
            if len(busiest) > 10:
                heapq.heappop(busiest)
            if limit and shown >= limit:
                continue
            hits = found.hits[:limit - shown] if limit else found.hits
            shown += len(hits)
            if as_json:
                typer.echo(json.dumps({"document": found.document_id, "title": found.title,
                                       "count": found.count,
                                       "hits": [hit.to_dict() for hit in hits]},
                                      ensure_ascii=False))
                continue
            for hit in hits:
                typer.echo(f"{hit.document_id}:{hit.start}-{hit.end} {one_line(hit.title)}"
                           f"\n    {one_line(hit.left):>{context}s}[{one_line(hit.text)}]"
                           f"{one_line(hit.right)}{_labels(hit)}")
    if as_json:
        typer.echo(json.dumps({"total": total, "documents": documents, "shown": shown},
                              ensure_ascii=False))
        return
    if total == 0:
        typer.echo(f"no hits for {pattern!r}")
        return
    typer.echo(f"{total} hit{'s' * (total != 1)} in {documents} document"
               f"{'s' * (documents != 1)}" +
               (f" (first {shown} shown; --limit 0 shows all)" if shown < total else ""))
    if documents > 1:
        typer.echo("most hits:")
        for count, negative_id, title in sorted(busiest, reverse=True):
            typer.echo(f"  {count:6d}  {-negative_id}: {one_line(title)}")
