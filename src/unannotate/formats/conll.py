"""CoNLL / IOB: one token a line with its entity tag in the last column.

Reading
    Columns are separated by tabs or spaces; the first is the token, the last the tag (CoNLL-2003
    has four: token, part of speech, chunk, tag; doccano writes ``token<TAB>tag``). Columns in
    between are not kept, and the report says so once per file. A blank line ends a sentence.
    Documents: when the file has a ``-DOCSTART-`` line, each such line begins a document and the
    blank lines inside it only separate sentences; a file without one holds one document per
    blank-line-separated block, as doccano reads and writes it. A document's text is rebuilt as
    its tokens joined by one space and its sentences by ``\\n``; span offsets are code points
    into that text. Every document is read as done for its annotator: each token has a tag, so
    a sentence of ``O`` tags says "nothing here".

    Tags are ``O`` or ``PREFIX-LABEL`` with the prefix ``B``, ``I`` (IOB1, IOB2), ``E``, ``S``
    (BIOES) or ``L``, ``U`` (BILOU). The schemes decode alike: ``B``/``S``/``U`` always begin an
    entity, ``I``/``E``/``L`` continue one of the same label or else begin one, and ``E``/``L``/
    ``S``/``U`` end it. They differ in what is valid: IOB1 begins entities with ``I-`` (``B-``
    only between two adjacent entities of one label), IOB2 with ``B-``. ``scheme="auto"`` picks
    BIOES/BILOU when such prefixes occur, IOB2 when some ``B-`` begins an entity after a token
    of another label, and IOB1 when only ``I-`` does. In every scheme but IOB1 an entity begun
    by ``I-`` (or ``E-``, ``L-``) is invalid: it is read as the beginning of an entity and the
    report's notes say how many there were.

Writing
    One ``-DOCSTART- -X- -X- O`` line and a blank line per document, then one sentence per line
    of the text (``\\r`` and ``\\n`` break lines; lines without tokens are skipped), one
    ``token TAG`` line per token (a single space, as CoNLL-2003), a blank line after each
    sentence. Tokens come from :func:`token_offsets` cut at the boundaries of the spans written,
    so every span falls on tokens. The white space of the text is not kept. A document marked
    done without spans is all ``O`` (a negative example); one not done and without spans is not
    written (CoNLL has no tag for "not annotated"), and the report says so.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ..core.errors import InputError, OffsetError
from ..core.model import check_offsets
from .atomic import atomic_write
from .interchange import (
    DONE,
    UNTOUCHED_NOT_WRITTEN,
    FormatReport,
    FormatSpec,
    progress,
    token_offsets,
)
from .native import NativeDocument, NativeLayer, NativeSpan

DOCSTART = "-DOCSTART-"
DOCSTART_LINE = "-DOCSTART- -X- -X- O"
READ_SCHEMES = ("auto", "iob1", "iob2", "bioes", "bilou")
WRITE_SCHEMES = ("iob1", "iob2", "bioes", "bilou")
SUFFIXES = (".conll", ".iob", ".iob2", ".bio")

_COLUMNS = re.compile(r"[ \t]+")
_TAG = re.compile(r"O|[BIESLU]-\S+")
_BEGINS = frozenset("BSU")  # always begin an entity
_ENDS = frozenset("ESLU")  # always end the entity they are in
_LINE_BREAK = re.compile(r"[\r\n]")
_LABEL_SPACE = re.compile(r"\s")
_DETECT_LINES = 20


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    line: int
    text: str
    prefix: str  # "" for O
    label: str


@dataclass
class _Block:
    """The tokens of one document as read, sentence by sentence."""

    docstart: int | None  # the line of its -DOCSTART-, if it has one
    sentences: list[list[_Token]] = field(default_factory=list)


@dataclass(frozen=True)
class _Pending:
    """An entity found in the tags, before the text it points into is complete."""

    start: int
    end: int
    label: str
    line: int


def read(path: Path, report: FormatReport, *, scheme: str = "auto") -> Iterator[NativeDocument]:
    """The documents of a CoNLL file, each with its entities in an annotator layer."""
    if scheme not in READ_SCHEMES:
        raise ValueError(f"unknown IOB scheme {scheme!r}; use one of {', '.join(READ_SCHEMES)}")
    name = str(path)
    blocks = _blocks(_lines(path), name, report)
    if not blocks:
        raise InputError(name, "has no tokens")
    if scheme == "auto":
        scheme = _detect_scheme(blocks)
    # The whole file is checked before the first document is given: bad input imports nothing.
    documents = [_document(block, name, scheme) for block in blocks]
    invalid_starts = sum(invalid for _, invalid in documents)
    if invalid_starts:
        report.notes.append(_invalid_starts_note(name, scheme, invalid_starts))
    for document, _ in documents:
        report.documents += 1
        for span in document.layers[0].entities:
            report.spans[span.label] += 1
        yield document


def _lines(path: Path) -> list[str]:
    """The file's lines split at ``\\n`` only, so line numbers are what an editor shows."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(name, f"cannot be read: {error.strerror or error}") from None
    lines = []
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        try:
            lines.append(raw.decode("utf-8").removesuffix("\r"))
        except UnicodeDecodeError as error:
            reason = f"not UTF-8 (invalid byte 0x{raw[error.start]:02x}); save the file as UTF-8"
            raise InputError(name, reason, number) from None
    return lines


