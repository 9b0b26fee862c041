"""Label Studio JSON: tasks with ``data.text``, ``annotations`` and ``predictions``, both ways.

A file holds a list of tasks or one task (``{"data": {"text": ...}, "annotations": [...],
"predictions": [...]}``); the JSON-MIN export (one flat record per annotation, the data fields at
the top level and the regions under the control's name) is read too. Each annotation becomes an
annotator layer (``completed_by`` names the annotator: an email, or ``"ls-<id>"`` when only a user
id is given), each prediction a suggestions layer (``suggester`` is its ``model_version``).
Results of type ``labels`` become spans, one per label; other results (relations, choices, text
areas, ...), cancelled annotations and regions without a label are reported as dropped.
A submitted annotation marks the task done for its annotator (``was_cancelled`` annotations,
skipped tasks, do not); when one person both submitted and cancelled the task, the later of the
two counts and the other is reported.
Bookkeeping of annotations and predictions (ids, times, ``lead_time``) is not kept.

Offsets. Label Studio counts code points: its text tag stores offsets "by code points" (its own
end-to-end test "NER - Emoji - Text", and the fix for emoji offsets in label-studio#1559 /
label-studio-frontend#308). Versions before that fix counted JavaScript's UTF-16 code units, so
a span after an emoji is one unit further per emoji (label-studio#1008, #1347). Every region
also quotes its ``value.text``, so the reader takes the offsets as code points when they cover
that text, else as UTF-16 code units when those do (converted here), else refuses the file.
Label Studio trims runs of white space in ``value.text`` (label-studio#3078) while the offsets
count every character: a quote that differs only in white space is accepted and noted.
Without a quote, code points are assumed. The writer writes code points.

The helpers for UTF-16 offsets and for JSON spread over many lines are shared with
:mod:`unannotate.formats.doccano`.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from ..core.errors import InputError, OffsetError
from ..core.model import CLAIM_LABEL, LayerKind, check_bounds
from ..core.offsets import ASTRAL
from .atomic import atomic_write
from .interchange import (
    DONE,
    FormatReport,
    FormatSpec,
    json_error_reason,
    json_value_problem,
    progress,
)
from .native import NativeDocument, NativeLayer, NativeSpan

DEFAULT_SUGGESTER = "label-studio"
FROM_NAME = "label"
TO_NAME = "text"

_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_LS_USER = re.compile(r"ls-(\d+)")
# Keys of a JSON-MIN record that describe the annotation rather than the document.
_MIN_BOOKKEEPING = frozenset({"annotator", "annotation_id", "created_at", "updated_at",
                              "lead_time", "agreement"})
_TASK_PARTS = frozenset({"data", "annotations", "predictions"})


# --- shared helpers (also used by doccano) ---------------------------------------------------


class _Utf16:
    """Offsets of one text as UTF-16 code units (what JavaScript's string indices count) and as
    code points (what Python and the program count). They differ after every character outside
    the Basic Multilingual Plane (most emoji), which takes two units and one code point."""

    def __init__(self, text: str) -> None:
        self._astral = [match.start() for match in ASTRAL.finditer(text)]
        # The unit at which each astral character starts.
        self._unit_starts = [point + k for k, point in enumerate(self._astral)]

    @property
    def differs(self) -> bool:
        """Whether the two countings differ anywhere in the text."""
        return bool(self._astral)

    def units(self, point: int) -> int:
        """The UTF-16 offset of code-point offset ``point``."""
        return point + bisect_left(self._astral, point)

    def points(self, unit: int) -> int:
        """The code-point offset of UTF-16 offset ``unit``; an offset between the two halves of
        a surrogate pair names no character boundary and raises :class:`OffsetError`."""
        before = bisect_left(self._unit_starts, unit)
        if before and self._unit_starts[before - 1] + 1 == unit:
            raise OffsetError(f"UTF-16 offset {unit} falls inside a character outside the BMP")
        return unit - before


def _whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _read_text(path: Path) -> str:
    """The file as text: UTF-8 (a leading byte-order mark is skipped), nothing normalised."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(name, error.strerror or str(error)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise InputError(name, f"not UTF-8 ({error.reason})", line) from None


def _json_values(text: str, path: str) -> Iterator[tuple[int, Any]]:
    """The top-level JSON values of ``text`` with the line each starts on.

    The elements of a top-level array, else the values one after another: one object, JSON
    Lines, or pretty-printed objects each spread over many lines. Decoding value by value gives
    every bad record its own line number."""
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    in_array = text.startswith("[", position)
    if in_array:
        position = _skip_space(text, position + 1)
    line, counted = 1, 0
    while position < len(text):
        line += text.count("\n", counted, position)
        counted = position
        if in_array and text.startswith("]", position):
            _expect_end(text, position + 1, path)
            return
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            reason = f"not JSON ({error.msg}, column {error.colno}) in the value from line {line}"
            raise InputError(path, reason, error.lineno) from None
        except (ValueError, RecursionError) as error:
            raise InputError(path, json_error_reason(error), line) from None
        problem = json_value_problem(value, text[position:end])
        if problem:
            raise InputError(path, problem, line)
        yield line, value
        position = _skip_space(text, end)
        if in_array:
            position = _after_element(text, position, path)
    if in_array:
        raise InputError(path, "not JSON (the list is not closed with ])", _line_at(text, position))


def _skip_space(text: str, position: int) -> int:
    return _JSON_SPACE.match(text, position).end()  # type: ignore[union-attr]  # always matches


def _line_at(text: str, position: int) -> int:
    """The line of the last non-space character before ``position``."""
    return text.count("\n", 0, len(text[:position].rstrip())) + 1


def _after_element(text: str, position: int, path: str) -> int:
    """Where the next element of a JSON list starts (or its closing bracket)."""
    if text.startswith("]", position):
        return position
    if not text.startswith(",", position):
        raise InputError(path, "not JSON (expected , or ] after a list element)",
                         _line_at(text, position + 1))
    following = _skip_space(text, position + 1)
    if text.startswith("]", following):
        raise InputError(path, "not JSON (a comma before ])", _line_at(text, following + 1))
    return following


def _expect_end(text: str, position: int, path: str) -> None:
    rest = _skip_space(text, position)
    if rest < len(text):
        raise InputError(path, "not JSON (more after the closing ])", _line_at(text, rest + 1))


def _dedupe(spans: list[NativeSpan], where: str, report: FormatReport) -> list[NativeSpan]:
    """One span per (start, end, label) in a layer: a repeat says nothing more, so it is kept
    once and the repeat reported."""
    seen: set[tuple[int, int, str]] = set()
    kept: list[NativeSpan] = []
    for span in spans:
        key = (span.start, span.end, span.label)
        if key in seen:
            report.drop(where, _span_name(span.start, span.end, span.label),
                        "the same span twice in one layer; kept once")
        else:
            seen.add(key)
            kept.append(span)
    return kept


def _span_name(start: int, end: int, label: str) -> str:
    return f"span {start}-{end} {label}"


def _split_kinds(spans: list[NativeSpan]) -> tuple[list[NativeSpan], list[NativeSpan]]:
    """Entities and claims: spans labelled ``CLAIM`` are claims (the writers label them so)."""
    claims = [s for s in spans if s.label == CLAIM_LABEL]
    return [s for s in spans if s.label != CLAIM_LABEL], claims


def _document_name(document: NativeDocument) -> str:
    return document.title or f"document {document.sha256[:12]}"


def _writable_spans(document: NativeDocument, report: FormatReport, tool: str,
                    unwritten: tuple[str, ...]) -> list[tuple[NativeSpan, str]]:
    """The spans of the document's layer to write, with their written label (claims as
    ``CLAIM``). Rejections, and the span ``unwritten`` details the tool's file has no place for
    (``score``, ``reason``, ``source``), are reported."""
    if not document.layers:
        return []
    where = _document_name(document)
    layer = document.layers[0]
    chosen: list[tuple[NativeSpan, str]] = []
    for spans, label in ((layer.entities, None), (layer.claims, CLAIM_LABEL)):
        for span in spans:
            if span.state == "rejected":
                report.drop(where, _span_name(span.start, span.end, label or span.label),
                            f"a rejection; {tool} has no place for it")
            else:
                chosen.append((span, label or span.label))
    for detail in unwritten:
        carried = sum(1 for span, _ in chosen if getattr(span, detail) not in (None, "", {}))
        if carried:
            report.drop(where, f"the {detail} of {carried} spans", f"{tool} has no place for it")
    return chosen


# --- reading ---------------------------------------------------------------------------------


@dataclass
class _Place:
    """Where a task starts in the file, for errors and reports."""

    path: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def error(self, reason: str) -> InputError:
        return InputError(self.path, reason, self.line)


@dataclass
class _Quotes:
    """How the quoted region texts of one file matched, to tell the user once per file."""

    utf16: int = 0  # spans whose offsets counted UTF-16 code units
    spacing: int = 0  # spans whose quote differs only in white space
    assumed: int = 0  # spans without a quote in a text where the countings differ
    bookkeeping: bool = False  # annotation or prediction ids and times were left out

    def tell(self, path: str, report: FormatReport) -> None:
        if self.utf16:
            report.notes.append(f"{path}: {self.utf16} spans counted UTF-16 code units (an "
                                "older Label Studio); converted to code points")
        if self.spacing:
            report.notes.append(f"{path}: {self.spacing} spans quote their text with white "
                                "space trimmed (as Label Studio does); kept at their offsets")
        if self.assumed:
            report.notes.append(f"{path}: {self.assumed} spans in texts with emoji quote no "
                                "text; their offsets were read as code points, as Label Studio "
                                "counts")
        if self.bookkeeping:
            report.notes.append(f"{path}: ids and times of annotations and predictions not kept")


def read(path: Path, report: FormatReport) -> Iterator[NativeDocument]:
    """Read a Label Studio JSON export (or JSON-MIN export), one document per task."""
    name = str(path)
    quotes = _Quotes()
    for line, task in _json_values(_read_text(Path(path)), name):
        place = _Place(name, line)
        if not isinstance(task, dict):
            raise place.error("a task is not a JSON object")
        if _TASK_PARTS & task.keys():
            document = _read_task(task, place, report, quotes)
        else:
            document = _read_min(task, place, report, quotes)
        report.documents += 1
        for layer in document.layers:
            for span in (*layer.entities, *layer.claims):
                report.spans[span.label] += 1
        yield document
    quotes.tell(name, report)


def _read_task(task: dict[str, Any], place: _Place, report: FormatReport,
               quotes: _Quotes) -> NativeDocument:
    data = task.get("data", {})
    if not isinstance(data, dict):
        raise place.error("the task's \"data\" is not an object")
    text_key = _text_key(data, place)
    title = data.get("title")
    used = {text_key, "title"} if isinstance(title, str) else {text_key}
    meta = {k: v for k, v in data.items() if k not in used}
    for key, value in task.items():
        if key not in _TASK_PARTS:
            meta.setdefault(key, value)
    document = NativeDocument(text=data[text_key], title=title if isinstance(title, str) else "",
                              source=place.path, meta=meta)
    offsets = _Utf16(document.text)
    for number, annotation in _kept_annotations(task, place, report):
        quotes.bookkeeping |= bool(annotation.keys() - {"result", "completed_by"})
        if annotation.get("was_cancelled"):  # the person's last word on the task: skipped
            report.drop(place.where, f"annotation {annotation.get('id', number)}",
                        "cancelled in Label Studio (was_cancelled): the task is not done")
            continue
        results = _list_of(annotation, "result", place)
        spans = _spans(results, None, "accepted", document.text, offsets, place, report, quotes)
        document.layers.append(_annotator_layer(annotation.get("completed_by"), spans, place,
                                                report))
    for number, prediction in enumerate(_list_of(task, "predictions", place), start=1):
        if not isinstance(prediction, dict):
            raise place.error(f"prediction {number} is not an object")
        quotes.bookkeeping |= bool(prediction.keys() - {"result", "model_version", "score"})
        version = prediction.get("model_version")
        suggester = str(version) if version not in (None, "") else DEFAULT_SUGGESTER
        layer = NativeLayer(name=suggester, kind="suggestions", suggester=suggester)
        results = _list_of(prediction, "result", place)
        spans = _spans(results, prediction.get("score"), "suggested", document.text, offsets,
                       place, report, quotes)
        layer.entities, layer.claims = _split_kinds(_dedupe(spans, place.where, report))
        document.layers.append(layer)
    return document


def _read_min(record: dict[str, Any], place: _Place, report: FormatReport,
              quotes: _Quotes) -> NativeDocument:
    """One JSON-MIN record: the data fields at the top, regions under the control's name."""
    text = record.get("text")
    if not isinstance(text, str):
        raise place.error("the task has no \"data\" object and no \"text\" string")
    regions = [k for k, v in record.items() if _is_region_list(v)]
    title = record.get("title")
    used = {"text", *regions, *_MIN_BOOKKEEPING} | ({"title"} if isinstance(title, str) else set())
    document = NativeDocument(text=text, title=title if isinstance(title, str) else "",
                              source=place.path,
                              meta={k: v for k, v in record.items() if k not in used})
    quotes.bookkeeping |= bool(record.keys() & (_MIN_BOOKKEEPING - {"annotator"}))
    if regions or record.get("annotator") is not None:
        results = [{"type": "labels", "value": value} for key in regions for value in record[key]]
        spans = _spans(results, None, "accepted", text, _Utf16(text), place, report, quotes)
        document.layers.append(_annotator_layer(record.get("annotator"), spans, place, report))
    return document


def _kept_annotations(task: dict[str, Any], place: _Place,
                      report: FormatReport) -> list[tuple[int, dict[str, Any]]]:
    """The task's annotations (with their number) whose word counts. A person's submitted
    and cancelled annotations of one task contradict each other (done, and skipped): the
    later one (``updated_at``, else ``created_at``, else the order in the file) is kept and
    the other reported. Annotations that agree are all kept."""
    numbered: list[tuple[int, dict[str, Any]]] = []
    for number, annotation in enumerate(_list_of(task, "annotations", place), start=1):
        if not isinstance(annotation, dict):
            raise place.error(f"annotation {number} is not an object")
        numbered.append((number, annotation))
    by_person: dict[str | None, list[tuple[int, dict[str, Any]]]] = {}
    for number, annotation in numbered:
        by_person.setdefault(_annotator(annotation.get("completed_by")), []).append(
            (number, annotation))
    superseded: set[int] = set()
    for person, theirs in by_person.items():
        if len({bool(a.get("was_cancelled")) for _, a in theirs}) < 2:
            continue
        order = _in_time_order(theirs)
        number, latest = order[-1]
        for earlier, annotation in order[:-1]:
            superseded.add(earlier)
            report.drop(
                place.where, f"annotation {annotation.get('id', earlier)}"
                + (f" by {person}" if person else ""),
                f"contradicts the later annotation {latest.get('id', number)} by the same "
                "person (one submitted, one cancelled): the later one is kept")
    return [(n, a) for n, a in numbered if n not in superseded]


def _in_time_order(annotations: list[tuple[int, dict[str, Any]]]
                   ) -> list[tuple[int, dict[str, Any]]]:
    """Oldest first, by ``updated_at`` (else ``created_at``) when every one has a readable
    time, else in the file's order."""
    times = []
    for _, annotation in annotations:
        stamp = annotation.get("updated_at") or annotation.get("created_at")
        try:
            when = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
        except ValueError:
            when = None
        if when is None:
            return annotations
        times.append(when if when.tzinfo else when.replace(tzinfo=UTC))
    order = sorted(range(len(annotations)), key=lambda i: (times[i], i))
    return [annotations[i] for i in order]


def _annotator_layer(completed_by: Any, spans: list[NativeSpan], place: _Place,
                     report: FormatReport) -> NativeLayer:
    """A submitted annotation: its person finished the task."""
    annotator = _annotator(completed_by)
    layer = NativeLayer(name=f"annotator:{annotator}" if annotator else "annotator",
                        kind="annotator", annotator=annotator, status=DONE,
                        read_from=place.where)
    layer.entities, layer.claims = _split_kinds(_dedupe(spans, place.where, report))
    return layer


def _is_region_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(v, dict) and "start" in v and "end" in v and "labels" in v for v in value)


