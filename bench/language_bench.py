"""Benchmark: guessing a document's language, candidates side by side.

Accuracy on short UN-news paragraphs written for this purpose in the program's seven languages
(tests/data/language_paragraphs.jsonl: Arabic, Chinese, English, French, Russian, Spanish,
Kazakh; six each, 12 to 540 characters) and on the first paragraph of the example articles in
../shared/corpus when they are there; speed per document on those paragraphs and on the
import benchmark's invented news items (about 2,000 characters, English with names from
everywhere). Measured in the same run:

* baseline: the hand-written guess the program had before (scripts, then counts of
  function words of English, French and Spanish), kept here as the reference;
* ``py3langid``, all of its languages, and restricted to the program's candidates, each
  on the first 600 characters;
* ``lingua`` (lingua-language-detector), all languages and the program's candidates, when
  it is installed (it is not a dependency: it was measured, not chosen);
* ours: ``unannotate.core.language.guess_languages`` (py3langid restricted, short samples
  first, the script and Kazakh rules), over the whole set at once as the import calls it.

Usage: .venv/bin/python bench/language_bench.py [--quick] [--docs N]

Human-readable lines first; the last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PARAGRAPHS = REPO / "tests" / "data" / "language_paragraphs.jsonl"
CORPUS = REPO.parent / "shared" / "corpus"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import make_text  # noqa: E402

from unannotate.core.language import CANDIDATES, LANGUAGES, guess_languages  # noqa: E402

Guesser = Callable[[Sequence[str]], list[str]]


# --- the guess the program had before (baseline) ---------------------------------------------

_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to in is that for on with was are by it this which as be "
                    "has".split()),
    "fr": frozenset("le la les des et est une un du dans pour que qui sur au aux avec par ce "
                    "sont".split()),
    "es": frozenset("el la los las y es una un del en para que por con se al como su sus "
                    "fue".split()),
}
_SCRIPTS = {
    "ar": re.compile(r"[\u0600-\u06FF\u0750-\u077F]"),
    "zh": re.compile(r"[\u4E00-\u9FFF\u3400-\u4DBF]"),
    "ru": re.compile(r"[\u0400-\u04FF]"),
}
_ANY_SCRIPT = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u4E00-\u9FFF\u3400-\u4DBF\u0400-\u04FF]")
_WORD = re.compile(r"[^\W\d_]+")


def word_pattern_guess(text: str, default: str = "en") -> str:
    sample = text[:600]
    if _ANY_SCRIPT.search(sample):
        counts: Counter[str] = Counter()
        for lang, pattern in _SCRIPTS.items():
            if n := len(pattern.findall(sample)):
                counts[lang] = n
        if latin := sum(map(str.isalpha, _ANY_SCRIPT.sub("", sample))):
            counts["latin"] = latin
        top, count = counts.most_common(1)[0]
        if top != "latin" and count / sum(counts.values()) > 0.5:
            return top
    words = _WORD.findall(sample.lower())
    scores = {lang: sum(map(vocab.__contains__, words)) for lang, vocab in _FUNCTION_WORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] >= 3 else default


# --- candidates ------------------------------------------------------------------------------


def candidates(quick: bool) -> dict[str, Guesser]:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    found: dict[str, Guesser] = {
        "word pattern (before)": lambda texts: [word_pattern_guess(t) for t in texts],
    }
    every = LanguageIdentifier.from_model_file(MODEL_FILE)
    found["py3langid, all 140 labels"] = lambda texts: [every.classify(t[:600])[0]
                                                        for t in texts]
    restricted = LanguageIdentifier.from_model_file(MODEL_FILE)
    restricted.set_languages(list(CANDIDATES))
    found[f"py3langid, {len(CANDIDATES)} candidates"] = (
        lambda texts: [restricted.classify(t[:600])[0] for t in texts])
    try:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
    except ImportError:
        print("lingua: not installed, left out (pip install lingua-language-detector)")
    else:
        chosen = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
                  for code in CANDIDATES]

        def lingua(detector: Any) -> Guesser:
            def guess(texts: Sequence[str]) -> list[str]:
                found = [detector.detect_language_of(t[:600]) for t in texts]
                return [g.iso_code_639_1.name.lower() if g else "en" for g in found]
            return guess

        if not quick:
            found["lingua, all 75 languages"] = lingua(
                LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models()
                .build())
        found[f"lingua, {len(CANDIDATES)} candidates"] = lingua(
            LanguageDetectorBuilder.from_languages(*chosen).with_preloaded_language_models()
            .build())
    found["ours (guess_languages)"] = lambda texts: guess_languages(texts)
    return found


# --- measuring -------------------------------------------------------------------------------


def best_times(guessers: dict[str, Guesser], texts: Sequence[str],
               repeat: int) -> dict[str, float]:
    """Best time of each guesser over ``texts``; the guessers take turns in each round, so
    that other work on the machine weighs on all of them alike."""
    best = dict.fromkeys(guessers, float("inf"))
    for _ in range(repeat):
        for name, guess in guessers.items():
            start = time.perf_counter()
            guess(texts)
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000, help="news items timed")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each (best kept)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 200 items, 1 run")
    args = parser.parse_args()
    docs, repeat = (200, 1) if args.quick else (args.docs, args.repeat)

    paragraphs = [json.loads(line) for line in PARAGRAPHS.read_text("utf-8").splitlines()]
    labelled = [(p["language"], p["text"]) for p in paragraphs]
    articles = sorted(CORPUS.glob("*.txt")) if CORPUS.is_dir() else []
    for path in articles:  # the example articles are English news
        labelled.append(("en", path.read_text(encoding="utf-8").split("\n\n")[0][:600]))
    rng = random.Random(20240611)
    items = [make_text(rng, n, rng.randint(1800, 2200)) for n in range(1, docs + 1)]
    texts = [text for _, text in labelled]
    print(f"{len(paragraphs)} paragraphs, {len(articles)} example articles, "
          f"{docs:,} news items; best of {repeat}")

    guessers = candidates(args.quick)
    for guess in guessers.values():
        guess(texts[:3])  # loads what is loaded lazily
    # The paragraphs twenty times over: a run long enough to time steadily.
    paragraph_times = best_times(guessers, texts * 20, repeat)
    item_times = best_times(guessers, items, repeat)
    total = Counter(code for code, _ in labelled)
    results: dict[str, dict[str, Any]] = {}
    for name, guess in guessers.items():
        said = guess(texts)
        right = Counter(code for (code, _), got in zip(labelled, said, strict=True) if got == code)
        wrong = [f"{code}->{got}" for (code, _), got in zip(labelled, said, strict=True)
                 if got != code]
        english = Counter(guess(items))["en"] / len(items)
        per_paragraph = paragraph_times[name] / (20 * len(texts)) * 1e6
        per_item = item_times[name] / len(items) * 1e6
        per_language = {code: f"{right[code]}/{total[code]}" for code in LANGUAGES}
        results[name] = {
            "right": sum(right.values()), "of": len(labelled), "per_language": per_language,
            "wrong": wrong, "items_english": english,
            "us_per_paragraph": per_paragraph, "us_per_item": per_item,
        }
        print(f"{name}: {sum(right.values())}/{len(labelled)} right "
              f"({', '.join(f'{c} {v}' for c, v in per_language.items())})"
              f"{'; wrong: ' + ', '.join(wrong[:8]) if wrong else ''}; news items taken for "
              f"English {english:.1%}; {per_paragraph:,.1f} µs a paragraph, "
              f"{per_item:,.1f} µs a news item", flush=True)

    base = results["word pattern (before)"]
    ours = results["ours (guess_languages)"]
    print()
    print(f"ours / before, per news item: {ours['us_per_item'] / base['us_per_item']:.2f} "
          f"of the time; accuracy {ours['right']}/{ours['of']} against "
          f"{base['right']}/{base['of']}")
    print(json.dumps({
        "docs_per_s": round(1e6 / ours["us_per_item"], 1),
        "baseline_docs_per_s": round(1e6 / base["us_per_item"], 1),
        "ratio": round(base["us_per_item"] / ours["us_per_item"], 3),
        "accuracy": round(ours["right"] / ours["of"], 3),
        "baseline_accuracy": round(base["right"] / base["of"], 3),
        "candidates": {name: {"accuracy": round(r["right"] / r["of"], 3),
                              "us_per_paragraph": round(r["us_per_paragraph"], 1),
                              "us_per_item": round(r["us_per_item"], 1)}
                       for name, r in results.items()},
        "paragraphs": len(paragraphs), "items": docs,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
