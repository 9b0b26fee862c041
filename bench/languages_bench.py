"""Benchmark: the built-in suggesters in the seven languages (Arabic, Chinese, English,
French, Russian, Spanish, Kazakh).

On one UN-news document per language written for this benchmark (``bench/data/languages.json``,
with the entities a reviewer would mark), and on a second one per language written after the
rules were last changed (``held_out``: reported apart, never used to change them), in the
same run:

* the language: ``guess_language`` on each document must give its language;
* quality: the entity suggestions (``unannotate.entities.rules.v1``, through the registry as
  the program creates it) against the expected countries, UN bodies, people, dates, numbers,
  amounts and percentages: per-language recall and precision, counted on exact spans (same
  start, end and label; precision over the suggestions of the labels the file marks);
* speed: suggesting entities and claims (``unannotate.claims.rules.v1``) for texts of the
  same length in characters in each language (each document repeated, paragraphs kept),
  against English, the baseline measured in the same run: a language's ratio is its time
  over English's (target at most 1.5). The languages take turns in each round; the best of
  the rounds counts.

Usage: .venv/bin/python bench/languages_bench.py [--chars N] [--repeat K] [--quick]

Human-readable lines first; the last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from machine import cpu_model  # a sibling module of the benchmarks

from unannotate.core.language import guess_language
from unannotate.nlp.base import SuggesterInput, create

DATA = Path(__file__).resolve().parent / "data" / "languages.json"
ENTITIES = "unannotate.entities.rules.v1"
CLAIMS = "unannotate.claims.rules.v1"
TARGET_RECALL = 0.8
TARGET_RATIO = 1.5
BASELINE = "en"


def expected_spans(text: str, entities: list[list]) -> set[tuple[int, int, str]]:
    spans = set()
    for piece, label, occurrence in entities:
        start = -1
        for _ in range(occurrence + 1):
            start = text.find(piece, start + 1)
            if start < 0:
                raise SystemExit(f"{DATA}: {piece!r} (occurrence {occurrence}) is not in the text")
        spans.add((start, start + len(piece), label))
    return spans


def quality(documents: dict[str, dict]) -> dict[str, dict[str, float]]:
    suggester = create(ENTITIES)
    out = {}
    for language, document in documents.items():
        text = document["text"]
        gold = expected_spans(text, document["entities"])
        labels = {label for _, _, label in gold}
        ((_, found),) = suggester.suggest([SuggesterInput(0, text, language)])
        predicted = {(s.start, s.end, s.label) for s in found if s.label in labels}
        hits = len(gold & predicted)
        out[language] = {
            "guessed": guess_language(text),
            "recall": hits / len(gold),
            "precision": hits / max(1, len(predicted)),
            "expected": len(gold),
            "missed": sorted(text[s:e] + f" ({label})" for s, e, label in gold - predicted),
            "extra": sorted(text[s:e] + f" ({label})" for s, e, label in predicted - gold),
        }
    return out


def long_text(text: str, chars: int) -> str:
    """``text`` repeated, a blank line between copies, to about ``chars`` characters."""
    copies = max(1, round(chars / (len(text) + 2)))
    return "\n\n".join([text] * copies)


def speed(documents: dict[str, dict], chars: int, docs: int, repeat: int) -> dict[str, float]:
    """Seconds (best of ``repeat``) to suggest entities and claims for ``docs`` documents of
    about ``chars`` characters in each language."""
    suggesters = [create(ENTITIES), create(CLAIMS)]
    texts = {lang: long_text(d["text"], chars) for lang, d in documents.items()}
    # The same length in every language: cut each to the shortest, at a line end.
    shortest = min(len(t) for t in texts.values())
    texts = {lang: t[: t.rfind("\n", 0, shortest) if "\n" in t[:shortest] else shortest]
             for lang, t in texts.items()}
    for language, text in texts.items():  # build each language's patterns first (not timed)
        for suggester in suggesters:
            list(suggester.suggest([SuggesterInput(0, text[:2000], language)]))
    best: dict[str, float] = {}
    for _ in range(repeat):
        for language, text in texts.items():
            inputs = [SuggesterInput(n, text, language) for n in range(docs)]
            started = time.perf_counter()
            for suggester in suggesters:
                for _ in suggester.suggest(inputs):
                    pass
            elapsed = time.perf_counter() - started
            best[language] = min(best.get(language, elapsed), elapsed)
    return {"chars": min(len(t) for t in texts.values()), **best}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chars", type=int, default=20_000, help="characters a document")
    parser.add_argument("--docs", type=int, default=10, help="documents per language")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a smoke run: small and once")
    args = parser.parse_args(argv)
    if args.quick:
        args.chars, args.docs, args.repeat = 4000, 2, 1
    data = json.loads(DATA.read_text(encoding="utf-8"))
    documents = data["documents"]
    print(f"machine: {cpu_model()}, Python {platform.python_version()}")
    scores = quality(documents)
    held_out = quality(data["held_out"])
    for title, table in (("documents", scores), ("held out", held_out)):
        print(f"{title}:")
        print(f"{'language':8} {'guessed':7} {'recall':>6} {'precision':>9} {'expected':>8}")
        for language, s in table.items():
            print(f"{language:8} {s['guessed']:7} {s['recall']:6.2f} {s['precision']:9.2f} "
                  f"{s['expected']:8d}")
            if s["missed"]:
                print(f"         missed: {', '.join(s['missed'])}")
            if s["extra"]:
                print(f"         extra: {', '.join(s['extra'])}")
    timed = speed(documents, args.chars, args.docs, args.repeat)
    chars = timed.pop("chars")
    english = timed[BASELINE]
    print(f"speed: {args.docs} documents of {chars:,} characters, entities and claims, "
          f"best of {args.repeat}")
    ratios = {}
    for language, seconds in timed.items():
        ratios[language] = seconds / english
        print(f"  {language}: {seconds:.3f} s, {args.docs * chars / seconds / 1000:,.0f} "
              f"kchar/s, {ratios[language]:.2f}× English")
    others = [lang for lang in ratios if lang != BASELINE]
    figures = {
        "languages_right": sum(s["guessed"] == lang for lang, s in scores.items()),
        "languages": len(scores),
        "held_out_languages_right": sum(s["guessed"] == lang for lang, s in held_out.items()),
        "held_out_min_recall": round(min(s["recall"] for s in held_out.values()), 3),
        "held_out_min_precision": round(min(s["precision"] for s in held_out.values()), 3),
        **{f"held_out_recall_{lang}": round(s["recall"], 3) for lang, s in held_out.items()},
        **{f"held_out_precision_{lang}": round(s["precision"], 3)
           for lang, s in held_out.items()},
        "min_recall": round(min(s["recall"] for s in scores.values()), 3),
        "min_precision": round(min(s["precision"] for s in scores.values()), 3),
        "max_ratio": round(max(ratios[lang] for lang in others), 3),
        "english_kchars_per_s": round(args.docs * chars / english / 1000, 1),
        **{f"recall_{lang}": round(s["recall"], 3) for lang, s in scores.items()},
        **{f"precision_{lang}": round(s["precision"], 3) for lang, s in scores.items()},
        **{f"ratio_{lang}": round(ratios[lang], 3) for lang in others},
    }
    ok = (figures["languages_right"] == figures["languages"]
          and figures["min_recall"] >= TARGET_RECALL and figures["max_ratio"] <= TARGET_RATIO)
    print(f"targets (all languages right, recall ≥ {TARGET_RECALL}, ratio ≤ {TARGET_RATIO}): "
          f"{'met' if ok else 'NOT met'}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
