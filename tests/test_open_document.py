"""The open document's state, without Qt: every change gives one delta, and the state (and a
picture kept only from the deltas) always equals a fresh read of the project."""

from __future__ import annotations

import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from unannotate.core.model import DocumentStatus, LabelKind
from unannotate.nlp.base import SuggesterInfo
from unannotate.services.decisions import Decider
from unannotate.services.open_document import Delta, OpenDocument, ReviewState, key_of
from unannotate.services.project import Project, open_project
from unannotate.services.suggesting import suggestions_layer_id
from unannotate.services.window_data import load_spans
from unannotate.storage.schema import DocumentRow, SpanRow

TEXT = ("🌍 UNICEF said on 3 May 2025 that 4,000 children in Mali were reached.\r\n"
        "In Geneva, UNICEF and the WFP met; Mali and Chad spoke.")
WORDS = (("UNICEF", "ORG"), ("3 May 2025", "DATE"), ("May", "DATE"), ("Mali", "GPE"),
         ("Geneva", "GPE"), ("WFP", "ORG"), ("Chad", "GPE"), ("4,000", "CARDINAL"))


def _setup(project: Project) -> int:
    import re

    info = SuggesterInfo(name="test.suggester.v1", kind=LabelKind.ENTITY)
    with project.db.session() as session:
        doc_id = session.execute(insert(DocumentRow).returning(DocumentRow.id),
                                 [{"sha256": "o" * 64, "text": TEXT, "meta": {}}]).scalar_one()
        layer_id = suggestions_layer_id(session, info)
        labels = project.label_ids(session)
        session.execute(insert(SpanRow), [
            {"layer_id": layer_id, "document_id": doc_id, "start": m.start(), "end": m.end(),
             "label_id": labels[label], "state": "suggested", "score": 0.9, "reason": "t"}
            for word, label in WORDS for m in re.finditer(re.escape(word), TEXT)])
    return doc_id


class Picture:
    """A view that knows the document only from the deltas it is given."""

    def __init__(self, document: OpenDocument) -> None:
        self.drawn: dict[int, tuple[int, int, str, ReviewState]] = {}
        self.selection: int | None = None
        self.deltas: list[Delta] = []
        document.observe(self)

    def __call__(self, document: OpenDocument, delta: Delta) -> None:
        self.deltas.append(delta)
        if delta.reset:
            self.drawn = {}
            added = [s for s in document.drawn().values()] + list(document.rejected().values())
        else:
            for span in delta.removed:
                self.drawn.pop(span.id, None)
            added = list(delta.added)
        for span in added:
            state = document.state(span.id)
            assert state is not None
            self.drawn[span.id] = (span.start, span.end, span.label, state)
        self.selection = delta.selection


def _stored(reviewer: Decider, doc_id: int) -> dict[int, tuple[int, int, str, ReviewState]]:
    spans = load_spans(reviewer, doc_id)
    found = {s.id: (s.start, s.end, s.label, ReviewState.PENDING) for s in spans.suggestions}
    found |= {s.id: (s.start, s.end, s.label, ReviewState.ACCEPTED) for s in spans.annotations}
    found |= {s.id: (s.start, s.end, s.label, ReviewState.REJECTED) for s in spans.rejected}
    return found


def _held(document: OpenDocument) -> dict[int, tuple[int, int, str, ReviewState]]:
    return {key[2]: (key[0], key[1], document.span(key[2]).label,  # type: ignore[union-attr]
                     document.state(key[2]))  # type: ignore[misc]
            for key in document.keys()}


def test_open_selects_the_first_pending_and_counts(project: Project) -> None:
    doc_id = _setup(project)
    reviewer = Decider(project, "ana")
    document = OpenDocument(reviewer)
    picture = Picture(document)
    delta = document.load(doc_id)
    assert delta.reset and delta.scroll and picture.deltas == [delta]
    first = min(reviewer.pending(doc_id), key=lambda s: (s.start, s.end, s.id))
    assert document.selected == first.id == picture.selection
    assert document.counts.pending == len(reviewer.pending(doc_id))
    assert document.counts.accepted == 0
    assert document.counts.labels == {"ORG", "DATE", "GPE", "CARDINAL"}
    assert document.status is DocumentStatus.TODO