def _text_key(data: dict[str, Any], place: _Place) -> str:
    """``data.text``, else the only string in ``data``."""
    if isinstance(data.get("text"), str):
        return "text"
    strings = [k for k, v in data.items() if isinstance(v, str)]
    if len(strings) == 1:
        return strings[0]
    raise place.error("the task's \"data\" has no \"text\" string")


def _list_of(owner: dict[str, Any], key: str, place: _Place) -> list[Any]:
    value = owner.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise place.error(f"\"{key}\" is not a list")
    return value


def _annotator(value: Any) -> str | None:
    """Who completed an annotation: an email, a name, or ``ls-<id>`` for a bare user id."""
    if isinstance(value, dict):
        email = value.get("email")
        if isinstance(email, str) and email:
            return email
        value = value.get("id")
    if _whole_number(value):
        return f"ls-{value}"
    if isinstance(value, str) and value.strip():
        return value
    return None


def _spans(results: list[Any], default_score: Any, state: str, text: str, offsets: _Utf16,
           place: _Place, report: FormatReport, quotes: _Quotes) -> list[NativeSpan]:
    spans: list[NativeSpan] = []
    for result in results:
        if not isinstance(result, dict):
            raise place.error("a result is not an object")
        kind = result.get("type")
        if kind != "labels":
            what = f"{kind or 'untyped'} result {result.get('id', '')}".rstrip()
            report.drop(place.where, what, "only labelled text regions (type \"labels\") are kept")
            continue
        value = result.get("value")
        if not isinstance(value, dict):
            raise place.error("a \"labels\" result has no \"value\" object")
        labels = value.get("labels")
        if not isinstance(labels, list) or not all(isinstance(x, str) and x.strip()
                                                   for x in labels):
            raise place.error("a region's \"labels\" is not a list of label names")
        try:
            start, end = _locate(text, offsets, value, quotes)
        except OffsetError as error:
            raise place.error(str(error)) from None
        if not labels:
            report.drop(place.where, f"region {start}-{end}", "no label")
        score = _score(result.get("score"), default_score)
        spans.extend(NativeSpan(start, end, label, text[start:end], state, score=score)
                     for label in labels)
    return spans


