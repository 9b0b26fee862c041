"""Benchmark: running the entity rules suggester over a project's documents.

Builds about 1 MB of text (some 200 documents of about 5 KB) by shuffling, with a fixed seed,
the paragraphs of the example articles in /work/shared/corpus (or of the project's data/*.txt
when that folder is missing), imports them into fresh temporary projects (not timed), then
measures in the same run, with the same pipeline:

* baseline: the rules pipeline ``build_nlp("en")`` run with bare ``nlp.pipe(texts,
  batch_size=64)`` over the same texts, counting ``doc.ents``;
* ours: ``run_suggester(project, suggester, batch_size=64, n_process=1)`` for
  ``unannotate.entities.rules.v1``, end to end into the database, on a fresh project each run;
* the same two with ``n_process=2`` (speed-up of ours over ours with one process);
* the claim rules suggester with one process, for information;
* peak memory of ours (one process), in a child process, for N and for 2N documents: the
  maximum resident size from ``resource.getrusage``, restarted after the child's setup
  (imports, opening the project) where Linux allows, so that it is the run's own peak; the
  same for two processes is shown for information (the parent process only).

The measurements take turns, round after round, and the best of the rounds counts.

Speeds are in words per second, words being the whitespace-separated tokens of the texts.

Usage: .venv/bin/python bench/suggest_bench.py [--docs N] [--repeat K] [--quick] [--profile]

Human-readable lines first; the last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from machine import cpu_model  # a sibling module of the benchmarks

TARGET_RATIO = 0.85
TARGET_SPEEDUP = 1.6
SEED = 20240612
DOC_CHARS = (4600, 5400)  # size of one generated document, in characters
BATCH_SIZE = 64
SHARED_CORPUS = Path("/work/shared/corpus")
PROJECT_DATA = Path(__file__).resolve().parent.parent / "data"
ENTITIES = "unannotate.entities.rules.v1"
CLAIMS = "unannotate.claims.rules.v1"

# --- corpus ----------------------------------------------------------------------------------


def source_files(folder: Path | None) -> list[Path]:
    """The plain-text articles the paragraphs come from."""
    candidates = [folder] if folder else [SHARED_CORPUS, PROJECT_DATA]
    for candidate in candidates:
        if candidate.is_dir():
            files = sorted(candidate.glob("*.txt"))
            if files:
                return files
    raise SystemExit(f"no *.txt files in {', '.join(str(c) for c in candidates)}")


def paragraphs(files: list[Path]) -> list[str]:
    out: list[str] = []
    for path in files:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        out.extend(p.strip() for p in re.split(r"\n\s*\n", text) if p.strip())
    if len(out) < 4:  # no blank lines between paragraphs: use lines
        out = [line.strip() for path in files
               for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def make_texts(pool: list[str], docs: int, seed: int = SEED) -> list[str]:
    """``docs`` distinct documents of shuffled paragraphs, each about ``DOC_CHARS`` long."""
    rng = random.Random(seed)
    texts: list[str] = []
    seen: set[str] = set()
    while len(texts) < docs:
        target = rng.randint(*DOC_CHARS)
        order = pool[:]
        rng.shuffle(order)
        parts: list[str] = []
        size = 0
        while size < target:
            if not order:
                order = pool[:]
                rng.shuffle(order)
            part = order.pop()
            parts.append(part)
            size += len(part) + 2
        text = "\n\n".join(parts)
        if text not in seen:  # the import would drop a repeated text
            seen.add(text)
            texts.append(text)
    return texts


def write_jsonl(path: Path, texts: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for number, text in enumerate(texts, start=1):
            record = {"text": text, "meta": {"id": number, "language": "en"}}
            out.write(json.dumps(record, ensure_ascii=False))
            out.write("\n")


def word_count(texts: list[str]) -> int:
    return sum(len(text.split()) for text in texts)


# --- projects --------------------------------------------------------------------------------


def _remove_database(database: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def fresh_project(corpus: Path, database: Path, docs: int):
    """A new project holding the corpus, open; importing is not timed."""
    from unannotate.services.importing import import_paths
    from unannotate.services.project import open_project

    _remove_database(database)
    project = open_project(database)
    report = import_paths(project, [corpus], language="en")
    if report.rejected or report.new != docs:
        project.close()
        raise SystemExit(f"import stored {report.new} of {docs} documents: {report.rejected}")
    return project


def stored_texts(project) -> list[str]:
    from sqlalchemy import select

    from unannotate.storage.schema import DocumentRow

    with project.db.read() as read:
        return list(read.scalars(select(DocumentRow.text).order_by(DocumentRow.id)))


# --- the measurements ------------------------------------------------------------------------


def bare_pipe(texts: list[str], n_process: int) -> tuple[int, float]:
    """The pipeline alone: ``nlp.pipe`` over the texts, reading every document's entities."""
    from unannotate.nlp.entity_rules import build_nlp

    nlp = build_nlp("en")
    gc.collect()
    start = time.perf_counter()
    entities = 0
    for doc in nlp.pipe(texts, batch_size=BATCH_SIZE, n_process=n_process):
        entities += len(doc.ents)
    return entities, time.perf_counter() - start