def test_next_pending_walks_in_text_order_and_wraps(project: Project) -> None:
    doc_id = _setup(project)
    document = OpenDocument(Decider(project, "ana"))
    document.load(doc_id)
    order = [key[2] for key in sorted(key_of(s) for s in
                                      Decider(project, "ana").pending(doc_id))]
    seen = []
    for _ in order:
        chosen = document.next_pending()
        document.select(chosen)
        seen.append(chosen)
    assert seen == [*order[1:], order[0]]
    assert document.next_pending(forward=False) == order[-1]
    assert document.next_pending(cursor=len(TEXT)) == order[1]  # the selection comes first


def test_a_decision_is_one_delta_with_the_old_and_the_new_span(project: Project) -> None:
    doc_id = _setup(project)
    reviewer = Decider(project, "ana")
    document = OpenDocument(reviewer)
    picture = Picture(document)
    document.load(doc_id)
    chosen = document.selected
    assert chosen is not None
    delta = document.apply(reviewer.accept(chosen), advance=True)
    assert [s.id for s in delta.removed] == [chosen]
    [made] = delta.added
    assert made.source_id == chosen and document.state(made.id) is ReviewState.ACCEPTED
    assert document.selected != chosen and document.state(document.selected) is \
        ReviewState.PENDING
    assert delta.status is DocumentStatus.IN_PROGRESS and document.status is delta.status
    assert picture.drawn == _stored(reviewer, doc_id) == _held(document)


def test_undo_of_a_bulk_accept_brings_every_suggestion_back(project: Project) -> None:
    doc_id = _setup(project)
    reviewer = Decider(project, "ana")
    document = OpenDocument(reviewer)
    picture = Picture(document)
    document.load(doc_id)
    pending = document.counts.pending
    document.apply(reviewer.accept_all(doc_id))
    assert document.counts.pending == 0 and document.counts.accepted == pending
    assert document.selected is None
    undo = reviewer.undo()
    assert undo is not None
    delta = document.apply(undo, reveal=True)
    assert len(delta.removed) == pending == len(delta.added)
    # The first suggestion it brought back is selected, so the reviewer sees what came back.
    first = min(key_of(s) for s in reviewer.pending(doc_id))[2]
    assert document.selected == first == delta.selection
    assert document.counts.pending == pending and document.counts.accepted == 0
    assert picture.drawn == _stored(reviewer, doc_id) == _held(document)


def test_a_resize_keeps_the_selection_and_says_its_new_extent(project: Project) -> None:
    doc_id = _setup(project)
    reviewer = Decider(project, "ana")
    document = OpenDocument(reviewer)
    picture = Picture(document)
    document.load(doc_id)
    added = reviewer.add(doc_id, 0, 8, "ORG")
    span_id = next(iter(added.span_ids))
    document.apply(added)
    change = reviewer.resize(span_id, 2, 8)
    document.select(span_id)
    delta = document.apply(change, select=span_id)
    assert delta.selection == span_id and [s.start for s in delta.added] == [2]
    assert picture.drawn == _stored(reviewer, doc_id) == _held(document)


def test_two_step_open_reads_the_rest(project: Project) -> None:
    doc_id = _setup(project)
    reviewer = Decider(project, "ana")
    document = OpenDocument(reviewer)
    picture = Picture(document)
    document.load(doc_id, around=lambda start: (0, 10))  # only the first line at first
    assert not document.complete
    assert len(_held(document)) < len(_stored(reviewer, doc_id))
    delta = document.read_all()
    assert delta is not None and delta.reset and document.complete
    assert picture.drawn == _stored(reviewer, doc_id) == _held(document)
    assert document.read_all() is None  # once


def test_select_refuses_what_is_not_drawn(project: Project) -> None:
    doc_id = _setup(project)
    reviewer = Decider(project, "ana")
    document = OpenDocument(reviewer)
    document.load(doc_id)
    chosen = document.selected
    document.apply(reviewer.reject(chosen))  # type: ignore[arg-type]
    rejection = next(i for i, s in document.rejected().items())
    assert document.select(rejection).selection is None
    assert document.select(10**9).selection is None


