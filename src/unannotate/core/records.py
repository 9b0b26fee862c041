"""Small records the storage repositories hand to the services: plain, frozen, no rows."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProjectCounts:
    """What a project holds, counted."""

    documents: int
    characters: int
    languages: dict[str, int] = field(default_factory=dict)
    annotators: tuple[str, ...] = ()  # every annotator, in alphabetical order
    # (annotator, status, documents)
    statuses: tuple[tuple[str, str, int], ...] = ()
    # (layer id, label, state, spans)
    spans: tuple[tuple[int, str, str, int], ...] = ()
