"""brat standoff: round trips, brat's own sample files, bad input, and the cases brat makes hard
(CRLF counted once, spans across line breaks, discontinuous fragments, relations and notes)."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import documents, span_set

from unannotate.core.errors import InputError
from unannotate.formats.brat import SPEC, read, write
from unannotate.formats.interchange import FormatReport
from unannotate.formats.native import NativeDocument, NativeLayer, NativeSpan

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "formats"
NEWS = SHARED / "brat" / "news"

# --- helpers ---------------------------------------------------------------------------------


def pair(folder: Path, name: str, text: str, ann: str | None) -> Path:
    """Write ``name.txt`` (and ``name.ann``) byte for byte; returns the .txt path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_bytes(text.encode("utf-8"))
    if ann is not None:
        (folder / f"{name}.ann").write_bytes(ann.encode("utf-8"))
    return folder / f"{name}.txt"


def read_all(path: Path) -> tuple[list[NativeDocument], FormatReport]:
    report = FormatReport()
    return list(read(path, report)), report


def read_one(path: Path) -> tuple[NativeDocument, FormatReport]:
    docs, report = read_all(path)
    assert len(docs) == 1
    return docs[0], report


def doc(text: str, *spans: tuple[int, int, str], title: str = "doc",
        meta: dict | None = None) -> NativeDocument:
    layer = NativeLayer(name="annotator:ana", kind="annotator", annotator="ana")
    for start, end, label in spans:
        span = NativeSpan(start, end, label, text[start:end], "accepted")
        (layer.claims if label == "CLAIM" else layer.entities).append(span)
    return NativeDocument(text=text, title=title, meta=meta or {}, layers=[layer])


def write_all(out: Path, *docs: NativeDocument) -> FormatReport:
    report = FormatReport()
    write(list(docs), out, report)
    return report


def ann_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def spans_of(document: NativeDocument) -> Counter[tuple[int, int, str]]:
    layer = document.layers[0]
    return Counter((s.start, s.end, s.label) for s in (*layer.entities, *layer.claims))


def is_line_break(char: str) -> bool:
    """Independent of the module: a character where str.splitlines() breaks a line."""
    return len(f"a{char}b".splitlines()) == 2


def expected_round_trip(document: NativeDocument) -> tuple[Counter, Counter]:
    """What reads back after writing, and which spans the writer must report: a span loses the
    line breaks at its edges (a .ann line cannot hold them), and one of only breaks is lost."""
    kept: Counter[tuple[int, int, str]] = Counter()
    reported: Counter[str] = Counter()
    layer = document.layers[0]
    for span in (*layer.entities, *layer.claims):
        inner = [i for i in range(span.start, span.end) if not is_line_break(document.text[i])]
        if not inner or (inner[0], inner[-1] + 1) != (span.start, span.end):
            reported[f"span {span.start}-{span.end} {span.label}"] += 1
        if inner:
            kept[(inner[0], inner[-1] + 1, span.label)] += 1
    return kept, reported


