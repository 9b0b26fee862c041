"""Benchmark: two processes making decisions in one SQLite project at the same time.

Builds, untimed, a project of seeded invented documents (100 by default, six suggestions
each, in one suggestions layer) and gives the reviewer ``cara`` a few spans (``--contested``)
in the first document. Then two processes (``multiprocessing``, spawn), each with its own
``open_project`` of the file, make decisions through ``Decider``, released together by a
barrier, in two phases:

1. different reviewers (``ana`` in one process, ``ben`` in the other), 70 % of the decisions:
   a seeded mix of accepting and rejecting the same shared suggestions (both walk them in the
   same order), adding spans, relabelling their own spans and marking documents done;
2. the same reviewer in both processes (``cara``, as in two windows of one person), the
   other 30 %: each decision reads the contested spans as a window shows them, waits a
   moment (0-2 ms), then relabels or resizes one with the version it read
   (``expected_version``). When the other process changed that span in between, the second
   writer gets ``ConflictError``: that is a conflict detected, not an error, and the
   decision is made again on the span as it now is.

Each process counts the decisions acknowledged (the call returned: the decision was
committed) until it has made its share. Afterwards the parent reads the file with plain
``sqlite3`` and checks that nothing acknowledged is missing: every acknowledged event is
there with its kind and reviewer; ``ana``'s and ``ben``'s layers hold exactly the spans their
processes expect (offsets, label, state, source) and the documents marked done are done; each
contested span's version is one more than the acknowledged edits of it by both processes, its
events are those edits, and its last event's ``after`` is the span as stored. ``lost`` counts
every acknowledged decision not found so and every span not as expected; ``errors`` every
exception other than a detected conflict (a lock timeout would be one).

Baseline, in the same run: the same two processes' worth of bare ``sqlite3`` writes, one
``BEGIN IMMEDIATE``, ``INSERT``, ``COMMIT`` per decision, into a WAL file with
``synchronous=FULL``, both processes at once.

Usage: .venv/bin/python bench/two_writers.py [--decisions N] [--contested K] [--quick]

``--quick``: 100 decisions per process. Human-readable lines first; the last line is one JSON
object with ``processes``, ``decisions``, ``lost``, ``errors``, ``conflicts_detected``,
``seconds`` and more.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

DECISIONS = 1_000
DOCUMENTS = 100
SUGGESTIONS_PER_DOCUMENT = 6
CONTESTED = 10
SAME_REVIEWER_SHARE = 0.3
LABELS = ("ORG", "GPE", "PERSON", "DATE", "LOC", "NORP")
WORDS = ("council", "ministry", "Geneva", "Nairobi", "report", "children", "water", "vaccine",
         "agreement", "delegation", "budget", "million", "region", "assembly", "mission",
         "Ghana", "Peru", "week", "minister", "envoy", "refugees", "harvest", "schools")
PHASE1_MIX = {"accept": 3, "reject": 2, "add": 2, "relabel": 2, "done": 1}
BARRIER_SECONDS = 120


# --- the project ------------------------------------------------------------------------------


def make_text(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(5, 8)):
        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 12))]
        sentences.append(" ".join(words).capitalize() + ".")
    # A CRLF and an astral character: offsets are code points of the exact text.
    return " ".join(sentences[:2]) + "\r\n🌍 " + " ".join(sentences[2:])


def word_offsets(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]


def build_project(path: Path, documents: int, contested: int, seed: int) -> dict[str, Any]:
    """Documents, suggestions and cara's contested spans; returns what the workers need."""
    from sqlalchemy import insert

    from unannotate.core.model import LabelKind, text_sha256
    from unannotate.nlp.base import SuggesterInfo
    from unannotate.services.decisions import Decider
    from unannotate.services.project import open_project
    from unannotate.services.suggesting import suggestions_layer_id
    from unannotate.storage.bulk import insert_rows
    from unannotate.storage.schema import DocumentRow, SpanRow, utcnow

    rng = random.Random(seed)
    project = open_project(path)
    try:
        texts: list[str] = []
        while len(texts) < documents:
            text = make_text(rng)
            if text not in texts:
                texts.append(text)
        with project.db.session() as session:
            ids = [session.execute(insert(DocumentRow).returning(DocumentRow.id), {
                "sha256": text_sha256(t), "text": t, "title": f"document {n}", "meta": {}}
            ).scalar_one() for n, t in enumerate(texts)]
            layer_id = suggestions_layer_id(
                session, SuggesterInfo(name="bench.suggester.v1", kind=LabelKind.ENTITY))
            labels = project.label_ids(session)
            rows = []
            for doc_id, text in zip(ids, texts, strict=True):
                for start, end in rng.sample(word_offsets(text), SUGGESTIONS_PER_DOCUMENT):
                    rows.append((layer_id, doc_id, start, end, labels[rng.choice(LABELS)],
                                 "suggested", 0.5, "bench", None, 1))
            insert_rows(session.connection(), SpanRow.__table__,
                        ("layer_id", "document_id", "start", "end", "label_id", "state",
                         "score", "reason", "source_id", "version"), rows,
                        {"created_at": utcnow(), "updated_at": utcnow()})
        suggestions = [s for doc_id in ids for s in _suggestion_ids(path, doc_id)]
        cara = Decider(project, "cara")
        first = texts[0]
        spans: list[int] = []
        for start, end in word_offsets(first)[:contested]:
            change = cara.add(ids[0], start, end, LABELS[0])
            spans.extend(change.span_ids)
        return {"documents": ids, "suggestions": suggestions, "contested": spans,
                "contested_document": ids[0]}
    finally:
        project.close()


