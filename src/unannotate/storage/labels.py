"""Repository functions on the label scheme."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from ..core.model import Label, LabelKind
from .database import Unit
from .schema import LabelRow


def all_labels(unit: Unit) -> list[Label]:
    """The scheme in its order."""
    rows = unit.scalars(select(LabelRow).order_by(LabelRow.position, LabelRow.id))
    return [Label(r.name, LabelKind(r.kind), r.colour, r.key, r.description) for r in rows]


def label_ids(unit: Unit) -> dict[str, int]:
    """Each label's id by its name."""
    return dict(unit.execute(select(LabelRow.name, LabelRow.id)).all())


def label_kinds(unit: Unit) -> dict[str, str]:
    """Each label's kind by its name."""
    return dict(unit.execute(select(LabelRow.name, LabelRow.kind)).all())


def add_labels(unit: Unit, labels: Sequence[Label]) -> list[str]:
    """Add the labels the scheme lacks (by name), after the others; the names added."""
    existing = set(unit.scalars(select(LabelRow.name)))
    position = len(existing)
    added = []
    for label in labels:
        if label.name in existing:
            continue
        unit.add(LabelRow(name=label.name, kind=label.kind.value, colour=label.colour,
                          key=label.key, description=label.description, position=position))
        position += 1
        existing.add(label.name)
        added.append(label.name)
    if added:
        unit.flush()
    return added


def save_scheme(unit: Unit, labels: Sequence[Label]) -> None:
    """Store the scheme in this order: labels are added or changed, never deleted."""
    rows = {row.name: row for row in unit.scalars(select(LabelRow))}
    for position, label in enumerate(labels):
        row = rows.get(label.name)
        if row is None:
            row = LabelRow(name=label.name)
            unit.add(row)
        row.kind = label.kind.value
        row.colour = label.colour
        row.key = label.key
        row.description = label.description
        row.position = position
