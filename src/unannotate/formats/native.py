"""The native JSONL format: one document a line, every layer with its spans and provenance.

Specified in docs/formats.md; ``native.schema.json`` beside this file is its JSON Schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..core.errors import InputError, OffsetError
from ..core.model import check_offsets, text_sha256
from .atomic import atomic_write
from .interchange import FormatReport, FormatSpec

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


def dumps(document: NativeDocument) -> str:
    """One line of native JSONL (offsets checked against the text first)."""
    return json.dumps(document.to_json(), ensure_ascii=False, separators=(",", ":"))


def write_native(documents: Iterable[NativeDocument], handle: IO[str]) -> int:
    count = 0
    for document in documents:
        handle.write(dumps(document))
        handle.write("\n")
        count += 1
    return count


def _span_from(data: Any, text: str, path: str, line: int) -> NativeSpan:
    if not isinstance(data, dict):
        raise InputError(path, "a span is not an object", line)
    try:
        start, end, label = data["start"], data["end"], data["label"]
    except KeyError as missing:
        raise InputError(path, f"a span has no {missing.args[0]!r}", line) from None
    if not isinstance(label, str) or not label:
        raise InputError(path, "a span's label is not a non-empty string", line)
    try:
        piece = check_offsets(text, start, end, data.get("text"))
    except OffsetError as error:
        raise InputError(path, str(error), line) from None
    score = data.get("score")
    return NativeSpan(
        start=start,
        end=end,
        label=label,
        text=piece,
        state=str(data.get("state", "accepted")),
        id=data.get("id"),
        score=float(score) if isinstance(score, (int, float)) else None,
        reason=str(data.get("reason", "")),
        source=data.get("source") if isinstance(data.get("source"), dict) else None,
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
    layers = []
    for raw in data.get("layers", []):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise InputError(path, "a layer is not an object with a \"name\"", line)
        layers.append(
            NativeLayer(
                name=raw["name"],
                kind=str(raw.get("kind", "annotator")),
                annotator=raw.get("annotator"),
                suggester=raw.get("suggester"),
                pipeline=raw.get("pipeline"),
                pipeline_version=raw.get("pipeline_version"),
                status=raw.get("status"),
                entities=[_span_from(s, text, path, line) for s in raw.get("entities", [])],
                claims=[_span_from(s, text, path, line) for s in raw.get("claims", [])],
            )
        )
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
            except json.JSONDecodeError as error:
                raise InputError(name, f"not JSON ({error.msg}, column {error.colno})", number) from None
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

    def counted() -> Iterator[NativeDocument]:
        for document in documents:
            for layer in document.layers:
                for span in (*layer.entities, *layer.claims):
                    report.spans[span.label] += 1
            yield document

    with atomic_write(out) as handle:
        report.documents += write_native(counted(), handle)
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
)
