"""Benchmark: a project of 100,000 documents, the whole corpus at once.

A project of generated briefings is built first (``corpus_data.build_corpus``, through the
program's own import; not timed), beside an empty project. Then, in the same run:

* window visible (``window_visible_s``): a fresh child process, timed from just before the
  parent spawns it to the moment the document list has painted (its viewport received a paint
  event) with the window shown: importing the program, opening the project, ``open_window``
  on the first document not done, as ``ana`` (the annotator of the built corpus), without
  auto-suggest. Against the same child on the empty project (``empty_window_s``): the cost of
  the 100,000 documents is the difference. The child also reports its CPU time to that paint
  (``window_cpu_s``: steadier than the wall clock on a shared machine), the rows of the list,
  how many it holds in memory, and its peak memory (``peak_mb``: the high-water mark of the
  resident memory of the process that opened the window, VmHWM; ru_maxrss where there is no
  /proc, which Linux carries over from the parent that spawned it). The kinds of child take
  turns in each round; round 0 fills the bytecode caches, untimed;
* ``unannotate stats`` (``stats_s``): the counts the command prints (``project_stats``),
  in this process, against a bare ``sqlite3`` count of the documents (``stats_baseline_s``);
* then every corpus measurement module of this folder that exists (``corpus_find``,
  ``corpus_label``, ``corpus_consistency``): ``measure(project_path, info, quick)`` returns
  its figures, merged into the result; a module not there is skipped and said so.

Usage: .venv/bin/python bench/corpus_bench.py [--docs N] [--repeat K] [--quick] [--keep DIR]

``--quick``: 2,000 documents, one round. Human-readable lines first; the last line is one
JSON object with the figures.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "src"))

from corpus_data import CorpusInfo, build_corpus  # noqa: E402  (a sibling module)
from machine import cpu_model  # noqa: E402

TARGET_VISIBLE_S = 1.5
TARGET_MB = 300
MODULES = ("corpus_find", "corpus_label", "corpus_consistency")
ANNOTATOR = "ana"

WINDOW = r"""
import time
WALL0 = time.time()
import json, os, resource, sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
from unannotate.qt.app import open_window
from unannotate.services.project import open_project
T_IMPORTS = time.time()
project = open_project(sys.argv[1], create=False)
window = open_window(project, sys.argv[2], auto_suggest=False)
T_OPENED = time.time()

def peak_mb():
    # The high-water mark of this process's own memory. ru_maxrss would do, but Linux keeps
    # it across exec: a child spawned by a large parent starts at the parent's peak.
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

class _Paints(QObject):
    paints = 0
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False

watcher = _Paints()
window.document_table.viewport().installEventFilter(watcher)
app = QApplication.instance()
deadline = time.perf_counter() + 10
forced = False
while not (window.isVisible() and watcher.paints):
    app.processEvents()
    if time.perf_counter() > deadline and not forced:
        window.document_table.viewport().repaint()
        forced = True
SHOWN = time.time()
CPU = time.process_time()  # user + system time of this process, start to first paint
model = window.documents
print("shown " + json.dumps({
    "shown": SHOWN, "wall0": WALL0, "cpu_s": CPU, "forced": forced,
    "imports_s": T_IMPORTS - WALL0,
    "open_window_s": T_OPENED - T_IMPORTS, "paint_s": SHOWN - T_OPENED,
    "rows": model.rowCount(), "loaded_rows": getattr(model, "loaded_rows", model.rowCount()),
    "document": window.document.id if window.document else None,
    "peak_mb": peak_mb(),
}), flush=True)
if len(sys.argv) > 3:
    window.grab().save(sys.argv[3])