def _blocks(lines: Sequence[str], name: str, report: FormatReport) -> list[_Block]:
    """Group the token lines into documents and sentences (see the module's rule)."""
    columns = [_COLUMNS.split(line.strip(" \t")) if line.strip(" \t") else [] for line in lines]
    by_docstart = any(cells[0] == DOCSTART for cells in columns if cells)
    blocks: list[_Block] = []
    block = _Block(None)
    sentence: list[_Token] = []
    extra_columns = 0
    for number, cells in enumerate(columns, start=1):
        if cells and cells[0] == DOCSTART:
            _close(block, sentence, blocks, name, report)
            block, sentence = _Block(number), []
        elif not cells:
            if sentence:
                block.sentences.append(sentence)
                sentence = []
            if not by_docstart:
                _close(block, sentence, blocks, name, report)
                block = _Block(None)
        else:
            sentence.append(_token(cells, name, number))
            extra_columns += len(cells) > 2
    _close(block, sentence, blocks, name, report)
    if extra_columns:
        report.drop(name, f"the middle columns of {extra_columns} lines",
                    "only the token (first column) and the entity tag (last column) are read")
    return blocks


def _close(block: _Block, sentence: list[_Token], blocks: list[_Block], name: str,
           report: FormatReport) -> None:
    if sentence:
        block.sentences.append(sentence)
    if block.sentences:
        blocks.append(block)
    elif block.docstart is not None:
        report.drop(f"{name}:{block.docstart}", "document", f"{DOCSTART} is followed by no tokens")


def _token(cells: list[str], name: str, number: int) -> _Token:
    if len(cells) < 2:
        raise InputError(name, f"the token {cells[0]!r} has no tag (expected 'token TAG')", number)
    tag = cells[-1]
    if not _TAG.fullmatch(tag):
        raise InputError(
            name, f"unknown tag {tag!r}: expected O or B-, I-, E-, S-, L- or U- and a label",
            number,
        )
    if tag == "O":
        return _Token(number, cells[0], "", "")
    return _Token(number, cells[0], tag[0], tag[2:])


