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
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # native.py imports this module for its own format spec
    from .native import NativeDocument


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


# Word characters with inner joiners, or one other non-space character. Matches the review
# window's token snapping (core.offsets.Tokens).
_TOKEN = re.compile(r"\w+(?:[-'’.,]\w+)*|[^\w\s]", re.UNICODE)


def token_offsets(text: str, cuts: Iterable[int] = ()) -> list[tuple[int, int]]:
    """Tokens of ``text`` as ``(start, end)`` code-point offsets, also split at every offset in
    ``cuts`` (span boundaries), so that any span of the document starts and ends on a token.

    White space is never part of a token; tokens are in order and do not overlap."""
    cut_points = sorted({c for c in cuts if 0 < c < len(text)})
    tokens: list[tuple[int, int]] = []
    for match in _TOKEN.finditer(text):
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
