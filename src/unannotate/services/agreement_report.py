"""The agreement report as files: JSON (every field of the report, unrounded), CSV (one file, a
section per table) and one self-contained HTML page with a chart.

The page carries no script and loads nothing: it is opened from disk, mailed, archived, and every
string from the project (titles, labels, annotator names) is escaped, since a title may hold
markup. Undefined figures (None, or a NaN from a division by zero) read "–" and JSON null.
"""

from __future__ import annotations

import colorsys
import csv
import io
import json
import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import fields, is_dataclass
from html import escape
from pathlib import Path
from typing import Any

from .. import __version__
from ..core.agreement import AgreementReport, DocumentScores
from ..core.errors import UnannotateError
from ..formats.atomic import atomic_write

MISSING = "–"  # an undefined figure in the page and the window (CSV leaves the cell empty)
FORMAT = "unannotate.agreement.v1"
OVERALL = ("exact_f1", "overlap_f1", "token_kappa", "claim_kappa", "token_alpha", "claim_alpha")
SUFFIXES = {".csv": "csv", ".json": "json", ".html": "html", ".htm": "html"}

# (field, short name, one-line meaning): the same words in the HTML page and the window.
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("exact_f1", "Exact F1",
     "Spans that match exactly: same start, same end, same label (pooled over the pairs)."),
    ("overlap_f1", "Overlap F1",
     "Spans of the same label that share at least one character (pooled over the pairs)."),
    ("token_kappa", "Token kappa",
     "Cohen's kappa on each token's entity label, corrected for chance (mean over the pairs)."),
    ("claim_kappa", "Claim kappa",
     ("Cohen's kappa on whether each sentence is a claim, corrected for chance (mean over "
     "the pairs).")),
    ("token_alpha", "Token alpha",
     "Krippendorff's alpha (nominal) on token labels, all annotators at once."),
    ("claim_alpha", "Claim alpha",
     "Krippendorff's alpha (nominal) on claim sentences, all annotators at once."),
)


# -- shared helpers (also used by the window) --------------------------------------------------
def defined(value: float | None) -> float | None:
    """The figure, or None when it is undefined (None, NaN or infinite)."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def format_score(value: float | None, digits: int = 3) -> str:
    """A figure for people: three decimals, a true minus sign, "–" when undefined."""
    value = defined(value)
    if value is None:
        return MISSING
    text = f"{value:.{digits}f}"
    return "\u2212" + text[1:] if text.startswith("-") else text


def score_colour(value: float | None, *, strong: bool = False) -> str:
    """A light background from red (0.4 or below) through amber to green (1); grey if undefined.

    The scale spans 0.4–1, where agreement figures fall in practice (below 0.4 kappa is read as
    poor), so that 0.6 and 0.9 look different. Light enough for dark text on it; strong: a
    deeper shade for a thin stripe."""
    value = defined(value)
    if value is None:
        return "#b8bec5" if strong else "#e6e6e6"
    share = min(1.0, max(0.0, (value - 0.4) / 0.6))
    lightness = 0.55 if strong else 0.80
    red, green, blue = colorsys.hls_to_rgb(share / 3.0, lightness, 0.70)  # hue red .. green
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def label_spans_by_annotator(report: AgreementReport) -> dict[str, dict[str, int]]:
    """label -> annotator -> number of spans with that label.

    From the report-level label scores when they carry the counts; else from the pairs, where
    each pair counts both of its annotators (a report put together by hand may have only
    those)."""
    counts: dict[str, dict[str, int]] = {}
    for pair in report.pairs:
        for label, scores in pair.per_label.items():
            per_annotator = counts.setdefault(label, {})
            per_annotator[pair.a] = scores.a_spans
            per_annotator[pair.b] = scores.b_spans
    if not report.pairs and len(report.annotators) == 2:
        first, second = report.annotators
        for label, scores in report.per_label.items():
            counts[label] = {first: scores.a_spans, second: scores.b_spans}
    for label, scores in report.per_label.items():
        if scores.annotator_spans:
            counts[label] = dict(scores.annotator_spans)
    return counts


def _count(number: int, word: str) -> str:
    return f"{number:,} {word}{'' if number == 1 else 's'}"


def summary_lines(report: AgreementReport) -> tuple[str, str]:
    """What was compared, in two lines of plain text: the units, then the annotators."""
    units = [_count(report.documents, "document")]
    if report.tokens or report.sentences:  # a report put together by hand may leave them out
        units += [_count(report.tokens, "token"), _count(report.sentences, "sentence")]
    names = [f"{name} ({_count(report.spans[name], 'span')})" if name in report.spans else name
             for name in report.annotators]
    return (" · ".join(units) + " compared",
            f"{_count(len(report.annotators), 'annotator')}: {', '.join(names) or 'none'}")


def _document_order(document: DocumentScores) -> tuple[int, bool, float, int]:
    exact = defined(document.exact_f1)
    return (-document.disagreements, exact is None, exact or 0.0, document.id)


def documents_by_disagreement(report: AgreementReport) -> list[DocumentScores]:
    """Most disagreements first, then the lowest exact F1 (undefined last), then by id: the
    order the computation gives, kept for a report put together in any order."""
    return sorted(report.per_document, key=_document_order)


def _pair_lookup(report: AgreementReport) -> dict[frozenset[str], float | None]:
    return {frozenset((pair.a, pair.b)): pair.exact_f1 for pair in report.pairs}


# -- JSON -----------------------------------------------------------------------------------------
_TABLES = {"per_label"}  # label -> scores in the report: a list in JSON, in the report's order


def _plain(value: object, name: str = "") -> Any:
    """The report's dataclasses as JSON data, key for key: every field under its own name, so
    a field added to the report is written too. Figures unrounded; undefined ones None."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name), f.name) for f in fields(value)}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)  # numpy's integers too
    if isinstance(value, numbers.Real):
        return defined(float(value))
    if isinstance(value, dict):
        if name in _TABLES:
            return [_plain(item) for item in value.values()]
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value)


