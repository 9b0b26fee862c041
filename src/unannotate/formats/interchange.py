"""What every interchange format shares: the report, token boundaries, and the registry.

Each format is a module in this package with a reader and a writer working on the native
types (:class:`~unannotate.formats.native.NativeDocument` and its layers):

- a **reader** ``read(path, report) -> Iterator[NativeDocument]`` yields one document per
  record (records of the same text may come more than once; the import service merges them).
  Annotations go into a layer of kind ``annotator`` (``annotator`` set when the file names one,
  else ``None`` and the importer's ``--annotator`` fills it in); predictions into a layer of
  kind ``suggestions`` (``suggester`` names the model, spans carry ``score``). Anything the
  program cannot keep is reported with :meth:`FormatReport.drop`, never dropped silently.
  Bad input raises :class:`~unannotate.core.errors.InputError` with file, line and reason.
- a **writer** ``write(documents, out, report, **options)`` writes documents that carry the
  one layer being exported (``layers[0]``; a document may have no layer: no spans). It writes
  spans whose state is not ``rejected`` unless the format records decisions, and reports
  with :meth:`FormatReport.drop` every span or detail the format cannot express.
  Files are written with :func:`~unannotate.formats.atomic.atomic_write`.

Done, and what "no span" means. A layer's ``status`` says whether its person finished the
document (see :func:`progress`). A **done** document without spans is a negative example
("nothing to mark here") and every writer writes it so: all-``O`` tags, an empty span list, an
empty ``.ann``. A document not done and without spans is **untouched**: the export service
leaves it out unless asked for it, and then each writer writes it as "not annotated" where its
format can say so (spaCy's missing tags, a Prodigy task without an answer, a Label Studio task
without annotations, a doccano record without ``label``, a brat ``.txt`` without ``.ann``).
A reader sets ``status`` to ``done`` when its format says the document was finished.
"""

from __future__ import annotations

import json
import re
import sys
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import InputError
from ..core.offsets import TOKEN

if TYPE_CHECKING:  # native.py imports this module for its own format spec
    from .native import NativeDocument, NativeLayer


@dataclass
class Dropped:
    """One thing a reader or writer could not keep: where, what, and why."""

    where: str  # "file:line" or a document's title
    what: str  # "span 4-10 ORG", "relation R1", "note #1"
    why: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}: {self.why}"


