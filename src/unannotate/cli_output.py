"""What the commands share besides the options: tables, drawn by rich, the names of a
repeatable option, and the one-line form of an error writing a file.

A table is plain text when the output is not a terminal (no colour or style codes, never
wrapped to a guessed width), so that it reads the same in a file, a pipe or a test. Strings
from the project (labels, titles, names) are printed as they are: never read as markup.
"""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # rich is imported when a table is drawn: most commands draw none
    from rich.table import Table

_UNBOUNDED = 10_000  # the width of a pipe or a file: a table is as wide as its cells


def table(*columns: str, title: str | None = None, indent: bool = True) -> Table:
    """A table with these column headers; a header starting with ">" is a right-aligned
    (numeric) column. Printed with :func:`show`."""
    from rich import box
    from rich.table import Table

    shown = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=indent, title=title,
                  title_justify="left", highlight=False)
    for column in columns:
        numeric = column.startswith(">")
        shown.add_column(column[1:] if numeric else column,
                         justify="right" if numeric else "left", overflow="fold")
    return shown


def rows(shown: Table, values: Iterable[Iterable[object]]) -> Table:
    for row in values:
        shown.add_row(*(str(value) for value in row))
    return shown


class _Buffer(io.StringIO):
    """Where a table is drawn: in the encoding of standard output, so that rich draws its
    lines in ASCII where that encoding has no box characters (a Windows code page)."""

    def __init__(self, encoding: str) -> None:
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


def show(shown: Table) -> None:
    """Print a table on standard output, without trailing blanks."""
    from rich.console import Console

    terminal = sys.stdout.isatty()
    buffer = _Buffer(getattr(sys.stdout, "encoding", None) or "utf-8")
    console = Console(file=buffer, markup=False, emoji=False, highlight=False,
                      width=shutil.get_terminal_size().columns if terminal else _UNBOUNDED,
                      force_terminal=terminal, color_system="auto" if terminal else None)
    console.print(shown)
    typer.echo("\n".join(line.rstrip() for line in buffer.getvalue().splitlines()))


def counted(*lines: tuple[int, str]) -> None:
    """Print ``  N what`` for each ``(N, what)`` whose N is not zero: the summary lines of a
    report that only matter when something happened."""
    for number, what in lines:
        if number:
            typer.echo(f"  {number} {what}")


def names(values: Iterable[str] | None) -> list[str]:
    """The names of a repeatable option that also takes commas: ``-a ana,ben -a cy``."""
    return [name.strip() for value in values or () for name in value.split(",")
            if name.strip()]


def file_error(error: Exception, path: Path) -> str:
    """An error writing ``path`` on one line: the file and the reason, no traceback."""
    if isinstance(error, OSError):  # named as given (not the temporary file beside it)
        return f"{path}: cannot be written ({error.strerror or error})"
    return str(error)
