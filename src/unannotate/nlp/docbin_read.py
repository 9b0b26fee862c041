"""Reading spaCy DocBin (``.spacy``) files: see :mod:`.docbin` for what a file holds and how
it is read back."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from spacy.tokens import Doc, DocBin, Span
from spacy.vocab import Vocab

from ..core.errors import InputError, OffsetError
from ..core.language import guess_language
from ..core.model import check_offsets, text_sha256
from ..formats.interchange import DONE, LINK_OUTSIDE, FormatReport, json_value_problem, within
from ..formats.native import NativeDocument, NativeLayer, NativeSpan
from .blank_pipelines import reading_vocab

ENTITIES_KEY = "entities"
CLAIMS_KEY = "claims"
USER_DATA_KEYS = ("title", "source", "sha256", "language", "meta")

# Token annotations a DocBin may carry that the program does not keep (it keeps spans).
_TOKEN_ATTRS = ("TAG", "POS", "MORPH", "LEMMA", "DEP")


def read(path: Path, report: FormatReport) -> Iterator[NativeDocument]:
    """The documents of a ``.spacy`` file, or of every ``.spacy`` file in a folder (sorted)."""
    path = Path(path)
    if path.is_dir():
        root = path.resolve()
        files = []
        for found in sorted(path.rglob("*")):
            if not within(root, found):  # a link out of the folder: never read
                report.drop(str(found), "link", LINK_OUTSIDE)
            elif found.suffix == ".spacy" and found.is_file():
                files.append(found)
        if not files:
            raise InputError(str(path), "the folder holds no .spacy files")
    elif path.is_file():
        files = [path]
    else:
        raise InputError(str(path), "no such file or folder")
    for file in files:  # a vocab for each file, renewed as it grows (see blank_pipelines.blank_for)
        yield from _read_file(file, reading_vocab(), report)


# spaCy decodes zlib, then msgpack, then trusts every field it finds (lengths, attribute
# columns, string hashes, span groups, flags, user data): bytes that are not a DocBin, or a
# DocBin whose fields were changed, fail anywhere in there, with any kind of exception.


def _read_file(path: Path, vocab: Vocab, report: FormatReport) -> Iterator[NativeDocument]:
    name = str(path)
    docbin = _load(path)
    try:
        count = len(docbin)
    except Exception as error:  # noqa: BLE001 - see above
        raise InputError(name, f"not a spaCy DocBin ({_describe_error(error)})") from None
    docs = docbin.get_docs(vocab)
    for number in range(1, count + 1):
        try:
            with _collector_kept_on():
                document = _from_doc(next(docs), name, number, report)
        except InputError:
            raise
        except Exception as error:  # noqa: BLE001 - see above
            reason = f"a broken document in the DocBin ({_describe_error(error)})"
            raise InputError(name, reason, number) from None
        yield document


def _load(path: Path) -> DocBin:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(str(path), error.strerror or str(error)) from None
    try:
        with _collector_kept_on():
            return DocBin().from_bytes(data)
    except Exception as error:  # noqa: BLE001 - see above
        raise InputError(str(path), f"not a spaCy DocBin ({_describe_error(error)})") from None


def _describe_error(error: Exception) -> str:
    return f"{type(error).__name__}: {str(error)[:200]}"


@contextmanager
def _collector_kept_on() -> Iterator[None]:
    """srsly turns Python's garbage collector off while msgpack decodes, and leaves it off
    when the bytes are broken: one bad file would leave the program collecting nothing."""
    enabled = gc.isenabled()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _from_doc(doc: Doc, path: str, number: int, report: FormatReport) -> NativeDocument:
    where = f"{path}:{number}"
    text = doc.text
    try:
        entities = _native_spans(_entity_spans(doc), text, path, number, report)
        claims = _native_spans(doc.spans.get(CLAIMS_KEY, []), text, path, number, report)
    except (IndexError, ValueError) as error:  # spans pointing past the Doc's tokens
        raise InputError(path, f"a span does not fit the document ({error})", number) from None
    _report_unread(doc, where, report)
    info = _read_user_data(doc, path, number)
    stored_sha = info.get("sha256")
    if stored_sha and stored_sha != text_sha256(text):
        report.notes.append(f"{where}: the text differs from the text written (SHA-256 changed)")
    report.documents += 1
    report.spans.update(s.label for s in (*entities, *claims))
    return NativeDocument(
        text=text,
        title=info.get("title", ""),
        language=info.get("language") or guess_language(text),
        source=info.get("source", ""),
        meta=info.get("meta", {}),
        layers=[NativeLayer(name="annotator", kind="annotator", entities=entities,
                            claims=claims, status=_status(doc, entities, claims, where, report),
                            read_from=where)],
    )


MISSING_TAGS = "no entity tags (spaCy's missing value on every token): read as not annotated"
SOME_MISSING = ("entity tags missing on some tokens: the document is read as done, those "
                "tokens as outside any entity")


def _status(doc: Doc, entities: list[NativeSpan], claims: list[NativeSpan], where: str,
            report: FormatReport) -> str | None:
    """Done when the Doc's entity tags are set (``O`` on a token is an answer: no entity
    here) or it holds spans; a Doc whose every tag is missing was never annotated."""
    if doc.has_annotation("ENT_IOB"):
        if not doc.has_annotation("ENT_IOB", require_complete=True):
            report.drop(where, "missing entity tags", SOME_MISSING)
        return DONE
    if entities or claims:
        return DONE
    if len(doc):
        report.drop(where, "document status", MISSING_TAGS)
    return None


def _entity_spans(doc: Doc) -> list[Span]:
    """``doc.spans["entities"]``, then each entity of ``doc.ents`` not already in it."""
    group = list(doc.spans.get(ENTITIES_KEY, []))
    seen = {(s.start_char, s.end_char, s.label_) for s in group}
    return group + [e for e in doc.ents if (e.start_char, e.end_char, e.label_) not in seen]


def _native_spans(spans: Iterable[Span], text: str, path: str, number: int,
                  report: FormatReport) -> list[NativeSpan]:
    """The spans the program can keep, checked against the text; the others reported."""
    where = f"{path}:{number}"
    kept = []
    for span in spans:
        what = f"span {span.start_char}-{span.end_char} {span.label_}"
        if not span.label_.strip() or span.start_char == span.end_char:
            report.drop(where, what, "a span needs a label and at least one character")
            continue
        try:
            piece = check_offsets(text, span.start_char, span.end_char, span.text)
        except OffsetError as error:
            raise InputError(path, str(error), number) from None
        if span.kb_id_ or span.id_:
            report.drop(where, f"{what}: kb_id, id",
                        "the program keeps no knowledge-base or pattern ids")
        kept.append(NativeSpan(span.start_char, span.end_char, span.label_, piece, "accepted"))
    return kept


def _report_unread(doc: Doc, where: str, report: FormatReport) -> None:
    """Report what the Doc carries beyond text, entities and claims."""
    for key, group in doc.spans.items():
        if key not in (ENTITIES_KEY, CLAIMS_KEY):
            report.drop(where, f"span group {key!r} ({len(group)} spans)",
                        "only the 'entities' and 'claims' span groups are read")
    if doc.cats:
        report.drop(where, f"doc.cats ({len(doc.cats)} categories)",
                    "the program keeps no document categories")
    for attr in _TOKEN_ATTRS:
        if doc.has_annotation(attr):
            report.drop(where, f"token {attr} annotations", "the program keeps spans only")
    for key in doc.user_data:
        if key not in USER_DATA_KEYS:
            report.drop(where, f"user_data {key!r}", "not a field the program keeps")


def _read_user_data(doc: Doc, path: str, number: int) -> dict[str, Any]:
    """Title, source, sha256, language (strings) and meta (an object) from ``doc.user_data``.

    msgpack returns JSON arrays as tuples; they become lists again."""
    info: dict[str, Any] = {}
    for key in USER_DATA_KEYS:
        if key not in doc.user_data:
            continue
        value = doc.user_data[key]
        problem = json_value_problem(value)
        if problem:
            raise InputError(path, f"user_data {key!r}: {problem}", number)
        value = _as_json(value)
        wanted = dict if key == "meta" else str
        if not isinstance(value, wanted):
            kind = "an object" if key == "meta" else "a string"
            raise InputError(path, f"user_data {key!r} is not {kind}", number)
        try:
            json.dumps(value)
        except (TypeError, ValueError) as error:  # bytes, or keys that are not strings
            raise InputError(path, f"user_data {key!r} is not JSON ({error})", number) from None
        info[key] = value
    return info


def _as_json(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    return value