# --- round trip ------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(documents(), min_size=1, max_size=3))
def test_round_trip_keeps_text_and_spans_or_reports_them(docs: list[NativeDocument]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        report = write_all(out, *docs)
        texts = [Path(f) for f in report.files if f.endswith(".txt")]
        assert len(texts) == len(docs) == report.documents
        expected_reported: Counter[str] = Counter()
        for original, text_path in zip(docs, texts):
            back, _ = read_one(text_path)
            kept, reported = expected_round_trip(original)
            expected_reported += reported
            assert back.text == original.text
            assert text_path.read_bytes() == original.text.encode("utf-8")
            assert spans_of(back) == kept
            if not reported:
                assert span_set(back) == span_set(original)
            for span in (*back.layers[0].entities, *back.layers[0].claims):
                assert back.text[span.start:span.end] == span.text
                assert span.state == "accepted"
        assert Counter(d.what for d in report.dropped) == expected_reported
        assert len(read_all(out)[0]) == len(docs)


def test_brat_own_samples_survive_a_round_trip(tmp_path: Path) -> None:
    if not NEWS.is_dir():
        pytest.skip("brat's sample files are not beside the project")
    originals, _ = read_all(NEWS)
    report = write_all(tmp_path, *originals)
    assert report.dropped == []
    again, _ = read_all(tmp_path)
    for original, back in zip(originals, again, strict=True):
        assert back.text == original.text
        assert spans_of(back) == spans_of(original)
        assert back.meta == original.meta
    assert (tmp_path / "000-introduction.txt").read_bytes() == \
        (NEWS / "000-introduction.txt").read_bytes()


# --- brat's own files ------------------------------------------------------------------------


def test_brat_news_tutorial_imports_with_exact_counts() -> None:
    if not NEWS.is_dir():
        pytest.skip("brat's sample files are not beside the project")
    docs, report = read_all(NEWS)
    assert report.documents == len(docs) == 13
    assert report.spans == Counter({"Organization": 56, "Person": 27, "Merge-org": 14,
                                    "GPE": 12, "Report": 8, "Money": 1, "Transfer-money": 1})
    kinds = Counter(d.what.split()[0] for d in report.dropped)
    assert kinds == Counter({"event": 23, "attribute": 11, "relation": 8, "note": 4,
                             "equivalence": 2, "normalization": 1})
    assert sum(len(d.meta.get("brat", {}).get("unmapped", [])) for d in docs) == 49
    assert report.notes == []  # no discontinuous span; every .txt has its .ann (4 are empty)
    by_title = {d.title: d for d in docs}
    assert [len(by_title[t].layers[0].entities) for t in ("010-navigation", "999-complete")] \
        == [0, 0]

    def text_at(title: str, start: int, end: int, label: str) -> str:
        matches = [s.text for s in by_title[title].layers[0].entities
                   if (s.start, s.end, s.label) == (start, end, label)]
        assert len(matches) == 1
        return matches[0]

    # Spot checks, offsets as the .ann files give them.
    assert text_at("000-introduction", 418, 426, "Organization") == "Citibank"
    assert text_at("000-introduction", 443, 449, "Transfer-money") == "moving"  # event trigger
    assert text_at("060-relation_annotation", 530, 543, "Person") == "J. K. Rowling"
    assert text_at("110-note_annotation", 412, 421, "GPE") == "Discworld"
    intro = by_title["000-introduction"]
    assert intro.source == str(NEWS / "000-introduction.txt")
    assert intro.layers[0].annotator is None and intro.layers[0].kind == "annotator"
    assert "A5\tConfidence E1 High" in intro.meta["brat"]["unmapped"]


# --- bad input -------------------------------------------------------------------------------

GOOD_LINE = "T1\tORG 0 4\tAcme\n"


@pytest.mark.parametrize(("line", "reason"), [
    ("T2\tORG 0 x\tAcme", "not two whole numbers"),
    ("T2\tORG -1 4\tAcme", "not two whole numbers"),
    ("T2\tORG 5 2\tx", "ends before it starts"),
    ("T2\tORG 10 500\tx", "does not fit a text"),
    ("T2\tORG 0 4\tAcmX", "not the text at its offsets"),
    ("T2\tORG 0 4;5 9\tAcme hires", "not the text at its offsets"),
    ("T2\tORG\tAcme", "a text-bound line is"),
    ("T2 ORG 0 4 Acme", "no tab after the id"),
    ("Q1\tORG 0 4\tAcme", "unknown annotation kind"),
    ("T\tORG 0 4\tAcme", "not a brat id"),
    ("T1\tORG 0 4\tAcme", "used twice"),
    ("R1\tWorks_for Arg1:T1", "not a well-formed relation"),
    ("E1\tHire T1", "not a well-formed event"),
    ("#1\tAnnotatorNotes\tno target", "not a well-formed note"),
])
def test_malformed_line_names_file_and_line(tmp_path: Path, line: str, reason: str) -> None:
    pair(tmp_path, "bad", "Acme hires Ana.", GOOD_LINE + line + "\n")
    with pytest.raises(InputError) as caught:
        read_all(tmp_path / "bad.ann")
    assert caught.value.path == str(tmp_path / "bad.ann")
    assert caught.value.line == 2
    assert reason in caught.value.reason


def test_ann_without_txt_is_an_error(tmp_path: Path) -> None:
    pair(tmp_path, "good", "Acme", GOOD_LINE)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "lonely.ann").write_text(GOOD_LINE, encoding="utf-8")
    for path in (tmp_path, tmp_path / "sub" / "lonely.ann"):
        with pytest.raises(InputError) as caught:
            read_all(path)
        assert caught.value.path == str(tmp_path / "sub" / "lonely.ann")
        assert "lonely.txt" in caught.value.reason


