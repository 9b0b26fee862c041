"""Finished work survives: imports mark done what a file says was finished, and every export
writes the done documents, those without spans too (the negatives a model learns from)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from sqlalchemy import text as sql

from unannotate.services.annotation_files import (
    AnnotationExportReport,
    export_annotations,
    import_annotations,
)
from unannotate.services.project import Project, open_project

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "formats"

# Three finished documents (one with entities, two without) and one nobody annotated.
WITH_SPANS = "The council met in Accra on Monday ."
QUIET = "Delegates thanked the chair for her patience ."
EMPTY = "No vote was held ."
UNTOUCHED = "The minutes will follow next week ."
ENTITIES = [("Accra", "GPE"), ("Monday", "DATE")]
FORMATS = ("jsonl", "prodigy", "doccano", "label-studio", "brat", "conll", "spacy")


def _key(text: str) -> str:
    """A document's identity across formats: CoNLL rebuilds white space, nothing else."""
    return "".join(text.split())


DONE = {_key(WITH_SPANS), _key(QUIET), _key(EMPTY)}
SPANLESS = {_key(QUIET), _key(EMPTY)}


def _offsets(text: str) -> list[tuple[int, int, str]]:
    found = []
    for word, label in ENTITIES:
        if word in text:
            start = text.index(word)
            found.append((start, start + len(word), label))
    return found


# --- finished files of each format, written here by hand ---------------------------------------


def _native(folder: Path) -> Path:
    from unannotate.core.model import text_sha256

    def line(text: str, status: str) -> str:
        entities = [{"start": s, "end": e, "label": label, "text": text[s:e],
                     "state": "accepted"} for s, e, label in _offsets(text)]
        return json.dumps({
            "format": "unannotate", "version": 1, "sha256": text_sha256(text), "title": "",
            "language": "en", "source": "", "meta": {}, "text": text,
            "layers": [{"name": "annotator:ana", "kind": "annotator", "annotator": "ana",
                        "status": status, "entities": entities, "claims": []}]})

    path = folder / "finished.jsonl"
    path.write_text("\n".join([line(WITH_SPANS, "done"), line(QUIET, "done"),
                               line(EMPTY, "done"), line(UNTOUCHED, "todo")]) + "\n", "utf-8")
    return path


def _prodigy(folder: Path) -> Path:
    def record(text: str, answer: str | None) -> str:
        task: dict[str, object] = {
            "text": text, "_input_hash": 1, "_task_hash": 2, "_view_id": "ner_manual",
            "_annotator_id": "minutes-ana", "_session_id": "minutes-ana",
            "spans": [{"start": s, "end": e, "label": label} for s, e, label in _offsets(text)]}
        if answer:
            task["answer"] = answer
        return json.dumps(task)

    path = folder / "finished.jsonl"
    path.write_text("\n".join([record(WITH_SPANS, "accept"), record(QUIET, "accept"),
                               record(EMPTY, "accept"), record(UNTOUCHED, None)]) + "\n", "utf-8")
    return path


def _doccano(folder: Path) -> Path:
    rows = [{"text": t, "label": [list(o) for o in _offsets(t)]}
            for t in (WITH_SPANS, QUIET, EMPTY)]
    rows.append({"text": UNTOUCHED})  # a text alone: still to annotate
    path = folder / "finished.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), "utf-8")
    return path


def _label_studio(folder: Path) -> Path:
    def task(text: str) -> dict[str, object]:
        result = [{"id": f"r{s}", "from_name": "label", "to_name": "text", "type": "labels",
                   "value": {"start": s, "end": e, "text": text[s:e], "labels": [label]}}
                  for s, e, label in _offsets(text)]
        return {"data": {"text": text}, "annotations": [{"result": result}]}

    tasks = [task(WITH_SPANS), task(QUIET), task(EMPTY), {"data": {"text": UNTOUCHED}}]
    path = folder / "finished.json"
    path.write_text(json.dumps(tasks), "utf-8")
    return path


