"""brat standoff: a folder of ``.txt`` texts, each with a ``.ann`` file of annotations beside it.

The format (https://brat.nlplab.org/standoff.html): a ``T`` line is a text-bound annotation,
``T1<TAB>Label start end[;start end...]<TAB>text``, the text being the fragments' texts joined by
one space. ``R`` relations, ``E`` events, ``A``/``M`` attributes, ``N`` normalizations, ``*``
equivalences and ``#`` notes refer to other lines by id.

**Offsets.** brat slices the text as a Python unicode string, so it counts code points (on the
wide Python 2 builds it ran on; a narrow build would have counted UTF-16 units). Its sample
files (``shared/formats/brat/news``) are all ASCII and cannot show this; brat's source
(``server/src/annotation.py``) does. But brat reads the ``.txt`` with universal newlines, so a
CRLF counts as ONE character (nlplab/brat#853, still open). The text is stored exactly and the
offsets are converted (:class:`_Counting`): the writer counts each CRLF once, like brat; the
reader does too, unless the ``T`` texts only match when a CRLF counts two (a file written by
another tool), which it then reads so and says in a note.

**Line breaks.** A ``.ann`` line cannot hold a line break, so brat writes a span across lines
as fragments around each break (``annotator.py``, ``__create_span``). The writer does the same;
the reader joins the fragments of one ``T`` line when only white space holding a line break or a
tab lies between them (brat also splits at tabs), and reads other fragments as one span each,
with a note. Line breaks at a span's edge cannot be written: the span is trimmed, and reported.

**Status.** Every text with a ``.ann`` beside it is read as done for its annotator (an empty
``.ann`` says "nothing here"); a text without one as not annotated yet. The writer writes an empty
``.ann`` for a document marked done without spans and none for a document not done and without
spans.

**What the program cannot show** (relations, events, attributes, normalizations, equivalences,
notes) is kept as raw lines in ``meta["brat"]["unmapped"]``, with each ``T`` id's label and spans
in ``meta["brat"]["textbound"]``, and written back when every id they name is written again.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import InputError, OffsetError
from ..core.model import CLAIM_LABEL, LayerKind, check_offsets
from .atomic import atomic_write
from .interchange import DONE, LINK_OUTSIDE, FormatReport, FormatSpec, progress, within
from .native import NativeDocument, NativeLayer, NativeSpan

LAYER_NAME = "brat"
NAME_LENGTH = 100

# Where str.splitlines() breaks a line. brat's Python 2 reader of .ann files splits at each of
# them, so none may appear inside a T line's text.
_BREAKS = r"\n\r\v\f\x1c-\x1e\x85\u2028\u2029"
_UNBROKEN = re.compile(f"[^{_BREAKS}]+")
_JOINABLE_GAP = re.compile(rf"\s*[\t{_BREAKS}]\s*")

_ID = re.compile(r"\*|(?:[A-Za-z]+|#[A-Za-z]*)[0-9]+\S*")
_FRAGMENT = re.compile(r"([0-9]+) ([0-9]+)")
_OFFSET_DIGITS = 18  # no text is longer; Python refuses to read numbers of 4,300 digits
_T_NUMBER = re.compile(r"(?<![^\s:])T([0-9]+)")
# brat keeps type names matching ^[a-zA-Z0-9_-]*$ (projectconfig.normalize_to_storage_form).
_NOT_IN_TYPE_NAME = re.compile(r"[^A-Za-z0-9_-]")
_NOT_IN_FILE_NAME = re.compile(r"[^\w.-]+")
_RESERVED_FILE_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
)

_KIND_NAMES = {
    "R": "relation", "E": "event", "A": "attribute", "M": "attribute",
    "N": "normalization", "#": "note", "*": "equivalence",
}
_KEPT_IN_META = {
    "R": "relations are kept in the document's meta, not shown",
    "E": "events are kept in the document's meta, not shown (the trigger is read as a span)",
    "A": "attributes are kept in the document's meta, not shown",
    "M": "attributes are kept in the document's meta, not shown",
    "N": "normalizations (links to a knowledge base) are kept in the document's meta, not shown",
    "#": "notes are kept in the document's meta, not shown",
    "*": "equivalences are kept in the document's meta, not shown",
}


# --- offsets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Counting:
    """Converts offsets between the exact text and a count in which each CRLF is one character."""

    crlf: tuple[int, ...] = ()  # exact index of the "\n" of each CRLF
    folded: tuple[int, ...] = ()  # index, in the folded count, of the break each CRLF becomes

    @classmethod
    def folding(cls, text: str) -> _Counting:
        crlf = tuple(match.start() + 1 for match in re.finditer("\r\n", text))
        return cls(crlf, tuple(n - 1 - i for i, n in enumerate(crlf)))

    def to_brat(self, offset: int) -> int:
        return offset - bisect_left(self.crlf, offset)

    def from_brat(self, offset: int) -> int:
        return offset + bisect_left(self.folded, offset)


_EXACT = _Counting()


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    """One line of a .ann file, split at its first two tabs."""

    number: int
    raw: str
    id: str
    data: str
    text: str | None  # what follows the second tab; None when there is no second tab

    @property
    def kind(self) -> str:
        return self.id[0]

    def describe(self) -> str:
        return f"{_KIND_NAMES.get(self.kind, 'line')} {self.id}: {self.data}"


@dataclass(frozen=True)
class _Textbound:
    """A T line with its fragments as exact offsets into the text."""

    line: _Line
    label: str
    fragments: tuple[tuple[int, int], ...]


def read(path: Path, report: FormatReport) -> Iterator[NativeDocument]:
    """Documents of a folder of .txt + .ann pairs (recursively, sorted), or of one pair."""
    for text_path, ann_path in _pairs(Path(path), report):
        yield _read_document(text_path, ann_path, report)


def _pairs(path: Path, report: FormatReport) -> list[tuple[Path, Path | None]]:
    """Each .txt with its .ann (None when it has none). Checked in full before anything is read,
    so a lone .ann fails the import before any document is yielded. Files reached through a
    link out of the chosen folder (or, for a chosen file, out of its folder) are not read."""
    if path.is_dir():
        return _folder_pairs(path, report)
    if not path.is_file():
        raise InputError(str(path), "no such file or folder")
    suffix = path.suffix.lower()
    if suffix == ".ann":
        text_path = path.with_suffix(".txt")
        if not text_path.is_file():
            raise InputError(str(path), f"no {text_path.name} beside it: brat needs the text")
        if not within(path.parent.resolve(), text_path):
            raise InputError(str(text_path), LINK_OUTSIDE)
        return [(text_path, path)]
    if suffix == ".txt":
        ann_path = path.with_suffix(".ann")
        if ann_path.is_file() and not within(path.parent.resolve(), ann_path):
            raise InputError(str(ann_path), LINK_OUTSIDE)
        return [(path, ann_path if ann_path.is_file() else None)]
    raise InputError(str(path), "not brat standoff: give a folder, a .ann or a .txt file")


def _folder_pairs(folder: Path, report: FormatReport) -> list[tuple[Path, Path | None]]:
    found: dict[Path, dict[str, Path]] = defaultdict(dict)
    root = folder.resolve()
    for file in folder.rglob("*"):
        relative = file.relative_to(folder)
        hidden = any(part.startswith(".") for part in relative.parts)
        if hidden:
            continue
        if not within(root, file):
            report.drop(str(file), "link", LINK_OUTSIDE)
        elif file.suffix.lower() in (".txt", ".ann") and file.is_file():
            found[file.with_suffix("")][file.suffix.lower()] = file
    pairs: list[tuple[Path, Path | None]] = []
    for stem in sorted(found, key=lambda p: p.relative_to(folder).as_posix()):
        files = found[stem]
        if ".txt" not in files:
            raise InputError(str(files[".ann"]),
                             f"no {stem.name}.txt beside it: brat needs the text")
        pairs.append((files[".txt"], files.get(".ann")))
    return pairs


def _decode(path: Path, encoding: str) -> str:
    """The file's text exactly: no newline translation, and a bad byte named by its line."""
    data = path.read_bytes()
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(str(path), f"not UTF-8 ({error.reason})", line) from None


