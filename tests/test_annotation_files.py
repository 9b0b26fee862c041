"""Importing and exporting annotations through the project, in every format."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from command_line import run as cli
from sqlalchemy import func, select, text

from unannotate.core.model import DocumentStatus
from unannotate.services.annotation_files import (
    InterchangeError,
    detect_format,
    export_annotations,
    import_annotations,
)
from unannotate.services.decisions import Decider
from unannotate.services.importing import import_paths
from unannotate.services.project import Project, open_project
from unannotate.storage.schema import DocumentRow, EventRow, SpanRow

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "formats"

TEXTS = {
    "emoji.txt": "🌍🌍 UNICEF and WHO met in Geneva on 3 May 2025.\nThe 👍🏽 deal: $5 million.",
    "crlf.txt": "Kenya pledged 12 per cent.\r\n\r\nAmina Mohammed spoke in Nairobi.\r\n",
    "plain.txt": "The Security Council met on Tuesday. Ghana and Peru voted in favour.",
}


def _annotated_project(path: Path, tmp: Path) -> Project:
    """Three documents with emoji, CRLF and plain text, and ana's annotations in each, one
    of them marked done: entities (some overlapping) and a claim."""
    folder = tmp / "docs"
    folder.mkdir(exist_ok=True)
    for name, text in TEXTS.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    project = open_project(path)
    import_paths(project, [folder])
    ana = Decider(project, "ana")
    with project.db.read() as session:
        ids = {body: doc_id for doc_id, body in session.execute(
            select(DocumentRow.id, DocumentRow.text))}
    for body, doc_id in ids.items():
        for word, label in (("UNICEF", "ORG"), ("Geneva", "GPE"), ("3 May 2025", "DATE"),
                            ("Kenya", "GPE"), ("Amina Mohammed", "PERSON"), ("Nairobi", "GPE"),
                            ("Security Council", "ORG"), ("Council", "ORG"), ("Ghana", "GPE"),
                            ("$5 million", "MONEY")):
            if word in body:
                start = body.index(word)
                ana.add(doc_id, start, start + len(word), label)
        first = body.splitlines()[0].split(". ")[0]
        ana.add(doc_id, 0, len(first), "CLAIM")
    ana.set_status(ids[TEXTS["emoji.txt"]], DocumentStatus.DONE)
    return project


def _spans(project: Project, annotator: str = "ana") -> set[tuple[str, int, int, str]]:
    """(text, start, end, label) of the annotator's accepted spans."""
    sql = ("SELECT d.text, s.start, s.end, l.name FROM spans s JOIN documents d ON d.id = "
           "s.document_id JOIN labels l ON l.id = s.label_id JOIN layers y ON y.id = s.layer_id "
           f"WHERE y.name = 'annotator:{annotator}' AND s.state = 'accepted'")
    with project.db.read() as session:
        return {tuple(row) for row in session.execute(text(sql))}


# Formats that keep every span of the sample (with the options given).
LOSSLESS = {
    "jsonl": {}, "prodigy": {}, "label-studio": {}, "doccano": {"allow_overlapping": True},
    "brat": {}, "spacy": {},
}


@pytest.mark.parametrize("fmt", sorted(LOSSLESS))
def test_export_then_import_keeps_every_span(fmt: str, tmp_path: Path) -> None:
    source = _annotated_project(tmp_path / "a.db", tmp_path)
    expected = _spans(source)
    assert len(expected) == 13
    out = tmp_path / ("out" if fmt == "brat" else f"out.{'spacy' if fmt == 'spacy' else 'json'}")
    if fmt in ("jsonl", "prodigy", "doccano"):
        out = tmp_path / "out.jsonl"
    [report] = export_annotations(source, out, fmt=fmt, layer="ana", options=LOSSLESS[fmt])
    assert report.written.documents == 3
    assert sum(report.written.spans.values()) == 13
    source.close()
    target = open_project(tmp_path / "b.db")
    assert detect_format(out) is not None and detect_format(out).name == fmt
    imported = import_annotations(target, out, annotator="ana")
    assert imported.documents_new == 3
    assert _spans(target) == expected
    # Documents keep their exact text: emoji, CRLF and all.
    with target.db.read() as session:
        assert set(session.scalars(select(DocumentRow.text))) == set(TEXTS.values())
    target.close()


