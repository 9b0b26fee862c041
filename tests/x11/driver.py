"""Driving the real program in a real X11 window: a private X server (Xvfb), the program
started as a person starts it, keys sent through the X server (xdotool), screenshots taken
from outside (ImageMagick's ``import``).

Nothing here knows Qt: what a key did is read back from the project, not from the screen.
Every process started here is stopped by its own id (TERM, then KILL).
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

SCREEN = (1400, 900)
# Debian package of each tool the tier needs (./dev installs them in its test set-up).
TOOLS = {"Xvfb": "xvfb", "xdotool": "xdotool", "import": "imagemagick"}
KEY_DELAY_MS = 120  # between two keys of a burst: time for the program to act on each
REPO = Path(__file__).resolve().parents[2]

T = TypeVar("T")


def missing_tools() -> list[str]:
    """The tools this tier needs that are not installed, as 'tool (Debian package)'."""
    return [f"{tool} ({package})" for tool, package in TOOLS.items() if not shutil.which(tool)]


def wait_for(check: Callable[[], T], *, timeout: float = 15.0, interval: float = 0.1,
             what: str = "the condition") -> T:
    """Call ``check`` until it returns something true; that value, or AssertionError with
    the last value after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} "
                                 f"(last: {value!r})")
        time.sleep(interval)