os._exit(0)
"""


def machine() -> str:
    return (f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"{os.cpu_count()} CPUs ({cpu_model()}), load average {os.getloadavg()[0]:.2f}")


def child_env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["UNANNOTATE_SETTINGS"] = str(folder / "child-settings.json")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    return env


def open_window_child(project: Path, env: dict[str, str],
                      screenshot: Path | None = None) -> dict[str, float]:
    """One child opening the window on ``project``; what it printed, ``shown_s`` measured
    from the spawn."""
    started = time.time()
    args = [sys.executable, "-c", WINDOW, str(project), ANNOTATOR]
    if screenshot is not None:
        args.append(str(screenshot))
    done = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("shown ")]
    if not lines:
        raise SystemExit(f"the window child printed no 'shown' line (exit {done.returncode}):"
                         f"\n{done.stdout}\n{done.stderr[-3000:]}")
    found = json.loads(lines[-1][len("shown "):])
    found["shown_s"] = found["shown"] - started
    return found


def measure_stats(project_path: Path, rounds: int) -> tuple[float, float, int]:
    """(median seconds of the counts ``unannotate stats`` prints, of a bare sqlite3 count of
    the documents, the documents counted)."""
    from unannotate.services.project import open_project
    from unannotate.services.stats import project_stats

    ours: list[float] = []
    bare: list[float] = []
    counted = 0
    for _ in range(rounds):
        start = time.perf_counter()
        with open_project(project_path, create=False) as project:
            counted = project_stats(project).documents
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        conn = sqlite3.connect(project_path)
        try:
            conn.execute("SELECT COUNT(*) FROM documents").fetchone()
        finally:
            conn.close()
        bare.append(time.perf_counter() - start)
    return statistics.median(ours), statistics.median(bare), counted


def other_measurements(project_path: Path, info: CorpusInfo, quick: bool) -> dict[str, float]:
    """The figures of every corpus module here (find, label every occurrence, consistency)."""
    figures: dict[str, float] = {}
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name != name:
                raise
            print(f"{name}: not in bench/, skipped")
            continue
        start = time.perf_counter()
        found = module.measure(project_path, info, quick)
        print(f"{name}: {json.dumps(found)} ({time.perf_counter() - start:.1f} s)", flush=True)
        figures.update(found)
    return figures


def run(args: argparse.Namespace) -> dict[str, float]:
    documents = 2_000 if args.quick else args.docs
    rounds = 1 if args.quick else args.repeat
    print(machine())
    with tempfile.TemporaryDirectory(prefix="unannotate-corpus-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        os.environ["UNANNOTATE_SETTINGS"] = str(folder / "settings.json")
        project_path = folder / "corpus.unannotate.db"
        info = build_corpus(project_path, documents)
        print(f"project: {info.documents:,} documents, {info.characters / 1e6:.1f} M characters, "
              f"{info.spans:,} annotator spans on {info.annotated_documents:,} documents "
              f"(built in {info.seconds:.1f} s, not timed)", flush=True)
        empty_path = folder / "empty.unannotate.db"
        from unannotate.services.project import open_project

        open_project(empty_path).close()
        env = child_env(folder)
        ours: list[dict[str, float]] = []
        empty: list[dict[str, float]] = []
        for attempt in range(rounds + 1):  # round 0 fills the bytecode caches, untimed
            shot = folder / "corpus-window.png" if args.keep and attempt == rounds else None
            found = open_window_child(project_path, env, shot)
            bare = open_window_child(empty_path, env)
            if attempt:
                ours.append(found)
                empty.append(bare)
                print(f"  round {attempt}: window {found['shown_s']:.3f} s, CPU "
                      f"{found['cpu_s']:.3f} s (imports "
                      f"{found['imports_s']:.3f}, open_window {found['open_window_s']:.3f}, "
                      f"paint {found['paint_s']:.3f}); {found['rows']:,} rows, "
                      f"{found['loaded_rows']:,} held; peak {found['peak_mb']:.1f} MB   "
                      f"empty project {bare['shown_s']:.3f} s, CPU {bare['cpu_s']:.3f} s, "
                      f"peak {bare['peak_mb']:.1f} MB",
                      flush=True)

        def median(runs: list[dict[str, float]], key: str) -> float:
            return statistics.median(float(r[key]) for r in runs)

        visible, empty_s = median(ours, "shown_s"), median(empty, "shown_s")
        peak = max(float(r["peak_mb"]) for r in ours)
        stats_s, stats_bare_s, counted = measure_stats(project_path, max(rounds, 3))
        assert counted == info.documents, (counted, info.documents)
        print()
        print(f"window_visible_s: {visible:.3f} s, median of {rounds} "
              f"({'under' if visible < TARGET_VISIBLE_S else 'OVER'} {TARGET_VISIBLE_S} s); "
              f"empty project {empty_s:.3f} s; ratio {visible / empty_s:.2f}; "
              f"open_window alone {median(ours, 'open_window_s'):.3f} s "
              f"(empty {median(empty, 'open_window_s'):.3f} s); CPU "
              f"{median(ours, 'cpu_s'):.3f} s (empty {median(empty, 'cpu_s'):.3f} s)")
        print(f"peak_mb: {peak:.1f} MB ({'under' if peak < TARGET_MB else 'OVER'} "
              f"{TARGET_MB} MB); empty project {max(float(r['peak_mb']) for r in empty):.1f} MB")
        print(f"stats_s: {stats_s:.3f} s for {counted:,} documents; bare sqlite3 COUNT(*) "
              f"{stats_bare_s:.4f} s")
        result: dict[str, float] = {
            "window_visible_s": round(visible, 3),
            "empty_window_s": round(empty_s, 3),
            "window_ratio": round(visible / empty_s, 2),
            "open_window_s": round(median(ours, "open_window_s"), 3),
            "window_cpu_s": round(median(ours, "cpu_s"), 3),
            "empty_window_cpu_s": round(median(empty, "cpu_s"), 3),
            "peak_mb": round(peak, 1),
            "empty_peak_mb": round(max(float(r["peak_mb"]) for r in empty), 1),
            "loaded_rows": max(int(r["loaded_rows"]) for r in ours),
            "stats_s": round(stats_s, 3),
            "stats_baseline_s": round(stats_bare_s, 4),
            "documents": info.documents,
        }
        result.update(other_measurements(project_path, info, args.quick))
        if not args.keep:
            shutil.rmtree(folder / "pycache", ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000, help="documents in the project")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds")
    parser.add_argument("--quick", action="store_true", help="2,000 documents, one round")
    parser.add_argument("--keep", metavar="DIR",
                        help="build and keep the projects (and a screenshot) in DIR")
    args = parser.parse_args()
    print(json.dumps(run(args)))


if __name__ == "__main__":
    main()
