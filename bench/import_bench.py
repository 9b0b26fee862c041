"""Benchmark: importing a large JSON Lines file into a project.

Generates a seeded corpus of invented news-like documents in a temporary folder, then measures
in the same run:

* baseline: read the file line by line, ``json.loads`` each line and ``executemany`` the rows
  into a bare sqlite3 table shaped like ``documents`` (same pragmas, one transaction);
* ours: ``import_paths(project, [file])`` into a fresh project, timed end to end (opening the
  project is not timed, nor loading the language guess's model, which the first guess of a
  process does: its time is printed apart);
* peak memory of our import, in a child process, for the corpus and for one twice as large.

Usage: .venv/bin/python bench/import_bench.py [--docs N] [--repeat K] [--quick] [--profile]
       [--language CODE]  (the import names the language: nothing is guessed)

Human-readable lines first; the last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import functools
import gc
import hashlib
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

TARGET_RATIO = 0.5
TARGET_PEAK_MB = 300.0
SEED = 20240611
MIB = 1024 * 1024

# --- corpus ----------------------------------------------------------------------------------

_BODIES = [
    "the Security Council", "the General Assembly", "the Human Rights Council",
    "the Economic and Social Council", "the World Food Programme", "the refugee agency",
    "the children's fund", "the health agency", "the peacekeeping mission",
    "the development programme", "the Secretary-General", "the Deputy Special Envoy",
    "the humanitarian coordinator", "the migration agency", "the Special Rapporteur",
    "the weather agency", "the trade and development body", "the population fund",
]
_PLACES = [
    "Côte d'Ivoire", "São Tomé and Príncipe", "Türkiye", "Genève", "Bogotá", "Nouakchott",
    "Ouagadougou", "the Sahel", "Cox's Bazar", "Kraków", "Malmö", "Asunción", "Reykjavík",
    "the Horn of Africa", "the Pacific islands", "Port-au-Prince", "Tbilisi", "Yaoundé",
    "Niamey", "Nukuʻalofa", "Zürich", "the Lake Chad basin", "Juba", "Mogadishu",
]
_VERBS = [
    "warned of", "welcomed", "called for", "expressed concern about", "reported",
    "announced", "condemned", "pledged support for", "highlighted", "reviewed",
    "urged action on", "described", "drew attention to", "praised", "questioned",
]
_TOPICS = [
    "rising food insecurity", "the protection of civilians", "a new cholera outbreak",
    "access for aid convoys", "the ceasefire agreement", "funding shortfalls",
    "displacement caused by floods", "attacks on health workers", "the electoral calendar",
    "debt relief for small island states", "school enrolment for girls",
    "drought across the region", "the return of refugees", "mine clearance",
    "heat waves and crop losses", "maternal health services", "climate finance",
    "the vaccination campaign", "detention conditions", "freedom of the press",
]
_QUANTITIES = [
    "nearly {n} thousand people", "more than {n} per cent of households", "{n} million dollars",
    "at least {n} districts", "some {n} schools", "{n} tonnes of food", "over {n} clinics",
    "{n} aid workers", "about {n} thousand children", "{n} villages",
]
_CONNECTORS = [
    "According to officials,", "In a statement,", "Speaking to reporters,", "Meanwhile,",
    "At the same time,", "In the capital,", "Earlier this week,", "Despite the rains,",
    "By contrast,", "In its latest update,", "On the ground,", "For now,",
]
_PEOPLE = [
    "Ana Lúcia Ferreira", "Jürgen Weiß", "Chidi Okonkwo", "Siobhán Ní Bhriain", "Łukasz Nowak",
    "Nguyễn Thị Lan", "Fatoumata Diallo", "José Martínez", "Ingrid Sørensen", "Amina Haïdara",
    "Kenji Satō", "Oksana Kovalenko", "Rafael Peña", "Zoë Laurent", "Mehmet Yılmaz",
]
_QUOTES = [
    "“We cannot look away,” said {p}.",
    "“Every week of delay costs lives,” {p} told journalists.",
    "“The figures speak for themselves,” according to {p}.",
    "{p} said the situation was «extremely fragile».",
    "“This is a test of our collective will,” said {p}.",
    "{p} described the progress as “real but reversible”.",
]
_EMOJI = ["🌍", "🕊️", "📢", "✅", "🚨", "💧", "🌾", "📊", "🤝", "🏥", "🌊", "☀️"]
_MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]


def _sentence(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.2:
        return rng.choice(_QUOTES).format(p=rng.choice(_PEOPLE))
    quantity = rng.choice(_QUANTITIES).format(n=rng.randint(2, 980))
    sentence = (
        f"{rng.choice(_CONNECTORS)} {rng.choice(_BODIES)} {rng.choice(_VERBS)} "
        f"{rng.choice(_TOPICS)} in {rng.choice(_PLACES)}, where {quantity} are affected."
    )
    if kind > 0.93:
        sentence += " " + rng.choice(_EMOJI)
    return sentence


def make_text(rng: random.Random, number: int, target: int) -> str:
    """One invented news item of about ``target`` characters; ``number`` makes it unique."""
    body = rng.choice(_BODIES)
    headline = (
        f"{body[0].upper()}{body[1:]} {rng.choice(_VERBS)} {rng.choice(_TOPICS)} "
        f"in {rng.choice(_PLACES)} (item {number})"
    )
    dateline = (
        f"{rng.choice(_PLACES).upper()}, {rng.randint(1, 28)} {rng.choice(_MONTHS)} "
        f"{rng.randint(2015, 2025)} —"
    )
    parts = [headline, "", dateline]
    size = len(headline) + len(dateline) + 2
    paragraph: list[str] = []
    while size < target:
        sentence = _sentence(rng)
        paragraph.append(sentence)
        size += len(sentence) + 1
        if len(paragraph) >= rng.randint(3, 6):
            parts.append(" ".join(paragraph))
            parts.append("")
            size += 1
            paragraph = []
    if paragraph:
        parts.append(" ".join(paragraph))
    return "\n".join(parts).rstrip("\n")


def write_corpus(path: Path, docs: int, seed: int = SEED) -> int:
    """Write ``docs`` records to ``path``; return the file's size in bytes."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for number in range(1, docs + 1):
            text = make_text(rng, number, rng.randint(1800, 2200))
            record = {"text": text, "meta": {"id": number}}
            out.write(json.dumps(record, ensure_ascii=False))
            out.write("\n")
    return path.stat().st_size


