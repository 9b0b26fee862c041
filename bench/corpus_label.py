"""Label every occurrence over a generated corpus: ``NAME`` labelled PERSON in all documents
(done ones included), as ``ana`` (who has labelled some of its mentions, a few as ORG, and
marked her documents done), committed, then undone in one step.

Figures (seconds): ``label_all_s`` (:func:`unannotate.services.label_all.apply`, end to end:
finding the mentions, the preview, the spans, the event group, the commit), ``label_all_undo_s``
(one ``Decider.undo``), and ``label_all_baseline_s``: the same span rows put in by bare
``sqlite3`` ``executemany`` and committed, in the same run on the same file (no finding, no
events: the floor of writing those rows). Each is run three times (label, undo, label…) and
the best kept, the run least disturbed by other work; CPU times are given beside. The
measurement runs on a copy of the project, so the corpus a caller built is left as it was.

``measure(project_path, info, quick)`` is what ``corpus_bench.py`` calls; alone:
``python bench/corpus_label.py [--docs N] [--quick]`` builds a corpus with
``corpus_data.build_corpus`` first. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from corpus_data import NAME, build_corpus  # noqa: E402
from machine import cpu_model  # noqa: E402

ANNOTATOR = "ana"
REPEAT = 3  # label and undo this many times; the best of each is kept
LABEL = "PERSON"


def _copy(project_path: Path, folder: Path) -> Path:
    target = folder / project_path.name
    for suffix in ("", "-wal"):
        source = Path(f"{project_path}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{target}{suffix}")
    return target


def measure(project_path: Path, info: Any, quick: bool) -> dict[str, float]:
    """Label every mention of NAME as PERSON in all documents (done ones too), committed;
    undo it; the bare executemany of the same rows (each three times, once with ``quick``:
    the best is kept). ``info``: the corpus's :class:`corpus_data.CorpusInfo` (its mention
    count is checked)."""
    from unannotate.services.decisions import Decider
    from unannotate.services.label_all import LabelAll, Scope, apply
    from unannotate.services.project import open_project

    repeat = 1 if quick else REPEAT
    with tempfile.TemporaryDirectory() as folder:
        path = _copy(project_path, Path(folder))
        request = LabelAll(NAME, LABEL, scope=Scope.ALL, include_done=True)
        with open_project(path, create=False) as project:
            reviewer = Decider(project, ANNOTATOR)
            reviewer.can_undo()  # the history read once, as a window has on opening
            runs: list[tuple[float, float, float, float]] = []
            for _ in range(repeat):  # label, undo; again: the project is as before each time
                started, cpu = time.perf_counter(), time.process_time()
                applied = apply(reviewer, request)
                label_all = (time.perf_counter() - started, time.process_time() - cpu)
                found = applied.preview
                if found.mentions != info.name_mentions:
                    raise SystemExit(f"found {found.mentions} mentions of {NAME}, the corpus "
                                     f"has {info.name_mentions}")
                with project.db.read() as session:
                    from unannotate.storage.label_all import spans_made_after

                    rows = [(reviewer.layer_id, d, s, e) for _, d, s, e, _ in spans_made_after(
                        session.connection(), reviewer.layer_id,
                        min(applied.change.span_ids) - 1 if applied.change.span_ids else 0)]
                    label_id = project.label_ids(session)[LABEL]
                started, cpu = time.perf_counter(), time.process_time()
                undone = reviewer.undo()
                runs.append((*label_all, time.perf_counter() - started,
                             time.process_time() - cpu))
                assert undone is not None
        # The floor: the same rows, bare sqlite3, one transaction, on the same file.
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("PRAGMA synchronous=FULL")
        stamp = "2026-01-01 00:00:00.000000"
        floors = []
        for _ in range(repeat):
            started = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            first = connection.execute("SELECT max(id) FROM spans").fetchone()[0] or 0
            connection.executemany(
                'INSERT INTO spans (layer_id, document_id, start, "end", label_id, state, '
                "score, reason, source_id, version, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, 'accepted', NULL, '', NULL, 1, ?, ?)",
                [(*row, label_id, stamp, stamp) for row in rows])
            connection.execute("COMMIT")
            floors.append(time.perf_counter() - started)
            connection.execute("DELETE FROM spans WHERE id > ?", (first,))
        connection.close()
    # The best of the runs: the least disturbed by other work on the machine.
    label_all_s, label_all_cpu_s, undo_s, undo_cpu_s = (min(run[i] for run in runs)
                                                        for i in range(4))
    baseline_s = min(floors)
    return {
        "label_all_s": round(label_all_s, 3),
        "label_all_undo_s": round(undo_s, 3),
        "label_all_cpu_s": round(label_all_cpu_s, 3),
        "label_all_undo_cpu_s": round(undo_cpu_s, 3),
        "label_all_baseline_s": round(baseline_s, 3),
        "label_all_ratio": round(label_all_s / baseline_s, 1) if baseline_s else 0.0,
        "label_all_mentions": float(found.mentions),
        "label_all_new": float(found.new),
        "label_all_same": float(found.same),
        "label_all_different": float(found.different),
        "label_all_in_done": float(found.in_done),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 1,000 documents, 300 mentions")
    args = parser.parse_args(argv)
    documents, mentions = (1_000, 300) if args.quick else (args.docs, 10_000)
    print(f"machine: {cpu_model()}")
    with tempfile.TemporaryDirectory() as folder:
        info = build_corpus(Path(folder) / "corpus.db", documents, name_mentions=mentions)
        print(f"corpus: {info.documents:,} documents, {info.characters / 1e6:.1f} M characters, "
              f"{info.name_mentions:,} mentions of {NAME} (built in {info.seconds:.1f} s)")
        figures = measure(info.path, info, args.quick)
    print(f"label every occurrence: {figures['label_all_s']:.2f} s for "
          f"{figures['label_all_mentions']:,.0f} mentions (new {figures['label_all_new']:,.0f}, "
          f"same {figures['label_all_same']:,.0f}, different "
          f"{figures['label_all_different']:,.0f}; {figures['label_all_in_done']:,.0f} in done "
          "documents, written)")
    print(f"  CPU time {figures['label_all_cpu_s']:.2f} s (wall time counts other work too)")
    print(f"  undo in one step: {figures['label_all_undo_s']:.2f} s "
          f"(CPU {figures['label_all_undo_cpu_s']:.2f} s)")
    print(f"  bare sqlite3 executemany of the same rows: {figures['label_all_baseline_s']:.3f} s "
          f"(label-all is {figures['label_all_ratio']}x that)")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