def test_text_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_bytes(b"one\ntwo \xff\n")
    with pytest.raises(InputError) as caught:
        read_all(tmp_path / "x.txt")
    assert (caught.value.path, caught.value.line) == (str(tmp_path / "x.txt"), 2)


def test_other_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match="not brat standoff"):
        read_all(tmp_path / "x.json")
    with pytest.raises(InputError, match="no such file"):
        read_all(tmp_path / "missing")


# --- offsets: emoji and CRLF -----------------------------------------------------------------


def test_emoji_before_a_span_counts_one(tmp_path: Path) -> None:
    text = "🌍👍🏽 Acme hired Ana."
    pair(tmp_path / "in", "e", text, "T1\tORG 4 8\tAcme\n")
    back, _ = read_one(tmp_path / "in")
    assert spans_of(back) == Counter({(4, 8, "ORG"): 1})
    write_all(tmp_path / "out", doc(text, (15, 18, "PERSON"), title="e"))
    assert ann_lines(tmp_path / "out" / "e.ann") == ["T1\tPERSON 15 18\tAna"]


def test_crlf_counts_once_as_in_brat(tmp_path: Path) -> None:
    text = "First line.\r\nAcme Corp is here.\r\nAna too.\r\n"
    acme, ana = text.index("Acme"), text.index("Ana")  # 13 and 33 in code points
    report = write_all(tmp_path / "out", doc(text, (acme, acme + 9, "ORG"),
                                             (ana, ana + 3, "PERSON"), title="c"))
    assert report.dropped == []
    assert ann_lines(tmp_path / "out" / "c.ann") == ["T1\tORG 12 21\tAcme Corp",
                                                     "T2\tPERSON 31 34\tAna"]
    assert (tmp_path / "out" / "c.txt").read_bytes() == text.encode("utf-8")
    back, report = read_one(tmp_path / "out" / "c.ann")
    assert back.text == text
    assert spans_of(back) == Counter({(acme, acme + 9, "ORG"): 1, (ana, ana + 3, "PERSON"): 1})
    assert report.notes == []


def test_crlf_counted_twice_by_another_tool_is_read_with_a_note(tmp_path: Path) -> None:
    text = "First line.\r\nAcme Corp is here.\r\n"
    pair(tmp_path, "c", text, "T1\tORG 13 22\tAcme Corp\n")
    back, report = read_one(tmp_path)
    assert spans_of(back) == Counter({(13, 22, "ORG"): 1})
    assert len(report.notes) == 1 and "CRLF" in report.notes[0]


# --- line breaks, overlaps, fragments ----------------------------------------------------------


def test_span_across_a_line_break_is_written_as_fragments_and_read_as_one(tmp_path: Path) -> None:
    text = "Acme\nCorp and Beta\r\nGroup met."
    beta = text.index("Beta")
    report = write_all(tmp_path, doc(text, (0, 9, "ORG"), (beta, beta + 11, "ORG"), title="n"))
    assert report.dropped == []
    # brat's count: the CRLF is one character, so "Group" starts at 19, not 20.
    assert ann_lines(tmp_path / "n.ann") == ["T1\tORG 0 4;5 9\tAcme Corp",
                                             "T2\tORG 14 18;19 24\tBeta Group"]
    back, report = read_one(tmp_path / "n.txt")
    assert spans_of(back) == Counter({(0, 9, "ORG"): 1, (beta, beta + 11, "ORG"): 1})
    assert report.notes == []