def _suggestion_ids(path: Path, doc_id: int) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute(
            "SELECT id FROM spans WHERE document_id = ? AND state = 'suggested' ORDER BY id",
            (doc_id,))]
    finally:
        conn.close()


# --- one writer -------------------------------------------------------------------------------


class Writer:
    """One process's decisions and what it expects to find afterwards."""

    def __init__(self, project: Any, name: str, setup: dict[str, Any], seed: int) -> None:
        from sqlalchemy import select

        from unannotate.storage.schema import DocumentRow

        self.project = project
        self.name = name
        self.rng = random.Random(seed)
        self.setup = setup
        with project.db.read() as session:
            self.texts = dict(session.execute(select(DocumentRow.id, DocumentRow.text)).all())
        self.acknowledged: list[dict[str, Any]] = []  # event id, kind, reviewer
        self.own: dict[int, dict[str, Any]] = {}  # span id -> expected state in own layer
        self.done: list[int] = []
        self.edits: Counter[int] = Counter()  # contested span -> acknowledged edits
        self.conflicts = 0
        self.errors: list[str] = []

    def _ack(self, reviewer: str, kind: str, change: Any) -> None:
        for event_id in change.event_ids:
            self.acknowledged.append({"event": event_id, "kind": kind, "reviewer": reviewer})

    def different_reviewers(self, count: int) -> None:
        from unannotate.core.model import DocumentStatus
        from unannotate.services.decisions import ConflictError, Decider

        reviewer = Decider(self.project, self.name)
        pending = list(self.setup["suggestions"])  # the same order in both processes
        to_mark = list(self.setup["documents"])
        self.rng.shuffle(to_mark)
        kinds, weights = zip(*PHASE1_MIX.items(), strict=True)
        made = 0
        while made < count:
            kind = self.rng.choices(kinds, weights)[0]
            accepted = [i for i, s in self.own.items() if s["state"] == "accepted"]
            if (kind in ("accept", "reject") and not pending) or (
                    kind == "relabel" and not accepted) or (kind == "done" and not to_mark):
                kind = "add"
            try:
                if kind in ("accept", "reject"):
                    suggestion = pending[0]
                    change = (reviewer.accept if kind == "accept" else reviewer.reject)(
                        suggestion)
                    pending.pop(0)
                    assert change.written is not None
                    span = change.written[0]
                    self.own[span.id] = {"start": span.start, "end": span.end,
                                         "label": span.label, "state": span.state.value,
                                         "source": suggestion, "version": 1}
                elif kind == "add":
                    doc_id = self.rng.choice(self.setup["documents"])
                    start, end = self.rng.choice(word_offsets(self.texts[doc_id]))
                    label = self.rng.choice(LABELS)
                    change = reviewer.add(doc_id, start, end, label)
                    (span_id,) = change.span_ids
                    if not change.notice:  # else the span was there already: kept as known
                        self.own[span_id] = {"start": start, "end": end, "label": label,
                                             "state": "accepted", "source": None, "version": 1}
                elif kind == "relabel":
                    span_id = self.rng.choice(accepted)
                    expected = self.own[span_id]
                    # Not onto a span already there (one span per place).
                    held = {o["label"] for o in self.own.values()
                            if o["state"] == "accepted" and o.get("doc") == expected.get("doc")
                            and (o["start"], o["end"]) == (expected["start"], expected["end"])}
                    label = self.rng.choice([la for la in LABELS if la not in held]
                                            or [la for la in LABELS if la != expected["label"]])
                    change = reviewer.relabel(span_id, label,
                                              expected_version=expected["version"])
                    expected["label"], expected["version"] = label, expected["version"] + 1
                else:
                    doc_id = to_mark.pop()
                    change = reviewer.set_status(doc_id, DocumentStatus.DONE)
                    self.done.append(doc_id)
                self._ack(self.name, kind, change)
                made += 1
            except ConflictError:
                self.conflicts += 1  # none expected: no one else writes this layer
            except Exception as error:  # noqa: BLE001 (every other failure is counted)
                self.errors.append(f"{kind}: {type(error).__name__}: {error}")
                made += 1

    def same_reviewer(self, count: int) -> None:
        """Two windows of one person: read, think, then edit with the version read."""
        from unannotate.services.decisions import ConflictError, Decider

        reviewer = Decider(self.project, "cara")
        doc_id = self.setup["contested_document"]
        text_length = len(self.texts[doc_id])
        contested = self.setup["contested"]
        made = 0
        while made < count:
            span_id = self.rng.choice(contested)
            kind = "relabel"
            try:
                shown = next(s for s in reviewer.spans(doc_id) if s.id == span_id)
                time.sleep(self.rng.uniform(0, 0.002))
                if self.rng.random() < 0.5:
                    label = self.rng.choice([la for la in LABELS if la != shown.label])
                    change = reviewer.relabel(span_id, label, expected_version=shown.version)
                else:
                    kind = "resize"
                    end = shown.end + 1 if shown.end < min(text_length, shown.start + 20) \
                        else shown.end - 1
                    change = reviewer.resize(span_id, shown.start, end,
                                             expected_version=shown.version)
                self._ack("cara", kind, change)
                self.edits[span_id] += 1
                made += 1
            except ConflictError:
                self.conflicts += 1  # the other window changed it: shown again, decided again
            except Exception as error:  # noqa: BLE001
                self.errors.append(f"{kind}: {type(error).__name__}: {error}")
                made += 1


