"""Running suggesters into their own layers: resumable, interruptible, never touching decisions."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from unannotate.core.model import LabelKind, Suggestion
from unannotate.nlp.base import SuggesterInfo, SuggesterInput
from unannotate.services.decisions import Decider
from unannotate.services.importing import import_paths
from unannotate.services.project import Project, open_project
from unannotate.services.suggesting import build_suggesters, default_suggester_names, run_suggester
from unannotate.storage.schema import (
    DocumentRow,
    EventRow,
    LabelRow,
    LayerRow,
    SpanRow,
    SuggestedDocumentRow,
)

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
    ana = Decider(project, "ana")
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
        assert report.documents == 15 and not report.dropped
    with project.db.read() as session:
        by_layer = dict(session.execute(
            select(LayerRow.name, func.count()).join(SpanRow, SpanRow.layer_id == LayerRow.id)
            .group_by(LayerRow.name)).all())
    assert by_layer["unannotate.entities.rules.v1"] > 300
    assert by_layer["unannotate.claims.rules.v1"] > 50


class Many:
    """A suggester that proposes every four-letter word of each text, as given."""

    def __init__(self, extra: list[tuple[Any, Any]] | None = None) -> None:
        self.info = SuggesterInfo(name="test.many.v1", kind=LabelKind.ENTITY)
        self.extra = extra or []  # (start, end) pairs added to each document, fitting or not

    def suggest(self, docs, *, batch_size=64, n_process=1):  # type: ignore[no-untyped-def]
        for doc in docs:
            found = [Suggestion(m.start(), m.end(), "ORG" if m.start() % 2 else "GPE",
                                None if m.start() % 3 else 0.25, f"word {m.group()}")
                     for m in re.finditer(r"\b\w{4}\b", doc.text)]
            found += [Suggestion(start, end, "ORG", None, "extra") for start, end in self.extra]
            yield doc.key, found


def _stored(project: Project, layer: str) -> list[tuple[Any, ...]]:
    with project.db.read() as session:
        return list(session.execute(
            select(SpanRow.document_id, SpanRow.start, SpanRow.end, LabelRow.name, SpanRow.state,
                   SpanRow.score, SpanRow.reason, SpanRow.source_id, SpanRow.version)
            .join(LabelRow, LabelRow.id == SpanRow.label_id)
            .join(LayerRow, LayerRow.id == SpanRow.layer_id)
            .where(LayerRow.name == layer).order_by(SpanRow.id)).all())


def test_stored_rows_are_what_the_suggester_gave(project: Project, tmp_path: Path) -> None:
    """Hundreds of spans per transaction (several insert statements each): every one
    stored in order, with one timestamp per transaction on the spans and the done records."""
    texts = [" ".join(f"w{n:03d}" for n in range(k, k + 300)) for k in (0, 300, 600)]
    for n, body in enumerate(texts):
        (tmp_path / f"{n}.txt").write_text(body, encoding="utf-8")
    import_paths(project, [tmp_path])
    report = run_suggester(project, Many(), commit_every=2)
    with project.db.read() as session:
        keys = dict(session.execute(select(DocumentRow.text, DocumentRow.id)).all())
    expected = [(keys[body], s.start, s.end, s.label, "suggested", s.score, s.reason, None, 1)
                for body in texts for _, found in Many().suggest([SuggesterInput(0, body)])
                for s in found]
    assert len(expected) == 900 and report.spans == {"ORG": 450, "GPE": 450}
    assert _stored(project, "test.many.v1") == expected
    with project.db.read() as session:
        ids = list(session.scalars(select(SpanRow.id).order_by(SpanRow.id)))
        stamps = session.execute(text(
            "SELECT s.created_at, s.updated_at, d.at FROM spans s JOIN suggested_documents d"
            " ON d.document_id = s.document_id AND d.layer_id = s.layer_id")).all()
    assert ids == list(range(ids[0], ids[0] + 900))
    assert all(created == updated == at for created, updated, at in stamps)
    assert len({created for created, _, _ in stamps}) == 2  # two transactions


def test_offsets_that_do_not_fit_are_dropped_and_counted(project: Project,
                                                         tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Kenya and UNICEF", encoding="utf-8")
    import_paths(project, [tmp_path])
    bad: list[tuple[Any, Any]] = [(0, 17), (3, 3), (-1, 2), (True, 2), (0, 2.0), (5, 2)]
    report = run_suggester(project, Many(extra=[*bad, (0, 16)]))
    assert report.dropped == len(bad)
    assert [(start, end) for _, start, end, *_ in _stored(project, "test.many.v1")] == [(0, 16)]


class ObjectsOnly:
    """A built-in suggester seen through ``suggest`` alone: its ``Suggestion`` objects."""

    def __init__(self, name: str) -> None:
        self.inner = build_suggesters([name])[0]
        self.info = self.inner.info

    def suggest(self, docs, *, batch_size=64, n_process=1):  # type: ignore[no-untyped-def]
        return self.inner.suggest(docs, batch_size=batch_size, n_process=n_process)


@pytest.mark.parametrize("n_process", [1, 2])
def test_rows_and_objects_store_the_same(project: Project, tmp_path: Path,
                                         n_process: int) -> None:
    """The built-in suggesters' plain rows store exactly what their objects store."""
    import_paths(project, [DATA])
    other = open_project(tmp_path / "objects.db")
    try:
        import_paths(other, [DATA])
        for name in default_suggester_names():
            run_suggester(project, build_suggesters([name])[0], n_process=n_process,
                          commit_every=3)
            run_suggester(other, ObjectsOnly(name), commit_every=3)
            assert _stored(project, name) == _stored(other, name)
            assert _stored(project, name)
    finally:
        other.close()


@pytest.mark.parametrize("documents", [3, 4])
def test_a_finished_run_is_recorded_once(project: Project, tmp_path: Path,
                                         documents: int) -> None:
    """Also when the last commit came just before the documents ran out."""
    for n in range(documents):
        (tmp_path / f"{n}.txt").write_text(f"Doc{n} text here.", encoding="utf-8")
    import_paths(project, [tmp_path])
    run_suggester(project, Fake(), commit_every=2)
    with project.db.read() as session:
        events = list(session.scalars(select(EventRow.after).where(EventRow.kind == "suggest")))
    assert events == [{"documents": documents, "spans": documents}]
