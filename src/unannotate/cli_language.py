"""The command line's ``set-language``: change a document's language, as the window's
"Document language…" does. Thin over :mod:`unannotate.services.document_language`."""

from __future__ import annotations

from typing import Annotated

import typer

from .cli import ProjectOption, app, fail
from .core.errors import UnannotateError


@app.command("set-language")
def set_language(
    document: Annotated[int, typer.Argument(help="The document's id.")],
    language: Annotated[str, typer.Argument(
        help="The language's code, such as kk, ru, zh or zh-Hans.")],
    annotator: Annotated[str | None, typer.Option(
        help="Whose history records the change (default: your name in this project).")
    ] = None,
    project: ProjectOption = None,
) -> None:
    """Set a document's language: the suggestions nobody decided are made again with that
    language's rules (decided spans, colleagues' layers and documents marked done are left
    as they are). Recorded in your history: the window's Ctrl+Z undoes it."""
    from .services.decisions import Decider
    from .services.document_language import set_document_language
    from .services.preferences import current_annotator
    from .services.project import open_project

    try:
        with open_project(project, create=False) as opened:
            name = annotator or current_annotator(opened)
            if not name:
                fail("who is changing it? Give --annotator NAME")
            result = set_document_language(Decider(opened, name), document, language)
    except UnannotateError as error:
        fail(str(error))
    typer.echo(result.message())
