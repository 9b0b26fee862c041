"""Repository functions on the project row, annotators and layers."""

from __future__ import annotations

from sqlalchemy import select

from ..core.model import Layer, LayerKind
from .database import Unit
from .schema import AnnotatorRow, LayerRow, ProjectRow


def has_project_row(unit: Unit) -> bool:
    return unit.scalar(select(ProjectRow.id).limit(1)) is not None


def add_project_row(unit: Unit, name: str) -> None:
    unit.add(ProjectRow(name=name, settings={}))


def annotator_id(unit: Unit, name: str) -> int:
    """The id of the annotator called ``name``, created on first use."""
    found = unit.scalar(select(AnnotatorRow.id).where(AnnotatorRow.name == name))
    if found is not None:
        return found
    row = AnnotatorRow(name=name)
    unit.add(row)
    unit.flush()
    return row.id


def annotator_names(unit: Unit) -> list[str]:
    """Every annotator's name, in alphabetical order."""
    return list(unit.scalars(select(AnnotatorRow.name).order_by(AnnotatorRow.name)))


def annotators_with_layers(unit: Unit) -> list[str]:
    """The names of the annotators who have a layer, in the database's order of names."""
    return list(unit.scalars(
        select(AnnotatorRow.name).join(LayerRow, LayerRow.annotator_id == AnnotatorRow.id)
        .where(LayerRow.kind == LayerKind.ANNOTATOR.value).order_by(AnnotatorRow.name)))


def layer_id(unit: Unit, name: str, kind: LayerKind, **fields: object) -> int:
    """The id of the layer called ``name``, created with ``fields`` on first use."""
    found = unit.scalar(select(LayerRow.id).where(LayerRow.name == name))
    if found is not None:
        return found
    row = LayerRow(kind=kind.value, name=name, **fields)
    unit.add(row)
    unit.flush()
    return row.id


def all_layers(unit: Unit) -> list[Layer]:
    """Every layer in the order it was made, with its annotator's name."""
    rows = unit.execute(
        select(LayerRow.id, LayerRow.kind, LayerRow.name, AnnotatorRow.name, LayerRow.suggester,
               LayerRow.pipeline, LayerRow.pipeline_version, LayerRow.spacy_version,
               LayerRow.annotator_id)
        .outerjoin(AnnotatorRow, AnnotatorRow.id == LayerRow.annotator_id)
        .order_by(LayerRow.id))
    return [Layer(layer, LayerKind(kind), name, annotator, suggester, pipeline,
                  pipeline_version, spacy_version, annotator_id)
            for layer, kind, name, annotator, suggester, pipeline, pipeline_version,
            spacy_version, annotator_id in rows]
