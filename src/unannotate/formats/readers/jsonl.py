"""JSON Lines of documents: one JSON object a line with its "text" (kept exactly) and
anything else kept as the document's meta. Each bad record is reported with its line."""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ...core.errors import InputError
from ...core.model import NewDocument
from ..interchange import has_surrogate_escape, json_error_reason, json_value_problem
from .common import BOMS, lower_first, make_document, os_reason, reject_lone_surrogates, shorten


def read_jsonl(
    path: Path,
    skip_invalid: bool,
    on_skip: Callable[[InputError], None] | None,
) -> Iterator[NewDocument]:
    name = str(path)
    found = False
    try:
        stream = path.open("rb")
    except OSError as error:
        raise InputError(name, os_reason(error)) from None
    with stream:
        _check_jsonl_start(stream.peek(4096)[:4096], name)
        for number, raw in enumerate(stream, start=1):
            if number == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            if not raw or raw.isspace():  # a blank line (as "not raw.strip()", without a copy)
                continue
            found = True
            try:
                yield _record_document(raw, name, number)
            except InputError as error:
                if not skip_invalid:
                    raise
                if on_skip is not None:
                    on_skip(error)
    if not found:
        raise InputError(name, "has no records (only blank lines)")


def _check_jsonl_start(head: bytes, path: str) -> None:
    if not head:
        raise InputError(path, "empty file")
    for bom, encoding in BOMS:
        if encoding != "utf-8" and head.startswith(bom):
            name = encoding[:6].upper()
            raise InputError(path, f"JSON Lines must be UTF-8, not {name}; save it as UTF-8")
    if b"\x00" in head:
        raise InputError(path, "binary file, not text")


def _record_document(raw: bytes, path: str, line: int) -> NewDocument:
    record = _parse_record(raw, path, line)
    if "text" not in record:
        raise InputError(path, 'the record has no "text" field', line)
    text = record["text"]
    if not isinstance(text, str):
        raise InputError(path, f'"text" must be a string, not {_json_type(text)}', line)
    if not text or text.isspace():
        raise InputError(path, '"text" is empty', line)
    escape = has_surrogate_escape(raw)  # a lone surrogate can only come from a JSON escape
    if escape:
        reject_lone_surrogates(text, path, line)
    problem = json_value_problem(record, raw, surrogate_escape=escape)
    if problem:  # in the title or meta, stored as they are
        raise InputError(path, problem, line)
    meta = _record_meta(record, path, line)
    return make_document(
        text,
        path,
        title=shorten(_meta_string(meta, "title")),
        meta=meta,
        language=_meta_string(meta, "language") or _meta_string(meta, "lang") or None,
        line=line,
    )


def _parse_record(raw: bytes, path: str, line: int) -> dict[str, Any]:
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        reason = f"not UTF-8 text (invalid byte 0x{raw[error.start]:02x} at byte {error.start + 1}"
        raise InputError(path, f"{reason} of the line); save the file as UTF-8", line) from None
    try:
        record = json.loads(source)
    except json.JSONDecodeError as error:
        raise InputError(path, _json_reason(error), line) from None
    except RecursionError:
        raise InputError(path, "not valid JSON: nested too deeply", line) from None
    except ValueError as error:  # a number of too many digits
        raise InputError(path, json_error_reason(error), line) from None
    if not isinstance(record, dict):
        raise InputError(path, f"the record is {_json_type(record)}, not a JSON object", line)
    return record


def _json_reason(error: json.JSONDecodeError) -> str:
    message = lower_first(error.msg)
    joint = " column" if message.endswith(" at") else " at column"
    reason = f"not valid JSON: {message}{joint} {error.colno}"
    if error.msg == "Extra data":
        reason += "; put one JSON object on each line"
    return reason



def _record_meta(record: dict[str, Any], path: str, line: int) -> dict[str, Any]:
    """The record's "meta" with its other fields added, so that nothing in it is lost.

    Where a field has the name of a "meta" key holding another value, "meta" keeps its own and
    the field is kept under "_top_level".
    """
    meta = record.get("meta")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise InputError(path, f'"meta" must be a JSON object, not {_json_type(meta)}', line)
    merged = dict(meta)
    clashes: dict[str, Any] = {}
    for key, value in record.items():
        if key in ("text", "meta"):
            continue
        if key in merged and merged[key] != value:
            clashes[key] = value
        else:
            merged[key] = value
    if clashes:
        merged["_top_level"] = clashes
    return merged


def _meta_string(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key)
    return value.strip() if isinstance(value, str) else ""


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
