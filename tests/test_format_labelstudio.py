"""Label Studio JSON: round trips, its own example files, offsets after emoji, and bad input."""

from __future__ import annotations

import json
import re
import tempfile
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import documents

from unannotate.core.errors import InputError
from unannotate.formats import labelstudio
from unannotate.formats.interchange import FormatReport
from unannotate.formats.native import NativeDocument, NativeLayer, NativeSpan

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "formats"
SPAN_WHAT = re.compile(r"span (\d+)-(\d+) (.+)")

# --- helpers ---------------------------------------------------------------------------------


def write_json(folder: Path, value: Any, name: str = "tasks.json", indent: int | None = 2) -> Path:
    path = folder / name
    path.write_bytes(json.dumps(value, ensure_ascii=False, indent=indent).encode("utf-8"))
    return path


def read_all(path: Path) -> tuple[list[NativeDocument], FormatReport]:
    report = FormatReport()
    return list(labelstudio.read(path, report)), report


def read_error(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        read_all(path)
    return caught.value


def round_trip(document: NativeDocument
               ) -> tuple[list[NativeDocument], FormatReport, FormatReport, list[dict[str, Any]]]:
    """Write one document, read it back; also the tasks as written."""
    written, read_report = FormatReport(), FormatReport()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out.json"
        labelstudio.write([document], out, written)
        tasks = json.loads(out.read_text(encoding="utf-8"))
        back = list(labelstudio.read(out, read_report))
    return back, written, read_report, tasks


def spans(document: NativeDocument) -> Counter[tuple[int, int, str]]:
    return Counter((s.start, s.end, s.label) for layer in document.layers
                   for s in (*layer.entities, *layer.claims))


def dropped_spans(report: FormatReport) -> Counter[tuple[int, int, str]]:
    found: Counter[tuple[int, int, str]] = Counter()
    for dropped in report.dropped:
        match = SPAN_WHAT.fullmatch(dropped.what)
        if match:
            found[(int(match[1]), int(match[2]), match[3])] += 1
    return found


def region(start: int, end: int, label: str, text: str | None = None, **extra: Any
           ) -> dict[str, Any]:
    value: dict[str, Any] = {"start": start, "end": end, "labels": [label]}
    if text is not None:
        value["text"] = text
    return {"from_name": "label", "to_name": "text", "type": "labels", "value": value, **extra}


def task(text: str, *results: dict[str, Any], **annotation: Any) -> dict[str, Any]:
    return {"data": {"text": text}, "annotations": [{"result": list(results), **annotation}]}


def annotator_doc(text: str, *entities: tuple[int, int, str], kind: str = "annotator",
                  annotator: str | None = "ana") -> NativeDocument:
    layer = NativeLayer(name=f"{kind}:x", kind=kind, annotator=annotator)
    layer.entities = [NativeSpan(s, e, label, text[s:e], "accepted") for s, e, label in entities]
    return NativeDocument(text=text, layers=[layer])


# --- round trips -----------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(documents())
def test_round_trip_keeps_every_span(document: NativeDocument) -> None:
    back, written, read_report, tasks = round_trip(document)
    assert written.dropped == []
    assert [(d.text, d.title) for d in back] == [(document.text, document.title)]
    # Label Studio holds overlaps; a span given twice in one layer is read once and reported.
    assert spans(back[0]) + dropped_spans(read_report) == spans(document)
    assert set(spans(back[0])) == set(spans(document))
    layer = back[0].layers[0]
    assert layer.kind == "annotator" and all(s.state == "accepted" for s in layer.entities)
    assert all(back[0].text[s.start:s.end] == s.text for s in (*layer.entities, *layer.claims))
    results = tasks[0]["annotations"][0]["result"]
    assert len({r["id"] for r in results}) == len(results)
    # Offsets in the file are code points, quoted with their text.
    assert all(document.text[r["value"]["start"]:r["value"]["end"]] == r["value"]["text"]
               for r in results)


@st.composite
def predicted(draw: st.DrawFn) -> NativeDocument:
    """A document whose one layer is a suggester's, with or without scores."""
    document = draw(documents())
    layer = document.layers[0]
    with_scores = draw(st.booleans())
    for span in (*layer.entities, *layer.claims):
        span.state = "suggested"
        span.score = draw(st.floats(0, 1)) if with_scores else None
    document.layers = [NativeLayer(name="ner.v2", kind="suggestions", suggester="ner.v2",
                                   entities=layer.entities, claims=layer.claims)]
    return document


@settings(max_examples=200, deadline=None)
@given(predicted())
def test_round_trip_of_predictions_keeps_spans_and_scores(document: NativeDocument) -> None:
    back, written, read_report, _ = round_trip(document)
    assert written.dropped == []
    assert back[0].text == document.text
    layer = back[0].layers[0]
    assert (layer.kind, layer.suggester, layer.name) == ("suggestions", "ner.v2", "ner.v2")
    assert spans(back[0]) + dropped_spans(read_report) == spans(document)
    # A span given twice keeps the score of its first appearance.
    original: dict[tuple[int, int, str], float | None] = {}
    for s in (*document.layers[0].entities, *document.layers[0].claims):
        original.setdefault((s.start, s.end, s.label), s.score)
    for span in (*layer.entities, *layer.claims):
        assert span.state == "suggested"
        assert span.score == original[(span.start, span.end, span.label)]


# --- Label Studio's own example --------------------------------------------------------------


def shared(name: str) -> Path:
    path = SHARED / "label-studio" / name
    if not path.exists():
        pytest.skip(f"{path} is not here")
    return path


def test_example_tasks_with_a_prediction() -> None:
    docs, report = read_all(shared("named_entity__tasks.json"))
    assert report.documents == len(docs) == 1
    assert report.spans == Counter({"Date": 1}) and report.dropped == []
    [layer] = docs[0].layers
    assert (layer.kind, layer.suggester, layer.name) == ("suggestions", "model 1", "model 1")
    [span] = layer.entities
    assert (span.start, span.end, span.text, span.state, span.score) == (
        343, 354, "February 22", "suggested", None)
    assert docs[0].text.startswith("Showers continued") and len(docs[0].text) == 915


def test_example_annotation_is_one_task_object() -> None:
    docs, report = read_all(shared("named_entity__annotations_1.json"))
    assert report.documents == 1 and report.spans == Counter({"Date": 1})
    [layer] = docs[0].layers
    assert (layer.kind, layer.annotator) == ("annotator", None)
    assert [(s.start, s.end, s.text, s.state) for s in layer.entities] == [
        (343, 354, "February 22", "accepted")]
    assert docs[0].meta["id"] == 1
    assert any("ids and times" in note for note in report.notes)


# --- emoji: code points, or UTF-16 units from older versions ---------------------------------

EMOJI_TEXT = "Hi 😀 Ana and 🌍 Bo"  # "Ana" is [5, 8) in code points, [6, 9) in UTF-16 units


def test_code_point_offsets_that_match_the_quote(tmp_path: Path) -> None:
    path = write_json(tmp_path, [task(EMOJI_TEXT, region(5, 8, "PER", "Ana"),
                                      region(15, 17, "PER", "Bo"))])
    docs, report = read_all(path)
    assert [s.text for s in docs[0].layers[0].entities] == ["Ana", "Bo"]
    assert report.notes == []


def test_utf16_offsets_from_an_older_label_studio_are_converted(tmp_path: Path) -> None:
    path = write_json(tmp_path, [task(EMOJI_TEXT, region(6, 9, "PER", "Ana"),
                                      region(17, 19, "PER", "Bo"))])
    docs, report = read_all(path)
    assert [(s.start, s.end, s.text) for s in docs[0].layers[0].entities] == [
        (5, 8, "Ana"), (15, 17, "Bo")]
    assert len(report.notes) == 1 and "UTF-16" in report.notes[0]


def test_offsets_matching_neither_counting_are_refused_at_the_tasks_line(tmp_path: Path) -> None:
    path = write_json(tmp_path, [task("Fine."), task(EMOJI_TEXT, region(4, 7, "PER", "Ana"))])
    lines = path.read_text(encoding="utf-8").split("\n")
    second_task = lines.index("  {", lines.index("  {") + 1) + 1
    error = read_error(path)
    assert (error.path, error.line) == (str(path), second_task)
    assert "not its text 'Ana'" in error.reason


def test_a_quote_with_trimmed_white_space_is_accepted_and_noted(tmp_path: Path) -> None:
    text = "Text: Berlin,  Germany."
    path = write_json(tmp_path, [task(text, region(6, 22, "LOC", "Berlin, Germany"))])
    docs, report = read_all(path)
    assert docs[0].layers[0].entities[0].text == "Berlin,  Germany"
    assert any("white space" in note for note in report.notes)


def test_offsets_without_a_quote_are_code_points(tmp_path: Path) -> None:
    path = write_json(tmp_path, [task(EMOJI_TEXT, region(5, 8, "PER"))])
    docs, report = read_all(path)
    assert docs[0].layers[0].entities[0].text == "Ana"
    assert any("read as code points" in note for note in report.notes)


def test_the_writer_writes_code_points(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    labelstudio.write([annotator_doc(EMOJI_TEXT, (5, 8, "PER"))], out, FormatReport())
    [written] = json.loads(out.read_text(encoding="utf-8"))
    value = written["annotations"][0]["result"][0]["value"]
    assert value == {"start": 5, "end": 8, "text": "Ana", "labels": ["PER"]}


# --- CRLF, overlaps, what the writer writes --------------------------------------------------


def test_crlf_counts_two_both_ways() -> None:
    text = "Press note\r\nThe WHO met in Geneva.\r\n"
    back, _, _, tasks = round_trip(annotator_doc(text, (16, 19, "ORG"), (27, 33, "GPE")))
    assert tasks[0]["data"]["text"] == text and back[0].text == text
    assert [(s.start, s.end, s.text) for s in back[0].layers[0].entities] == [
        (16, 19, "WHO"), (27, 33, "Geneva")]


def test_overlapping_spans_are_kept() -> None:
    text = "UN Secretary-General António Guterres"
    document = annotator_doc(text, (0, 2, "ORG"), (0, 37, "PERSON"), (21, 37, "PERSON"))
    back, written, _, _ = round_trip(document)
    assert written.dropped == [] and spans(back[0]) == spans(document)


def test_written_tasks(tmp_path: Path) -> None:
    text = "UNICEF said aid rose."
    gold = NativeLayer(name="gold", kind="gold")
    gold.entities = [NativeSpan(0, 6, "ORG", "UNICEF", "accepted", reason="listed"),
                     NativeSpan(12, 15, "X", "aid", "rejected")]
    gold.claims = [NativeSpan(0, 21, "claim", text, "accepted")]
    ana = NativeLayer(name="annotator:ls-3", kind="annotator", annotator="ls-3")
    ana.entities = [NativeSpan(0, 6, "ORG", "UNICEF", "accepted")]
    model = NativeLayer(name="ner", kind="suggestions", suggester="ner.v1")
    model.entities = [NativeSpan(0, 6, "ORG", "UNICEF", "suggested", score=0.5)]
    documents_out = [NativeDocument(text=text, title="One", meta={"k": 1}, layers=[gold]),
                     NativeDocument(text=text, layers=[ana]),
                     NativeDocument(text=text, layers=[model]),
                     NativeDocument(text="No layer.")]
    out = tmp_path / "out.json"
    report = FormatReport()
    labelstudio.write(documents_out, out, report)
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert tasks[0]["data"] == {"text": text, "title": "One"}
    assert [r["value"]["labels"] for r in tasks[0]["annotations"][0]["result"]] == [
        ["ORG"], ["CLAIM"]]
    assert tasks[0]["annotations"][0]["result"][0] == {
        "id": "u1", "from_name": "label", "to_name": "text", "type": "labels",
        "origin": "manual", "value": {"start": 0, "end": 6, "text": "UNICEF", "labels": ["ORG"]}}
    assert tasks[1]["annotations"][0]["completed_by"] == 3
    assert tasks[2]["predictions"][0]["model_version"] == "ner.v1"
    assert tasks[2]["predictions"][0]["score"] == 0.5
    assert tasks[2]["predictions"][0]["result"][0]["origin"] == "prediction"
    assert tasks[3] == {"data": {"text": "No layer."}}
    assert [(d.where, d.what) for d in report.dropped] == [
        ("One", "span 12-15 X"), ("One", "the reason of 1 spans")]
    assert report.documents == 4 and report.spans == Counter({"ORG": 3, "CLAIM": 1})
    assert report.files == [str(out)] and any("meta of 1" in note for note in report.notes)
    ids = [r["id"] for t in tasks for part in ("annotations", "predictions")
           for a in t.get(part, []) for r in a["result"]]
    assert len(ids) == len(set(ids)) == 4


def test_labeling_config_escapes_label_names() -> None:
    config = labelstudio.labeling_config(["ORG", 'A&B "<x>"', "ORG", "CLAIM"])
    root = ElementTree.fromstring(config)
    labels = root.find("Labels")
    assert labels is not None and labels.attrib == {"name": "label", "toName": "text"}
    assert [label.attrib["value"] for label in labels] == ["ORG", 'A&B "<x>"', "CLAIM"]
    text = root.find("Text")
    assert text is not None and text.attrib == {"name": "text", "value": "$text"}


# --- what the reader reads -------------------------------------------------------------------


def test_annotators_cancelled_and_other_results(tmp_path: Path) -> None:
    text = "Ana met Bo in Rome."
    value = [
        {"id": 9, "data": {"text": text, "source": "x"}, "annotations": [
            {"id": 1, "completed_by": 7, "result": [
                region(0, 3, "PER", "Ana", id="r1"), region(8, 10, "PER", "Bo", id="r2"),
                {"id": "rel", "type": "relation", "from_id": "r1", "to_id": "r2"},
                {"id": "c1", "type": "choices", "value": {"choices": ["news"]}}]},
            {"completed_by": {"id": 8, "email": "bo@example.org"},
             "result": [region(14, 18, "LOC", "Rome")]},
            {"id": 3, "was_cancelled": True, "result": [region(14, 18, "LOC", "Rome")]}]}]
    docs, report = read_all(write_json(tmp_path, value))
    assert [(layer.name, layer.annotator) for layer in docs[0].layers] == [
        ("annotator:ls-7", "ls-7"), ("annotator:bo@example.org", "bo@example.org")]
    assert docs[0].meta == {"source": "x", "id": 9}
    assert report.spans == Counter({"PER": 2, "LOC": 1})
    assert [(d.what, d.why.split(" ")[0]) for d in report.dropped] == [
        ("relation result rel", "only"), ("choices result c1", "only"),
        ("annotation 3", "cancelled")]


def test_prediction_scores_and_default_suggester(tmp_path: Path) -> None:
    text = "Ana met Bo."
    value = {"data": {"text": text}, "predictions": [
        {"score": 0.4, "result": [region(0, 3, "PER", "Ana"),
                                  region(8, 10, "PER", "Bo", score=0.9)]}]}
    docs, _ = read_all(write_json(tmp_path, value))
    [layer] = docs[0].layers
    assert layer.suggester == "label-studio"
    assert [(s.text, s.score, s.state) for s in layer.entities] == [
        ("Ana", 0.4, "suggested"), ("Bo", 0.9, "suggested")]


def test_several_labels_on_one_region_and_claims(tmp_path: Path) -> None:
    text = "Aid rose by 4 per cent."
    result = region(0, 23, "CLAIM", text)
    result["value"]["labels"] = ["CLAIM", "STAT"]
    docs, report = read_all(write_json(tmp_path, task(text, result)))
    layer = docs[0].layers[0]
    assert [s.label for s in layer.claims] == ["CLAIM"]
    assert [s.label for s in layer.entities] == ["STAT"]


def test_the_only_string_in_data_is_the_text(tmp_path: Path) -> None:
    value = {"data": {"ner": "Ana", "n": 3}, "annotations": [{"result": [region(0, 3, "PER")]}]}
    docs, _ = read_all(write_json(tmp_path, value))
    assert docs[0].text == "Ana" and docs[0].meta == {"n": 3}


def test_json_min_records(tmp_path: Path) -> None:
    value = [{"id": 2, "text": "Ana met Bo.", "title": "T",
              "label": [{"start": 0, "end": 3, "text": "Ana", "labels": ["PER"]},
                        {"start": 8, "end": 10, "text": "Bo", "labels": ["PER"]}],
              "annotator": "ana@example.org", "annotation_id": 5, "lead_time": 1.5}]
    docs, report = read_all(write_json(tmp_path, value))
    assert (docs[0].text, docs[0].title, docs[0].meta) == ("Ana met Bo.", "T", {"id": 2})
    layer = docs[0].layers[0]
    assert layer.annotator == "ana@example.org"
    assert [s.text for s in layer.entities] == ["Ana", "Bo"]
    assert any("ids and times" in note for note in report.notes)


def test_detect() -> None:
    assert labelstudio.detect(Path("x.json"), b'[\n  {\n    "data": {\n      "text": "a"')
    assert labelstudio.detect(Path("x.json"), b'{"annotations": [], "data": {"text": "a"}}')
    assert not labelstudio.detect(Path("x.jsonl"), b'{"data": {"text": "a"}}')
    assert not labelstudio.detect(Path("x.json"), b'{"text": "a", "label": [[0, 1, "X"]]}')
    assert labelstudio.SPEC.name == "label-studio" and labelstudio.SPEC.writer is labelstudio.write


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad, reason", [
    ("[1]", "not a JSON object"),
    ({"data": "Ana"}, '"data" is not an object'),
    ({"data": {"n": 1}}, 'no "text" string'),
    ({"data": {"text": "Ana"}, "annotations": {}}, '"annotations" is not a list'),
    (task("Ana", {"type": "labels", "value": 3}), 'no "value" object'),
    (task("Ana", {"type": "labels", "value": {"start": 0, "end": 3, "labels": "PER"}}),
     "not a list of label names"),
    (task("Ana", region(0, 3, "PER") | {"value": {"start": "0", "end": 3, "labels": ["P"]}}),
     "whole numbers"),
    (task("Ana", region(0, 9, "PER")), "does not fit"),
    (task("Ana", region(0, 9, "PER", "Ana!")), "does not fit"),
    (task("Ana", region(0, 3, "PER", "Bob")), "not its text 'Bob'"),
    ({"text": 4}, 'no "text" string'),
])
def test_bad_tasks_name_file_and_line(tmp_path: Path, bad: Any, reason: str) -> None:
    # One task a line: the second is bad.
    line = bad if isinstance(bad, str) else json.dumps(bad)
    content = '[\n{"data": {"text": "fine"}},\n' + line
    path = tmp_path / "bad.json"
    path.write_bytes((content + "\n]\n").encode("utf-8"))
    error = read_error(path)
    assert (error.path, error.line) == (str(path), 3)
    assert reason in error.reason


@pytest.mark.parametrize("content, line", [
    ('[\n{"data": {"text": "a"}}\n{"data": {"text": "b"}}\n]', 3),
    ('[\n{"data": {"text": "a"}},\n{"data": {"text": }}\n]', 3),
    ('[\n{"data": {"text": "a"}},\n]', 3),
    ('[\n{"data": {"text": "a"}}\n', 2),
    ('[\n{"data": {"text": "a"}}\n]\n{}', 4),
])
def test_broken_json_names_its_line(tmp_path: Path, content: str, line: int) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content.encode("utf-8"))
    error = read_error(path)
    assert error.line == line and "JSON" in error.reason
