"""doccano JSONL: sequence-labelling records, both ways.

Two record forms are read: the ``label`` form, ``{"text": ..., "label": [[start, end, "LABEL"],
...]}`` (``labels`` is read too), and the ``entities`` + ``relations`` form of relation projects,
``{"text": ..., "entities": [{"id", "start_offset", "end_offset", "label"}], "relations": [{"id",
"from_id", "to_id", "type"}]}``. Records are one a line, or pretty-printed objects spread over many
lines (doccano's own relation example), or a JSON list of them. Relations cannot be kept and are
reported; a ``user`` or ``annotator`` key names the annotator; ``title`` becomes the title; every
other key (custom columns, ``meta``, ``Comments``, ``id``) is kept in the document's meta. A record
without a text is refused, as doccano refuses it; an empty object is reported and passed over.
Spans labelled ``CLAIM`` are read as claims, the rest as entities.

Status. A record with a span list (``label``, ``labels`` or ``entities``, empty or not) is done
for its annotator, unless ``is_confirmed`` is false (doccano's confirmation of an example); a
record with its text alone is a document still to annotate. The writer writes an empty ``label``
list for a document marked done without spans, no ``label`` at all for one not done and without
spans, and ``"is_confirmed": false`` for one not done with spans.

Offsets. doccano computes them in the browser, so they count JavaScript's UTF-16 code units: a
span after an emoji starts one unit later per emoji than Python counts (doccano#2290, and #99 for
the same in its first version). The reader therefore converts UTF-16 offsets to code points by
default, and says so in the report when a text has characters outside the BMP (only there do the
countings differ); ``counting="code-points"`` reads files that a Python script wrote. doccano's
project option to count grapheme clusters as one character is not supported. The writer writes
UTF-16 offsets, what doccano reads back (or code points with ``counting="code-points"``).

doccano refuses overlapping spans unless the project allows them: by default the writer keeps
the first of overlapping spans (entities before claims) and reports the others;
``allow_overlapping=True`` writes them all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from ..core.errors import InputError, OffsetError
from ..core.model import check_offsets
from .atomic import atomic_write
from .interchange import (
    DONE,
    FormatReport,
    FormatSpec,
    json_error_reason,
    json_value_problem,
    progress,
)
from .labelstudio import (
    CLAIM_LABEL,
    _dedupe,
    _document_name,
    _json_values,
    _read_text,
    _span_name,
    _split_kinds,
    _Utf16,
    _whole_number,
    _writable_spans,
)
from .native import NativeDocument, NativeLayer, NativeSpan

Counting = Literal["utf-16", "code-points"]
COUNTINGS: tuple[str, ...] = ("utf-16", "code-points")
SPAN_KEYS = ("label", "labels")
ANNOTATOR_KEYS = ("user", "annotator")
# Keys the reader gives a meaning to; a document's meta cannot use them as custom columns.
CONFIRMED_KEY = "is_confirmed"
RESERVED = frozenset({"text", *SPAN_KEYS, "entities", "relations", "title", *ANNOTATOR_KEYS,
                      CONFIRMED_KEY})


# --- reading ---------------------------------------------------------------------------------


def read(path: Path, report: FormatReport, *, counting: Counting = "utf-16",
         text_key: str = "text", label_key: str | None = None) -> Iterator[NativeDocument]:
    """Read doccano JSONL (or pretty-printed JSON), one document per record.

    ``text_key`` and ``label_key`` name custom columns, as doccano's import dialog does
    (``column_data`` / ``column_label``); by default the text is ``text`` and the spans are under
    ``label``, ``labels`` or ``entities``."""
    if counting not in COUNTINGS:
        raise ValueError(f"counting must be one of {COUNTINGS}, not {counting!r}")
    name = str(path)
    told = False
    for line, record in _records(_read_text(Path(path)), name):
        where = f"{name}:{line}"
        if record == {}:
            report.drop(where, "an empty record", "it has no text")
            continue
        document = _document(record, name, line, text_key, label_key, counting, report)
        if counting == "utf-16" and not told and _Utf16(document.text).differs:
            told = True
            report.notes.append(
                f"{name}: offsets read as UTF-16 code units, as doccano counts them; texts hold "
                "emoji or other characters outside the BMP, where code points count differently "
                "(read with counting='code-points' if a Python script wrote the file)")
        report.documents += 1
        for layer in document.layers:
            for span in (*layer.entities, *layer.claims):
                report.spans[span.label] += 1
        yield document


def _records(text: str, path: str) -> Iterator[tuple[int, Any]]:
    """Records with their line: JSON Lines when the first line is a whole JSON object, else the
    JSON values one after another, however many lines each spans."""
    lines = text.split("\n")  # only "\n" ends a line: a text may hold U+2028 or a lone CR
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return
    if not isinstance(_loads(lines[first]), dict):
        yield from _json_values(text, path)
        return
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as error:
            raise InputError(path, json_error_reason(error), number) from None
        problem = json_value_problem(value, line)
        if problem:
            raise InputError(path, problem, number)
        yield number, value


def _loads(line: str) -> Any:
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return None


def _document(record: Any, path: str, line: int, text_key: str, label_key: str | None,
              counting: Counting, report: FormatReport) -> NativeDocument:
    if not isinstance(record, dict):
        raise InputError(path, "the record is not a JSON object", line)
    text = record.get(text_key)
    if not isinstance(text, str):
        raise InputError(path, f"the record has no \"{text_key}\" string", line)
    title = record.get("title")
    span_keys = (label_key,) if label_key else SPAN_KEYS
    used = {text_key, *span_keys, "entities", "relations", *ANNOTATOR_KEYS, CONFIRMED_KEY}
    used |= {"title"} if isinstance(title, str) else set()
    document = NativeDocument(text=text, title=title if isinstance(title, str) else "",
                              source=path, meta={k: v for k, v in record.items() if k not in used})
    where = f"{path}:{line}"
    offsets = _Utf16(text) if counting == "utf-16" else None
    spans: list[NativeSpan] = []
    for key in span_keys:
        spans += _label_spans(record.get(key), key, text, offsets, path, line, report)
    spans += _entity_spans(record.get("entities"), text, offsets, path, line)
    _drop_relations(record.get("relations"), where, path, line, report)
    annotator = _annotator(record, path, line)
    labelled = any(key in record for key in (*span_keys, "entities"))
    if labelled or annotator:
        layer = NativeLayer(name=f"annotator:{annotator}" if annotator else "annotator",
                            kind="annotator", annotator=annotator,
                            status=_status(record, labelled, spans, path, line), read_from=where)
        # doccano's own overlap example repeats a span: it is kept once, and reported.
        layer.entities, layer.claims = _split_kinds(_dedupe(spans, where, report))
        document.layers.append(layer)
    return document


def _status(record: dict[str, Any], labelled: bool, spans: list[NativeSpan], path: str,
            line: int) -> str | None:
    """A labelled record is done (an empty list says "nothing here"), unless doccano's
    ``is_confirmed`` says the annotator has not confirmed it; a record with a text alone is
    a document to annotate."""
    confirmed = record.get(CONFIRMED_KEY)
    if confirmed is not None and not isinstance(confirmed, bool):
        raise InputError(path, f"\"{CONFIRMED_KEY}\" is not true or false", line)
    if confirmed is False or not labelled:
        return "in_progress" if spans else None
    return DONE


def _annotator(record: dict[str, Any], path: str, line: int) -> str | None:
    """Who annotated the record: a ``user`` or ``annotator`` name, or doccano's user id."""
    for key in ANNOTATOR_KEYS:
        value = record.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise InputError(path, f"\"{key}\" is not a name or a user id", line)
        name = str(value).strip()
        if name:
            return name
    return None


