"""The agreement report as JSON, CSV and one HTML page: every figure kept, every string escaped,
undefined figures shown as undefined, files written atomically."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from unannotate.core.agreement import AgreementReport, DocumentScores, LabelScores, PairScores
from unannotate.core.errors import UnannotateError
from unannotate.services.agreement_report import (
    documents_by_disagreement,
    label_spans_by_annotator,
    report_to_csv,
    report_to_dict,
    report_to_html,
    write_report,
)

HOSTILE_TITLE = '<script>alert("x")</script> & <b>bold</b>, "quoted"\nsecond line'
HOSTILE_LABEL = "<img src=x onerror=alert(1)>"
ANNOTATORS = ["ana", "Ben & <i>co</i>", "chloé"]


def _labels(spans: dict[str, int], matches: int, a: int, b: int) -> dict[str, LabelScores]:
    """Three labels for a pair (a and b: its two annotators' spans) or pooled over the pairs
    (a and b: the sums over the pairs)."""
    return {
        "PERSON": LabelScores("PERSON", 2 * matches / (a + b), 0.1 + 0.2, a, b, matches,
                              matches + 2, annotator_spans=dict(spans)),
        HOSTILE_LABEL: LabelScores(HOSTILE_LABEL, 1 / 3, 2 / 3, 1, 2, 0, 1,
                                   annotator_spans={name: 1 for name in spans}),
        "EVENT": LabelScores("EVENT", None, None, 0, 0, 0, 0,
                             annotator_spans={name: 0 for name in spans}),
    }


def make_report(annotators: list[str] | None = None) -> AgreementReport:
    names = list(annotators or ANNOTATORS)
    counts = {name: 10 + 3 * index for index, name in enumerate(names)}
    pairs = [
        PairScores(a, b, 2 / 3 + i / 100, 0.875 - i / 100, 0.1 * (i + 1), None if i else -0.125,
                   _labels({a: counts[a], b: counts[b]}, 7, counts[a], counts[b]),
                   a_spans=counts[a] + 1, b_spans=counts[b] + 1, exact_matches=7,
                   overlap_matches=10)
        for i, (a, b) in enumerate((a, b) for j, a in enumerate(names) for b in names[j + 1:])
    ]
    return AgreementReport(
        annotators=names,
        documents=4,
        exact_f1=2 / 3,
        overlap_f1=0.1 + 0.7,
        token_kappa=0.7123456789012345,
        claim_kappa=None,
        token_alpha=-0.05,
        claim_alpha=None,
        per_label=_labels(counts, 7 * len(pairs), sum(counts[p.a] for p in pairs),
                          sum(counts[p.b] for p in pairs)),
        pairs=pairs,
        per_document=[
            DocumentScores(3, "Calm briefing", 9, 1, 0.95),
            DocumentScores(7, HOSTILE_TITLE, 10, 5, 1 / 7),
            DocumentScores(1, "Empty draft", 0, 0, None),
            DocumentScores(12, "Busy, long debate", 100, 5, 0.5),
        ],
        tokens=1234,
        sentences=56,
        spans={name: count + 1 for name, count in counts.items()},
    )


def _label_from(data: dict) -> LabelScores:
    return LabelScores(**data)


def _report_from(data: dict) -> AgreementReport:
    """The report again, from the JSON: every key is a field of the dataclasses."""
    fields = {key: value for key, value in data.items() if key != "format"}
    fields["per_label"] = {d["label"]: _label_from(d) for d in data["per_label"]}
    fields["pairs"] = [PairScores(**{**p, "per_label": {d["label"]: _label_from(d)
                                                        for d in p["per_label"]}})
                       for p in data["pairs"]]
    fields["per_document"] = [DocumentScores(**d) for d in data["per_document"]]
    return AgreementReport(**fields)


# -- JSON -----------------------------------------------------------------------------------------
def test_json_round_trip_gives_back_the_same_report() -> None:
    report = make_report()
    loaded = json.loads(json.dumps(report_to_dict(report), allow_nan=False))
    assert _report_from(loaded) == report
    # Not rounded: the exact floats come back.
    assert loaded["exact_f1"] == 2 / 3
    assert loaded["token_kappa"] == 0.7123456789012345
    assert loaded["claim_kappa"] is None
    assert loaded["per_document"][1]["title"] == HOSTILE_TITLE
    assert loaded["per_label"][0]["annotator_spans"] == {"ana": 10, "Ben & <i>co</i>": 13,
                                                         "chloé": 16}


def test_json_keys_are_the_report_fields() -> None:
    data = report_to_dict(make_report())
    assert list(data) == ["format", *(f.name for f in dataclasses.fields(AgreementReport))]
    assert data["format"] == "unannotate.agreement.v1"
    assert isinstance(data["per_label"], list)  # in the report's order
    assert [d["label"] for d in data["per_label"]] == ["PERSON", HOSTILE_LABEL, "EVENT"]
    assert list(data["per_document"][0]) == ["id", "title", "spans", "disagreements", "exact_f1"]


def test_json_takes_numpy_numbers() -> None:
    numpy = pytest.importorskip("numpy")
    report = make_report()
    report.token_kappa = numpy.float64(0.25)
    report.tokens = numpy.int64(1234)
    report.token_alpha = numpy.float64("nan")
    data = json.loads(json.dumps(report_to_dict(report), allow_nan=False))
    assert (data["token_kappa"], data["tokens"], data["token_alpha"]) == (0.25, 1234, None)
    overall = _csv_sections(report_to_csv(report))["overall"][0]
    assert (overall["token_kappa"], overall["tokens"], overall["token_alpha"]) == (
        "0.25", "1234", "")


def test_spans_per_annotator() -> None:
    report = make_report()
    spans = label_spans_by_annotator(report)
    assert spans["PERSON"] == {"ana": 10, "Ben & <i>co</i>": 13, "chloé": 16}
    # A report put together without the counts per annotator: taken from the pairs.
    for scores in report.per_label.values():
        scores.annotator_spans = {}
    assert label_spans_by_annotator(report)["PERSON"] == spans["PERSON"]
    # Two annotators and no pair details: the report's own counts name the two.
    two = AgreementReport(["x", "y"], 1, None, None, None, None, None, None,
                          per_label={"ORG": LabelScores("ORG", 0.5, 0.5, 3, 5, 2)})
    assert label_spans_by_annotator(two) == {"ORG": {"x": 3, "y": 5}}


def test_nan_is_an_undefined_figure_everywhere() -> None:
    report = make_report()
    report.token_kappa = math.nan
    report.per_document[0].exact_f1 = math.inf
    data = report_to_dict(report)
    assert data["token_kappa"] is None
    assert data["per_document"][0]["exact_f1"] is None
    json.dumps(data, allow_nan=False)  # strict JSON: no NaN token
    sections = _csv_sections(report_to_csv(report))
    assert sections["overall"][0]["token_kappa"] == ""
    assert not re.search(r"\b(nan|inf)\b", report_to_csv(report), re.IGNORECASE)
    html_text = _visible_text(report_to_html(report))
    assert not re.search(r"\b(nan|inf)\b", html_text, re.IGNORECASE)
    assert html_text.count("–") > _visible_text(report_to_html(make_report())).count("–")


def test_documents_by_disagreement_then_lowest_f1_then_id() -> None:
    report = make_report()
    report.per_document = [DocumentScores(5, "e", 1, 2, None), DocumentScores(4, "d", 1, 2, 0.5),
                           DocumentScores(3, "c", 1, 2, 0.5), DocumentScores(8, "b", 1, 2, 0.25),
                           DocumentScores(9, "a", 1, 3, 0.9)]
    assert [d.id for d in documents_by_disagreement(report)] == [9, 8, 3, 4, 5]


def test_the_computed_report_goes_through_every_writer(tmp_path: Path) -> None:
    from unannotate.core.agreement import AgreementDocument, AnnotatedSpan, compute_agreement

    text = "Ana Lopez met <b>Ben</b> in Paris. Unemployment fell by 3% in 2024."

    def at(piece: str, label: str, claim: bool = False) -> AnnotatedSpan:
        start = text.index(piece)
        return AnnotatedSpan(start, start + len(piece), label, claim)

    claim = "Unemployment fell by 3% in 2024."
    layers = {
        "ana": [at("Ana Lopez", "PERSON"), at("Paris", "GPE"), at(claim, "CLAIM", True)],
        "ben": [at("Ana", "PERSON"), at("Paris", "GPE"), at(claim, "CLAIM", True)],
        "chloé": [at("Ana Lopez", "PERSON"), at("Paris", "ORG")],
    }
    documents = [AgreementDocument(1, "<script>alert(1)</script>", text, layers),
                 AgreementDocument(2, "Same", text, {name: layers["ana"] for name in layers})]
    report = compute_agreement(documents, list(layers))
    assert _report_from(json.loads(json.dumps(report_to_dict(report), allow_nan=False))) == report
    sections = _csv_sections(report_to_csv(report))
    assert float(sections["overall"][0]["exact_f1"]) == report.exact_f1
    page = report_to_html(report)
    assert "<script" not in page and "<script>alert(1)</script>" in _visible_text(page)
    for suffix in (".csv", ".json", ".html"):
        write_report(report, tmp_path / f"agreement{suffix}")


# -- CSV ------------------------------------------------------------------------------------------
def _csv_sections(text: str) -> dict[str, list[dict[str, str]]]:
    """Split on blank rows; each section starts with its header row."""
    sections: dict[str, list[dict[str, str]]] = {}
    header: list[str] | None = None
    for row in csv.reader(io.StringIO(text, newline="")):
        if not row:
            header = None
            continue
        if header is None:
            assert row[0] == "section"
            header = row
            continue
        sections.setdefault(row[0], []).append(dict(zip(header, row, strict=True)))
    return sections


def test_csv_parses_back_with_every_figure() -> None:
    report = make_report()
    text = report_to_csv(report)
    sections = _csv_sections(text)
    assert text.count("\r\n\r\n") == 5  # six sections, a blank line between each two
    overall = sections["overall"][0]
    assert float(overall["exact_f1"]) == 2 / 3
    assert float(overall["overlap_f1"]) == 0.1 + 0.7
    assert float(overall["token_alpha"]) == -0.05
    assert overall["claim_kappa"] == "" and overall["claim_alpha"] == ""
    assert (overall["documents"], overall["tokens"], overall["sentences"]) == ("4", "1234", "56")
    assert [(row["annotator"], row["spans"]) for row in sections["annotator"]] == [
        ("ana", "11"), ("Ben & <i>co</i>", "14"), ("chloé", "17")]

    labels = {row["label"]: row for row in sections["label"]}
    assert float(labels["PERSON"]["overlap_f1"]) == 0.1 + 0.2
    assert float(labels[HOSTILE_LABEL]["exact_f1"]) == 1 / 3
    assert labels["EVENT"]["exact_f1"] == ""
    assert labels["PERSON"]["spans Ben & <i>co</i>"] == "13"
    assert (labels["PERSON"]["exact_matches"], labels["PERSON"]["overlap_matches"]) == (
        "21", "23")

    assert len(sections["pair"]) == 3
    assert float(sections["pair"][0]["token_kappa"]) == 0.1
    assert float(sections["pair"][0]["claim_kappa"]) == -0.125
    assert sections["pair"][1]["claim_kappa"] == ""
    assert [sections["pair"][0][k] for k in ("a_spans", "b_spans", "exact_matches",
                                             "overlap_matches")] == ["11", "14", "7", "10"]
    assert len(sections["pair_label"]) == 3 * 3

    documents = sections["document"]
    assert [row["title"] for row in documents] == [d.title for d in report.per_document]
    assert documents[1]["title"] == HOSTILE_TITLE  # comma, quotes and a newline survive
    assert float(documents[1]["exact_f1"]) == 1 / 7
    assert documents[2]["exact_f1"] == ""


def test_csv_sections_keep_their_headers_when_empty() -> None:
    report = AgreementReport(["a", "b"], 0, None, None, None, None, None, None)
    sections = report_to_csv(report).split("\r\n\r\n")
    assert [s.split("\r\n")[0].split(",")[1] for s in sections] == [
        "documents", "annotator", "label", "a", "a", "document_id"]


# -- HTML -----------------------------------------------------------------------------------------
VOID = {"meta", "br", "hr", "img", "input", "link", "rect", "line", "area", "base", "col", "wbr"}


class _StrictParser(HTMLParser):
    """Keeps the text and fails on a closing tag that does not match the open one."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _StrictParser:
    parser = _StrictParser()
    parser.feed(page)
    parser.close()
    assert parser.stack == [], f"unclosed: {parser.stack}"
    return parser


def _visible_text(page: str) -> str:
    return "\n".join(_parse(page).text)


def _cells(page: str, heading: str) -> list[list[str]]:
    """The rows of the first table after a heading, as cell texts."""
    class Rows(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.seen = self.inside = False
            self.rows: list[list[str]] = []
            self.cell: list[str] | None = None
            self.last_data = ""

        def handle_starttag(self, tag: str, attrs: list) -> None:  # type: ignore[type-arg]
            if tag == "table" and self.seen and not self.rows:
                self.inside = True
            elif self.inside and tag == "tr":
                self.rows.append([])
            elif self.inside and tag in ("td", "th"):
                self.cell = []

        def handle_endtag(self, tag: str) -> None:
            if tag == "table" and self.inside:
                self.inside, self.seen = False, False
            elif self.inside and tag in ("td", "th") and self.cell is not None:
                self.rows[-1].append("".join(self.cell))
                self.cell = None

        def handle_data(self, data: str) -> None:
            if data == heading:
                self.seen = True
            if self.cell is not None:
                self.cell.append(data)

    parser = Rows()
    parser.feed(page)
    return parser.rows


def test_html_is_one_self_contained_page() -> None:
    page = report_to_html(make_report(), title="Agreement <2025>")
    parser = _parse(page)
    lowered = page.lower()
    assert "<script" not in lowered
    assert "http" not in lowered
    assert "url(" not in lowered and "@import" not in lowered
    # Nothing to load: no tag points anywhere.
    assert not [(tag, attrs) for tag, attrs in parser.tags
                if {"src", "href", "srcset", "data", "action"} & set(attrs)]
    assert {"style", "svg", "title"} <= {tag for tag, _ in parser.tags}
    assert "Agreement <2025>" in parser.text  # the title too is escaped, not parsed


def test_html_escapes_every_string_from_the_data() -> None:
    page = report_to_html(make_report())
    assert "<b>bold</b>" not in page and "<i>co</i>" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page  # Jinja's escaping
    text = _visible_text(page)
    assert HOSTILE_TITLE in text  # shown literally, as written
    assert HOSTILE_LABEL in text
    assert "Ben & <i>co</i>" in text
    tags = {tag for tag, _ in _parse(page).tags}
    assert not tags & {"script", "b", "i", "img", "iframe", "object"}


def test_html_escapes_a_script_in_a_label_an_annotator_and_a_title() -> None:
    script = "<script>alert('label')</script>"
    report = make_report(["ana", "<script>ben</script>"])
    report.per_label[script] = report.per_label.pop("PERSON")
    report.per_document[0] = DocumentScores(3, "<SCRIPT src=x></SCRIPT>", 9, 1, 0.95)
    page = report_to_html(report, title="</title><script>t</script>")
    assert "<script" not in page.lower()
    text = _visible_text(page)
    for shown in (script, "<script>ben</script>", "<SCRIPT src=x></SCRIPT>",
                  "</title><script>t</script>"):
        assert shown in text


def test_html_shows_undefined_figures_as_a_dash() -> None:
    page = report_to_html(make_report())
    rows = _cells(page, "Per document")
    empty = next(row for row in rows if row and row[0] == "Empty draft")
    assert empty[-1] == "–"
    labels = {row[0]: row for row in _cells(page, "Per label")[1:]}
    assert labels["EVENT"][1:3] == ["–", "–"]
    assert labels["PERSON"][1] == "0.538"  # 2 * 21 / (33 + 45), three decimals


def test_html_lists_documents_by_disagreement() -> None:
    page = report_to_html(make_report())
    titles = [row[0] for row in _cells(page, "Per document")[1:]]
    # 5, 5 (report order kept for the tie), 1, 0
    assert titles == [HOSTILE_TITLE, "Busy, long debate", "Calm briefing", "Empty draft"]


def test_html_matrix_only_with_more_than_two_annotators() -> None:
    three = report_to_html(make_report())
    matrix = _cells(three, "Exact F1 of each pair of annotators.")
    assert matrix[0] == ["", *ANNOTATORS]
    assert matrix[1] == ["ana", "·", "0.667", "0.677"]
    assert matrix[3][1:3] == ["0.677", "0.687"]  # symmetric
    shades = [attrs.get("style", "") for tag, attrs in _parse(three).tags
              if tag == "td" and attrs.get("class") == "shade"]
    assert len(shades) == 6 and all("background:#" in s for s in shades)
    two = report_to_html(make_report(["ana", "ben"]))
    assert "Between annotators" not in two


def test_html_chart_has_a_bar_per_defined_figure() -> None:
    report = make_report()
    page = report_to_html(report)
    svg = page[page.index("<svg"):page.index("</svg>")]
    bars = [attrs for tag, attrs in _parse(page).tags
            if tag == "rect" and attrs.get("height") != "12"]  # not the legend swatches
    defined = sum(v is not None for s in report.per_label.values()
                  for v in (s.exact_f1, s.overlap_f1))
    assert len(bars) == defined == 4
    widths = sorted(float(b["width"] or 0) for b in bars)
    assert widths == sorted(widths) and widths[0] < widths[-1]
    assert "&lt;img src=x onerror=alert(1)&gt;" in svg


def test_html_explains_the_figures() -> None:
    text = _visible_text(report_to_html(make_report()))
    assert "What these figures mean" in text
    for words in ("same start", "at least one character", "Cohen", "Krippendorff"):
        assert words in text


# -- files ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["r.csv", "r.json", "r.html", "r.htm", "R.HTML"])
def test_write_report_picks_the_format_by_suffix(tmp_path: Path, name: str) -> None:
    report = make_report()
    path = tmp_path / "out" / name
    write_report(report, path)
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        assert _csv_sections(text)["document"][1]["title"] == HOSTILE_TITLE
    elif suffix == ".json":
        assert _report_from(json.loads(text)) == report
    else:
        assert text.startswith("<!DOCTYPE html>")
        assert HOSTILE_TITLE in _visible_text(text)
    assert sorted(p.name for p in path.parent.iterdir()) == [name]  # nothing left beside it


@pytest.mark.parametrize("name", ["r.txt", "r.xlsx", "report"])
def test_write_report_refuses_an_unknown_suffix(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnannotateError) as caught:
        write_report(make_report(), tmp_path / name)
    message = str(caught.value)
    assert all(suffix in message for suffix in (".csv", ".json", ".html", ".htm"))
    assert list(tmp_path.iterdir()) == []


def test_a_failing_write_leaves_the_previous_file(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "agreement.html"
    path.write_text("the earlier report", encoding="utf-8")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError):
        write_report(make_report(), path)
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == "the earlier report"
    assert [p.name for p in tmp_path.iterdir()] == ["agreement.html"]
    write_report(make_report(), path)  # and the next write goes through
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