def test_line_breaks_at_a_span_edge_are_trimmed_and_reported(tmp_path: Path) -> None:
    text = "Acme\n\nBeta"
    report = write_all(tmp_path, doc(text, (0, 5, "ORG"), (4, 6, "ORG"), title="t"))
    assert ann_lines(tmp_path / "t.ann") == ["T1\tORG 0 4\tAcme"]
    assert [(d.what, d.why.split(":")[0]) for d in report.dropped] == [
        ("span 0-5 ORG", "a .ann line cannot hold the line breaks at its edge"),
        ("span 4-6 ORG", "a span of only line breaks cannot be written"),
    ]
    assert report.spans == Counter({"ORG": 1})


def test_overlapping_spans_are_all_written(tmp_path: Path) -> None:
    text = "New York City Council met."
    spans = [(0, 13, "GPE"), (0, 8, "GPE"), (4, 21, "ORG"), (0, 13, "GPE")]
    report = write_all(tmp_path, doc(text, *spans, title="o"))
    assert report.dropped == [] and report.spans == Counter({"GPE": 3, "ORG": 1})
    back, _ = read_one(tmp_path / "o.ann")
    assert spans_of(back) == Counter(spans)
    conf = (tmp_path / "annotation.conf").read_text(encoding="utf-8")
    assert "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>" in conf


def test_discontinuous_fragments_become_spans_and_are_written_back_as_one(tmp_path: Path) -> None:
    text = "Acme and Beta Corp signed."
    pair(tmp_path / "in", "d", text, "T1\tORG 0 4;14 18\tAcme Corp\nT2\tORG 9 18\tBeta Corp\n"
                                     "R1\tSame Arg1:T1 Arg2:T2\t\n")
    back, report = read_one(tmp_path / "in")
    assert spans_of(back) == Counter({(0, 4, "ORG"): 1, (14, 18, "ORG"): 1, (9, 18, "ORG"): 1})
    assert report.notes == [f"{tmp_path / 'in' / 'd.ann'}:1: T1 is discontinuous: read as 2 "
                            "spans labelled ORG"]
    assert back.meta["brat"]["textbound"]["T1"] == {"label": "ORG", "spans": [[0, 4], [14, 18]]}
    write_report = write_all(tmp_path / "out", back)
    assert write_report.dropped == []
    assert ann_lines(tmp_path / "out" / "d.ann") == [
        "T1\tORG 0 4;14 18\tAcme Corp", "T2\tORG 9 18\tBeta Corp", "R1\tSame Arg1:T1 Arg2:T2\t"]


def test_empty_fragment_is_reported(tmp_path: Path) -> None:
    pair(tmp_path, "z", "Acme", "T1\tORG 0 0;0 4\t Acme\n")
    back, report = read_one(tmp_path)
    assert spans_of(back) == Counter({(0, 4, "ORG"): 1})
    assert [d.what for d in report.dropped] == ["T1 fragment 0-0"]


# --- relations, events, attributes, notes ------------------------------------------------------

RICH_TEXT = "Ana joined Acme in Paris."
RICH_ANN = (
    "T1\tPerson 0 3\tAna\n"
    "T2\tOrganization 11 15\tAcme\n"
    "T3\tStart 4 10\tjoined\n"
    "T4\tGPE 19 24\tParis\n"
    "E1\tStart:T3 Person-Arg:T1 Org-Arg:T2\n"
    "R1\tEmployment Arg1:T1 Arg2:T2\t\n"
    "A1\tConfidence E1 High\n"
    "M1\tNegation E1\n"
    "N1\tReference T4 Wikidata:Q90\tParis\n"
    "#1\tAnnotatorNotes T2\tcheck the company's name\n"
    "*\tAlias T1 T1\n"
    "A2\tIndividual T1\n"
)


