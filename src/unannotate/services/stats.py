"""Project statistics: documents, progress per annotator, spans per label and layer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..storage.layers import all_layers
from ..storage.stats import project_counts
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
        counts = project_counts(session)
        layers: dict[int, LayerCounts] = {
            layer.id: LayerCounts(layer.name, layer.kind.value) for layer in all_layers(session)}
    documents = counts.documents
    by_annotator: dict[str, dict[str, int]] = {name: {} for name in counts.annotators}
    for name, status, count in counts.statuses:
        by_annotator[name][status] = count
    progress = [
        AnnotatorProgress(
            annotator=name,
            done=found.get("done", 0),
            in_progress=found.get("in_progress", 0),
            todo=documents - found.get("done", 0) - found.get("in_progress", 0),
        )
        for name, found in by_annotator.items()
    ]
    for layer_id, label, state, count in counts.spans:
        layers[layer_id].labels.setdefault(label, {})[state] = count
    return ProjectStats(
        project=project.location,
        documents=documents,
        characters=counts.characters,
        languages=counts.languages,
        annotators=progress,
        layers=list(layers.values()),
    )
