"""Benchmark: agreement between three annotators over a project of 2,000 documents.

Builds, untimed, a project of seeded invented news items (``make_text`` of import_bench.py,
about 1,500 characters each). Each document gets 50 reference spans drawn from what is in its
text: people, bodies, places, months, numbers and topics as entities, and whole sentences as
claims. Each of three annotators (``ana``, ``ben``, ``cy``, in layers ``annotator:NAME``,
state ``accepted``, every document marked done) holds those 50 spans with, seeded and apart
for each annotator, about 5 % relabelled, 6 % with a word more or less at one end and 5 %
left out for one of the document's other candidates: mostly shared, as real annotators are.
Rows go in with Core ``executemany`` (``storage.bulk.insert_rows``) into a project opened with
``open_project``. Then, in the same run:

* ours: ``project_agreement(project, ["ana", "ben", "cy"])`` end to end: reading the layers
  and texts, tokens, sentences, F1, kappa and alpha, per label and per document. The project
  is opened before the clock starts. Target: under 2 s.
* baseline: the bare read of the same span rows with the ``sqlite3`` module (``SELECT`` of
  document, layer, offsets, label and state of every span row, ``fetchall``), on a connection
  opened before the clock starts; the ratio ours / baseline says how much the figures cost
  over reading the rows alone.

The two take turns, round after round, and the best of the rounds counts.

Usage: .venv/bin/python bench/agreement_bench.py [--docs N] [--repeat K] [--quick] [--profile]

``--quick``: 200 documents, one round. Human-readable lines first; the last line is one JSON
object with the figures.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from import_bench import _BODIES, _MONTHS, _PEOPLE, _PLACES, _TOPICS, make_text

TARGET_SECONDS = 2.0
SEED = 20240620
DOCS = 2_000
SPANS_PER_DOC = 50
DOC_CHARS = (1400, 1600)
ANNOTATORS = ("ana", "ben", "cy")
RELABEL, RESIZE, OMIT = 0.05, 0.06, 0.05
BATCH = 500
ENTITY_LABELS = ("PERSON", "ORG", "GPE", "LOC", "DATE", "CARDINAL", "EVENT")

# --- corpus ----------------------------------------------------------------------------------


def _phrases() -> dict[str, str]:
    labels: dict[str, str] = {}
    for person in _PEOPLE:
        labels[person] = "PERSON"
    for body in _BODIES:
        labels[body.removeprefix("the ")] = "ORG"
    for place in _PLACES:
        labels[place.removeprefix("the ")] = "LOC" if place.startswith("the ") else "GPE"
    for month in _MONTHS:
        labels[month] = "DATE"
    for topic in _TOPICS:
        labels[topic.removeprefix("the ").removeprefix("a ")] = "EVENT"
    return labels


_LABELS = _phrases()
_CANDIDATE = re.compile(
    "|".join(rf"\b{re.escape(p)}\b" for p in sorted(_LABELS, key=len, reverse=True))
    + r"|\b\d+\b"
)

Span = tuple[int, int, str]  # start, end, label


@dataclass
class Record:
    number: int
    text: str
    layers: dict[str, list[Span]]


def _candidates(text: str) -> list[Span]:
    from unannotate.core.offsets import sentences

    found = [(m.start(), m.end(), _LABELS.get(m.group(), "CARDINAL"))
             for m in _CANDIDATE.finditer(text)]
    # Claims: the sentences of the body (the headline and dateline are not claims).
    found += [(start, end, "CLAIM") for start, end in sentences(text)[2:]]
    return found


def _resized(text: str, span: Span, rng: random.Random) -> Span:
    """The span with one word more or less at its end (or its start)."""
    start, end, label = span
    piece = text[start:end]
    if " " in piece.strip() and rng.random() < 0.5:
        if rng.random() < 0.5:
            return start, start + piece.rindex(" "), label
        return start + piece.index(" ") + 1, end, label
    following = text.find(" ", end + 1)
    return start, (following if following > end else len(text)), label


def _layer(text: str, base: list[Span], spare: list[Span], rng: random.Random) -> list[Span]:
    spans: list[Span] = []
    spare = list(spare)
    rng.shuffle(spare)
    for span in base:
        roll = rng.random()
        if roll < OMIT:
            if spare:  # left out, and another of the document's candidates taken instead
                spans.append(spare.pop())
            continue
        roll -= OMIT
        if roll < RELABEL and span[2] != "CLAIM":
            spans.append((span[0], span[1],
                          rng.choice([x for x in ENTITY_LABELS if x != span[2]])))
        elif roll < RELABEL + RESIZE:
            spans.append(_resized(text, span, rng))
        else:
            spans.append(span)
    return spans


def corpus(docs: int, seed: int = SEED) -> Iterator[Record]:
    """``docs`` documents, each with a layer of about ``SPANS_PER_DOC`` spans per annotator."""
    rng = random.Random(seed)
    number = 0
    while number < docs:
        text = make_text(rng, number + 1, rng.randint(*DOC_CHARS))
        found = _candidates(text)
        if len(found) < SPANS_PER_DOC + 5:
            continue  # too few names in this one; draw another
        number += 1
        chosen = set(rng.sample(range(len(found)), SPANS_PER_DOC))
        base = [found[i] for i in sorted(chosen)]
        spare = [found[i] for i in range(len(found)) if i not in chosen]
        yield Record(number, text, {name: _layer(text, base, spare, rng) for name in ANNOTATORS})


# --- the project -----------------------------------------------------------------------------


def build_project(database: Path, docs: int) -> tuple[int, int]:
    """A fresh project holding the corpus, every document done by every annotator; returns
    the documents' characters and the span rows."""
    from datetime import UTC, datetime

    from unannotate.services.project import open_project
    from unannotate.storage.bulk import insert_rows
    from unannotate.storage.schema import DocumentRow, DocumentStatusRow, SpanRow

    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    chars = spans = 0
    project = open_project(database)
    try:
        with project.db.session() as session:
            layers = {name: project.annotator_layer_id(session, name) for name in ANNOTATORS}
            people = {name: project.annotator_id(session, name) for name in ANNOTATORS}
            label_ids = project.label_ids(session)
            connection = session.connection()
            stamp = datetime.now(UTC)
            batch: list[Record] = []

            def flush() -> None:
                insert_rows(connection, DocumentRow.__table__,
                            ("id", "sha256", "text", "title", "meta", "language", "source"),
                            [(r.number, hashlib.sha256(r.text.encode()).hexdigest(), r.text,
                              r.text.split("\n", 1)[0][:120], {"id": r.number}, "en",
                              "bench/agreement_bench.py") for r in batch],
                            {"created_at": stamp})
                insert_rows(connection, SpanRow.__table__,
                            ("layer_id", "document_id", "start", "end", "label_id", "state",
                             "score", "reason", "source_id", "version"),
                            [(layers[name], r.number, start, end, label_ids[label], "accepted",
                              None, "", None, 1)
                             for r in batch for name, found in r.layers.items()
                             for start, end, label in found],
                            {"created_at": stamp, "updated_at": stamp})
                insert_rows(connection, DocumentStatusRow.__table__,
                            ("document_id", "annotator_id", "status", "seconds_spent"),
                            [(r.number, people[name], "done", 0.0)
                             for r in batch for name in ANNOTATORS],
                            {"updated_at": stamp})
                batch.clear()

            for record in corpus(docs):
                chars += len(record.text)
                spans += sum(map(len, record.layers.values()))
                batch.append(record)
                if len(batch) == BATCH:
                    flush()
            flush()
    finally:
        project.close()
    return chars, spans


