"""Benchmark: the consistency report on a generated corpus (bench/corpus_data.py).

``measure(project_path, info, quick)`` times, in the same run and on the same project:

* ``consistency_s``: ``consistency_report(project)`` end to end, as ``unannotate
  consistency`` and the window make it: every annotator layer, the documents each annotator
  worked on searched for unlabelled occurrences (the project is opened, read-only, before
  the clock starts). Goal: under 10 s on 100,000 documents with about 500,000 annotator spans.
* ``consistency_baseline_s``: the bare read the report cannot do without, with the
  ``sqlite3`` module on a connection opened before the clock starts: every accepted span row
  of the annotator layers joined with its label and its document's text (``fetchall``).
* ``consistency_cpu_s``: the report's CPU time (``time.process_time``): on a machine busy
  with other work the wall time wavers with the load, this much less.

The two take turns (three rounds; one with ``quick``) and the best round counts. Checked,
untimed: the report finds the generated name (``corpus_data.NAME``) labelled two ways and
left unlabelled where the annotators skipped it, and every place it lists covers the text of
its form.

Usage: ``python bench/corpus_consistency.py [--docs N] [--quick]`` builds a corpus with
``corpus_data.build_corpus`` in a temporary folder, measures, and ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]

BASELINE_SQL = """
    SELECT s.document_id, s.layer_id, s.start, s."end", l.name, d.text
    FROM spans s JOIN labels l ON l.id = s.label_id JOIN documents d ON d.id = s.document_id
    JOIN layers y ON y.id = s.layer_id
    WHERE y.kind = 'annotator' AND s.state = 'accepted'
"""


def _baseline(path: Path) -> float:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        began = time.perf_counter()
        connection.execute(BASELINE_SQL).fetchall()
        return time.perf_counter() - began
    finally:
        connection.close()


def _check(report: Any, project: Any, name: str, spans: int) -> None:
    from unannotate.services.consistency import FindingKind, document_texts, surface_key

    key = surface_key(name)
    kinds = {finding.kind for finding in report.findings if finding.key == key}
    # The generator labels about 3 % of a name's mentions otherwise and leaves a quarter
    # unlabelled: on a corpus of a few thousand spans and more, both findings are there.
    if spans >= 5_000 and kinds != {FindingKind.DIFFERENT_LABEL, FindingKind.MISSING}:
        raise SystemExit(f"the report lacks the findings of {name!r}: {kinds}")
    sample = [place for finding in report.findings for place in finding.places[:50]]
    texts = document_texts(project, {place.document_id for place in sample})
    keys = {(place.document_id, place.start): finding.key for finding in report.findings
            for place in finding.places[:50]}
    for place in sample:
        piece = texts[place.document_id][place.start:place.end]
        if surface_key(piece) != keys[place.document_id, place.start]:
            raise SystemExit(f"a place does not cover its form: {place} holds {piece!r}")


def measure(project_path: Path, info: Any, quick: bool) -> dict[str, float]:
    """The report's time on the project at ``project_path`` (built by
    ``corpus_data.build_corpus``, whose ``CorpusInfo`` is ``info``) and the bare read's."""
    from corpus_data import NAME

    from unannotate.services.consistency import consistency_report
    from unannotate.services.project import open_project

    rounds = 1 if quick else 3
    ours: list[float] = []
    cpu: list[float] = []
    baseline: list[float] = []
    report = None
    with open_project(project_path, create=False, read_only=True) as project:
        for _ in range(rounds):
            baseline.append(_baseline(project_path))
            began, began_cpu = time.perf_counter(), time.process_time()
            report = consistency_report(project)
            ours.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
        assert report is not None
        _check(report, project, NAME, info.spans)
    best, floor = min(ours), min(baseline)
    print(f"consistency report: {best:.2f} s ({min(cpu):.2f} s CPU) on {info.documents:,} "
          f"documents, {info.spans:,} annotator spans; bare read of the spans with their "
          f"texts {floor:.2f} s (ratio {best / floor:.1f}); {report.forms} forms, "
          f"{len(report.findings)} findings, {report.documents:,} documents searched")
    return {"consistency_s": round(best, 3), "consistency_baseline_s": round(floor, 3),
            "consistency_ratio": round(best / floor, 2),
            "consistency_cpu_s": round(min(cpu), 3),
            "consistency_findings": float(len(report.findings))}


def main(argv: list[str] | None = None) -> int:
    from corpus_data import build_corpus
    from machine import cpu_model

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true",
                        help="2,000 documents (unless --docs says), one round")
    args = parser.parse_args(argv)
    documents = 2_000 if args.quick and "--docs" not in (argv or sys.argv) else args.docs
    print(f"machine: {cpu_model()}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "corpus.unannotate.db"
        info = build_corpus(path, documents, name_mentions=min(10_000, documents // 10 * 3))
        print(f"built {info.documents:,} documents ({info.characters / 1e6:.1f} M characters, "
              f"{info.spans:,} annotator spans) in {info.seconds:.1f} s")
        figures = measure(path, info, args.quick)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