def _score(own: Any, default: Any) -> float | None:
    for value in (own, default):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return float(value)
            except OverflowError:  # an integer beyond any float is no score either
                continue
    return None


def _locate(text: str, offsets: _Utf16, value: dict[str, Any], quotes: _Quotes) -> tuple[int, int]:
    """The code-point offsets of a region, checked against its quoted text (see the module)."""
    start, end = value.get("start"), value.get("end")
    if not _whole_number(start) or not _whole_number(end):
        raise OffsetError(f"a region's start and end must be whole numbers, got {start!r}, {end!r}")
    quoted = value.get("text")
    if not isinstance(quoted, str):
        check_bounds(len(text), start, end)
        quotes.assumed += 1 if offsets.differs else 0
        return start, end
    candidates = [(start, end, False)]
    if offsets.differs:
        try:
            candidates.append((offsets.points(start), offsets.points(end), True))
        except OffsetError:
            pass
    fitting = [(s, e, utf16) for s, e, utf16 in candidates if 0 <= s < e <= len(text)]
    for loose in (False, True):
        for s, e, utf16 in fitting:
            piece = text[s:e]
            if piece == quoted or (loose and piece.split() == quoted.split()):
                quotes.utf16 += 1 if utf16 else 0
                quotes.spacing += 1 if loose else 0
                return s, e
    check_bounds(len(text), start, end)
    raise OffsetError(f"region [{start}, {end}) covers {text[start:end]!r}, not its text "
                      f"{quoted!r} (counting code points or UTF-16 code units)")