def _brat(folder: Path) -> Path:
    root = folder / "brat"
    root.mkdir()
    for name, text in (("a", WITH_SPANS), ("b", QUIET), ("c", EMPTY), ("d", UNTOUCHED)):
        (root / f"{name}.txt").write_text(text, "utf-8")
        if text != UNTOUCHED:  # brat writes a .ann for every text it showed
            (root / f"{name}.ann").write_text("".join(
                f"T{i}\t{label} {s} {e}\t{text[s:e]}\n"
                for i, (s, e, label) in enumerate(_offsets(text), start=1)), "utf-8")
    return root


def _conll(folder: Path) -> Path:
    lines = []
    for text in (WITH_SPANS, QUIET, EMPTY):
        lines += ["-DOCSTART- -X- -X- O", ""]
        tags = {start: f"B-{label}" for start, _, label in _offsets(text)}
        position = 0
        for word in text.split(" "):
            lines.append(f"{word} {tags.get(position, 'O')}")
            position += len(word) + 1
        lines.append("")
    path = folder / "finished.conll"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _spacy(folder: Path) -> Path:
    nlp = spacy.blank("en")
    docbin = DocBin()
    for text in (WITH_SPANS, QUIET, EMPTY):
        doc = nlp.make_doc(text)
        doc.ents = [doc.char_span(s, e, label=label) for s, e, label in _offsets(text)]
        docbin.add(doc)  # ents set: every other token "O", also where there is none
    docbin.add(nlp.make_doc(UNTOUCHED))  # entity tags missing: never annotated
    path = folder / "finished.spacy"
    docbin.to_disk(path)
    return path


SOURCES: dict[str, Callable[[Path], Path]] = {
    "jsonl": _native, "prodigy": _prodigy, "doccano": _doccano, "label-studio": _label_studio,
    "brat": _brat, "conll": _conll, "spacy": _spacy,
}
HAS_UNTOUCHED = {name for name in SOURCES if name != "conll"}  # CoNLL tags every token


def _out(folder: Path, fmt: str) -> Path:
    suffix = {"brat": "", "spacy": ".spacy", "conll": ".conll", "label-studio": ".json"}
    return folder / f"export-{fmt}{suffix.get(fmt, '.jsonl')}"


def _done(project: Project, annotator: str = "ana") -> dict[str, int]:
    """Each document the annotator marked done (by its key) with its number of spans."""
    query = sql(
        "SELECT d.text, (SELECT count(*) FROM spans s JOIN layers y ON y.id = s.layer_id "
        " WHERE s.document_id = d.id AND y.annotator_id = a.id AND s.state = 'accepted') "
        "FROM document_status t JOIN documents d ON d.id = t.document_id "
        "JOIN annotators a ON a.id = t.annotator_id WHERE a.name = :name AND t.status = 'done'")
    with project.db.read() as session:
        return {_key(text): count for text, count in session.execute(query, {"name": annotator})}


def _imported(folder: Path, fmt: str) -> Project:
    project = open_project(folder / f"from-{fmt}.db")
    report = import_annotations(project, SOURCES[fmt](folder), fmt=fmt, annotator="ana")
    assert report.became_done == 3
    return project


def _export(project: Project, folder: Path, fmt: str, **options: object
            ) -> tuple[Path, AnnotationExportReport]:
    out = _out(folder, fmt)
    [report] = export_annotations(project, out, fmt=fmt, layer="ana",
                                  **options)  # type: ignore[arg-type]
    return out, report


def _spacy_docs(path: Path) -> list[Doc]:
    return list(DocBin().from_disk(path).get_docs(spacy.blank("en").vocab))


# --- each format in, every format out ------------------------------------------------------


