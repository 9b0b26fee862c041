"""spaCy DocBin (``.spacy``) files, both directions: what users train spaCy pipelines from.

Writing makes one ``Doc`` per document whose ``doc.text`` is exactly the stored text. The
blank tokenizer of the document's language (``xx`` when spaCy has none) gives the tokens;
tokens are split further at every span boundary, and a token's trailing space becomes a token
of its own where a span starts on it or ends after it, so that every span falls on token
boundaries. White space the tokenizer keeps as tokens (tabs, CRLF, runs of spaces) stays.

- ``doc.spans["entities"]``: every entity span (overlaps allowed); ``doc.spans["claims"]``:
  every claim span. Rejected spans are not written (a DocBin records no decisions).
- ``doc.ents``: the entity spans without overlaps, chosen greedily **longest first** (length in
  code points), then **earliest start**, then the order of the layer. An entity left out is
  still in ``doc.spans["entities"]``, and the report says so. In a document marked done every
  other token is tagged outside (``O``), so one without entities is a negative example; in a
  document not done they are missing (spaCy's ``-``, left out of training).
- ``doc.user_data``: ``title``, ``source``, ``sha256``, ``language`` and ``meta``
  (``store_user_data=True``), so that reading the file back restores them.
- With ``dev_fraction > 0`` the output is a folder with ``train.spacy`` and ``dev.spacy``:
  a shuffle of the document order by ``random.Random(seed)`` picks the dev documents.
- Documents stream through, so memory stays flat however many there are. A DocBin holds every
  token's attributes in memory until it is written (and msgpack caps one at 4 GiB), so an
  output of more than ``SHARD_TOKENS`` tokens is a folder of that name holding numbered
  DocBin files of about that many tokens each (``ana.spacy/00001.spacy``, ...), in document
  order. ``spacy train --paths.train ana.spacy`` reads the folder as one corpus, and so does
  the reader here.

Reading takes a ``.spacy`` file or a folder of them: each ``Doc`` is one document with one
annotator layer, done when its entity tags are set (``O`` is an answer) or it holds spans, not
annotated when every tag is missing. Entities come from ``doc.spans["entities"]`` plus any
entity of ``doc.ents`` not in that group (so a file without the group reads its ``doc.ents``);
claims from ``doc.spans["claims"]``. Other span groups, document categories, token
annotations and other ``user_data`` are reported as dropped. A DocBin has no lines: in errors
and in the report, "line" is the document's number in its file, counted from 1.

Reading lives in ``docbin_read``, the blank tokenising pipelines in ``blank_pipelines``.
This module joins the formats (native types, report, atomic writes) and spaCy, which only
``nlp`` may import.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress
from pathlib import Path
from typing import Any

from spacy.attrs import IDX, LENGTH, SPACY
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from ..core.errors import UnannotateError
from ..core.model import check_offsets
from ..formats.atomic import atomic_write, give_default_mode
from ..formats.interchange import DONE, FormatReport, FormatSpec, progress
from ..formats.native import NativeDocument, NativeSpan
from .blank_pipelines import FALLBACK_LANGUAGE, blank_for, reading_vocab
from .docbin_read import (
    CLAIMS_KEY,
    ENTITIES_KEY,
    MISSING_TAGS,
    SOME_MISSING,
    read,
)

__all__ = ["FALLBACK_LANGUAGE", "MISSING_TAGS", "NOT_IN_ENTS", "NO_DETAILS", "REJECTED",
           "SHARD_TOKENS", "SOME_MISSING", "SPEC", "detect", "read", "split", "write"]

TRAIN_FILE = "train.spacy"
DEV_FILE = "dev.spacy"
# Tokens a DocBin file holds before the next is begun: a DocBin keeps about 100 bytes a token
# until it is written, and writing it copies them three times over.
SHARD_TOKENS = 250_000
_SHARD_NAME = re.compile(r"[0-9]{5,}\.spacy")

NOT_IN_ENTS = "overlaps a longer or earlier entity; kept in doc.spans['entities'] only"
REJECTED = "a rejected span; a DocBin records no decisions"
NO_DETAILS = "a DocBin span keeps no score, reason or provenance"


def write(
    documents: Iterable[NativeDocument],
    out: Path,
    report: FormatReport,
    *,
    dev_fraction: float = 0.0,
    seed: int = 0,
) -> None:
    """Write ``documents`` to the DocBin ``out``, or to ``out/train.spacy`` and
    ``out/dev.spacy`` when ``dev_fraction > 0``.

    Documents stream through: each Doc goes into its DocBin as soon as it is made, and a
    DocBin is written out once it holds ``SHARD_TOKENS`` tokens (it keeps every token's
    attributes in memory until then, and msgpack caps a file at 4 GiB). So an export of more
    tokens than that is a folder of that name holding numbered ``.spacy`` files, which
    ``spacy train`` (``--paths.train out``) and :func:`read` take as they take one file; a
    smaller one is one file, as always. Nothing is put in place before every document is
    converted: one that cannot be leaves no file behind."""
    if not 0.0 <= dev_fraction < 1.0:
        raise UnannotateError(
            f"the dev fraction must be at least 0 and below 1, not {dev_fraction}")
    out = Path(out)
    if dev_fraction > 0.0 and out.exists() and not out.is_dir():
        raise UnannotateError(f"{out} is a file; a train/dev split is written to a folder")
    fallbacks: Counter[str] = Counter()
    docs = (_to_doc(doc, number, report, fallbacks) for number, doc in enumerate(documents, 1))
    if dev_fraction == 0.0:
        sinks = [_Sink(out)]
        _fill(sinks[0], docs)
    else:
        sinks = _write_split(docs, out, dev_fraction, seed)
    report.notes.extend(
        f"{count} document(s): {reason}; tokenised with spaCy's multi-language tokenizer"
        for reason, count in sorted(fallbacks.items())
    )
    left_out = sum(1 for d in report.dropped if d.why == NOT_IN_ENTS)
    if left_out:
        report.notes.append(
            f"{left_out} overlapping entities are in doc.spans['entities'] only, not in doc.ents"
        )
    for sink in sinks:
        report.files.extend(str(path) for path in sink.files)
    if dev_fraction > 0.0:
        train, dev = sinks
        report.notes.append(
            f"{train.documents} documents in {TRAIN_FILE}, {dev.documents} in {DEV_FILE} "
            f"(dev fraction {dev_fraction}, seed {seed})"
        )
    for sink in sinks:
        if len(sink.files) > 1:
            report.notes.append(
                f"{sink.path} is a folder of {len(sink.files)} DocBin files of about "
                f"{SHARD_TOKENS:,} tokens each ({sink.documents} documents); spaCy reads the "
                f"folder as it reads one file (spacy train ... --paths.train {sink.path})"
            )


def _fill(sink: _Sink, docs: Iterable[Doc]) -> None:
    try:
        for doc in docs:
            sink.add(doc)
        sink.commit()
    except BaseException:
        sink.discard()
        raise


def _write_split(docs: Iterable[Doc], out: Path, dev_fraction: float,
                 seed: int) -> list[_Sink]:
    """Train and dev, chosen by ``split`` over the positions of all the documents: their
    number is known only at the end, so the Docs wait in a temporary DocBin (on disk once it
    is large), then go to train or dev in their order."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", suffix=".part",
                                     dir=out.parent) as folder:
        spool = _Sink(Path(folder) / "all.spacy")
        for doc in docs:
            spool.add(doc)
        _, dev_positions = split(list(range(spool.documents)), dev_fraction, seed)
        dev_set = set(dev_positions)
        out.mkdir(parents=True, exist_ok=True)
        train, dev = _Sink(out / TRAIN_FILE), _Sink(out / DEV_FILE)
        try:
            for position, doc in enumerate(spool.read_back()):
                (dev if position in dev_set else train).add(doc)
            train.commit()
            dev.commit()
        except BaseException:
            train.discard()
            dev.discard()
            raise
        finally:
            spool.discard()
    return [train, dev]