def worker(path: str, name: str, setup: dict[str, Any], count: int, seed: int,
           barrier: Any, out: str) -> None:
    from unannotate.services.project import open_project

    project = open_project(path, create=False)
    writer = Writer(project, name, setup, seed)
    first = round(count * (1 - SAME_REVIEWER_SHARE))
    barrier.wait(BARRIER_SECONDS)
    started = time.time()
    writer.different_reviewers(first)
    phase1 = time.time()
    barrier.wait(BARRIER_SECONDS)
    phase2_started = time.time()
    writer.same_reviewer(count - first)
    ended = time.time()
    project.close()
    Path(out).write_text(json.dumps({
        "name": name, "started": started, "ended": ended,
        "phase1_seconds": phase1 - started, "phase2_seconds": ended - phase2_started,
        "acknowledged": writer.acknowledged, "own": writer.own, "done": writer.done,
        "edits": writer.edits, "conflicts": writer.conflicts, "errors": writer.errors,
    }), encoding="utf-8")


def baseline_worker(path: str, count: int, barrier: Any, out: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    barrier.wait(BARRIER_SECONDS)
    started = time.time()
    for n in range(count):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO decisions (writer, n, at) VALUES (?, ?, ?)",
                     (os.getpid(), n, time.time()))
        conn.execute("COMMIT")
    ended = time.time()
    conn.close()
    Path(out).write_text(json.dumps({"started": started, "ended": ended}), encoding="utf-8")


