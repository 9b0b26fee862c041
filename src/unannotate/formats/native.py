"""The native JSONL format: one document a line, every layer with its spans and provenance.

Specified in docs/formats.md; ``native.schema.json`` beside this file is its JSON Schema.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from ..core.errors import InputError, OffsetError
from ..core.model import LayerKind, SpanState, check_offsets, text_sha256
from .atomic import atomic_write
from .interchange import FormatReport, FormatSpec, json_error_reason, json_value_problem

FORMAT_NAME = "unannotate"
FORMAT_VERSION = 1


@dataclass
class NativeSpan:
    start: int
    end: int
    label: str
    text: str
    state: str
    id: int | None = None
    score: float | None = None
    reason: str = ""
    # Where it came from: {"layer": name, "span_id": id, "suggester": name} for an accepted
    # suggestion or a span taken from a colleague's layer.
    source: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "text": self.text,
            "state": self.state,
        }
        if self.id is not None:
            data["id"] = self.id
        if self.score is not None:
            data["score"] = self.score
        if self.reason:
            data["reason"] = self.reason
        if self.source:
            data["source"] = self.source
        return data


@dataclass
class NativeLayer:
    name: str
    kind: str
    annotator: str | None = None
    suggester: str | None = None
    pipeline: str | None = None
    pipeline_version: str | None = None
    status: str | None = None
    entities: list[NativeSpan] = field(default_factory=list)
    claims: list[NativeSpan] = field(default_factory=list)
    # Where a reader found the layer ("file:line"), to name the record in messages.
    read_from: str = field(default="", compare=False)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "kind": self.kind}
        for key in ("annotator", "suggester", "pipeline", "pipeline_version", "status"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        data["entities"] = [s.to_json() for s in self.entities]
        data["claims"] = [s.to_json() for s in self.claims]
        return data


@dataclass
class NativeDocument:
    text: str
    title: str = ""
    language: str = "en"
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    layers: list[NativeLayer] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)

    def to_json(self) -> dict[str, Any]:
        for layer in self.layers:
            for span in (*layer.entities, *layer.claims):
                check_offsets(self.text, span.start, span.end, span.text)
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "sha256": self.sha256,
            "title": self.title,
            "language": self.language,
            "source": self.source,
            "meta": self.meta,
            "text": self.text,
            "layers": [layer.to_json() for layer in self.layers],
        }


# -- encoding ----------------------------------------------------------------------------------
#
# A line is ``json.dumps(document.to_json(), ensure_ascii=False, separators=(",", ":"))``,
# spelt out here so that an export neither builds a dictionary for every span nor walks it
# again: strings, whole numbers and absent values are written directly, any other value goes
# through the very encoder ``json.dumps`` would use. The output is the same, byte for byte,
# and so are the errors (offsets are checked first, then values encoded in key order).
# ``encode_span``, ``encode_layer`` and ``encode_document`` also serve writers that start from
# stored rows rather than from the objects (see ``DocumentSource``).

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_encode_str = json.encoder.encode_basestring  # the encoder's own, with ensure_ascii=False
_LAYER_FIELDS = ("annotator", "suggester", "pipeline", "pipeline_version")


def _value(value: Any) -> str:
    return _encode_str(value) if type(value) is str else _encode(value)


def _number(value: Any) -> str:
    return str(value) if type(value) is int else _encode(value)


encode_string = _encode_str  # a str as JSON, exactly as in a line
encode_value = _value  # any value as JSON, exactly as in a line


def encode_span(start: int, end: int, label: str, text: str | None, state: str,
                span_id: int | None = None, score: float | None = None, reason: str = "",
                source: dict[str, Any] | None = None) -> str:
    """The JSON of ``NativeSpan(...).to_json()`` (offsets not checked here).

    ``StoredDocuments`` in ``services.exporting`` writes spans of plain values (whole
    numbers, strings, an id, no score, reason or source) the same way inline: keep the two
    in step."""
    if type(start) is int and type(end) is int and type(label) is str and type(text) is str \
            and type(state) is str:  # the common case, without a call per value
        line = (f'{{"start":{start},"end":{end},"label":{_encode_str(label)},'
                f'"text":{_encode_str(text)},"state":{_encode_str(state)}')
    else:
        line = (f'{{"start":{_number(start)},"end":{_number(end)},"label":{_value(label)},'
                f'"text":{_value(text)},"state":{_value(state)}')
    if span_id is not None:
        line += f',"id":{span_id}' if type(span_id) is int else f',"id":{_encode(span_id)}'
    if score is not None:
        line += f',"score":{_encode(score)}'
    if reason:
        line += f',"reason":{_value(reason)}'
    if source:
        line += f',"source":{_encode(source)}'
    return line + "}"


def encode_layer_head(name: str, kind: str, annotator: str | None = None,
                      suggester: str | None = None, pipeline: str | None = None,
                      pipeline_version: str | None = None) -> str:
    """The start of a layer's JSON, up to its status: the same for every document."""
    head = f'{{"name":{_value(name)},"kind":{_value(kind)}'
    for key, value in zip(_LAYER_FIELDS, (annotator, suggester, pipeline, pipeline_version)):
        if value is not None:
            head += f',"{key}":{_value(value)}'
    return head


