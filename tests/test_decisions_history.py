"""Undo and redo from a history read once and advanced: bounded work per undo, and what
another writer appended to the same history is seen."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, insert

from unannotate.core.model import DocumentStatus
from unannotate.services import decisions
from unannotate.services.decisions import Decider
from unannotate.services.project import Project
from unannotate.storage.schema import DocumentRow

TEXT = "The Fund said the Council met in Geneva on Friday with delegates of forty states."


def _document(project: Project) -> int:
    with project.db.session() as session:
        return session.execute(insert(DocumentRow).returning(DocumentRow.id),
                               [{"sha256": "h" * 64, "text": TEXT, "meta": {}}]).scalar_one()


def _add_many(reviewer: Decider, doc: int, n: int) -> list[int]:
    """``n`` decisions, each a span of its own place."""
    ids = []
    for i in range(n):
        change = reviewer.add(doc, i, i + 3, "ORG" if i % 2 else "GPE")
        ids += list(change.span_ids)
    return ids


@contextmanager
def _statements(project: Project) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, *_):  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = project.db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _undo_statements(project: Project, doc: int, decided: int) -> int:
    reviewer = Decider(project, f"person{decided}")
    assert reviewer.can_undo() is False  # the history read once, while empty
    _add_many(reviewer, doc, decided)
    with _statements(project) as seen:
        assert reviewer.undo() is not None
    return len(seen)


def test_an_undo_runs_the_same_few_statements_after_3_or_40_decisions(
        project: Project) -> None:
    doc = _document(project)
    few = _undo_statements(project, doc, 3)
    many = _undo_statements(project, doc, 40)
    assert few == many
    # BEGIN, the history's check, the step's events, the span, its place, the change, the
    # undo event, COMMIT: a handful, however long the history.
    assert many <= 12


def test_the_whole_history_is_read_once_per_reviewer(project: Project,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    doc = _document(project)
    reads: list[int] = []
    real = decisions.event_log.history_events

    def spy(connection, annotator_id, layer_id, *, after=0):  # type: ignore[no-untyped-def]
        reads.append(after)
        return real(connection, annotator_id, layer_id, after=after)

    monkeypatch.setattr(decisions.event_log, "history_events", spy)
    ana = Decider(project, "ana")
    _add_many(ana, doc, 5)
    for _ in range(3):
        ana.undo()
    ana.redo()
    _add_many(ana, doc, 2)
    ana.set_status(doc, DocumentStatus.DONE)
    assert ana.undo() is not None and ana.can_redo()
    assert reads == [0]


def test_another_window_of_the_same_person_is_seen_before_undoing(project: Project) -> None:
    """Two writers on one history (two windows, or two programs on a team server): each
    undoes the last step of the shared history, whoever made it."""
    doc = _document(project)
    one, two = Decider(project, "ana"), Decider(project, "ana")
    first = next(iter(one.add(doc, 4, 8, "ORG").span_ids))
    assert two.can_undo()  # read now: the first add
    second = next(iter(one.add(doc, 18, 25, "ORG").span_ids))
    two.undo()  # must undo the second add, made in the other window
    assert [s.id for s in one.spans(doc)] == [first]
    one.undo()  # its cache holds its own two adds; the other window undid one since
    assert one.spans(doc) == []
    assert not two.can_undo() and two.can_redo()
    two.redo()
    assert [s.id for s in one.spans(doc)] == [first]
    one.redo()
    assert [s.id for s in two.spans(doc)] == [first, second]
    assert not one.can_redo() and not two.can_redo()


def test_edits_made_in_another_window_are_undone_last_first(project: Project) -> None:
    doc = _document(project)
    ana = Decider(project, "ana")
    added = next(iter(ana.add(doc, 4, 8, "ORG").span_ids))
    other = Decider(project, "ana")
    other.relabel(added, "GPE")
    other.delete(added)
    # Both windows agree: the delete is the step to undo, then the relabel, then the add.
    ana.undo()
    assert [s.label for s in other.spans(doc)] == ["GPE"]
    ana.undo()
    ana.undo()
    assert ana.spans(doc) == [] and not other.can_undo()