def _detect_scheme(blocks: Iterable[_Block]) -> str:
    """BIOES/BILOU by their prefixes; else IOB2 if some B- begins an entity, else IOB1."""
    begins_with_b = begins_with_i = False
    prefixes: set[str] = set()
    for block in blocks:
        for sentence in block.sentences:
            previous = ""
            for token in sentence:
                prefixes.add(token.prefix)
                if token.prefix and token.label != previous:
                    begins_with_b |= token.prefix == "B"
                    begins_with_i |= token.prefix == "I"
                previous = token.label
    if prefixes & {"L", "U"}:
        return "bilou"
    if prefixes & {"E", "S"}:
        return "bioes"
    return "iob1" if begins_with_i and not begins_with_b else "iob2"


def _entities(sentence: Sequence[_Token], scheme: str) -> tuple[list[tuple[int, int, str]], int]:
    """Entities as token ranges ``[first, last)`` with their label, and how many of them began
    with a tag that may not begin one in ``scheme``."""
    entities: list[tuple[int, int, str]] = []
    first: int | None = None
    label = ""
    invalid = 0
    for index, token in enumerate(sentence):
        inside = first is not None and token.label == label
        if first is not None and (not token.prefix or token.prefix in _BEGINS or not inside):
            entities.append((first, index, label))
            first = None
        if token.prefix and first is None:
            first, label = index, token.label
            if token.prefix not in _BEGINS and not (scheme == "iob1" and token.prefix == "I"):
                invalid += 1
        if first is not None and token.prefix in _ENDS:
            entities.append((first, index + 1, label))
            first = None
    if first is not None:
        entities.append((first, len(sentence), label))
    return entities, invalid


def _document(block: _Block, name: str, scheme: str) -> tuple[NativeDocument, int]:
    pieces: list[str] = []
    position = 0
    pending: list[_Pending] = []
    invalid = 0
    for sentence in block.sentences:
        if pieces:
            pieces.append("\n")
            position += 1
        starts: list[int] = []
        for index, token in enumerate(sentence):
            if index:
                pieces.append(" ")
                position += 1
            starts.append(position)
            pieces.append(token.text)
            position += len(token.text)
        found, bad = _entities(sentence, scheme)
        invalid += bad
        for first, last, label in found:
            end = starts[last - 1] + len(sentence[last - 1].text)
            pending.append(_Pending(starts[first], end, label, sentence[first].line))
    text = "".join(pieces)
    # The file names no annotator: the importer's --annotator fills it in.
    # Every token carries a tag: the document is finished, all-O sentences are negatives.
    layer = NativeLayer(name="annotator", kind="annotator", annotator=None, status=DONE,
                        entities=[_span(text, entity, name) for entity in pending],
                        read_from=f"{name}:{block.sentences[0][0].line}"
                        if block.sentences and block.sentences[0] else name)
    return NativeDocument(text=text, source=name, layers=[layer]), invalid


def _span(text: str, pending: _Pending, name: str) -> NativeSpan:
    try:
        piece = check_offsets(text, pending.start, pending.end)
    except OffsetError as error:
        raise InputError(name, str(error), pending.line) from None
    return NativeSpan(pending.start, pending.end, pending.label, piece, "accepted")


def _invalid_starts_note(name: str, scheme: str, count: int) -> str:
    tags = {"iob1": "E- or L-", "iob2": "I-"}.get(scheme, "I-, E- or L-")
    entities = "entity" if count == 1 else "entities"
    return (f"{name}: {count} {entities} began with {tags} (not valid {scheme.upper()}); "
            "each was read as the beginning of an entity")


# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entity:
    """A span as written: its offsets without white space at the edges, and where it came from."""

    start: int
    end: int
    label: str
    span: NativeSpan


def write(documents: Iterable[NativeDocument], out: str | Path, report: FormatReport, *,
          scheme: str = "iob2") -> None:
    """Write ``documents`` to one CoNLL file, the entities of each one's layer tagged in
    ``scheme``; what CoNLL cannot hold is reported (see :func:`_unwritable`)."""
    if scheme not in WRITE_SCHEMES:
        raise ValueError(f"unknown IOB scheme {scheme!r}; use one of {', '.join(WRITE_SCHEMES)}")
    target = Path(out)
    with atomic_write(target) as handle:
        for number, document in enumerate(documents, start=1):
            where = f"document {number}" + (f" ({document.title})" if document.title else "")
            _write_document(handle, document, where, report, scheme)
    report.files.append(str(target))