def encode_layer(head: str, status: str | None, entities: list[str], claims: list[str]) -> str:
    """A layer's JSON from its head (``encode_layer_head``) and its encoded spans."""
    if status is not None:
        head += f',"status":{_value(status)}'
    return f'{head},"entities":[{",".join(entities)}],"claims":[{",".join(claims)}]}}'


def encode_document(text: str, title: str, language: str, source: str, meta: Any,
                    layers: Iterable[str]) -> str:
    """A whole line (without its newline) from the document's fields and its encoded
    layers (taken after the fields, so that a value that cannot be encoded fails first where
    ``json.dumps`` would)."""
    head = (
        f'{{"format":{_value(FORMAT_NAME)},"version":{_number(FORMAT_VERSION)},'
        f'"sha256":{_value(text_sha256(text))},"title":{_value(title)},'
        f'"language":{_value(language)},"source":{_value(source)},"meta":{_encode(meta)},'
        f'"text":{_value(text)},"layers":['
    )
    return head + ",".join(layers) + "]}"


def _check_spans(document: NativeDocument) -> None:
    """``check_offsets`` of every span, in the order ``to_json`` checks them; the common
    case (whole numbers in range, the text matching) without the call."""
    text = document.text
    length = len(text)
    for layer in document.layers:
        for spans in (layer.entities, layer.claims):
            for span in spans:
                start, end, piece = span.start, span.end, span.text
                if type(start) is not int or type(end) is not int \
                        or not 0 <= start < end <= length or text[start:end] != piece:
                    check_offsets(text, start, end, piece)


def _layer_json(layer: NativeLayer) -> str:
    head = encode_layer_head(layer.name, layer.kind, layer.annotator, layer.suggester,
                             layer.pipeline, layer.pipeline_version)
    entities = [encode_span(s.start, s.end, s.label, s.text, s.state, s.id, s.score, s.reason,
                            s.source) for s in layer.entities]
    claims = [encode_span(s.start, s.end, s.label, s.text, s.state, s.id, s.score, s.reason,
                          s.source) for s in layer.claims]
    return encode_layer(head, layer.status, entities, claims)


def dumps(document: NativeDocument) -> str:
    """One line of native JSONL (offsets checked against the text first)."""
    if type(document.text) is not str:  # let to_json fail as it does
        return json.dumps(document.to_json(), ensure_ascii=False, separators=(",", ":"))
    _check_spans(document)
    return encode_document(document.text, document.title, document.language, document.source,
                           document.meta, (_layer_json(layer) for layer in document.layers))


class DocumentSource(Protocol):
    """Documents that can also give their native JSONL lines straight away: what
    ``dumps`` would write for each document the iterator yields, made from the source's
    own data without building the objects. ``counts`` tallies each span's label.
    A writer calls one or the other, not both."""

    def __iter__(self) -> Iterator[NativeDocument]: ...

    def native_lines(self, counts: Counter[str] | None = None) -> Iterator[str]: ...


def write_native(documents: Iterable[NativeDocument], handle: IO[str],
                 counts: Counter[str] | None = None) -> int:
    """Write one line per document; ``counts`` (when given) tallies the spans' labels.
    A :class:`DocumentSource` gives its lines itself."""
    native_lines = getattr(documents, "native_lines", None)
    if native_lines is not None:
        lines: Iterable[str] = native_lines(counts)
    else:
        lines = (dumps(document) for document in _counted(documents, counts))
    count = 0
    for line in lines:
        handle.write(line + "\n")
        count += 1
    return count


def _counted(documents: Iterable[NativeDocument],
             counts: Counter[str] | None) -> Iterator[NativeDocument]:
    for document in documents:
        if counts is not None:
            for layer in document.layers:
                counts.update([span.label for span in layer.entities])
                counts.update([span.label for span in layer.claims])
        yield document