@pytest.mark.parametrize("target", FORMATS)
@pytest.mark.parametrize("source", FORMATS)
def test_finished_documents_without_spans_survive_every_export(
        source: str, target: str, tmp_path: Path) -> None:
    project = _imported(tmp_path, source)
    assert _done(project) == {_key(WITH_SPANS): 2, _key(QUIET): 0, _key(EMPTY): 0}
    out, report = _export(project, tmp_path, target)
    assert (report.done, report.done_without_spans) == (3, 2)
    assert report.untouched_left_out == (1 if source in HAS_UNTOUCHED else 0)
    assert report.written.documents == 3
    again = open_project(tmp_path / "again.db")
    imported = import_annotations(again, out, fmt=target, annotator="ana")
    assert imported.documents_new == 3 and imported.became_done == 3
    assert _done(again) == {_key(WITH_SPANS): 2, _key(QUIET): 0, _key(EMPTY): 0}
    if target == "spacy":  # what spaCy itself reads: "O" on every token of the negatives
        docs = {_key(doc.text): doc for doc in _spacy_docs(out)}
        assert set(docs) == DONE
        for key in SPANLESS:
            assert [t.ent_iob_ for t in docs[key]] == ["O"] * len(docs[key])
        assert [e.label_ for e in docs[_key(WITH_SPANS)].ents] == ["GPE", "DATE"]


@pytest.mark.parametrize("target", FORMATS)
def test_untouched_documents_are_written_as_not_annotated_when_asked(
        target: str, tmp_path: Path) -> None:
    project = _imported(tmp_path, "doccano")
    out, report = _export(project, tmp_path, target, include_untouched=True)
    assert report.untouched_left_out == 0 and report.untouched_written == 1
    if target == "conll":  # no tag says "not annotated": reported, not written as all-O
        assert report.written.documents == 3
        assert any("not annotated" in d.why for d in report.written.dropped)
        return
    assert report.written.documents == 4
    again = open_project(tmp_path / "again.db")
    import_annotations(again, out, fmt=target, annotator="ana")
    assert set(_done(again)) == DONE  # read back as still to do
    with again.db.read() as session:
        assert _key(UNTOUCHED) in {_key(t) for t in session.scalars(sql("SELECT text FROM "
                                                                        "documents"))}
    if target == "spacy":
        [doc] = [d for d in _spacy_docs(out) if _key(d.text) == _key(UNTOUCHED)]
        assert not doc.has_annotation("ENT_IOB")  # missing: spaCy leaves it out of the loss


def test_import_status_overrides_what_the_file_says(tmp_path: Path) -> None:
    path = _doccano(tmp_path)
    todo = open_project(tmp_path / "todo.db")
    report = import_annotations(todo, path, annotator="ana", status="todo")
    assert report.became_done == 0 and _done(todo) == {}
    done = open_project(tmp_path / "done.db")
    report = import_annotations(done, path, annotator="ana", status="done")
    assert report.became_done == 4 and set(_done(done)) == DONE | {_key(UNTOUCHED)}
    with pytest.raises(Exception, match="--status takes done or todo"):
        import_annotations(done, path, annotator="ana", status="finished")


def test_predictions_never_become_done_even_with_status_done(tmp_path: Path) -> None:
    task = {"data": {"text": "Chad and Niger ."}, "predictions": [{"model_version": "m1",
            "result": [{"type": "labels", "value": {"start": 0, "end": 4, "text": "Chad",
                                                    "labels": ["GPE"]}}]}]}
    path = tmp_path / "predicted.json"
    path.write_text(json.dumps([task]), "utf-8")
    project = open_project(tmp_path / "p.db")
    report = import_annotations(project, path, annotator="ana", status="done")
    assert report.became_done == 0 and _done(project) == {}


# --- negatives: rejections --------------------------------------------------------------------


