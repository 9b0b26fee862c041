"""No decision lost when the program is killed; a read-only project file, a full disk and an
edit made in another window are told plainly, and leave what is stored as it was.

The conditions are made for real where the machine allows it: a read-only file by its
permissions (and, for root, whom permissions do not stop, the immutable attribute); a full
disk by a write-ahead log that is the kernel's ``/dev/full`` device (every write fails with
ENOSPC, as on a full disk) and by SQLite's own size limit (``PRAGMA max_page_count``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import event, insert
from sqlalchemy.exc import OperationalError

from unannotate.core.errors import (
    DiskFullError,
    ProjectBusyError,
    ReadOnlyProjectError,
    StorageError,
)
from unannotate.core.model import DocumentStatus, LabelKind
from unannotate.nlp.base import SuggesterInfo
from unannotate.services.decisions import ConflictError, Decider
from unannotate.services.project import Project, open_project
from unannotate.services.suggesting import suggestions_layer_id
from unannotate.storage.database import plain_storage_error
from unannotate.storage.schema import DocumentRow, SpanRow

REPO = Path(__file__).resolve().parents[1]
KILL_TEST = REPO / "bench" / "kill_test.py"
TEXT = ("Dr. Lina Haddad of UNICEF said on 3 May 2025 that 4,000 children in Mali were reached. "
        "The Security Council met in Geneva. Ms. Amina Diallo spoke for the WFP in Dakar.")
FOUND = [("Lina Haddad", "PERSON"), ("UNICEF", "ORG"), ("3 May 2025", "DATE"),
         ("Mali", "GPE"), ("Security Council", "ORG"), ("Geneva", "GPE"),
         ("Amina Diallo", "PERSON"), ("WFP", "ORG"), ("Dakar", "GPE")]


@pytest.fixture(autouse=True)
def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(tmp_path / "settings.json"))


def _seed(path: Path) -> int:
    """A project with one document, its suggestions, and the reviewer ``ana`` known."""
    with open_project(path) as project:
        info = SuggesterInfo(name="test.suggester.v1", kind=LabelKind.ENTITY)
        with project.db.session() as session:
            document = session.execute(
                insert(DocumentRow).returning(DocumentRow.id),
                [{"sha256": "0" * 64, "text": TEXT, "title": "Briefing", "meta": {}}],
            ).scalar_one()
            layer = suggestions_layer_id(session, info)
            labels = project.label_ids(session)
            for word, label in FOUND:
                start = TEXT.index(word)
                session.add(SpanRow(layer_id=layer, document_id=document, start=start,
                                    end=start + len(word), label_id=labels[label],
                                    state="suggested", score=0.8, reason="test"))
        Decider(project, "ana")
    return document


def _stored(path: Path) -> dict[str, Any]:
    """What the project holds, read with plain sqlite3 (read-only, so it works on a file that
    cannot be written), and SQLite's own checks of the file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            "spans": conn.execute('SELECT id, start, "end", label_id, state, version FROM spans '
                                  "ORDER BY id").fetchall(),
            "events": conn.execute("SELECT id, kind, span_id FROM events ORDER BY id").fetchall(),
            "statuses": conn.execute("SELECT * FROM document_status").fetchall(),
            "integrity": conn.execute("PRAGMA integrity_check").fetchall(),
            "foreign_keys": conn.execute("PRAGMA foreign_key_check").fetchall(),
        }
    finally:
        conn.close()


def _healthy(stored: dict[str, Any]) -> bool:
    return stored["integrity"] == [("ok",)] and stored["foreign_keys"] == []


@contextmanager
def _read_only(path: Path) -> Iterator[None]:
    """The project file made read-only for real, and writable again afterwards."""
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    immutable = False
    try:
        if os.geteuid() == 0:
            # Permissions do not stop root: the immutable attribute does.
            if shutil.which("chattr") is None or subprocess.run(
                    ["chattr", "+i", str(path)], check=False, capture_output=True).returncode:
                pytest.skip("running as root on a file system without the immutable attribute")
            immutable = True
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        os.chmod(path, 0o644)


