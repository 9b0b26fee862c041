"""The command line: thin commands over the services."""

from __future__ import annotations

import logging
import sys
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


# Each group of commands lives in its own module; importing it registers its commands.
from . import (  # noqa: E402, F401
    cli_exchange,
    cli_label_all,
    cli_language,
    cli_reports,
    cli_suggest,
)
from .cli_consistency import consistency  # noqa: E402
from .cli_find import find  # noqa: E402
from .cli_training import export_model, train  # noqa: E402

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
    from .services.server_password import ask_password_with

    ask_password_with(_terminal_password)
    try:
        app()
    except UnannotateError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
