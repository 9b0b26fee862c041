"""Find a word, a phrase or a regular expression across every document of a project.

The full-text index (storage/fulltext.py) narrows the documents to those that may hold the
pattern's literal parts; the exact places are then found in each candidate's text with
Python's ``re``, so every offset is a code point of the exact stored text (an emoji counts
one, CRLF two), whatever the index does. Candidates are read in batches of documents in id
order, so the first page of hits costs one batch, a result set of millions is never held,
and a ``cancelled`` callback is asked between batches.

What a plain pattern matches: its words in order, ignoring case, with any white space
(line breaks too) between them; whole words, unless ``whole_words`` is off: it does not
start or end inside a longer word (scripts written without spaces, such as Chinese and
Japanese, have no word edges to respect). A regular expression is Python's syntax, case as
written (``(?i)`` ignores it), ``^``/``$`` at line ends; empty matches are passed over.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from ..core.errors import InputError
from ..storage.fulltext import (
    candidate_documents,
    index_new_documents,
    label_exists,
    labelled_spans,
)
from .project import Project

BATCH = 400  # documents read per query at most: the first page costs one small batch
FIRST_BATCH = 50  # the first query's documents; each next one twice as many, up to BATCH
CONTEXT = 40  # code points of context shown on each side of a hit

# Scripts written without spaces between words: a match has no word edge to respect there.
_NO_SPACES = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\U00020000-\U0002fa1f]")
_WORD = re.compile(r"\w")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class FindQuery:
    """What to find. ``label``: only hits that a span with this label (in any annotator's
    layer or gold) overlaps."""

    pattern: str
    regex: bool = False
    label: str | None = None
    whole_words: bool = True


@dataclass(frozen=True)
class HitLabel:
    """An annotation on a hit: its label, whose layer (an annotator's name, or ``gold``),
    whether it is the reviewing annotator's own, and whether it covers exactly the hit."""

    label: str
    layer: str
    mine: bool
    exact: bool

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "layer": self.layer, "mine": self.mine,
                "exact": self.exact}


@dataclass(frozen=True)
class Hit:
    """One place: ``text == document_text[start:end]`` in code points; ``left`` and
    ``right`` are the exact text before and after it (up to the context width)."""

    document_id: int
    title: str
    start: int
    end: int
    text: str
    left: str
    right: str
    labels: tuple[HitLabel, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"document": self.document_id, "title": self.title, "start": self.start,
                "end": self.end, "text": self.text, "left": self.left, "right": self.right,
                "labels": [label.to_dict() for label in self.labels]}


@dataclass(frozen=True)
class DocumentHits:
    """Every hit in one document, in text order."""

    document_id: int
    title: str
    hits: tuple[Hit, ...]

    @property
    def count(self) -> int:
        return len(self.hits)


@dataclass
class Matcher:
    """A query compiled: the expression that finds the exact places, and the strings every
    match holds (ignoring case), which the index can look up."""

    expression: re.Pattern[str]
    terms: list[str] = field(default_factory=list)

    def places(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in self.expression.finditer(text) if m.end() > m.start()]


def _edge(character: str) -> bool:
    """Whether a match starting or ending with ``character`` must not touch a word there."""
    return bool(_WORD.match(character)) and not _NO_SPACES.match(character)


def compile_query(query: FindQuery) -> Matcher:
    """The query compiled, or an :class:`InputError` saying why it cannot be (nothing is
    read before this succeeds)."""
    pattern = query.pattern
    if not pattern.strip():
        raise InputError("the pattern", "is empty: give a word, a phrase or an expression")
    if query.regex:
        try:
            expression = re.compile(pattern, re.MULTILINE)
        except re.error as error:
            where = f" at position {error.pos}" if error.pos is not None else ""
            raise InputError(pattern, f"not a valid regular expression: {error.msg}{where}"
                             ) from None
        return Matcher(expression, required_literals(pattern))
    words = pattern.split()
    body = r"\s+".join(re.escape(word) for word in words)
    if query.whole_words:
        if _edge(words[0][0]):
            body = r"(?<!\w)" + body
        if _edge(words[-1][-1]):
            body += r"(?!\w)"
    return Matcher(re.compile(body, re.IGNORECASE), words)


def required_literals(pattern: str) -> list[str]:
    """Runs of literal characters every match of the regular expression ``pattern`` holds
    (outside alternatives and optional parts): what the index can narrow by. None when the
    expression has no such part (then every document is a candidate)."""
    try:
        from re import _constants as sre
        from re import _parser  # the parser ``re.compile`` uses itself
        parsed = _parser.parse(pattern, re.MULTILINE)
    except Exception:  # noqa: BLE001 (another Python's internals: scan instead)
        return []
    runs: list[str] = []

    def walk(items: list[tuple[object, object]]) -> None:
        current: list[str] = []

        def flush() -> None:
            if current:
                runs.append("".join(current))
                current.clear()

        for op, value in items:
            if op is sre.LITERAL:
                current.append(chr(value))  # type: ignore[arg-type]
            elif op is sre.AT:
                continue  # an anchor takes no character: the run goes on
            elif op is sre.SUBPATTERN:
                flush()
                walk(list(value[-1]))  # type: ignore[index]
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
                flush()
                low, _high, inner = value  # type: ignore[misc]
                if low >= 1:
                    walk(list(inner))
            else:
                flush()
        flush()

    walk(list(parsed))
    return runs


