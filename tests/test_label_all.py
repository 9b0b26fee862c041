"""Label every occurrence: whole-token mentions, the preview's counts, scopes, done documents
only when asked, only the person's own layer written, one undo for all of it (also after the
project is opened again), read-only refusal, and the ``label-all`` command."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from command_line import run
from sqlalchemy import insert, select

from unannotate.core.errors import ReadOnlyProjectError
from unannotate.core.history import EventKind
from unannotate.core.mentions import PatternError, compile_mention, mentions
from unannotate.core.model import DocumentStatus, LabelKind
from unannotate.nlp.base import SuggesterInfo
from unannotate.services.decisions import Decider
from unannotate.services.label_all import LabelAll, LabelAllError, Scope, apply, preview
from unannotate.services.project import Project, open_project
from unannotate.services.suggesting import suggestions_layer_id
from unannotate.storage.schema import DocumentRow, SpanRow

# Invented texts. Document 1 holds an emoji and CRLF before its mentions, so code points and
# UTF-16 units differ; 2 the name in other words; 3 is marked done by ana.
TEXTS = [
    "🌍 Tarin Bole met Ona.\r\nTarin Bole's team, not Tarin Boleyn, thanked Tarin Bole.",
    "TARIN BOLE was quoted; Tarin Bole-Smith is someone else; (Tarin Bole) spoke.",
    "Tarin Bole signed. The Tarin Bole Fund paid.",
]
NAME = "Tarin Bole"


def _spans(project: Project, layer_name: str | None = None) -> list[tuple]:
    """Every span row of the project (or of one layer), as stored."""
    with project.db.read() as session:
        rows = session.execute(select(
            SpanRow.id, SpanRow.layer_id, SpanRow.document_id, SpanRow.start, SpanRow.end,
            SpanRow.label_id, SpanRow.state, SpanRow.source_id, SpanRow.version)
            .order_by(SpanRow.id)).all()
    return [tuple(row) for row in rows]


def _build(project: Project) -> list[int]:
    """The documents, a colleague's spans, a suggester's suggestions; ana's status of 3: done."""
    with project.db.session() as session:
        ids = [session.execute(insert(DocumentRow).returning(DocumentRow.id), [{
            "sha256": f"{n:064d}", "text": text, "meta": {}, "title": f"d{n}"}]).scalar_one()
            for n, text in enumerate(TEXTS)]
        layer = suggestions_layer_id(session, SuggesterInfo(name="test.v1",
                                                            kind=LabelKind.ENTITY))
        labels = project.label_ids(session)
        session.execute(insert(SpanRow), [
            {"layer_id": layer, "document_id": ids[0], "start": 2, "end": 12,
             "label_id": labels["ORG"], "state": "suggested", "score": 0.4, "reason": "t"},
            {"layer_id": layer, "document_id": ids[2], "start": 0, "end": 10,
             "label_id": labels["PERSON"], "state": "suggested", "score": 0.9, "reason": "t"}])
    Decider(project, "carl").add(ids[0], 2, 12, "ORG")
    Decider(project, "carl").add(ids[1], 58, 68, "PERSON")
    Decider(project, "ana").set_status(ids[2], DocumentStatus.DONE)
    return ids


def _own(reviewer: Decider, document_id: int) -> list[tuple[int, int, str]]:
    return sorted((s.start, s.end, s.label) for s in reviewer.spans(document_id))


def _where(text: str, word: str = NAME) -> list[tuple[int, int]]:
    return list(mentions(compile_mention(word), text))


# -- whole tokens -----------------------------------------------------------------------
def test_mentions_are_whole_tokens_with_exact_code_point_offsets() -> None:
    text = TEXTS[0]
    found = _where(text)
    assert [text[s:e] for s, e in found] == [NAME] * 3
    # Not inside "Boleyn"; "Bole's" counts (the name is whole); offsets past the emoji and
    # the CRLF are code points: the first mention starts at 2, not at 3 (UTF-16).
    assert found[0] == (2, 12)
    assert found[1] == (text.index("\r\n") + 2, text.index("\r\n") + 12)
    assert (text.index("Tarin Boleyn"), text.index("Tarin Boleyn") + 10) not in found


