"""Decisions through the services the window uses: each stored at once, with events and undo."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from unannotate.core.model import DocumentStatus, LabelKind, Suggestion
from unannotate.nlp.base import SuggesterInfo
from unannotate.services.decisions import ConflictError, Decider, DecisionError
from unannotate.services.project import Project, open_project
from unannotate.services.suggesting import suggestions_layer_id
from unannotate.storage.schema import DocumentRow, EventRow, SpanRow

TEXT = "🌍 UNICEF said on 3 May 2025 that 4,000 children in Mali were reached.\r\nThanks!"


def _setup(project: Project) -> tuple[int, list[int]]:
    """A document and three suggestions stored as a suggester would."""
    info = SuggesterInfo(name="test.suggester.v1", kind=LabelKind.ENTITY)
    found = [Suggestion(TEXT.index(w), TEXT.index(w) + len(w), lab, 0.9, "test")
             for w, lab in (("UNICEF", "ORG"), ("3 May 2025", "DATE"), ("Mali", "GPE"))]
    with project.db.session() as session:
        doc_id = session.execute(insert(DocumentRow).returning(DocumentRow.id),
                                 [{"sha256": "x" * 64, "text": TEXT, "meta": {}}]).scalar_one()
        layer_id = suggestions_layer_id(session, info)
        labels = project.label_ids(session)
        ids = []
        for s in found:
            row = SpanRow(layer_id=layer_id, document_id=doc_id, start=s.start, end=s.end,
                          label_id=labels[s.label], state="suggested", score=s.score, reason=s.reason)
            session.add(row)
            session.flush()
            ids.append(row.id)
    return doc_id, ids


def _rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_accept_reject_are_stored_at_once_in_own_layer(project: Project, project_path: Path) -> None:
    doc, (unicef, date, mali) = _setup(project)
    ana = Decider(project, "ana")
    ana.accept(unicef)
    ana.reject(date)
    # Another connection (as after a crash) sees both decisions already.
    rows = _rows(project_path, "SELECT s.start, s.end, s.state, s.source_id, l.name FROM spans s "
                 "JOIN layers l ON l.id = s.layer_id WHERE l.kind = 'annotator' ORDER BY s.id")
    assert rows == [(2, 8, "accepted", unicef, "annotator:ana"),
                    (TEXT.index("3 May"), TEXT.index("3 May") + 10, "rejected", date, "annotator:ana")]
    assert [s.id for s in ana.pending(doc)] == [mali]
    # The suggestion itself is untouched: suggestions are their own layer.
    assert _rows(project_path, f"SELECT state FROM spans WHERE id = {unicef}") == [("suggested",)]
    assert ana.status(doc) is DocumentStatus.IN_PROGRESS
    events = _rows(project_path, "SELECT kind, suggestion_id, suggester FROM events WHERE kind != 'import'")
    assert events == [("accept", unicef, "test.suggester.v1"), ("reject", date, "test.suggester.v1")]


def test_two_annotators_decide_independently(project: Project) -> None:
    doc, (unicef, _, _) = _setup(project)
    Decider(project, "ana").accept(unicef)
    bob = Decider(project, "bob")
    assert unicef in [s.id for s in bob.pending(doc)]
    bob.reject(unicef)
    with pytest.raises(DecisionError, match="decided already"):
        bob.accept(unicef)


def test_add_relabel_resize_delete_and_offsets(project: Project) -> None:
    doc, _ = _setup(project)
    ana = Decider(project, "ana")
    start = TEXT.index("4,000")
    change = ana.add(doc, start, start + 5, "CARDINAL")
    span_id = next(iter(change.span_ids))
    ana.relabel(span_id, "QUANTITY")
    ana.resize(span_id, start, start + len("4,000 children"))
    (span,) = ana.spans(doc)
    assert (TEXT[span.start:span.end], span.label, span.version) == ("4,000 children", "QUANTITY", 3)
    with pytest.raises(Exception, match="does not fit"):
        ana.resize(span_id, start, len(TEXT) + 5)
    with pytest.raises(ConflictError):
        ana.relabel(span_id, "CARDINAL", expected_version=1)
    ana.delete(span_id)
    assert ana.spans(doc) == []
    with pytest.raises(DecisionError, match="no label"):
        ana.add(doc, 0, 1, "NOPE")


def test_relabel_of_a_pending_suggestion_accepts_it_corrected(project: Project) -> None:
    doc, (unicef, _, _) = _setup(project)
    ana = Decider(project, "ana")
    ana.relabel(unicef, "PERSON")
    (span,) = ana.spans(doc)
    assert (span.label, span.source_id, span.state.value) == ("PERSON", unicef, "accepted")


def test_undo_redo_through_everything_and_across_a_restart(project_path: Path) -> None:
    project = open_project(project_path)
    doc, (unicef, date, mali) = _setup(project)
    ana = Decider(project, "ana")
    ana.accept(unicef)
    added = next(iter(ana.add(doc, TEXT.index("children"), TEXT.index("children") + 8, "CARDINAL").span_ids))
    ana.relabel(added, "QUANTITY")
    ana.set_status(doc, DocumentStatus.DONE)
    project.close()

    project = open_project(project_path)  # a restart
    ana = Decider(project, "ana")
    assert ana.status(doc) is DocumentStatus.DONE
    ana.undo()  # status
    assert ana.status(doc) is DocumentStatus.IN_PROGRESS
    ana.undo()  # relabel
    assert {s.label for s in ana.spans(doc)} == {"ORG", "CARDINAL"}
    ana.undo()  # add
    ana.undo()  # accept
    assert ana.spans(doc) == [] and len(ana.pending(doc)) == 3
    assert ana.undo() is None and not ana.can_undo()
    ana.redo()
    ana.redo()
    assert {s.label for s in ana.spans(doc)} == {"ORG", "CARDINAL"}
    # A new decision clears what could be redone.
    ana.reject(mali)
    assert not ana.can_redo()
    project.close()

    events = _rows(project_path, "SELECT kind FROM events WHERE kind != 'import' ORDER BY id")
    assert [k for (k,) in events] == ["accept", "add", "relabel", "status", "undo", "undo",
                                       "undo", "undo", "redo", "redo", "reject"]


def test_accept_all_is_one_step_to_undo(project: Project) -> None:
    doc, _ = _setup(project)
    ana = Decider(project, "ana")
    ana.accept_all(doc, label="GPE")
    assert [s.label for s in ana.spans(doc)] == ["GPE"]
    ana.accept_all(doc)
    assert len(ana.spans(doc)) == 3 and ana.pending(doc) == []
    ana.undo()
    assert [s.label for s in ana.spans(doc)] == ["GPE"]


def test_history_is_append_only_and_a_colleagues_layer_is_read_only(project: Project) -> None:
    doc, (unicef, _, _) = _setup(project)
    Decider(project, "ana").accept(unicef)
    with pytest.raises(DecisionError, match="read-only"):
        Decider(project, "bob", layer="annotator:ana")
    bob = Decider(project, "bob")
    ana_span = Decider(project, "ana").spans(doc)[0]
    with pytest.raises(DecisionError, match="another layer"):
        bob.delete(ana_span.id)
    with project.db.read() as session:
        assert session.scalar(select(EventRow.kind).where(EventRow.kind == "accept")) == "accept"


def test_deciding_a_suggestion_reports_what_it_stored(project: Project, project_path: Path) -> None:
    """The window refreshes from what accept/reject return: it must be what a read gives."""
    from dataclasses import replace

    from unannotate.services.window_data import refreshed_spans

    doc, (unicef, date, mali) = _setup(project)
    ana = Decider(project, "ana")
    accepted = ana.accept(unicef, label="PERSON")
    rejected = ana.reject(date)
    for change in (accepted, rejected):
        assert change.statuses == {doc: DocumentStatus.IN_PROGRESS}
        assert change.written is not None
        assert refreshed_spans(ana, doc, change) == refreshed_spans(
            ana, doc, replace(change, written=None))
    (written,) = accepted.written or []
    assert (written.label, written.source_id, written.state.value) == ("PERSON", unicef, "accepted")
    stored = _rows(project_path, f'SELECT start, "end", version FROM spans WHERE id = {written.id}')
    assert stored == [(written.start, written.end, 1)]
    ana.set_status(doc, DocumentStatus.DONE)
    assert ana.accept(mali).statuses == {doc: DocumentStatus.DONE}


def test_opening_reads_the_spans_near_the_first_pending_suggestion(project: Project) -> None:
    from unannotate.services.window_data import load_document, load_spans

    doc, (unicef, date, mali) = _setup(project)
    ana = Decider(project, "ana")
    # UNICEF accepted but moved far away (onto "Thanks"): its suggestion is decided, though
    # the annotation lies outside the range read.
    ana.accept(unicef, start=TEXT.index("Thanks"), end=TEXT.index("Thanks") + 6)
    opened = load_document(ana, doc, around=lambda start: (start, start + 1))
    assert opened.target is not None and opened.target.id == date
    assert opened.known == (0, TEXT.index("\r\n"))  # widened to the whole first paragraph
    assert [s.id for s in opened.spans.suggestions] == [date, mali]
    assert opened.spans.annotations == []
    everything = load_spans(ana, doc)
    assert [s.id for s in everything.suggestions] == [date, mali]
    assert [s.source_id for s in everything.annotations] == [unicef]
    # Asked for a span that is drawn, it is the target; a decided suggestion is not.
    assert load_document(ana, doc, select_span=mali).target.id == mali  # type: ignore[union-attr]
    assert load_document(ana, doc, select_span=unicef).target.id == date  # type: ignore[union-attr]
    whole = load_document(ana, doc)
    assert whole.known is None and whole.spans == everything


def test_a_deleted_spans_id_is_never_given_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Undoing a delete puts the span back under its id: no other span may have taken it
    meanwhile (another reviewer's, or a suggestion stored by another process)."""
    from unannotate.services.importing import import_paths
    from unannotate.services.project import open_project

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Kenya and Peru met in Lima.", encoding="utf-8")
    project = open_project(tmp_path / "p.db")
    import_paths(project, [folder])
    ana, ben = Decider(project, "ana"), Decider(project, "ben")
    ana.add(1, 0, 5, "GPE")
    last = ana.spans(1)[0].id
    ana.delete(last)
    ben.add(1, 10, 14, "GPE")
    assert ben.spans(1)[0].id > last  # the deleted span's id stays its own
    ana.undo()  # the delete undone: ana's span is back, ben's untouched
    assert [(s.id, s.start) for s in ana.spans(1)] == [(last, 0)]
    assert [(s.start, s.end) for s in ben.spans(1)] == [(10, 14)]
    project.close()