def test_conll_keeps_entities_and_says_what_it_cannot(tmp_path: Path) -> None:
    source = _annotated_project(tmp_path / "a.db", tmp_path)
    [report] = export_annotations(source, tmp_path / "out.conll", fmt="conll", layer="ana")
    reasons = Counter(d.why for d in report.written.dropped)
    assert any("claim" in why.lower() for why in reasons)
    assert any("overlap" in why.lower() for why in reasons)  # "Council" inside "Security Council"
    target = open_project(tmp_path / "b.db")
    import_annotations(target, tmp_path / "out.conll", annotator="ana")
    labels = Counter(label for _, _, _, label in _spans(target))
    assert labels == {"GPE": 4, "ORG": 2, "PERSON": 1, "DATE": 1, "MONEY": 1}


def test_reimport_adds_nothing_twice(tmp_path: Path) -> None:
    source = _annotated_project(tmp_path / "a.db", tmp_path)
    export_annotations(source, tmp_path / "out.jsonl", fmt="prodigy", layer="ana")
    target = open_project(tmp_path / "b.db")
    import_annotations(target, tmp_path / "out.jsonl", annotator="ana")
    again = import_annotations(target, tmp_path / "out.jsonl", annotator="ana")
    assert again.documents_new == 0 and again.documents_matched == 3
    assert again.already_present == 13 and again.total_spans == 0
    assert len(_spans(target)) == 13


def test_a_bad_record_changes_nothing(tmp_path: Path) -> None:
    project = open_project(tmp_path / "p.db")
    bad = tmp_path / "bad.jsonl"
    good = {"text": "Kenya and Chad.", "label": [[0, 5, "GPE"]]}
    bad.write_text(json.dumps(good) + "\n" + json.dumps({"text": "x", "label": [[0, 9, "GPE"]]})
                   + "\n", encoding="utf-8")
    with pytest.raises(Exception) as caught:
        import_annotations(project, bad, fmt="doccano", annotator="ana")
    assert "bad.jsonl" in str(caught.value) and ":2" in str(caught.value)
    with project.db.read() as session:
        assert session.scalar(select(func.count()).select_from(DocumentRow)) == 0
        assert session.scalar(select(func.count()).select_from(SpanRow)) == 0


def test_annotator_is_required_when_the_file_names_nobody(tmp_path: Path) -> None:
    project = open_project(tmp_path / "p.db")
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"text": "Kenya.", "label": [[0, 5, "GPE"]]}) + "\n", "utf-8")
    with pytest.raises(InterchangeError, match="--annotator"):
        import_annotations(project, path)
    named = tmp_path / "named.jsonl"
    named.write_text(json.dumps({"text": "Peru.", "label": [[0, 4, "GPE"]], "user": "u7"})
                     + "\n", "utf-8")
    import_annotations(project, named)  # the file names its annotator
    assert _spans(project, "u7") == {("Peru.", 0, 4, "GPE")}
    import_annotations(project, path, annotator="maria")
    assert _spans(project, "maria") == {("Kenya.", 0, 5, "GPE")}


def test_new_labels_join_the_scheme_with_their_kind(tmp_path: Path) -> None:
    project = open_project(tmp_path / "p.db")
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"text": "Tea costs 2 dollars.",
                                "label": [[0, 3, "PRODUCT_X"], [0, 20, "CLAIM"]]}) + "\n", "utf-8")
    report = import_annotations(project, path, annotator="ana")
    assert report.new_labels == ["PRODUCT_X"]
    kinds = {label.name: label.kind.value for label in project.labels()}
    assert kinds["PRODUCT_X"] == "entity" and kinds["CLAIM"] == "claim"