def test_unmapped_lines_are_kept_in_meta_and_reported(tmp_path: Path) -> None:
    pair(tmp_path, "rich", RICH_TEXT, RICH_ANN)
    back, report = read_one(tmp_path / "rich.txt")
    unmapped = RICH_ANN.splitlines()[4:]
    assert back.meta["brat"]["unmapped"] == unmapped
    assert report.spans == Counter({"Person": 1, "Organization": 1, "Start": 1, "GPE": 1})
    where = str(tmp_path / "rich.ann")
    assert [(d.where, d.what.split(":")[0]) for d in report.dropped] == [
        (f"{where}:5", "event E1"), (f"{where}:6", "relation R1"),
        (f"{where}:7", "attribute A1"), (f"{where}:8", "attribute M1"),
        (f"{where}:9", "normalization N1"), (f"{where}:10", "note #1"),
        (f"{where}:11", "equivalence *"), (f"{where}:12", "attribute A2")]
    reasons = {d.what.split()[0]: d.why for d in report.dropped}
    assert reasons["relation"] == "relations are kept in the document's meta, not shown"
    assert reasons["note"] == "notes are kept in the document's meta, not shown"
    assert reasons["attribute"] == "attributes are kept in the document's meta, not shown"
    assert all("kept in the document's meta" in d.why for d in report.dropped)

    write_report = write_all(tmp_path / "out", back)
    assert write_report.dropped == []
    textbound = RICH_ANN.splitlines()[:4]
    in_text_order = [textbound[i] for i in (0, 2, 1, 3)]  # the writer orders T lines by offset
    assert ann_lines(tmp_path / "out" / "rich.ann") == in_text_order + unmapped


def test_unmapped_lines_whose_ids_are_gone_are_reported_not_written(tmp_path: Path) -> None:
    pair(tmp_path, "rich", RICH_TEXT, RICH_ANN)
    back, _ = read_one(tmp_path / "rich.txt")
    layer = back.layers[0]
    layer.entities = [s for s in layer.entities if s.label != "Organization"]  # T2 deleted
    layer.entities.append(NativeSpan(16, 18, "X", "in", "accepted"))  # a new span
    report = write_all(tmp_path / "out", back)
    lines = ann_lines(tmp_path / "out" / "rich.ann")
    # The new span gets an id no kept line names; E1 needs T2, and A1 and M1 need E1.
    assert lines == ["T1\tPerson 0 3\tAna", "T3\tStart 4 10\tjoined", "T5\tX 16 18\tin",
                     "T4\tGPE 19 24\tParis", "N1\tReference T4 Wikidata:Q90\tParis",
                     "*\tAlias T1 T1", "A2\tIndividual T1"]
    assert [(d.what.split(":")[0], d.why) for d in report.dropped] == [
        ("event E1", "it refers to T2, not written"),
        ("relation R1", "it refers to T2, not written"),
        ("attribute A1", "it refers to E1, not written"),
        ("attribute M1", "it refers to E1, not written"),
        ("note #1", "it refers to T2, not written")]


# --- writer details --------------------------------------------------------------------------


def test_writer_files_names_and_configuration(tmp_path: Path) -> None:
    docs = [doc("a", (0, 1, "ORG"), title="Report 1/2"), doc("b", title="report_1_2"),
            doc("c", title=""), doc("d", title="CON"), doc("e", title="..")]
    report = write_all(tmp_path / "new" / "out", *docs)
    names = [Path(f).name for f in report.files]
    assert names == ["Report_1_2.txt", "Report_1_2.ann", "report_1_2-2.txt", "report_1_2-2.ann",
                     "doc-0003.txt", "doc-0003.ann", "CON_.txt", "CON_.ann",
                     "doc-0005.txt", "doc-0005.ann", "annotation.conf"]
    assert report.documents == 5
    conf = (tmp_path / "new" / "out" / "annotation.conf").read_text(encoding="utf-8")
    sections = [line for line in conf.splitlines() if line.startswith("[")]
    assert sections == ["[entities]", "[relations]", "[events]", "[attributes]"]
    assert conf.split("[entities]\n")[1].split("\n\n")[0] == "ORG"