def test_case_hyphens_marks_and_expressions() -> None:
    text = TEXTS[1]
    # The case kept; "Bole-Smith" is a longer name.
    assert _where(text) == [(text.index("(") + 1, text.index(")"))]
    assert len(list(mentions(compile_mention(NAME, ignore_case=True), text))) == 2
    assert _where("Lima-based, d'Lima, Lima’s and Lima's, Lima'x", "Lima") == [
        (20, 24), (31, 35)]
    assert _where("Lima\u0301 and Lima", "Lima") == [(10, 14)]  # a mark makes a longer word
    assert _where("e\u0301Lima Lima", "Lima") == [(7, 11)]
    assert _where("Limassol, Lima_x, 2Lima, Lima.", "Lima") == [(25, 29)]
    pattern = compile_mention(r"Tarin \w+", regex=True)
    assert [m for m in mentions(pattern, "Tarin Bole, Tarin Boleyn")] == [(0, 10), (12, 24)]
    assert list(mentions(compile_mention("x*", regex=True), "abc")) == []  # no empty mention
    # White space between the words: any run of it, offsets of the text as it is.
    broken = "Tarin\r\nBole and Tarin  Bole and Tarin\u00a0Bole and TarinBole"
    assert [broken[s:e] for s, e in _where(broken)] == [
        "Tarin\r\nBole", "Tarin  Bole", "Tarin\u00a0Bole"]
    assert _where("Tarin Bole", "  Tarin   Bole ") == [(0, 10)]
    # Of an expression's alternatives, the one ending on a boundary.
    assert list(mentions(compile_mention("Bole|Boleyn", regex=True), "Boleyn")) == [(0, 6)]
    for bad, regex in (("", False), ("   ", False), ("Tarin (", True)):
        with pytest.raises(PatternError):
            compile_mention(bad, regex=regex)


def test_case_insensitive_beyond_ascii_is_found_without_the_database_narrowing(
        project: Project) -> None:
    with project.db.session() as session:
        doc = session.execute(insert(DocumentRow).returning(DocumentRow.id), [{
            "sha256": "e" * 64, "text": "ÉCOLE and école and écoles.", "meta": {}}]
        ).scalar_one()
    ana = Decider(project, "ana")
    found = preview(ana, LabelAll("école", "ORG", scope=Scope.ALL, ignore_case=True))
    assert (found.mentions, found.new) == (2, 2)
    assert preview(ana, LabelAll("école", "ORG", scope=Scope.ALL)).mentions == 1
    apply(ana, LabelAll("école", "ORG", scope=Scope.ALL, ignore_case=True))
    assert _own(ana, doc) == [(0, 5, "ORG"), (10, 15, "ORG")]


# -- preview and scopes -----------------------------------------------------------------
def test_preview_counts_new_same_different_and_done(project: Project) -> None:
    ids = _build(project)
    ana = Decider(project, "ana")
    text = TEXTS[0]
    ana.add(ids[0], 2, 12, "PERSON")  # the same already
    third = text.rindex(NAME)
    ana.add(ids[0], third, third + 5, "ORG")  # "Tarin": overlapping, another label
    ana.add(ids[0], 0, len(text), "CLAIM")  # a claim around it: another kind, no conflict
    request = LabelAll(NAME, "PERSON", scope=Scope.ALL)
    found = preview(ana, request)
    # 3 + 1 + 2 mentions; the 2 in the done document are counted, not written.
    assert (found.mentions, found.documents, found.in_done) == (6, 3, 2)
    assert (found.new, found.same, found.different, found.changes) == (2, 1, 1, 2)
    assert found.documents_changed == 2
    assert "labelled differently: 1 (left as they are)" in found.lines()
    assert found.examples == ["ORG: …am, not Tarin Boleyn, thanked [Tarin] Bole."]
    assert preview(ana, LabelAll(NAME, "PERSON", scope=Scope.NOT_DONE)).in_done == 0
    with_done = preview(ana, LabelAll(NAME, "PERSON", scope=Scope.ALL, include_done=True))
    assert (with_done.new, with_done.in_done) == (4, 2)
    here = preview(ana, LabelAll(NAME, "PERSON", scope=Scope.DOCUMENT, document_id=ids[1]))
    assert (here.mentions, here.new, here.documents) == (1, 1, 1)
    assert here.lines()[0] == "1 mention in 1 document (1 to be written to)"
    assert _own(ana, ids[1]) == []  # a preview writes nothing