def _span_from(data: Any, text: str, path: str, line: int) -> NativeSpan:
    if not isinstance(data, dict):
        raise InputError(path, "a span is not an object", line)
    try:
        start, end, label = data["start"], data["end"], data["label"]
    except KeyError as missing:
        raise InputError(path, f"a span has no {missing.args[0]!r}", line) from None
    if not isinstance(label, str) or not label.strip():
        raise InputError(path, "a span's label is not a non-empty string", line)
    try:
        piece = check_offsets(text, start, end, data.get("text"))
    except OffsetError as error:
        raise InputError(path, str(error), line) from None
    state = data.get("state", SpanState.ACCEPTED.value)
    if state not in _STATES:
        raise InputError(path, f"a span's state is {state!r}, not one of {', '.join(_STATES)}",
                         line)
    score = data.get("score")
    try:
        score = float(score) if isinstance(score, (int, float)) else None
    except OverflowError:  # an integer beyond any float
        raise InputError(path, f"a span's score {score} is not a number it can keep", line) \
            from None
    return NativeSpan(
        start=start,
        end=end,
        label=label,
        text=piece,
        state=state,
        id=data.get("id"),
        score=score,
        reason=str(data.get("reason", "")),
        source=data.get("source") if isinstance(data.get("source"), dict) else None,
    )


_STATES = tuple(state.value for state in SpanState)
_KINDS = tuple(kind.value for kind in LayerKind)
_NAMES = ("annotator", "suggester", "pipeline", "pipeline_version", "status")


def _list(owner: dict[str, Any], key: str, path: str, line: int) -> list[Any]:
    value = owner.get(key, [])
    if not isinstance(value, list):
        raise InputError(path, f"\"{key}\" is not a list", line)
    return value


def _layer_from(raw: Any, text: str, path: str, line: int) -> NativeLayer:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise InputError(path, "a layer is not an object with a \"name\"", line)
    kind = raw.get("kind", LayerKind.ANNOTATOR.value)
    if kind not in _KINDS:
        raise InputError(path, f"a layer's kind is {kind!r}, not one of {', '.join(_KINDS)}",
                         line)
    names: dict[str, str | None] = {}
    for key in _NAMES:
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(path, f"a layer's \"{key}\" is not a string", line)
        # An empty name names nobody: the importer's --annotator fills it in.
        names[key] = value if value is None or value.strip() else None
    return NativeLayer(
        name=raw["name"], kind=kind, **names,
        entities=[_span_from(s, text, path, line) for s in _list(raw, "entities", path, line)],
        claims=[_span_from(s, text, path, line) for s in _list(raw, "claims", path, line)],
    )


def parse_record(data: Any, path: str, line: int) -> NativeDocument:
    """Check one decoded line of native JSONL and turn it into a document."""
    if not isinstance(data, dict):
        raise InputError(path, "the line is not a JSON object", line)
    if data.get("format") != FORMAT_NAME:
        raise InputError(path, f"not native unannotate JSONL (no \"format\": \"{FORMAT_NAME}\")", line)
    version = data.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise InputError(
            path, f"format version {version!r} is newer than this program reads ({FORMAT_VERSION})", line
        )
    text = data.get("text")
    if not isinstance(text, str):
        raise InputError(path, "the record has no \"text\" string", line)
    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        raise InputError(path, "\"meta\" is not an object", line)
    layers = [_layer_from(raw, text, path, line) for raw in _list(data, "layers", path, line)]
    return NativeDocument(
        text=text,
        title=str(data.get("title", "")),
        language=str(data.get("language", "en")),
        source=str(data.get("source", "")),
        meta=meta,
        layers=layers,
    )


def read_native(path: str | Path) -> Iterator[NativeDocument]:
    """Read native JSONL, raising :class:`InputError` with the line of the first bad record."""
    name = str(path)
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as error:
                raise InputError(name, f"not UTF-8 ({error.reason})", number) from None
            except (ValueError, RecursionError) as error:
                raise InputError(name, json_error_reason(error), number) from None
            problem = json_value_problem(data, raw)
            if problem:
                raise InputError(name, problem, number)
            yield parse_record(data, name, number)


def read(path: Path, report: FormatReport) -> Iterator[NativeDocument]:
    """The interchange reader: native JSONL with every layer it holds."""
    for document in read_native(path):
        report.documents += 1
        for layer in document.layers:
            for span in (*layer.entities, *layer.claims):
                report.spans[span.label] += 1
        yield document


def write(documents: Iterable[NativeDocument], out: Path, report: FormatReport) -> None:
    """The interchange writer: every layer the documents carry, decisions included."""
    with atomic_write(out) as handle:
        report.documents += write_native(documents, handle, report.spans)
    report.files.append(str(out))


def detect(path: Path, head: bytes) -> bool:
    return path.suffix.lower() == ".jsonl" and b'"format"' in head and b'"unannotate"' in head


SPEC = FormatSpec(
    name="jsonl",
    title="unannotate JSONL",
    reader=read,
    writer=write,
    suffixes=(".jsonl",),
    detect=detect,
    keeps_rejections=True,
)