def test_labels_brat_cannot_hold_are_replaced_and_reported(tmp_path: Path) -> None:
    text = "Acme said prices rose 5%."
    document = doc(text, (0, 4, "Org name"), (10, 24, "CLAIM"), (22, 24, "Org name"), title="l")
    document.layers[0].claims[0].label = "STATISTIC"
    report = write_all(tmp_path, document)
    assert ann_lines(tmp_path / "l.ann") == ["T1\tOrg_name 0 4\tAcme",
                                             "T2\tCLAIM 10 24\tprices rose 5%",
                                             "T3\tOrg_name 22 24\t5%"]
    assert [(d.what, d.why) for d in report.dropped] == [
        ("label 'Org name'", "brat type names hold only A-Z, a-z, 0-9, _ and -: written as "
                             "'Org_name'"),
        ("span 10-24 STATISTIC", "brat has one claim label: written as CLAIM")]
    back, _ = read_one(tmp_path / "l.ann")
    assert [(s.start, s.end) for s in back.layers[0].claims] == [(10, 24)]


def test_rejected_scored_and_extra_layers_are_reported(tmp_path: Path) -> None:
    document = doc("Acme and Beta", (0, 4, "ORG"), (9, 13, "ORG"), title="r")
    document.layers[0].entities[1].state = "rejected"
    document.layers[0].entities[0].score = 0.9
    document.layers.append(NativeLayer(name="annotator:bo", kind="annotator"))
    report = write_all(tmp_path, document)
    assert ann_lines(tmp_path / "r.ann") == ["T1\tORG 0 4\tAcme"]
    assert [d.what for d in report.dropped] == ["layer annotator:bo", "scores of 1 spans",
                                                "span 9-13 ORG"]


def test_txt_without_ann_is_a_document_with_no_spans(tmp_path: Path) -> None:
    pair(tmp_path, "plain", "Just text.\n", None)
    back, report = read_one(tmp_path)
    assert (back.text, back.title, spans_of(back)) == ("Just text.\n", "plain", Counter())
    assert len(report.notes) == 1 and "no .ann" in report.notes[0]


def test_spec_and_detect(tmp_path: Path) -> None:
    txt = pair(tmp_path / "f", "a", "Acme", GOOD_LINE)
    lone = pair(tmp_path / "g", "b", "Acme", None)
    assert SPEC.name == "brat" and SPEC.writes_folder and SPEC.reader is read
    assert SPEC.detect is not None
    assert SPEC.detect(tmp_path / "f", b"")
    assert SPEC.detect(txt, b"Acme")
    assert SPEC.detect(txt.with_suffix(".ann"), GOOD_LINE.encode())
    assert not SPEC.detect(lone, b"Acme")
    assert not SPEC.detect(tmp_path / "g", b"")


def test_a_done_text_without_spans_gets_an_empty_ann_and_an_untouched_one_none(
        tmp_path: Path) -> None:
    def document(title: str, status: str) -> NativeDocument:
        layer = NativeLayer(name="annotator:ana", kind="annotator", annotator="ana",
                            status=status)
        return NativeDocument(text=f"{title} has nothing to mark.", title=title, layers=[layer])

    out = tmp_path / "out"
    out.mkdir()
    (out / "later.ann").write_text("T1\tORG 0 5\tlater\n", "utf-8")  # an earlier export's
    write([document("finished", "done"), document("later", "todo")], out, FormatReport())
    assert (out / "finished.ann").read_text("utf-8") == ""
    assert (out / "later.txt").is_file() and not (out / "later.ann").exists()
    statuses = {d.title: d.layers[0].status for d in read(out, FormatReport())}
    assert statuses == {"finished": "done", "later": None}
