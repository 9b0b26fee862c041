"""The real-window tier: one private X server per test module, the program started in it
for each test with a home of its own, its screenshots kept in one folder of the run."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from driver import Program, XServer, missing_tools, problems_in, running  # noqa: E402


@pytest.fixture(scope="module")
def x_server() -> Iterator[XServer]:
    missing = missing_tools()
    if missing:
        pytest.skip("real X11 window tier: needs " + ", ".join(missing)
                    + " (./dev test installs them on Debian)")
    server = XServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots of the run go (printed in each test's output)."""
    return tmp_path_factory.mktemp("x11-screenshots")


@pytest.fixture
def start_program(x_server: XServer, tmp_path: Path,  # type: ignore[no-untyped-def]
                  screenshots: Path, request: pytest.FixtureRequest):
    """Start ``python -m unannotate ARGS`` (any number of times in a test); each is
    stopped at the end (the screen photographed first, as ``TEST-last.png``), and its
    standard error must hold no ambiguous shortcut and no traceback."""
    started: list[Program] = []
    stack = []

    def start(*args: str) -> Program:
        context = running(x_server, args, tmp_path / "home",
                          log_dir=tmp_path / f"program-{len(started)}")
        program = context.__enter__()
        stack.append(context)
        started.append(program)
        return program

    yield start
    if started:
        x_server.screenshot(screenshots / f"{request.node.name}-last.png")
    for context in reversed(stack):
        context.__exit__(None, None, None)
    for program in started:
        problems = problems_in(program.stderr())
        assert not problems, "the program's standard error:\n" + program.stderr()[-3000:]