@contextmanager
def _wal_on_dev_full(project: Project) -> Iterator[None]:
    """A full disk: the project's write-ahead log is made the kernel's /dev/full device, on
    which every write fails with ENOSPC (No space left on device), as on a full disk. The
    project's connections are closed first (the log exists only while one is open) and after
    (an open connection keeps writing to the device)."""
    wal = Path(f"{project.db.path}-wal")
    project.db.engine.dispose()
    assert not wal.exists()
    try:
        os.mknod(wal, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except (PermissionError, AttributeError):
        pytest.skip("creating a device node needs privileges this machine does not give")
    try:
        yield
    finally:
        project.db.engine.dispose()
        if wal.exists() and stat.S_ISCHR(wal.stat().st_mode):
            wal.unlink()


@contextmanager
def _size_limit(project: Project) -> Iterator[None]:
    """SQLite's own "database or disk is full": no page may be added to the file."""

    def limit(dbapi_connection: Any, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    engine = project.db.engine
    engine.dispose()
    event.listen(engine, "connect", limit)
    try:
        yield
    finally:
        event.remove(engine, "connect", limit)
        engine.dispose()


# --- services -----------------------------------------------------------------------------------

def test_a_decision_on_a_read_only_project_file_is_refused_plainly(project_path: Path) -> None:
    document = _seed(project_path)
    with open_project(project_path) as project:
        Decider(project, "ana").accept(Decider(project, "ana").pending(document)[0].id)
    before = _stored(project_path)
    with _read_only(project_path):
        project = open_project(project_path)  # opening to read works
        reviewer = Decider(project, "ana")
        pending = reviewer.pending(document)
        own = reviewer.spans(document)[0]
        attempts: list[Callable[[], object]] = [
            lambda: reviewer.accept(pending[0].id),
            lambda: reviewer.reject(pending[0].id),
            lambda: reviewer.add(document, 0, 3, "PERSON"),
            lambda: reviewer.relabel(own.id, "ORG", expected_version=own.version),
            lambda: reviewer.delete(own.id, expected_version=own.version),
            lambda: reviewer.set_status(document, DocumentStatus.DONE),
            reviewer.undo,
            lambda: reviewer.accept_all(document),
        ]
        for attempt in attempts:
            with pytest.raises(ReadOnlyProjectError) as raised:
                attempt()
            message = str(raised.value)
            assert message.startswith(f"the project file is read-only: {project_path}")
            assert message.endswith("nothing was changed")
        assert len(reviewer.pending(document)) == len(pending)  # reading still works
        after = _stored(project_path)
        assert after == before and _healthy(after)
    # Writable again: the next decision in the same open project is stored.
    change = reviewer.accept(pending[0].id)
    assert _stored(project_path)["events"][-1] == (change.event_ids[0], "accept",
                                                   max(change.span_ids))
    project.close()


def test_a_project_made_read_only_while_open(project_path: Path) -> None:
    document = _seed(project_path)
    with open_project(project_path) as project:
        reviewer = Decider(project, "ana")
        pending = reviewer.pending(document)
        reviewer.accept(pending[0].id)
        before = _stored(project_path)
        # The file's connections are closed (as the program may do at any time: a pooled
        # connection is dropped and opened again); the next one finds the file read-only.
        project.db.engine.dispose()
        with _read_only(project_path):
            with pytest.raises(ReadOnlyProjectError, match="read-only.*nothing was changed"):
                reviewer.reject(pending[1].id)
            assert _stored(project_path) == before
        reviewer.reject(pending[1].id)
        assert len(_stored(project_path)["spans"]) == len(before["spans"]) + 1


def test_a_full_disk_refuses_the_decision_and_keeps_what_is_stored(project_path: Path) -> None:
    document = _seed(project_path)
    with open_project(project_path) as project:
        reviewer = Decider(project, "ana")
        pending = reviewer.pending(document)
        reviewer.accept(pending[0].id)
        before = _stored(project_path)
        with _wal_on_dev_full(project):
            for attempt in (lambda: reviewer.accept(pending[1].id),
                            lambda: reviewer.add(document, 0, 3, "PERSON"),
                            reviewer.undo,
                            lambda: reviewer.set_status(document, DocumentStatus.DONE)):
                with pytest.raises(DiskFullError) as raised:
                    attempt()
                assert str(raised.value).startswith(f"the disk is full: {project_path}")
                assert "nothing was changed" in str(raised.value)
            assert reviewer.pending(document)[0].id == pending[1].id
            after = _stored(project_path)
            assert after == before and _healthy(after)
        change = reviewer.accept(pending[1].id)  # room again: stored
        assert _stored(project_path)["events"][-1][0] == change.event_ids[0]
    assert _healthy(_stored(project_path))


def test_a_database_at_its_size_limit_refuses_the_decision_that_would_grow_it(
        project_path: Path) -> None:
    document = _seed(project_path)
    with open_project(project_path) as project:
        reviewer = Decider(project, "ana")
        stored = _stored(project_path)
        refused = None
        with _size_limit(project):
            # Decisions that fit in the file's free room are stored; the first that needs a
            # new page is refused.
            for n in range(200):
                pending = reviewer.pending(document)
                try:
                    if pending:
                        reviewer.accept(pending[0].id)
                    else:  # a new span each time (the same span twice is stored once)
                        reviewer.add(document, 0, len(TEXT) - n, "CLAIM")
                except DiskFullError as error:
                    refused = error
                    break
                stored = _stored(project_path)
            assert refused is not None, "the size limit was never reached"
            assert "the disk is full" in str(refused)
            after = _stored(project_path)
            assert after == stored and _healthy(after)
        reviewer.add(document, 0, 3, "PERSON")
        assert len(_stored(project_path)["events"]) == len(stored["events"]) + 1


def _driver_error(code: int, name: str, message: str) -> OperationalError:
    orig = sqlite3.OperationalError(message)
    orig.sqlite_errorcode = code  # type: ignore[attr-defined]
    orig.sqlite_errorname = name  # type: ignore[attr-defined]
    return OperationalError("COMMIT", {}, orig)


class _ServerError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("code", "name", "kind", "says"), [
    (8, "SQLITE_READONLY", ReadOnlyProjectError, "the project file is read-only: x.db"),
    (264, "SQLITE_READONLY_RECOVERY", ReadOnlyProjectError, "nothing was changed"),
    (13, "SQLITE_FULL", DiskFullError, "the disk is full: x.db"),
    (5, "SQLITE_BUSY", ProjectBusyError, "the project is busy"),
    (1034, "SQLITE_IOERR_FSYNC", StorageError, "could not be read or written: x.db"),
    (11, "SQLITE_CORRUPT", StorageError, "the project file is damaged: x.db"),
    (14, "SQLITE_CANTOPEN", StorageError, "cannot be opened: x.db"),
])
def test_database_errors_become_plain_storage_errors(code: int, name: str, kind: type,
                                                     says: str) -> None:
    plain = plain_storage_error(_driver_error(code, name, "driver text"), "x.db")
    assert type(plain) is kind
    assert says in str(plain)
    if code & 0xFF == 10:  # an I/O error may have reached the disk after all
        assert "nothing was changed" not in str(plain)


def test_other_database_errors_are_left_alone() -> None:
    assert plain_storage_error(_driver_error(1, "SQLITE_ERROR", "no such table: x"), "x") is None
    assert plain_storage_error(_driver_error(19, "SQLITE_CONSTRAINT", "UNIQUE"), "x") is None
    server_full = OperationalError("INSERT", {}, _ServerError("53100"))
    assert isinstance(plain_storage_error(server_full, "postgresql://h/db"), DiskFullError)
    server_read_only = OperationalError("INSERT", {}, _ServerError("25006"))
    assert isinstance(plain_storage_error(server_read_only, "postgresql://h/db"),
                      ReadOnlyProjectError)


def test_a_conflicting_edit_from_another_reviewer_instance(project_path: Path) -> None:
    document = _seed(project_path)
    with open_project(project_path) as first, open_project(project_path) as second:
        mine, other = Decider(first, "ana"), Decider(second, "ana")
        span_id = max(mine.accept(mine.pending(document)[0].id).span_ids)
        shown = next(s for s in other.spans(document) if s.id == span_id)  # version 1
        mine.relabel(span_id, "GPE", expected_version=1)
        for stale in (lambda: other.relabel(span_id, "ORG", expected_version=shown.version),
                      lambda: other.resize(span_id, 0, 3, expected_version=shown.version),
                      lambda: other.delete(span_id, expected_version=shown.version)):
            with pytest.raises(ConflictError, match="changed elsewhere"):
                stale()
        kept = next(s for s in other.spans(document) if s.id == span_id)
        assert (kept.label, kept.version) == ("GPE", 2)
    assert [kind for _, kind, _ in _stored(project_path)["events"]] == ["accept", "relabel"]


# --- the window ---------------------------------------------------------------------------------

def _shown(window: Any) -> tuple[Any, ...]:
    """What the window shows of the open document's decisions."""
    return (set(window.pending_ids), list(window.span_model.keys), window.view.selected_span,
            window.decisions_this_session, window.progress_label.text())


def _refused_plainly(window: Any, says: str) -> None:
    box = window.storage_error_box
    assert box is not None and box.isVisible() and not box.isModal()
    assert box.text() == "This decision was not stored."
    assert says in box.informativeText() and "nothing was changed" in box.informativeText()
    assert window.statusBar().currentMessage().startswith("This decision was not stored.")
    assert says in window.statusBar().currentMessage()


def _no_modal_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    def modal(*args: object) -> None:
        raise AssertionError(f"a modal box would block the window: {args}")

    monkeypatch.setattr(QMessageBox, "warning", modal)


def test_window_on_a_read_only_project_says_the_decision_was_not_stored(
        qtbot, window_factory, project_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _seed(project_path)
    _no_modal_boxes(monkeypatch)
    before = _stored(project_path)
    with _read_only(project_path):
        window = window_factory()
        suggestion = window.view.selected_span
        assert suggestion in window.pending_ids
        shown = _shown(window)
        qtbot.keyClick(window.view, Qt.Key.Key_A)
        _refused_plainly(window, f"The project file is read-only: {project_path}")
        assert _shown(window) == shown  # still pending, the panel as it was
        qtbot.keyClick(window.view, Qt.Key.Key_X)  # every decision is refused the same way
        assert _shown(window) == shown
        after = _stored(project_path)
        assert after == before and _healthy(after)
    # Writable again: the same key press is stored and shown.
    qtbot.keyClick(window.view, Qt.Key.Key_A)
    assert suggestion not in window.pending_ids
    assert window.decisions_this_session == shown[3] + 1
    assert [kind for _, kind, _ in _stored(project_path)["events"]] == ["accept"]


def test_window_on_a_full_disk_says_the_decision_was_not_stored(
        qtbot, window_factory, project_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _seed(project_path)
    _no_modal_boxes(monkeypatch)
    window = window_factory()
    qtbot.keyClick(window.view, Qt.Key.Key_A)  # one decision stored before the disk fills
    before = _stored(project_path)
    assert [kind for _, kind, _ in before["events"]] == ["accept"]
    with _wal_on_dev_full(window.project):
        suggestion = window.view.selected_span
        shown = _shown(window)
        qtbot.keyClick(window.view, Qt.Key.Key_A)
        _refused_plainly(window, f"The disk is full: {project_path}")
        assert _shown(window) == shown and suggestion in window.pending_ids
        qtbot.keyClick(window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert _shown(window) == shown  # not marked done, not moved on
        after = _stored(project_path)
        assert after == before and _healthy(after)
    qtbot.keyClick(window.view, Qt.Key.Key_A)  # room again
    assert suggestion not in window.pending_ids
    assert [kind for _, kind, _ in _stored(project_path)["events"]] == ["accept", "accept"]


def _click_row(qtbot, window: Any, span_id: int) -> None:  # type: ignore[no-untyped-def]
    """Bring the window to the front (its shortcuts work in the active window) and select
    the span by clicking its row in the panel."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    span = window.spans[span_id]
    index = window.span_model.index(window.span_model.row_of((span.start, span.end, span_id)), 1)
    window.span_table.scrollTo(index)
    qtbot.mouseClick(window.span_table.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.span_table.visualRect(index).center())
    assert window.view.selected_span == span_id


def test_a_conflicting_edit_in_another_window_reloads_and_says_so(
        qtbot, window_factory, project_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _seed(project_path)
    _no_modal_boxes(monkeypatch)
    first = window_factory()
    qtbot.keyClick(first.view, Qt.Key.Key_A)  # "Lina Haddad" accepted as PERSON
    span_id = max(i for i in first.spans if i not in first.pending_ids)
    second = window_factory()  # a second window of the same reviewer on the same file
    assert second.spans[span_id].version == 1
    _click_row(qtbot, first, span_id)
    qtbot.keyClick(first.view, Qt.Key.Key_2)  # relabelled ORG in the first window
    assert first.spans[span_id].label == "ORG"
    _click_row(qtbot, second, span_id)
    assert second.spans[span_id].label == "PERSON"  # the second window still shows the old
    qtbot.keyClick(second.view, Qt.Key.Key_3)  # relabel to GPE from a stale view: refused
    message = second.statusBar().currentMessage()
    assert message.startswith(f"Not changed: span {span_id} was changed elsewhere")
    assert "The document now shows what is stored." in message
    # Reloaded: the second window now shows the first window's decision.
    assert (second.spans[span_id].label, second.spans[span_id].version) == ("ORG", 2)
    events = _stored(project_path)["events"]
    assert [kind for _, kind, _ in events] == ["accept", "relabel"]
    # Deciding again, on what is now shown, works.
    _click_row(qtbot, second, span_id)
    qtbot.keyClick(second.view, Qt.Key.Key_3)
    assert second.spans[span_id].label == "GPE"
    assert [kind for _, kind, _ in _stored(project_path)["events"]][-1] == "relabel"
    # A stale delete in the first window is refused the same way.
    _click_row(qtbot, first, span_id)
    qtbot.keyClick(first.view, Qt.Key.Key_Delete)
    assert first.statusBar().currentMessage().startswith("Not changed:")
    assert first.spans[span_id].label == "GPE"
    assert len(_stored(project_path)["events"]) == 3


# --- the kill test ------------------------------------------------------------------------------

def _kill_test_module() -> Any:
    spec = importlib.util.spec_from_file_location("kill_test", KILL_TEST)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while defined
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_kill_test_quick_loses_nothing(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, str(KILL_TEST), "--quick"], check=False,
                          capture_output=True, text=True, timeout=900, env=env, cwd=tmp_path)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["runs"] == 3 and figures["killed"] == 3, done.stdout
    assert figures["acknowledged"] > 0
    assert figures["lost"] == 0 and figures["corrupt"] == 0, done.stdout
    assert figures["variants"]["window"]["runs"] == 1
    assert figures["variants"]["window"]["not_shown"] == 0
    assert done.returncode == 0


@pytest.mark.slow
def test_kill_test_notices_a_lost_or_an_unexplained_decision(tmp_path: Path) -> None:
    kill_test = _kill_test_module()
    template = kill_test.build_template(tmp_path)

    def session(name: str, decisions: int) -> tuple[Path, Path]:
        folder = tmp_path / name
        folder.mkdir()
        project, log = folder / "project.db", folder / "ack.log"
        shutil.copyfile(template, project)
        kill_test.services_child(project, kill_test.AckLog(log), 7, decisions)
        return project, log

    def checked(project: Path, log: Path) -> Any:
        # On a copy: the check undoes and redoes everything in the project it is given.
        copy = project.with_name("checked.db")
        shutil.copyfile(project, copy)
        result = kill_test.RunResult("services", 7, killed=True)
        kill_test.check(result, copy, log, template, project.parent)
        return result

    project, log = session("whole", 30)
    result = checked(project, log)
    assert (result.acknowledged, result.lost, result.corrupt) == (30, 0, False)
    # An acknowledgement of a decision the project does not hold: lost.
    acks = [json.loads(line) for line in log.read_text().splitlines() if '"ack"' in line]
    forged = {**acks[-1], "ack": 30, "events": [max(acks[-1]["events"] or [0]) + 1000]}
    with log.open("a") as handle:
        handle.write(json.dumps(forged) + "\n")
    assert checked(project, log).lost == 1

    # The last decision committed but never acknowledged (the kill came in between): allowed,
    # as long as it is the decision announced before the call.
    project, log = session("in-flight", 12)
    lines = log.read_text().splitlines()
    assert '"ack": 11' in lines[-1]
    log.write_text("\n".join(lines[:-1]) + "\n")
    result = checked(project, log)
    assert (result.acknowledged, result.in_flight_committed) == (11, True)
    assert (result.lost, result.corrupt) == (0, False)
    # Without the announcement, the same events are unexplained: a duplicate.
    log.write_text("\n".join(lines[:-2]) + "\n")
    result = checked(project, log)
    assert result.duplicated > 0 and result.corrupt