def _read_document(text_path: Path, ann_path: Path | None, report: FormatReport) -> NativeDocument:
    text = _decode(text_path, "utf-8")  # a BOM stays in the text: brat counts it too
    # brat writes a .ann for every text it shows; a .txt without one was never annotated.
    layer = NativeLayer(name=LAYER_NAME, kind="annotator",
                        status=DONE if ann_path is not None else None,
                        read_from=str(ann_path or text_path))
    document = NativeDocument(text=text, title=text_path.stem, source=str(text_path),
                              layers=[layer])
    if ann_path is None:
        report.notes.append(f"{text_path}: no .ann beside it: read as a document not annotated "
                            "yet")
    else:
        _read_annotations(ann_path, document, report)
    report.documents += 1
    return document


def _read_annotations(ann_path: Path, document: NativeDocument, report: FormatReport) -> None:
    where = str(ann_path)
    lines = _parse_lines(ann_path)
    textbounds = _resolve_all([ln for ln in lines if ln.kind == "T"], document.text, where, report)
    unmapped = [ln for ln in lines if ln.kind != "T"]
    for line in unmapped:
        report.drop(f"{where}:{line.number}", line.describe(), _KEPT_IN_META[line.kind])
    layer = document.layers[0]
    kept: dict[str, dict[str, Any]] = {}
    split = False
    for textbound in textbounds:
        pieces = _spans_of(textbound, document.text, where, report)
        if pieces:
            kept[textbound.line.id] = {"label": textbound.label, "spans": [list(p) for p in pieces]}
        split = split or len(pieces) > 1
        for start, end in pieces:
            span = NativeSpan(start, end, textbound.label, document.text[start:end], "accepted")
            (layer.claims if textbound.label == CLAIM_LABEL else layer.entities).append(span)
            report.spans[textbound.label] += 1
    if unmapped or split:
        document.meta["brat"] = {"unmapped": [ln.raw for ln in unmapped], "textbound": kept}


