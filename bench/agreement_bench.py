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

Second, opening a long document in the review window. A separate project holds the
50,000-word document of open_document_bench.py (``make_document``; its 3,000 spans from
``choose_spans`` are the reference) and a short one. Each of the three annotators holds the
reference spans changed as above (seeded, apart for each annotator: relabelled, a word more or
less, left out for another of the document's entities), about 9,000 span rows, inserted with
``insert_rows``. A ``ReviewWindow`` reviewing the three layers is shown, and the project-wide
agreement it computes on a worker thread is awaited, before any clock starts. Then, in turns
(timed as open_document_bench.py times the main window, with its paint clock):

* ``review_bare_ms``: a plain ``QPlainTextEdit`` of the same size and font as the review
  window's document view, already shown: ``setPlainText(text)`` until the end of its
  viewport's first paint;
* ``review_open_ms``: ``window.open_document(doc_id)`` until the end of the document view's
  first paint (``DocumentView.painted``). Checked after each run, untimed: the formats the
  blocks on screen had at that paint are those they have once every place is read, and those
  a full rehighlight gives. Target: at most 1.5 times ``review_bare_ms``
  (``review_open_ratio``);
* ``review_panel_ms``: from the same start until the panel lists every place and has painted
  (the window reads every place right after the first paint, in the same pass of the event
  loop);
* ``review_open_cpu_ms`` and ``review_bare_cpu_ms``: the thread's CPU time over the same
  stretches (``time.thread_time``): on a machine busy with other work, wall times waver with
  the load and these much less.

Before each timed open both views are given the short document, untimed, and events are
processed until nothing more is painted; medians count.

Usage: .venv/bin/python bench/agreement_bench.py [--docs N] [--repeat K] [--review-repeat K]
[--quick] [--profile]

``--quick``: 200 documents, one round of each. ``--profile``: also cProfile of ours and of
one review open. Human-readable lines first; the last line is one JSON object with the figures.
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
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from export_bench import _phrases as export_phrases  # the same vocabulary and labels
from import_bench import _TOPICS, make_text
from machine import cpu_model  # a sibling module of the benchmarks
from open_document_bench import (
    SMALL_TEXT,
    SPANS,
    WORDS,
    Generated,
    PaintClock,
    choose_spans,
    make_document,
    on_screen_formats_match,
    open_bare,
    painted_at,
    settle_all,
    timed_editor,
)

TARGET_SECONDS = 2.0
SEED = 20240620
DOCS = 2_000
SPANS_PER_DOC = 50
DOC_CHARS = (1400, 1600)
ANNOTATORS = ("ana", "ben", "cy")
RELABEL, RESIZE, OMIT = 0.05, 0.06, 0.05
BATCH = 500
ENTITY_LABELS = ("PERSON", "ORG", "GPE", "LOC", "DATE", "CARDINAL", "EVENT")
REVIEW_TARGET_RATIO = 1.5
REVIEW_REPEAT = 5

# --- corpus ----------------------------------------------------------------------------------


def _phrases() -> dict[str, str]:
    """The export benchmark's phrases and labels, and the topics as events."""
    labels = export_phrases()
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


# --- the review window: one long document --------------------------------------------------


@dataclass
class ReviewProject:
    big_id: int
    small_id: int
    generated: Generated
    rows: int  # span rows of the annotators


def build_review_project(database: Path, words: int, spans: int) -> ReviewProject:
    """A fresh project holding a short document and the long one of open_document_bench.py,
    with the three annotators' layers derived from its reference spans."""
    from datetime import UTC, datetime

    from unannotate.services.project import open_project
    from unannotate.storage.bulk import insert_rows
    from unannotate.storage.schema import DocumentRow, SpanRow

    generated = make_document(words=words)
    base = [(start, end, label) for _, start, end, label in choose_spans(generated, spans)]
    taken = {(start, end) for start, end, _ in base}
    spare = [e for e in generated.entities if (e[0], e[1]) not in taken]
    rng = random.Random(SEED + 1)
    layers = {name: _layer(generated.text, base, spare, rng) for name in ANNOTATORS}
    geneve = SMALL_TEXT.index("Genève")
    small = {"ana": "GPE", "ben": "LOC", "cy": "GPE"}  # one open place in the short one
    small_id, big_id = 1, 2
    project = open_project(database)
    try:
        with project.db.session() as session:
            layer_ids = {name: project.annotator_layer_id(session, name) for name in ANNOTATORS}
            label_ids = project.label_ids(session)
            connection = session.connection()
            stamp = datetime.now(UTC)
            insert_rows(connection, DocumentRow.__table__,
                        ("id", "sha256", "text", "title", "meta", "language", "source"),
                        [(number, hashlib.sha256(text.encode()).hexdigest(), text, title,
                          {}, "en", "bench/agreement_bench.py")
                         for number, text, title in ((small_id, SMALL_TEXT, "A short note"),
                                                     (big_id, generated.text,
                                                      "Daily briefing"))],
                        {"created_at": stamp})
            rows = [(layer_ids[name], big_id, start, end, label_ids[label])
                    for name, found in layers.items() for start, end, label in found]
            rows += [(layer_ids[name], small_id, geneve, geneve + 6, label_ids[label])
                     for name, label in small.items()]
            # A layer holds one span per place: a spare span drawn where a changed one
            # already stands is kept once.
            rows = list(dict.fromkeys(rows))
            insert_rows(connection, SpanRow.__table__,
                        ("layer_id", "document_id", "start", "end", "label_id"),
                        rows, {"state": "accepted", "score": None, "reason": "",
                               "source_id": None, "version": 1, "created_at": stamp,
                               "updated_at": stamp})
    finally:
        project.close()
    return ReviewProject(big_id, small_id, generated, len(rows))


def visible_formats(view) -> list[tuple[int, list[tuple[int, int, object]]]]:  # type: ignore[no-untyped-def]
    """The highlighter's formats of each block on screen, by block number."""
    from PySide6.QtGui import QTextCharFormat

    found = []
    block = view.firstVisibleBlock()
    top = view.contentOffset().y()
    while block.isValid() and top <= view.viewport().height():
        found.append((block.blockNumber(), [(f.start, f.length, QTextCharFormat(f.format))
                                            for f in block.layout().formats()]))
        top += view.blockBoundingRect(block).height()
        block = block.next()
    return found


@dataclass
class ReviewRun:
    open_ms: float
    panel_ms: float
    open_cpu_ms: float
    natural: bool  # Qt painted by itself (no forced repaint)


def measure_review(database: Path, built: ReviewProject, repeat: int, profile_it: bool
                   ) -> dict[str, float | int]:
    """Bare editor and ``ReviewWindow.open_document`` of the long document, in turns."""
    from unannotate.qt.app import application
    from unannotate.qt.review_window import ReviewWindow
    from unannotate.services.project import open_project
    from unannotate.services.colleague_review import Review

    app = application()
    project = open_project(database, create=False)
    window = ReviewWindow(Review(project, "rita", list(ANNOTATORS)))
    window.show()
    window.activateWindow()
    deadline = time.monotonic() + 120
    while not window.overall and time.monotonic() < deadline:  # the worker's agreement
        app.processEvents()
        time.sleep(0.005)
    if not window.overall:
        raise SystemExit("the review window's agreement did not arrive")
    view = window.view
    ours_clock, bare_clock = PaintClock(), PaintClock()
    view.painted.connect(ours_clock)
    bare = timed_editor(bare_clock)
    bare.setFont(view.font())
    bare.resize(view.size())
    bare.show()
    app.processEvents()
    text = built.generated.text
    print(f"review window: document view {view.width()}x{view.height()} px, font "
          f"{view.font().pointSize()} pt (the bare editor the same); agreement: "
          f"{window.overall}", flush=True)

    def open_small() -> None:
        window.open_document(built.small_id)
        painted_at(app, view.viewport(), ours_clock)
        limit = time.monotonic() + 10
        while (view.idle_work_left or window.panel.topLevelItemCount() != len(window.places)) \
                and time.monotonic() < limit:
            app.processEvents()
        settle_all(app)

    def open_ours() -> ReviewRun:
        open_small()
        at_paint: list[list[tuple[int, list[tuple[int, int, object]]]]] = []
        untimed = [0.0]

        def note_formats() -> None:  # at the end of the first paint, untimed
            if not at_paint:
                t = time.perf_counter()
                at_paint.append(visible_formats(view))
                untimed[0] += time.perf_counter() - t

        gc.collect()
        view.painted.connect(note_formats)
        t0, cpu0 = time.perf_counter(), time.thread_time()
        window.open_document(built.big_id)
        end, natural = painted_at(app, view.viewport(), ours_clock)
        view.painted.disconnect(note_formats)
        open_cpu = (ours_clock.cpu - cpu0) * 1000
        limit = time.monotonic() + 10
        while window.panel.topLevelItemCount() != len(window.places) \
                and time.monotonic() < limit:
            app.processEvents()
        window.panel.viewport().repaint()
        panel = time.perf_counter() - untimed[0]
        if window.document_id != built.big_id or window.panel.topLevelItemCount() != len(
                window.places):
            raise SystemExit("the review window did not list every place of the document")
        # What the first paint showed is what the whole document's places give.
        first = dict(at_paint[0]) if at_paint else {}
        if not first or any(dict(visible_formats(view)).get(n) != f for n, f in first.items()) \
                or not on_screen_formats_match(view):
            raise SystemExit("a block on screen was painted without its places")
        return ReviewRun((end - t0) * 1000, (panel - t0) * 1000, open_cpu, natural)

    times: dict[str, list[float]] = {"bare": [], "open": [], "panel": [], "bare_cpu": [],
                                     "open_cpu": []}
    try:
        for attempt in range(repeat):
            bare_ms, bare_cpu, bare_natural = open_bare(app, bare, bare_clock, text)
            run = open_ours()
            if attempt == 0:
                kinds: dict[str, int] = {}
                for place in window.places:
                    kinds[place.kind.value] = kinds.get(place.kind.value, 0) + 1
                print(f"  {len(window.places):,} places ("
                      + ", ".join(f"{k} {v:,}" for k, v in sorted(kinds.items()))
                      + f"), {window.panel.topLevelItemCount():,} panel rows", flush=True)
                if view.toPlainText() != text.replace("\r\n", "\n"):
                    raise SystemExit("the view does not show the document's text")
            times["bare"].append(bare_ms)
            times["open"].append(run.open_ms)
            times["panel"].append(run.panel_ms)
            times["bare_cpu"].append(bare_cpu)
            times["open_cpu"].append(run.open_cpu_ms)
            print(f"  run {attempt + 1}: bare {bare_ms:7.1f} ms"
                  f"{'' if bare_natural else ' (forced repaint)'}   review open "
                  f"{run.open_ms:7.1f} ms{'' if run.natural else ' (forced repaint)'}   "
                  f"panel {run.panel_ms:7.1f} ms   (CPU: bare {bare_cpu:5.1f} ms, "
                  f"open {run.open_cpu_ms:5.1f} ms)", flush=True)
        places = len(window.places)
        if profile_it:
            profile_review(app, window, built, ours_clock)
    finally:
        window.close()
        bare.close()
        app.processEvents()
        project.close()
    median = {key: statistics.median(values) for key, values in times.items()}
    return {"review_open_ms": round(median["open"], 1),
            "review_panel_ms": round(median["panel"], 1),
            "review_bare_ms": round(median["bare"], 1),
            "review_open_ratio": round(median["open"] / median["bare"], 2),
            "review_panel_ratio": round(median["panel"] / median["bare"], 2),
            "review_open_cpu_ms": round(median["open_cpu"], 1),
            "review_bare_cpu_ms": round(median["bare_cpu"], 1),
            "review_open_cpu_ratio": round(median["open_cpu"] / median["bare_cpu"], 2),
            "review_places": places, "review_span_rows": built.rows,
            "review_words": built.generated.words}


def profile_review(app, window, built: ReviewProject, clock: PaintClock) -> None:  # type: ignore[no-untyped-def]
    """cProfile of one review open: ``open_document`` itself, then the pass of the event
    loop that paints it and reads the rest (every place, the panel)."""
    import cProfile
    import pstats

    window.open_document(built.small_id)
    painted_at(app, window.view.viewport(), clock)
    while window.view.idle_work_left:
        app.processEvents()
    gc.collect()
    for stage in ("open_document", "the paint pass: first paint, then the rest"):
        profiler = cProfile.Profile()
        profiler.enable()
        if stage == "open_document":
            window.open_document(built.big_id)
        else:
            painted_at(app, window.view.viewport(), clock)
        profiler.disable()
        print(f"\n=== profile: review open, {stage} ===")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=DOCS, help="documents in the project")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the measurements")
    parser.add_argument("--review-repeat", type=int, default=None,
                        help=f"timed review-window opens of each kind (default "
                             f"{REVIEW_REPEAT}, 1 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 200 docs, 1 round, 1 review open of each kind")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile ours and one review open")
    args = parser.parse_args()
    docs, repeat = (200, 1) if args.quick else (args.docs, args.repeat)
    review_repeat = args.review_repeat or (1 if args.quick else REVIEW_REPEAT)

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

    with tempfile.TemporaryDirectory(prefix="unannotate-bench-") as tmp:
        database = Path(tmp) / "review.db"
        os.environ["UNANNOTATE_SETTINGS"] = str(Path(tmp) / "settings.json")
        start = time.perf_counter()
        built = build_review_project(database, WORDS, SPANS)
        print(f"\nreview project: one document of {built.generated.words:,} words "
              f"({len(built.generated.text):,} characters), {SPANS:,} reference spans, "
              f"{built.rows:,} span rows in {len(ANNOTATORS)} annotator layers "
              f"(built in {time.perf_counter() - start:.1f} s)", flush=True)
        review = measure_review(database, built, review_repeat, args.profile)

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
    review_ratio = float(review["review_open_ratio"])
    print(f"review window, medians of {review_repeat}: open to first paint "
          f"{review['review_open_ms']} ms, bare {review['review_bare_ms']} ms, ratio "
          f"{review_ratio:.2f} ({'meets' if review_ratio <= REVIEW_TARGET_RATIO else 'ABOVE'} "
          f"target {REVIEW_TARGET_RATIO}); panel filled and painted {review['review_panel_ms']} "
          f"ms (ratio {review['review_panel_ratio']}); CPU time to the first paint "
          f"{review['review_open_cpu_ms']} ms, bare {review['review_bare_cpu_ms']} ms, ratio "
          f"{review['review_open_cpu_ratio']}")
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
        **review,
        "review_target_ratio": REVIEW_TARGET_RATIO,
        "review_meets_target": review_ratio <= REVIEW_TARGET_RATIO,
    }))


if __name__ == "__main__":
    main()
