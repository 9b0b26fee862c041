"""Training from long reviewed documents, and a trained version reading a long document.

A reviewer with a few very long documents (reports of 50,000 words) marks them done and
trains. What is measured, each part in its own process (peak memory is a process's
high-water mark):

- ``read``: a trained entity version reading one 50,000-word document through
  ``training_entities.scored_entity_rows`` (what suggesting and held-out scoring call: the
  text in pieces of at most ``NER_PIECE_CHARS`` characters), against the baseline of the
  same pipeline reading the document whole with ``nlp(text)``, as spaCy reads it: seconds and
  the memory each adds to the process;
- ``train``: ``services.training.train`` (entities and claims, held-out scoring included)
  on six such documents marked done, with ``--max-seconds`` of updating (a short limit: the
  first pass over 250,000 words is longer than that, and the limit holds within it).

The documents are the project's own English sample documents (``data/``), their paragraphs
drawn in a seeded order until each has the words asked; the reviewer accepts what the
built-in rules suggest (what matters here is time and memory). ``--quick`` (the test suite's
smoke run) uses five documents of 1,500 words (five: the fewest training takes). Last line: one JSON object (``read_s``,
``read_mb``, ``read_whole_s``, ``read_whole_mb``, ``read_mb_ratio``, ``train_s``,
``train_peak_mb``, ``words``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import queue
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from machine import cpu_model

SAMPLES = Path(__file__).resolve().parents[1] / "data"


def _mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def long_texts(count: int, words: int, seed: int = 1) -> list[str]:
    """``count`` documents of about ``words`` words from the English sample paragraphs."""
    paragraphs = [p.strip() for path in sorted(SAMPLES.glob("0[1-7]_*.txt"))
                  for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    rng = random.Random(seed)
    out = []
    for n in range(count):
        parts, total = [f"Compilation {n + 1}."], 0
        while total < words:
            paragraph = rng.choice(paragraphs)
            parts.append(paragraph)
            total += len(paragraph.split())
        out.append("\n\n".join(parts) + "\n")
    return out


def _reviewed_project(folder: Path, texts: list[str]) -> Path:
    from sqlalchemy import select

    from unannotate.core.model import DocumentStatus
    from unannotate.services.decisions import Decider
    from unannotate.services.importing import import_paths
    from unannotate.services.project import open_project
    from unannotate.services.suggesting import (
        CLAIM_RULES,
        ENTITY_RULES,
        build_suggesters,
        run_suggester,
    )
    from unannotate.storage.schema import DocumentRow

    source = folder / "docs"
    source.mkdir()
    for n, text in enumerate(texts):
        (source / f"long{n}.txt").write_text(text, encoding="utf-8")
    path = folder / "long.unannotate.db"
    with open_project(path) as project:
        import_paths(project, [source], language="en")
        for suggester in build_suggesters([ENTITY_RULES, CLAIM_RULES]):
            run_suggester(project, suggester)
        reviewer = Decider(project, "ana")
        with project.db.read() as session:
            ids = [i for (i,) in session.execute(select(DocumentRow.id))]
        for doc_id in ids:
            reviewer.accept_all(doc_id)
            reviewer.set_status(doc_id, DocumentStatus.DONE)
    return path


def _train_child(path: str, max_seconds: float, out: Any) -> None:
    from unannotate.services.project import open_project
    from unannotate.services.training import TrainingOptions, train

    with open_project(path, create=False) as project:
        started = time.perf_counter()
        reports = train(project, TrainingOptions(max_seconds=max_seconds))
        seconds = time.perf_counter() - started
    out.put({"seconds": round(seconds, 1), "peak_mb": round(_mb(), 1),
             "models": [r.path for r in reports if r.what == "entities"],
             "notes": [n for r in reports for n in r.notes]})


def _read_child(model: str, text: str, whole: bool, out: Any) -> None:
    from unannotate.nlp.trained import load_trained
    from unannotate.nlp.training_entities import scored_entity_rows

    nlp = load_trained(model)
    nlp("Warm up: the United Nations met in Geneva on 3 May.")
    before = _mb()
    started = time.perf_counter()
    if whole:
        found = len(nlp(text).ents)
    else:
        found = len(scored_entity_rows(nlp, [text])[0])
    seconds = time.perf_counter() - started
    out.put({"seconds": round(seconds, 2), "added_mb": round(_mb() - before, 1),
             "entities": found})


def _in_child(target: Any, *args: Any) -> dict[str, Any]:
    """``target(*args, queue)`` in a fresh process: what it put in the queue. A child that
    dies without a result is an error, not a wait for ever."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    child = context.Process(target=target, args=(*args, out))
    child.start()
    while True:
        try:
            result = out.get(timeout=1.0)
            break
        except queue.Empty:
            if not child.is_alive():
                raise RuntimeError(f"{target.__name__} stopped without a result (exit code "
                                   f"{child.exitcode}); its error is above") from None
    child.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--documents", type=int, default=6)
    parser.add_argument("--words", type=int, default=50_000, help="words a document")
    parser.add_argument("--max-seconds", type=float, default=5.0,
                        help="seconds of updating the training is given")
    args = parser.parse_args()
    count, words = (5, 1_500) if args.quick else (args.documents, args.words)
    print(f"machine: {cpu_model()}; {count} reviewed documents of about {words:,} words")
    texts = long_texts(count, words)
    with tempfile.TemporaryDirectory() as folder:
        path = _reviewed_project(Path(folder), texts)
        trained = _in_child(_train_child, str(path), args.max_seconds)
        print(f"train: entities and claims from {count} done documents "
              f"({sum(len(t.split()) for t in texts):,} words), --max-seconds "
              f"{args.max_seconds:g}: {trained['seconds']:.1f} s, peak "
              f"{trained['peak_mb']:.0f} MB")
        for note in trained["notes"]:
            print(f"  note: {note}")
        model = trained["models"][0]
        pieces = _in_child(_read_child, model, texts[0], False)
        whole = _in_child(_read_child, model, texts[0], True)
    print(f"read one {words:,}-word document with the trained entity version: in pieces "
          f"{pieces['seconds']:.2f} s, +{pieces['added_mb']:.0f} MB ({pieces['entities']} "
          f"entities); whole, as nlp(text): {whole['seconds']:.2f} s, "
          f"+{whole['added_mb']:.0f} MB ({whole['entities']} entities)")
    ratio = pieces["added_mb"] / whole["added_mb"] if whole["added_mb"] > 0 else 0.0
    print(json.dumps({"read_s": pieces["seconds"], "read_mb": pieces["added_mb"],
                      "read_whole_s": whole["seconds"], "read_whole_mb": whole["added_mb"],
                      "read_mb_ratio": round(ratio, 3), "train_s": trained["seconds"],
                      "train_peak_mb": trained["peak_mb"],
                      "words": sum(len(t.split()) for t in texts)}))


if __name__ == "__main__":
    main()