def split(items: list[Any], dev_fraction: float, seed: int) -> tuple[list[Any], list[Any]]:
    """Train and dev items, each in their original order. A seeded shuffle of the positions
    picks the dev ones, so the same seed gives the same split. With two or more items and a
    positive fraction, dev and train each get at least one."""
    count = len(items)
    dev_count = 0
    if count >= 2 and dev_fraction > 0:
        dev_count = min(max(round(count * dev_fraction), 1), count - 1)
    positions = list(range(count))
    random.Random(seed).shuffle(positions)
    dev_positions = set(positions[:dev_count])
    train = [item for i, item in enumerate(items) if i not in dev_positions]
    dev = [item for i, item in enumerate(items) if i in dev_positions]
    return train, dev


class _Sink:
    """Docs on their way to the DocBin file ``path``, or, once they pass ``SHARD_TOKENS``
    tokens, to a folder ``path`` of numbered DocBin files of about that many tokens (a
    document is never cut). Full files go to a temporary folder beside ``path``;
    :meth:`commit` puts the file or the folder in place (replacing what was there: a file, or
    a folder this class wrote), :meth:`discard` removes what was written."""

    def __init__(self, path: Path) -> None:
        if path.is_dir() and not _docbin_folder(path):
            raise UnannotateError(f"{path} is a folder that holds other files; give a file name")
        self.path = path
        self.documents = 0
        self.files: list[Path] = []
        self._docbin = DocBin(store_user_data=True)
        self._tokens = 0
        self._folder: Path | None = None
        self._shards: list[Path] = []

    def add(self, doc: Doc) -> None:
        if self._tokens >= SHARD_TOKENS:
            self._flush()
        self._docbin.add(doc)
        self._tokens += len(doc)
        self.documents += 1

    def _flush(self) -> None:
        if self._folder is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._folder = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", suffix=".part",
                                                 dir=self.path.parent))
        shard = self._folder / f"{len(self._shards) + 1:05d}.spacy"
        _write_bytes(shard, self._docbin.to_bytes())
        self._shards.append(shard)
        self._docbin = DocBin(store_user_data=True)
        self._tokens = 0

    def read_back(self) -> Iterator[Doc]:
        """The Docs added so far, in order (for the split); a vocab for each file, which
        takes in all its strings, so that the vocab is renewed as it grows."""
        for shard in self._shards:
            docbin = DocBin(store_user_data=True).from_disk(shard)
            yield from docbin.get_docs(reading_vocab())
        yield from self._docbin.get_docs(reading_vocab())

    def commit(self) -> None:
        if self._folder is None:  # one file
            if self.path.is_dir():  # a folder of shards written before
                fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part",
                                            dir=self.path.parent)
                os.close(fd)
                _write_bytes(Path(name), self._docbin.to_bytes())
                _put_in_place(Path(name), self.path)
            else:
                with atomic_write(self.path, binary=True) as handle:
                    handle.write(self._docbin.to_bytes())
            self.files = [self.path]
            return
        if len(self._docbin):
            self._flush()
        _put_in_place(self._folder, self.path)
        self._folder = None
        self.files = [self.path / shard.name for shard in self._shards]

    def discard(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def _docbin_folder(path: Path) -> bool:
    """A folder of numbered DocBin files, as :class:`_Sink` writes: an export written
    before, which a new one replaces (any other folder is left alone)."""
    entries = list(path.iterdir())
    return bool(entries) and all(_SHARD_NAME.fullmatch(p.name) and p.is_file() for p in entries)


def _write_bytes(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _put_in_place(new: Path, target: Path) -> None:
    """Rename ``new`` (a file or a folder) to ``target``; whatever ``target`` was is moved
    aside first and removed once the new one is in place, restored if that fails. ``new``
    gets the mode a file or folder made in its place would have (not tempfile's 0600/0700)."""
    give_default_mode(new, target)
    if not (target.exists() or target.is_symlink()):
        os.replace(new, target)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.replace(target, aside / target.name)
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(aside / target.name, target)
        shutil.rmtree(aside, ignore_errors=True)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _to_doc(document: NativeDocument, number: int, report: FormatReport,
            fallbacks: Counter[str]) -> Doc:
    where = document.title or f"document {number}"
    entities, claims = _written_spans(document, where, report)
    blank = blank_for(document.language)
    if blank.fallback_reason:
        fallbacks[blank.fallback_reason] += 1
    doc = _aligned_doc(blank.nlp, document.text, (*entities, *claims), where)
    entity_spans = [_doc_span(doc, s, where) for s in entities]
    doc.spans[ENTITIES_KEY] = entity_spans
    doc.spans[CLAIMS_KEY] = [_doc_span(doc, s, where) for s in claims]
    kept, left_out = choose_ents(entities)
    made = {id(native): span for native, span in zip(entities, entity_spans)}
    # Done: every other token is outside an entity (a document without entities is a
    # negative). Not done: what nobody looked at is missing, which spaCy leaves out of the loss.
    done = progress(document.layers[0] if document.layers else None) == DONE
    doc.set_ents([made[id(s)] for s in kept], default="outside" if done else "missing")
    for span in left_out:
        report.drop(where, _describe(span), NOT_IN_ENTS)
    doc.user_data.update(_user_data(document, where, report))
    report.documents += 1
    report.spans.update(s.label for s in (*entities, *claims))
    return doc


def _written_spans(document: NativeDocument, where: str,
                   report: FormatReport) -> tuple[list[NativeSpan], list[NativeSpan]]:
    """The first layer's entities and claims that a DocBin can hold, checked against the text;
    the rest reported."""
    for extra in document.layers[1:]:
        report.drop(where, f"layer {extra.name!r}", "only one layer is written per document")
    if not document.layers:
        return [], []
    layer = document.layers[0]
    kept: tuple[list[NativeSpan], list[NativeSpan]] = ([], [])
    for spans, keep in zip((layer.entities, layer.claims), kept):
        for span in spans:
            check_offsets(document.text, span.start, span.end, span.text)
            if span.state == "rejected":
                report.drop(where, _describe(span), REJECTED)
                continue
            if span.score is not None or span.reason or span.source:
                report.drop(where, f"{_describe(span)}: score, reason, provenance", NO_DETAILS)
            keep.append(span)
    return kept


def choose_ents(spans: list[NativeSpan]) -> tuple[list[NativeSpan], list[NativeSpan]]:
    """The spans for ``doc.ents`` (no two overlap) in text order, and those left out.

    Greedy: longest first (code points), then earliest start, then the order given."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start - spans[i].end,
                                                     spans[i].start, i))
    taken: set[int] = set()
    covered = bytearray(max((s.end for s in spans), default=0))
    for i in order:
        span = spans[i]
        if not any(covered[span.start:span.end]):
            covered[span.start:span.end] = b"\x01" * (span.end - span.start)
            taken.add(i)
    kept = sorted((spans[i] for i in taken), key=lambda s: s.start)
    return kept, [s for i, s in enumerate(spans) if i not in taken]


def _aligned_doc(nlp: Language, text: str, spans: Sequence[NativeSpan], where: str) -> Doc:
    """A Doc of exactly ``text`` whose tokens start and end at every span boundary."""
    starts, ends = {s.start for s in spans}, {s.end for s in spans}
    words, spaces = _words(text, nlp.make_doc(text), starts, ends)
    # The Doc's text is its words, each with a space after it where flagged: checked on the
    # lists, without a Token object per token.
    if "".join([f"{w} " if space else w for w, space in zip(words, spaces)]) != text:
        raise UnannotateError(f"{where}: the spaCy Doc's text differs from the document's text")
    return Doc(nlp.vocab, words=words, spaces=spaces)


def _words(text: str, tokens: Doc, starts: set[int],
           ends: set[int]) -> tuple[list[str], list[bool]]:
    """Words and trailing-space flags for ``Doc(words=..., spaces=...)``: the tokenizer's
    tokens cut at every span boundary. A token's trailing space stays a flag unless a span
    starts on it or ends just after it; then it is a word of its own."""
    offsets = tokens.to_array([IDX, LENGTH, SPACY])  # one call, not a Token per attribute
    token_starts = offsets[:, 0].tolist()
    token_ends = (offsets[:, 0] + offsets[:, 1]).tolist()
    trailing = set(compress(token_ends, offsets[:, 2].tolist()))
    bounds = {0, len(text)} | {c for c in starts | ends if 0 < c < len(text)}
    bounds.update(token_starts)
    bounds.update(token_ends)
    ordered = sorted(bounds)
    words: list[str] = []
    spaces: list[bool] = []
    for start, end in zip(ordered, ordered[1:]):
        if start in trailing and words and not spaces[-1] \
                and start not in starts and end not in ends:
            spaces[-1] = True
        else:
            words.append(text[start:end])
            spaces.append(False)
    return words, spaces


def _doc_span(doc: Doc, span: NativeSpan, where: str) -> Span:
    made = doc.char_span(span.start, span.end, label=span.label, alignment_mode="strict")
    if made is None:
        raise UnannotateError(f"{where}: {_describe(span)} does not fall on the Doc's tokens")
    return made


def _user_data(document: NativeDocument, where: str, report: FormatReport) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": document.title,
        "source": document.source,
        "sha256": document.sha256,
        "language": document.language,
    }
    try:
        json.dumps(document.meta, allow_nan=False)
    except (TypeError, ValueError) as error:
        report.drop(where, "meta", f"not JSON-safe ({error})")
    else:
        data["meta"] = document.meta
    return data


def _describe(span: NativeSpan) -> str:
    return f"span {span.start}-{span.end} {span.label}"


def detect(path: Path, head: bytes) -> bool:
    """A DocBin is zlib-compressed msgpack with no signature of its own: the suffix decides."""
    return path.suffix.lower() == ".spacy"


SPEC = FormatSpec(
    name="spacy",
    title="spaCy DocBin",
    reader=read,
    writer=write,
    suffixes=(".spacy",),
    detect=detect,
    options={"dev_fraction": 0.0, "seed": 0},
)
