"""Editing the label scheme: names, kinds, colours, keys and guidance."""

from __future__ import annotations

from sqlalchemy import select

from ..core.model import Label
from ..storage.schema import LabelRow
from .project import Project


def save_scheme(project: Project, labels: list[Label]) -> None:
    """Store the scheme in this order. Labels are never deleted here (spans may use them);
    a renamed label is a new label."""
    with project.db.session() as session:
        rows = {row.name: row for row in session.scalars(select(LabelRow))}
        for position, label in enumerate(labels):
            row = rows.get(label.name)
            if row is None:
                row = LabelRow(name=label.name)
                session.add(row)
            row.kind = label.kind.value
            row.colour = label.colour
            row.key = label.key
            row.description = label.description
            row.position = position
        project._label_ids = {}
