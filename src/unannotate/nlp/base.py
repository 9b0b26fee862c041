"""The suggester interface and the registry of suggesters by versioned name.

A suggester turns document texts into proposed spans. Each is registered under a
versioned name (``unannotate.entities.rules.v1``) so that every stored suggestion can
name exactly what produced it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from ..core.errors import UnannotateError
from ..core.model import LabelKind, Suggestion


class SuggesterError(UnannotateError):
    """A suggester cannot run: a missing pipeline, a pipeline without ``ner``, an
    unknown language. The message says what to install or choose."""


@dataclass(frozen=True)
class SuggesterInput:
    """One document to suggest for. ``key`` comes back with its suggestions."""

    key: Any
    text: str
    language: str = "en"


@dataclass(frozen=True)
class SuggesterInfo:
    """What produced a suggestion: stored with every suggestions layer."""

    name: str  # versioned, e.g. "unannotate.entities.rules.v1"
    kind: LabelKind  # what it proposes: entities or claims
    pipeline: str | None = None  # spaCy pipeline name when one was used, e.g. "en_core_web_sm"
    pipeline_version: str | None = None
    spacy_version: str | None = None

    @property
    def layer_name(self) -> str:
        """The name of the suggestions layer holding this suggester's output."""
        if self.pipeline:
            return f"{self.name}:{self.pipeline}-{self.pipeline_version or '?'}"
        return self.name


class Suggester(Protocol):
    info: SuggesterInfo

    def suggest(
        self, docs: Iterable[SuggesterInput], *, batch_size: int = 64, n_process: int = 1
    ) -> Iterator[tuple[Any, list[Suggestion]]]:
        """Yield ``(key, suggestions)`` for each input, in input order.

        Offsets are code-point indices into the input text."""
        ...


SuggesterFactory = Callable[..., Suggester]

_REGISTRY: dict[str, SuggesterFactory] = {}


def register(name: str) -> Callable[[SuggesterFactory], SuggesterFactory]:
    """Register a suggester factory under a versioned name."""

    def decorate(factory: SuggesterFactory) -> SuggesterFactory:
        if name in _REGISTRY and _REGISTRY[name] is not factory:
            raise ValueError(f"suggester {name!r} is registered twice")
        _REGISTRY[name] = factory
        return factory

    return decorate


def _load_builtin() -> None:
    # Importing the modules registers their suggesters.
    from . import claim_rules, entity_rules, entity_spacy  # noqa: F401


def registered() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def create(name: str, **config: Any) -> Suggester:
    """Build the suggester registered as ``name`` with ``config`` (for example ``model=``)."""
    _load_builtin()
    try:
        factory = _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise SuggesterError(f"no suggester named {name!r}; known: {known}") from None
    return factory(**config)