def test_rejections_are_negatives_where_the_format_has_a_way(tmp_path: Path) -> None:
    project = open_project(tmp_path / "p.db")
    text = "Ghana met Peru ."
    records = [{"text": text, "_view_id": "ner", "answer": answer, "_annotator_id": "x-ana",
                "spans": [{"start": s, "end": e, "label": "GPE"}]}
               for answer, (s, e) in (("accept", (0, 5)), ("reject", (10, 14)))]
    source = tmp_path / "teach.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    import_annotations(project, source, annotator="ana")
    prodigy_out, report = _export(project, tmp_path, "prodigy")
    assert report.rejections == 1 and report.keeps_rejections
    tasks = [json.loads(line) for line in prodigy_out.read_text("utf-8").splitlines()]
    negatives = [t for t in tasks if t.get("answer") == "reject"]
    assert [(t["_view_id"], t["spans"][0]["start"]) for t in negatives] == [("ner", 10)]
    native_out, _ = _export(project, tmp_path, "jsonl")
    [line] = native_out.read_text("utf-8").splitlines()
    states = {(s["start"], s["state"]) for s in json.loads(line)["layers"][0]["entities"]}
    assert states == {(0, "accepted"), (10, "rejected")}
    doccano_out, report = _export(project, tmp_path, "doccano")
    assert report.rejections == 1 and not report.keeps_rejections
    assert any("rejection" in d.why for d in report.written.dropped)  # counted, not written
    again = open_project(tmp_path / "again.db")
    import_annotations(again, prodigy_out, annotator="ana")
    with again.db.read() as session:
        assert set(session.execute(sql("SELECT start, state FROM spans s JOIN layers y ON "
                                       "y.id = s.layer_id WHERE y.kind = 'annotator'"))) == {
            (0, "accepted"), (10, "rejected")}


# --- spaCy trains on the negatives ---------------------------------------------------------


def _examples(path: Path) -> list[Example]:
    from spacy.training import Corpus

    nlp = spacy.blank("en")
    return list(Corpus(str(path))(nlp))


def test_spacy_sees_no_missing_entity_tags_on_done_documents(tmp_path: Path) -> None:
    project = _imported(tmp_path, "spacy")
    out, _ = _export(project, tmp_path, "spacy")
    examples = _examples(out)
    assert len(examples) == 3
    for example in examples:
        # spaCy's own view of the training data: every token's entity tag is known (a
        # missing one is None here, "-" in older versions), so the negatives count.
        tags = example.get_aligned_ner()
        assert example.reference.has_annotation("ENT_IOB", require_complete=True)
        assert None not in tags and "-" not in tags
        if _key(example.reference.text) in SPANLESS:
            assert set(tags) == {"O"}
    # The check can fail: a document with spans that nobody marked done has its other tokens
    # missing, and documents nobody touched carry no entity annotation at all.
    unfinished = open_project(tmp_path / "unfinished.db")
    import_annotations(unfinished, _doccano(tmp_path), annotator="ana", status="todo")
    (tmp_path / "unfinished").mkdir()
    partial, report = _export(unfinished, tmp_path / "unfinished", "spacy",
                              include_untouched=True)
    assert report.written.documents == 4 and report.done == 0
    examples = {_key(e.reference.text): e for e in _examples(partial)}
    tags = examples[_key(WITH_SPANS)].get_aligned_ner()
    assert tags.count(None) == len(WITH_SPANS.split()) - len(ENTITIES)
    for key in (_key(QUIET), _key(EMPTY), _key(UNTOUCHED)):
        assert not examples[key].reference.has_annotation("ENT_IOB")


def test_a_tiny_ner_training_run_learns_from_the_negatives(tmp_path: Path) -> None:
    project = _imported(tmp_path, "spacy")
    out, _ = _export(project, tmp_path, "spacy")
    examples = _examples(out)
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    optimizer = nlp.initialize(lambda: examples)
    losses: dict[str, float] = {}
    for _ in range(3):
        nlp.update(examples, sgd=optimizer, losses=losses)
    assert losses["ner"] > 0
    assert set(nlp.get_pipe("ner").labels) == {"GPE", "DATE"}


# --- bad input: statuses that contradict each other --------------------------------------------


