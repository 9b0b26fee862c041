"""doccano JSONL: round trips, doccano's own files, UTF-16 offsets, overlaps and bad input."""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import documents

from unannotate.core.errors import InputError
from unannotate.formats import doccano
from unannotate.formats.interchange import FormatReport
from unannotate.formats.native import NativeDocument, NativeLayer, NativeSpan

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "formats"
SPAN_WHAT = re.compile(r"span (\d+)-(\d+) (.+)")

# --- helpers ---------------------------------------------------------------------------------


def write_file(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8"))
    return path


def jsonl(*records: Any) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def read_all(path: Path, **options: Any) -> tuple[list[NativeDocument], FormatReport]:
    report = FormatReport()
    return list(doccano.read(path, report, **options)), report


def read_error(path: Path, **options: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        read_all(path, **options)
    return caught.value


def round_trip(document: NativeDocument, **options: Any
               ) -> tuple[list[NativeDocument], FormatReport, FormatReport, list[dict[str, Any]]]:
    """Write one document, read it back; also the records as written."""
    written, read_report = FormatReport(), FormatReport()
    counting = options.get("counting", "utf-16")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out.jsonl"
        doccano.write([document], out, written, **options)
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        back = list(doccano.read(out, read_report, counting=counting))
    return back, written, read_report, records


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


def overlap(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def one_layer(text: str, *entities: tuple[int, int, str], claims: tuple[tuple[int, int], ...] = (),
              title: str = "", meta: dict[str, Any] | None = None) -> NativeDocument:
    layer = NativeLayer(name="annotator:ana", kind="annotator", annotator="ana")
    layer.entities = [NativeSpan(s, e, label, text[s:e], "accepted") for s, e, label in entities]
    layer.claims = [NativeSpan(s, e, "CLAIM", text[s:e], "accepted") for s, e in claims]
    return NativeDocument(text=text, title=title, meta=meta or {}, layers=[layer])


# --- round trips -----------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(documents())
def test_round_trip_keeps_every_span_but_the_overlaps_it_reports(document: NativeDocument) -> None:
    back, written, _, _ = round_trip(document)
    assert [(d.text, d.title) for d in back] == [(document.text, document.title)]
    kept = spans(back[0])
    dropped = dropped_spans(written)
    assert kept + dropped == spans(document)
    assert len(written.dropped) == sum(dropped.values())
    # What was kept overlaps nothing; each span reported overlaps one kept.
    kept_list = sorted(kept.elements())
    assert not any(overlap(a, b) for i, a in enumerate(kept_list) for b in kept_list[i + 1:])
    assert all(any(overlap(d, k) for k in kept_list) for d in dropped)
    assert all("overlaps" in d.why for d in written.dropped)


@settings(max_examples=200, deadline=None)
@given(documents(), st.sampled_from(["utf-16", "code-points"]))
def test_round_trip_with_overlaps_allowed_keeps_every_span(document: NativeDocument,
                                                           counting: str) -> None:
    back, written, read_report, records = round_trip(document, allow_overlapping=True,
                                                     counting=counting)
    assert written.dropped == []
    assert [(d.text, d.title) for d in back] == [(document.text, document.title)]
    # A span given twice is read once, and the repeat reported.
    assert spans(back[0]) + dropped_spans(read_report) == spans(document)
    assert set(spans(back[0])) == set(spans(document))
    for span in (*back[0].layers[0].entities, *back[0].layers[0].claims) if back[0].layers else ():
        assert back[0].text[span.start:span.end] == span.text
    # The file's offsets are what JavaScript counts (or code points when asked).
    texts = {(s.text, s.label) for layer in document.layers
             for s in (*layer.entities, *layer.claims)}
    units = document.text.encode("utf-16-le")
    for start, end, label in records[0]["label"]:
        if counting == "utf-16":
            piece = units[2 * start:2 * end].decode("utf-16-le")
        else:
            piece = document.text[start:end]
        assert (piece, label) in texts


# --- doccano's own files ---------------------------------------------------------------------


def shared(name: str) -> Path:
    path = SHARED / "doccano" / name
    if not path.exists():
        pytest.skip(f"{path} is not here")
    return path


@pytest.mark.parametrize("name, count, labels, relations, quotes", [
    ("export_sequence_labeling_example.jsonl", 3, {"ORG": 1, "MISC": 1, "PERSON": 2}, 0,
     [(0, 0, 2, "EU"), (0, 11, 17, "German"), (1, 0, 15, "Peter Blackburn"), (2, 10, 15, "Obama")]),
    ("export_relation_extraction_example_prettyprinted.jsonl", 1,
     {"ORG": 1, "DATE": 1, "PERSON": 2}, 3,
     [(0, 0, 6, "Google"), (0, 22, 39, "September 4, 1998"), (0, 59, 70, "Sergey Brin")]),
    ("import_relation_extraction_entities_example.jsonl", 1,
     {"ORG": 1, "DATE": 1, "PERSON": 2}, 3, [(0, 44, 54, "Larry Page")]),
])
def test_doccano_examples_import_with_exact_counts(
        name: str, count: int, labels: dict[str, int], relations: int,
        quotes: list[tuple[int, int, int, str]]) -> None:
    docs, report = read_all(shared(name))
    assert len(docs) == report.documents == count
    assert report.spans == Counter(labels)
    assert [d.why for d in report.dropped] == ["relations cannot be kept"] * relations
    for index, start, end, text in quotes:
        entities = docs[index].layers[0].entities
        assert any((s.start, s.end, s.text) == (start, end, text) for s in entities)
    assert all(s.state == "accepted" for d in docs for s in d.layers[0].entities)
    assert all(d.layers[0].annotator is None for d in docs)


def test_relations_name_their_type_and_ends() -> None:
    _, report = read_all(shared("export_relation_extraction_example_prettyprinted.jsonl"))
    assert [d.what for d in report.dropped] == [
        "relation 0 foundedAt 0->1", "relation 1 foundedBy 0->2", "relation 2 foundedBy 0->3"]
    assert report.dropped[0].where.endswith("prettyprinted.jsonl:1")


def test_custom_columns_need_their_names_as_in_doccano() -> None:
    path = shared("import_sequence_labeling_custom_columns_example.jsonl")
    error = read_error(path)
    assert error.line == 1 and str(path) in str(error) and '"text"' in error.reason
    docs, report = read_all(path, text_key="column_data", label_key="column_label")
    assert report.documents == 3
    assert report.spans == Counter({"ORG": 1, "PERSON": 2})
    assert docs[2].layers[0].entities[0].text == "Obama"
    assert docs[0].meta == {}


def test_a_record_without_text_is_refused_at_its_line() -> None:
    # doccano's own test imports the first two records and reports the third as an error.
    path = shared("test_sequence_labeling_example.jsonl")
    report = FormatReport()
    reader = doccano.read(path, report)
    first, second = next(reader), next(reader)
    assert first.layers[0].entities[0].text == "e" and first.meta == {"meta": {"wikiPageID": 1}}
    # "label": [] is an answer: done, nothing to mark (a negative example).
    [empty] = second.layers
    assert (empty.status, empty.entities, empty.claims) == ("done", [], [])
    assert second.meta == {"meta": {"wikiPageID": 2}}
    with pytest.raises(InputError) as caught:
        next(reader)
    assert caught.value.line == 3 and caught.value.path == str(path)
    assert report.spans == Counter({"LOC": 1})


def test_doccanos_overlapping_example_keeps_the_repeated_span_once() -> None:
    docs, report = read_all(shared("test_sequence_labeling_overlapping.jsonl"))
    assert report.documents == 1 and report.spans == Counter({"LOC": 1})
    assert [(d.what, d.why) for d in report.dropped] == [
        ("span 0-1 LOC", "the same span twice in one layer; kept once")]
    assert docs[0].layers[0].entities[0].text == "e"


# --- emoji: UTF-16 code units in doccano, code points here -----------------------------------

EMOJI_TEXT = "Hi 😀 Ana and 🌍 Bo"  # "Ana" is [5, 8) in code points, [6, 9) in UTF-16 units


def test_doccano_offsets_after_an_emoji_are_read_as_utf16(tmp_path: Path) -> None:
    path = write_file(tmp_path, "a.jsonl", jsonl(
        {"text": EMOJI_TEXT, "label": [[6, 9, "PERSON"], [17, 19, "PERSON"]]}))
    docs, report = read_all(path)
    entities = docs[0].layers[0].entities
    assert [(s.start, s.end, s.text) for s in entities] == [(5, 8, "Ana"), (15, 17, "Bo")]
    assert len(report.notes) == 1 and "UTF-16" in report.notes[0]


def test_code_point_offsets_are_read_when_asked(tmp_path: Path) -> None:
    path = write_file(tmp_path, "a.jsonl", jsonl({"text": EMOJI_TEXT, "label": [[5, 8, "PERSON"]]}))
    docs, report = read_all(path, counting="code-points")
    assert docs[0].layers[0].entities[0].text == "Ana"
    assert report.notes == []


def test_no_note_when_the_countings_agree(tmp_path: Path) -> None:
    path = write_file(tmp_path, "a.jsonl", jsonl({"text": "Ana é", "label": [[0, 3, "PERSON"]]}))
    assert read_all(path)[1].notes == []


def test_a_utf16_offset_inside_an_emoji_is_refused(tmp_path: Path) -> None:
    path = write_file(tmp_path, "a.jsonl", jsonl({"text": "ok"}, {"text": EMOJI_TEXT,
                                                                  "label": [[4, 9, "PERSON"]]}))
    error = read_error(path)
    assert error.line == 2 and "inside a character" in error.reason


def test_the_writer_writes_utf16_offsets_after_an_emoji(tmp_path: Path) -> None:
    document = one_layer(EMOJI_TEXT, (5, 8, "PERSON"))
    for counting, expected in (("utf-16", [6, 9, "PERSON"]), ("code-points", [5, 8, "PERSON"])):
        out = tmp_path / f"{counting}.jsonl"
        doccano.write([document], out, FormatReport(), counting=counting)
        record = json.loads(out.read_text(encoding="utf-8"))
        assert record == {"text": EMOJI_TEXT, "label": [expected]}


# --- CRLF, overlaps, meta, annotators --------------------------------------------------------


def test_crlf_is_kept_and_counts_two(tmp_path: Path) -> None:
    text = "Press note\r\nThe WHO met in Geneva.\r\n"
    document = one_layer(text, (16, 19, "ORG"), (27, 33, "GPE"))
    back, written, _, _ = round_trip(document)
    assert back[0].text == text
    assert [(s.start, s.end, s.text) for s in back[0].layers[0].entities] == [
        (16, 19, "WHO"), (27, 33, "Geneva")]
    assert written.dropped == []


def test_overlaps_keep_entities_before_claims(tmp_path: Path) -> None:
    text = "UNICEF said 3 million children need aid."
    document = one_layer(text, (0, 6, "ORG"), (0, 6, "ORG"), (12, 21, "CARDINAL"),
                         claims=((0, 40),))
    back, written, _, records = round_trip(document)
    assert records[0]["label"] == [[0, 6, "ORG"], [12, 21, "CARDINAL"]]
    assert [(d.what, d.why.split(";")[0]) for d in written.dropped] == [
        ("span 0-6 ORG", "overlaps span 0-6 ORG"), ("span 0-40 CLAIM", "overlaps span 0-6 ORG")]
    back, written, _, records = round_trip(document, allow_overlapping=True)
    assert written.dropped == []
    assert [(s.start, s.end) for s in back[0].layers[0].claims] == [(0, 40)]


def test_claims_are_written_as_claim_and_read_back_as_claims(tmp_path: Path) -> None:
    text = "Aid rose by 4 per cent."
    layer = NativeLayer(name="gold", kind="gold")
    layer.claims = [NativeSpan(0, 23, "claim", text, "accepted")]
    back, _, _, records = round_trip(NativeDocument(text=text, layers=[layer]))
    assert records[0]["label"] == [[0, 23, "CLAIM"]]
    assert [s.label for s in back[0].layers[0].claims] == ["CLAIM"]


def test_rejections_and_scores_are_reported_not_written() -> None:
    text = "Geneva and Paris"
    layer = NativeLayer(name="annotator:ana", kind="annotator", annotator="ana")
    layer.entities = [NativeSpan(0, 6, "GPE", "Geneva", "accepted", score=0.9),
                      NativeSpan(11, 16, "GPE", "Paris", "rejected")]
    _, written, _, records = round_trip(NativeDocument(text=text, title="t", layers=[layer]))
    assert records[0]["label"] == [[0, 6, "GPE"]]
    assert [(d.where, d.what) for d in written.dropped] == [
        ("t", "span 11-16 GPE"), ("t", "the score of 1 spans")]


def test_title_and_meta_are_custom_columns(tmp_path: Path) -> None:
    document = one_layer("A short note.", title="Note 1",
                         meta={"source_id": 7, "Comments": [], "label": "clash"})
    back, written, _, records = round_trip(document)
    assert records[0] == {"text": "A short note.", "label": [], "title": "Note 1",
                          "source_id": 7, "Comments": []}
    assert back[0].title == "Note 1" and back[0].meta == {"source_id": 7, "Comments": []}
    assert [(d.what, d.why) for d in written.dropped] == [
        ("meta label", "the name of a doccano column")]


def test_annotator_comes_from_user_or_annotator(tmp_path: Path) -> None:
    path = write_file(tmp_path, "a.jsonl", jsonl(
        {"text": "Ana", "label": [[0, 3, "PERSON"]], "user": "ben", "id": 4},
        {"text": "Bo", "annotator": 12},
        {"text": "Cy", "label": [[0, 2, "PERSON"]]}))
    docs, _ = read_all(path)
    assert [(d.layers[0].name, d.layers[0].annotator) for d in docs] == [
        ("annotator:ben", "ben"), ("annotator:12", "12"), ("annotator", None)]
    assert docs[0].meta == {"id": 4}


def test_written_file_is_one_record_a_line(tmp_path: Path) -> None:
    out = tmp_path / "ana.jsonl"
    report = FormatReport()
    doccano.write([one_layer("Line\u2028two", (0, 4, "X")), one_layer("Ünï 🌍")], out, report)
    lines = out.read_bytes().split(b"\n")
    assert len(lines) == 3 and lines[2] == b""
    assert report.documents == 2 and report.spans == Counter({"X": 1})
    assert report.files == [str(out)]
    assert [d.text for d in read_all(out)[0]] == ["Line\u2028two", "Ünï 🌍"]


# --- other shapes ----------------------------------------------------------------------------


def test_pretty_printed_objects_one_after_another(tmp_path: Path) -> None:
    first = json.dumps({"text": "Bo met Cy", "entities": [
        {"id": 1, "start_offset": 0, "end_offset": 2, "label": "PERSON"}], "relations": []},
        indent=2)
    second = json.dumps({"text": "Ed", "label": [[0, 2, "PERSON"]]}, indent=2)
    path = write_file(tmp_path, "a.json", first + "\n" + second + "\n")
    docs, report = read_all(path)
    assert [d.text for d in docs] == ["Bo met Cy", "Ed"]
    assert report.spans == Counter({"PERSON": 2})


def test_a_json_list_of_records(tmp_path: Path) -> None:
    path = write_file(tmp_path, "a.json", json.dumps(
        [{"text": "Ed", "label": [[0, 2, "PERSON"]]}, {"text": "Fay"}], indent=1))
    docs, report = read_all(path)
    assert [d.text for d in docs] == ["Ed", "Fay"] and report.documents == 2


def test_empty_records_and_categories_are_reported(tmp_path: Path) -> None:
    path = write_file(tmp_path, "a.jsonl", jsonl(
        {}, {"text": "Good news", "label": ["positive", [0, 4, "X"]]}))
    docs, report = read_all(path)
    assert report.documents == 1 and report.spans == Counter({"X": 1})
    assert [(d.where.rsplit(":", 1)[1], d.what) for d in report.dropped] == [
        ("1", "an empty record"), ("2", "category positive")]


def test_detect() -> None:
    head = jsonl({"text": "a", "label": [[0, 1, "X"]]}).encode()
    assert doccano.detect(Path("x.jsonl"), head)
    assert doccano.detect(Path("x.json"), b'{\n  "text": "a",\n  "entities": [\n')
    assert not doccano.detect(Path("x.txt"), head)
    assert not doccano.detect(Path("x.json"), b'[{"data": {"text": "a"}, "annotations": [')
    assert not doccano.detect(Path("x.jsonl"), b'{"text": "a", "spans": [], "tokens": [')
    assert not doccano.detect(Path("x.jsonl"),
                              b'{"format": "unannotate", "text": "a", "label": [')
    assert doccano.SPEC.name == "doccano" and doccano.SPEC.reader is doccano.read


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("second, reason", [
    ('{"text": "Ana", "label": [[0, 3, "PERSON"]', "not JSON"),
    ('["text", "Ana"]', "not a JSON object"),
    ('{"text": 5}', 'no "text" string'),
    ('{"text": "Ana", "label": "PERSON"}', "is not a list"),
    ('{"text": "Ana", "label": [[0, 3]]}', "is not [start, end"),
    ('{"text": "Ana", "label": [["0", 3, "PERSON"]]}', "whole numbers"),
    ('{"text": "Ana", "label": [[0, 3, 7]]}', "label is not a non-empty string"),
    ('{"text": "Ana", "label": [[0, 9, "PERSON"]]}', "does not fit"),
    ('{"text": "Ana", "label": [[2, 1, "PERSON"]]}', "does not fit"),
    ('{"text": "Ana", "entities": [[0, 3, "PERSON"]]}', "list of objects"),
    ('{"text": "Ana", "relations": {}}', "list of objects"),
])
def test_bad_records_name_file_and_line(tmp_path: Path, second: str, reason: str) -> None:
    path = write_file(tmp_path, "bad.jsonl", '{"text": "fine"}\n' + second + "\n")
    error = read_error(path)
    assert (error.path, error.line) == (str(path), 2)
    assert reason in error.reason
    assert f"{path}:2" in str(error)


def test_a_bad_pretty_printed_object_names_its_line(tmp_path: Path) -> None:
    good = json.dumps({"text": "Ana"}, indent=2)  # three lines
    bad = '{\n  "text": "Bo",\n  "label": [[0, 5, "PERSON"]]\n}'
    path = write_file(tmp_path, "bad.json", good + "\n" + bad + "\n")
    error = read_error(path)
    assert error.line == 4 and "does not fit" in error.reason


def test_broken_json_in_a_pretty_printed_file_names_its_line(tmp_path: Path) -> None:
    path = write_file(tmp_path, "bad.json", '{\n  "text": "Ana"\n}\n{\n  "text": \n}\n')
    error = read_error(path)
    assert error.line == 6 and "not JSON" in error.reason and "from line 4" in error.reason


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"text": "a"}\n{"text": "\xff"}\n')
    error = read_error(path)
    assert error.line == 2 and "UTF-8" in error.reason


def test_status_goes_out_and_comes_back(tmp_path: Path) -> None:
    text = "Chad and Mali signed."

    def layer(status: str, spans: list[tuple[int, int, str]]) -> NativeLayer:
        made = NativeLayer(name="annotator:ana", kind="annotator", annotator="ana",
                           status=status)
        made.entities = [NativeSpan(s, e, label, text[s:e], "accepted") for s, e, label in spans]
        return made

    documents = [
        NativeDocument(text=text, layers=[layer("done", [])]),  # finished: nothing here
        NativeDocument(text=text + " Twice.", layers=[layer("in_progress", [(0, 4, "GPE")])]),
        NativeDocument(text=text + " Later.", layers=[layer("todo", [])]),
    ]
    out = tmp_path / "out.jsonl"
    doccano.write(documents, out, FormatReport())
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [(r.get("label"), r.get("is_confirmed")) for r in rows] == [
        ([], None), ([[0, 4, "GPE"]], False), (None, None)]
    again = list(doccano.read(out, FormatReport()))
    assert [[la.status for la in d.layers] for d in again] == [["done"], ["in_progress"], []]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "x", "label": [], "is_confirmed": "yes"}) + "\n", "utf-8")
    with pytest.raises(InputError, match="is_confirmed"):
        list(doccano.read(bad, FormatReport()))