# --- baseline --------------------------------------------------------------------------------

_BASELINE_DDL = """
CREATE TABLE documents (
    id INTEGER NOT NULL,
    sha256 VARCHAR(64) NOT NULL,
    text TEXT NOT NULL,
    title VARCHAR(500) NOT NULL,
    meta JSON NOT NULL,
    language VARCHAR(16) NOT NULL,
    source TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (sha256)
)
"""


def _baseline_rows(corpus: Path, created: str) -> Iterator[tuple[str, ...]]:
    source = str(corpus)
    with corpus.open("rb") as stream:
        for raw in stream:
            record = json.loads(raw)
            text = record["text"]
            meta = record.get("meta") or {}
            cut = text.find("\n")
            title = (text if cut < 0 else text[:cut])[:120]
            yield (
                hashlib.sha256(text.encode("utf-8")).hexdigest(),
                text,
                title,
                json.dumps(meta),
                meta.get("language") or "en",
                source,
                created,
            )


def baseline_import(corpus: Path, database: Path) -> tuple[int, float, float]:
    """The raw cost: parse every line and store the same rows with plain sqlite3."""
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(_BASELINE_DDL)
        created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        start, cpu_start = time.perf_counter(), time.process_time()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO documents (sha256, text, title, meta, language, source, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            _baseline_rows(corpus, created),
        )
        conn.execute("COMMIT")
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        count = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        conn.close()
    return count, elapsed, cpu


# --- ours ------------------------------------------------------------------------------------


def our_import(corpus: Path, database: Path,
               language: str | None = None) -> tuple[int, float, float]:
    from unannotate.services.importing import import_paths
    from unannotate.services.project import open_project

    project = open_project(database)
    try:
        gc.collect()
        start, cpu_start = time.perf_counter(), time.process_time()
        report = import_paths(project, [corpus], language=language)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    finally:
        project.close()
    if report.rejected:
        raise SystemExit(f"import rejected the corpus: {report.rejected}")
    return report.new, elapsed, cpu


def load_language_model() -> float:
    """Load the language guess's model, as the first guess in a process does; its time."""
    from unannotate.core.language import guess_language

    start = time.perf_counter()
    guess_language("The model is read from its file on the first guess.")
    return time.perf_counter() - start


