"""Editing the label scheme: names, kinds, colours, keys and guidance."""

from __future__ import annotations

from ..core.model import Label
from ..storage import labels as label_store
from .project import Project


def save_scheme(project: Project, labels: list[Label]) -> None:
    """Store the scheme in this order. Labels are never deleted here (spans may use them);
    a renamed label is a new label."""
    with project.db.session() as session:
        label_store.save_scheme(session, labels)
        project._label_ids = {}