def test_a_cancelled_and_a_submitted_annotation_by_one_person_the_later_wins(
        tmp_path: Path) -> None:
    def annotation(number: int, when: str, cancelled: bool, text: str) -> dict[str, object]:
        result = [{"type": "labels", "value": {"start": s, "end": e, "text": text[s:e],
                                                "labels": [label]}}
                  for s, e, label in _offsets(text)]
        return {"id": number, "completed_by": {"email": "ana@example.org"},
                "was_cancelled": cancelled, "updated_at": when,
                "result": [] if cancelled else result}

    tasks = [
        # Submitted, then cancelled (listed in the other order): skipped in the end.
        {"data": {"text": WITH_SPANS}, "annotations": [
            annotation(2, "2026-03-02T10:00:00Z", True, WITH_SPANS),
            annotation(1, "2026-03-01T10:00:00Z", False, WITH_SPANS)]},
        # Cancelled, then submitted: done, a negative.
        {"data": {"text": QUIET}, "annotations": [
            annotation(3, "2026-03-01T09:00:00+00:00", True, QUIET),
            annotation(4, "2026-03-01T11:00:00+00:00", False, QUIET)]},
        # Two people: one cancelled, the other submitted; no contradiction.
        {"data": {"text": EMPTY}, "annotations": [
            annotation(5, "2026-03-01T09:00:00Z", True, EMPTY),
            {**annotation(6, "2026-03-01T08:00:00Z", False, EMPTY), "completed_by": 7}]},
    ]
    path = tmp_path / "contradicting.json"
    written = json.dumps(tasks, indent=1)
    path.write_text(written, "utf-8")
    task_lines = [n for n, line in enumerate(written.splitlines(), start=1) if line == " {"]
    project = open_project(tmp_path / "p.db")
    report = import_annotations(project, path)
    assert _done(project, "ana@example.org") == {_key(QUIET): 0}
    assert _done(project, "ls-7") == {_key(EMPTY): 0}
    contradictions = [d for d in report.read.dropped if "later" in d.why]
    assert [(d.where, d.what) for d in contradictions] == [
        (f"{path}:{task_lines[0]}", "annotation 1 by ana@example.org"),
        (f"{path}:{task_lines[1]}", "annotation 3 by ana@example.org")]
    assert "the later one is kept" in contradictions[0].why
    assert report.became_done == 2
    with project.db.read() as session:  # the spans of the superseded annotation: not kept
        assert session.scalar(sql("SELECT count(*) FROM spans")) == 0


def test_records_that_contradict_each_other_the_later_wins_and_each_is_named(
        tmp_path: Path) -> None:
    span = {"start": WITH_SPANS.index("Accra"), "end": WITH_SPANS.index("Accra") + 5,
            "label": "GPE"}
    rows = [{"text": WITH_SPANS, "spans": [span], "answer": answer, "_view_id": "ner_manual",
             "_annotator_id": "minutes-ana"} for answer in ("accept", "reject", "accept")]
    rows.append({"text": QUIET, "spans": [], "answer": "accept", "_view_id": "ner_manual",
                 "_annotator_id": "minutes-ana"})
    rows.append({"text": QUIET, "spans": [], "answer": "reject", "_view_id": "ner_manual",
                 "_annotator_id": "minutes-ana"})
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    project = open_project(tmp_path / "p.db")
    report = import_annotations(project, path)
    assert report.status_conflicts == [
        f"{path}:2: ana marks the document in progress (rejected or unconfirmed), "
        f"{path}:1 marked it done: the later record wins",
        f"{path}:3: ana marks the document done, {path}:2 marked it in progress (rejected or "
        "unconfirmed): the later record wins",
        f"{path}:5: ana marks the document in progress (rejected or unconfirmed), "
        f"{path}:4 marked it done: the later record wins",
    ]
    assert set(_done(project)) == {_key(WITH_SPANS)}
    assert (report.became_done, report.in_progress) == (1, 1)


# --- files other tools wrote ------------------------------------------------------------------

# (file, --format, reader options): each imported, then exported in its own format.
SHARED_FILES = [
    ("prodigy/annotated_news_headlines-ORG-PERSON-LOCATION-ner.jsonl", None, {}),
    ("prodigy/ner_fashion_brands_eval.jsonl", None, {}),
    ("prodigy/spanruler_restaurant_test_review_first500.jsonl", None, {}),
    ("brat/news", None, {}),
    ("label-studio/named_entity__annotations_1.json", None, {}),
    ("label-studio/named_entity__tasks.json", None, {}),
    ("doccano/export_sequence_labeling_example.jsonl", None, {}),
    ("doccano/export_relation_extraction_example_prettyprinted.jsonl", None, {}),
    ("doccano/import_relation_extraction_entities_example.jsonl", "doccano", {}),
    ("doccano/import_sequence_labeling_custom_columns_example.jsonl", "doccano",
     {"text_key": "column_data", "label_key": "column_label"}),
    ("doccano/test_sequence_labeling_overlapping.jsonl", None, {}),
    ("doccano/import_sequence_labeling_conll_example.txt", "conll", {}),
    ("doccano/test_sequence_labeling_example.conll", None, {}),
    ("doccano/test_labeling.trailing.conll", None, {}),
    ("spacy/ner_tweets_demo.spacy", None, {}),
]