def _write_document(handle: IO[str], document: NativeDocument, where: str, report: FormatReport,
                    scheme: str) -> None:
    if progress(document.layers[0] if document.layers else None) == "untouched":
        # All-O tags would say "nothing here" of a text nobody finished.
        report.drop(where, "document", UNTOUCHED_NOT_WRITTEN)
        return
    text = document.text
    entities = _writable(document, where, report)
    tokens = token_offsets(text, [cut for e in entities for cut in (e.start, e.end)])
    if not tokens:
        report.drop(where, "document", "it has no tokens, and CoNLL cannot hold an empty document")
        return
    sentence_of = _sentence_numbers(text, tokens)
    tags = _tags(tokens, sentence_of, entities, scheme)
    handle.write(f"{DOCSTART_LINE}\n\n")
    for index, (start, end) in enumerate(tokens):
        handle.write(f"{text[start:end]} {tags[index]}\n")
        if index + 1 == len(tokens) or sentence_of[index + 1] != sentence_of[index]:
            handle.write("\n")
    report.documents += 1
    for entity in entities:
        report.spans[entity.label] += 1
    if _rebuilt(text, tokens, sentence_of) != text:
        report.notes.append(
            f"{where}: white space is not kept; the text reads back as its tokens joined by "
            "single spaces, one line per sentence, and its spans' offsets move with it"
        )


def _writable(document: NativeDocument, where: str, report: FormatReport) -> list[_Entity]:
    """The entities of the document's layer that CoNLL can hold, in text order; every other span
    is reported."""
    if not document.layers:
        return []
    layer = document.layers[0]
    for claim in layer.claims:
        report.drop(where, _what(claim), "CoNLL holds entities, not claims")
    candidates: list[_Entity] = []
    for span in layer.entities:
        check_offsets(document.text, span.start, span.end, span.text)
        start, end = _trimmed(document.text, span.start, span.end)
        reason = _unwritable(document.text, span, start, end)
        if reason:
            report.drop(where, _what(span), reason)
        else:
            candidates.append(_Entity(start, end, span.label, span))
    kept = _without_overlaps(candidates, where, report)
    for entity in kept:
        if (entity.start, entity.end) != (entity.span.start, entity.span.end):
            report.drop(where, _what(entity.span),
                        f"white space at its edges is not kept: written as {entity.start}-"
                        f"{entity.end}")
    return kept