def _parse_lines(ann_path: Path) -> list[_Line]:
    """Every annotation line; blank lines are skipped. Lines end at "\\n" (a "\\r" before it is
    dropped), so a text holding another line-break character is still read as written."""
    lines: list[_Line] = []
    seen: set[str] = set()
    content = _decode(ann_path, "utf-8-sig")
    for number, raw in enumerate(content.split("\n"), start=1):
        raw = raw.removesuffix("\r")
        if not raw.strip():
            continue
        try:
            line = _split_line(raw, number)
            if line.kind != "T":
                _references(line)
        except ValueError as error:
            raise InputError(str(ann_path), str(error), number) from None
        if line.id in seen and line.id != "*":
            raise InputError(str(ann_path), f"the id {line.id} is used twice", number)
        seen.add(line.id)
        lines.append(line)
    return lines


def _split_line(raw: str, number: int = 0) -> _Line:
    """Split at the first two tabs only: a T line's text may itself hold a tab."""
    parts = raw.split("\t", 2)
    if len(parts) < 2:
        raise ValueError("no tab after the id: a line is 'ID<TAB>annotation'")
    if not _ID.fullmatch(parts[0]):
        raise ValueError(f"{parts[0]!r} is not a brat id (such as T1, R1, E1, A1, N1, #1 or *)")
    if parts[0][0] not in "T" + "".join(_KIND_NAMES):
        raise ValueError(f"unknown annotation kind {parts[0][0]!r} in id {parts[0]!r}")
    return _Line(number, raw, parts[0], parts[1], parts[2] if len(parts) == 3 else None)


def _references(line: _Line) -> set[str]:
    """The ids a line other than T names; ValueError when its shape is not brat's."""
    words = line.data.split()
    kind = line.kind
    if kind == "R" and len(words) == 3 and all(_is_argument(w) for w in words[1:]):
        return {w.split(":", 1)[1] for w in words[1:]}
    if kind == "E" and words and all(_is_argument(w) for w in words):
        return {w.split(":", 1)[1] for w in words}
    if (kind in "AM" and len(words) in (2, 3)) or (kind == "#" and len(words) == 2):
        return {words[1]}
    if kind == "N" and len(words) == 3 and ":" in words[2]:
        return {words[1]}
    if kind == "*" and len(words) >= 2:
        return set(words[1:])
    raise ValueError(f"{line.id}: not a well-formed {_KIND_NAMES.get(kind, 'line')}: {line.data!r}")


def _is_argument(word: str) -> bool:
    role, _, target = word.partition(":")
    return bool(role and target)


def _resolve_all(lines: list[_Line], text: str, where: str,
                 report: FormatReport) -> list[_Textbound]:
    """T lines with exact offsets: CRLF counted once (brat's way), or twice when only that fits."""
    folding = _Counting.folding(text)
    try:
        return [_resolve(line, text, folding, where) for line in lines]
    except InputError as error:
        if not folding.crlf:
            raise
        first = error
    try:
        textbounds = [_resolve(line, text, _EXACT, where) for line in lines]
    except InputError:
        raise first from None
    report.notes.append(
        f"{where}: its offsets count each CRLF as two characters (brat counts one): read so"
    )
    return textbounds