# --- writing ---------------------------------------------------------------------------------


def write(documents: Iterable[NativeDocument], out: Path, report: FormatReport) -> None:
    """Write one JSON list of tasks: an annotator or gold layer as an annotation, a suggestions
    layer as a prediction. Offsets are code points, as Label Studio counts them. A document
    marked done without spans has an annotation with an empty result (a negative example);
    one not done and without spans is a task without annotations."""
    ids = count(1)
    meta_dropped = 0
    with atomic_write(out) as handle:
        handle.write("[")
        for index, document in enumerate(documents):
            handle.write(",\n" if index else "\n")
            handle.write(json.dumps(_task(document, ids, report), ensure_ascii=False))
            report.documents += 1
            meta_dropped += bool(document.meta)
        handle.write("\n]\n")
    if meta_dropped:
        report.notes.append(f"meta of {meta_dropped} documents not written: a Label Studio task "
                            "carries only the text and title")
    report.files.append(str(out))


def _task(document: NativeDocument, ids: Iterator[int], report: FormatReport) -> dict[str, Any]:
    data: dict[str, Any] = {"text": document.text}
    if document.title:
        data["title"] = document.title
    task: dict[str, Any] = {"data": data}
    if not document.layers or progress(document.layers[0]) == "untouched":
        # Not annotated: a task without annotations (its rejections, if any, reported).
        _writable_spans(document, report, "Label Studio", ())
        return task
    layer = document.layers[0]
    suggestions = layer.kind == LayerKind.SUGGESTIONS
    # A prediction carries a score per result; nothing carries a reason or a source.
    unwritten = ("reason", "source") if suggestions else ("score", "reason", "source")
    chosen = _writable_spans(document, report, "Label Studio", unwritten)
    results = [_result(span, label, next(ids), suggestions) for span, label in chosen]
    for _, label in chosen:
        report.spans[label] += 1
    if suggestions:
        prediction: dict[str, Any] = {"model_version": layer.suggester or layer.name}
        scores = [span.score for span, _ in chosen]
        if scores and all(score is not None for score in scores):
            prediction["score"] = sum(scores) / len(scores)  # type: ignore[arg-type]
        prediction["result"] = results
        task["predictions"] = [prediction]
    else:
        annotation: dict[str, Any] = {"result": results}
        user = _LS_USER.fullmatch(layer.annotator or "")
        if user:
            annotation["completed_by"] = int(user.group(1))
        task["annotations"] = [annotation]
    return task


