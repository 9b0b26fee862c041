"""Domain types: label, span, suggestion, a document read from a file; their kinds and states.

Offsets are Python code-point indices into the exact stored text, ``[start, end)``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .errors import OffsetError


class LabelKind(StrEnum):
    ENTITY = "entity"
    CLAIM = "claim"


# The one label of claims: what every suggester, reader and writer of claims calls them.
CLAIM_LABEL = "CLAIM"


class LayerKind(StrEnum):
    SUGGESTIONS = "suggestions"
    ANNOTATOR = "annotator"
    GOLD = "gold"


class SpanState(StrEnum):
    """Suggestions are ``suggested``; in an annotator's or the gold layer a span is an
    ``accepted`` annotation or a ``rejected`` record of a suggestion turned down."""

    SUGGESTED = "suggested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class DocumentStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


def text_sha256(text: str) -> str:
    """The identity of a document: SHA-256 of its exact text in UTF-8.

    ``surrogatepass`` keeps texts holding lone surrogates hashable rather than crashing."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def check_bounds(length: int, start: int, end: int) -> None:
    """Offsets must be whole numbers with ``0 <= start < end <= length``."""
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) \
            or isinstance(end, bool):
        raise OffsetError(f"offsets must be whole numbers, got {start!r}, {end!r}")
    if not 0 <= start < end <= length:
        raise OffsetError(f"span [{start}, {end}) does not fit a text of {length} characters")


def check_offsets(text: str, start: int, end: int, expected: str | None = None) -> str:
    """Return ``text[start:end]`` after checking that the offsets fit the text.

    When ``expected`` is given, the slice must equal it exactly."""
    check_bounds(len(text), start, end)
    piece = text[start:end]
    if expected is not None and piece != expected:
        raise OffsetError(
            f"span [{start}, {end}) covers {piece!r}, not the expected {expected!r}"
        )
    return piece


@dataclass(frozen=True)
class Label:
    name: str
    kind: LabelKind = LabelKind.ENTITY
    colour: str = "#cccccc"
    key: str = ""
    description: str = ""

    @property
    def is_claim(self) -> bool:
        return self.kind is LabelKind.CLAIM


@dataclass(frozen=True)
class NewDocument:
    """A document read from a file, not yet stored."""

    text: str
    title: str
    source: str
    meta: dict[str, Any] = field(default_factory=dict)
    language: str | None = None
    line: int | None = None  # line of the source file it came from, for JSONL

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)


@dataclass(frozen=True)
class Layer:
    id: int
    kind: LayerKind
    name: str
    annotator: str | None = None  # an annotator's layer: their name, and their id
    suggester: str | None = None
    pipeline: str | None = None
    pipeline_version: str | None = None
    spacy_version: str | None = None
    annotator_id: int | None = None


@dataclass(frozen=True)
class Span:
    """A span as stored: a suggestion, an annotation, or a rejection record."""

    id: int
    document_id: int
    layer_id: int
    start: int
    end: int
    label: str
    state: SpanState
    score: float | None = None
    reason: str = ""
    source_id: int | None = None  # the suggestion (or colleague's span) it came from
    version: int = 1


@dataclass(frozen=True)
class Suggestion:
    """One proposed span from a suggester, before it is stored."""

    start: int
    end: int
    label: str
    score: float | None = None
    reason: str = ""