def _resolve(line: _Line, text: str, counting: _Counting, where: str) -> _Textbound:
    label, _, offsets = line.data.partition(" ")
    if not label or not offsets:
        raise InputError(where, f"{line.id}: a text-bound line is 'T1<TAB>Label start end<TAB>"
                                f"text', not {line.data!r}", line.number)
    fragments = []
    for piece in offsets.split(";"):
        match = _FRAGMENT.fullmatch(piece.rstrip())
        if match is None:
            raise InputError(where, f"{line.id}: {piece!r} is not two whole numbers 'start end'",
                             line.number)
        if max(len(match[1].lstrip("0")), len(match[2].lstrip("0"))) > _OFFSET_DIGITS:
            raise InputError(where, f"{line.id}: an offset of more than {_OFFSET_DIGITS} digits "
                                    "fits no text", line.number)
        start, end = int(match[1]), int(match[2])
        if end < start:
            raise InputError(where, f"{line.id}: the fragment {start} {end} ends before it starts",
                             line.number)
        fragments.append((counting.from_brat(start), counting.from_brat(end)))
    for start, end in fragments:
        if start == end <= len(text):
            continue  # an empty fragment, reported when the spans are made
        try:
            check_offsets(text, start, end)
        except OffsetError as error:
            raise InputError(where, f"{line.id}: {error}", line.number) from None
    expected = " ".join(text[start:end] for start, end in fragments)
    if line.text is not None and line.text != expected:
        raise InputError(where, f"{line.id}: its text {line.text!r} is not the text at its "
                                f"offsets, {expected!r}", line.number)
    return _Textbound(line, label, tuple(fragments))


def _spans_of(textbound: _Textbound, text: str, where: str,
              report: FormatReport) -> list[tuple[int, int]]:
    """The spans one T line becomes: fragments joined across line breaks, others apart."""
    line = textbound.line
    pieces: list[tuple[int, int]] = []
    for start, end in sorted(textbound.fragments):
        if start == end:
            report.drop(f"{where}:{line.number}", f"{line.id} fragment {start}-{end}",
                        "an empty fragment has no text to show")
        elif pieces and pieces[-1][1] <= start and _JOINABLE_GAP.fullmatch(
                text, pieces[-1][1], start):
            pieces[-1] = (pieces[-1][0], end)
        else:
            pieces.append((start, end))
    if len(pieces) > 1:
        report.notes.append(f"{where}:{line.number}: {line.id} is discontinuous: read as "
                            f"{len(pieces)} spans labelled {textbound.label}")
    return pieces


# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    """One span to write: its offsets and label as brat will hold them, cut at line breaks."""

    start: int
    end: int
    label: str
    fragments: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class _Record:
    """One T line to write."""

    id: str
    label: str
    fragments: tuple[tuple[int, int], ...]
    spans: int  # how many of the document's spans it holds


@dataclass(frozen=True)
class _BratMeta:
    """What a document read from brat kept in its meta, checked for shape."""

    unmapped: list[str]
    textbound: dict[str, tuple[str, list[tuple[int, int]]]]

    @classmethod
    def of(cls, meta: dict[str, Any]) -> _BratMeta:
        brat = meta.get("brat")
        brat = brat if isinstance(brat, dict) else {}
        unmapped = brat.get("unmapped")
        unmapped = [ln for ln in unmapped if isinstance(ln, str)] if isinstance(unmapped, list) \
            else []
        textbound = {}
        raw = brat.get("textbound")
        for tid, entry in (raw.items() if isinstance(raw, dict) else ()):
            if not isinstance(entry, dict):
                continue
            spans = entry.get("spans")
            if isinstance(entry.get("label"), str) and isinstance(spans, list) and all(
                    isinstance(s, list) and len(s) == 2 and all(type(o) is int for o in s)
                    for s in spans):
                textbound[tid] = (entry["label"], [(s[0], s[1]) for s in spans])
        return cls(unmapped, textbound)

    def highest_t_number(self) -> int:
        """New T ids start above every T id these lines know, so none names a different span."""
        numbers = [int(n) for line in (*self.textbound, *self.unmapped)
                   for n in _T_NUMBER.findall(line)]
        return max(numbers, default=0)