def _hits(document_id: int, title: str, text: str, places: list[tuple[int, int]],
          spans: list[tuple[int, int, str, str, str]], mine: str | None, context: int,
          label: str | None) -> tuple[Hit, ...]:
    found: list[Hit] = []
    for start, end in places:
        on: list[HitLabel] = []
        for span_start, span_end, name, layer, kind in spans:
            if span_start >= end:
                break
            if span_end > start:
                who = "gold" if kind == "gold" else layer.removeprefix("annotator:")
                on.append(HitLabel(name, who, mine is not None and layer == mine,
                                   span_start == start and span_end == end))
        if label is not None and all(item.label != label for item in on):
            continue
        found.append(Hit(document_id, title, start, end, text[start:end],
                         text[max(0, start - context):start], text[end:end + context],
                         tuple(on)))
    return tuple(found)


def find(project: Project, query: FindQuery, *, annotator: str | None = None,
         cancelled: Callable[[], bool] | None = None, batch: int = BATCH,
         context: int = CONTEXT) -> Iterator[DocumentHits]:
    """The documents holding the query's hits, in document order, each with all its hits
    (and the annotations on each: ``mine`` marks ``annotator``'s). Reads the candidate
    documents a batch at a time (a small first one, so the first hits come at once, then
    growing to ``batch``); stops when ``cancelled()`` says so (asked between batches).

    The query is checked first: an invalid one raises :class:`InputError` before anything
    is read (call :func:`compile_query` to check one without finding)."""
    matcher = compile_query(query)
    if query.label is not None:
        with project.db.read() as unit:
            if not label_exists(unit, query.label):
                raise InputError(query.label, "no such label in the project")
    return _find(project, query, matcher, annotator, cancelled, batch, context)


def _find(project: Project, query: FindQuery, matcher: Matcher, annotator: str | None,
          cancelled: Callable[[], bool] | None, batch: int, context: int
          ) -> Iterator[DocumentHits]:
    mine = f"annotator:{annotator.strip()}" if annotator else None
    after = 0
    size = min(FIRST_BATCH, batch)
    while cancelled is None or not cancelled():
        with project.db.read() as unit:
            documents = candidate_documents(unit, matcher.terms, after=after, limit=size)
            if not documents:
                return
            matched = [(doc_id, title, text, places) for doc_id, title, text in documents
                       if (places := matcher.places(text))]
            spans: dict[int, list[tuple[int, int, str, str, str]]] = {}
            for doc_id, start, end, name, layer, kind in labelled_spans(
                    unit, [doc_id for doc_id, *_ in matched]):
                spans.setdefault(doc_id, []).append((start, end, name, layer, kind))
        for doc_id, title, text, places in matched:
            hits = _hits(doc_id, title, text, places, spans.get(doc_id, []), mine, context,
                         query.label)
            if hits:
                yield DocumentHits(doc_id, title, hits)
        after = documents[-1][0]
        size = min(size * 2, batch)


def hits_of(documents: Iterator[DocumentHits]) -> Iterator[Hit]:
    """The hits of ``documents`` one by one, in order."""
    for document in documents:
        yield from document.hits


def page(project: Project, query: FindQuery, *, offset: int = 0, limit: int = 50,
         annotator: str | None = None) -> list[Hit]:
    """Hits ``offset`` to ``offset + limit`` in document and text order; only the batches
    of documents up to the last of them are read."""
    return list(islice(hits_of(find(project, query, annotator=annotator)), offset,
                       offset + limit))


INDEX_STEP = 2_000  # documents put into the index per transaction: a decision waits briefly


def bring_index_up_to_date(project: Project, *,
                           cancelled: Callable[[], bool] | None = None) -> int:
    """Put the documents added since the full-text index was last brought up to date into
    it (an import does not: it stays as fast as without an index, and finding reads those
    documents until then), a step of :data:`INDEX_STEP` per transaction so that decisions
    made meanwhile wait at most a step; how many. Nothing on a read-only project."""
    if project.read_only:
        return 0
    added = 0
    while cancelled is None or not cancelled():
        with project.db.session() as unit:
            step = index_new_documents(unit, INDEX_STEP)
        added += step
        if step < INDEX_STEP:
            break
    return added


def one_line(text: str) -> str:
    """``text`` for a one-line display (a list row, a terminal line): every run of white
    space, line breaks among them, shown as one space. For display only; offsets always
    refer to the exact text."""
    return _SPACE.sub(" ", text)