def test_prodigy_binary_answers_become_decisions_on_suggestions(tmp_path: Path) -> None:
    project = open_project(tmp_path / "p.db")
    text = "Ghana met Peru in Lima."
    path = tmp_path / "teach.jsonl"
    records = []
    for word, answer in (("Ghana", "accept"), ("Peru", "reject"), ("Lima", "accept")):
        start = text.index(word)
        records.append({"text": text, "_view_id": "ner", "answer": answer,
                        "_annotator_id": "teach-ana", "_session_id": "teach-ana",
                        "spans": [{"start": start, "end": start + len(word), "label": "GPE",
                                   "score": 0.7}]})
    path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    import_annotations(project, path, annotator="ana")
    ana = Decider(project, "ana")
    with project.db.read() as session:
        doc_id = session.scalar(select(DocumentRow.id))
    assert ana.pending(doc_id) == []  # every suggestion carries ana's decision
    conn = sqlite3.connect(tmp_path / "p.db")
    rows = conn.execute("SELECT s.state, t.state, t.score FROM spans s JOIN spans t ON "
                        "t.id = s.source_id ORDER BY s.start").fetchall()
    conn.close()
    assert rows == [("accepted", "suggested", 0.7), ("rejected", "suggested", 0.7),
                    ("accepted", "suggested", 0.7)]


def test_only_done_and_layers(tmp_path: Path) -> None:
    project = _annotated_project(tmp_path / "a.db", tmp_path)
    [report] = export_annotations(project, tmp_path / "done.jsonl", fmt="prodigy", layer="ana",
                                  only_done=True)
    assert report.written.documents == 1 and report.skipped_not_done == 2
    with pytest.raises(InterchangeError, match="suggestions, gold, ana"):
        export_annotations(project, tmp_path / "x.jsonl", fmt="prodigy", layer="nobody")
    Decider(project, "bob").add(1, 0, 2, "ORG")
    with pytest.raises(InterchangeError, match="--layer"):
        export_annotations(project, tmp_path / "x.jsonl", fmt="prodigy", layer=None)
    reports = export_annotations(project, tmp_path / "doccano", fmt="doccano", layer=None)
    assert sorted(Path(r.written.files[0]).name for r in reports) == ["ana.jsonl", "bob.jsonl"]


def test_predictions_import_as_suggestions_and_never_mark_done(tmp_path: Path) -> None:
    project = open_project(tmp_path / "p.db")
    task = {"data": {"text": "Chad and Niger."},
            "predictions": [{"model_version": "ner-v3", "score": 0.8, "result": [
                {"id": "a", "from_name": "label", "to_name": "text", "type": "labels",
                 "value": {"start": 0, "end": 4, "text": "Chad", "labels": ["GPE"]}}]}]}
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([task]), "utf-8")
    report = import_annotations(project, path)
    assert dict(report.spans) == {"ner-v3": Counter({"GPE": 1})}
    ana = Decider(project, "ana")
    [pending] = ana.pending(1)
    assert (pending.start, pending.end, pending.label, pending.score) == (0, 4, "GPE", 0.8)
    conn = sqlite3.connect(tmp_path / "p.db")
    assert conn.execute("SELECT count(*) FROM document_status").fetchone() == (0,)
    conn.close()


def test_import_records_an_event(tmp_path: Path) -> None:
    project = open_project(tmp_path / "p.db")
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"text": "Kenya.", "label": [[0, 5, "GPE"]]}) + "\n", "utf-8")
    import_annotations(project, path, annotator="ana")
    with project.db.read() as session:
        event = session.scalars(select(EventRow).where(EventRow.kind == "import")).one()
    assert event.after["format"] == "doccano" and event.after["spans"] == {"annotator:ana":
                                                                             {"GPE": 1}}


# Each file into a project of its own, so that a parallel run spreads them over its workers.
@pytest.mark.skipif(not SHARED.is_dir(), reason="no shared format samples beside the project")
@pytest.mark.parametrize(("where", "annotator", "expected"), [
    ("prodigy/spanruler_restaurant_test_review_first500.jsonl", None, (500, None)),
    ("prodigy/ner_fashion_brands_eval.jsonl", "ana", (500, 238)),
    ("brat/news", "ana", (13, 119)),
    ("label-studio/named_entity__tasks.json", "ana", None),
    ("doccano/export_relation_extraction_example_prettyprinted.jsonl", "ana", None),
])
def test_files_other_tools_wrote_import_into_a_project(
        tmp_path: Path, where: str, annotator: str | None,
        expected: tuple[int, int | None] | None) -> None:
    project = open_project(tmp_path / "p.db")
    report = import_annotations(project, SHARED / where, annotator=annotator)
    documents = report.documents_new + report.documents_matched
    assert documents > 0
    if expected is not None:
        assert documents == expected[0]
        if expected[1] is not None:
            assert report.total_spans == expected[1]
    project.close()


