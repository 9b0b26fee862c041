"""Benchmark: exporting a large annotated project, as native JSONL and as a spaCy DocBin.

Builds, untimed, a project of seeded invented news items (the vocabulary of import_bench.py,
1,000 to 1,400 characters each) with 20 non-overlapping entity spans a document (people,
bodies, places, months and numbers found in the text), all in ana's annotator layer
(``annotator:ana``, made with ``project.annotator_layer_id``), state ``accepted``, and every
document marked done by ana. Documents, spans and statuses go in with Core ``executemany``
(``storage.bulk.insert_rows``) into a project opened with ``open_project``. Then, in the same
run and from the same records:

* ours, JSONL: ``export_annotations(project, out, fmt="jsonl", layer=None)``, the whole project
  as native JSONL (every layer with its status, span ids and states, sha256, offsets checked),
  written atomically (fsync, rename). The project is opened before the clock starts.
* baseline, JSONL: the bare serialiser on the same records. The very records ours writes
  (``NativeDocument.to_json()`` of every document, every field) are built untimed and held
  in memory as plain dicts; timed: ``json.dumps(record, ensure_ascii=False,
  separators=(",", ":"))`` and a newline for each, written to a file. Its output must equal
  ours byte for byte (checked), so the ratio is what reading the project, checking offsets,
  streaming and writing atomically cost over serialising alone: no database to read and no
  fsync for the baseline.
* ours, spaCy: ``export_annotations(project, out, fmt="spacy", layer="ana")``.
* baseline, spaCy: what a person would write by hand with spaCy to turn the same texts and
  character offsets into a DocBin, with a ``spacy.blank("en")`` pipeline built untimed:
  ``nlp.make_doc(text)``, ``doc.char_span(start, end, label=...)`` for each span (they all
  fall on spaCy's tokens; one that did not would be skipped and counted), ``doc.ents`` and
  ``doc.spans["entities"]`` set, ``DocBin.add``, ``to_disk``. It stores no ``user_data``
  (ours stores title, source, sha256, language and meta, and an empty claims group, each one
  more msgpack call in ``DocBin.add``) and does not split tokens at span boundaries (ours
  rebuilds each Doc from words cut there, which these spans never need).
  Both write a new DocBin file once one holds ``docbin.SHARD_TOKENS`` tokens: a DocBin keeps
  about 100 bytes a token in memory until it is written and copies them three times while
  writing, so one DocBin of 100,000 documents takes gigabytes (and msgpack cannot hold more
  than 4 GiB of them), and a script for a corpus this size has to split it too. Ours writes
  the folder ``out`` of numbered ``.spacy`` files when there is more than one; ``spacy
  train --paths.train out`` reads such a folder as one corpus.
* the ratios ours/baseline in documents per second, for both formats (target: at least 0.5);
* peak memory of ours, for each format, in a fresh child process that only opens the project
  and exports (``ru_maxrss``, restarted after opening the project where Linux allows, so that
  it is the export's own peak on top of what the process holds), for the project of N
  documents and for one of 2N. Flat means less than 10 % more for 2N.

The measurements take turns, round after round, and the best of the rounds counts.

Usage: .venv/bin/python bench/export_bench.py [--docs N] [--repeat K] [--quick] [--profile]
       [--only jsonl|spacy]

``--quick``: 5,000 documents, one round. At full size the spaCy side takes most of the time
(about ten minutes a round and half an hour for the memory runs on two busy cores).

Human-readable lines first; the last line is one JSON object with the figures.
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
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from machine import cpu_model  # a sibling module of the benchmarks
from import_bench import _BODIES, _MONTHS, _PEOPLE, _PLACES, make_text  # same vocabulary

TARGET_RATIO = 0.5
SEED = 20240613
SPANS_PER_DOC = 20
DOC_CHARS = (1000, 1400)
ANNOTATOR = "ana"
FORMATS = ("jsonl", "spacy")
BATCH = 2_000
MIB = 1024 * 1024

# --- corpus ----------------------------------------------------------------------------------


def _phrases() -> dict[str, str]:
    """Each phrase of the vocabulary worth a span, and its label."""
    labels: dict[str, str] = {}
    for person in _PEOPLE:
        labels[person] = "PERSON"
    for body in _BODIES:
        labels[body.removeprefix("the ")] = "ORG"
    for place in _PLACES:
        labels[place.removeprefix("the ")] = "LOC" if place.startswith("the ") else "GPE"
    for month in _MONTHS:
        labels[month] = "DATE"
    return labels


_LABELS = _phrases()
_CANDIDATE = re.compile(
    "|".join(rf"\b{re.escape(p)}\b" for p in sorted(_LABELS, key=len, reverse=True))
    + r"|\b\d+\b"
)


@dataclass
class Record:
    number: int
    text: str
    spans: list[tuple[int, int, str]]  # (start, end, label), in text order, no overlaps


def corpus(docs: int, seed: int = SEED) -> Iterator[Record]:
    """``docs`` distinct documents, each with exactly ``SPANS_PER_DOC`` spans."""
    rng = random.Random(seed)
    number = 0
    while number < docs:
        text = make_text(rng, number + 1, rng.randint(*DOC_CHARS))
        found = [(m.start(), m.end(), _LABELS.get(m.group(), "CARDINAL"))
                 for m in _CANDIDATE.finditer(text)]
        if len(found) < SPANS_PER_DOC:
            continue  # too few names in this one; draw another
        number += 1
        yield Record(number, text, sorted(rng.sample(found, SPANS_PER_DOC)))


# --- the project -----------------------------------------------------------------------------


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _remove_database(database: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def build_project(database: Path, docs: int, keep: bool) -> list[Record]:
    """A fresh project holding the corpus, annotated by ana and marked done; the records
    themselves when ``keep`` (for the baselines)."""
    from datetime import UTC, datetime

    from unannotate.services.project import open_project
    from unannotate.storage.bulk import insert_rows
    from unannotate.storage.schema import DocumentRow, DocumentStatusRow, SpanRow

    _remove_database(database)
    kept: list[Record] = []
    project = open_project(database)
    try:
        with project.db.session() as session:
            layer_id = project.annotator_layer_id(session, ANNOTATOR)
            annotator_id = project.annotator_id(session, ANNOTATOR)
            label_ids = project.label_ids(session)
            connection = session.connection()
            stamp = datetime.now(UTC)
            source = "bench/export_bench.py"
            batch: list[Record] = []

            def flush() -> None:
                insert_rows(connection, DocumentRow.__table__,
                            ("id", "sha256", "text", "title", "meta", "language", "source"),
                            [(r.number, hashlib.sha256(r.text.encode()).hexdigest(), r.text,
                              r.text.split("\n", 1)[0][:120], {"id": r.number}, "en", source)
                             for r in batch],
                            {"created_at": stamp})
                insert_rows(connection, SpanRow.__table__,
                            ("layer_id", "document_id", "start", "end", "label_id", "state",
                             "score", "reason", "source_id", "version"),
                            [(layer_id, r.number, start, end, label_ids[label], "accepted",
                              None, "", None, 1)
                             for r in batch for start, end, label in r.spans],
                            {"created_at": stamp, "updated_at": stamp})
                insert_rows(connection, DocumentStatusRow.__table__,
                            ("document_id", "annotator_id", "status", "seconds_spent"),
                            [(r.number, annotator_id, "done", 0.0) for r in batch],
                            {"updated_at": stamp})
                batch.clear()

            for record in corpus(docs):
                batch.append(record)
                if keep:
                    kept.append(record)
                if len(batch) == BATCH:
                    flush()
            flush()
    finally:
        project.close()
    return kept


# --- the measurements ------------------------------------------------------------------------


def baseline_jsonl(records: list[dict], out: Path) -> tuple[int, float]:
    """The bare serialiser: ``json.dumps`` of plain dicts already in memory, to a file."""
    gc.collect()
    start = time.perf_counter()
    dumps = json.dumps
    with out.open("w", encoding="utf-8", newline="\n") as handle:
        for record in records:
            handle.write(dumps(record, ensure_ascii=False, separators=(",", ":")))
            handle.write("\n")
    elapsed = time.perf_counter() - start
    return len(records), elapsed


def baseline_spacy(nlp, records: list[Record], out: Path) -> tuple[int, float, int]:
    """By hand with spaCy: make_doc, char_span, ents and a span group, DocBin.add, to_disk;
    a new file once a DocBin holds ``SHARD_TOKENS`` tokens, as ours does."""
    from spacy.tokens import DocBin

    from unannotate.nlp.docbin import SHARD_TOKENS

    gc.collect()
    start = time.perf_counter()
    out.mkdir()
    docbin, tokens, files, misaligned = DocBin(), 0, 0, 0
    for record in records:
        doc = nlp.make_doc(record.text)
        spans = []
        for begin, end, label in record.spans:
            span = doc.char_span(begin, end, label=label)
            if span is None:
                misaligned += 1
            else:
                spans.append(span)
        doc.ents = spans
        doc.spans["entities"] = spans
        docbin.add(doc)
        tokens += len(doc)
        if tokens >= SHARD_TOKENS:
            files += 1
            docbin.to_disk(out / f"{files:05d}.spacy")
            docbin, tokens = DocBin(), 0
    if len(docbin):
        files += 1
        docbin.to_disk(out / f"{files:05d}.spacy")
    elapsed = time.perf_counter() - start
    _remove(out)
    return len(records), elapsed, misaligned


def native_records(database: Path) -> list[dict]:
    """Every document as the dict native JSONL holds for it, read once, untimed."""
    from unannotate.services.exporting import iter_native_documents
    from unannotate.services.project import open_project

    project = open_project(database, create=False)
    try:
        with project.db.read() as session:
            return [d.to_json() for d in iter_native_documents(project, session)]
    finally:
        project.close()


def ours(database: Path, out: Path, fmt: str, layer: str | None,
         keep: bool = False) -> tuple[int, float, str]:
    """``export_annotations`` end to end (opening the project is not timed)."""
    from unannotate.services.annotation_files import export_annotations
    from unannotate.services.project import open_project

    project = open_project(database, create=False)
    try:
        gc.collect()
        start = time.perf_counter()
        reports = export_annotations(project, out, fmt=fmt, layer=layer)
        elapsed = time.perf_counter() - start
    finally:
        project.close()
    written = reports[0].written
    size = sum(p.stat().st_size for p in (out.rglob("*") if out.is_dir() else [out]))
    what = (f"{len(written.files)} file(s), {size / MIB:,.1f} MB, "
            f"{sum(written.spans.values()):,} spans")
    if not keep:
        _remove(out)
    return written.documents, elapsed, what


def best_of(runs: dict[str, Callable[[], tuple[int, float, str]]], repeat: int, docs: int
            ) -> dict[str, float]:
    """The best time of each run; the runs take turns, so that a slow spell of the machine
    falls on all of them rather than on one."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for attempt in range(repeat):
        print(f"round {attempt + 1} of {repeat}:", flush=True)
        for name, run in runs.items():
            count, elapsed, what = run()
            if count != docs:
                raise SystemExit(f"{name}: wrote {count} documents, expected {docs}")
            times[name].append(elapsed)
            print(f"  {name:28s} {elapsed:7.2f} s  {docs / elapsed:9,.0f} docs/s  {what}",
                  flush=True)
    return {name: min(found) for name, found in times.items()}


