"""The command line run in this process, as a user would run it from a terminal.

``run(*args)`` goes through typer's ``CliRunner``: the same commands, options, output and exit
status as the installed program, in milliseconds instead of the seconds a new Python process
takes to import the program. What differs from a real process: the environment changes only
for the command's duration, the network guard of the tests applies to the command too, and
standard input is empty (no terminal: nothing is prompted). The real program still runs as a
process in a few smoke tests (``program(*args)``), one per family of commands.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from typer.testing import CliRunner

PROGRAM = Path(sys.executable).with_name("unannotate")


def run(*args: str, env: Mapping[str, str | None] | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``unannotate ARGS`` in this process; what a process would give (its exit status as
    ``returncode``, its standard output and error apart). ``env`` adds variables for the
    command's duration (None: removes one). An exception the program lets through fails the
    test with its traceback."""
    from unannotate.cli import app

    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False,
                                    prog_name="unannotate")
    return subprocess.CompletedProcess(["unannotate", *args], result.exit_code,
                                       result.stdout, result.stderr)


def program(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            module: bool = False, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``unannotate ARGS`` as a real process (``python -m unannotate ARGS`` with ``module``),
    with ``env`` added to this process's environment."""
    command = [sys.executable, "-m", "unannotate", *args] if module else [str(PROGRAM), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env={**os.environ, **(env or {})}, check=False)