def test_deleting_an_accepted_suggestion_rejects_it_and_undo_accepts_it_again(
        project: Project) -> None:
    doc, (unicef, date, mali) = _setup(project)
    ana = Decider(project, "ana")
    ana.accept(unicef)
    ana.accept(date, label="EVENT")  # a corrected suggestion
    for suggestion in (unicef, date):
        annotation = next(s for s in ana.spans(doc) if s.source_id == suggestion)
        change = ana.delete(annotation.id)
        assert suggestion in change.span_ids
    assert [s.id for s in ana.pending(doc)] == [mali]  # not back as pending
    rejected = {s.source_id: s for s in ana.spans(doc)}
    assert {k: (v.state.value, v.label) for k, v in rejected.items()} == {
        unicef: ("rejected", "ORG"), date: ("rejected", "DATE")}
    with project.db.read() as session:
        last = session.scalars(select(EventRow).order_by(EventRow.id.desc())).first()
    assert last is not None and (last.kind, last.suggestion_id) == ("reject", date)
    assert last.suggester == "test.suggester.v1"
    ana.undo()
    back = next(s for s in ana.spans(doc) if s.source_id == date)
    assert (back.state.value, back.label) == ("accepted", "EVENT")
    assert [s.id for s in ana.pending(doc)] == [mali]
    ana.redo()
    assert next(s for s in ana.spans(doc) if s.source_id == date).state.value == "rejected"
    # Deleting the rejection takes the decision back: the suggestion is pending again.
    ana.delete(next(s for s in ana.spans(doc) if s.source_id == date).id)
    assert [s.id for s in ana.pending(doc)] == [date, mali]


