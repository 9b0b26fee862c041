"""Benchmark: find across the corpus, the first page of hits, against a bare FTS5 query.

On a project of generated briefings (bench/corpus_data.py, imported through the program's own
import, so the full-text index is built as a user's import builds it):

* ``find_word_ms``: the first page (50 hits, with context and the annotations on each) of a
  word, ``Diallo``, through ``services.find.page``;
* ``find_phrase_ms``: the same for a three-word phrase, ``per cent funded``;
* ``find_ms``: the larger of the two (goal: under 300 ms on 100,000 documents);
* ``find_regex_ms``: the first page of the expression ``Amina\\s+Diallo``;
* ``find_baseline_ms``: the bare FTS5 query of the word (its trigrams; the first 50
  document ids) with ``sqlite3`` on the same file, in the same run;
* ``find_all_s``: every hit of the generated name counted (checked against the count the
  corpus was built with).

Each figure is the median of several runs after one untimed warm-up (the page cache warm, as
in a window in use). ``--tokenizers`` also compares FTS5's ``unicode61`` and ``trigram``
tokenizers on the same texts (build time, size, query time) and on sentences in the
program's languages (what each finds): the measurement behind docs/adr/0026-full-text-index.md.

``--import-cost N`` times importing N documents, then bringing the index up to date after.

Usage: python bench/corpus_find.py [--docs N] [--quick] [--tokenizers] [--import-cost N]
``measure(project_path, info, quick)`` is what bench/corpus_bench.py calls.
Human-readable lines first; the last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

WORD = "Diallo"
PHRASE = "per cent funded"
REGEX = r"Amina\s+Diallo"
PAGE = 50
GOAL_MS = 300.0


def _median_ms(run: Any, repeat: int) -> float:
    run()  # warm-up, untimed
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(project_path: Path, info: Any, quick: bool) -> dict[str, float]:
    """The find figures on the project at ``project_path`` (built by ``build_corpus``;
    ``info`` is its :class:`CorpusInfo`, whose ``name_mentions`` the count is checked
    against)."""
    from unannotate.services.find import FindQuery, find, page
    from unannotate.services.project import open_project

    repeat = 3 if quick else 7
    project = open_project(project_path, create=False, read_only=True)
    try:
        def first_page(query: FindQuery) -> Any:
            def run() -> None:
                hits = page(project, query, limit=PAGE, annotator="ana")
                assert len(hits) == PAGE, f"{query.pattern}: {len(hits)} hits on the first page"
            return run

        word = _median_ms(first_page(FindQuery(WORD)), repeat)
        phrase = _median_ms(first_page(FindQuery(PHRASE)), repeat)
        regex = _median_ms(first_page(FindQuery(REGEX, regex=True)), repeat)
        start = time.perf_counter()
        total = sum(found.count for found in find(project, FindQuery("Amina Diallo")))
        all_s = time.perf_counter() - start
    finally:
        project.close()
    if info is not None and getattr(info, "name_mentions", None) is not None:
        assert total == info.name_mentions, (total, info.name_mentions)
    from unannotate.storage.fulltext import trigram_query

    connection = sqlite3.connect(project_path)
    try:
        def bare() -> None:
            rows = connection.execute(
                "SELECT rowid FROM documents_fts WHERE documents_fts MATCH ? "
                "ORDER BY rowid LIMIT ?", (trigram_query([WORD]), PAGE)).fetchall()
            assert len(rows) == PAGE
        baseline = _median_ms(bare, repeat)
    finally:
        connection.close()
    return {"find_ms": round(max(word, phrase), 2), "find_word_ms": round(word, 2),
            "find_phrase_ms": round(phrase, 2), "find_regex_ms": round(regex, 2),
            "find_baseline_ms": round(baseline, 3), "find_all_s": round(all_s, 3),
            "find_all_hits": total}


# -- the tokenizers side by side -------------------------------------------------------------

SENTENCES = {  # (text, what a person searches for in it)
    "zh": ("联合国秘书长在日内瓦发表讲话，中国代表团出席了会议。", "代表团"),
    "ar": ("وقالت والأمم المتحدة إن المساعدات وصلت.", "الأمم"),
    "kk": ("Қазақстан Республикасы БҰҰ-да сөз сөйледі.", "ҚАЗАҚСТАН"),
    "ru": ("Генеральный секретарь ООН выступил в Женеве.", "женеве"),
    "fr": ("Le Conseil de sécurité s'est réuni à Genève.", "sécurité"),
    "es": ("La Asamblea General aprobó la resolución.", "aprobó"),
    "en": ("The Security Council met in Geneva on Monday.", "council met"),
}


def compare_tokenizers(project_path: Path, repeat: int) -> dict[str, Any]:
    """Build both indexes over the project's texts in a scratch file; time, size, answers."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        scratch = sqlite3.connect(Path(folder) / "scratch.db")
        scratch.execute("ATTACH DATABASE ? AS project", (str(project_path),))
        scratch.execute("CREATE TABLE documents AS SELECT id, text FROM project.documents")
        scratch.commit()
        scratch.execute("DETACH DATABASE project")
        for lang, (text, _) in SENTENCES.items():
            scratch.execute("INSERT INTO documents (id, text) VALUES "
                            "((SELECT MAX(id) + 1 FROM documents), ?)", (text,))
        scratch.commit()
        from unannotate.storage.fulltext import trigram_query

        for name, tokenizer, detail in (
                ("unicode61", "unicode61 remove_diacritics 0", "full"),
                ("trigram", "trigram case_sensitive 0", "full"),
                ("trigram_no_positions", "trigram case_sensitive 0", "none")):
            table = f"fts_{name}"
            start = time.perf_counter()
            scratch.execute(f"CREATE VIRTUAL TABLE {table} USING fts5(text, "
                            f"content='documents', content_rowid='id', tokenize='{tokenizer}', "
                            f"detail={detail})")
            scratch.execute(f"INSERT INTO {table} ({table}) VALUES ('rebuild')")
            scratch.commit()
            build_s = time.perf_counter() - start
            size = scratch.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE ?", (f"{table}%",)).fetchone()[0]

            def query(words: str, table: str = table, detail: str = detail) -> list[int]:
                # Without positions, a string is asked as the AND of its trigrams.
                match = (trigram_query(words.split()) if detail == "none"
                         else f'"{words}"')
                return [row[0] for row in scratch.execute(
                    f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid LIMIT 50",
                    (match,))]

            word_ms = _median_ms(lambda: query(WORD), repeat)
            phrase_ms = _median_ms(lambda: query(PHRASE), repeat)
            finds = {lang: bool(query(needle)) for lang, (_, needle) in SENTENCES.items()}
            results[name] = {"build_s": round(build_s, 2), "mb": round(size / 1e6, 1),
                             "word_ms": round(word_ms, 2), "phrase_ms": round(phrase_ms, 2),
                             "finds": finds}
        text_mb = scratch.execute(
            "SELECT SUM(pgsize) FROM dbstat WHERE name = 'documents'").fetchone()[0] / 1e6
        results["texts_mb"] = round(text_mb, 1)
        scratch.close()
    return results