def ours(corpus: Path, database: Path, docs: int, name: str, n_process: int) -> tuple[int, float]:
    """``run_suggester`` end to end into a fresh project."""
    from unannotate.services.suggesting import build_suggesters, run_suggester

    suggester = build_suggesters([name])[0]
    project = fresh_project(corpus, database, docs)
    try:
        gc.collect()
        start = time.perf_counter()
        report = run_suggester(project, suggester, batch_size=BATCH_SIZE, n_process=n_process)
        elapsed = time.perf_counter() - start
    finally:
        project.close()
        _remove_database(database)
    if report.documents != docs:
        raise SystemExit(f"{name}: processed {report.documents} documents, expected {docs}")
    return sum(report.spans.values()), elapsed


def best_of(runs: dict[str, Callable[[], tuple[int, float]]], repeat: int, words: int
            ) -> dict[str, tuple[float, int]]:
    """The best time of each run (and what it found); the runs take turns, so that a slow
    spell of the machine falls on all of them rather than on one."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    found: dict[str, int] = {}
    for attempt in range(repeat):
        print(f"round {attempt + 1} of {repeat}:", flush=True)
        for name, run in runs.items():
            found[name], elapsed = run()
            times[name].append(elapsed)
            print(f"  {name:34s} {elapsed:5.2f} s  {words / elapsed:9,.0f} words/s  "
                  f"{found[name]:,} spans", flush=True)
    return {name: (min(times[name]), found[name]) for name in runs}


# --- memory (child process) ------------------------------------------------------------------


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _reset_peak() -> bool:
    """Start the peak resident size afresh (Linux: ``clear_refs``), so that the peak read
    after the run is the run's own, not that of importing spaCy and opening the project."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def child_memory(database: str, n_process: str) -> None:
    """Run in a fresh interpreter: the peak resident size of ours, as JSON."""
    from unannotate.services.project import open_project
    from unannotate.services.suggesting import build_suggesters, run_suggester

    project = open_project(database, create=False)
    suggester = build_suggesters([ENTITIES])[0]
    before = _maxrss_mib()
    reset = _reset_peak()
    report = run_suggester(project, suggester, batch_size=BATCH_SIZE, n_process=int(n_process))
    project.close()
    after = _maxrss_mib()
    print(json.dumps({"before_mb": before, "peak_mb": after, "reset": reset,
                      "documents": report.documents}))