def write(documents: Iterable[NativeDocument], out: Path, report: FormatReport,
          **options: Any) -> None:
    """Write ``<name>.txt`` and ``<name>.ann`` per document into the folder ``out``, and an
    ``annotation.conf`` declaring every label written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    type_names: dict[str, str] = {}
    labels: set[str] = set()
    for number, document in enumerate(documents, start=1):
        name = _file_name(document.title, number, taken)
        labels |= _write_document(document, out / name, type_names, report)
    conf = out / "annotation.conf"
    with atomic_write(conf) as handle:
        handle.write(_configuration(labels))
    report.files.append(str(conf))


def _file_name(title: str, number: int, taken: set[str]) -> str:
    """A name safe on every platform, unique without regard to case."""
    name = _NOT_IN_FILE_NAME.sub("_", title).strip("._-")[:NAME_LENGTH].rstrip("._-")
    if not name:
        name = f"doc-{number:04d}"
    if name.split(".")[0].upper() in _RESERVED_FILE_NAMES:
        name = f"{name}_"
    candidate, suffix = name, 2
    while candidate.casefold() in taken:
        candidate, suffix = f"{name}-{suffix}", suffix + 1
    taken.add(candidate.casefold())
    return candidate


def _write_document(document: NativeDocument, stem: Path, type_names: dict[str, str],
                    report: FormatReport) -> set[str]:
    """Write one document's two files; returns the labels written."""
    where = f"{stem.name}.ann"
    for extra in document.layers[1:]:
        report.drop(where, f"layer {extra.name}",
                    "brat holds one layer per document: only the first is written")
    layer = document.layers[0] if document.layers else None
    pieces = _pieces(document, layer, where, type_names, report) if layer else []
    meta = _BratMeta.of(document.meta)
    records = _records(pieces, meta)
    counting = _Counting.folding(document.text)
    lines = [_textbound_line(record, document.text, counting) for record in records]
    lines += _unmapped_lines(meta.unmapped, {record.id for record in records}, where, report)
    text_path, ann_path = stem.with_name(f"{stem.name}.txt"), stem.with_name(where)
    with atomic_write(text_path) as handle:
        handle.write(document.text)
    report.files.append(str(text_path))
    if progress(layer) == "untouched" and not lines:
        # Not annotated: a text without a .ann (one from an earlier export would say done).
        ann_path.unlink(missing_ok=True)
    else:  # an empty .ann for a document done without spans: a negative example
        with atomic_write(ann_path) as handle:
            handle.write("".join(f"{line}\n" for line in lines))
        report.files.append(str(ann_path))
    report.documents += 1
    for record in records:
        report.spans[record.label] += record.spans
    return {record.label for record in records}


def _pieces(document: NativeDocument, layer: NativeLayer, where: str,
            type_names: dict[str, str], report: FormatReport) -> list[_Piece]:
    """The layer's spans as brat can hold them; everything lost on the way is reported."""
    if layer.kind == LayerKind.SUGGESTIONS:
        report.drop(where, f"layer {layer.name}",
                    "brat has no suggestions: they are written as annotations")
    scored = sum(span.score is not None for span in (*layer.entities, *layer.claims))
    if scored:
        report.drop(where, f"scores of {scored} spans", "brat has no scores")
    pieces = []
    for span, is_claim in [(s, False) for s in layer.entities] + [(s, True) for s in layer.claims]:
        check_offsets(document.text, span.start, span.end, span.text)
        what = f"span {span.start}-{span.end} {span.label}"
        if span.state == "rejected":
            report.drop(where, what, "a rejected suggestion is a decision, which brat cannot hold")
            continue
        label = _label(span.label, is_claim, where, what, type_names, report)
        fragments = tuple(m.span() for m in _UNBROKEN.finditer(document.text, span.start,
                                                               span.end))
        if not fragments:
            report.drop(where, what, "a span of only line breaks cannot be written: a .ann "
                                     "line cannot hold a line break")
            continue
        if (fragments[0][0], fragments[-1][1]) != (span.start, span.end):
            report.drop(where, what, "a .ann line cannot hold the line breaks at its edge: "
                                     f"written as {fragments[0][0]}-{fragments[-1][1]}")
        pieces.append(_Piece(span.start, span.end, label, fragments))
    return pieces