def _result(span: NativeSpan, label: str, number: int, suggestion: bool) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": f"u{number}",
        "from_name": FROM_NAME,
        "to_name": TO_NAME,
        "type": "labels",
        "origin": "prediction" if suggestion else "manual",
        # Code points: what Label Studio's text tag counts.
        "value": {"start": span.start, "end": span.end, "text": span.text, "labels": [label]},
    }
    if suggestion and span.score is not None:
        result["score"] = span.score
    return result


def labeling_config(labels: list[str]) -> str:
    """A Label Studio labelling config for the written tasks: one ``Labels`` control named
    ``label`` over a ``Text`` named ``text``. White space is shown as it is, so spans are
    placed where the offsets say (Label Studio trims it otherwise)."""
    lines = ["<View>", '  <Style>.htx-text { white-space: pre-wrap; }</Style>',
             f'  <Labels name="{FROM_NAME}" toName="{TO_NAME}">']
    lines += [f"    <Label value={quoteattr(label)}/>" for label in dict.fromkeys(labels)]
    lines += ["  </Labels>", f'  <Text name="{TO_NAME}" value="$text"/>', "</View>", ""]
    return "\n".join(lines)


_DETECT = re.compile(rb'"(?:annotations|predictions|annotation_id)"\s*:|"data"\s*:\s*\{')


def detect(path: Path, head: bytes) -> bool:
    """A ``.json`` file whose first bytes show tasks (``data``, ``annotations``, ...)."""
    return path.suffix.lower() == ".json" and _DETECT.search(head) is not None


SPEC = FormatSpec(
    name="label-studio",
    title="Label Studio JSON",
    reader=read,
    writer=write,
    suffixes=(".json",),
    detect=detect,
)