def test_scopes_and_done_documents_only_when_asked(project: Project) -> None:
    ids = _build(project)
    ana = Decider(project, "ana")
    apply(ana, LabelAll(NAME, "PERSON", scope=Scope.DOCUMENT, document_id=ids[1]))
    assert _own(ana, ids[1]) == [(58, 68, "PERSON")] and _own(ana, ids[0]) == []
    apply(ana, LabelAll(NAME, "PERSON", scope=Scope.ALL))
    assert len(_own(ana, ids[0])) == 3 and _own(ana, ids[2]) == []  # done: left
    # "not-done" never writes done documents, even when asked.
    apply(ana, LabelAll(NAME, "PERSON", scope=Scope.NOT_DONE, include_done=True))
    assert _own(ana, ids[2]) == []
    apply(ana, LabelAll(NAME, "PERSON", scope=Scope.ALL, include_done=True))
    assert _own(ana, ids[2]) == [(0, 10, "PERSON"), (23, 33, "PERSON")]
    assert ana.status(ids[2]) is DocumentStatus.DONE  # stays done
    assert ana.status(ids[0]) is DocumentStatus.IN_PROGRESS  # first decision there


def test_relabel_changes_places_labelled_otherwise_and_undo_puts_them_back(
        project: Project) -> None:
    ids = _build(project)
    ana = Decider(project, "ana")
    text = TEXTS[0]
    second = text.index(NAME, 3)
    ana.add(ids[0], 2, 12, "ORG")  # same place, another label
    ana.add(ids[0], second, second + 5, "GPE")  # "Tarin" and "Bole" apart: two spans
    ana.add(ids[0], second + 6, second + 10, "GPE")
    before = _spans(project)
    found = apply(ana, LabelAll(NAME, "PERSON", scope=Scope.DOCUMENT, document_id=ids[0],
                                relabel=True)).preview
    assert (found.new, found.different, found.removed) == (1, 2, 1)
    third = text.rindex(NAME)
    assert _own(ana, ids[0]) == [(2, 12, "PERSON"), (second, second + 10, "PERSON"),
                                 (third, third + 10, "PERSON")]
    relabelled = next(s for s in ana.spans(ids[0]) if s.start == 2)
    assert relabelled.version == 2  # the same span, changed (its id and provenance kept)
    assert ana.undo() is not None
    assert _spans(project) == before


def test_an_unknown_label_or_a_scope_without_document_is_refused(project: Project) -> None:
    _build(project)
    ana = Decider(project, "ana")
    with pytest.raises(LabelAllError, match="no label 'PERSONA'"):
        preview(ana, LabelAll(NAME, "PERSONA"))
    with pytest.raises(LabelAllError, match="needs a document"):
        apply(ana, LabelAll(NAME, "PERSON", scope=Scope.DOCUMENT))


# -- layers and history -----------------------------------------------------------------
def test_only_the_persons_layer_is_written(project: Project) -> None:
    ids = _build(project)
    ana = Decider(project, "ana")
    others = _spans(project)
    applied = apply(ana, LabelAll(NAME, "PERSON", scope=Scope.ALL, include_done=True,
                                  relabel=True))
    assert applied.preview.new == 6
    after = _spans(project)
    # Every row there before (a colleague's spans, the suggestions) is there unchanged.
    assert [row for row in after if row[0] in {r[0] for r in others}] == others
    assert {row[1] for row in after if row not in others} == {ana.layer_id}
    carl = Decider(project, "carl")
    assert _own(carl, ids[0]) == [(2, 12, "ORG")]
    assert len(ana.suggestions(ids[0])) == 1


