"""The desktop bundle: build_installer.py builds it, its self-test passes, its package
installs, and the bundled program shows the sample project in a real window (under Xvfb,
photographed from outside the program).

Needs PyInstaller in the environment and, for the window, Debian's xvfb (Xvfb), x11-apps
(xwd) and x11-utils (xwininfo). UNANNOTATE_TEST_INSTALLER=off skips these tests; otherwise a
missing tool fails them, saying what to install.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tarfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SWITCH = "UNANNOTATE_TEST_INSTALLER"
STEPS = ["project", "import", "suggest", "pipeline", "decide", "undo", "export jsonl",
         "export spacy", "window"]
X_TOOLS = {"Xvfb": "xvfb", "xwd": "x11-apps", "xwininfo": "x11-utils"}
SCREEN = (1440, 900)


@dataclass
class Build:
    out: Path
    bundle: Path
    output: str


def _program_environment(**extra: str) -> dict[str, str]:
    """The environment of a person's shell: nothing of this checkout or of the tests."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("UNANNOTATE_", "PYTHON", "QT_")) and key != "VIRTUAL_ENV"}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    if os.environ.get(SWITCH) == "off":
        pytest.skip(f"{SWITCH}=off")
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail(f"PyInstaller is not installed: pip install pyinstaller (or {SWITCH}=off)")
    folder = tmp_path_factory.mktemp("installer")
    out = folder / "dist"
    done = subprocess.run(
        [sys.executable, str(ROOT / "build_installer.py"), "--out", str(out),
         "--work", str(folder / "work")],
        check=False, capture_output=True, text=True, timeout=1800, cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    return Build(out, out / "unannotate", done.stdout)


def test_the_build_passes_the_bundles_self_test(build: Build) -> None:
    lines = build.output.splitlines()
    start = lines.index(f"self-test: {build.bundle / 'unannotate'} --self-test")
    steps = [line.split()[:2] for line in lines[start + 1:start + 1 + len(STEPS)]]
    assert [name.rstrip(":") for _, name in steps[:len(STEPS)]] == [s.split()[0] for s in STEPS]
    assert all(verdict == "ok" or (verdict, name) == ("skip", "pipeline:")
               for verdict, name in steps), build.output
    assert "self-test: passed" in lines
    # The samples the self-test imported were the bundle's own, not this checkout's.
    assert f"import: 15 documents from {build.bundle / '_internal'}" in build.output


def test_the_package_installs_for_the_user_and_uninstalls(build: Build,
                                                          tmp_path: Path) -> None:
    [archive] = build.out.glob("unannotate-*-linux-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        top = names[0].split("/")[0]
        assert top == archive.name.removesuffix(".tar.gz")
        inside = "unannotate/_internal/unannotate"
        for name in ("install.sh", "unannotate.desktop", "unannotate.svg", "unannotate.png",
                     "unannotate/unannotate", f"{inside}/_resources/labels.json",
                     f"{inside}/_resources/icons/unannotate.svg",
                     f"{inside}/_resources/templates/agreement_report.html",
                     f"{inside}/_samples/01_security_council_briefing.txt"):
            assert f"{top}/{name}" in names
        assert tar.getmember(f"{top}/install.sh").mode & 0o111
        # The checkout's tests, benchmarks and documentation stay out.
        left_out = {f"{top}/unannotate/_internal/{name}" for name in ("tests", "bench", "docs")}
        assert not left_out & set(names)
        tar.extractall(tmp_path, filter="tar")
    home = tmp_path / "home"
    home.mkdir()
    env = _program_environment(HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env.pop("XDG_DATA_HOME", None)
    subprocess.run([str(tmp_path / top / "install.sh")], env=env, check=True,
                   capture_output=True, timeout=300)
    data = home / ".local" / "share"
    entry = (data / "applications" / "unannotate.desktop").read_text()
    program = data / "unannotate-program" / "unannotate"
    assert f'Exec="{program}"' in entry.splitlines()
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / "unannotate.svg").is_file()
    version = subprocess.run([str(home / ".local" / "bin" / "unannotate"), "--version"],
                             check=False, env=env, capture_output=True, text=True,
                             timeout=120)
    assert version.stdout.startswith("unannotate "), version.stderr
    _agreement_report_works(home / ".local" / "bin" / "unannotate", tmp_path, env)
    subprocess.run([str(tmp_path / top / "install.sh"), "--uninstall"], env=env, check=True,
                   capture_output=True, timeout=120)
    assert not program.exists()
    assert not (data / "applications" / "unannotate.desktop").exists()
    assert not (home / ".local" / "bin" / "unannotate").exists()


def _agreement_report_works(program: Path, folder: Path, env: dict[str, str]) -> None:
    """Two annotators' work imported into a project by the installed program, compared: the
    agreement tables on the terminal and the HTML page (its template, Jinja and rich are in
    the bundle), the document's title escaped in it."""
    text = "UNICEF met Kazakhstan in Almaty."
    title = "<script>alert(1)</script> briefing"

    def layer(name: str, spans: list[tuple[int, int, str]]) -> dict[str, object]:
        return {"name": f"annotator:{name}", "kind": "annotator", "annotator": name,
                "status": "done", "claims": [],
                "entities": [{"start": a, "end": b, "label": label, "text": text[a:b],
                              "state": "accepted"} for a, b, label in spans]}

    record = {"format": "unannotate", "version": 1, "title": title, "language": "en",
              "text": text, "layers": [layer("ana", [(0, 6, "ORG"), (11, 21, "GPE")]),
                                       layer("ben", [(0, 6, "ORG"), (25, 31, "GPE")])]}
    (folder / "two.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    project = str(folder / "agreement.db")

    def run(*args: str) -> str:
        done = subprocess.run([str(program), *args, "--project", project], env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    run("import", str(folder / "two.jsonl"))
    shown = run("agreement", "-a", "ana,ben")
    assert "per label:" in shown and "\x1b" not in shown
    assert ["GPE", "0.000", "0.000", "1", "1"] in [line.split() for line in shown.splitlines()]
    run("agreement", "-a", "ana,ben", "-o", str(folder / "report.html"))
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; briefing" in page


def test_the_bundled_window_shows_the_sample_project(build: Build, tmp_path: Path) -> None:
    missing = [f"{tool} (Debian: {package})" for tool, package in X_TOOLS.items()
               if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"not installed: {', '.join(missing)}; apt-get install "
                    f"{' '.join(X_TOOLS.values())} (or {SWITCH}=off)")
    program = build.bundle / "unannotate"
    project = tmp_path / "sample.unannotate.db"
    env = _program_environment(HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen",
                               UNANNOTATE_SETTINGS=str(tmp_path / "settings.json"))
    samples = build.bundle / "_internal" / "unannotate" / "_samples"
    for command in (["import", str(samples)], ["suggest"]):
        subprocess.run([str(program), *command, "--project", str(project)], env=env,
                       check=True, capture_output=True, timeout=300)
    first_title = _first_title(project)
    with _Display() as display:
        env.update(DISPLAY=display)
        del env["QT_QPA_PLATFORM"]  # the X11 plugin, as on a desktop
        window = subprocess.Popen([str(program), "--project", str(project), "--annotator",
                                   "ana"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        try:
            title = _wait_for_window(display, window)
            shot = _screenshot_until_drawn(display, tmp_path / "window.png")
        finally:
            window.terminate()
            window.wait(timeout=30)
    assert title == f"{first_title} — sample.unannotate.db — unannotate"
    assert shot.colours >= 200, f"{shot.path} looks blank ({shot.colours} colours)"
    assert shot.vivid > 0.01, f"{shot.path} shows no coloured highlights"
    assert shot.path.stat().st_size > 10_000


def _first_title(project: Path) -> str:
    connection = sqlite3.connect(project)
    try:
        return connection.execute("SELECT title FROM documents ORDER BY id LIMIT 1").fetchone()[0]
    finally:
        connection.close()


class _Display:
    """A private X server (Xvfb) on the first free display number, stopped after use."""

    def __enter__(self) -> str:
        read, write = os.pipe()
        self.server = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24",
             "-nolisten", "tcp"], pass_fds=(write,), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as chosen:
            number = chosen.readline().strip()
        assert number, "Xvfb did not start"
        return f":{number}"

    def __exit__(self, *exc: object) -> None:
        self.server.terminate()
        self.server.wait(timeout=30)


def _wait_for_window(display: str, window: subprocess.Popen[bytes],
                     timeout: float = 90.0) -> str:
    """The title of the program's main window once the X server has it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if window.poll() is not None:
            output = window.stdout.read().decode(errors="replace") if window.stdout else ""
            pytest.fail(f"the program ended ({window.returncode}) before its window:\n{output}")
        tree = subprocess.run(["xwininfo", "-root", "-tree", "-display", display],
                              check=True, capture_output=True, text=True, timeout=30).stdout
        for line in tree.splitlines():
            quoted = line.split('"')
            if len(quoted) > 2 and quoted[1].endswith(" — unannotate"):
                return quoted[1]
        time.sleep(0.5)
    pytest.fail(f"no unannotate window on {display} after {timeout:.0f} s")


@dataclass
class Screenshot:
    path: Path
    colours: int  # distinct colours
    vivid: float  # share of the pixels that are clearly coloured (highlights), not grey


def _screenshot_until_drawn(display: str, path: Path, timeout: float = 30.0) -> Screenshot:
    """The whole screen as a PNG, taken again until the window has painted (many colours:
    text, highlights) or the time is up; the last one is kept either way."""
    deadline = time.monotonic() + timeout
    while True:
        dump = subprocess.run(["xwd", "-root", "-silent", "-display", display],
                              capture_output=True, check=True, timeout=60).stdout
        width, height, rows = _xwd_rgb(dump)
        pixels = [row[i:i + 3] for row in rows for i in range(0, len(row), 3)]
        colours = len(set(pixels))
        if colours >= 200 or time.monotonic() > deadline:
            path.write_bytes(_png(width, height, rows))
            vivid = sum(1 for pixel in pixels if max(pixel) - min(pixel) > 60) / len(pixels)
            return Screenshot(path, colours, vivid)
        time.sleep(1)


def _xwd_rgb(dump: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an X window dump of a TrueColor or DirectColor screen
    (Xvfb's), whose pixels may be 3 or 4 bytes: ``bits_per_pixel`` says which, the rows are
    ``bytes_per_line`` apart."""
    (header_size, version, image_format, _depth, width, height, _x, byte_order, _unit,
     _bit_order, _pad, bits_per_pixel, bytes_per_line, _visual, red, green, blue, _bits,
     _entries, colours) = struct.unpack(">20I", dump[:80])
    assert version == 7 and image_format == 2, "not a ZPixmap X window dump"
    pixel_bytes = bits_per_pixel // 8
    order: Literal["little", "big"] = "little" if byte_order == 0 else "big"
    shifts = [(mask, (mask & -mask).bit_length() - 1) for mask in (red, green, blue)]
    start = header_size + 12 * colours
    rows = []
    for y in range(height):
        line = dump[start + y * bytes_per_line:start + (y + 1) * bytes_per_line]
        row = bytearray()
        for x in range(0, width * pixel_bytes, pixel_bytes):
            value = int.from_bytes(line[x:x + pixel_bytes], order)
            row.extend((value & mask) >> shift for mask, shift in shifts)
        rows.append(bytes(row))
    return width, height, rows


def _png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    pixels = zlib.compress(b"".join(b"\0" + row for row in rows), 6)
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))
