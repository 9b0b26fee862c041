"""What can suggest, for the command line: the spaCy pipelines installed here, the suggesters
by name, and a trained version written out as a pipeline folder. spaCy is imported only when
one of these is called."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .project import Project

if TYPE_CHECKING:
    from ..nlp.entity_spacy import ModelInfo


def installed_pipelines() -> list[ModelInfo]:
    """The spaCy pipeline packages installed in this environment, by name."""
    from ..nlp.entity_spacy import list_models

    return list_models()


def suggester_names() -> list[str]:
    """Every registered suggester's versioned name, sorted."""
    from ..nlp.base import registered

    return registered()


def export_trained(project: Project, version: str, out: Path) -> tuple[str, Path]:
    """Write the trained version ``version`` (an id, or a trained suggester's name for its
    newest version) to the folder ``out`` as a spaCy pipeline: its reference and the folder."""
    from ..nlp.trained import export_version
    from .training import model_store

    found = model_store(project).find(version)
    return found.reference, export_version(found, out)