@pytest.mark.parametrize(("name", "fmt", "options"), SHARED_FILES,
                         ids=[name for name, _, _ in SHARED_FILES])
def test_files_other_tools_wrote_round_trip_with_every_document(
        name: str, fmt: str | None, options: dict[str, str], tmp_path: Path) -> None:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"no shared sample {name} beside the project")
    project = open_project(tmp_path / "p.db")
    imported = import_annotations(project, path, fmt=fmt, annotator="ana", options=options)
    documents_in = imported.documents_new
    layers = sorted({layer.split(":", 1)[1] if ":" in layer else layer if layer == "gold"
                     else "suggestions" for layer in imported.spans} or {"ana"})
    for layer in layers:
        out = _out(tmp_path, imported.format)
        [report] = export_annotations(project, out, fmt=imported.format, layer=layer,
                                      include_untouched=False)
        # Every document is written but those not done and without spans, which are counted.
        assert report.written.documents + report.untouched_left_out == documents_in
        assert report.written.documents >= imported.became_done
        [everything] = export_annotations(project, out, fmt=imported.format, layer=layer,
                                          include_untouched=True)
        assert everything.written.documents == documents_in, layer
        again = open_project(tmp_path / f"again-{layer}.db")
        back = import_annotations(again, out, fmt=imported.format, annotator="ana")
        assert back.documents_new == documents_in
        again.close()


# --- the command line -----------------------------------------------------------------------


def test_the_commands_say_how_many_became_done_and_how_many_had_no_span(
        tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from unannotate.cli import app

    runner = CliRunner()
    project = str(tmp_path / "p.db")
    source = _prodigy(tmp_path)
    imported = runner.invoke(app, ["import", str(source), "-p", project])
    assert imported.exit_code == 0, imported.output
    assert "3 documents marked done" in imported.output
    exported = runner.invoke(app, ["export", "-p", project, "-f", "spacy", "--layer", "ana",
                                   "-o", str(tmp_path / "out.spacy")])
    assert exported.exit_code == 0, exported.output
    assert "wrote 3 documents (ana)" in exported.output
    assert "3 marked done, 2 of them without spans (written as negative examples)" \
        in exported.output
    assert "1 documents not done and without spans were left out (--include-untouched " \
        "writes them)" in exported.output
    everything = runner.invoke(app, ["export", "-p", project, "-f", "spacy", "--layer", "ana",
                                     "--include-untouched", "-o", str(tmp_path / "all.spacy")])
    assert everything.exit_code == 0, everything.output
    assert "wrote 4 documents" in everything.output
    assert "1 documents not done and without spans written as not annotated" \
        in everything.output
    again = runner.invoke(app, ["import", str(source), "-p", str(tmp_path / "q.db"),
                                "--status", "todo"])
    assert again.exit_code == 0 and "0 documents marked done" in again.output
    wrong = runner.invoke(app, ["import", str(source), "-p", project, "--status", "finished"])
    assert wrong.exit_code == 1 and "--status takes done or todo" in wrong.output


def test_the_import_command_names_each_contradicting_record(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from unannotate.cli import app

    rows = [{"text": EMPTY, "spans": [], "answer": answer, "_view_id": "ner_manual",
             "_annotator_id": "minutes-ana"} for answer in ("accept", "reject")]
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    result = CliRunner().invoke(app, ["import", str(path), "-p", str(tmp_path / "p.db")])
    assert result.exit_code == 0, result.output
    assert f"status {path}:2: ana marks the document in progress" in result.output
    assert "0 documents marked done, 1 left in progress" in result.output
