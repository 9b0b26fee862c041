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
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..core.agreement import AgreementReport, DocumentScores
from ..core.errors import UnannotateError
from ..formats.atomic import atomic_write
from ..resources import resource

if TYPE_CHECKING:
    import jinja2

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
# The page is resources/templates/agreement_report.html, rendered by Jinja with autoescape on.
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



@cache
def _page_template() -> jinja2.Template:
    import jinja2  # when a page is written: the window and the command line start without it

    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                                     keep_trailing_newline=True)
    environment.filters["score"] = format_score
    environment.filters["shade"] = score_colour
    return environment.from_string(resource("templates", "agreement_report.html")
                                   .read_text(encoding="utf-8"))


def _chart(report: AgreementReport) -> dict[str, Any] | None:
    """The geometry of the chart: horizontal grouped bars, one group per label, exact F1 dark
    and overlap F1 light."""
    labels = list(report.per_label.items())
    if not labels:
        return None
    bar, gap, top, bottom = 13, 12, 34, 28
    left = min(230, 24 + 8 * max(len(label) for label, _ in labels))  # ~8 px a character
    plot = 560
    height = top + len(labels) * (2 * bar + gap) + bottom
    groups = []
    y = top
    for label, scores in labels:
        bars = []
        for offset, value, colour in ((0, scores.exact_f1, _EXACT_BAR),
                                      (bar, scores.overlap_f1, _OVERLAP_BAR)):
            finite = defined(value)
            length = 0.0 if finite is None else min(1.0, max(0.0, finite)) * plot
            bars.append({"y": y + offset, "length": f"{length:.1f}" if length else "",
                         "text_x": f"{left + length + 5:.1f}", "value": value,
                         "colour": colour})
        groups.append({"label": label, "y": y, "bars": bars,
                       "shown": label if len(label) <= 26 else label[:25] + "…"})
        y += 2 * bar + gap
    return {
        "width": left + plot + 60, "height": height, "left": left, "top": top, "bar": bar,
        "axis_bottom": height - bottom + 4, "exact_colour": _EXACT_BAR,
        "overlap_colour": _OVERLAP_BAR, "groups": groups,
        "ticks": [{"x": f"{left + tick * plot:.1f}", "text": f"{tick:g}",
                   "colour": "#9aa3ad" if tick == 0 else "#e4e7eb"}
                  for tick in (0.0, 0.25, 0.5, 0.75, 1.0)],
    }


def report_to_html(report: AgreementReport, *, title: str = "Agreement") -> str:
    """One page, no script, nothing loaded from elsewhere: inline CSS and an inline SVG chart."""
    units, annotators = summary_lines(report)
    return _page_template().render(
        title=title, units=units, annotators_line=annotators, report=report,
        figures=[{"title": short, "meaning": meaning, "value": getattr(report, name)}
                 for name, short, meaning in FIGURES],
        label_spans=label_spans_by_annotator(report), chart=_chart(report),
        pair_f1=_pair_lookup(report), pair_key=lambda a, b: frozenset((a, b)),
        documents=documents_by_disagreement(report), meanings=_MEANINGS,
        version=__version__)


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