def test_adding_a_span_that_is_there_already_changes_nothing_and_says_so(
        project: Project) -> None:
    doc, _ = _setup(project)
    ana = Decider(project, "ana")
    start = TEXT.index("Mali")
    first = ana.add(doc, start, start + 4, "GPE")
    assert first.notice == ""
    with project.db.read() as session:
        events = session.scalar(select(func.count()).select_from(EventRow))
    again = ana.add(doc, start, start + 4, "GPE")  # Ctrl+F, Enter, Esc, 1 a second time
    assert "already there" in again.notice and "GPE" in again.notice
    assert again.span_ids == first.span_ids
    assert [(s.start, s.label) for s in ana.spans(doc)] == [(start, "GPE")]
    with project.db.read() as session:
        assert session.scalar(select(func.count()).select_from(EventRow)) == events
    # Another label at the same place is another span.
    assert ana.add(doc, start, start + 4, "LOC").notice == ""
    assert len(ana.spans(doc)) == 2


def test_accepting_a_suggestion_of_a_span_already_there_decides_it_without_a_copy(
        project: Project) -> None:
    doc, (unicef, _date, mali) = _setup(project)
    ana = Decider(project, "ana")
    ana.add(doc, TEXT.index("UNICEF"), TEXT.index("UNICEF") + 6, "ORG")
    change = ana.accept_all(doc)
    assert "already there" in change.notice
    accepted = [s for s in ana.spans(doc) if s.state.value == "accepted"]
    assert sorted((s.start, s.label) for s in accepted) == sorted(
        [(TEXT.index("UNICEF"), "ORG"), (TEXT.index("3 May"), "DATE"),
         (TEXT.index("Mali"), "GPE")])
    assert ana.pending(doc) == []  # the suggestion is decided all the same
    ana.undo()
    assert len(ana.pending(doc)) == 3 and len(ana.spans(doc)) == 1


