"""Entity suggestions from an installed spaCy pipeline that has an ``ner`` component.

Only the pipeline the user names is loaded, by package name or folder, and nothing is
downloaded. Components ``ner`` does not need (tagger, parser, lemmatizer, ...) are excluded
so they neither load nor run; the ``tok2vec`` or ``transformer`` that ``ner`` listens to
stays, and so does an ``entity_ruler`` that writes entities. spaCy's ``ner`` gives no score
per entity, so suggestions carry none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import spacy
from spacy.language import Language

from ..core.model import LabelKind, Suggestion
from .base import SuggesterError, SuggesterInfo, SuggesterInput, register
from .parallel import suggest_in_processes

T = TypeVar("T")

NAME = "unannotate.entities.spacy.v1"

# Components that write doc.ents next to (or instead of) a trained ner.
_ENTITY_WRITERS = {"entity_ruler", "span_ruler", "ner", "beam_ner"}
_EMBEDDERS = {"tok2vec", "transformer", "curated_transformer"}


@dataclass(frozen=True)
class ModelInfo:
    """An installed spaCy pipeline package, read from its meta without loading weights."""

    name: str
    version: str
    lang: str
    components: list[str] = field(default_factory=list)
    has_ner: bool = False
    path: str = ""


def list_models() -> list[ModelInfo]:
    """The spaCy pipeline packages installed in this environment."""
    out = []
    for name in sorted(spacy.util.get_installed_models()):
        try:
            path = spacy.util.get_package_path(name)
            meta = spacy.util.get_model_meta(path)
        except Exception:  # a broken package must not hide the others
            continue
        components = list(meta.get("components") or meta.get("pipeline") or [])
        version = meta.get("version") or spacy.util.get_package_version(name) or "?"
        out.append(
            ModelInfo(
                name=name,
                version=str(version),
                lang=str(meta.get("lang", "")),
                components=components,
                has_ner="ner" in components,
                path=str(path),
            )
        )
    return out


def _not_installed(model: str) -> SuggesterError:
    return SuggesterError(
        f"spaCy pipeline '{model}' is not installed. Install it with: "
        f"python -m spacy download {model}, or give a path to a pipeline folder"
    )


def _pipeline_dir(model: str) -> Path:
    """The folder holding the pipeline's config.cfg: the given folder, or the data folder
    inside an installed package."""
    path = Path(model).expanduser()
    looks_like_path = (path.exists() or any(sep in model for sep in ("/", "\\"))
                       or model.startswith("."))
    if looks_like_path:
        if not path.exists():
            raise SuggesterError(f"spaCy pipeline folder '{model}' does not exist")
        if not (path / "config.cfg").is_file():
            raise SuggesterError(f"'{model}' is not a spaCy pipeline folder: it has no config.cfg")
        return path
    if not spacy.util.is_package(model):
        raise _not_installed(model)
    package = spacy.util.get_package_path(model)
    if (package / "config.cfg").is_file():
        return package
    for config in sorted(package.glob("*/config.cfg")):
        return config.parent
    raise SuggesterError(f"spaCy pipeline package '{model}' has no config.cfg")


def _components_to_keep(config: Any) -> tuple[list[str], set[str]]:
    """All components of the pipeline, and those ``ner`` needs to run."""
    pipeline = list(config["nlp"]["pipeline"])
    settings = config.get("components", {})

    def factory(name: str) -> str:
        # A component copied from another pipeline ("source") names no factory: its name
        # usually is one ("ner", "tok2vec").
        comp = settings.get(name, {})
        return str(comp.get("factory") or name)

    keep = {name for name in pipeline if name == "ner" or factory(name) in _ENTITY_WRITERS}
    for name in list(keep):
        model = settings.get(name, {}).get("model", {})
        embedding = model.get("tok2vec", {}) if isinstance(model, dict) else {}
        architecture = (str(embedding.get("@architectures", ""))
                        if isinstance(embedding, dict) else "")
        if "Listener" in architecture:
            upstream = embedding.get("upstream", "*")
            if upstream == "*":
                keep |= {n for n in pipeline if factory(n) in _EMBEDDERS}
            else:
                keep.add(str(upstream))
    return pipeline, keep


def load_for_ner(model: str) -> Language:
    """Load ``model`` (package name or folder) with only what its ``ner`` needs."""
    folder = _pipeline_dir(model)
    try:
        config = spacy.util.load_config(folder / "config.cfg")
    except Exception as exc:
        raise SuggesterError(f"spaCy pipeline '{model}' has an unreadable config: {exc}") from None
    pipeline, keep = _components_to_keep(config)
    if "ner" not in pipeline:
        raise SuggesterError(
            f"spaCy pipeline '{model}' has no 'ner' component; its components are: "
            f"{', '.join(pipeline) or 'none'}"
        )
    exclude = [name for name in pipeline if name not in keep]
    try:
        return spacy.load(folder, exclude=exclude)
    except OSError as exc:
        raise SuggesterError(f"spaCy pipeline '{model}' could not be loaded: {exc}") from None
    except (ImportError, ValueError, KeyError) as exc:
        raise SuggesterError(f"spaCy pipeline '{model}' could not be loaded: {exc}") from None


# A statistical ner reads a long text in pieces of at most this many characters: spaCy's
# ner holds its whole input's features at once (a 50,000-word document read whole took
# 940 MB more, in pieces of 20,000 characters 340 MB, of 5,000 130 MB, in the same time),
# and what it finds depends on a few words around each token, not on the rest of the text.
NER_PIECE_CHARS = 5_000


def by_length(items: Iterable[T], length: Callable[[T], int], most: int,
              limit: int = NER_PIECE_CHARS) -> Iterator[list[T]]:
    """``items`` in batches of at most ``most`` items and, past a batch's first, ``limit``
    characters (``length`` of an item): what a ``ner`` reads at once."""
    batch: list[T] = []
    size = 0
    for item in items:
        if batch and (len(batch) >= most or size + length(item) > limit):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += length(item)
    if batch:
        yield batch


def ner_pieces(text: str, limit: int) -> list[tuple[str, int]]:
    """:func:`_pieces` with at most :data:`NER_PIECE_CHARS` characters (``limit``: the
    pipeline's ``max_length``)."""
    return _pieces(text, min(limit, NER_PIECE_CHARS))


def _pieces(text: str, limit: int) -> list[tuple[str, int]]:
    """Cut a text longer than ``limit`` into pieces, with each piece's offset in the text: at
    a line break in the second half of a piece, else after a sentence's full stop, else at
    a space (else at the limit)."""
    if len(text) <= limit:
        return [(text, 0)]
    out = []
    start = 0
    while start < len(text):
        end = min(len(text), start + limit)
        if end < len(text):
            half = start + limit // 2
            cut = text.rfind("\n", half, end)
            if cut < 0:
                stop = text.rfind(". ", half, end)
                cut = stop + 1 if stop >= 0 else -1
            if cut < 0:
                cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
            end = cut + 1 if cut > start else end
        out.append((text[start:end], start))
        start = end
    return out


@register(NAME)
class SpacyEntitySuggester:
    """Entities from the ``ner`` of an installed or saved spaCy pipeline."""

    def __init__(self, model: str) -> None:
        if not model:
            raise SuggesterError("give the name or folder of a spaCy pipeline with 'ner'")
        self.model = model
        self.nlp = load_for_ner(model)
        meta = self.nlp.meta
        self.info = SuggesterInfo(
            name=NAME,
            kind=LabelKind.ENTITY,
            pipeline=f"{meta.get('lang', self.nlp.lang)}_{meta.get('name', 'pipeline')}",
            pipeline_version=str(meta.get("version", "")) or None,
            spacy_version=spacy.__version__,
        )

    def suggest(
        self, docs: Iterable[SuggesterInput], *, batch_size: int = 64, n_process: int = 1
    ) -> Iterator[tuple[Any, list[Suggestion]]]:
        batch_size = max(1, batch_size)
        yield from suggest_in_processes(self, NAME, {"model": self.model}, docs,
                                        n_process=n_process, batch_size=batch_size,
                                        window=batch_size * 16)

    def suggest_here(
        self, items: list[SuggesterInput], batch_size: int
    ) -> list[tuple[Any, list[Suggestion]]]:
        """Suggestions for ``items`` computed in this process, in input order."""
        pieces = [(index, piece, offset)
                  for index, item in enumerate(items)
                  for piece, offset in ner_pieces(item.text, self.nlp.max_length)]
        results: list[list[Suggestion]] = [[] for _ in items]
        read = (doc for batch in by_length((piece for _, piece, _ in pieces), len, batch_size)
                for doc in self.nlp.pipe(batch, batch_size=len(batch)))
        for (index, piece, offset), doc in zip(pieces, read):
            text = items[index].text
            for ent in doc.ents:
                start, end = offset + ent.start_char, offset + ent.end_char
                if text[start:end] != ent.text:  # never store offsets that do not fit
                    continue
                results[index].append(Suggestion(
                    start=start, end=end, label=ent.label_, score=None,
                    reason=f"spaCy ner: {self.info.pipeline}"))
        return [(item.key, suggestions) for item, suggestions in zip(items, results)]