@dataclass
class FormatReport:
    """What a reader or writer did: documents, spans per label, and what it had to drop."""

    documents: int = 0
    spans: Counter[str] = field(default_factory=Counter)
    dropped: list[Dropped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # anything else worth telling the user
    files: list[str] = field(default_factory=list)  # files written

    def drop(self, where: str, what: str, why: str) -> None:
        self.dropped.append(Dropped(where, what, why))

    def dropped_by_reason(self) -> Counter[str]:
        return Counter(d.why for d in self.dropped)


DONE = "done"
UNTOUCHED_NOT_WRITTEN = "not done and without spans: the format cannot say \"not annotated\""


def progress(layer: NativeLayer | None) -> str:
    """How far a layer's person got with the document, as a writer needs to know it:
    ``"done"`` (finished: every span is there, and none is a negative), ``"partial"`` (not
    done, some spans), ``"untouched"`` (not done, no span to write). A document without a
    layer, or a layer without a status (documents made by hand), counts as done: only a
    status someone set says otherwise (the export service always sets one)."""
    if layer is None or layer.status in (None, DONE):
        return DONE
    written = any(s.state != "rejected" for s in (*layer.entities, *layer.claims))
    return "partial" if written else "untouched"




def token_offsets(text: str, cuts: Iterable[int] = ()) -> list[tuple[int, int]]:
    """Tokens of ``text`` as ``(start, end)`` code-point offsets, also split at every offset in
    ``cuts`` (span boundaries), so that any span of the document starts and ends on a token.

    White space is never part of a token; tokens are in order and do not overlap."""
    cut_points = sorted({c for c in cuts if 0 < c < len(text)})
    tokens: list[tuple[int, int]] = []
    for match in TOKEN.finditer(text):
        start, end = match.span()
        i = bisect_right(cut_points, start)
        j = bisect_left(cut_points, end)
        position = start
        for cut in cut_points[i:j]:
            tokens.append((position, cut))
            position = cut
        tokens.append((position, end))
    return tokens


def span_cuts(document: NativeDocument) -> list[int]:
    """Every span boundary in every layer of ``document``."""
    cuts: list[int] = []
    for layer in document.layers:
        for span in (*layer.entities, *layer.claims):
            cuts.append(span.start)
            cuts.append(span.end)
    return cuts


# -- files in a chosen folder --------------------------------------------------------------

LINK_OUTSIDE = "a link to outside the chosen folder: not read"


def within(root: Path, path: Path) -> bool:
    """Whether ``path``, found in the folder ``root`` (resolved), is still in it once every
    link on the way is followed: a folder someone sent may hold a link to ``/etc/passwd``
    or to the home folder, and what is imported may be exported and shared again."""
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a loop of links
        return False


# -- errors a person reads --------------------------------------------------------------------

REASON_LENGTH = 400


def shortened(error: InputError) -> InputError:
    """``error`` with its reason cut to about :data:`REASON_LENGTH` characters: a reason
    quotes what it found, and a hostile file can put megabytes in one token or line."""
    reason = error.reason
    if len(reason) <= REASON_LENGTH:
        return error
    head, tail = REASON_LENGTH * 2 // 3, REASON_LENGTH // 4
    left_out = len(reason) - head - tail
    return InputError(error.path, f"{reason[:head]}… ({left_out:,} characters left out) …"
                                  f"{reason[-tail:]}", error.line)


# -- JSON from files nobody checked ------------------------------------------------------------

# Deeper values parse, but the code that stores and writes them again recurses (msgpack refuses
# 512 levels, Python's own limit is near 1000): no annotation file needs more.
MAX_JSON_DEPTH = 100
# A JSON escape of half of a surrogate pair: paired, it is one character (an emoji written
# as ASCII), alone it is none, and only a look at the decoded strings tells which.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")


def has_surrogate_escape(raw: bytes) -> bool:
    """Whether the JSON text ``raw`` escapes half of a surrogate pair somewhere (only then can
    a decoded string hold a lone one). The pattern finds it faster than ``b"\\u" in raw``."""
    return _SURROGATE_ESCAPE_BYTES.search(raw) is not None


def json_error_reason(error: ValueError | RecursionError) -> str:
    """What ``json.loads`` refused, in words: bad JSON, too deep, or a number too long."""
    if isinstance(error, json.JSONDecodeError):
        return f"not JSON ({error.msg}, column {error.colno})"
    if isinstance(error, RecursionError):
        return "not JSON (nested too deeply)"
    if "digits" in str(error):  # Python refuses to read integers this long
        return f"not JSON (a number of more than {sys.get_int_max_str_digits()} digits)"
    return f"not JSON ({error})"


def json_value_problem(value: Any, raw: str | bytes | None = None, *,
                       surrogate_escape: bool | None = None) -> str | None:
    """Why a decoded JSON value cannot be kept though it parsed, or None: a string holding
    half of a UTF-16 surrogate pair (a JSON escape such as ``"\\ud800"``, which no database
    or file can hold as text), or nesting deeper than :data:`MAX_JSON_DEPTH`.

    ``raw`` is the JSON text the value came from: only when it holds a surrogate escape or
    more brackets than the depth allows is the value walked, so the common case costs two
    scans in C. Without it (a value decoded from elsewhere) the value is always walked.
    ``surrogate_escape`` is :func:`has_surrogate_escape` of ``raw`` where the caller has
    already asked (bytes only), so that it is not looked for twice."""
    if raw is None:
        surrogates = deep = True
    elif isinstance(raw, bytes):
        surrogates = (has_surrogate_escape(raw) if surrogate_escape is None
                      else surrogate_escape)
        deep = raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH
    else:
        surrogates = _SURROGATE_ESCAPE.search(raw) is not None
        deep = raw.count("[") + raw.count("{") > MAX_JSON_DEPTH
    if not surrogates and not deep:
        return None
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            lone = _unpaired(item) if surrogates else ""
            if lone:
                return f"a string holds an unpaired surrogate ({lone})"
        elif isinstance(item, (dict, list, tuple)):
            if depth >= MAX_JSON_DEPTH:
                return f"nested deeper than {MAX_JSON_DEPTH} levels"
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)
    return None


def _unpaired(text: str) -> str:
    """The first lone surrogate of ``text`` as a JSON escape, or ""."""
    if text.isascii():
        return ""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"\\u{ord(text[error.start]):04x}"
    return ""


Reader = Callable[[Path, FormatReport], Iterator["NativeDocument"]]
Writer = Callable[..., None]


@dataclass(frozen=True)
class FormatSpec:
    """One interchange format as the commands and the window see it."""

    name: str  # the value of --format
    title: str  # shown in menus: "Prodigy JSONL"
    reader: Reader | None
    writer: Writer | None
    suffixes: tuple[str, ...]  # what its files end with; a folder format has ()
    # Given the path and its first bytes, whether the file looks like this format.
    detect: Callable[[Path, bytes], bool] | None = None
    writes_folder: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    # Whether the writer keeps rejected spans as negatives (the others report them).
    keeps_rejections: bool = False
