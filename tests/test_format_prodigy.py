"""Prodigy JSONL: round trip, the files Prodigy wrote, bad input, and the special cases
(emoji, CRLF, overlaps, reject / ignore, binary ner.teach answers, review-recipe output)."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from strategies import documents

from unannotate.core.errors import InputError
from unannotate.formats import prodigy
from unannotate.formats.interchange import FormatReport
from unannotate.formats.native import NativeDocument, NativeLayer, NativeSpan

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "formats" / "prodigy"
NEWS = "annotated_news_headlines-ORG-PERSON-LOCATION-ner.jsonl"
FASHION = "ner_fashion_brands_eval.jsonl"
REVIEW = "spanruler_restaurant_test_review_first500.jsonl"


# --- helpers -----------------------------------------------------------------------------------


def _file(folder: Path, *records: dict[str, Any] | str) -> Path:
    """A JSONL file of ``records`` (dicts are encoded, strings written as they are)."""
    path = folder / "tasks.jsonl"
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    return path


def _read(path: Path, **options: Any) -> tuple[list[NativeDocument], FormatReport]:
    report = FormatReport()
    return list(prodigy.read(path, report, **options)), report


def _write(folder: Path, docs: list[NativeDocument],
           **options: Any) -> tuple[Path, FormatReport, list[dict[str, Any]]]:
    out = folder / "out.jsonl"
    report = FormatReport()
    prodigy.write(docs, out, report, **options)
    tasks = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return out, report, tasks


def _spans(layer: NativeLayer) -> list[NativeSpan]:
    return [*layer.entities, *layer.claims]


def _triples(document: NativeDocument) -> Counter[tuple[int, int, str]]:
    return Counter((s.start, s.end, s.label) for layer in document.layers for s in _spans(layer))


def _layer(text: str, spans: list[tuple[int, int, str]], annotator: str | None = "ana",
           state: str = "accepted") -> NativeLayer:
    layer = NativeLayer(name=f"annotator:{annotator}", kind="annotator", annotator=annotator)
    for start, end, label in spans:
        span = NativeSpan(start, end, label, text[start:end], state)
        (layer.claims if label == "CLAIM" else layer.entities).append(span)
    return layer


def _doc(text: str, spans: list[tuple[int, int, str]], **layer: Any) -> NativeDocument:
    return NativeDocument(text=text, layers=[_layer(text, spans, **layer)])


def _span_at(body: str, piece: str, label: str, **extra: Any) -> dict[str, Any]:
    start = body.index(piece)
    return {"start": start, "end": start + len(piece), "label": label, **extra}


# --- 1. round trip -----------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(document=documents())
def test_round_trip_keeps_every_span_prodigy_can_hold(document: NativeDocument) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _, written, _ = _write(Path(folder), [document])
        [back], read_report = _read(Path(folder) / "out.jsonl")
    assert back.text == document.text
    assert back.title == document.title
    spans = _spans(document.layers[0])
    # Prodigy's tokens hold no white space: a span cannot begin or end on it.
    unwritable = Counter((s.start, s.end, s.label) for s in spans
                         if s.text[0].isspace() or s.text[-1].isspace())
    assert _triples(back) == _triples(document) - unwritable
    assert Counter(d.what for d in written.dropped) == Counter(
        f"span {start}-{end} {label}" for (start, end, label), n in unwritable.items()
        for _ in range(n))
    assert {d.why for d in written.dropped} <= {
        "begins or ends with white space, which no Prodigy token holds"}
    assert read_report.dropped == []
    [layer] = back.layers
    assert (layer.kind, layer.annotator, layer.status) == ("annotator", "ana", "done")
    assert all(s.state == "accepted" and s.text == back.text[s.start:s.end] for s in _spans(layer))
    assert all(s.label == "CLAIM" for s in layer.claims)
    assert written.documents == read_report.documents == 1
    kept = sum(_triples(back).values())
    assert sum(written.spans.values()) == sum(read_report.spans.values()) == kept


# --- 2. the files Prodigy wrote ----------------------------------------------------------------


def _shared(name: str) -> Path:
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"{path} is not here")
    return path


def _raw_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _check_against_tokens(path: Path, docs: list[NativeDocument]) -> int:
    """Every span read covers the text of the Prodigy tokens it names: an independent check of
    the offsets, since token texts do not depend on counting. Returns how many were checked."""
    checked = 0
    for record, doc in zip(_raw_records(path), docs, strict=True):
        by_offsets = {(s.start, s.end): s for layer in doc.layers for s in _spans(layer)}
        for raw in record.get("spans", []) if record.get("answer") != "ignore" else []:
            span = by_offsets[(raw["start"], raw["end"])]
            assert span.text.startswith(record["tokens"][raw["token_start"]]["text"])
            assert span.text.endswith(record["tokens"][raw["token_end"]]["text"])
            checked += 1
    return checked


def test_news_headlines_ner_manual_export() -> None:
    path = _shared(NEWS)
    docs, report = _read(path)
    assert report.documents == len(docs) == 373
    assert report.spans == {"ORG": 136, "LOCATION": 121, "PERSON": 38, "PRODUCT": 8}
    # One record answered "ignore" (line 337): its text is imported, without spans, and said so.
    [ignored] = report.dropped
    assert ignored.where == f"{path}:337" and "ignore" in ignored.why
    assert docs[336].layers == []
    layers = [layer for doc in docs for layer in doc.layers]
    assert len(layers) == 372
    assert {(la.name, la.kind, la.annotator, la.status) for la in layers} == {
        ("annotator", "annotator", None, "done")}
    assert all(doc.title == doc.meta["source"] for doc in docs)
    assert _check_against_tokens(path, docs) == 303
    # Curly apostrophes (one code point, three UTF-8 bytes) come before 19 spans.
    after_quote = [s for doc in docs for la in doc.layers for s in _spans(la)
                   if "\u2019" in doc.text[:s.start]]
    assert len(after_quote) == 19


def test_fashion_brands_ner_manual_export() -> None:
    path = _shared(FASHION)
    docs, report = _read(path)
    assert report.documents == len(docs) == 500
    assert report.spans == {"FASHION_BRAND": 238}
    assert report.dropped == []
    assert all([la.name for la in doc.layers] == ["annotator"] for doc in docs)
    assert _check_against_tokens(path, docs) == 238
    # 36 spans quote their text (the reader checks each quote) and name the model that
    # pre-highlighted them, kept as where they came from; four spans come after an emoji.
    quoted = after_emoji = 0
    for record, doc in zip(_raw_records(path), docs, strict=True):
        for raw, span in zip(record["spans"], doc.layers[0].entities, strict=True):
            if "text" in raw:
                assert span.text == raw["text"]
                assert span.source == {"suggester": raw["source"]}
                quoted += 1
            else:
                assert span.source is None
            after_emoji += any(ord(c) > 0xFFFF for c in doc.text[:span.start])
    assert (quoted, after_emoji) == (36, 4)


def test_fashion_brands_survive_writing_and_reading_again(tmp_path: Path) -> None:
    docs, _ = _read(_shared(FASHION))
    for doc in docs:
        for span in doc.layers[0].entities:
            span.source = None
    _, written, tasks = _write(tmp_path, docs)
    assert written.dropped == [] and written.spans == {"FASHION_BRAND": 238}
    again, _ = _read(tmp_path / "out.jsonl")
    assert [_triples(d) for d in again] == [_triples(d) for d in docs]
    assert [d.text for d in again] == [d.text for d in docs]
    assert {t["_view_id"] for t in tasks} == {"ner_manual"}


def test_review_recipe_export_with_sessions_and_versions() -> None:
    path = _shared(REVIEW)
    docs, report = _read(path)
    assert report.documents == len(docs) == 500
    assert report.dropped == []
    per_layer = {"Cuisine": 221, "Location": 244, "Hours": 50, "Rating": 58, "Dish": 79,
                 "Price": 50, "Amenity": 157, "Restaurant_Name": 118}
    # Every version came from both sessions; each session and the gold layer hold its spans.
    assert report.spans == {label: 3 * n for label, n in per_layer.items()}
    names = Counter(layer.name for doc in docs for layer in doc.layers)
    assert names == {"annotator:ner_model": 500, "annotator:original_annotations": 500,
                     "gold": 500}
    for name in names:
        labels = Counter(s.label for doc in docs for la in doc.layers if la.name == name
                         for s in _spans(la))
        assert labels == per_layer
    gold = [la for doc in docs for la in doc.layers if la.name == "gold"]
    assert {(la.kind, la.annotator) for la in gold} == {("gold", None)}
    assert _check_against_tokens(path, docs) == 977


# --- 3. bad input ------------------------------------------------------------------------------

GOOD = {"text": "Fine words.", "spans": [{"start": 0, "end": 4, "label": "X"}], "answer": "accept"}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"text": "cut off', "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"spans": []}', 'no "text" string'),
        ('{"text": 12}', 'no "text" string'),
        ('{"text": "x\\ud800"}', "unpaired surrogate"),
        ('{"text": "ab", "meta": ["m"]}', '"meta" is not a JSON object'),
        ('{"text": "ab", "spans": {"start": 0}}', '"spans" is not a list'),
        ('{"text": "ab", "spans": [7]}', "a span is not a JSON object"),
        ('{"text": "ab", "spans": [{"start": 0, "end": 1, "label": 3}]}', '"label" string'),
        ('{"text": "ab", "spans": [{"start": "0", "end": 1, "label": "X"}]}', "whole numbers"),
        ('{"text": "ab", "spans": [{"start": 0, "label": "X"}]}', "whole numbers"),
        ('{"text": "ab", "spans": [{"start": 1, "end": 9, "label": "X"}]}', "does not fit"),
        ('{"text": "ab", "spans": [{"start": 1, "end": 1, "label": "X"}]}', "does not fit"),
        ('{"text": "ab", "spans": [{"start": 0, "end": 1, "label": "X", "text": "b"}]}',
         "not the expected 'b'"),
        ('{"text": "ab", "answer": "maybe"}', '"answer" is \'maybe\''),
        ('{"text": "ab", "answer": "accept", "_session_id": 4}', '"_session_id" is not a string'),
        ('{"text": "ab", "tokens": "a b"}', '"tokens" is not a list'),
        ('{"text": "ab", "_view_id": "ner", "spans": [{"start": 0, "end": 1, "label": "X", '
         '"score": "high"}]}', '"score" is \'high\''),
        ('{"text": "ab", "versions": {}}', '"versions" is not a list'),
        ('{"text": "ab", "versions": [{"text": "other", "spans": [], "sessions": ["d-a"]}]}',
         "a version's text differs"),
        ('{"text": "ab", "versions": [{"spans": [], "sessions": [1]}]}', "list of names"),
    ],
)
def test_bad_record_names_file_and_line(tmp_path: Path, line: str, reason: str) -> None:
    path = _file(tmp_path, GOOD, line)
    with pytest.raises(InputError) as caught:
        _read(path)
    assert (caught.value.path, caught.value.line) == (str(path), 2)
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"{path}:2: ")


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b'\n{"text": "caf\xe9"}\n')
    with pytest.raises(InputError, match=r"tasks\.jsonl:2: not UTF-8"):
        _read(path)


def test_blank_lines_and_a_byte_order_mark_are_passed_over(tmp_path: Path) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n\n  \n"
                     + json.dumps(GOOD).encode() + b"\n")
    docs, report = _read(path)
    assert len(docs) == report.documents == 2


# --- 4. special cases --------------------------------------------------------------------------


def test_emoji_before_a_span_counts_one(tmp_path: Path) -> None:
    text = "🌍👍🏽 Nadia Okafor visited Lowmoor 😀 today"
    record = {"text": text, "answer": "accept",
              "spans": [_span_at(text, "Nadia Okafor", "PERSON"), _span_at(text, "Lowmoor", "GPE")]}
    [doc], _ = _read(_file(tmp_path, record))
    assert [(s.start, s.text) for s in doc.layers[0].entities] == [
        (4, "Nadia Okafor"), (25, "Lowmoor")]
    _, _, [task] = _write(tmp_path, [doc])
    assert [(s["start"], s["end"]) for s in task["spans"]] == [(4, 16), (25, 32)]
    for span in task["spans"]:
        assert task["tokens"][span["token_start"]]["start"] == span["start"]
        assert task["tokens"][span["token_end"]]["end"] == span["end"]
    [again], _ = _read(tmp_path / "out.jsonl")
    assert _triples(again) == _triples(doc)


def test_crlf_counts_two_and_is_kept(tmp_path: Path) -> None:
    text = "Line one.\r\nThe Harbour Trust met.\r\n"
    doc = _doc(text, [(15, 28, "ORG")])
    assert doc.layers[0].entities[0].text == "Harbour Trust"
    out, _, [task] = _write(tmp_path, [doc])
    assert task["text"] == text
    assert "\\r\\n" in out.read_text(encoding="utf-8")
    newline = [t for t in task["tokens"] if t["text"] == "."][0]
    assert newline["ws"] is True  # white space (the CRLF) follows the full stop
    [again], _ = _read(out)
    assert again.text == text and _triples(again) == Counter({(15, 28, "ORG"): 1})


def test_overlapping_spans_are_written_as_spans_manual(tmp_path: Path) -> None:
    text = "The Port Authority of Eastvale said so."
    overlapping = _doc(text, [(4, 18, "ORG"), (22, 30, "GPE"), (4, 30, "ORG")])
    apart = _doc(text, [(4, 18, "ORG"), (22, 30, "GPE")])
    _, report, tasks = _write(tmp_path, [overlapping, apart])
    assert [t["_view_id"] for t in tasks] == ["spans_manual", "ner_manual"]
    assert report.dropped == []
    assert [(s["token_start"], s["token_end"]) for s in tasks[0]["spans"]] == [
        (1, 2), (1, 4), (4, 4)]
    again, _ = _read(tmp_path / "out.jsonl")
    assert [_triples(d) for d in again] == [_triples(overlapping), _triples(apart)]


def test_reject_keeps_spans_as_rejected_and_ignore_keeps_the_text_only(tmp_path: Path) -> None:
    text = "Mira Holt chairs the board."
    span = _span_at(text, "Mira Holt", "PERSON")
    path = _file(tmp_path,
                 {"text": text, "spans": [span], "answer": "reject", "_session_id": "people-mira"},
                 {"text": text, "spans": [span], "answer": "ignore", "_session_id": "people-mira"},
                 {"text": text, "spans": [span]})
    (rejected, ignored, raw), report = _read(path)
    [layer] = rejected.layers
    # Rejected: the spans are kept as rejections, and the document is not finished (so it
    # never becomes a negative example).
    assert (layer.name, layer.annotator, layer.status) == ("annotator:mira", "mira",
                                                           "in_progress")
    assert [(s.text, s.state) for s in layer.entities] == [("Mira Holt", "rejected")]
    assert ignored.text == text and ignored.layers == []
    [drop] = report.dropped
    assert drop.where == f"{path}:2" and drop.what == "1 spans of annotator:mira"
    # No answer: an input file with spans, read as accepted, not marked done.
    [layer] = raw.layers
    assert ([s.state for s in layer.entities], layer.status) == (["accepted"], None)
    assert report.spans == {"PERSON": 2}


def test_binary_ner_teach_answer_is_a_suggestion_and_a_decision(tmp_path: Path) -> None:
    text = "Costa Verde Shipping opened an office in Marlow."
    records = [
        {"text": text, "spans": [_span_at(text, "Costa Verde Shipping", "ORG", text="Costa Verde "
                                          "Shipping", token_start=0, token_end=2)],
         "meta": {"score": 0.73, "pattern": 12}, "_view_id": "ner", "answer": "accept",
         "_session_id": "teach_orgs-alex"},
        {"text": text, "spans": [_span_at(text, "Marlow", "PERSON", score=0.21)],
         "_view_id": "ner", "answer": "reject", "_annotator_id": "teach_orgs-alex"},
    ]
    (first, second), report = _read(_file(tmp_path, *records))
    suggestions, decision = first.layers
    assert (suggestions.kind, suggestions.name, suggestions.suggester) == (
        "suggestions", "prodigy.patterns", "prodigy.patterns")
    [suggested] = suggestions.entities
    assert (suggested.text, suggested.state, suggested.score, suggested.reason) == (
        "Costa Verde Shipping", "suggested", 0.73, "pattern 12")
    assert (decision.kind, decision.annotator, decision.status) == ("annotator", "alex", None)
    [accepted] = decision.entities
    assert (accepted.start, accepted.end, accepted.state, accepted.source) == (
        0, 20, "accepted", {"layer": "prodigy.patterns"})
    # The same text again: a second document (the import service merges by text).
    assert second.text == first.text
    suggestions, decision = second.layers
    assert suggestions.name == "prodigy" and suggestions.entities[0].score == 0.21
    assert [(s.text, s.state, s.source) for s in decision.entities] == [
        ("Marlow", "rejected", {"layer": "prodigy"})]
    assert report.spans == {"ORG": 2, "PERSON": 2} and report.dropped == []


def test_binary_record_answered_ignore_keeps_the_suggestion_undecided(tmp_path: Path) -> None:
    text = "Fenwick Bank fell."
    record = {"text": text, "spans": [_span_at(text, "Fenwick Bank", "ORG")],
              "meta": {"score": 0.5, "model": "en_news_sm"}, "_view_id": "ner", "answer": "ignore"}
    [doc], report = _read(_file(tmp_path, record))
    [layer] = doc.layers
    assert (layer.kind, layer.suggester) == ("suggestions", "en_news_sm")
    assert layer.entities[0].score == 0.5
    [drop] = report.dropped
    assert drop.what == "the decision on 1 spans" and "undecided" in drop.why


def test_review_record_with_two_sessions(tmp_path: Path) -> None:
    text = "Judge Amara Quist ruled in Tallis County."
    person, county = _span_at(text, "Amara Quist", "PERSON"), _span_at(text, "Tallis County", "GPE")
    wide = _span_at(text, "Judge Amara Quist", "PERSON")
    record = {
        "text": text, "spans": [person, county], "answer": "accept",
        "_annotator_id": "courts_review-rita", "_session_id": "courts_review-rita",
        "_view_id": "review", "sessions": ["courts-alex", "courts-bea"],
        "versions": [
            {"text": text, "spans": [wide, county], "answer": "accept",
             "sessions": ["courts-alex"]},
            {"text": text, "spans": [person], "answer": "reject", "sessions": ["courts-bea"]},
        ],
    }
    [doc], report = _read(_file(tmp_path, record), dataset="courts")
    alex, bea, gold = doc.layers
    assert [(la.name, la.kind, la.annotator) for la in doc.layers] == [
        ("annotator:alex", "annotator", "alex"), ("annotator:bea", "annotator", "bea"),
        ("gold", "gold", None)]
    assert [(s.text, s.state) for s in alex.entities] == [
        ("Judge Amara Quist", "accepted"), ("Tallis County", "accepted")]
    assert [(s.text, s.state) for s in bea.entities] == [("Amara Quist", "rejected")]
    assert [(s.text, s.state) for s in gold.entities] == [
        ("Amara Quist", "accepted"), ("Tallis County", "accepted")]
    assert report.spans == {"PERSON": 3, "GPE": 2} and report.dropped == []


def test_token_indices_that_miss_the_span_are_reported_and_offsets_kept(tmp_path: Path) -> None:
    text = "Visit Orla Bay now"
    tokens = [{"text": w, "start": text.index(w), "end": text.index(w) + len(w), "id": i}
              for i, w in enumerate(text.split())]
    record = {"text": text, "tokens": tokens, "answer": "accept",
              "spans": [_span_at(text, "Orla Bay", "LOC", token_start=1, token_end=1)]}
    [doc], report = _read(_file(tmp_path, record))
    assert [s.text for s in doc.layers[0].entities] == ["Orla Bay"]
    [drop] = report.dropped
    assert drop.what == "token_start 1 and token_end 1 of span 6-14 LOC"


def test_other_keys_go_to_meta_and_other_annotations_are_reported(tmp_path: Path) -> None:
    record = {"text": "Tidy text.", "meta": {"title": "Memo 4", "section": "b"},
              "answer": "accept", "label": "URGENT", "_timestamp": 1700000000, "section": "c",
              "spans": [{"start": 0, "end": 4, "label": "X", "color": "red", "rank": 2}]}
    [doc], report = _read(_file(tmp_path, record))
    assert doc.title == "Memo 4"
    assert doc.meta == {"title": "Memo 4", "section": "b", "_timestamp": 1700000000}
    assert sorted(d.what for d in report.dropped) == [
        '"label"', '"section"', "color of span 0-4 X"]


def test_session_ids_name_the_annotator() -> None:
    assert prodigy.session_annotator("dataset-alex") == "alex"
    assert prodigy.session_annotator("original_annotations") == "original_annotations"
    assert prodigy.session_annotator("unannotate-jean-luc") == "jean-luc"
    assert prodigy.session_annotator("news-ner-alex", "news-ner") == "alex"
    assert prodigy.session_annotator("ner_news-default") is None
    assert prodigy.session_annotator("2018-03-01_12-00-00") is None
    assert prodigy.session_annotator("ner_news-2018-03-01_12-00-00") is None


def test_writer_reports_what_prodigy_cannot_hold(tmp_path: Path) -> None:
    text = "Dr Ines Vale and  the Council met."
    layer = _layer(text, [(3, 12, "PERSON"), (13, 17, "ORG"), (22, 29, "ORG"), (0, 34, "CLAIM")])
    layer.entities.append(NativeSpan(3, 7, "PERSON", "Ines", "rejected"))
    layer.entities.append(NativeSpan(5, 5, "PERSON", "", "accepted"))
    layer.entities[0].reason = "title before a name"
    other = NativeLayer(name="gold", kind="gold")
    doc = NativeDocument(text=text, title="Minutes", meta={"page": 2}, layers=[layer, other])
    _, report, [task, binary] = _write(tmp_path, [doc], dataset="council")
    assert sorted((d.what, d.why) for d in report.dropped) == sorted([
        ("layer gold", "one layer is written per document"),
        ("span 13-17 ORG", "begins or ends with white space, which no Prodigy token holds"),
        ("span 5-5 PERSON", "an empty span"),
        ("the reason of 1 spans", "Prodigy has no place for it"),
    ])
    assert {d.where for d in report.dropped} == {"Minutes"}
    assert [(s["start"], s["end"], s["label"]) for s in task["spans"]] == [
        (0, 34, "CLAIM"), (3, 12, "PERSON"), (22, 29, "ORG")]
    assert report.spans == {"CLAIM": 1, "PERSON": 1, "ORG": 1}
    assert task["meta"] == {"page": 2, "title": "Minutes"}
    assert (task["answer"], task["_view_id"]) == ("accept", "spans_manual")
    assert task["_annotator_id"] == task["_session_id"] == "council-ana"
    # The rejection is a binary task answered reject: a negative Prodigy trains on.
    assert (binary["answer"], binary["_view_id"], binary["_annotator_id"]) == (
        "reject", "ner", "council-ana")
    assert [(s["start"], s["end"], s["label"]) for s in binary["spans"]] == [(3, 7, "PERSON")]
    assert report.documents == 1
    assert report.files == [str(tmp_path / "out.jsonl")]
    [again, negative], _ = _read(tmp_path / "out.jsonl", dataset="council")
    assert again.layers[0].annotator == "ana"
    assert [s.label for s in again.layers[0].claims] == ["CLAIM"]
    decision = negative.layers[-1]
    assert [(s.start, s.end, s.state) for s in decision.entities] == [(3, 7, "rejected")]


def test_empty_text_and_layerless_documents_are_still_written(tmp_path: Path) -> None:
    docs = [NativeDocument(text=""), NativeDocument(text="No spans here.", title="Plain")]
    _, report, tasks = _write(tmp_path, docs)
    assert report.documents == 2 and report.dropped == []
    assert (tasks[0]["text"], tasks[0]["tokens"], tasks[0]["spans"]) == ("", [], [])
    assert "_annotator_id" not in tasks[1] and tasks[1]["meta"] == {"title": "Plain"}
    again, _ = _read(tmp_path / "out.jsonl")
    assert [(d.text, d.title) for d in again] == [("", ""), ("No spans here.", "Plain")]


def test_tokens_cover_every_word_and_say_what_follows(tmp_path: Path) -> None:
    text = "Rain, then sun.\n"
    _, _, [task] = _write(tmp_path, [NativeDocument(text=text)])
    assert [(t["text"], t["ws"]) for t in task["tokens"]] == [
        ("Rain", False), (",", True), ("then", True), ("sun", False), (".", True)]
    assert [t["id"] for t in task["tokens"]] == [0, 1, 2, 3, 4]


def test_hashes_follow_input_and_task() -> None:
    def hashed(text: str, spans: list[dict[str, Any]]) -> dict[str, Any]:
        return prodigy.set_hashes({"text": text, "spans": spans})

    span = {"start": 0, "end": 3, "label": "ORG"}
    base = hashed("Oak Ltd", [span])
    assert all(isinstance(base[k], int) and -2**31 <= base[k] < 2**31
               for k in ("_input_hash", "_task_hash"))
    assert hashed("Oak Ltd", [])["_input_hash"] == base["_input_hash"]
    assert hashed("Oak Ltd", [])["_task_hash"] != base["_task_hash"]
    assert hashed("Oak Ltd", [{**span, "score": 0.4}])["_task_hash"] == base["_task_hash"]
    assert hashed("Elm Ltd", [span])["_input_hash"] != base["_input_hash"]


def test_detect_and_spec(tmp_path: Path) -> None:
    out, _, _ = _write(tmp_path, [_doc("Ada Park spoke.", [(0, 8, "PERSON")])])
    assert prodigy.detect(out, out.read_bytes()[:4096])
    native = b'{"format":"unannotate","version":1,"text":"a","layers":[]}\n'
    assert not prodigy.detect(tmp_path / "n.jsonl", native)
    assert not prodigy.detect(tmp_path / "out.txt", out.read_bytes())
    spec = prodigy.SPEC
    assert (spec.name, spec.title, spec.suffixes) == ("prodigy", "Prodigy JSONL", (".jsonl",))
    assert spec.reader is prodigy.read and spec.writer is prodigy.write