def test_one_undo_takes_all_of_it_back_and_redo_restores_it(project: Project) -> None:
    ids = _build(project)
    ana = Decider(project, "ana")
    ana.add(ids[1], 0, 5, "ORG")  # a decision before: not part of the step
    before = _spans(project)
    applied = apply(ana, LabelAll(NAME, "PERSON", scope=Scope.ALL))
    assert applied.change.document_ids == {ids[0], ids[1]}
    written = _spans(project)
    undone = ana.undo()
    assert undone is not None and undone.document_ids == {ids[0], ids[1]}
    assert _spans(project) == before
    assert ana.redo() is not None
    assert _spans(project) == written
    assert ana.undo() is not None
    assert ana.undo() is not None  # the decision before, on its own
    assert _own(ana, ids[1]) == []


def test_undone_in_one_step_after_the_project_is_opened_again(project_path: Path) -> None:
    with open_project(project_path) as project:
        ids = _build(project)
        before = _spans(project)
        apply(Decider(project, "ana"), LabelAll(NAME, "PERSON", scope=Scope.ALL))
    with open_project(project_path) as project:
        ana = Decider(project, "ana")
        assert len(_own(ana, ids[0])) == 3
        assert ana.undo() is not None
        assert _spans(project) == before
    with open_project(project_path) as project:
        assert Decider(project, "ana").redo() is not None
        assert len(_own(Decider(project, "ana"), ids[0])) == 3
    conn = sqlite3.connect(project_path)
    kinds = conn.execute("SELECT kind, count(DISTINCT group_id), count(*) FROM events "
                         f"WHERE kind = '{EventKind.ADD.value}' GROUP BY kind").fetchall()
    conn.close()
    assert [tuple(row) for row in kinds] == [("add", 3, 6)]  # carl's two, and the four of one group


def test_a_read_only_project_refuses_with_one_line(project_path: Path) -> None:
    with open_project(project_path) as project:
        _build(project)
    with open_project(project_path, create=False, read_only=True) as project:
        ana = Decider(project, "ana")
        assert preview(ana, LabelAll(NAME, "PERSON", scope=Scope.ALL)).new == 4
        with pytest.raises(ReadOnlyProjectError, match="open read-only.*nothing was changed") \
                as refused:
            apply(ana, LabelAll(NAME, "PERSON", scope=Scope.ALL))
        assert "\n" not in str(refused.value)


# -- the command line -------------------------------------------------------------------
def test_label_all_command(project_path: Path) -> None:
    with open_project(project_path) as project:
        ids = _build(project)
    where = ("--project", str(project_path), "--annotator", "ana")
    dry = run("label-all", NAME, "--label", "PERSON", "--scope", "all", "--dry-run", *where)
    assert dry.returncode == 0, dry.stderr
    assert "6 mentions in 3 documents" in dry.stdout and "new: 4" in dry.stdout
    assert "in done documents: 2 (skipped" in dry.stdout and "nothing written" in dry.stdout
    with open_project(project_path) as project:
        assert _own(Decider(project, "ana"), ids[0]) == []
    done = run("label-all", NAME, "--label", "PERSON", "--scope", "all", "--include-done",
               *where)
    assert done.returncode == 0, done.stderr
    assert "written to ana's layer: 6 spans in 3 documents, as one decision" in done.stdout
    again = run("label-all", NAME, "--label", "PERSON", "--scope", "all", "--include-done",
                *where)
    assert "already labelled the same: 6" in again.stdout and "nothing written" in again.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("Tarin (", "--label", "PERSON", "--regex"), "not a valid regular expression"),
    ((NAME, "--label", "PERSONA"), "no label 'PERSONA'"),
    ((NAME, "--label", "PERSON", "--include-done"), "--include-done needs --scope all"),
    ((NAME, "--label", "PERSON", "--scope", "document"), "--scope document needs --document"),
])
def test_label_all_command_bad_input(project_path: Path, args: tuple[str, ...],
                                     message: str) -> None:
    with open_project(project_path) as project:
        _build(project)
    result = run("label-all", *args, "--project", str(project_path), "--annotator", "ana")
    assert result.returncode == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_pending_suggestion_of_the_place_is_accepted_not_copied(project: Project) -> None:
    ids = _build(project)
    with project.db.session() as session:  # a second suggester agreeing on doc 3's first
        layer = suggestions_layer_id(session, SuggesterInfo(name="other.v2",
                                                            kind=LabelKind.ENTITY))
        session.execute(insert(SpanRow), [{
            "layer_id": layer, "document_id": ids[2], "start": 0, "end": 10,
            "label_id": project.label_ids(session)["PERSON"], "state": "suggested",
            "score": 0.5, "reason": "t2"}])
    ana = Decider(project, "ana")
    request = LabelAll(NAME, "PERSON", scope=Scope.ALL, include_done=True)
    found = preview(ana, request)
    assert (found.new, found.suggested) == (6, 1)
    assert "new: 6 (1 accepting a pending suggestion)" in found.lines()
    suggestions = {s.id: s for s in ana.pending(ids[2])}
    assert len(suggestions) == 2
    applied = apply(ana, request)
    assert set(suggestions) <= applied.spans_by_document[ids[2]]
    own = {(s.start, s.end, s.state.value, s.source_id) for s in ana.spans(ids[2])}
    first, second = sorted(suggestions)
    accepted = next(s for s in ana.spans(ids[2]) if s.source_id == first)
    assert (accepted.start, accepted.end, accepted.state.value, accepted.score) == (
        0, 10, "accepted", 0.9)
    assert (0, 10, "rejected", second) in own  # decided without a copy
    assert ana.pending(ids[2]) == []
    assert [(s.start, s.end, s.label) for s in ana.pending(ids[0])] == [(2, 12, "ORG")]
    with project.db.read() as session:
        from unannotate.storage.schema import EventRow

        linked = session.execute(select(EventRow.kind, EventRow.suggestion_id,
                                        EventRow.suggester)
                                 .where(EventRow.suggestion_id.is_not(None))).all()
    assert sorted(linked) == [("accept", first, "test.v1"), ("reject", second, "other.v2")]
    assert ana.undo() is not None
    assert sorted(s.id for s in ana.pending(ids[2])) == [first, second]
    assert ana.spans(ids[2]) == []


