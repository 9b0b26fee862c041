"""Project statistics: documents, progress per annotator, spans per label and layer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select

from ..storage.schema import (
    AnnotatorRow,
    DocumentRow,
    DocumentStatusRow,
    LabelRow,
    LayerRow,
    SpanRow,
)
from .project import Project


@dataclass
class AnnotatorProgress:
    annotator: str
    done: int
    in_progress: int
    todo: int


@dataclass
class LayerCounts:
    layer: str
    kind: str
    # label -> state -> count
    labels: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(sum(states.values()) for states in self.labels.values())


@dataclass
class ProjectStats:
    project: str
    documents: int
    characters: int
    languages: dict[str, int]
    annotators: list[AnnotatorProgress]
    layers: list[LayerCounts]

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        for layer, counts in zip(data["layers"], self.layers, strict=True):
            layer["total"] = counts.total
        return data


def project_stats(project: Project) -> ProjectStats:
    with project.db.read() as session:
        documents, characters = session.execute(
            select(func.count(DocumentRow.id), func.coalesce(func.sum(func.length(DocumentRow.text)), 0))
        ).one()
        languages = dict(
            session.execute(
                select(DocumentRow.language, func.count()).group_by(DocumentRow.language)
            ).all()
        )
        status_rows = session.execute(
            select(AnnotatorRow.name, DocumentStatusRow.status, func.count())
            .join(DocumentStatusRow, DocumentStatusRow.annotator_id == AnnotatorRow.id)
            .group_by(AnnotatorRow.name, DocumentStatusRow.status)
        )
        by_annotator: dict[str, dict[str, int]] = {
            name: {} for name in session.scalars(select(AnnotatorRow.name).order_by(AnnotatorRow.name))
        }
        for name, status, count in status_rows:
            by_annotator[name][status] = count
        progress = [
            AnnotatorProgress(
                annotator=name,
                done=counts.get("done", 0),
                in_progress=counts.get("in_progress", 0),
                todo=documents - counts.get("done", 0) - counts.get("in_progress", 0),
            )
            for name, counts in by_annotator.items()
        ]
        layers: dict[int, LayerCounts] = {
            layer_id: LayerCounts(name, kind)
            for layer_id, name, kind in session.execute(
                select(LayerRow.id, LayerRow.name, LayerRow.kind).order_by(LayerRow.id)
            )
        }
        span_rows = session.execute(
            select(SpanRow.layer_id, LabelRow.name, SpanRow.state, func.count())
            .join(LabelRow, LabelRow.id == SpanRow.label_id)
            .group_by(SpanRow.layer_id, LabelRow.name, SpanRow.state)
        )
        for layer_id, label, state, count in span_rows:
            layers[layer_id].labels.setdefault(label, {})[state] = count
    return ProjectStats(
        project=project.location,
        documents=documents,
        characters=int(characters),
        languages=languages,
        annotators=progress,
        layers=list(layers.values()),
    )
