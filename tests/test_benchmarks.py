"""Every benchmark still runs: a smoke run of each (``--quick``) ends with its JSON line.

The figures are not checked here (speed is measured by the benchmarks, on a quiet machine,
not asserted by tests); what is checked is that each script runs to its end and reports the
figures its documentation names, so a change to the program cannot silently break one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"

# Script -> the keys its last line must hold.
FIGURES = {
    "open_document_bench.py": {"open_ms", "bare_ms", "ratio"},
    "decision_bench.py": {"median_ms", "p95_ms", "accept_all_ms", "undo_burst_ms"},
    "undo_bench.py": {"undo_median_ms", "redo_median_ms", "first_read_ms", "full_read_ms",
                      "baseline_median_ms", "ratio"},
    "startup_bench.py": {"window_shown_s"},
    "agreement_bench.py": {"seconds", "review_open_ms", "review_bare_ms", "review_open_ratio"},
    "import_bench.py": {"docs_per_s", "baseline_docs_per_s", "ratio", "peak_mb"},
    "suggest_bench.py": {"words_per_s", "baseline_words_per_s", "ratio", "words_per_s_n2",
                         "peak_mb"},
    "export_bench.py": {"jsonl_ratio", "spacy_ratio", "peak_mb"},
    # Quality, not speed: its quick mode needs only the project's own texts.
    "rules_quality.py": {"samples_entities_overlap_f1", "samples_claims_f1",
                         "rare_tune_claims_f1", "rare_held_out_claims_f1"},
    "language_bench.py": {"docs_per_s", "baseline_docs_per_s", "ratio", "accuracy"},
    # Learning, not speed alone: without the development data it trains on invented text.
    "learning_curve.py": {"entities_f1_at", "claims_f1_at", "rules_entities_f1",
                          "rules_claims_f1", "train_seconds_50"},
    # What other ingredients would add to the trained claim model (tuning part only).
    "claim_model_study.py": {"f1", "count", "draws"},
    # Training from long reviewed documents; a trained version reading a long document.
    "long_training_bench.py": {"read_s", "read_mb", "read_whole_s", "read_whole_mb",
                               "read_mb_ratio", "train_s", "train_peak_mb"},
    "languages_bench.py": {"languages_right", "min_recall", "min_precision", "max_ratio"},
    "corpus_find.py": {"find_ms", "find_word_ms", "find_phrase_ms", "find_baseline_ms"},
    # Also a part of the corpus benchmarks, which call its measure().
    "corpus_consistency.py": {"consistency_s", "consistency_baseline_s"},
    # Called by the corpus benchmark; alone it builds its own corpus.
    "corpus_label.py": {"label_all_s", "label_all_undo_s", "label_all_baseline_s"},
    # The corpus modules (find, label every occurrence, consistency) add their own figures.
    "corpus_bench.py": {"window_visible_s", "empty_window_s", "peak_mb", "stats_s",
                        "stats_baseline_s"},
}
# Benchmarks whose names do not end in "_bench.py".
OTHER_SCRIPTS = {"rules_quality.py", "learning_curve.py", "claim_model_study.py",
                 "corpus_find.py", "corpus_consistency.py", "corpus_label.py"}


def test_every_benchmark_is_listed() -> None:
    scripts = {p.name for p in BENCH.glob("*_bench.py")}
    assert scripts | OTHER_SCRIPTS == set(FIGURES)


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(FIGURES))
def test_benchmark_smoke_run_reports_its_figures(script: str, tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "UNANNOTATE_SETTINGS": str(tmp_path / "settings.json")}
    done = subprocess.run([sys.executable, str(BENCH / script), "--quick"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    last = done.stdout.strip().splitlines()[-1]
    figures = json.loads(last)
    assert FIGURES[script] <= set(figures), f"{script} last line lacks figures: {last}"
    assert all(isinstance(figures[key], (int, float, dict)) for key in FIGURES[script])