def stop_process(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """TERM, then KILL after ``grace`` seconds: this process only, by its id."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(grace)


class XServer:
    """Xvfb on a display number it picks itself (``-displayfd``: never one in use)."""

    def __init__(self, size: tuple[int, int] = SCREEN) -> None:
        self.size = size
        read, write = os.pipe()
        # Its messages go to a file: a pipe nobody reads could fill and stop the server.
        self.log = tempfile.TemporaryFile()
        # -noreset: the server stays as it is between two programs (no regeneration while
        # the next one connects); -nolisten tcp: no network.
        self.process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{size[0]}x{size[1]}x24",
             "-nolisten", "tcp", "-noreset"],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=self.log)
        os.close(write)
        number = b""
        deadline = time.monotonic() + 30
        with os.fdopen(read, "rb", buffering=0) as pipe:
            while not number.endswith(b"\n") and time.monotonic() < deadline:
                if not select.select([pipe], [], [], 1.0)[0]:
                    continue
                chunk = pipe.read(1)
                if not chunk:
                    break
                number += chunk
        if not number.strip():
            stop_process(self.process)
            self.log.seek(0)
            error = self.log.read().decode(errors="replace")
            raise RuntimeError(f"Xvfb did not start: {error.strip()[-300:]}")
        self.display = f":{number.decode().strip()}"

    def run(self, *args: str, check: bool = True, timeout: float = 20.0) -> str:
        """A command on this display (xdotool, import); its standard output."""
        done = subprocess.run(list(args), env={**os.environ, "DISPLAY": self.display},
                              capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): "
                               f"{done.stderr.strip()}")
        return done.stdout

    def screenshot(self, path: Path) -> Path:
        """The whole screen as PNG."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.run(shutil.which("import") or "import", "-window", "root", str(path))
        return path

    def pixels(self) -> tuple[int, int, bytes]:
        """The screen as raw RGB bytes, row by row."""
        done = subprocess.run([shutil.which("import") or "import", "-window", "root",
                               "-depth", "8", "rgb:-"],
                              env={**os.environ, "DISPLAY": self.display},
                              capture_output=True, timeout=20, check=True)
        return self.size[0], self.size[1], done.stdout

    def find_colour(self, colour: str, x: int, *, to_x: int | None = None,
                    tolerance: int = 6) -> int | None:
        """The lowest row of the screen with a pixel of ``colour`` (``#rrggbb``) in column
        ``x`` (or in columns ``x`` to ``to_x``: text drawn in a colour has its full colour
        only in the middle of its strokes); None when none has."""
        width, height, data = self.pixels()
        want = bytes.fromhex(colour.lstrip("#"))
        columns = range(x, (to_x if to_x is not None else x) + 1)
        for y in range(height - 1, -1, -1):
            for column in columns:
                at = (y * width + column) * 3
                if all(abs(data[at + i] - want[i]) <= tolerance for i in range(3)):
                    return y
        return None

    def click(self, x: int, y: int) -> None:
        self.run("xdotool", "mousemove", "--sync", str(x), str(y), "click", "1")

    def stop(self) -> None:
        stop_process(self.process)
        self.log.close()


@dataclass
class Geometry:
    x: int
    y: int
    width: int
    height: int


class Program:
    """``python -m unannotate ARGS`` on ``server``'s display, with Qt's X11 platform, in a
    home of its own (so no setting of the person running the tests is read or written)."""

    def __init__(self, server: XServer, args: Sequence[str], home: Path, *,
                 log_dir: Path) -> None:
        self.server = server
        self.home = home
        for folder in (".config", ".local/share", ".cache", "runtime"):
            (home / folder).mkdir(parents=True, exist_ok=True)
        (home / "runtime").chmod(0o700)
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("QT_", "XDG_", "UNANNOTATE_"))}
        env.update({
            "DISPLAY": server.display, "QT_QPA_PLATFORM": "xcb", "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_CACHE_HOME": str(home / ".cache"), "XDG_RUNTIME_DIR": str(home / "runtime"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "src"),
                                                        os.environ.get("PYTHONPATH")])),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        })
        log_dir.mkdir(parents=True, exist_ok=True)
        self.stdout_path = log_dir / "stdout.txt"
        self.stderr_path = log_dir / "stderr.txt"
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen([sys.executable, "-m", "unannotate", *args],
                                            env=env, stdout=out, stderr=err,
                                            stdin=subprocess.DEVNULL)
        self._window: str | None = None

    @property
    def settings_path(self) -> Path:
        return self.home / ".config" / "unannotate" / "settings.json"

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def windows(self, name: str | None = None) -> list[str]:
        """The program's visible top-level windows (optionally those whose title matches
        ``name``, a regular expression)."""
        args = ["xdotool", "search", "--all", "--onlyvisible", "--pid", str(self.process.pid)]
        if name is not None:
            args += ["--name", name]  # with --all: this program's AND this name
        # xdotool exits 1 when nothing matches.
        return self.server.run(*args, check=False).split()

    def window(self, timeout: float = 30.0) -> str:
        """The main window's id, once it is visible (the first one found)."""
        if self._window is None:
            def shown() -> str | None:
                if self.process.poll() is not None:
                    raise AssertionError(f"the program exited ({self.process.returncode}) "
                                         f"before showing a window:\n{self.stderr()[-2000:]}")
                found = self.windows()
                return found[0] if found else None

            self._window = wait_for(shown, timeout=timeout, what="the program's window")
        return self._window

    def geometry(self, window: str | None = None) -> Geometry:
        out = self.server.run("xdotool", "getwindowgeometry", "--shell",
                              window or self.window())
        values = dict(line.split("=", 1) for line in out.split() if "=" in line)
        return Geometry(int(values["X"]), int(values["Y"]), int(values["WIDTH"]),
                        int(values["HEIGHT"]))

    def focus(self, window: str | None = None) -> None:
        """No window manager gives focus: take it, and wait until the server says so."""
        self.server.run("xdotool", "windowfocus", "--sync", window or self.window())

    def keys(self, *keys: str, window: str | None = None, delay: int = KEY_DELAY_MS) -> None:
        """A burst of keys in xdotool's names (``shift+Tab``, ``ctrl+Return``, ``a``), typed
        into the focused window as a keyboard would."""
        self.focus(window)
        self.server.run("xdotool", "key", "--delay", str(delay), *keys)

    def type(self, text: str, *, window: str | None = None, delay: int = 40) -> None:
        """Text typed character by character (into whatever has the keyboard focus)."""
        self.focus(window)
        self.server.run("xdotool", "type", "--delay", str(delay), "--", text)

    def screenshot(self, path: Path) -> Path:
        return self.server.screenshot(path)

    def stop(self) -> None:
        stop_process(self.process)


@contextmanager
def running(server: XServer, args: Sequence[str], home: Path, *,
            log_dir: Path) -> Iterator[Program]:
    """The program, stopped at the end whatever happened."""
    program = Program(server, args, home, log_dir=log_dir)
    try:
        yield program
    finally:
        program.stop()


def problems_in(stderr: str) -> list[str]:
    """What the program's standard error must never hold: Qt's word that a key matched
    two shortcuts (and so did nothing), and Python tracebacks."""
    return [line for line in stderr.splitlines()
            if "Ambiguous shortcut" in line or line.startswith("Traceback")]