def report_to_dict(report: AgreementReport) -> dict[str, Any]:
    """Every field of the report as JSON-able data, under the field's name, after a "format"
    key; label tables (``per_label``) become lists in the report's order. Not rounded; an
    undefined figure (None, NaN) is None."""
    return {"format": FORMAT, **_plain(report)}


def report_to_json(report: AgreementReport) -> str:
    return json.dumps(report_to_dict(report), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


# -- CSV ----------------------------------------------------------------------------------------
def _cell(value: object) -> str:
    """Full precision for numbers (repr of the float), empty for an undefined figure."""
    if value is None:
        return ""
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        finite = defined(float(value))
        return "" if finite is None else repr(finite)
    return str(value)


def report_to_csv(report: AgreementReport) -> str:
    """One CSV file: sections separated by a blank line, each with its own header row whose
    first column is "section"; the sections are overall, annotator, label, pair, pair_label
    and document."""
    out = io.StringIO()
    writer = csv.writer(out)
    spans = label_spans_by_annotator(report)

    def section(name: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        if out.tell():
            writer.writerow([])
        writer.writerow(["section", *header])
        for row in rows:
            writer.writerow([name, *(_cell(value) for value in row)])

    section("overall", ["documents", "annotators", "tokens", "sentences", *OVERALL],
            [[report.documents, len(report.annotators), report.tokens, report.sentences,
              *(getattr(report, name) for name in OVERALL)]])
    section("annotator", ["annotator", "spans"],
            [[name, report.spans.get(name, "")] for name in report.annotators])
    section("label",
            ["label", "exact_f1", "overlap_f1", "exact_matches", "overlap_matches",
             *(f"spans {name}" for name in report.annotators)],
            [[label, s.exact_f1, s.overlap_f1, s.exact_matches, s.overlap_matches,
              *(spans.get(label, {}).get(name, 0) for name in report.annotators)]
             for label, s in report.per_label.items()])
    section("pair", ["a", "b", "exact_f1", "overlap_f1", "token_kappa", "claim_kappa",
                     "a_spans", "b_spans", "exact_matches", "overlap_matches"],
            [[p.a, p.b, p.exact_f1, p.overlap_f1, p.token_kappa, p.claim_kappa,
              p.a_spans, p.b_spans, p.exact_matches, p.overlap_matches]
             for p in report.pairs])
    section("pair_label",
            ["a", "b", "label", "exact_f1", "overlap_f1", "a_spans", "b_spans", "exact_matches",
             "overlap_matches"],
            [[p.a, p.b, label, s.exact_f1, s.overlap_f1, s.a_spans, s.b_spans, s.exact_matches,
              s.overlap_matches]
             for p in report.pairs for label, s in p.per_label.items()])
    section("document", ["document_id", "title", "spans", "disagreements", "exact_f1"],
            [[d.id, d.title, d.spans, d.disagreements, d.exact_f1]
             for d in report.per_document])
    return out.getvalue()


# -- HTML ---------------------------------------------------------------------------------------
_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f5f7; color: #1d232b; line-height: 1.45;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 32px 28px 48px; }
header h1 { font-size: 26px; margin: 0 0 4px; font-weight: 650; }
header p { margin: 0; color: #5a6572; }
section { background: #fff; border: 1px solid #e1e4e8; border-radius: 10px;
  padding: 20px 24px; margin-top: 22px; }
h2 { font-size: 17px; margin: 0 0 4px; font-weight: 650; }
p.note { margin: 0 0 14px; color: #5a6572; font-size: 13.5px; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr));
  gap: 12px; margin-top: 22px; }
.figure { background: #fff; border: 1px solid #e1e4e8; border-radius: 10px;
  padding: 14px 16px; border-top: 5px solid var(--shade); }
.figure .name { font-size: 13px; color: #5a6572; font-weight: 600; }
.figure .value { font-size: 30px; font-weight: 650; font-variant-numeric: tabular-nums;
  margin-top: 2px; }
.figure .what { font-size: 12px; color: #6b7682; margin-top: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { padding: 6px 10px; border-bottom: 1px solid #eceef1; text-align: left; }
th { font-size: 12.5px; color: #5a6572; font-weight: 600; background: #f8f9fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:hover { background: #f6f8fb; }
td.title { max-width: 520px; overflow-wrap: anywhere; }
td.shade { color: #1d232b; }
table.matrix { width: auto; }
table.matrix th, table.matrix td { border: 1px solid #fff; text-align: center; min-width: 84px; }
table.matrix th[scope=row] { text-align: right; }
table.matrix td.self { background: #f1f2f4; color: #9aa3ad; }
.chart { overflow-x: auto; }
.chart svg { display: block; max-width: 100%; height: auto; }
dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 8px 18px; }
dt { font-weight: 600; }
dd { margin: 0; color: #36404b; }
footer { margin-top: 22px; color: #8a939d; font-size: 12px; text-align: center; }
@media print { body { background: #fff; } section, .figure { break-inside: avoid; } }
"""

_EXACT_BAR = "#2f6db0"
_OVERLAP_BAR = "#9cc2e8"

_MEANINGS: tuple[tuple[str, str], ...] = (
    ("Exact F1", ("Two spans match when they have the same start, the same end and the same "
     "label; each span matches at most once. F1 = 2 × matches / (spans of one annotator + "
     "spans of the other), the same whichever annotator is taken as the reference. With more "
     "than two annotators the counts of every pair are added up before dividing.")),
    ("Overlap F1", ("As exact F1, but two spans match when they have the same label and share "
     "at least one character: differences in boundaries are forgiven. Spans are still paired "
     "one to one, so overlap F1 is never below exact F1.")),
    ("Token kappa", ("Cohen's kappa between two annotators on every token (words and "
     "punctuation): each token takes the label of the entity span over it, or none. Corrected "
     "for the agreement expected by chance: 1 is perfect, 0 is chance level, below 0 is worse "
     "than chance. The mean over the pairs.")),
    ("Claim kappa", ("The same on sentences: a sentence is a claim for an annotator when one "
     "of their claim spans covers at least half of it.")),
    ("Alpha", ("Krippendorff's alpha (nominal data) over all annotators at once, on the same "
     "tokens and sentences; as for kappa, 1 is perfect agreement and 0 is chance.")),
    ("Disagreements", ("The places in a document where the annotators differ: a group of "
     "overlapping spans where they do not all hold the same spans (start, end and label).")),
    (MISSING, "Undefined: nothing to compare, for instance no span with that label."),
)


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _num_td(value: float | None, *, shade: bool = False) -> str:
    if shade:
        return (f'<td class="num shade" style="background:{score_colour(value)}">'
                f"{_e(format_score(value))}</td>")
    return f'<td class="num">{_e(format_score(value))}</td>'


def _figures_html(report: AgreementReport) -> str:
    cards = []
    for name, title, meaning in FIGURES:
        value = getattr(report, name)
        cards.append(
            f'<div class="figure" style="--shade:{score_colour(value, strong=True)}" '
            f'title="{_e(meaning)}">'
            f'<div class="name">{_e(title)}</div>'
            f'<div class="value">{_e(format_score(value))}</div>'
            f'<div class="what">{_e(meaning)}</div></div>')
    return '<div class="figures">' + "".join(cards) + "</div>"


def _labels_html(report: AgreementReport) -> str:
    spans = label_spans_by_annotator(report)
    head = "".join(f'<th class="num">{_e(name)}</th>' for name in report.annotators)
    rows = []
    for label, scores in report.per_label.items():
        counts = "".join(f'<td class="num">{spans.get(label, {}).get(name, 0)}</td>'
                         for name in report.annotators)
        rows.append(f"<tr><td>{_e(label)}</td>{_num_td(scores.exact_f1, shade=True)}"
                    f"{_num_td(scores.overlap_f1, shade=True)}{counts}</tr>")
    if not rows:
        rows.append(f'<tr><td colspan="{3 + len(report.annotators)}">No labels.</td></tr>')
    return (
        "<section><h2>Per label</h2>"
        '<p class="note">F1 per label (pooled over the pairs) and the spans each annotator '
        "marked with it.</p>"
        '<table><thead><tr><th scope="col">Label</th><th class="num">Exact F1</th>'
        f'<th class="num">Overlap F1</th>{head}</tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
        f'<div class="chart">{_chart_svg(report)}</div></section>')


def _chart_svg(report: AgreementReport) -> str:
    """Horizontal grouped bars, one group per label: exact F1 dark, overlap F1 light."""
    labels = list(report.per_label.items())
    if not labels:
        return ""
    bar, gap, top, bottom = 13, 12, 34, 28
    left = min(230, 24 + 8 * max(len(label) for label, _ in labels))  # ~8 px a character
    plot = 560
    width = left + plot + 60
    height = top + len(labels) * (2 * bar + gap) + bottom
    parts = [
        (f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        'aria-label="Exact and overlap F1 per label" '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif" '
        'font-size="12">'),
        f'<rect x="{left}" y="8" width="12" height="12" fill="{_EXACT_BAR}"/>',
        f'<text x="{left + 18}" y="18" fill="#36404b">exact F1</text>',
        f'<rect x="{left + 92}" y="8" width="12" height="12" fill="{_OVERLAP_BAR}"/>',
        f'<text x="{left + 110}" y="18" fill="#36404b">overlap F1</text>',
    ]
    axis_bottom = height - bottom + 4
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = left + tick * plot
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{axis_bottom}" '
                     f'stroke="{"#9aa3ad" if tick == 0 else "#e4e7eb"}" stroke-width="1"/>')
        parts.append(f'<text x="{x:.1f}" y="{axis_bottom + 15}" text-anchor="middle" '
                     f'fill="#6b7682">{tick:g}</text>')
    y = top
    for label, scores in labels:
        shown = label if len(label) <= 26 else label[:25] + "…"
        parts.append(f"<g><title>{_e(label)}</title>"
                     f'<text x="{left - 8}" y="{y + bar + 4}" text-anchor="end" '
                     f'fill="#1d232b">{_e(shown)}</text>')
        for offset, value, colour in ((0, scores.exact_f1, _EXACT_BAR),
                                      (bar, scores.overlap_f1, _OVERLAP_BAR)):
            finite = defined(value)
            length = 0.0 if finite is None else min(1.0, max(0.0, finite)) * plot
            if length:
                parts.append(f'<rect x="{left}" y="{y + offset}" width="{length:.1f}" '
                             f'height="{bar - 2}" rx="2" fill="{colour}"/>')
            parts.append(f'<text x="{left + length + 5:.1f}" y="{y + offset + bar - 3}" '
                         f'fill="#36404b" font-size="11">{_e(format_score(value))}</text>')
        parts.append("</g>")
        y += 2 * bar + gap
    parts.append("</svg>")
    return "".join(parts)


def _pairs_html(report: AgreementReport) -> str:
    """The matrix of exact F1 between annotators, and every figure of each pair; only worth a
    section with more than two annotators (with two, the overall figures are the pair's)."""
    if len(report.annotators) <= 2:
        return ""
    lookup = _pair_lookup(report)
    head = "".join(f'<th scope="col">{_e(name)}</th>' for name in report.annotators)
    rows = []
    for a in report.annotators:
        cells = []
        for b in report.annotators:
            if a == b:
                cells.append('<td class="self">·</td>')
            else:
                value = lookup.get(frozenset((a, b)))
                cells.append(f'<td class="shade" style="background:{score_colour(value)}">'
                             f"{_e(format_score(value))}</td>")
        rows.append(f'<tr><th scope="row">{_e(a)}</th>{"".join(cells)}</tr>')
    detail = "".join(
        f"<tr><td>{_e(p.a)}</td><td>{_e(p.b)}</td>{_num_td(p.exact_f1)}{_num_td(p.overlap_f1)}"
        f"{_num_td(p.token_kappa)}{_num_td(p.claim_kappa)}</tr>" for p in report.pairs)
    return (
        "<section><h2>Between annotators</h2>"
        '<p class="note">Exact F1 of each pair of annotators.</p>'
        f'<table class="matrix"><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        '<p class="note" style="margin-top:18px">Every figure of each pair.</p>'
        '<table><thead><tr><th>Annotator</th><th>Annotator</th><th class="num">Exact F1</th>'
        '<th class="num">Overlap F1</th><th class="num">Token kappa</th>'
        f'<th class="num">Claim kappa</th></tr></thead><tbody>{detail}</tbody></table>'
        "</section>")


def _documents_html(report: AgreementReport) -> str:
    rows = "".join(
        f'<tr><td class="title">{_e(d.title)}</td><td class="num">{d.spans}</td>'
        f'<td class="num">{d.disagreements}</td>{_num_td(d.exact_f1, shade=True)}</tr>'
        for d in documents_by_disagreement(report))
    if not rows:
        rows = '<tr><td colspan="4">No documents.</td></tr>'
    return (
        "<section><h2>Per document</h2>"
        '<p class="note">Most disagreements first, then the lowest exact F1: the documents '
        "to settle first.</p>"
        '<table><thead><tr><th>Document</th><th class="num">Spans</th>'
        '<th class="num">Disagreements</th><th class="num">Exact F1</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></section>")


def _meanings_html() -> str:
    items = "".join(f"<dt>{_e(term)}</dt><dd>{_e(meaning)}</dd>" for term, meaning in _MEANINGS)
    return f"<section><h2>What these figures mean</h2><dl>{items}</dl></section>"


def report_to_html(report: AgreementReport, *, title: str = "Agreement") -> str:
    """One page, no script, nothing loaded from elsewhere: inline CSS and an inline SVG chart."""
    units, annotators = summary_lines(report)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>"
        f"<header><h1>{_e(title)}</h1>"
        f"<p>{_e(units)}<br>{_e(annotators)}</p></header>"
        f"{_figures_html(report)}{_labels_html(report)}{_pairs_html(report)}"
        f"{_documents_html(report)}{_meanings_html()}"
        f"<footer>Written by unannotate {_e(__version__)}</footer>"
        "</main></body></html>\n")


# -- files --------------------------------------------------------------------------------------
def write_report(report: AgreementReport, path: Path, *, title: str = "Agreement") -> None:
    """Write the report in the format its suffix names (.csv, .json, .html or .htm), atomically:
    a failed write leaves an earlier file of that name as it was. The title heads the page."""
    path = Path(path)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise UnannotateError(
            f"{path.name}: an agreement report is written as .csv, .json, .html or .htm, "
            f"not {path.suffix or 'a file without a suffix'}")
    # Rendered before the file is opened: a failing renderer leaves nothing behind.
    if kind == "csv":
        text = report_to_csv(report)
    elif kind == "json":
        text = report_to_json(report)
    else:
        text = report_to_html(report, title=title)
    with atomic_write(path) as handle:
        handle.write(text)
