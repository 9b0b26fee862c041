"""Running suggesters into their own layers: resumable, interruptible, never touching decisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from unannotate.core.model import LabelKind, Suggestion
from unannotate.nlp.base import SuggesterInfo
from unannotate.services.decisions import Reviewer
from unannotate.services.importing import import_paths
from unannotate.services.project import Project
from unannotate.services.suggesting import build_suggesters, run_suggester
from unannotate.storage.schema import LayerRow, SpanRow, SuggestedDocumentRow

DATA = Path(__file__).resolve().parents[1] / "data"


class Fake:
    """A suggester that proposes the first word of each text, and can fail midway."""

    def __init__(self, name: str = "test.fake.v1", fail_after: int | None = None) -> None:
        self.info = SuggesterInfo(name=name, kind=LabelKind.ENTITY)
        self.fail_after = fail_after

    def suggest(self, docs, *, batch_size=64, n_process=1):  # type: ignore[no-untyped-def]
        for n, doc in enumerate(docs):
            if self.fail_after is not None and n >= self.fail_after:
                raise KeyboardInterrupt
            word = doc.text.split()[0]
            yield doc.key, [Suggestion(0, len(word), "ORG", 0.5, "first word")]


def _count(project: Project, table) -> int:  # type: ignore[no-untyped-def]
    with project.db.read() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_interrupted_run_keeps_finished_documents_and_resumes(project: Project,
                                                              tmp_path: Path) -> None:
    for n in range(7):
        (tmp_path / f"{n}.txt").write_text(f"Doc{n} text here.", encoding="utf-8")
    import_paths(project, [tmp_path])
    with pytest.raises(KeyboardInterrupt):
        run_suggester(project, Fake(fail_after=5), commit_every=2)
    assert _count(project, SuggestedDocumentRow) == 4  # two commits of two; none half-written
    assert _count(project, SpanRow) == 4
    report = run_suggester(project, Fake(), commit_every=2)
    assert (report.documents, report.already) == (3, 4)
    assert _count(project, SpanRow) == 7
    assert run_suggester(project, Fake()).documents == 0


def test_a_new_version_adds_a_layer_and_leaves_decisions(project: Project, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("UNICEF said so.", encoding="utf-8")
    import_paths(project, [tmp_path])
    run_suggester(project, Fake())
    ana = Reviewer(project, "ana")
    (suggestion,) = ana.pending(1)
    ana.accept(suggestion.id)
    run_suggester(project, Fake(name="test.fake.v2"))
    with project.db.read() as session:
        layers = list(session.scalars(select(LayerRow.name).where(LayerRow.kind == "suggestions")))
    assert layers == ["test.fake.v1", "test.fake.v2"]
    assert [s.source_id for s in ana.spans(1)] == [suggestion.id]


def test_built_in_suggesters_on_the_sample_project(project: Project) -> None:
    import_paths(project, [DATA])
    for suggester in build_suggesters():
        report = run_suggester(project, suggester)
        assert report.documents == 10 and not report.dropped
    with project.db.read() as session:
        by_layer = dict(session.execute(
            select(LayerRow.name, func.count()).join(SpanRow, SpanRow.layer_id == LayerRow.id)
            .group_by(LayerRow.name)).all())
    assert by_layer["unannotate.entities.rules.v1"] > 300
    assert by_layer["unannotate.claims.rules.v1"] > 50