def test_label_all_command_on_a_read_only_folder_says_so_in_one_line(
        project_path: Path, monkeypatch: pytest.MonkeyPatch,
        request: pytest.FixtureRequest) -> None:
    if request.config.getoption("--backend") == "postgresql":
        pytest.skip("a read-only folder is a file's matter")
    import os

    with open_project(project_path) as project:
        _build(project)
    real = os.access

    def access(path, mode, *args, **kwargs):  # type: ignore[no-untyped-def]
        if mode & os.W_OK and Path(path).resolve().is_relative_to(project_path.parent):
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    before = project_path.read_bytes()
    result = run("label-all", NAME, "--label", "PERSON", "--project", str(project_path),
                 "--annotator", "ana")
    assert result.returncode == 1
    assert "read-only" in result.stderr and "nothing was changed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    dry = run("label-all", NAME, "--label", "PERSON", "--project", str(project_path),
              "--annotator", "ana", "--dry-run")
    assert dry.returncode == 0 and "new: 4" in dry.stdout  # a preview only reads
    assert project_path.read_bytes() == before


def test_texts_are_read_in_pages_and_narrowed_to_a_superset(project: Project) -> None:
    from unannotate.storage.label_all import document_texts

    ids = _build(project)
    with project.db.read() as session:
        pages = list(document_texts(session.connection(), batch=2))
        narrowed = [i for page in document_texts(session.connection(), containing="TARIN BOLE",
                                                 ignore_case=True) for i, _ in page]
    assert [[i for i, _ in page] for page in pages] == [ids[:2], ids[2:]]
    assert [text for page in pages for _, text in page] == TEXTS  # exactly as stored
    assert narrowed == ids  # every text holding it in any case


def test_a_name_broken_over_two_lines_is_found_and_labelled_as_it_is(project: Project) -> None:
    text = "Met Tarin\r\nBole today."
    with project.db.session() as session:
        doc = session.execute(insert(DocumentRow).returning(DocumentRow.id), [{
            "sha256": "b" * 64, "text": text, "meta": {}}]).scalar_one()
    ana = Decider(project, "ana")
    apply(ana, LabelAll(NAME, "PERSON", scope=Scope.ALL))
    [span] = ana.spans(doc)
    assert (span.start, span.end, text[span.start:span.end]) == (4, 15, "Tarin\r\nBole")
