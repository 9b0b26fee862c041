"""Prodigy JSONL: one task a line (``text``, ``tokens``, ``spans``, ``answer``, hashes), both ways.

Reading. Three kinds of record are told apart:

- **manual** (``ner_manual``, ``spans_manual``, or any other record): the spans go to the
  annotator's layer, ``accepted`` or, for ``"answer": "reject"``, ``rejected``. A record with no
  ``answer`` (a pre-annotated input file) counts as accepted; ``"ignore"`` keeps the text only.
- **binary** (``"_view_id": "ner"``, written by ``ner.teach`` and binary ``ner.correct``): the
  span is a suggestion (its ``score`` from the span or ``meta.score``) and the answer is the
  annotator's decision on it, linked to the suggestion by ``source``.
- **review** (records with ``versions``, written by the ``review`` recipe): each version's spans
  go to one annotator layer per session that produced it, the reviewed spans to a gold layer.

The annotator is ``_annotator_id`` or ``_session_id`` less the dataset's name: Prodigy names a
session ``"<dataset>-<session>"`` (``"ner_news-alex"``). ``tokens`` only serve to check the
spans' ``token_start`` / ``token_end``; a mismatch is reported and the character offsets kept.
``meta`` and any other key of the record go to the document's meta.

Offsets. Prodigy is written in Python and takes its offsets from spaCy, which counts code
points like this program: an emoji counts one, a CRLF two. Nothing is converted.

Writing. One manual record per document, with ``tokens`` split at every span boundary so that
each span starts and ends on a token, ``token_end`` inclusive, and ``_view_id`` ``ner_manual``
(``spans_manual`` when spans overlap). A document marked done is answered ``accept``, also
without spans (``"spans": []``: a negative example); one not done is a record without an
answer, a task still to finish (its spans pre-highlighted), as the reader reads it back. Each
rejected span is a binary ``ner`` record answered ``reject``.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import murmurhash

from ..core.errors import InputError, OffsetError
from ..core.model import CLAIM_LABEL, check_offsets
from .atomic import atomic_write
from .interchange import (
    DONE,
    FormatReport,
    FormatSpec,
    json_error_reason,
    json_value_problem,
    progress,
    span_cuts,
    token_offsets,
)
from .native import NativeDocument, NativeLayer, NativeSpan

ANSWERS = ("accept", "reject", "ignore")
BINARY_VIEW = "ner"
DEFAULT_DATASET = "unannotate"
DEFAULT_SUGGESTER = "prodigy"
GOLD_LAYER = "gold"
PATTERN_SUGGESTER = "prodigy.patterns"

# Prodigy's defaults for set_hashes (prodigy.util INPUT_HASH_KEYS, TASK_HASH_KEYS and
# IGNORE_HASH_KEYS, as Prodigy's developers list them on its support forum).
INPUT_HASH_KEYS = ("text", "image", "html", "input")
TASK_HASH_KEYS = ("spans", "label", "options", "arcs")
IGNORE_HASH_KEYS = frozenset({"score", "rank", "model", "source", "pattern", "priority", "path",
                              "_view_id", "_session_id", "_annotator_id", "answer"})

# Keys of a record that this reader turns into text, layers and spans, or derives (hashes).
_READ_KEYS = frozenset({"text", "meta", "tokens", "spans", "answer", "sessions", "versions",
                        "_input_hash", "_task_hash", "_view_id", "view_id", "_annotator_id",
                        "_session_id"})
# Annotations of Prodigy's other interfaces (classification, choice, relations, audio).
_OTHER_ANNOTATIONS = frozenset({"label", "accept", "options", "relations", "arcs",
                                "audio_spans"})
# Keys of a span that this reader keeps or checks; "rank" and "input_hash" are bookkeeping.
_SPAN_KEYS = frozenset({"start", "end", "label", "text", "token_start", "token_end", "score",
                        "source", "pattern", "rank", "input_hash"})
# A session named by nobody: "<dataset>-default", or a start time ("2018-03-01_12-00-00").
_UNNAMED = re.compile(r"default|.*\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d")
_DETECT = re.compile(rb'"(?:_input_hash|_task_hash|_view_id|token_start)"\s*:')


# --- hashes ------------------------------------------------------------------------------------


def set_hashes(task: dict[str, Any]) -> dict[str, Any]:
    """Set ``_input_hash`` and ``_task_hash`` the way ``prodigy.set_hashes`` documents them:
    murmurhash (32 bits, signed) of the JSON of the task's input keys, and of the input hash
    followed by the JSON of its task keys, without the keys Prodigy ignores.

    Prodigy uses the hashes to find repeated tasks (``--exclude``, ``review``); they need to be
    stable, not secret. Prodigy's own code is not public and the JSON it hashes could not be
    matched bit for bit against the sample exports, so the values may differ from Prodigy's for
    the same task; the reader never relies on them."""
    input_hash = _hash(task, INPUT_HASH_KEYS, "")
    task["_input_hash"] = input_hash
    task["_task_hash"] = _hash(task, TASK_HASH_KEYS, str(input_hash))
    return task


def _hash(task: dict[str, Any], keys: tuple[str, ...], prefix: str) -> int:
    values = {key: _without_ignored(task[key]) for key in keys if key in task}
    return int(murmurhash.hash(prefix + json.dumps(values, sort_keys=True, separators=(",", ":"))))


def _without_ignored(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_ignored(v) for k, v in value.items() if k not in IGNORE_HASH_KEYS}
    if isinstance(value, list):
        return [_without_ignored(item) for item in value]
    return value


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    """Where a record is, to name it in errors and in the report."""

    path: str
    number: int
    report: FormatReport
    dataset: str | None

    def error(self, reason: str) -> InputError:
        return InputError(self.path, reason, self.number)

    def drop(self, what: str, why: str) -> None:
        self.report.drop(f"{self.path}:{self.number}", what, why)


def read(path: Path, report: FormatReport, *,
         dataset: str | None = None) -> Iterator[NativeDocument]:
    """Read Prodigy JSONL, one document per record (the same text may come more than once).

    ``dataset`` names the Prodigy dataset, to take it off session ids exactly; without it a
    session id is cut at its first hyphen."""
    name = str(path)
    tokens_seen = False
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            if not raw.strip():
                continue
            line = _Line(name, number, report, dataset)
            record = _parse(raw, line)
            tokens_seen = tokens_seen or "tokens" in record
            document = _document(record, line)
            document.source = name
            report.documents += 1
            for layer in document.layers:
                for span in (*layer.entities, *layer.claims):
                    report.spans[span.label] += 1
            yield document
    if tokens_seen:
        report.notes.append(f"{name}: Prodigy's tokens served to check the spans and are not "
                            "kept (the writer makes them again)")


def _parse(raw: bytes, line: _Line) -> dict[str, Any]:
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        reason = f"not UTF-8 (invalid byte at byte {error.start + 1} of the line)"
        raise line.error(reason) from None
    except (ValueError, RecursionError) as error:
        raise line.error(json_error_reason(error)) from None
    if not isinstance(record, dict):
        raise line.error("the record is not a JSON object")
    problem = json_value_problem(record, raw)
    if problem:
        raise line.error(problem)
    return record


def _document(record: dict[str, Any], line: _Line) -> NativeDocument:
    text = record.get("text")
    if not isinstance(text, str):
        raise line.error('the record has no "text" string')
    meta = _meta(record, line)
    tokens = _list(record, "tokens", line)
    answer = _answer(record, line)
    if "versions" in record:
        layers = _review_layers(record, text, tokens, answer, line)
    elif record.get("_view_id") == BINARY_VIEW:
        layers = _binary_layers(record, meta, text, tokens, answer, line)
    else:
        layers = _manual_layers(record, text, tokens, answer, line)
    return NativeDocument(text=text, title=_title(meta), meta=meta, layers=layers)


def _meta(record: dict[str, Any], line: _Line) -> dict[str, Any]:
    """The record's ``meta`` with its other keys added, so that nothing in it is lost; what
    cannot be kept (other kinds of annotation, a key clashing with ``meta``) is reported."""
    meta = record.get("meta")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise line.error('"meta" is not a JSON object')
    meta = dict(meta)
    for key, value in record.items():
        if key in _READ_KEYS:
            continue
        if key in _OTHER_ANNOTATIONS:
            line.drop(f'"{key}"', "an annotation of another Prodigy interface; only spans are "
                      "kept")
        elif key in meta:
            line.drop(f'"{key}"', 'its "meta" has a key of the same name, which is kept')
        else:
            meta[key] = value
    return meta


def _title(meta: dict[str, Any]) -> str:
    for key in ("title", "source"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _list(owner: dict[str, Any], key: str, line: _Line) -> list[Any] | None:
    value = owner.get(key)
    if value is not None and not isinstance(value, list):
        raise line.error(f'"{key}" is not a list')
    return value


def _answer(owner: dict[str, Any], line: _Line) -> str | None:
    answer = owner.get("answer")
    if answer is not None and answer not in ANSWERS:
        raise line.error(f'"answer" is {answer!r}, not "accept", "reject" or "ignore"')
    return answer


def _name(owner: dict[str, Any], key: str, line: _Line) -> str | None:
    value = owner.get(key)
    if value is not None and not isinstance(value, str):
        raise line.error(f'"{key}" is not a string')
    return value


def session_annotator(identifier: str, dataset: str | None = None) -> str | None:
    """The person behind a Prodigy session id ``"<dataset>-<session>"``, or None when the
    session names nobody (the importer's ``--annotator`` then fills it in).

    Without ``dataset`` the id is cut at its first hyphen: Prodigy's dataset names are mostly
    written with underscores, while a person's name may hold a hyphen (``"jean-luc"``). An id
    without a hyphen is a name by itself (as in the review recipe's ``sessions``)."""
    if dataset and identifier.startswith(f"{dataset}-"):
        name = identifier[len(dataset) + 1:]
    else:
        name = identifier.partition("-")[2] or identifier
    if not name.strip() or _UNNAMED.fullmatch(name) or _UNNAMED.fullmatch(identifier):
        return None
    return name


def _annotator(record: dict[str, Any], line: _Line) -> str | None:
    for key in ("_annotator_id", "_session_id"):
        identifier = _name(record, key, line)
        if identifier:
            return session_annotator(identifier, line.dataset)
    return None


# A manual record's answer as the annotator's status of the document: accepted, it is
# finished; rejected, the person turned the annotation down (its spans are kept as rejections)
# and the document is not finished, so it never becomes a negative example; without an answer
# the record is a task nobody answered yet.
ANSWER_STATUS = {"accept": "done", "reject": "in_progress"}


def _annotator_layer(annotator: str | None, answer: str | None,
                     line: _Line | None = None) -> NativeLayer:
    """An annotator's layer, its status as the answer of a manual record says."""
    return NativeLayer(name=f"annotator:{annotator}" if annotator else "annotator",
                       kind="annotator", annotator=annotator,
                       status=ANSWER_STATUS.get(answer or ""),
                       read_from=f"{line.path}:{line.number}" if line else "")


def _manual_layers(record: dict[str, Any], text: str, tokens: list[Any] | None,
                   answer: str | None, line: _Line) -> list[NativeLayer]:
    layer = _annotator_layer(_annotator(record, line), answer, line)
    return _answered(layer, record, text, tokens, answer, line)


def _answered(layer: NativeLayer, owner: dict[str, Any], text: str, tokens: list[Any] | None,
              answer: str | None, line: _Line) -> list[NativeLayer]:
    """``layer`` holding the spans of ``owner`` as its answer says: accepted, rejected, or
    (ignored) no layer at all, reported."""
    spans = _spans(owner, text, tokens, "rejected" if answer == "reject" else "accepted", line)
    if answer == "ignore":
        line.drop(f"{len(spans)} spans of {layer.name}",
                  'answered "ignore": the text is imported without them')
        return []
    _add(layer, spans)
    return [layer]


def _add(layer: NativeLayer, spans: Iterable[NativeSpan]) -> None:
    for span in spans:
        (layer.claims if span.label == CLAIM_LABEL else layer.entities).append(span)


def _binary_layers(record: dict[str, Any], meta: dict[str, Any], text: str,
                   tokens: list[Any] | None, answer: str | None,
                   line: _Line) -> list[NativeLayer]:
    """A binary answer: the span shown is a suggestion, the answer a decision on it."""
    suggester = _suggester(meta)
    suggestions = NativeLayer(name=suggester, kind="suggestions", suggester=suggester)
    proposed = _spans(record, text, tokens, "suggested", line)
    default_score = _score(meta.get("score"), line)
    for span in proposed:
        if span.score is None:
            span.score = default_score
        if not span.reason and meta.get("pattern") is not None:
            span.reason = f"pattern {meta['pattern']}"
    _add(suggestions, proposed)
    if answer is None:
        return [suggestions]
    if answer == "ignore":
        line.drop(f"the decision on {len(proposed)} spans",
                  'answered "ignore": the suggestion is kept, undecided')
        return [suggestions]
    decision = _annotator_layer(_annotator(record, line), None)
    state = "accepted" if answer == "accept" else "rejected"
    _add(decision, (replace(span, state=state, score=None, reason="",
                            source={"layer": suggester}) for span in proposed))
    return [suggestions, decision]


def _suggester(meta: dict[str, Any]) -> str:
    model = meta.get("model")
    if isinstance(model, str) and model:
        return model
    return PATTERN_SUGGESTER if meta.get("pattern") is not None else DEFAULT_SUGGESTER


def _review_layers(record: dict[str, Any], text: str, tokens: list[Any] | None,
                   answer: str | None, line: _Line) -> list[NativeLayer]:
    """A reviewed record: one layer per session that made a version, and the gold layer."""
    layers: dict[str, NativeLayer] = {}
    for version in _list(record, "versions", line) or []:
        if not isinstance(version, dict):
            raise line.error("a version is not a JSON object")
        if version.get("text", text) != text:
            raise line.error("a version's text differs from the record's text")
        sessions = _list(version, "sessions", line) or [None]
        if not all(session is None or isinstance(session, str) for session in sessions):
            raise line.error('"sessions" of a version is not a list of names')
        own_answer = _answer(version, line)
        own_tokens = _list(version, "tokens", line) or tokens
        for session in sessions:
            annotator = session_annotator(session, line.dataset) if session else None
            layer = _annotator_layer(annotator, own_answer, line)
            if layer.name in layers:
                line.drop(f"another version of {layer.name}",
                          "one session, two versions: the first is kept")
                continue
            for kept in _answered(layer, version, text, own_tokens, own_answer, line):
                layers[kept.name] = kept
    # The reviewer's answer: accepted, the review of the document is done.
    gold = NativeLayer(name=GOLD_LAYER, kind="gold",
                       status="done" if answer == "accept" else None,
                       read_from=f"{line.path}:{line.number}")
    return [*layers.values(), *_answered(gold, record, text, tokens, answer, line)]


def _spans(owner: dict[str, Any], text: str, tokens: list[Any] | None, state: str,
           line: _Line) -> list[NativeSpan]:
    return [_span(data, text, tokens, state, line) for data in _list(owner, "spans", line) or []]


def _span(data: Any, text: str, tokens: list[Any] | None, state: str, line: _Line) -> NativeSpan:
    if not isinstance(data, dict):
        raise line.error("a span is not a JSON object")
    label = data.get("label")
    if not isinstance(label, str) or not label.strip():
        raise line.error('a span has no "label" string')
    start, end, quoted = data.get("start"), data.get("end"), data.get("text")
    try:
        piece = check_offsets(text, start, end, quoted if isinstance(quoted, str) else None)
    except OffsetError as error:
        raise line.error(f"span {label}: {error}") from None
    name = _span_name(start, end, label)
    _check_tokens(data, tokens, name, line)
    unknown = sorted(set(data) - _SPAN_KEYS)
    if unknown:
        line.drop(f"{', '.join(unknown)} of {name}", "span details with no place in the program")
    origin = data.get("source")
    pattern = data.get("pattern")
    return NativeSpan(
        start=start, end=end, label=label, text=piece, state=state,
        score=_score(data.get("score"), line),
        reason=f"pattern {pattern}" if pattern is not None else "",
        source={"suggester": origin} if isinstance(origin, str) and origin else None,
    )


def _check_tokens(data: dict[str, Any], tokens: list[Any] | None, name: str,
                  line: _Line) -> None:
    """``token_start`` and the inclusive ``token_end`` must be the tokens where the span starts
    and ends. When they are not, the character offsets win: they are what the text says."""
    first, last = data.get("token_start"), data.get("token_end")
    if tokens is None or (first is None and last is None):
        return
    edges = (_token_edge(tokens, first, "start"), _token_edge(tokens, last, "end"))
    if edges != (data["start"], data["end"]):
        line.drop(f"token_start {first!r} and token_end {last!r} of {name}",
                  "they are not the span's tokens; its character offsets are kept")


def _token_edge(tokens: list[Any], index: Any, key: str) -> Any:
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(tokens):
        return None
    token = tokens[index]
    return token.get(key) if isinstance(token, dict) else None


def _score(value: Any, line: _Line) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise line.error(f'"score" is {value!r}, not a number')
    try:
        return float(value)
    except OverflowError:  # an integer beyond any float
        raise line.error(f'"score" is {value}, not a number it can keep') from None


def _span_name(start: Any, end: Any, label: str) -> str:
    return f"span {start}-{end} {label}"


# --- writing -----------------------------------------------------------------------------------


def write(documents: Iterable[NativeDocument], out: Path, report: FormatReport, *,
          dataset: str = DEFAULT_DATASET) -> None:
    """Write each document as ``prodigy db-in`` takes it: one manual task with its spans,
    answered ``accept`` when the document is done (without spans too: ``"spans": []`` is an
    answer, "nothing here") and without an answer when not, and one binary ``ner`` task
    answered ``reject`` per rejected span, the negatives Prodigy trains on. ``dataset``
    prefixes the session ids, as Prodigy names a session."""
    with atomic_write(out) as handle:
        for document in documents:
            for task in _tasks(document, dataset, report):
                handle.write(json.dumps(task, separators=(",", ":")))
                handle.write("\n")
            report.documents += 1
    report.files.append(str(out))


def _tasks(document: NativeDocument, dataset: str, report: FormatReport) -> list[dict[str, Any]]:
    where = document.title or f"document {document.sha256[:12]}"
    for extra in document.layers[1:]:
        report.drop(where, f"layer {extra.name}", "one layer is written per document")
    layer = document.layers[0] if document.layers else None
    text = document.text
    tokens = token_offsets(text, span_cuts(document))
    spans, rejected = _task_spans(text, layer, tokens, where, report)
    meta = dict(document.meta)
    if document.title:
        meta["title"] = document.title
    token_list = [
        # "ws": whether white space follows, as spaCy's token.whitespace_ says.
        {"text": text[start:end], "start": start, "end": end, "id": number,
         "ws": text[end:end + 1].isspace()}
        for number, (start, end) in enumerate(tokens)
    ]
    session = f"{dataset}-{layer.annotator}" if layer is not None and layer.annotator else None
    state = progress(layer)
    tasks = []
    if state != "untouched" or not rejected:
        task: dict[str, Any] = {"text": text, "meta": meta, "tokens": token_list, "spans": spans}
        set_hashes(task)
        if state == DONE:  # not done: an input task with its spans, as Prodigy pre-highlights
            task["answer"] = "accept"
        task["_view_id"] = "spans_manual" if _overlap(spans) else "ner_manual"
        tasks.append(_by(task, session))
    for span in rejected:
        binary: dict[str, Any] = {"text": text, "meta": meta, "tokens": token_list,
                                  "spans": [span]}
        set_hashes(binary)
        binary["answer"] = "reject"
        binary["_view_id"] = BINARY_VIEW
        tasks.append(_by(binary, session))
    return tasks


def _by(task: dict[str, Any], session: str | None) -> dict[str, Any]:
    if session:
        task["_annotator_id"] = task["_session_id"] = session
    return task


def _task_spans(text: str, layer: NativeLayer | None, tokens: list[tuple[int, int]], where: str,
                report: FormatReport) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The layer's spans as Prodigy spans, in text order: the annotations, and the rejections
    (for binary tasks). Prodigy holds no empty spans, and no span that begins or ends on white
    space (its tokens leave white space out): those are reported, as are details it has no
    place for."""
    if layer is None:
        return [], []
    first_token = {start: number for number, (start, _) in enumerate(tokens)}
    last_token = {end: number for number, (_, end) in enumerate(tokens)}
    chosen = sorted((*layer.entities, *layer.claims), key=lambda s: (s.start, s.end, s.label))
    written: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    details: list[NativeSpan] = []
    for span in chosen:
        why = _unwritable(text, span, first_token, last_token)
        if why:
            report.drop(where, _span_name(span.start, span.end, span.label), why)
            continue
        made = _task_span(span, first_token[span.start], last_token[span.end])
        if span.state == "rejected":
            rejected.append(made)
            continue
        written.append(made)
        report.spans[span.label] += 1
        details.append(span)
    for detail in ("reason", "source"):
        count = sum(1 for span in details if getattr(span, detail))
        if count:
            report.drop(where, f"the {detail} of {count} spans", "Prodigy has no place for it")
    return written, rejected


def _unwritable(text: str, span: NativeSpan, first_token: dict[int, int],
                last_token: dict[int, int]) -> str:
    """Why ``span`` cannot be written, or "" when it can (its text checked first)."""
    if span.start == span.end:
        return "an empty span"
    check_offsets(text, span.start, span.end, span.text)
    if span.start not in first_token or span.end not in last_token:
        return "begins or ends with white space, which no Prodigy token holds"
    return ""


def _task_span(span: NativeSpan, token_start: int, token_end: int) -> dict[str, Any]:
    data: dict[str, Any] = {"start": span.start, "end": span.end, "token_start": token_start,
                            "token_end": token_end, "label": span.label}
    if span.score is not None:
        data["score"] = span.score
    return data


def _overlap(spans: list[dict[str, Any]]) -> bool:
    """Whether any two spans (in text order) share a character: ner_manual cannot show it."""
    reach = 0
    for span in spans:
        if span["start"] < reach:
            return True
        reach = max(reach, span["end"])
    return False


def detect(path: Path, head: bytes) -> bool:
    """A ``.jsonl`` file whose first bytes show Prodigy's keys (hashes, view id, tokens)."""
    return path.suffix.lower() == ".jsonl" and _DETECT.search(head) is not None


SPEC = FormatSpec(
    name="prodigy",
    title="Prodigy JSONL",
    reader=read,
    writer=write,
    suffixes=(".jsonl",),
    detect=detect,
    options={"dataset": DEFAULT_DATASET},
    keeps_rejections=True,
)
