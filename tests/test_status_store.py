"""Statuses written in bulk: raised, never lowered, in a few statements however many."""

from __future__ import annotations

import hashlib

from sqlalchemy import event, select

from unannotate.core.model import DocumentStatus
from unannotate.services.project import Project
from unannotate.storage import status as status_store
from unannotate.storage.documents import add_documents
from unannotate.storage.layers import annotator_id
from unannotate.storage.schema import DocumentRow, DocumentStatusRow, ReviewStatusRow

DONE, IN_PROGRESS, TODO = DocumentStatus.DONE, DocumentStatus.IN_PROGRESS, DocumentStatus.TODO


def _documents(project: Project, count: int) -> list[int]:
    texts = [f"Briefing {n}." for n in range(count)]
    with project.db.session() as unit:
        add_documents(unit, [{"sha256": hashlib.sha256(t.encode()).hexdigest(), "text": t,
                              "title": t, "meta": {}, "language": "en", "source": "t"}
                             for t in texts])
        return list(unit.scalars(select(DocumentRow.id).order_by(DocumentRow.id)))


def _statuses(project: Project) -> dict[tuple[int, int], str]:
    with project.db.read() as unit:
        return {(d, a): s for d, a, s in unit.execute(
            select(DocumentStatusRow.document_id, DocumentStatusRow.annotator_id,
                   DocumentStatusRow.status))}


def test_raised_never_lowered_and_what_changed_is_told(project: Project) -> None:
    docs = _documents(project, 4)
    with project.db.session() as unit:
        ana, ben = annotator_id(unit, "ana"), annotator_id(unit, "ben")
        assert status_store.raise_statuses(unit, {(docs[0], ana): DONE,
                                                  (docs[1], ana): IN_PROGRESS,
                                                  (docs[2], ana): IN_PROGRESS}) \
            == {(docs[0], ana), (docs[1], ana), (docs[2], ana)}
    with project.db.session() as unit:
        changed = status_store.raise_statuses(unit, {
            (docs[0], ana): IN_PROGRESS,  # done stays done
            (docs[1], ana): DONE,  # raised
            (docs[2], ana): IN_PROGRESS,  # as it is
            (docs[3], ben): DONE,  # new
        })
    assert changed == {(docs[1], ana), (docs[3], ben)}
    assert _statuses(project) == {(docs[0], ana): "done", (docs[1], ana): "done",
                                  (docs[2], ana): "in_progress", (docs[3], ben): "done"}
    with project.db.session() as unit:
        assert status_store.raise_statuses(unit, {}) == set()


def test_many_documents_take_a_few_statements(project: Project) -> None:
    docs = _documents(project, 1200)
    with project.db.session() as unit:
        ana = annotator_id(unit, "ana")
        status_store.raise_statuses(unit, {(d, ana): IN_PROGRESS for d in docs[::2]})
    statements: list[str] = []

    def seen(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(project.db.engine, "before_cursor_execute", seen)
    try:
        with project.db.session() as unit:
            changed = status_store.raise_statuses(unit, {(d, ana): DONE for d in docs})
            status_store.reviews_done(unit, docs[:700])
    finally:
        event.remove(project.db.engine, "before_cursor_execute", seen)
    assert len(changed) == 1200
    assert set(_statuses(project).values()) == {"done"}
    with project.db.read() as unit:
        reviewed = dict(unit.execute(select(ReviewStatusRow.document_id,
                                            ReviewStatusRow.status)).all())
    assert reviewed == {d: "done" for d in docs[:700]}
    assert len(statements) < 20, statements


def test_a_review_already_there_is_made_done_and_others_are_left(project: Project) -> None:
    docs = _documents(project, 3)
    with project.db.session() as unit:
        unit.add(ReviewStatusRow(document_id=docs[0], status="in_progress"))
        unit.add(ReviewStatusRow(document_id=docs[2], status="in_progress"))
    with project.db.session() as unit:
        status_store.reviews_done(unit, [docs[0], docs[1], docs[1]])
        status_store.reviews_done(unit, [])
    with project.db.read() as unit:
        reviewed = dict(unit.execute(select(ReviewStatusRow.document_id,
                                            ReviewStatusRow.status)).all())
    assert reviewed == {docs[0]: "done", docs[1]: "done", docs[2]: "in_progress"}
