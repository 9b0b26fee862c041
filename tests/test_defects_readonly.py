"""A project on read-only media: what only reads works, what writes says so in one line.

Two kinds of test, and what each pins:

- In-process tests open projects with ``read_only=True`` in a writable folder (SQLite's
  ``mode=ro``: every write is refused by SQLite itself), and stand in for a read-only folder
  by making ``os.access`` say so. They pin the program's choices (which way it opens, what it
  says, that the original file is never changed), not the file system's behaviour.
- ``test_on_a_read_only_file_system`` runs the real program in a private mount namespace
  where the project's folder is bind-mounted read-only (``unshare -m``; it needs root or
  user namespaces, and is skipped, saying why, where neither is there). Root ignores
  permission bits but not a read-only mount, so this exercises the real thing: SQLite
  cannot make its ``-shm`` file, and writes fail with EROFS.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unannotate.cli import app
from unannotate.core.errors import ReadOnlyProjectError
from unannotate.services.decisions import Decider
from unannotate.services.importing import import_paths
from unannotate.services.project import open_project

TEXT = "Ana Lima met Ben Okoro in Lima on 3 May."
FIXTURES = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(tmp_path / "settings.json"))


def _project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    docs = folder / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "a.txt").write_text(TEXT, encoding="utf-8")
    path = folder / "p.db"
    with open_project(path) as project:
        import_paths(project, [docs])
        Decider(project, "carl").add(1, 0, 8, "PERSON")
        Decider(project, "dana").add(1, 0, 8, "PERSON")
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _folder_read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """``os.access`` says nothing in ``folder`` can be written (what a read-only mount says,
    to root as to anyone)."""
    real = os.access

    def access(path, mode, *args, **kwargs):  # type: ignore[no-untyped-def]
        if mode & os.W_OK and Path(path).resolve().is_relative_to(folder.resolve()):
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)


def test_read_only_opening_reads_and_refuses_every_decision(tmp_path: Path) -> None:
    path = _project(tmp_path / "ro")
    before = _digest(path)
    with open_project(path, create=False, read_only=True) as project:
        assert project.read_only
        carl = Decider(project, "carl")
        assert [(s.start, s.end, s.label) for s in carl.spans(1)] == [(0, 8, "PERSON")]
        newcomer = Decider(project, "zoe")  # nobody is made in the project
        assert newcomer.spans(1) == []
        for attempt in (lambda: carl.add(1, 12, 20, "PERSON"), carl.undo,
                        lambda: newcomer.add(1, 0, 3, "PERSON")):
            with pytest.raises(ReadOnlyProjectError, match="open read-only.*nothing was changed"):
                attempt()
    assert _digest(path) == before
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT name FROM annotators ORDER BY id").fetchall() == [
        ("carl",), ("dana",)]
    conn.close()


def test_a_project_of_an_older_schema_is_read_from_an_upgraded_copy(tmp_path: Path) -> None:
    path = tmp_path / "old" / "p.db"
    path.parent.mkdir()
    shutil.copyfile(FIXTURES / "schema-v1.db", path)
    before = _digest(path)
    project = open_project(path, create=False, read_only=True)
    assert project.location == str(path)  # named as the original, never the copy
    assert Decider(project, "ana").spans(1)
    project.close()
    assert _digest(path) == before
    # No backup beside it (SQLite's own -wal/-shm of a reader may be there: its business).
    assert not [p.name for p in path.parent.iterdir() if p.suffix == ".bak"]


def test_stats_export_agreement_work_in_a_read_only_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _project(tmp_path / "ro")
    before = _digest(path)
    _folder_read_only(monkeypatch, tmp_path / "ro")
    opened: list[str] = []  # how each connection to the project was opened
    real_connect = sqlite3.connect

    def connect(database, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "p.db" in str(database):
            opened.append(str(database))
        return real_connect(database, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    runner = CliRunner()
    stats = runner.invoke(app, ["stats", "-p", str(path)])
    assert stats.exit_code == 0, stats.output
    assert "documents: 1" in stats.output
    out = tmp_path / "out.jsonl"
    export = runner.invoke(app, ["export", "-p", str(path), "-o", str(out)])
    assert export.exit_code == 0, export.output
    assert "Ana Lima" in out.read_text(encoding="utf-8")
    agreement = runner.invoke(app, ["agreement", "-p", str(path), "-a", "carl,dana"])
    assert agreement.exit_code == 0 and "exact F1" in agreement.output
    assert _digest(path) == before
    # Every connection only read: SQLite's mode=ro (immutable where the folder cannot hold
    # the write-ahead log's index and no log holds transactions).
    assert opened and all("mode=ro" in uri for uri in opened), opened


def test_import_into_a_read_only_folder_is_one_clear_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _project(tmp_path / "ro")
    _folder_read_only(monkeypatch, tmp_path / "ro")
    result = CliRunner().invoke(app, ["import", str(tmp_path / "ro" / "docs"), "-p", str(path)])
    # One line, as every error the program explains (a ReadOnlyProjectError), and status 1.
    assert result.exit_code == 1
    message = result.output.strip()
    assert message.startswith("error: ") and "\n" not in message and str(path) in message and "read-only" in message
    assert "nothing was changed" in message


def test_export_onto_a_place_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    path = _project(tmp_path / "p")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    target = blocker / "out.jsonl"  # a folder that is a file: ENOTDIR, like EROFS an OSError
    result = CliRunner().invoke(app, ["export", "-p", str(path), "-o", str(target)])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.startswith(f"error: {target}: cannot be written (")


def test_the_window_opens_a_read_only_project_to_read_and_says_so(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from unannotate.qt import app as qt_app

    path = _project(tmp_path / "ro")
    before = _digest(path)
    _folder_read_only(monkeypatch, tmp_path / "ro")
    project = qt_app.open_for_window(str(path))
    assert project is not None and project.read_only
    window = qt_app.open_window(project, "carl")
    assert window is not None
    qtbot.addWidget(window)
    box = window.read_only_box  # type: ignore[attr-defined]
    assert box.isVisible() and not box.isModal()
    assert str(path) in box.text() and "read-only" in box.text()
    assert "read-only" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.document is not None)
    box.close()  # read, and closed
    window.activateWindow()
    window.view.setFocus()
    qtbot.waitUntil(window.view.hasFocus)
    cursor = window.view.textCursor()
    cursor.setPosition(window.view.positions.to_qt(12))
    cursor.setPosition(window.view.positions.to_qt(20), cursor.MoveMode.KeepAnchor)
    window.view.setTextCursor(cursor)
    monkeypatch.setattr(qt_app.MainWindow, "_warn", lambda *a: None)  # boxes would block
    qtbot.keyClick(window.view, Qt.Key.Key_1)  # a decision: refused, and said why
    assert "open read-only" in window.statusBar().currentMessage()
    window.close()
    project.close()
    assert _digest(path) == before


_READ_ONLY_RUN = """
set -e
mount --bind "$1" "$1"
mount -o remount,ro,bind "$1" "$1"
shift
exec "$@"
"""


def _in_read_only_mount(folder: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(["unshare", "-m", "sh", "-c", _READ_ONLY_RUN, "sh", str(folder),
                           *command], capture_output=True, text=True, timeout=120, env=env)


def _can_mount_read_only(tmp_path: Path) -> str | None:
    if shutil.which("unshare") is None:
        return "no unshare command"
    probe = tmp_path / "probe"
    probe.mkdir()
    tried = _in_read_only_mount(probe, "touch", str(probe / "x"))
    if "Read-only file system" not in tried.stderr:
        return f"cannot make a read-only mount here ({tried.stderr.strip()[:200]})"
    return None


@pytest.mark.slow  # a real mount and eight runs of the program, 7 s
def test_on_a_read_only_file_system(tmp_path: Path) -> None:
    reason = _can_mount_read_only(tmp_path)
    if reason:
        pytest.skip(reason)
    folder = tmp_path / "ro"
    path = _project(folder)
    clean = folder / "clean.db"  # closed cleanly: no write-ahead log beside it
    shutil.copyfile(path, clean)
    # A write-ahead log still holding transactions (a program killed while writing): read
    # through a copy, never ignored.
    ours = tmp_path / "ours" / "o.db"
    ours.parent.mkdir()
    with open_project(ours) as project:
        import_paths(project, [folder / "docs"])
    writer = subprocess.run([sys.executable, "-c", (
        "import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "c.execute('PRAGMA wal_autocheckpoint=0'); "
        "c.execute(\"INSERT INTO documents (sha256, text, title, meta, language, source, "
        "created_at) VALUES (?, 'Erin wrote this.', 'erin', '{}', 'en', '', '2026-01-01')\", "
        "('e' * 64,)); c.commit(); os._exit(0)"), str(path)], capture_output=True, text=True)
    assert writer.returncode == 0, writer.stderr
    Path(f"{path}-shm").unlink()  # as on a medium written elsewhere: no index of the log
    assert Path(f"{path}-wal").stat().st_size > 0
    program = [sys.executable, "-m", "unannotate"]
    script = "; ".join(f"{' '.join(program)} {args}; echo \"== $?\"" for args in (
        f"stats -p {clean}",
        f"stats -p {path}",
        f"export -p {path} -o {tmp_path / 'out.jsonl'}",
        f"import {folder / 'docs'} -p {path}",
        f"export -p {ours} -o {folder / 'out.jsonl'}",
        f"bring-in {path} -p {ours}",
        f"agreement -p {path} -a carl,dana -o {folder / 'report.html'}",
    ))
    done = _in_read_only_mount(folder, "sh", "-c", script)
    parts = [p for p in done.stdout.split("== ")]
    codes = [int(p.split("\n", 1)[0]) for p in parts[1:]]
    assert codes == [0, 0, 0, 1, 1, 0, 1], done.stdout + done.stderr
    assert "documents: 1 " in parts[0]  # read in place (immutable: no -shm can be made)
    assert "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 3 and len(done.stderr.strip().splitlines()) == 3, done.stderr
    assert "read-only" in errors[0] and str(path) in errors[0]
    assert errors[1] == f"error: {folder / 'out.jsonl'}: cannot be written (Read-only file system)"
    assert str(folder / "report.html") in errors[2] and "Read-only file system" in errors[2]
    assert "documents: 2 " in parts[1]  # the log's transaction was read, not ignored
    assert "Erin wrote this." in (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    assert "annotator:carl: 1 spans (PERSON 1)" in done.stdout  # brought in
    with open_project(ours, create=False) as project:
        assert [(s.start, s.end) for s in Decider(project, "carl").spans(1)] == [(0, 8)]
    assert sorted(p.name for p in folder.iterdir()) == ["clean.db", "docs", "p.db", "p.db-wal"]
