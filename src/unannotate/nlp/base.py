"""The suggester interface and the registry of suggesters by versioned name.

A suggester turns document texts into proposed spans. Each is registered under a
versioned name (``unannotate.entities.rules.v1``) so that every stored suggestion can
name exactly what produced it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

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


# One suggestion as plain values, in the order of ``Suggestion``'s fields: start, end, label,
# score, reason. Thousands of these cross between processes and go to the database far
# cheaper than as objects.
SuggestionRow = tuple[int, int, str, float | None, str]


@runtime_checkable
class RowSuggester(Suggester, Protocol):
    """A suggester that also gives its suggestions as plain rows."""

    def suggest_rows(
        self, docs: Iterable[SuggesterInput], *, batch_size: int = 64, n_process: int = 1
    ) -> Iterator[tuple[Any, list[SuggestionRow]]]:
        """What ``suggest`` yields, each suggestion as a ``SuggestionRow``."""
        ...


def suggestion_rows(
    suggester: Suggester, docs: Iterable[SuggesterInput], *, batch_size: int = 64,
    n_process: int = 1,
) -> Iterator[tuple[Any, list[SuggestionRow]]]:
    """``(key, rows)`` for each input, in input order: straight from a suggester that makes
    rows, from its ``Suggestion`` objects otherwise."""
    if isinstance(suggester, RowSuggester):
        yield from suggester.suggest_rows(docs, batch_size=batch_size, n_process=n_process)
        return
    for key, found in suggester.suggest(docs, batch_size=batch_size, n_process=n_process):
        yield key, [(s.start, s.end, s.label, s.score, s.reason) for s in found]


def as_suggestions(
    results: Iterable[tuple[Any, list[SuggestionRow]]],
) -> Iterator[tuple[Any, list[Suggestion]]]:
    """Rows turned back into ``Suggestion`` objects, for ``suggest``."""
    for key, rows in results:
        yield key, [Suggestion(*row) for row in rows]


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
    from . import claim_rules, entity_rules, entity_spacy, trained  # noqa: F401


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