def import_cost(documents: int) -> dict[str, float]:
    """Seconds to import ``documents`` generated briefings (one JSONL file) into a new
    project (``import_paths``, which leaves the index for later), then to bring the index up
    to date as ``unannotate import`` does after it (``bring_index_up_to_date``); best of
    two."""
    import random

    from corpus_data import SEED, make_document

    from unannotate.services.find import bring_index_up_to_date
    from unannotate.services.importing import import_paths
    from unannotate.services.project import open_project

    rng = random.Random(SEED)
    imports: list[float] = []
    indexing: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        jsonl = Path(folder) / "briefings.jsonl"
        with jsonl.open("w", encoding="utf-8") as out:
            for number in range(1, documents + 1):
                title, text = make_document(rng, number, rng.randint(0, 2))
                out.write(json.dumps({"text": text, "meta": {"title": title}}) + "\n")
        for turn in range(2):
            project = open_project(Path(folder) / f"turn{turn}.db")
            start = time.perf_counter()
            import_paths(project, [jsonl], language="en")
            imports.append(time.perf_counter() - start)
            start = time.perf_counter()
            bring_index_up_to_date(project)
            indexing.append(time.perf_counter() - start)
            project.close()
    return {"import_s": round(min(imports), 2), "index_after_import_s": round(min(indexing), 2)}


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from corpus_data import build_corpus
    from machine import cpu_model

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--docs", type=int, default=None,
                        help="documents in the corpus (default 100,000; --quick: 2,000)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--tokenizers", action="store_true",
                        help="also compare the unicode61 and trigram tokenizers")
    parser.add_argument("--import-cost", type=int, default=0, metavar="N",
                        help="also time importing N documents with and without the index")
    args = parser.parse_args(argv)
    documents = args.docs or (2_000 if args.quick else 100_000)
    print(f"machine: {cpu_model()}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "corpus.unannotate.db"
        info = build_corpus(path, documents,
                            name_mentions=min(10_000, documents // 4 or 1))
        print(f"corpus: {info.documents:,} documents, {info.characters / 1e6:.1f} M characters, "
              f"{info.name_mentions:,} mentions of the name, built in {info.seconds:.1f} s",
              flush=True)
        figures = measure(path, info, args.quick)
        for key, value in figures.items():
            print(f"  {key}: {value}")
        ratio = figures["find_ms"] / max(figures["find_baseline_ms"], 1e-6)
        figures["ratio"] = round(ratio, 1)
        print(f"first page: word {figures['find_word_ms']:.1f} ms, phrase "
              f"{figures['find_phrase_ms']:.1f} ms (goal < {GOAL_MS:.0f} ms); bare FTS5 "
              f"{figures['find_baseline_ms']:.2f} ms ({ratio:.0f} x)")
        if args.tokenizers:
            compared = compare_tokenizers(path, 3 if args.quick else 5)
            for name in ("unicode61", "trigram", "trigram_no_positions"):
                row = compared[name]
                missed = [lang for lang, found in row["finds"].items() if not found]
                print(f"{name}: built in {row['build_s']} s, {row['mb']} MB (texts "
                      f"{compared['texts_mb']} MB), word {row['word_ms']} ms, phrase "
                      f"{row['phrase_ms']} ms, misses: {', '.join(missed) or 'none'}")
            figures["tokenizers"] = compared
    if args.import_cost:
        cost = import_cost(args.import_cost)
        print(f"import of {args.import_cost:,} documents: {cost['import_s']} s, then "
              f"{cost['index_after_import_s']} s to bring the index up to date")
        figures.update(cost)
    figures["documents"] = documents
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    raise SystemExit(main())