def test_relabel_or_resize_onto_a_span_there_changes_nothing_and_says_so(project: Project) -> None:
    doc, _ = _setup(project)
    ana = Decider(project, "ana")
    start = TEXT.index("Mali")
    ana.add(doc, start, start + 4, "GPE")
    other = ana.add(doc, start, start + 4, "LOC").span_ids.pop()
    refused = ana.relabel(other, "GPE")
    assert "already there" in refused.notice and refused.event_ids == []
    moved = ana.add(doc, start, start + 3, "GPE").span_ids.pop()
    assert "already there" in ana.resize(moved, start, start + 4).notice
    assert sorted((s.end - s.start, s.label) for s in ana.spans(doc)) == [
        (3, "GPE"), (4, "GPE"), (4, "LOC")]


def test_the_database_keeps_one_span_per_place_but_any_number_of_rejections(
        project: Project) -> None:
    from sqlalchemy.exc import IntegrityError

    doc, _ = _setup(project)
    ana = Decider(project, "ana")
    start = TEXT.index("Mali")
    ana.add(doc, start, start + 4, "GPE")
    with project.db.read() as session:
        label_id = project.label_ids(session)["GPE"]
    row = {"layer_id": ana.layer_id, "document_id": doc, "start": start, "end": start + 4,
           "label_id": label_id}
    with pytest.raises(IntegrityError):
        with project.db.session() as session:
            session.add(SpanRow(**row, state="accepted", reason=""))
    with project.db.session() as session:
        session.add(SpanRow(**row, state="rejected", reason=""))
        session.add(SpanRow(**row, state="rejected", reason=""))
    assert len(ana.spans(doc)) == 3


def test_undo_that_would_bring_back_a_span_made_again_since_says_why(
        project: Project) -> None:
    doc, _ = _setup(project)
    ana = Decider(project, "ana")
    start = TEXT.index("Mali")
    span_id = ana.add(doc, start, start + 4, "GPE").span_ids.pop()
    ana.delete(span_id)
    # The same span made again by another writer (an import into ana's layer, say).
    with project.db.session() as session:
        label_id = project.label_ids(session)["GPE"]
        session.add(SpanRow(layer_id=ana.layer_id, document_id=doc, start=start,
                            end=start + 4, label_id=label_id, state="accepted", reason=""))
    with pytest.raises(ConflictError, match="the same GPE span is there now"):
        ana.undo()
    assert len(ana.spans(doc)) == 1