def _what(span: NativeSpan) -> str:
    return f"span {span.start}-{span.end} {span.label}"


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without white space at its edges: tokens never hold white space."""
    piece = text[start:end]
    return start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip())


def _unwritable(text: str, span: NativeSpan, start: int, end: int) -> str | None:
    """Why CoNLL cannot hold this span, or None when it can."""
    if span.state == "rejected":
        return "a rejected span: CoNLL records no decisions"
    if _LABEL_SPACE.search(span.label):
        return "its label holds white space, which cannot be part of a CoNLL tag"
    if start >= end:
        return "it is only white space, which holds no token"
    if _LINE_BREAK.search(text, start, end):
        return "it crosses a line break, and a CoNLL entity stays within one sentence"
    return None


def _without_overlaps(candidates: list[_Entity], where: str,
                      report: FormatReport) -> list[_Entity]:
    """Keep the longest span, then the earliest, of any that overlap (CoNLL gives each token
    one tag); report the others. Returns the kept ones in text order."""
    starts: list[int] = []
    kept: list[_Entity] = []
    for entity in sorted(candidates, key=lambda e: (e.start - e.end, e.start)):
        at = bisect_left(starts, entity.start)
        neighbours = [kept[i] for i in (at - 1, at) if 0 <= i < len(kept)]
        clash = next((k for k in neighbours if k.start < entity.end and entity.start < k.end),
                     None)
        if clash is not None:
            report.drop(where, _what(entity.span),
                        f"it overlaps {_what(clash.span)}, which is kept: CoNLL gives each token "
                        "one tag (the longest span is kept, then the earliest)")
            continue
        starts.insert(at, entity.start)
        kept.insert(at, entity)
    return kept


def _sentence_numbers(text: str, tokens: Sequence[tuple[int, int]]) -> list[int]:
    """For each token, the number of its sentence: a new one begins after a line break."""
    numbers: list[int] = []
    number = 0
    previous_end = 0
    for start, end in tokens:
        if numbers and _LINE_BREAK.search(text, previous_end, start):
            number += 1
        numbers.append(number)
        previous_end = end
    return numbers


def _tags(tokens: Sequence[tuple[int, int]], sentence_of: Sequence[int],
          entities: Sequence[_Entity], scheme: str) -> list[str]:
    first_at = {start: index for index, (start, _) in enumerate(tokens)}
    last_at = {end: index for index, (_, end) in enumerate(tokens)}
    tags = ["O"] * len(tokens)
    labels = [""] * len(tokens)
    for entity in entities:  # in text order, so the token before is already tagged
        first, last = first_at[entity.start], last_at[entity.end]
        follows_same = (first > 0 and sentence_of[first - 1] == sentence_of[first]
                        and labels[first - 1] == entity.label)
        tags[first:last + 1] = _entity_tags(last + 1 - first, entity.label, scheme, follows_same)
        labels[first:last + 1] = [entity.label] * (last + 1 - first)
    return tags


def _entity_tags(length: int, label: str, scheme: str, follows_same: bool) -> list[str]:
    """The tags of one entity of ``length`` tokens; ``follows_same`` when the token before it
    ends an entity of the same label (only IOB1 needs to know: it begins with B- there)."""
    inner = [f"I-{label}"] * (length - 1)
    if scheme == "iob2":
        return [f"B-{label}", *inner]
    if scheme == "iob1":
        return [f"{'B' if follows_same else 'I'}-{label}", *inner]
    single, last = ("S", "E") if scheme == "bioes" else ("U", "L")
    if length == 1:
        return [f"{single}-{label}"]
    return [f"B-{label}", *inner[1:], f"{last}-{label}"]


def _rebuilt(text: str, tokens: Sequence[tuple[int, int]], sentence_of: Sequence[int]) -> str:
    """The text as :func:`read` will rebuild it from the written tokens."""
    pieces: list[str] = []
    for index, (start, end) in enumerate(tokens):
        if index:
            pieces.append("\n" if sentence_of[index] != sentence_of[index - 1] else " ")
        pieces.append(text[start:end])
    return "".join(pieces)


# --- detection -------------------------------------------------------------------------------


def detect(path: Path, head: bytes) -> bool:
    """A CoNLL suffix, or first lines that begin with -DOCSTART- or all end in an IOB tag."""
    if path.suffix.lower() in SUFFIXES:
        return True
    lines = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace").split("\n")
    if len(head) >= 4096:
        lines.pop()  # the last line may be cut short
    rows = [_COLUMNS.split(line.strip(" \t\r")) for line in lines if line.strip(" \t\r")]
    rows = rows[:_DETECT_LINES]
    if rows and rows[0][0] == DOCSTART:
        return True
    return len(rows) >= 2 and all(len(row) >= 2 and _TAG.fullmatch(row[-1]) for row in rows)


SPEC = FormatSpec(
    name="conll",
    title="CoNLL / IOB",
    reader=read,
    writer=write,
    suffixes=SUFFIXES,
    detect=detect,
    # The values each direction takes; reading defaults to "auto", writing to "iob2".
    options={"scheme": READ_SCHEMES},
)
