"""Benchmark: undo and redo at the end of a long history.

A project is seeded (plain SQL, one transaction) with one reviewer's history of N decisions
in one document: N spans added, each its own step (default 20,000; ``--quick``: 500). The
project is then opened as the window opens it, and the reviewer undoes 50 steps and redoes
them, each timed from the call until its transaction is committed. The history is read in
full once (reported as ``first_read_ms``), then advanced with each step written; each undo
asks the log only what came after the last event it knows. ``full_read_ms`` is what reading
and folding the whole history costs, measured in the same run: what every undo cost when the
stacks were rebuilt from the whole log each time.

Baseline, in the same run: one bare sqlite3 ``UPDATE`` of a span-shaped row and its
``COMMIT`` in WAL mode with ``synchronous=FULL`` (the project's durability settings): the
least an undo, one committed change, can cost.

Usage: .venv/bin/python bench/undo_bench.py [--decisions N] [--quick]

Human-readable lines first; the last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from unannotate.core.history import history_state
from unannotate.services.decisions import Decider
from unannotate.services.project import open_project
from unannotate.storage.events import history_events
from unannotate.storage.schema import DocumentRow, EventRow, SpanRow

STEPS = 50
WORD = "word "


UPDATE = "UPDATE spans SET version = version + 1, label_id = 3 - label_id WHERE id = 1"


def _committed_ms(conn: sqlite3.Connection, statement: str) -> float:
    """Milliseconds to run one statement in its own write transaction, committed."""
    t0 = time.perf_counter()
    for sql in ("BEGIN IMMEDIATE", statement, "COMMIT"):
        conn.execute(sql)
    return (time.perf_counter() - t0) * 1000


def baseline(folder: Path, steps: int) -> list[float]:
    """One UPDATE + COMMIT per step, WAL and synchronous=FULL, plain sqlite3."""
    conn = sqlite3.connect(folder / "baseline.db", isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=FULL"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("CREATE TABLE spans (id INTEGER PRIMARY KEY, start INTEGER NOT NULL, "
                     "\"end\" INTEGER NOT NULL, label_id INTEGER NOT NULL, "
                     "version INTEGER NOT NULL)")
        conn.execute("INSERT INTO spans VALUES (1, 0, 4, 1, 1)")
        return [_committed_ms(conn, UPDATE) for _ in range(steps)]
    finally:
        conn.close()


def seed(path: Path, decisions: int) -> None:
    """A document and one reviewer's history of ``decisions`` added spans."""
    project = open_project(path)
    try:
        reviewer = Decider(project, "ana")
        with project.db.session() as session:
            doc = session.execute(insert(DocumentRow).returning(DocumentRow.id), [{
                "sha256": "b" * 64, "text": WORD * decisions, "meta": {}}]).scalar_one()
            label = "ORG"
            label_id = project.label_ids(session)[label]
            spans = [{"id": n + 1, "layer_id": reviewer.layer_id, "document_id": doc,
                      "start": n * len(WORD), "end": n * len(WORD) + 4, "label_id": label_id,
                      "state": "accepted", "score": None, "reason": "", "source_id": None,
                      "version": 1} for n in range(decisions)]
            session.execute(insert(SpanRow), spans)
            session.execute(insert(EventRow), [{
                "kind": "add", "annotator_id": reviewer.annotator_id, "document_id": doc,
                "layer_id": reviewer.layer_id, "span_id": s["id"], "before": None,
                "after": {**{k: v for k, v in s.items() if k != "label_id"}, "label": label},
                "group_id": f"g{s['id']}"} for s in spans])
    finally:
        project.close()


def run(args: argparse.Namespace) -> dict[str, object]:
    decisions = 500 if args.quick else args.decisions
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "undo.unannotate"
        seed(path, decisions)
        base = baseline(folder, STEPS)
        project = open_project(path)
        try:
            reviewer = Decider(project, "ana")
            t0 = time.perf_counter()
            assert reviewer.can_undo()
            first_read = (time.perf_counter() - t0) * 1000
            with project.db.read() as session:
                t0 = time.perf_counter()
                history_state(history_events(session, reviewer.annotator_id,
                                             reviewer.layer_id))
                full_read = (time.perf_counter() - t0) * 1000
            undo, redo, cpu = [], [], []
            for times, step in ((undo, reviewer.undo), (redo, reviewer.redo)):
                for _ in range(STEPS):
                    t0, c0 = time.perf_counter(), time.process_time()
                    assert step() is not None
                    times.append((time.perf_counter() - t0) * 1000)
                    cpu.append((time.process_time() - c0) * 1000)
            left = len(reviewer.spans(1))
        finally:
            project.close()
    assert left == decisions, f"{left} spans after undoing and redoing, not {decisions}"
    figures = {
        "decisions": decisions, "steps": STEPS,
        "undo_median_ms": round(statistics.median(undo), 2),
        "redo_median_ms": round(statistics.median(redo), 2),
        "undo_redo_cpu_median_ms": round(statistics.median(cpu), 3),
        "first_read_ms": round(first_read, 2), "full_read_ms": round(full_read, 2),
        "baseline_median_ms": round(statistics.median(base), 2),
    }
    figures["ratio"] = round(figures["undo_median_ms"] / max(figures["baseline_median_ms"],
                                                             0.01), 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=20_000,
                        help="steps in the seeded history (default 20,000)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 500 steps")
    figures = run(parser.parse_args())
    print(f"history: {figures['decisions']} steps of one reviewer; "
          f"{figures['steps']} undos then as many redos")
    print(f"undo median {figures['undo_median_ms']} ms, redo median "
          f"{figures['redo_median_ms']} ms (CPU {figures['undo_redo_cpu_median_ms']} ms)")
    print(f"history read once on opening: {figures['first_read_ms']} ms "
          f"(a full read and fold: {figures['full_read_ms']} ms)")
    print(f"baseline UPDATE + COMMIT: median {figures['baseline_median_ms']} ms; "
          f"ratio undo/baseline {figures['ratio']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
