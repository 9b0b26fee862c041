"""Settling a review: places where colleagues agree and differ, outcomes in gold with
provenance, colleagues' layers untouched, review status apart from annotators' status."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from unannotate.core.model import DocumentStatus, SpanState
from unannotate.services.colleague_review import PlaceKind, Review, ReviewError
from unannotate.services.decisions import Decider
from unannotate.services.importing import import_paths
from unannotate.services.project import Project, open_project
from unannotate.storage.schema import DocumentRow, EventRow, LayerRow, SpanRow

TEXT = ("🌍 Amina Mohammed met UNICEF in Geneva on 3 May 2025.\r\n"
        "Kenya pledged $5 million to the World Food Programme.")


def at(piece: str) -> tuple[int, int]:
    start = TEXT.index(piece)
    return start, start + len(piece)


def build(tmp_path: Path) -> tuple[Project, int]:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_bytes(TEXT.encode("utf-8"))
    (folder / "b.txt").write_text("Nothing marked here.", encoding="utf-8")
    project = open_project(tmp_path / "p.db")
    import_paths(project, [folder])
    with project.db.read() as session:
        doc_id = session.scalar(select(DocumentRow.id).where(DocumentRow.text == TEXT))
    ana, ben = Decider(project, "ana"), Decider(project, "ben")
    for who, marks in (
        (ana, [("Amina Mohammed", "PERSON"), ("UNICEF", "ORG"), ("Geneva", "GPE"),
               ("3 May 2025", "DATE"), ("World Food Programme", "ORG")]),
        (ben, [("Amina Mohammed", "PERSON"), ("UNICEF", "ORG"), ("Geneva", "LOC"),
               ("May 2025", "DATE"), ("Kenya", "GPE"), ("the World Food Programme", "ORG")]),
    ):
        for piece, label in marks:
            who.add(doc_id, *at(piece), label)
    ana.set_status(doc_id, DocumentStatus.DONE)
    return project, doc_id


def colleague_rows(project: Project) -> list[tuple]:
    with project.db.read() as session:
        return [tuple(r) for r in session.execute(
            select(SpanRow.id, SpanRow.layer_id, SpanRow.start, SpanRow.end, SpanRow.label_id,
                   SpanRow.state, SpanRow.version, SpanRow.updated_at)
            .join(LayerRow, LayerRow.id == SpanRow.layer_id)
            .where(LayerRow.name.in_(["annotator:ana", "annotator:ben"]))
            .order_by(SpanRow.id))]


def test_places_say_where_layers_agree_and_how_they_differ(tmp_path: Path) -> None:
    project, doc_id = build(tmp_path)
    review = Review(project, "rita", ["ana", "ben"])
    places = review.places(doc_id)
    found = [(TEXT[p.start:p.end], p.kind) for p in places]
    assert found == [
        ("Amina Mohammed", PlaceKind.AGREED),
        ("UNICEF", PlaceKind.AGREED),
        ("Geneva", PlaceKind.LABEL),
        ("3 May 2025", PlaceKind.BOUNDARY),
        ("Kenya", PlaceKind.MISSING),
        ("the World Food Programme", PlaceKind.BOUNDARY),
    ]
    geneva = places[2]
    assert [(v.label, v.holders) for v in geneva.variants] == [("GPE", ("ana",)),
                                                              ("LOC", ("ben",))]
    assert [p.kind for p in review.disagreements(doc_id)] == [
        PlaceKind.LABEL, PlaceKind.BOUNDARY, PlaceKind.MISSING, PlaceKind.BOUNDARY]
    assert not any(p.settled for p in places)
    project.close()


def test_taking_writes_gold_with_provenance_and_leaves_colleagues_alone(tmp_path: Path) -> None:
    project, doc_id = build(tmp_path)
    before = colleague_rows(project)
    assert len(before) == 11
    review = Review(project, "rita", ["ana", "ben"])
    geneva, date, kenya, wfp = review.disagreements(doc_id)
    review.take(doc_id, geneva, ["ben"], comment="a city: LOC per the guidelines")
    review.take(doc_id, date, ["ana"])
    review.take(doc_id, kenya, [])  # neither
    review.take(doc_id, wfp, ["ana", "ben"])  # both
    gold = review.gold.spans(doc_id)
    accepted = sorted((TEXT[s.start:s.end], s.label) for s in gold
                      if s.state is SpanState.ACCEPTED)
    assert accepted == [("3 May 2025", "DATE"), ("Geneva", "LOC"),
                        ("World Food Programme", "ORG"), ("the World Food Programme", "ORG")]
    rejected = sorted(TEXT[s.start:s.end] for s in gold if s.state is SpanState.REJECTED)
    assert rejected == ["Geneva", "Kenya", "May 2025"]
    # Every gold row names the colleague's span it came from, and who decided.
    ben_ids = {s.id for s in Decider(project, "ben").spans(doc_id)}
    loc = next(s for s in gold if s.label == "LOC")
    assert loc.source_id in ben_ids and loc.reason == "a city: LOC per the guidelines"
    with project.db.read() as session:
        kinds = [k for (k,) in session.execute(
            select(EventRow.kind).where(EventRow.layer_id == review.gold_layer_id))]
    assert kinds.count("accept") == 4 and kinds.count("reject") == 3
    assert colleague_rows(project) == before  # never changed
    assert all(p.settled for p in review.disagreements(doc_id))
    assert review.places(doc_id)[2].comment == "a city: LOC per the guidelines"
    project.close()


def test_settling_again_replaces_and_undo_goes_back_step_by_step(tmp_path: Path) -> None:
    project, doc_id = build(tmp_path)
    review = Review(project, "rita", ["ana", "ben"])
    geneva = review.disagreements(doc_id)[0]
    review.take(doc_id, geneva, ["ana"])
    geneva = review.disagreements(doc_id)[0]
    review.take(doc_id, geneva, ["ben"])  # changed my mind
    labels = [(s.label, s.state) for s in review.gold.spans(doc_id)]
    assert sorted(labels) == [("GPE", SpanState.REJECTED), ("LOC", SpanState.ACCEPTED)]
    review.undo()
    assert sorted((s.label, s.state) for s in review.gold.spans(doc_id)) == [
        ("GPE", SpanState.ACCEPTED), ("LOC", SpanState.REJECTED)]
    review.undo()
    assert review.gold.spans(doc_id) == []
    review.redo()
    assert len(review.gold.spans(doc_id)) == 2
    project.close()


def test_accept_agreed_in_one_step_per_document_or_for_all(tmp_path: Path) -> None:
    project, doc_id = build(tmp_path)
    review = Review(project, "rita", ["ana", "ben"])
    review.accept_agreed(doc_id)
    assert sorted(TEXT[s.start:s.end] for s in review.gold.spans(doc_id)) == [
        "Amina Mohammed", "UNICEF"]
    assert review.accept_agreed().event_ids == []  # nothing agreed is left open
    review.undo()
    assert review.gold.spans(doc_id) == []
    review.accept_agreed()
    assert len(review.gold.spans(doc_id)) == 2
    project.close()


def test_review_status_is_apart_from_each_annotators_status(tmp_path: Path) -> None:
    project, doc_id = build(tmp_path)
    review = Review(project, "ana", ["ana", "ben"])  # ana reviews her own and ben's work
    assert review.status(doc_id) is DocumentStatus.TODO
    review.take(doc_id, review.disagreements(doc_id)[0], ["ben"])
    assert review.status(doc_id) is DocumentStatus.IN_PROGRESS
    with pytest.raises(ReviewError, match="3 of 4 disagreements are still open"):
        review.set_status(doc_id, DocumentStatus.DONE)  # not silently: refused...
    assert review.status(doc_id) is DocumentStatus.IN_PROGRESS
    review.set_status(doc_id, DocumentStatus.DONE, force=True)  # ...unless meant
    assert review.status(doc_id) is DocumentStatus.DONE
    assert Decider(project, "ana").status(doc_id) is DocumentStatus.DONE  # her own, as before
    assert Decider(project, "ben").status(doc_id) is DocumentStatus.IN_PROGRESS
    assert review.annotator_status(doc_id) == {"ana": DocumentStatus.DONE,
                                               "ben": DocumentStatus.IN_PROGRESS}
    review.undo()
    assert review.status(doc_id) is DocumentStatus.IN_PROGRESS
    docs = {d.id: d for d in review.documents()}
    assert docs[doc_id].disagreements == 4 and docs[doc_id].open_disagreements == 3
    assert docs[doc_id].agreed_open == 2
    project.close()


def test_a_colleagues_layer_cannot_be_written_through_a_review(tmp_path: Path) -> None:
    from unannotate.services.decisions import DecisionError

    project, doc_id = build(tmp_path)
    with pytest.raises(DecisionError, match="read-only"):
        Decider(project, "rita", layer="annotator:ben")
    review = Review(project, "rita", ["ana", "ben"])
    ben_span = Decider(project, "ben").spans(doc_id)[0]
    with pytest.raises(DecisionError, match="another layer"):
        review.gold.delete(ben_span.id)
    project.close()


def test_unknown_layers_and_a_single_layer_are_refused(tmp_path: Path) -> None:
    project, _ = build(tmp_path)
    with pytest.raises(ReviewError, match="at least two"):
        Review(project, "rita", ["ana"])
    with pytest.raises(ReviewError, match="no annotator 'zoe'.*ana, ben"):
        Review(project, "rita", ["ana", "zoe"])
    with pytest.raises(ReviewError, match="no suggestions"):
        Review(project, "rita", ["ana", "suggestions"])
    project.close()


def test_suggestions_compare_as_one_more_layer(tmp_path: Path) -> None:
    from unannotate.services.suggesting import build_suggesters, run_suggester

    project, doc_id = build(tmp_path)
    for suggester in build_suggesters():
        run_suggester(project, suggester)
    review = Review(project, "rita", ["ana", "suggestions"])
    places = review.places(doc_id)
    assert any("suggestions" in v.holders for p in places for v in p.variants)
    unicef = next(p for p in places if TEXT[p.start:p.end] == "UNICEF")
    assert unicef.kind is PlaceKind.AGREED
    project.close()


def test_a_colleagues_project_file_comes_in_as_their_layer(tmp_path: Path) -> None:
    import hashlib

    from unannotate.services.colleague import ColleagueError, bring_in

    (tmp_path / "ours").mkdir()
    ours, doc_id = build(tmp_path / "ours")
    theirs_folder = tmp_path / "theirs_docs"
    theirs_folder.mkdir()
    (theirs_folder / "a.txt").write_bytes(TEXT.encode("utf-8"))
    (theirs_folder / "z.txt").write_text("Only in my colleague's project.", encoding="utf-8")
    theirs = open_project(tmp_path / "theirs.db")
    import_paths(theirs, [theirs_folder])
    with theirs.db.read() as session:
        their_doc = session.scalar(select(DocumentRow.id).where(DocumentRow.text == TEXT))
    Decider(theirs, "carl").add(their_doc, *at("Geneva"), "GPE")
    Decider(theirs, "carl").add(their_doc, *at("Kenya"), "NORP")
    Decider(theirs, "carl").set_status(their_doc, DocumentStatus.DONE)
    Decider(theirs, "dora").add(their_doc, *at("UNICEF"), "ORG")
    with theirs.db.read() as session:
        only_theirs = session.scalar(select(DocumentRow.id).where(DocumentRow.id != their_doc))
    Decider(theirs, "carl").add(only_theirs, 0, 4, "CARDINAL")
    theirs.close()
    original = (tmp_path / "theirs.db").read_bytes()
    digest = hashlib.sha256(original).hexdigest()

    report = bring_in(ours, tmp_path / "theirs.db", annotators=["carl"])
    assert [sha for _, sha in report.unmatched] == [hashlib.sha256(
        b"Only in my colleague's project.").hexdigest()]
    assert report.documents_matched == 1 and report.documents_new == 0
    carl = Decider(ours, "carl")
    assert sorted((TEXT[s.start:s.end], s.label) for s in carl.spans(doc_id)) == [
        ("Geneva", "GPE"), ("Kenya", "NORP")]
    assert carl.status(doc_id) is DocumentStatus.DONE
    assert Decider(ours, "dora").spans(doc_id) == []  # not chosen
    assert hashlib.sha256((tmp_path / "theirs.db").read_bytes()).hexdigest() == digest
    again = bring_in(ours, tmp_path / "theirs.db", annotators=["carl"])  # nothing twice
    assert again.already_present == 2 and len(carl.spans(doc_id)) == 2
    review = Review(ours, "rita", ["ana", "ben", "carl"])
    kenya = next(p for p in review.places(doc_id) if TEXT[p.start:p.end] == "Kenya")
    assert kenya.kind is PlaceKind.MISSING and {v.label for v in kenya.variants} == {"GPE", "NORP"}
    with pytest.raises(ColleagueError, match="no annotations by zoe"):
        bring_in(ours, tmp_path / "theirs.db", annotators=["zoe"])
    with pytest.raises(ColleagueError, match="carl, dora"):
        bring_in(ours, tmp_path / "theirs.db", rename="someone")
    ours.close()


def test_a_colleagues_export_comes_in_on_matching_documents_only(tmp_path: Path) -> None:
    import json

    from unannotate.services.colleague import bring_in

    def utf16(index: int) -> int:  # doccano counts as the browser does
        return len(TEXT[:index].encode("utf-16-le")) // 2

    project, doc_id = build(tmp_path)
    export = tmp_path / "carl.jsonl"
    start, end = at("Geneva")
    export.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"text": TEXT, "label": [[utf16(start), utf16(end), "GPE"]]},  # doccano
        {"text": "A text this project does not hold.", "label": [[0, 1, "X"]]},
    ]) + "\n", encoding="utf-8")
    report = bring_in(project, export, rename="carl")
    assert report.documents_new == 0 and len(report.unmatched) == 1
    assert [(s.start, s.end) for s in Decider(project, "carl").spans(doc_id)] == [(start, end)]
    with project.db.read() as session:
        assert session.scalar(select(DocumentRow.id).where(
            DocumentRow.text == "A text this project does not hold.")) is None
    project.close()


def test_the_command_line_brings_in_reviews_and_reports(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from unannotate.cli import app

    (tmp_path / "ours").mkdir()
    project, doc_id = build(tmp_path / "ours")
    project.close()
    ours = str(tmp_path / "ours" / "p.db")
    folder = tmp_path / "theirs_docs"
    folder.mkdir()
    (folder / "a.txt").write_bytes(TEXT.encode("utf-8"))
    theirs = open_project(tmp_path / "theirs.db")
    import_paths(theirs, [folder])
    Decider(theirs, "carl").add(1, *at("Geneva"), "GPE")
    theirs.close()
    runner = CliRunner()
    done = runner.invoke(app, ["bring-in", str(tmp_path / "theirs.db"), "-p", ours])
    assert done.exit_code == 0, done.output
    assert "annotator:carl: 1 spans (GPE 1)" in done.output
    assert "1 documents matched" in done.output

    report = tmp_path / "agreement.html"
    shown = runner.invoke(app, ["agreement", "-p", ours, "-a", "ana,ben,carl", "-o",
                                str(report), "--json"])
    assert shown.exit_code == 0, shown.output
    figures = json.loads(shown.output)
    assert [p["a"] + "-" + p["b"] for p in figures["pairs"]] == ["ana-ben", "ana-carl",
                                                                 "ben-carl"]
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    bad = runner.invoke(app, ["agreement", "-p", ours, "-a", "ana,ben", "-o",
                              str(tmp_path / "r.pdf")])
    assert bad.exit_code == 1 and ".csv" in bad.output

    refused = runner.invoke(app, ["review", "-p", ours, "-a", "ana,zoe"])
    assert refused.exit_code == 1 and "no annotator 'zoe'" in refused.output
    again = open_project(ours, create=False)
    with again.db.read() as session:
        from unannotate.storage.schema import AnnotatorRow
        assert sorted(session.scalars(select(AnnotatorRow.name))) == ["ana", "ben", "carl"]
    again.close()


def test_a_comment_on_an_open_place_only_comments(tmp_path: Path) -> None:
    project, doc_id = build(tmp_path)
    review = Review(project, "rita", ["ana", "ben"])
    date = review.disagreements(doc_id)[1]
    assert TEXT[date.start:date.end] == "3 May 2025"
    review.comment(date, "ask ana about the day")
    date = review.disagreements(doc_id)[1]
    assert not date.settled and date.comment == "ask ana about the day"  # still open
    assert review.open_count(doc_id) == (4, 4)
    assert not [s for s in review.gold.spans(doc_id) if s.state is not SpanState.SUGGESTED]
    with project.db.read() as session:
        kinds = [k for (k,) in session.execute(
            select(EventRow.kind).where(EventRow.layer_id == review.gold_layer_id))]
    assert kinds == ["comment"]  # recorded as what it is, never as a decision
    review.comment(date, "ask ana about the day, and ben")  # changed, still one note
    date = review.disagreements(doc_id)[1]
    assert date.comment == "ask ana about the day, and ben" and len(date.gold) == 1
    review.undo()
    assert review.disagreements(doc_id)[1].comment == "ask ana about the day"
    review.undo()
    assert review.disagreements(doc_id)[1].comment == "" and not review.gold.spans(doc_id)
    review.redo()
    date = review.disagreements(doc_id)[1]
    # Settling it keeps the comment, on the decisions that replace the note.
    review.take(doc_id, date, ["ana"])
    date = review.disagreements(doc_id)[1]
    assert date.settled and date.comment == "ask ana about the day"
    assert {s.state for s in review.gold.spans(doc_id)} == {SpanState.ACCEPTED,
                                                          SpanState.REJECTED}
    review.comment(review.disagreements(doc_id)[0], "")  # an empty comment on none: nothing
    assert review.open_count(doc_id) == (3, 4)
    project.close()


def test_gold_exports_say_what_is_still_open_and_leave_notes_out(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from unannotate.cli import app

    project, doc_id = build(tmp_path)
    review = Review(project, "rita", ["ana", "ben"])
    geneva, date, _kenya, _wfp = review.disagreements(doc_id)
    review.take(doc_id, geneva, ["ben"])
    review.comment(date, "which day?")
    review.accept_agreed(doc_id)
    project.close()
    runner = CliRunner()
    out = tmp_path / "gold.jsonl"
    result = runner.invoke(app, ["export", "-p", str(tmp_path / "p.db"), "--layer", "gold",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert ("warning: 1 documents in gold have 3 disagreements between ana, ben not settled "
            f"in gold") in result.output
    assert f"document {doc_id} (3 of 4 open)" in result.output
    line = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    states = {s["state"] for layer in line["layers"] for s in layer["entities"]}
    assert states == {"accepted", "rejected"}  # the note on the open place is not a span
    doccano = tmp_path / "gold-doccano.jsonl"
    result = runner.invoke(app, ["export", "-p", str(tmp_path / "p.db"), "--layer", "gold",
                                 "-f", "doccano", "-o", str(doccano)])
    assert result.exit_code == 0, result.output
    record = json.loads(doccano.read_text(encoding="utf-8").splitlines()[0])
    # Taken and agreed spans only: neither the rejected GPE nor the note on the date.
    assert sorted(label for _, _, label in record["label"]) == ["LOC", "ORG", "PERSON"]
    settled = open_project(tmp_path / "p.db", create=False)
    review = Review(settled, "rita", ["ana", "ben"])
    for place in review.disagreements(doc_id):
        if not place.settled:
            review.take(doc_id, place, ["ana"])
    settled.close()
    result = runner.invoke(app, ["export", "-p", str(tmp_path / "p.db"), "--layer", "gold",
                                 "-o", str(out)])
    assert result.exit_code == 0 and "warning" not in result.output, result.output


def test_the_open_documents_state_gives_what_changed_without_qt(tmp_path: Path) -> None:
    from unannotate.services.review_state import Look, ReviewState

    project, doc_id = build(tmp_path)
    review = Review(project, "rita", ["ana", "ben"])
    state = ReviewState(review)
    places, unplaced = review.read_document(doc_id)
    delta = state.show(doc_id, TEXT, places, unplaced)
    assert delta.new_document and len(delta.added) == 6
    looks = [state.mark(key[2]).look for key in state.keys()]
    assert looks == [Look.AGREED, Look.AGREED, Look.OPEN, Look.OPEN, Look.OPEN, Look.OPEN]
    state.step()
    assert state.current == 2  # Geneva, the first open one
    geneva = state.place
    assert geneva is not None
    # Neither: the place stays where it is and is drawn otherwise, which the delta says.
    delta = state.apply(review.take(doc_id, geneva, []))
    assert delta.restyled == [(geneva.start, geneva.end, 3)] and delta.rows == [2]
    assert state.mark(3).look is Look.NEITHER and state.current == 3  # on to the next
    # Taking a version: the place gives way to the gold spans taken.
    date = state.place
    assert date is not None
    delta = state.apply(review.take(doc_id, date, ["ana"]))
    gold = [g for g in state.places[3].gold if g.state.value == "accepted"]
    assert delta.removed == [4] and delta.added == [(gold[0].start, gold[0].end, -gold[0].id)]
    assert state.mark(-gold[0].id).look is Look.GOLD and state.mark(-gold[0].id).label == "DATE"
    # A comment leaves the place open and its drawing alone.
    kenya = state.place
    assert kenya is not None and state.current == 4
    delta = state.apply(review.comment(kenya, "is Kenya a GPE here?"))
    assert not delta.removed and not delta.added and delta.rows == [4]
    assert state.current == 4 and state.counts() == (2, 4)
    # Everything agreed, then undone, then redone: each a delta of exactly those places.
    delta = state.apply(review.accept_agreed(doc_id))
    assert sorted(delta.removed) == [1, 2] and len(delta.added) == 2
    delta = state.apply(review.undo())
    assert len(delta.removed) == 2 and delta.added == [(places[0].start, places[0].end, 1),
                                                       (places[1].start, places[1].end, 2)]
    assert sorted(state.apply(review.redo()).removed) == [1, 2]
    # A change in another document changes nothing here.
    other = Decider(project, "rita", layer="gold").add(2, 0, 7, "ORG")
    assert not state.apply(other)
    project.close()