def _remove_database(database: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def best_of(functions: dict[str, Callable[[Path, Path], tuple[int, float, float]]],
            corpus: Path, folder: Path, repeat: int, docs: int) -> dict[str, tuple[float, float]]:
    """For each function, the best wall-clock time and the best CPU time (of this process,
    SQLite's work included) of ``repeat`` runs; the CPU time is the steadier on a busy
    machine. The functions take turns in each round, so that other work on the machine
    weighs on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    cpus: dict[str, list[float]] = {name: [] for name in functions}
    for attempt in range(repeat):
        for name, function in functions.items():
            database = folder / f"{name}-{attempt}.db"
            count, elapsed, cpu = function(corpus, database)
            _remove_database(database)
            if count != docs:
                raise SystemExit(f"{name}: stored {count} documents, expected {docs}")
            times[name].append(elapsed)
            cpus[name].append(cpu)
            print(f"  {name} run {attempt + 1}: {elapsed:.2f} s ({docs / elapsed:,.0f} docs/s; "
                  f"CPU {cpu:.2f} s)", flush=True)
    return {name: (min(times[name]), min(cpus[name])) for name in functions}


# --- memory (child process) ------------------------------------------------------------------


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child_memory(corpus: str, database: str) -> None:
    """Run in a fresh interpreter: print the peak resident size around our import, as JSON."""
    from unannotate.services.importing import import_paths
    from unannotate.services.project import open_project

    project = open_project(database)
    before = _maxrss_mib()
    report = import_paths(project, [corpus])
    project.close()
    after = _maxrss_mib()
    print(json.dumps({"before_mb": before, "peak_mb": after, "new": report.new}))


def measure_peak(corpus: Path, folder: Path, name: str) -> dict[str, float]:
    database = folder / f"{name}.db"
    result = subprocess.run(
        [sys.executable, __file__, "--child-memory", str(corpus), str(database)],
        check=True, capture_output=True, text=True,
    )
    _remove_database(database)
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- profiling -------------------------------------------------------------------------------


def profile_ours(corpus: Path, folder: Path) -> None:
    import cProfile
    import pstats

    from unannotate.services.importing import import_paths
    from unannotate.services.project import open_project

    database = folder / "profile.db"
    project = open_project(database)
    profiler = cProfile.Profile()
    profiler.enable()
    import_paths(project, [corpus])
    profiler.disable()
    project.close()
    _remove_database(database)
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(25)


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000, help="documents in the corpus")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 docs, 1 run")
    parser.add_argument("--profile", action="store_true", help="also cProfile our import")
    parser.add_argument("--language", help="import with this language given (no guessing)")
    parser.add_argument("--child-memory", nargs=2, metavar=("CORPUS", "DB"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_memory:
        child_memory(*args.child_memory)
        return
    docs, repeat = (2_000, 1) if args.quick else (args.docs, args.repeat)

    import platform

    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"{os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="unannotate-bench-") as tmp:
        folder = Path(tmp)
        corpus = folder / "corpus.jsonl"
        start = time.perf_counter()
        size = write_corpus(corpus, docs)
        print(f"corpus: {docs:,} documents, {size / MIB:.1f} MB "
              f"(generated in {time.perf_counter() - start:.1f} s)", flush=True)

        load = load_language_model()
        print(f"loading the language model (once a process, not timed below): {load:.2f} s")
        print(f"baseline (json.loads + sqlite3 executemany) and ours (import_paths), "
              f"taking turns, best of {repeat}:")
        ours_import = functools.partial(our_import, language=args.language)
        best = best_of({"baseline": baseline_import, "ours": ours_import}, corpus, folder,
                       repeat, docs)
        (base, base_cpu), (ours, our_cpu) = best["baseline"], best["ours"]
        base_rate, our_rate = docs / base, docs / ours
        ratio = our_rate / base_rate
        cpu_ratio = base_cpu / our_cpu

        print("peak memory of our import (child process):", flush=True)
        peak = measure_peak(corpus, folder, "memory-1x")
        print(f"  {docs:,} docs: {peak['peak_mb']:.1f} MB "
              f"(before import {peak['before_mb']:.1f} MB)", flush=True)
        if args.profile:
            profile_ours(corpus, folder)
        corpus.unlink()

        double = folder / "corpus-2x.jsonl"
        write_corpus(double, 2 * docs)
        peak2 = measure_peak(double, folder, "memory-2x")
        print(f"  {2 * docs:,} docs: {peak2['peak_mb']:.1f} MB "
              f"(before import {peak2['before_mb']:.1f} MB)")

    growth = peak2["peak_mb"] - peak["peak_mb"]
    print()
    print(f"baseline: {base_rate:,.0f} docs/s ({size / MIB / base:.1f} MB/s)")
    print(f"ours:     {our_rate:,.0f} docs/s ({size / MIB / ours:.1f} MB/s)")
    print(f"CPU ratio ours/baseline: {cpu_ratio:.2f} "
          f"(CPU {our_cpu:.2f} s against {base_cpu:.2f} s)")
    print(f"ratio ours/baseline: {ratio:.2f} "
          f"({'meets' if ratio >= TARGET_RATIO else 'BELOW'} target {TARGET_RATIO})")
    flat = growth < 0.1 * peak["peak_mb"]
    print(f"peak memory: {peak['peak_mb']:.1f} MB for N, {peak2['peak_mb']:.1f} MB for 2N "
          f"({growth:+.1f} MB; {'flat' if flat else 'GROWS'}; "
          f"{'under' if max(peak['peak_mb'], peak2['peak_mb']) < TARGET_PEAK_MB else 'OVER'} "
          f"{TARGET_PEAK_MB:.0f} MB)")
    print(json.dumps({
        "docs_per_s": round(our_rate, 1),
        "baseline_docs_per_s": round(base_rate, 1),
        "ratio": round(ratio, 3),
        "cpu_ratio": round(cpu_ratio, 3),
        "peak_mb": round(peak["peak_mb"], 1),
        "peak_mb_2x": round(peak2["peak_mb"], 1),
        "language_model_load_s": round(load, 2),
        "docs": docs,
        "mb": round(size / MIB, 1),
    }))


if __name__ == "__main__":
    main()