def test_the_state_object_does_not_import_qt() -> None:
    import subprocess

    code = ("import sys; import unannotate.services.open_document; "
            "print(any(m.startswith('PySide6') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


OPERATIONS = st.lists(st.tuples(
    st.sampled_from(["accept", "reject", "add", "relabel", "resize", "delete", "accept_all",
                     "undo", "redo", "select"]),
    st.integers(0, 1000), st.integers(0, 1000)), max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=OPERATIONS)
def test_any_sequence_keeps_the_state_and_its_picture_equal_to_the_store(
        tmp_path_factory, operations) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("od") / "p.unannotate.db"
    with open_project(path) as project:
        doc_id = _setup(project)
        reviewer = Decider(project, "ana")
        document = OpenDocument(reviewer)
        picture = Picture(document)
        document.load(doc_id)
        labels = ["PERSON", "ORG", "GPE", "LOC", "CLAIM"]
        for op, a, b in operations:
            drawn = sorted(document.drawn())
            pending = sorted(document.pending_ids())
            own = [i for i in drawn if i not in pending]
            change = None
            if op in ("accept", "reject") and pending:
                target = pending[a % len(pending)]
                change = (reviewer.accept if op == "accept" else reviewer.reject)(target)
            elif op == "add":
                start = a % (len(TEXT) - 1)
                change = reviewer.add(doc_id, start, min(start + 1 + b % 9, len(TEXT)),
                                      labels[b % len(labels)])
            elif op == "relabel" and drawn:
                change = reviewer.relabel(drawn[a % len(drawn)], labels[b % len(labels)])
            elif op == "resize" and drawn:
                span = document.span(drawn[a % len(drawn)])
                assert span is not None
                end = min(max(span.start + 1, span.end + (b % 5) - 2), len(TEXT))
                change = reviewer.resize(span.id, span.start, end)
            elif op == "delete" and own:
                change = reviewer.delete(own[a % len(own)])
            elif op == "accept_all":
                change = reviewer.accept_all(doc_id)
            elif op in ("undo", "redo"):
                change = reviewer.undo() if op == "undo" else reviewer.redo()
            elif op == "select" and drawn:
                document.select(drawn[a % len(drawn)])
            if change is not None:
                document.apply(change, advance=bool(b % 2), reveal=op in ("undo", "redo"))
            stored = _stored(reviewer, doc_id)
            assert _held(document) == stored
            assert picture.drawn == stored
            assert picture.selection == document.selected
            assert document.selected is None or document.is_drawn(document.selected)
            assert document.counts.pending == len(reviewer.pending(doc_id))


def test_accept_all_writes_what_single_accepts_write_and_undoes_in_one_step(
        project: Project, project_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    doc_id = _setup(project)
    reviewer = Decider(project, "ana")
    first = reviewer.pending(doc_id)[0]
    reviewer.reject(first.id)
    assert reviewer.accept_all(doc_id, kind=LabelKind.CLAIM).span_ids == set()  # no claims
    change = reviewer.accept_all(doc_id, label="GPE")
    pending = reviewer.pending(doc_id)
    assert all(s.label != "GPE" for s in pending) and pending
    gpe = [s for s in reviewer.spans(doc_id) if s.label == "GPE"]
    assert len(change.written or []) == len(gpe) == len(change.event_ids)
    conn = sqlite3.connect(project_path)
    events = conn.execute(
        "SELECT kind, span_id, suggestion_id, suggester, group_id FROM events "
        "WHERE id IN (%s) ORDER BY id" % ",".join(map(str, change.event_ids))).fetchall()
    conn.close()
    assert {e[0] for e in events} == {"accept"} and len({e[4] for e in events}) == 1
    assert {(e[1], e[2]) for e in events} == {(s.id, s.source_id) for s in gpe}
    assert {e[3] for e in events} == {"test.suggester.v1"}
    assert reviewer.undo() is not None  # the whole accept all, in one step
    assert [s.id for s in reviewer.spans(doc_id)] == [
        s.id for s in reviewer.spans(doc_id) if s.source_id == first.id]
    assert reviewer.redo() is not None
    assert len([s for s in reviewer.spans(doc_id) if s.label == "GPE"]) == len(gpe)