def _label_spans(value: Any, key: str, text: str, offsets: _Utf16 | None, path: str, line: int,
                 report: FormatReport) -> list[NativeSpan]:
    """Spans of the ``label`` form. A bare string is a document category (doccano's text
    classification), not a span: it is reported."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(path, f"\"{key}\" is not a list of [start, end, \"LABEL\"]", line)
    spans = []
    for item in value:
        if isinstance(item, str):
            report.drop(f"{path}:{line}", f"category {item}", "document categories are not spans")
            continue
        if not (isinstance(item, list) and len(item) == 3):
            raise InputError(path, f"an item of \"{key}\" is not [start, end, \"LABEL\"]", line)
        spans.append(_span(item[0], item[1], item[2], text, offsets, path, line))
    return spans


def _entity_spans(value: Any, text: str, offsets: _Utf16 | None, path: str,
                  line: int) -> list[NativeSpan]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise InputError(path, "\"entities\" is not a list of objects", line)
    return [_span(item.get("start_offset"), item.get("end_offset"), item.get("label"), text,
                  offsets, path, line) for item in value]


def _span(start: Any, end: Any, label: Any, text: str, offsets: _Utf16 | None, path: str,
          line: int) -> NativeSpan:
    if not isinstance(label, str) or not label.strip():
        raise InputError(path, f"a span's label is not a non-empty string: {label!r}", line)
    if not _whole_number(start) or not _whole_number(end):
        raise InputError(path, f"offsets must be whole numbers, got {start!r}, {end!r}", line)
    try:
        if offsets is not None:
            # doccano's offsets are UTF-16 code units (see the module); ours are code points.
            start, end = offsets.points(start), offsets.points(end)
        piece = check_offsets(text, start, end)
    except OffsetError as error:
        raise InputError(path, str(error), line) from None
    return NativeSpan(start, end, label, piece, "accepted")


def _drop_relations(value: Any, where: str, path: str, line: int, report: FormatReport) -> None:
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise InputError(path, "\"relations\" is not a list of objects", line)
    for number, relation in enumerate(value, start=1):
        name = relation.get("id", f"#{number}")
        what = (f"relation {name} {relation.get('type')} "
                f"{relation.get('from_id')}->{relation.get('to_id')}")
        report.drop(where, what, "relations cannot be kept")


# --- writing ---------------------------------------------------------------------------------


def write(documents: Iterable[NativeDocument], out: Path, report: FormatReport, *,
          allow_overlapping: bool = False, counting: Counting = "utf-16") -> None:
    """Write one doccano JSONL file (doccano keeps one file per annotator) in the ``label``
    form, with the title and meta as custom columns."""
    if counting not in COUNTINGS:
        raise ValueError(f"counting must be one of {COUNTINGS}, not {counting!r}")
    with atomic_write(out) as handle:
        for document in documents:
            record = _record(document, report, allow_overlapping, counting)
            handle.write(json.dumps(record, ensure_ascii=False))
            handle.write("\n")
            report.documents += 1
    report.files.append(str(out))


def _record(document: NativeDocument, report: FormatReport, allow_overlapping: bool,
            counting: Counting) -> dict[str, Any]:
    where = _document_name(document)
    chosen = _writable_spans(document, report, "doccano", ("score", "reason", "source"))
    if not allow_overlapping:
        chosen = _without_overlaps(chosen, where, report)
    offsets = _Utf16(document.text) if counting == "utf-16" else None
    labels = []
    for span, label in chosen:
        start, end = span.start, span.end
        if offsets is not None:
            # doccano counts UTF-16 code units (see the module).
            start, end = offsets.units(start), offsets.units(end)
        labels.append([start, end, label])
        report.spans[label] += 1
    state = progress(document.layers[0] if document.layers else None)
    # Not annotated: no label column at all; an empty list would say "nothing here".
    record: dict[str, Any] = {"text": document.text}
    if state != "untouched":
        record["label"] = labels
    if state == "partial":
        record[CONFIRMED_KEY] = False
    if document.title:
        record["title"] = document.title
    for key, value in document.meta.items():
        if key in RESERVED:
            report.drop(where, f"meta {key}", "the name of a doccano column")
        else:
            record[key] = value
    return record


def _without_overlaps(chosen: list[tuple[NativeSpan, str]], where: str,
                      report: FormatReport) -> list[tuple[NativeSpan, str]]:
    """The spans that overlap none kept before them, entities first, each in text order; the
    others are reported."""
    kept: list[tuple[NativeSpan, str]] = []
    for span, label in sorted(chosen, key=lambda c: (c[1] == CLAIM_LABEL, c[0].start, c[0].end)):
        clash = next((k for k, _ in kept if span.start < k.end and k.start < span.end), None)
        if clash is None:
            kept.append((span, label))
        else:
            report.drop(where, _span_name(span.start, span.end, label),
                        f"overlaps span {clash.start}-{clash.end} {clash.label}; doccano refuses "
                        "overlapping spans unless the project allows them")
    return kept


_SPANS = re.compile(rb'"(?:label|labels|entities)"\s*:\s*\[')
_OTHERS = re.compile(rb'"(?:annotations|predictions|tokens|_input_hash|_task_hash|spans)"\s*:'
                     rb'|"format"\s*:\s*"unannotate"')


def detect(path: Path, head: bytes) -> bool:
    """A ``.jsonl`` or ``.json`` file whose first bytes show doccano's span keys and none of the
    keys of Label Studio, Prodigy or the native format."""
    return (path.suffix.lower() in (".jsonl", ".json") and _SPANS.search(head) is not None
            and _OTHERS.search(head) is None)


SPEC = FormatSpec(
    name="doccano",
    title="doccano JSONL",
    reader=read,
    writer=write,
    suffixes=(".jsonl", ".json"),
    detect=detect,
    options={"allow_overlapping": False, "counting": "utf-16"},
)
