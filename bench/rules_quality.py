"""Benchmark: how good the built-in rules are on text they were not written on.

Runs the built-in suggesters ``unannotate.entities.rules.v1`` and
``unannotate.claims.rules.v1`` (created through the suggester registry, as the program
creates them) and scores them with ``devdata.py`` on:

* the re3d news and encyclopedia documents (development data): per-label precision,
  recall and F1 of the entities, matched by overlap and exactly, on a tuning half and a
  held-out half of each source (seeded split of the documents);
* ClaimBuster's debate sentences (development data): claim precision, recall and F1 per
  sentence, on a tuning part (70 %) and a held-out part (30 %, seeded);
* invented press conferences and briefings in ``bench/data/press_briefings.json``, where
  claims are rare (two texts to tune, two held out): claim sentence scores;
* the program's own sample documents with hand annotations (``tests/data/
  sample_gold.jsonl``): entities (the program's labels, exact and overlap) and claims;
* the example articles of the shared corpus, when present: the share of sentences
  suggested as claims (no gold there, so no score).

Beside the claim rules it scores the one-line baseline "the sentence has a number, a date
or a name" (a digit, or an entity suggested by the entity rules with a label of a number,
a date, a person, an organisation, a place or a nationality).

``--quick`` scores the sample documents and the press conferences only (no development
data needed). The development data folder is ``../shared/dev-data`` beside the checkout or
``$UNANNOTATE_DEV_DATA``; when it is missing those parts are left out and said so.

Usage: .venv/bin/python bench/rules_quality.py [--quick] [--dev-data DIR]

Human-readable lines first; the last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import devdata  # a sibling module of the benchmarks
from machine import cpu_model

from unannotate.core.offsets import sentences
from unannotate.nlp.base import SuggesterInput, create

ENTITIES = "unannotate.entities.rules.v1"
CLAIMS = "unannotate.claims.rules.v1"
SEED = 1
RE3D_HELD_OUT = 0.5  # of each source's documents
CLAIMBUSTER_HELD_OUT = 0.3
BRIEFINGS = Path(__file__).resolve().parent / "data" / "press_briefings.json"
CORPUS = devdata.REPO.parent / "shared" / "corpus"
# Entity labels that make a sentence a claim for the baseline.
BASELINE_LABELS = frozenset({"CARDINAL", "MONEY", "PERCENT", "QUANTITY", "DATE", "TIME",
                             "PERSON", "ORG", "GPE", "LOC", "NORP"})
_DIGIT = re.compile(r"\d")

Spans = list[tuple[int, int, str]]


# -- running the suggesters ------------------------------------------------------------------

def entity_spans(texts: Sequence[str]) -> list[Spans]:
    suggester = create(ENTITIES)
    inputs = [SuggesterInput(i, text) for i, text in enumerate(texts)]
    return [[(s.start, s.end, s.label) for s in found] for _, found in suggester.suggest(inputs)]


def claim_spans(texts: Sequence[str]) -> list[list[tuple[int, int]]]:
    suggester = create(CLAIMS)
    inputs = [SuggesterInput(i, text) for i, text in enumerate(texts)]
    return [[(s.start, s.end) for s in found] for _, found in suggester.suggest(inputs)]


def baseline_sentences(text: str, entities: Spans) -> list[bool]:
    """Per sentence of ``text``: whether it has a digit or a number, date or name entity."""
    flags = []
    for start, end in sentences(text):
        flags.append(bool(_DIGIT.search(text, start, end)) or any(
            label in BASELINE_LABELS and s < end and start < e for s, e, label in entities))
    return flags


# -- printing --------------------------------------------------------------------------------

def show_entities(title: str, scores: dict[str, dict], exact: dict[str, dict]) -> None:
    print(f"\n{title}")
    print(f"  {'label':18} {'P':>6} {'R':>6} {'F1':>6}   {'exact F1':>8}  {'gold':>5} "
          f"{'suggested':>9}")
    for label, s in scores.items():
        print(f"  {label:18} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f}   "
              f"{exact[label]['f1']:8.3f}  {s['gold']:5d} {s['predicted']:9d}")


def show_claims(title: str, rows: dict[str, dict]) -> None:
    print(f"\n{title}")
    for name, s in rows.items():
        print(f"  {name:24} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}  "
              f"({s['gold']} claims in {s['sentences']} sentences, {s['predicted']} suggested)")


# -- the parts -------------------------------------------------------------------------------

def score_documents(documents: Sequence[tuple[str, Spans]], *, map_labels: bool = True
                    ) -> tuple[dict, dict]:
    predicted = entity_spans([text for text, _ in documents])
    gold = [spans for _, spans in documents]
    return (devdata.score_entities(gold, predicted, overlap=True, map_labels=map_labels),
            devdata.score_entities(gold, predicted, overlap=False, map_labels=map_labels))


def re3d_part(root: Path, figures: dict) -> None:
    tune: list[tuple[str, Spans]] = []
    held: list[tuple[str, Spans]] = []
    for source in devdata.RE3D_SOURCES:
        docs = devdata.load_re3d(devdata.re3d_dir(source, root))
        a, b = devdata.split_held_out(docs, RE3D_HELD_OUT, SEED)
        tune += a
        held += b
    for name, docs in (("tune", tune), ("held_out", held)):
        overlap, exact = score_documents(docs)
        show_entities(f"re3d news and encyclopedia, {name.replace('_', '-')} half "
                      f"({len(docs)} documents): entities by overlap", overlap, exact)
        figures[f"re3d_{name}_overlap_f1"] = overlap["overall"]["f1"]
        figures[f"re3d_{name}_exact_f1"] = exact["overall"]["f1"]
        figures[f"re3d_{name}_per_label"] = {k: v["f1"] for k, v in overlap.items()}
    overlap, exact = score_documents(tune + held)
    print(f"\n  all {len(tune) + len(held)} re3d documents: overlap F1 "
          f"{overlap['overall']['f1']:.3f}, exact F1 {exact['overall']['f1']:.3f}")
    figures["re3d_all_overlap_f1"] = overlap["overall"]["f1"]
    figures["re3d_all_exact_f1"] = exact["overall"]["f1"]


def claim_rows(texts: Sequence[str], gold: Sequence[bool]) -> dict[str, dict]:
    """Rules and baseline on short texts (one ClaimBuster item each)."""
    found = claim_spans(texts)
    rules = [devdata.text_is_claim(text, spans) for text, spans in zip(texts, found, strict=True)]
    entities = entity_spans(texts)
    baseline = [any(baseline_sentences(text, spans))
                for text, spans in zip(texts, entities, strict=True)]
    return {"claim rules": devdata.score_claim_sentences(gold, rules),
            "baseline (number/date/name)": devdata.score_claim_sentences(gold, baseline)}


def claimbuster_part(root: Path, figures: dict) -> None:
    items = devdata.load_claimbuster(devdata.claimbuster_path(root))
    tune, held = devdata.split_held_out(items, CLAIMBUSTER_HELD_OUT, SEED)
    for name, part in (("tune", tune), ("held_out", held)):
        rows = claim_rows([t for t, _ in part], [c for _, c in part])
        show_claims(f"ClaimBuster debate sentences, {name.replace('_', '-')} part "
                    f"({len(part)} sentences): claims per sentence", rows)
        figures[f"debate_{name}_claims_f1"] = rows["claim rules"]["f1"]
        figures[f"debate_{name}_claims_precision"] = rows["claim rules"]["precision"]
        figures[f"debate_{name}_claims_recall"] = rows["claim rules"]["recall"]
        figures[f"debate_{name}_baseline_f1"] = rows["baseline (number/date/name)"]["f1"]


def document_claims(documents: Sequence[tuple[str, list[tuple[int, int]]]]) -> dict[str, dict]:
    """Rules and baseline on whole documents, per sentence."""
    texts = [text for text, _ in documents]
    found = claim_spans(texts)
    entities = entity_spans(texts)
    gold_flags: list[bool] = []
    rule_flags: list[bool] = []
    base_flags: list[bool] = []
    for (text, gold), spans, ents in zip(documents, found, entities, strict=True):
        g, p = devdata.document_claim_sentences(text, gold, spans)
        gold_flags += g
        rule_flags += p
        base_flags += baseline_sentences(text, ents)
    return {"claim rules": devdata.score_claim_sentences(gold_flags, rule_flags),
            "baseline (number/date/name)": devdata.score_claim_sentences(gold_flags, base_flags)}


def briefings_part(figures: dict) -> None:
    data = json.loads(BRIEFINGS.read_text(encoding="utf-8"))
    parts: dict[str, list[tuple[str, list[tuple[int, int]]]]] = {"tune": [], "held-out": []}
    for record in data["texts"]:
        text = record["text"]
        claims = []
        for claim in record["claims"]:
            at = text.find(claim)
            if at < 0:
                raise SystemExit(f"{BRIEFINGS}: claim not in its text: {claim!r}")
            claims.append((at, at + len(claim)))
        parts[record["part"]].append((text, claims))
    for name, documents in parts.items():
        rows = document_claims(documents)
        show_claims(f"Press conferences, claims rare, {name} ({len(documents)} texts): "
                    "claims per sentence", rows)
        key = name.replace("-", "_")
        figures[f"rare_{key}_claims_f1"] = rows["claim rules"]["f1"]
        figures[f"rare_{key}_claims_precision"] = rows["claim rules"]["precision"]
        figures[f"rare_{key}_baseline_f1"] = rows["baseline (number/date/name)"]["f1"]


def samples_part(figures: dict) -> None:
    records = devdata.load_sample_gold()
    documents = [(text, entities) for _, text, entities, _ in records]
    overlap, exact = score_documents(documents, map_labels=False)
    show_entities(f"Sample documents ({len(records)}, written for the program; the rules were "
                  "written on them): entities", overlap, exact)
    figures["samples_entities_overlap_f1"] = overlap["overall"]["f1"]
    figures["samples_entities_exact_f1"] = exact["overall"]["f1"]
    rows = document_claims([(text, claims) for _, text, _, claims in records])
    show_claims("Sample documents: claims per sentence", rows)
    figures["samples_claims_f1"] = rows["claim rules"]["f1"]
    figures["samples_baseline_f1"] = rows["baseline (number/date/name)"]["f1"]


def corpus_part(figures: dict) -> None:
    files = sorted(CORPUS.glob("*.txt")) if CORPUS.is_dir() else []
    if not files:
        print(f"\n(no example articles in {CORPUS}: left out)")
        return
    print("\nExample articles (no gold): share of sentences suggested as claims")
    texts = [path.read_text(encoding="utf-8") for path in files]
    for path, text, spans in zip(files, texts, claim_spans(texts), strict=True):
        flags = devdata.claim_sentences(text, spans)
        print(f"  {path.name}: {sum(flags)} of {len(flags)} sentences "
              f"({sum(flags) / max(1, len(flags)):.0%})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="the sample documents and press conferences only")
    parser.add_argument("--dev-data", type=Path, default=None,
                        help="the development data folder (default: ../shared/dev-data)")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    print(f"rules on unseen text; {cpu_model()}; Python {sys.version.split()[0]}")
    figures: dict = {}
    samples_part(figures)
    briefings_part(figures)
    if not args.quick:
        root = args.dev_data or devdata.dev_data_dir()
        if root.is_dir():
            re3d_part(root, figures)
            claimbuster_part(root, figures)
        else:
            print(f"\n(no development data in {root}: re3d and ClaimBuster left out)")
        corpus_part(figures)
    figures["seconds"] = round(time.perf_counter() - began, 2)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