def test_cli_import_and_export_say_what_they_did(tmp_path: Path) -> None:
    project = _annotated_project(tmp_path / "a.db", tmp_path)
    project.close()
    run = cli("export", "--project", str(tmp_path / "a.db"), "-f", "spacy",
              "--layer", "ana", "--dev-fraction", "0.34", "-o", str(tmp_path / "sp"))
    assert run.returncode == 0, run.stderr
    assert "wrote 3 documents (ana)" in run.stdout and "train.spacy" in run.stdout
    run = cli("export", "--project", str(tmp_path / "a.db"), "-f", "conll",
              "--layer", "ana", "-o", str(tmp_path / "c.conll"))
    assert run.returncode == 0, run.stderr
    assert "not written:" in run.stderr and "CLAIM" in run.stderr
    run = cli("import", "--project", str(tmp_path / "b.db"),
              str(tmp_path / "sp"), "--annotator", "ana")
    assert run.returncode == 0, run.stderr
    assert "(spacy): 3 new documents" in run.stdout and "annotator:ana: 13 spans" in run.stdout
    run = cli("export", "--project", str(tmp_path / "a.db"), "-f", "nope",
              "-o", str(tmp_path / "x"))
    assert run.returncode == 1 and "unknown format 'nope'" in run.stderr


def test_skip_invalid_passes_over_bad_records_and_counts_them(tmp_path: Path) -> None:
    project = open_project(tmp_path / "p.db")
    path = tmp_path / "d.jsonl"
    lines = [json.dumps({"text": "Kenya.", "label": [[0, 5, "GPE"]]}),
             "{not json",
             json.dumps({"text": "Chad.", "label": [[0, 40, "GPE"]]}),  # offsets outside
             json.dumps({"text": "Peru.", "label": [[0, 4, "GPE"]]})]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    report = import_annotations(project, path, annotator="ana", skip_invalid=True)
    assert [(e.path, e.line) for e in report.skipped] == [(str(path), 2), (str(path), 3)]
    assert _spans(project) == {("Kenya.", 0, 5, "GPE"), ("Peru.", 0, 4, "GPE")}
    pretty = tmp_path / "pretty.jsonl"
    pretty.write_text(json.dumps({"text": "Mali.", "label": [[0, 4, "GPE"]]}, indent=2), "utf-8")
    with pytest.raises(InterchangeError, match="one record a line"):
        import_annotations(project, pretty, fmt="doccano", annotator="ana", skip_invalid=True)
    # Read whole (no --skip-invalid), the same pretty-printed file imports.
    import_annotations(project, pretty, fmt="doccano", annotator="ana")
    assert ("Mali.", 0, 4, "GPE") in _spans(project)


@pytest.mark.parametrize("fmt", ["jsonl", "prodigy", "doccano", "label-studio", "conll", "spacy"])
def test_a_failed_export_leaves_the_previous_file_whole(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unannotate.services import annotation_files as interchange

    project = _annotated_project(tmp_path / "a.db", tmp_path)
    real = interchange.iter_native_documents

    def breaks_after_one(*args, **kwargs):  # type: ignore[no-untyped-def]
        documents = real(*args, **kwargs)
        yield next(documents)
        raise OSError("disk full")

    monkeypatch.setattr(interchange, "iter_native_documents", breaks_after_one)
    out = tmp_path / "out.data"
    out.write_text("the previous export\n", "utf-8")
    with pytest.raises(OSError, match="disk full"):
        export_annotations(project, out, fmt=fmt, layer="ana")
    assert out.read_text("utf-8") == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()
                  if not p.name.startswith("a.db")) == ["docs", "out.data"]
    with pytest.raises(ValueError, match="IOB scheme"):
        export_annotations(project, out, fmt="conll", layer="ana", options={"scheme": "nope"})
