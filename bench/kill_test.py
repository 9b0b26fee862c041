"""Crash test: no acknowledged decision is lost when the program is killed with SIGKILL.

Each run copies a template project (the sample documents in ``data/`` with the built-in
suggesters' suggestions, built once), starts a CHILD process that makes a seeded review session
of 500 decisions on the copy (accept, reject, accept with another label, add, relabel, resize,
delete, mark done, undo, redo, accept all) and kills it with SIGKILL at a seeded random moment.

Two variants drive the session:

- ``services``: the child calls :class:`~unannotate.services.decisions.Decider`, as the window
  does;
- ``window``: the child shows a ``MainWindow`` (offscreen) and presses its keys with ``QTest``
  (A, X, the digits, C, Alt+arrows, Delete, Ctrl+Enter, Ctrl+Z, Ctrl+Shift+Z, Shift+A, Tab,
  PgDown), selecting a span by clicking its row in the panel and text with the text cursor.

Acknowledged means shown: the child appends one line per decision to an acknowledgement file,
written, flushed and fsync'd AFTER the call returned (for the window: after the key press
returned and the window shows the decision: its count of decisions, the suggestion no longer
pending, the added span drawn). The line holds the Decider call the decision made (method and
arguments, recorded by a wrapper around the Decider's methods) and the event ids it returned.
Just before each call the child also writes the call it is about to make (flushed, not synced:
what a killed process has written survives it), so a decision committed but not yet
acknowledged is known too.

After the kill the parent checks the project file:

- ``PRAGMA integrity_check`` is ok and ``PRAGMA foreign_key_check`` finds nothing;
- the acknowledged calls, replayed on a fresh copy of the template, return the same event ids
  and give exactly the killed project's events (kind, span, suggestion, before and after,
  target, grouping), the reviewer's spans and statuses, the only difference allowed being the
  one decision in flight at the kill, if it committed. ``lost``: acknowledged decisions whose
  events are missing or differ; ``duplicated``: events no acknowledged or in-flight decision
  explains; no suggestion decided twice;
- undo history: the project has as many undo steps as the log implies; undoing them all leaves
  the reviewer's layer empty and no document done; redoing them gives the killed state back.

Usage: .venv/bin/python bench/kill_test.py [--services-runs N] [--window-runs N]
       [--decisions N] [--seed S] [--quick] [--keep DIR]

Human-readable lines first; the last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

DATA = REPO / "data"
ANNOTATOR = "ana"
DECISIONS = 500
SERVICES_RUNS, WINDOW_RUNS = 20, 20
RUN_TIMEOUT_S = 300.0
# The Decider methods that write: each call of one is a decision (or a no-op).
WRITE_METHODS = ("accept", "reject", "accept_all", "add", "relabel", "resize", "delete",
                 "set_status", "undo", "redo")
# How often each kind of decision is tried (the session falls back to another when it cannot).
WEIGHTS = {"accept": 28, "reject": 13, "accept_label": 8, "add": 9, "relabel": 7, "resize": 8,
           "delete": 6, "mark_done": 3, "undo": 10, "redo": 5, "accept_all": 1, "move": 2}
WORD = re.compile(r"\w+")


# --- the template project ---------------------------------------------------------------------

def build_template(folder: Path) -> Path:
    """The sample documents with the built-in suggesters' suggestions, closed (no WAL left)."""
    from unannotate.services.importing import import_paths
    from unannotate.services.project import open_project
    from unannotate.services.suggesting import build_suggesters, run_suggester

    path = folder / "template.unannotate.db"
    with open_project(path) as project:
        report = import_paths(project, [DATA])
        if report.rejected:
            raise SystemExit(f"the sample documents did not import: {report.rejected}")
        for suggester in build_suggesters():
            run_suggester(project, suggester)
    for suffix in ("-wal", "-shm"):
        if Path(f"{path}{suffix}").exists():
            raise SystemExit(f"{path}{suffix} left behind: the template is not closed")
    return path