# --- the measurements ------------------------------------------------------------------------


def ours(project):  # type: ignore[no-untyped-def]
    from unannotate.services.agreement import project_agreement

    gc.collect()
    start = time.perf_counter()
    report = project_agreement(project, list(ANNOTATORS))
    return time.perf_counter() - start, report


def baseline(connection: sqlite3.Connection) -> tuple[float, int]:
    """The bare read of every span row with the sqlite3 module."""
    gc.collect()
    start = time.perf_counter()
    rows = connection.execute(
        'SELECT document_id, layer_id, start, "end", label_id, state FROM spans').fetchall()
    return time.perf_counter() - start, len(rows)


def profile(project) -> None:  # type: ignore[no-untyped-def]
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    ours(project)
    profiler.disable()
    print("\n=== profile: ours ===")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(20)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=DOCS, help="documents in the project")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the measurements")
    parser.add_argument("--quick", action="store_true", help="smoke run: 200 docs, 1 round")
    parser.add_argument("--profile", action="store_true", help="also cProfile ours")
    args = parser.parse_args()
    docs, repeat = (200, 1) if args.quick else (args.docs, args.repeat)

    from unannotate.services.project import open_project

    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"{os.cpu_count()} CPUs ({cpu_model()}), load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="unannotate-bench-") as tmp:
        database = Path(tmp) / "project.db"
        start = time.perf_counter()
        chars, spans = build_project(database, docs)
        print(f"project: {docs:,} documents, {chars / 1e6:.1f} M characters, {spans:,} spans "
              f"in {len(ANNOTATORS)} annotator layers, all done "
              f"(built in {time.perf_counter() - start:.1f} s)", flush=True)
        project = open_project(database, create=False)
        connection = sqlite3.connect(database)
        try:
            times: dict[str, list[float]] = {"ours": [], "baseline": []}
            report = None
            print(f"best of {repeat}, in turns:")
            for attempt in range(repeat):
                base_seconds, rows = baseline(connection)
                if rows != spans:
                    raise SystemExit(f"baseline read {rows} rows, expected {spans}")
                seconds, report = ours(project)
                if report.documents != docs or sum(report.spans.values()) != spans:
                    raise SystemExit(f"ours compared {report.documents} documents and "
                                     f"{sum(report.spans.values())} spans, expected {docs} "
                                     f"and {spans}")
                times["baseline"].append(base_seconds)
                times["ours"].append(seconds)
                print(f"  round {attempt + 1}: ours {seconds:6.3f} s, baseline "
                      f"{base_seconds:6.3f} s", flush=True)
            if args.profile:
                profile(project)
        finally:
            connection.close()
            project.close()

    best, best_base = min(times["ours"]), min(times["baseline"])
    ratio = best / best_base
    assert report is not None
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
    print(f"figures: exact F1 {report.exact_f1:.3f}, overlap F1 {report.overlap_f1:.3f}, "
          f"token kappa {report.token_kappa:.3f}, claim kappa {report.claim_kappa:.3f}, "
          f"token alpha {report.token_alpha:.3f}, claim alpha {report.claim_alpha:.3f} "
          f"({report.tokens:,} tokens, {report.sentences:,} sentences)")
    print(f"ours {best:.3f} s ({'meets' if best < TARGET_SECONDS else 'ABOVE'} target "
          f"{TARGET_SECONDS} s), baseline {best_base:.3f} s, ratio {ratio:.1f}")
    print(json.dumps({
        "seconds": round(best, 4),
        "baseline_seconds": round(best_base, 4),
        "ratio": round(ratio, 2),
        "target_seconds": TARGET_SECONDS,
        "meets_target": best < TARGET_SECONDS,
        "documents": docs,
        "spans": spans,
        "tokens": report.tokens,
        "sentences": report.sentences,
        "exact_f1": round(report.exact_f1 or 0.0, 4),
        "token_kappa": round(report.token_kappa or 0.0, 4),
    }))


if __name__ == "__main__":
    main()