def measure_peak(corpus: Path, database: Path, docs: int, n_process: int = 1) -> dict[str, float]:
    fresh_project(corpus, database, docs).close()
    try:
        command = [sys.executable, __file__, "--child-memory", str(database), str(n_process)]
        if os.name == "posix" and Path("/bin/sh").exists():
            # A process started straight from this one inherits, through exec, this process's
            # peak resident size as its own ru_maxrss; a shell that forks first does not.
            command = ["/bin/sh", "-c", '"$0" "$@"; exit $?', *command]
        result = subprocess.run(command, capture_output=True, text=True)
    finally:
        _remove_database(database)
    if result.returncode:
        raise SystemExit(f"the memory run failed:\n{result.stderr[-3000:]}")
    peak = json.loads(result.stdout.strip().splitlines()[-1])
    if peak["documents"] != docs:
        raise SystemExit(f"memory run processed {peak['documents']} documents, expected {docs}")
    return peak


# --- profiling -------------------------------------------------------------------------------


def profile(corpus: Path, folder: Path, docs: int, texts: list[str]) -> None:
    """cProfile of the bare pipeline and of ours with one and two processes (with two,
    only what the parent process does shows)."""
    import cProfile
    import pstats

    from unannotate.services.suggesting import build_suggesters, run_suggester

    database = folder / "profile.db"
    for title, n_process in [("bare nlp.pipe", 1), ("run_suggester", 1), ("run_suggester", 2)]:
        project = None
        if title == "bare nlp.pipe":
            function = lambda: bare_pipe(texts, n_process)  # noqa: E731
        else:
            project = fresh_project(corpus, database, docs)
            suggester = build_suggesters([ENTITIES])[0]
            function = lambda: run_suggester(  # noqa: E731
                project, suggester, batch_size=BATCH_SIZE, n_process=n_process)
        profiler = cProfile.Profile()
        profiler.enable()
        function()
        profiler.disable()
        if project is not None:
            project.close()
            _remove_database(database)
        print(f"\n=== profile: {title}, n_process={n_process} ===")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200, help="documents of about 5 KB")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement")
    parser.add_argument("--corpus", type=Path, help="folder of .txt articles to draw from")
    parser.add_argument("--quick", action="store_true", help="smoke run: 40 docs, 1 run")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile the bare pipeline and ours (1 and 2 processes)")
    parser.add_argument("--child-memory", nargs=2, metavar=("DB", "N_PROCESS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_memory:
        child_memory(*args.child_memory)
        return
    docs, repeat = (40, 1) if args.quick else (args.docs, args.repeat)

    import spacy

    from unannotate.nlp.entity_rules import build_nlp

    print(f"Python {platform.python_version()}, spaCy {spacy.__version__}, "
          f"{os.cpu_count()} CPUs ({cpu_model()}), load average {os.getloadavg()[0]:.2f}")
    files = source_files(args.corpus)
    pool = paragraphs(files)
    generated = make_texts(pool, docs)
    with tempfile.TemporaryDirectory(prefix="unannotate-bench-") as tmp:
        folder = Path(tmp)
        corpus = folder / "corpus.jsonl"
        write_jsonl(corpus, generated)
        project = fresh_project(corpus, folder / "texts.db", docs)
        texts = stored_texts(project)  # exactly what the suggester will read
        project.close()
        _remove_database(folder / "texts.db")
        words = word_count(texts)
        chars = sum(map(len, texts))
        print(f"corpus: {docs:,} documents from {len(pool)} paragraphs of {len(files)} files in "
              f"{files[0].parent}; {chars / 1e6:.2f} M characters, {words:,} words", flush=True)

        start = time.perf_counter()
        build_nlp("en")
        print(f"pipeline built in {time.perf_counter() - start:.1f} s; warming up", flush=True)
        bare_pipe(texts, 1)  # fills the per-word caches, as any long run would

        print(f"best of {repeat}, rounds in turn:")
        best = best_of({
            "baseline (bare nlp.pipe)": lambda: bare_pipe(texts, 1),
            "ours (run_suggester)": lambda: ours(corpus, folder / "ours.db", docs, ENTITIES, 1),
            "baseline n_process=2": lambda: bare_pipe(texts, 2),
            "ours n_process=2": lambda: ours(corpus, folder / "ours2.db", docs, ENTITIES, 2),
            "claims (run_suggester)": lambda: ours(corpus, folder / "claims.db", docs, CLAIMS, 1),
        }, repeat, words)
        (base, base_ents), (one, our_spans), (base2, _), (two, our_spans2), (claims, _) = (
            best.values()
        )

        if args.profile:
            profile(corpus, folder, docs, texts)

        print("peak memory of ours, n_process=1 (child process):", flush=True)
        peak = measure_peak(corpus, folder / "memory-1x.db", docs)
        print(f"  {docs:,} docs: {peak['peak_mb']:.1f} MB "
              f"(setup before the run {peak['before_mb']:.1f} MB)", flush=True)
        double = folder / "corpus-2x.jsonl"
        write_jsonl(double, make_texts(pool, 2 * docs))
        peak2 = measure_peak(double, folder / "memory-2x.db", 2 * docs)
        print(f"  {2 * docs:,} docs: {peak2['peak_mb']:.1f} MB "
              f"(setup before the run {peak2['before_mb']:.1f} MB)", flush=True)
        print("peak memory of ours, n_process=2, parent process only (for information):",
              flush=True)
        for count, path in [(docs, corpus), (2 * docs, double)]:
            extra = measure_peak(path, folder / "memory-n2.db", count, n_process=2)
            print(f"  {count:,} docs: {extra['peak_mb']:.1f} MB "
                  f"(setup before the run {extra['before_mb']:.1f} MB)", flush=True)

    rate, base_rate = words / one, words / base
    rate2, base_rate2 = words / two, words / base2
    claims_rate = words / claims
    ratio = rate / base_rate
    speedup = rate2 / rate
    growth = peak2["peak_mb"] - peak["peak_mb"]
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f} (other work on the machine "
          "skews the figures, n_process=2 most)")
    if our_spans != base_ents or our_spans2 != base_ents:
        print(f"note: spans stored {our_spans:,} (n_process=2: {our_spans2:,}), "
              f"entities found by the bare pipeline {base_ents:,}")
    print(f"baseline:        {base_rate:,.0f} words/s (n_process=2: {base_rate2:,.0f} words/s, "
          f"x{base_rate2 / base_rate:.2f})")
    print(f"ours:            {rate:,.0f} words/s")
    print(f"ratio ours/baseline: {ratio:.2f} "
          f"({'meets' if ratio >= TARGET_RATIO else 'BELOW'} target {TARGET_RATIO})")
    print(f"ours n_process=2: {rate2:,.0f} words/s, speed-up x{speedup:.2f} "
          f"({'meets' if speedup >= TARGET_SPEEDUP else 'BELOW'} target x{TARGET_SPEEDUP})")
    print(f"claims:          {claims_rate:,.0f} words/s (n_process=1)")
    flat = growth < 0.1 * peak["peak_mb"]
    print(f"peak memory: {peak['peak_mb']:.1f} MB for N, {peak2['peak_mb']:.1f} MB for 2N "
          f"({growth:+.1f} MB; {'flat' if flat else 'GROWS'})")
    print(json.dumps({
        "words_per_s": round(rate, 1),
        "baseline_words_per_s": round(base_rate, 1),
        "ratio": round(ratio, 3),
        "words_per_s_n2": round(rate2, 1),
        "speedup_n2": round(speedup, 3),
        "baseline_words_per_s_n2": round(base_rate2, 1),
        "claims_words_per_s": round(claims_rate, 1),
        "peak_mb": round(peak["peak_mb"], 1),
        "peak_mb_2x": round(peak2["peak_mb"], 1),
        "words": words,
    }))


if __name__ == "__main__":
    main()