# --- recording the Decider's calls -------------------------------------------------------------

def encode(value: Any) -> Any:
    """A call's arguments as JSON (enums by class and value)."""
    if isinstance(value, Enum):
        return {"enum": type(value).__name__, "value": value.value}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


def decode(value: Any) -> Any:
    from unannotate.core import model

    if isinstance(value, dict) and set(value) == {"enum", "value"}:
        return getattr(model, value["enum"])(value["value"])
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        return {k: decode(v) for k, v in value.items()}
    return value


class AckLog:
    """The child's log: the call about to be made (flushed), then its acknowledgement
    (flushed and fsync'd) once the decision is shown."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("a", encoding="utf-8")
        self.acknowledged = 0

    def intent(self, call: list[Any]) -> None:
        self._file.write(json.dumps({"intent": self.acknowledged, "call": call}) + "\n")
        self._file.flush()

    def ack(self, call: list[Any], events: list[int], shown: bool) -> None:
        line = {"ack": self.acknowledged, "call": call, "events": events, "shown": shown}
        self._file.write(json.dumps(line) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self.acknowledged += 1


@dataclass
class Call:
    name: str
    encoded: list[Any]
    change: Any  # the Change returned (None from undo/redo with nothing left)

    @property
    def events(self) -> list[int]:
        return list(self.change.event_ids) if self.change is not None else []


class Recorder:
    """Wraps a Decider's writing methods: logs each outermost call before it is made, and
    keeps what it returned. Calls a method makes of another (a correction of a suggestion is
    an accept) are part of the outer call."""

    def __init__(self, reviewer: Any, log: AckLog) -> None:
        self.log = log
        self.calls: list[Call] = []
        self._depth = 0
        for name in WRITE_METHODS:
            setattr(reviewer, name, self._wrap(name, getattr(reviewer, name)))

    def _wrap(self, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if self._depth:
                return real(*args, **kwargs)
            encoded = [name, encode(list(args)), encode(kwargs)]
            self.log.intent(encoded)
            self._depth += 1
            try:
                change = real(*args, **kwargs)
            finally:
                self._depth -= 1
            self.calls.append(Call(name, encoded, change))
            return change

        return call

    def take(self) -> list[Call]:
        calls, self.calls = self.calls, []
        return calls


# --- the session through the services -------------------------------------------------------------

class ServiceSession:
    """Chooses and makes decisions through the Decider, on the documents one after another."""

    def __init__(self, reviewer: Any, rng: random.Random, texts: dict[int, str],
                 labels: list[str]) -> None:
        self.reviewer, self.rng, self.texts, self.labels = reviewer, rng, texts, labels
        self.document = min(texts)

    def step(self) -> None:
        """Try one kind of decision (chosen by weight); it may find nothing to do."""
        ops = list(WEIGHTS)
        op = self.rng.choices(ops, weights=[WEIGHTS[o] for o in ops])[0]
        getattr(self, op)()

    def _spans(self) -> tuple[list[Any], list[Any], list[Any]]:
        from unannotate.core.model import SpanState

        own = self.reviewer.spans(self.document)
        return (self.reviewer.pending(self.document),
                [s for s in own if s.state is SpanState.ACCEPTED],
                [s for s in own if s.state is SpanState.REJECTED])

    def _other_label(self, current: str) -> str:
        return self.rng.choice([label for label in self.labels if label != current])

    def move(self) -> None:
        self.document = self.rng.choice(sorted(self.texts))

    def _pending_or_move(self) -> list[Any]:
        pending = self._spans()[0]
        if not pending:
            self.move()
        return pending

    def accept(self) -> None:
        pending = self._pending_or_move()
        if pending:
            self.reviewer.accept(self.rng.choice(pending).id)

    def reject(self) -> None:
        pending = self._pending_or_move()
        if pending:
            self.reviewer.reject(self.rng.choice(pending).id)

    def accept_label(self) -> None:
        pending = self._pending_or_move()
        if pending:
            span = self.rng.choice(pending)
            self.reviewer.accept(span.id, label=self._other_label(span.label))

    def accept_all(self) -> None:
        if self._pending_or_move():
            self.reviewer.accept_all(self.document)

    def add(self) -> None:
        words = [m.span() for m in WORD.finditer(self.texts[self.document])]
        first = self.rng.randrange(len(words))
        last = min(first + self.rng.randint(0, 2), len(words) - 1)
        self.reviewer.add(self.document, words[first][0], words[last][1],
                          self.rng.choice(self.labels))

    def relabel(self) -> None:
        own = self._spans()[1]
        if own:
            span = self.rng.choice(own)
            # Not onto a span already there (one span per place: that changes nothing).
            held = {s.label for s in own if (s.start, s.end) == (span.start, span.end)}
            free = [label for label in self.labels if label not in held]
            if free:
                self.reviewer.relabel(span.id, self.rng.choice(free),
                                      expected_version=span.version)

    def resize(self) -> None:
        pending, own, _ = self._spans()
        if not pending and not own:
            return
        # Half the time an annotation (a resize), else a suggestion (accepted corrected).
        span = self.rng.choice(own if own and (self.rng.random() < 0.5 or not pending)
                               else pending)
        length = len(self.texts[self.document])
        start = min(max(span.start + self.rng.choice((-2, -1, 0, 1)), 0), span.end - 1)
        end = max(min(span.end + self.rng.choice((-1, 0, 1, 2)), length), start + 1)
        if (start, end) == (span.start, span.end):
            return
        if span in pending:
            self.reviewer.accept(span.id, start=start, end=end)
        else:
            self.reviewer.resize(span.id, start, end, expected_version=span.version)

    def delete(self) -> None:
        _, own, rejected = self._spans()
        if own or rejected:
            span = self.rng.choice(own + rejected)
            self.reviewer.delete(span.id, expected_version=span.version)

    def mark_done(self) -> None:
        from unannotate.core.model import DocumentStatus

        if self.reviewer.status(self.document) is not DocumentStatus.DONE:
            self.reviewer.set_status(self.document, DocumentStatus.DONE)
        self.move()

    def undo(self) -> None:
        if self.reviewer.can_undo():
            self.reviewer.undo()

    def redo(self) -> None:
        if self.reviewer.can_redo():
            self.reviewer.redo()


def services_child(project_path: Path, log: AckLog, seed: int, decisions: int) -> None:
    from sqlalchemy import select

    from unannotate.core.model import LabelKind
    from unannotate.services.decisions import Decider
    from unannotate.services.project import open_project
    from unannotate.storage.schema import DocumentRow

    with open_project(project_path, create=False) as project:
        reviewer = Decider(project, ANNOTATOR)
        recorder = Recorder(reviewer, log)
        with project.db.read() as session:
            texts = {i: t for i, t in session.execute(select(DocumentRow.id, DocumentRow.text))}
        labels = [label.name for label in project.labels() if label.kind is LabelKind.ENTITY]
        driver = ServiceSession(reviewer, random.Random(seed), texts, labels)
        while log.acknowledged < decisions:
            driver.step()
            for call in recorder.take():
                log.ack(call.encoded, call.events, True)


# --- the session through the window -----------------------------------------------------------

class WindowSession:
    """Chooses decisions as a reviewer at the keyboard would, and presses the keys."""

    def __init__(self, window: Any, app: Any, rng: random.Random) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        self.window, self.app, self.rng = window, app, rng
        self.Qt, self.QTest = Qt, QTest
        self.keyed = [label for label in window.labels if label.key.isdigit()]

    def press(self, key: Any, modifiers: Any = None) -> None:
        modifiers = self.Qt.KeyboardModifier.NoModifier if modifiers is None else modifiers
        self.QTest.keyClick(self.window.view, key, modifiers)
        self.app.processEvents()

    def step(self) -> None:
        ops = list(WEIGHTS)
        op = self.rng.choices(ops, weights=[WEIGHTS[o] for o in ops])[0]
        getattr(self, op)()

    def _own(self) -> list[Any]:
        pending = self.window.pending_ids
        return [s for i, s in sorted(self.window.spans.items()) if i not in pending]

    def _select_pending(self) -> int | None:
        """A pending suggestion selected (Tab), or another document (PgDown) if none is left."""
        if not self.window.pending_ids:
            self.move()
            return None
        for _ in range(self.rng.randint(0, 3)):
            self.press(self.Qt.Key.Key_Tab)
        if self.window.view.selected_span not in self.window.pending_ids:
            self.press(self.Qt.Key.Key_Tab)
        selected = self.window.view.selected_span
        return selected if selected in self.window.pending_ids else None

    def _click_row(self, span: Any) -> bool:
        """Select a span by clicking its row in the panel."""
        window = self.window
        row = window.span_model.row_of((span.start, span.end, span.id))
        if row < 0:
            return False
        index = window.span_model.index(row, 1)
        window.span_table.scrollTo(index)
        self.app.processEvents()
        self.QTest.mouseClick(window.span_table.viewport(), self.Qt.MouseButton.LeftButton,
                              self.Qt.KeyboardModifier.NoModifier,
                              window.span_table.visualRect(index).center())
        self.app.processEvents()
        return window.view.selected_span == span.id

    def _key_of(self, label: Any) -> Any:
        return self.Qt.Key(int(self.Qt.Key.Key_0.value) + int(label.key))

    def _digit(self, current: str | None) -> Any:
        choices = [label for label in self.keyed if label.name != current] or self.keyed
        label = self.rng.choice(choices)
        return self.Qt.Key(int(self.Qt.Key.Key_0.value) + int(label.key))

    def move(self) -> None:
        self.press(self.Qt.Key.Key_PageDown)

    def accept(self) -> None:
        if self._select_pending() is not None:
            self.press(self.Qt.Key.Key_A)

    def reject(self) -> None:
        if self._select_pending() is not None:
            self.press(self.Qt.Key.Key_X)

    def accept_label(self) -> None:
        selected = self._select_pending()
        if selected is not None:
            self.press(self._digit(self.window.spans[selected].label))

    def accept_all(self) -> None:
        if self.window.pending_ids:
            self.press(self.Qt.Key.Key_A, self.Qt.KeyboardModifier.ShiftModifier)
        else:
            self.move()

    def add(self) -> None:
        from PySide6.QtGui import QTextCursor

        window = self.window
        if window.document is None:
            return
        words = [m.span() for m in WORD.finditer(window.document.text)]
        first = self.rng.randrange(len(words))
        last = min(first + self.rng.randint(0, 2), len(words) - 1)
        positions = window.view.positions
        cursor = window.view.textCursor()
        cursor.setPosition(positions.to_qt(words[first][0] + self.rng.randint(0, 1)))
        if self.rng.random() < 0.2:  # the sentence at the cursor as a claim
            window.view.setTextCursor(cursor)
            self.press(self.Qt.Key.Key_C)
            return
        cursor.setPosition(positions.to_qt(words[last][1]), QTextCursor.MoveMode.KeepAnchor)
        window.view.setTextCursor(cursor)
        self.press(self._digit(None))

    def relabel(self) -> None:
        own = self._own()
        if own:
            span = self.rng.choice(own)
            # Not onto a span already there (one span per place: that changes nothing).
            held = {s.label for s in own if (s.start, s.end) == (span.start, span.end)}
            free = [label for label in self.keyed if label.name not in held]
            if free and self._click_row(span):
                self.press(self._key_of(self.rng.choice(free)))

    def resize(self) -> None:
        window = self.window
        own, pending = self._own(), [window.spans[i] for i in sorted(window.pending_ids)]
        if not own and not pending:
            return
        span = self.rng.choice(own if own and (self.rng.random() < 0.5 or not pending)
                               else pending)
        if not self._click_row(span):
            return
        key = self.rng.choice((self.Qt.Key.Key_Left, self.Qt.Key.Key_Right))
        modifiers = self.Qt.KeyboardModifier.AltModifier
        if self.rng.random() < 0.5:
            modifiers |= self.Qt.KeyboardModifier.ShiftModifier
        self.press(key, modifiers)

    def delete(self) -> None:
        own = self._own()
        if own:
            span = self.rng.choice(own)
            if self._click_row(span):
                self.press(self.Qt.Key.Key_Delete)

    def mark_done(self) -> None:
        from unannotate.core.model import DocumentStatus

        window = self.window
        if window.document is not None and \
                window.reviewer.status(window.document.id) is not DocumentStatus.DONE:
            self.press(self.Qt.Key.Key_Return, self.Qt.KeyboardModifier.ControlModifier)
        else:
            self.move()

    def undo(self) -> None:
        if self.window.reviewer.can_undo():
            self.press(self.Qt.Key.Key_Z, self.Qt.KeyboardModifier.ControlModifier)

    def redo(self) -> None:
        if self.window.reviewer.can_redo():
            self.press(self.Qt.Key.Key_Z, self.Qt.KeyboardModifier.ControlModifier
                       | self.Qt.KeyboardModifier.ShiftModifier)


def window_shows(window: Any, call: Call, decisions_before: int) -> bool:
    """The window shows the decision: counted in the status bar, the suggestion decided no
    longer pending, an added span drawn (when its document is open)."""
    if not call.events:
        return True
    count = window.decisions_this_session
    if count <= decisions_before or f"{count} decisions" not in window.progress_label.text():
        return False
    open_id = window.document.id if window.document is not None else None
    if open_id not in call.change.document_ids:
        return True  # a decision elsewhere (mark done opens the next document)
    name, args = call.name, decode(call.encoded[1])
    if name in ("accept", "reject"):
        return args[0] not in window.pending_ids
    if name == "add":
        return max(call.change.span_ids) in window.spans
    return True


def window_child(project_path: Path, log: AckLog, seed: int, decisions: int) -> None:
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QMessageBox

    from unannotate.qt.app import application
    from unannotate.qt.main_window import MainWindow
    from unannotate.services.preferences import Preferences
    from unannotate.services.project import open_project

    app = application()

    def refused(_parent: Any, _title: str, text: str, *_args: Any) -> Any:
        # A modal box would wait for a click that never comes: a refused decision ends the run.
        print(f"the window refused a decision: {text}", file=sys.stderr, flush=True)
        os._exit(3)

    QMessageBox.warning = refused  # type: ignore[method-assign]
    project = open_project(project_path, create=False)
    preferences = Preferences.load(project_path.parent / "settings.json")
    window = MainWindow(project, ANNOTATOR, preferences, auto_suggest=False)
    recorder = Recorder(window.reviewer, log)
    window.show()
    QTest.qWaitForWindowExposed(window)
    window.activateWindow()
    deadline = time.monotonic() + 10
    while not window.view.hasFocus() and time.monotonic() < deadline:
        app.processEvents()
    driver = WindowSession(window, app, random.Random(seed))
    while log.acknowledged < decisions:
        before = window.decisions_this_session
        driver.step()
        for call in recorder.take():
            log.ack(call.encoded, call.events, window_shows(window, call, before))
            before = window.decisions_this_session


# --- checking a killed project ------------------------------------------------------------------

@dataclass
class RunResult:
    variant: str
    seed: int
    killed: bool
    acknowledged: int = 0
    in_flight_committed: bool = False
    lost: int = 0
    duplicated: int = 0
    integrity_ok: bool = False
    foreign_keys_ok: bool = False
    state_matches: bool = False
    undo_steps: int = 0
    history_ok: bool = False
    not_shown: int = 0  # window: acknowledged decisions the window did not show
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def corrupt(self) -> bool:
        return not (self.integrity_ok and self.foreign_keys_ok and self.state_matches
                    and self.history_ok) or self.duplicated > 0


def read_log(path: Path) -> tuple[list[dict[str, Any]], dict[int, list[Any]], list[str]]:
    """Acknowledged decisions in order, the calls announced by number, and problems. A last
    line cut by the kill is not acknowledged."""
    problems: list[str] = []
    acks: list[dict[str, Any]] = []
    intents: dict[int, list[Any]] = {}
    data = path.read_text(encoding="utf-8") if path.exists() else ""
    for line in data.split("\n")[:-1]:
        try:
            record = json.loads(line)
        except ValueError:
            problems.append(f"unreadable log line: {line[:80]!r}")
            continue
        if "intent" in record:
            intents[record["intent"]] = record["call"]
        elif record["ack"] != len(acks):
            problems.append(f"acknowledgement {record['ack']} out of order")
        else:
            acks.append(record)
    return acks, intents, problems


def snapshot(path: Path) -> dict[str, Any]:
    """The reviewer's events (grouping by order of first appearance), spans and statuses,
    without timestamps and random group ids."""
    conn = sqlite3.connect(path)
    try:
        found = conn.execute("SELECT id FROM annotators WHERE name = ?", (ANNOTATOR,)).fetchone()
        annotator = found[0] if found else -1
        layer = conn.execute("SELECT id FROM layers WHERE annotator_id = ? AND kind = 'annotator'",
                             (annotator,)).fetchone()
        groups: dict[str, int] = {}
        events = {}
        for row in conn.execute(
                "SELECT id, kind, document_id, layer_id, span_id, suggestion_id, suggester, "
                "before, after, target_id, group_id FROM events WHERE annotator_id = ? "
                "ORDER BY id", (annotator,)):
            *values, before, after, target, group = row
            number = groups.setdefault(group, len(groups))
            events[values[0]] = (*values, json.loads(before) if before else None,
                                 json.loads(after) if after else None, target, number)
        spans = conn.execute(
            'SELECT id, document_id, start, "end", label_id, state, score, reason, source_id, '
            "version FROM spans WHERE layer_id = ? ORDER BY id",
            (layer[0] if layer else -1,)).fetchall()
        statuses = conn.execute(
            "SELECT document_id, status FROM document_status WHERE annotator_id = ? "
            "ORDER BY document_id", (annotator,)).fetchall()
    finally:
        conn.close()
    return {"events": events, "spans": spans, "statuses": statuses}


def sqlite_checks(path: Path) -> tuple[bool, bool]:
    conn = sqlite3.connect(path)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        foreign_keys = conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
    return integrity, foreign_keys


def replay(path: Path, calls: list[list[Any]]) -> list[list[int] | None]:
    """Make ``calls`` on the project at ``path`` through the Decider: the event ids each
    returned, None for a call refused (which the log should never hold)."""
    from unannotate.core.errors import UnannotateError
    from unannotate.services.decisions import Decider
    from unannotate.services.project import open_project

    returned: list[list[int] | None] = []
    with open_project(path, create=False) as project:
        reviewer = Decider(project, ANNOTATOR)
        for name, args, kwargs in calls:
            try:
                change = getattr(reviewer, name)(*decode(args), **decode(kwargs))
            except UnannotateError:
                returned.append(None)
                continue
            returned.append(list(change.event_ids) if change is not None else [])
    return returned


def undo_depth(calls: list[tuple[str, list[int]]]) -> int:
    """How many undo steps the log implies: each decision one, undo and redo move one."""
    undo = redo = 0
    for name, events in calls:
        if not events:
            continue
        if name == "undo":
            undo, redo = undo - 1, redo + 1
        elif name == "redo":
            undo, redo = undo + 1, redo - 1
        else:
            undo, redo = undo + 1, 0
    return undo


def check_history(path: Path, expected_steps: int, result: RunResult) -> None:
    """Undo everything the reviewer did, check the layer is back to empty, redo it all and
    check the state is the killed one again."""
    from unannotate.core.errors import UnannotateError
    from unannotate.core.model import DocumentStatus
    from unannotate.services.decisions import Decider
    from unannotate.services.project import open_project

    before = snapshot(path)
    problems = []
    with open_project(path, create=False) as project:
        reviewer = Decider(project, ANNOTATOR)
        if reviewer.can_undo() != (expected_steps > 0):
            problems.append(f"can_undo() is {not expected_steps}")
        steps = 0
        try:
            while reviewer.undo() is not None:
                steps += 1
                if steps > expected_steps + 5:
                    break
            undone = snapshot(path)
            for _ in range(steps):
                reviewer.redo()
        except UnannotateError as error:
            result.problems.append(f"undo or redo failed after {steps} steps: {error}")
            return
        result.undo_steps = steps
    done = [d for d, status in undone["statuses"] if status == DocumentStatus.DONE.value]
    again = snapshot(path)
    if steps != expected_steps:
        problems.append(f"{steps} undo steps, the log implies {expected_steps}")
    if undone["spans"] or done:
        problems.append(f"after undoing everything: {len(undone['spans'])} spans, "
                        f"{len(done)} documents done")
    if (again["spans"], again["statuses"]) != (before["spans"], before["statuses"]):
        problems.append("redoing everything does not give the killed state back")
    integrity, foreign_keys = sqlite_checks(path)
    if not (integrity and foreign_keys):
        problems.append("integrity or foreign key check failed after undo and redo")
    result.problems += problems
    result.history_ok = not problems


def check(result: RunResult, project: Path, log: Path, template: Path, folder: Path) -> None:
    result.integrity_ok, result.foreign_keys_ok = sqlite_checks(project)
    acks, intents, problems = read_log(log)
    result.problems += problems
    result.acknowledged = len(acks)
    result.not_shown = sum(1 for a in acks if not a["shown"])
    killed = snapshot(project)

    reference = folder / "reference.db"
    shutil.copyfile(template, reference)
    calls = [a["call"] for a in acks]
    replayed = replay(reference, calls)
    diverged = [n for n, (a, ids) in enumerate(zip(acks, replayed, strict=True))
                if a["events"] != ids]
    if diverged:
        result.problems.append(f"the replay returned other event ids from decision {diverged[0]}")
    expected = snapshot(reference)
    made = [(a["call"][0], a["events"]) for a in acks]
    acked_ids = {i for a in acks for i in a["events"]}
    extra = set(killed["events"]) - acked_ids
    in_flight = intents.get(len(acks))
    if extra and in_flight is not None:
        # The decision in flight at the kill had committed: made once more on the reference.
        (flight_ids,) = replay(reference, [in_flight])
        expected = snapshot(reference)
        if flight_ids and set(flight_ids) <= set(killed["events"]):
            result.in_flight_committed = True
            made.append((in_flight[0], flight_ids))
    # Lost: an acknowledged event missing, or not what the same call makes without a kill.
    result.lost = sum(
        1 for a in acks
        if any(i not in killed["events"] or killed["events"][i] != expected["events"].get(i)
               for i in a["events"]))
    result.duplicated = len(set(killed["events"]) - set(expected["events"]))
    result.state_matches = killed == expected
    if not result.state_matches:
        result.problems.append("the killed project differs from the replay of its log")
    sources = [row[8] for row in killed["spans"] if row[8] is not None]
    if len(sources) != len(set(sources)):
        result.problems.append("a suggestion was decided twice")
        result.state_matches = False
    check_history(project, undo_depth(made), result)


# --- running ----------------------------------------------------------------------------------

def acknowledged_so_far(path: Path) -> int:
    try:
        return path.read_bytes().count(b'{"ack"')
    except FileNotFoundError:
        return 0


def run_once(variant: str, seed: int, template: Path, work: Path,
             decisions: int) -> RunResult:
    started = time.perf_counter()
    folder = work / f"{variant}-{seed}"
    folder.mkdir(parents=True)
    project = folder / "project.unannotate.db"
    shutil.copyfile(template, project)
    log = folder / "ack.log"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               UNANNOTATE_SETTINGS=str(folder / "settings.json"))
    rng = random.Random(f"kill-{variant}-{seed}")
    threshold = rng.randint(1, decisions - 1)
    delay = rng.uniform(0.0, 0.02)  # lands anywhere in a decision, its commit included
    with (folder / "child.err").open("wb") as errors:
        child = subprocess.Popen(
            [sys.executable, __file__, "--child", variant, "--project", str(project),
             "--ack", str(log), "--seed", str(seed), "--decisions", str(decisions)],
            env=env, stdout=errors, stderr=errors)
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while (child.poll() is None and acknowledged_so_far(log) < threshold
               and time.monotonic() < deadline):
            time.sleep(0.002)
        time.sleep(delay)
        killed = child.poll() is None
        if killed:
            child.send_signal(signal.SIGKILL)
        child.wait()
    result = RunResult(variant, seed, killed)
    if not killed:
        result.problems.append(f"the child ended by itself (exit {child.returncode}): "
                               f"{(folder / 'child.err').read_text()[-500:]}")
    check(result, project, log, template, folder)
    result.seconds = time.perf_counter() - started
    return result


def summarise(results: list[RunResult]) -> dict[str, Any]:
    return {
        "runs": len(results),
        "killed": sum(r.killed for r in results),
        "acknowledged": sum(r.acknowledged for r in results),
        "lost": sum(r.lost for r in results),
        "corrupt": sum(r.corrupt for r in results),
        "duplicated": sum(r.duplicated for r in results),
        "in_flight_committed": sum(r.in_flight_committed for r in results),
        "not_shown": sum(r.not_shown for r in results),
        "undo_steps_checked": sum(r.undo_steps for r in results),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services-runs", type=int, default=SERVICES_RUNS)
    parser.add_argument("--window-runs", type=int, default=WINDOW_RUNS)
    parser.add_argument("--decisions", type=int, default=DECISIONS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 runs")
    parser.add_argument("--keep", type=Path, help="keep the run folders here")
    parser.add_argument("--child", choices=("services", "window"), help=argparse.SUPPRESS)
    parser.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--ack", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child = services_child if args.child == "services" else window_child
        child(args.project, AckLog(args.ack), args.seed, args.decisions)
        return 0
    if args.quick:
        args.services_runs, args.window_runs = 2, 1
    work = Path(tempfile.mkdtemp(prefix="unannotate-kill-", dir=args.keep))
    try:
        began = time.perf_counter()
        template = build_template(work)
        print(f"template: {template.stat().st_size // 1024} KiB, built in "
              f"{time.perf_counter() - began:.1f} s; {args.decisions} decisions a run")
        plan = ([("services", args.seed * 1000 + n) for n in range(args.services_runs)]
                + [("window", args.seed * 1000 + 500 + n) for n in range(args.window_runs)])
        results = []
        for variant, seed in plan:
            result = run_once(variant, seed, template, work, args.decisions)
            results.append(result)
            print(f"{variant:8} seed {seed}: killed={result.killed} acknowledged="
                  f"{result.acknowledged} in-flight committed={result.in_flight_committed} "
                  f"lost={result.lost} duplicated={result.duplicated} integrity="
                  f"{result.integrity_ok and result.foreign_keys_ok} replay matches="
                  f"{result.state_matches} undo steps={result.undo_steps} history="
                  f"{result.history_ok} ({result.seconds:.1f} s)")
            for problem in result.problems:
                print(f"    {problem}")
        figures = summarise(results)
        figures["variants"] = {
            variant: summarise([r for r in results if r.variant == variant])
            for variant in ("services", "window")}
        figures["decisions_per_run"] = args.decisions
        figures["seed"] = args.seed
        figures["seconds"] = round(time.perf_counter() - began, 1)
        figures["results"] = [
            {k: v for k, v in asdict(r).items() if k in ("variant", "seed", "acknowledged",
                                                         "lost", "in_flight_committed")}
            for r in results]
        print(json.dumps(figures))
        return 0 if figures["lost"] == 0 and figures["corrupt"] == 0 else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