def _label(label: str, is_claim: bool, where: str, what: str, type_names: dict[str, str],
           report: FormatReport) -> str:
    """The brat type name of a span's label, reporting what brat cannot tell apart."""
    if is_claim:
        if label != CLAIM_LABEL:
            report.drop(where, what, f"brat has one claim label: written as {CLAIM_LABEL}")
        return CLAIM_LABEL
    if label == CLAIM_LABEL:
        report.drop(where, what, f"an entity labelled {CLAIM_LABEL} reads back as a claim")
    if label not in type_names:
        type_names[label] = _NOT_IN_TYPE_NAME.sub("_", label)
        if type_names[label] != label:
            report.drop(where, f"label {label!r}", "brat type names hold only A-Z, a-z, 0-9, _ "
                                                   f"and -: written as {type_names[label]!r}")
    return type_names[label]


def _records(pieces: list[_Piece], meta: _BratMeta) -> list[_Record]:
    """T lines: a T id read from brat is kept when all its spans are still there, unchanged;
    other spans get new ids."""
    available: dict[tuple[int, int, str], list[_Piece]] = defaultdict(list)
    for piece in pieces:
        available[(piece.start, piece.end, piece.label)].append(piece)
    records = []
    for tid, (label, spans) in meta.textbound.items():
        wanted = Counter((start, end, label) for start, end in spans)
        if all(len(available[key]) >= count for key, count in wanted.items()):
            taken = [available[key].pop() for key in wanted.elements()]
            fragments = tuple(sorted(f for piece in taken for f in piece.fragments))
            records.append(_Record(tid, label, fragments, len(taken)))
    number = meta.highest_t_number()
    for piece in sorted((p for ps in available.values() for p in ps),
                        key=lambda p: (p.start, p.end, p.label)):
        number += 1
        records.append(_Record(f"T{number}", piece.label, piece.fragments, 1))
    return sorted(records, key=lambda r: (r.fragments[0], r.fragments[-1], r.label))


def _textbound_line(record: _Record, text: str, counting: _Counting) -> str:
    offsets = ";".join(f"{counting.to_brat(s)} {counting.to_brat(e)}" for s, e in record.fragments)
    words = " ".join(text[s:e] for s, e in record.fragments)
    return f"{record.id}\t{record.label} {offsets}\t{words}"


def _unmapped_lines(lines: list[str], written: set[str], where: str,
                    report: FormatReport) -> list[str]:
    """The kept lines whose every id is written (ids of kept lines count once they are kept);
    the others are reported."""
    parsed: list[_Line] = []
    for raw in lines:
        try:
            line = _split_line(raw)
            _references(line)
        except ValueError as error:
            report.drop(where, f"line {raw!r}", f"not a brat annotation line: {error}")
            continue
        parsed.append(line)
    known = set(written)
    kept: set[int] = set()
    grew = True
    while grew:
        grew = False
        for index, line in enumerate(parsed):
            if index not in kept and _references(line) <= known:
                kept.add(index)
                known.add(line.id)
                grew = True
    for index, line in enumerate(parsed):
        if index not in kept:
            missing = ", ".join(sorted(_references(line) - known))
            report.drop(where, line.describe(), f"it refers to {missing}, not written")
    return [line.raw for index, line in enumerate(parsed) if index in kept]


def _configuration(labels: set[str]) -> str:
    """annotation.conf: every label written as an entity type. The <OVERLAP> line lets brat
    accept spans that cross or coincide, which it refuses by default (nlplab/brat#928)."""
    entities = "".join(f"{label}\n" for label in sorted(labels))
    return (
        "# brat configuration written by unannotate: the labels of the exported spans.\n"
        f"[entities]\n{entities}\n"
        "[relations]\n<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>\n\n"
        "[events]\n\n"
        "[attributes]\n"
    )


def detect(path: Path, head: bytes) -> bool:
    """A .ann file, a .txt with a .ann beside it, or a folder holding a .ann."""
    if path.is_dir():
        return next(path.rglob("*.ann"), None) is not None
    suffix = path.suffix.lower()
    return suffix == ".ann" or suffix == ".txt" and path.with_suffix(".ann").is_file()


SPEC = FormatSpec(
    name="brat",
    title="brat standoff",
    reader=read,
    writer=write,
    suffixes=(".ann",),
    detect=detect,
    writes_folder=True,
)