# --- the run ----------------------------------------------------------------------------------


def run_processes(target: Any, arguments: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Run ``target`` in one spawned process per argument tuple, released together; each
    tuple ends with the file its process writes its result to."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(arguments))
    processes = [context.Process(target=target, args=(*args[:-1], barrier, args[-1]))
                 for args in arguments]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    failed = [p.exitcode for p in processes if p.exitcode != 0]
    if failed:
        raise SystemExit(f"a writer process failed (exit codes {failed})")
    return [json.loads(Path(args[-1]).read_text(encoding="utf-8")) for args in arguments]


def verify(path: Path, results: list[dict[str, Any]], contested: list[int]) -> dict[str, Any]:
    """What of the acknowledged decisions is in the file, read with plain sqlite3."""
    conn = sqlite3.connect(path)
    try:
        events = {row[0]: row[1:] for row in conn.execute(
            "SELECT e.id, e.kind, a.name FROM events e "
            "LEFT JOIN annotators a ON a.id = e.annotator_id")}
        found = sum(1 for r in results for ack in r["acknowledged"]
                    if events.get(ack["event"]) == (ack["kind"] if ack["kind"] != "done"
                                                    else "status", ack["reviewer"]))
        acknowledged = sum(len(r["acknowledged"]) for r in results)
        wrong_spans = 0
        for result in results:
            stored = {row[0]: {"start": row[1], "end": row[2], "label": row[3],
                               "state": row[4], "source": row[5], "version": row[6]}
                      for row in conn.execute(
                          "SELECT s.id, s.start, s.\"end\", l.name, s.state, s.source_id, "
                          "s.version FROM spans s JOIN labels l ON l.id = s.label_id "
                          "JOIN layers y ON y.id = s.layer_id WHERE y.name = ?",
                          (f"annotator:{result['name']}",))}
            expected = {int(k): v for k, v in result["own"].items()}
            wrong_spans += sum(1 for k in expected.keys() | stored.keys()
                               if expected.get(k) != stored.get(k))
            done = {row[0] for row in conn.execute(
                "SELECT s.document_id FROM document_status s JOIN annotators a "
                "ON a.id = s.annotator_id WHERE a.name = ? AND s.status = 'done'",
                (result["name"],))}
            wrong_spans += len(set(result["done"]) - done)
        edits: Counter[int] = Counter()
        for result in results:
            edits.update({int(k): v for k, v in result["edits"].items()})
        for span_id in contested:
            row = conn.execute("SELECT s.start, s.\"end\", l.name, s.version FROM spans s "
                               "JOIN labels l ON l.id = s.label_id WHERE s.id = ?",
                               (span_id,)).fetchone()
            history = conn.execute(
                "SELECT after FROM events WHERE span_id = ? AND kind IN ('relabel', 'resize') "
                "ORDER BY id", (span_id,)).fetchall()
            last = json.loads(history[-1][0]) if history else None
            if row is None or row[3] != 1 + edits[span_id] or len(history) != edits[span_id] \
                    or (last is not None and (last["start"], last["end"], last["label"],
                                              last["version"]) != row):
                wrong_spans += 1
    finally:
        conn.close()
    return {"acknowledged": acknowledged, "found": found,
            "lost": acknowledged - found + wrong_spans, "wrong_spans": wrong_spans,
            "contested_edits": sum(edits.values())}


def baseline(folder: Path, count: int) -> float:
    path = folder / "baseline.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE decisions (id INTEGER PRIMARY KEY, writer INTEGER, n INTEGER, "
                 "at REAL)")
    conn.commit()
    conn.close()
    results = run_processes(baseline_worker, [
        (str(path), count, str(folder / f"baseline-{n}.json")) for n in range(2)])
    conn = sqlite3.connect(path)
    stored = conn.execute("SELECT count(*) FROM decisions").fetchone()[0]
    conn.close()
    if stored != 2 * count:
        raise SystemExit(f"baseline: {stored} rows, not {2 * count}")
    return max(r["ended"] for r in results) - min(r["started"] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=DECISIONS,
                        help="decisions each process makes")
    parser.add_argument("--contested", type=int, default=CONTESTED,
                        help="spans both windows of one reviewer edit")
    parser.add_argument("--documents", type=int, default=DOCUMENTS)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="100 decisions per process")
    args = parser.parse_args()
    count = 100 if args.quick else args.decisions
    with tempfile.TemporaryDirectory(prefix="unannotate-bench-") as tmp:
        folder = Path(tmp)
        path = folder / "two-writers.unannotate.db"
        setup = build_project(path, args.documents, args.contested, args.seed)
        print(f"project: {len(setup['documents'])} documents, {len(setup['suggestions'])} "
              f"suggestions, {len(setup['contested'])} contested spans; 2 processes, "
              f"{count} decisions each ({1 - SAME_REVIEWER_SHARE:.0%} as ana and ben, "
              f"{SAME_REVIEWER_SHARE:.0%} both as cara)", flush=True)
        results = run_processes(worker, [
            (str(path), name, setup, count, args.seed + n, str(folder / f"{name}.json"))
            for n, name in enumerate(("ana", "ben"))])
        seconds = max(r["ended"] for r in results) - min(r["started"] for r in results)
        checked = verify(path, results, setup["contested"])
        base = baseline(folder, count)
    errors = [e for r in results for e in r["errors"]]
    conflicts = sum(r["conflicts"] for r in results)
    for result in results:
        print(f"{result['name']}: {len(result['acknowledged'])} decisions acknowledged "
              f"(different reviewers {result['phase1_seconds']:.2f} s, same reviewer "
              f"{result['phase2_seconds']:.2f} s), {result['conflicts']} conflicts detected, "
              f"{len(result['errors'])} errors")
    for error in errors[:10]:
        print(f"  error: {error}")
    print(f"found afterwards: {checked['found']} of {checked['acknowledged']} acknowledged "
          f"decisions; spans or statuses not as acknowledged: {checked['wrong_spans']}; "
          f"contested spans edited {checked['contested_edits']} times")
    print(f"{seconds:.2f} s for {checked['acknowledged']} decisions "
          f"({checked['acknowledged'] / seconds:.0f} a second); baseline (bare sqlite3 "
          f"INSERT + COMMIT, 2 processes): {base:.2f} s, ratio {seconds / base:.1f}")
    print(json.dumps({
        "processes": len(results),
        "decisions": checked["acknowledged"],
        "decisions_per_process": [len(r["acknowledged"]) for r in results],
        "found": checked["found"],
        "lost": checked["lost"],
        "errors": len(errors),
        "conflicts_detected": conflicts,
        "seconds": round(seconds, 3),
        "decisions_per_second": round(checked["acknowledged"] / seconds, 1),
        "baseline_seconds": round(base, 3),
        "ratio": round(seconds / base, 2),
    }))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