# --- memory (child process) ------------------------------------------------------------------


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _reset_peak() -> bool:
    """Start the peak resident size afresh (Linux: ``clear_refs``), so that the peak read
    after the export is the export's own, not that of opening the project."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def child_memory(database: str, out: str, fmt: str) -> None:
    """Run in a fresh interpreter: the peak resident size of one export, as JSON."""
    from unannotate.services.annotation_files import export_annotations
    from unannotate.services.project import open_project

    project = open_project(database, create=False)
    before = _maxrss_mib()
    reset = _reset_peak()
    reports = export_annotations(project, out, fmt=fmt,
                                 layer=None if fmt == "jsonl" else ANNOTATOR)
    project.close()
    after = _maxrss_mib()
    print(json.dumps({"before_mb": before, "peak_mb": after, "reset": reset,
                      "documents": reports[0].written.documents}))


def measure_peak(database: Path, folder: Path, fmt: str, docs: int) -> dict[str, float]:
    out = folder / f"memory.{'jsonl' if fmt == 'jsonl' else 'spacy'}"
    command = [sys.executable, __file__, "--child-memory", str(database), str(out), fmt]
    if os.name == "posix" and Path("/bin/sh").exists():
        # A process started straight from this one inherits, through exec, this process's
        # peak resident size as its own ru_maxrss; a shell that forks first does not.
        command = ["/bin/sh", "-c", '"$0" "$@"; exit $?', *command]
    result = subprocess.run(command, capture_output=True, text=True)
    _remove(out)
    if result.returncode:
        raise SystemExit(f"the memory run failed:\n{result.stderr[-3000:]}")
    peak = json.loads(result.stdout.strip().splitlines()[-1])
    if peak["documents"] != docs:
        raise SystemExit(f"memory run wrote {peak['documents']} documents, expected {docs}")
    return peak


# --- profiling -------------------------------------------------------------------------------


def profile(database: Path, folder: Path, formats: tuple[str, ...]) -> None:
    import cProfile
    import pstats

    for fmt in formats:
        layer = None if fmt == "jsonl" else ANNOTATOR
        profiler = cProfile.Profile()
        profiler.enable()
        ours(database, folder / f"profile.{fmt}", fmt, layer)
        profiler.disable()
        print(f"\n=== profile: ours, {fmt} ===")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(25)


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000, help="documents in the project")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the measurements")
    parser.add_argument("--quick", action="store_true", help="smoke run: 5,000 docs, 1 round")
    parser.add_argument("--profile", action="store_true", help="also cProfile our exports")
    parser.add_argument("--only", choices=FORMATS, help="measure one format only")
    parser.add_argument("--child-memory", nargs=3, metavar=("DB", "OUT", "FORMAT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_memory:
        child_memory(*args.child_memory)
        return
    docs, repeat = (5_000, 1) if args.quick else (args.docs, args.repeat)

    formats = (args.only,) if args.only else FORMATS

    import spacy

    from unannotate.nlp.docbin import SHARD_TOKENS

    print(f"Python {platform.python_version()}, spaCy {spacy.__version__}, "
          f"{os.cpu_count()} CPUs ({cpu_model()}), load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="unannotate-bench-") as tmp:
        folder = Path(tmp)
        database = folder / "project.db"
        start = time.perf_counter()
        records = build_project(database, docs, keep=True)
        chars = sum(len(r.text) for r in records)
        print(f"project: {docs:,} documents, {chars / 1e6:.1f} M characters, "
              f"{docs * SPANS_PER_DOC:,} spans in layer annotator:{ANNOTATOR}, all done "
              f"(built in {time.perf_counter() - start:.1f} s)", flush=True)

        runs: dict[str, Callable[[], tuple[int, float, str]]] = {}
        if "jsonl" in formats:
            plain = native_records(database)
            _, _, described = ours(database, folder / "o.jsonl", "jsonl", None, keep=True)
            baseline_jsonl(plain, folder / "b.jsonl")
            if (folder / "o.jsonl").read_bytes() != (folder / "b.jsonl").read_bytes():
                raise SystemExit("ours and json.dumps of the same records differ")
            print(f"ours and json.dumps of the same records: the same bytes ({described})")
            _remove(folder / "o.jsonl")

            def jsonl_baseline() -> tuple[int, float, str]:
                count, elapsed = baseline_jsonl(plain, folder / "b.jsonl")
                _remove(folder / "b.jsonl")
                return count, elapsed, "in-memory dicts"

            runs["baseline jsonl (json.dumps)"] = jsonl_baseline
            runs["ours jsonl (layer=None)"] = lambda: ours(database, folder / "o.jsonl",
                                                           "jsonl", None)
        misaligned = [0]
        if "spacy" in formats:
            nlp = spacy.blank("en")

            def spacy_baseline() -> tuple[int, float, str]:
                count, elapsed, misaligned[0] = baseline_spacy(nlp, records,
                                                               folder / "base.spacy")
                return count, elapsed, f"{misaligned[0]} spans off spaCy's tokens"

            runs["baseline spacy (by hand)"] = spacy_baseline
            runs["ours spacy (layer=ana)"] = lambda: ours(database, folder / "o.spacy",
                                                          "spacy", ANNOTATOR)
        print(f"best of {repeat}, rounds in turn (DocBin files of up to "
              f"{SHARD_TOKENS:,} tokens):")
        best = best_of(runs, repeat, docs)
        rates = {name.split(" (")[0]: docs / elapsed for name, elapsed in best.items()}
        runs.clear()
        plain = records = []  # type: ignore[assignment]
        gc.collect()

        if args.profile:
            profile(database, folder, formats)

        print("peak memory of ours (child process):", flush=True)
        peaks: dict[str, dict[str, float]] = {}
        for fmt in formats:
            peaks[fmt] = measure_peak(database, folder, fmt, docs)
            print(f"  {fmt}, {docs:,} docs: {peaks[fmt]['peak_mb']:.1f} MB "
                  f"(after opening the project {peaks[fmt]['before_mb']:.1f} MB)", flush=True)
        _remove_database(database)
        double = folder / "project-2x.db"
        build_project(double, 2 * docs, keep=False)
        peaks2: dict[str, dict[str, float]] = {}
        for fmt in formats:
            peaks2[fmt] = measure_peak(double, folder, fmt, 2 * docs)
            print(f"  {fmt}, {2 * docs:,} docs: {peaks2[fmt]['peak_mb']:.1f} MB "
                  f"(after opening the project {peaks2[fmt]['before_mb']:.1f} MB)", flush=True)
        _remove_database(double)

    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
    if misaligned[0]:
        print(f"note: the spaCy baseline skipped {misaligned[0]:,} spans off its tokens "
              "(ours splits tokens to keep them)")
    figures: dict[str, float | int | None] = {}
    for fmt in FORMATS:
        if fmt not in formats:
            figures[f"{fmt}_ratio"] = None
            continue
        our, base = rates[f"ours {fmt}"], rates[f"baseline {fmt}"]
        ratio = our / base
        figures[f"{fmt}_ratio"] = round(ratio, 3)
        print(f"{fmt}: ours {our:,.0f} docs/s, baseline {base:,.0f} docs/s, ratio {ratio:.2f} "
              f"({'meets' if ratio >= TARGET_RATIO else 'BELOW'} target {TARGET_RATIO})")
    for fmt in formats:
        one, two = peaks[fmt]["peak_mb"], peaks2[fmt]["peak_mb"]
        growth = two - one
        print(f"peak memory, {fmt}: {one:.1f} MB for N, {two:.1f} MB for 2N ({growth:+.1f} MB; "
              f"{'flat' if growth < 0.1 * one else 'GROWS'})")
    figures["peak_mb"] = round(max(p["peak_mb"] for p in peaks.values()), 1)
    figures["peak_mb_2x"] = round(max(p["peak_mb"] for p in peaks2.values()), 1)
    for fmt in formats:
        figures[f"{fmt}_docs_per_s"] = round(rates[f"ours {fmt}"], 1)
        figures[f"{fmt}_baseline_docs_per_s"] = round(rates[f"baseline {fmt}"], 1)
    for fmt in formats:
        figures[f"peak_mb_{fmt}"] = round(peaks[fmt]["peak_mb"], 1)
        figures[f"peak_mb_{fmt}_2x"] = round(peaks2[fmt]["peak_mb"], 1)
    figures["docs"] = docs
    figures["spans_per_doc"] = SPANS_PER_DOC
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
