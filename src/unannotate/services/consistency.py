"""The consistency report: for every surface form the annotators labelled, how its labels are
spread across documents and annotators, and the places where it occurs unlabelled.

A **surface form** groups spans by the text they cover, case folded and with every run of
whitespace read as one space (:func:`surface_key`). That key only groups: the stored texts and
offsets are never changed, and every place is reported in code points of the exact text.

Two kinds of finding (docs/adr/0028-consistency-report.md):

- **same text, different label**: a form labelled with more than one label. Its places are
  the spans whose label is not the form's majority label (what a fix relabels).
- **labelled here, missing there**: a form labelled somewhere and occurring, as whole tokens,
  where an annotator's layer has no span over it, in a document that annotator has worked on
  (given a status, or labelled something in; ``scope=ALL``: in every document). Its places
  are those occurrences (what a fix labels).

Both carry what a fix needs: the text, the majority label and the places. Claims (long
sentences) are no surface forms and are left out unless asked. Colleagues' layers are only
read.

How it stays fast on a large project: one query streams the labelled spans with the text
they cover; the documents in scope are then read once, a chunk at a time, and searched with
one compiled pattern of every form (a trie of their characters, so each position of a text
is tried once, however many forms there are) instead of one search per form.
"""

from __future__ import annotations

import json
import re
import time
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import accumulate
from typing import Any, NamedTuple, overload

from ..core.errors import UnannotateError
from ..storage.agreement import annotator_layers
from ..storage.consistency import (
    all_texts,
    document_count,
    labelled_spans,
    texts_of,
    titles_of,
    worked_documents,
)
from ..storage.database import Unit
from .project import Project

# Progress reported (texts searched, texts to search) every this many texts.
PROGRESS_EVERY = 2_000
PACKED = 5  # numbers per packed place
CONTEXT = 40  # characters shown either side of a place
TRIE_LONGEST = 100  # forms longer than this are searched for as plain alternatives


class ConsistencyError(UnannotateError, ValueError):
    """The report was asked for something the project does not hold (an unknown layer)."""


class FindingKind(StrEnum):
    DIFFERENT_LABEL = "different_label"
    MISSING = "missing"

    @property
    def caption(self) -> str:
        return ("same text, different label" if self is FindingKind.DIFFERENT_LABEL
                else "labelled here, missing there")


class Scope(StrEnum):
    """Where an unlabelled occurrence counts as missing: in the documents the annotator has
    worked on (the default), or in every document of the project."""

    WORKED = "worked"
    ALL = "all"


class Place(NamedTuple):
    """One place of a finding: ``[start, end)`` in code points of the document's exact text,
    in ``annotator``'s layer, labelled ``label`` there (None: unlabelled there). A tuple:
    a report on a large project holds hundreds of thousands."""

    document_id: int
    start: int
    end: int
    annotator: str
    label: str | None


class Places(Sequence[Place]):
    """A finding's places, packed five numbers each (document, start, end, layer id, label
    index or -1) in one array: a report on a large project lists hundreds of thousands, and
    a tuple each cost a few hundred megabytes. Each :class:`Place` is made when read."""

    def __init__(self, packed: array[int] | None = None, layers: dict[int, str] | None = None,
                 labels: Sequence[str] = ()) -> None:
        self.packed = packed if packed is not None else array("q")
        self.layers = layers or {}
        self.labels = labels

    def __len__(self) -> int:
        return len(self.packed) // PACKED

    @overload
    def __getitem__(self, index: int) -> Place: ...

    @overload
    def __getitem__(self, index: slice) -> list[Place]: ...

    def __getitem__(self, index: int | slice) -> Place | list[Place]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        doc, start, end, layer, label = self.packed[index * PACKED:(index + 1) * PACKED]
        return Place(doc, start, end, self.layers[layer],
                     self.labels[label] if label >= 0 else None)


@dataclass
class Finding:
    """One inconsistency of one surface form, with what a fix needs: the text, the majority
    label and the places a fix changes."""

    kind: FindingKind
    text: str  # the form as most often written (its whitespace as one space)
    key: str  # the grouping key (surface_key)
    majority_label: str
    labels: dict[str, int]  # label -> spans, most first
    annotators: dict[str, dict[str, int]]  # annotator -> label -> spans
    labelled: int  # spans of the form
    labelled_documents: int
    unlabelled: int  # places where it occurs unlabelled (per annotator's layer)
    unlabelled_documents: int
    label_documents: dict[str, int] = field(default_factory=dict)  # label -> documents
    places: Sequence[Place] = field(default_factory=list)

    @property
    def impact(self) -> int:
        """How many places a fix changes: what the report is sorted by."""
        return len(self.places)

    def document_ids(self) -> set[int]:
        """The documents of the places."""
        if isinstance(self.places, Places):
            return set(self.places.packed[0::PACKED])
        return {place.document_id for place in self.places}

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "title": self.kind.caption, "text": self.text,
                "key": self.key, "majority_label": self.majority_label, "labels": self.labels,
                "annotators": self.annotators, "labelled": self.labelled,
                "labelled_documents": self.labelled_documents, "unlabelled": self.unlabelled,
                "unlabelled_documents": self.unlabelled_documents,
                "label_documents": self.label_documents, "impact": self.impact,
                "places": [{"document_id": p.document_id, "start": p.start, "end": p.end,
                            "annotator": p.annotator, "label": p.label}
                           for p in self.places]}


@dataclass
class ConsistencyReport:
    annotators: list[str]
    scope: Scope
    include_claims: bool
    documents: int  # documents searched for unlabelled occurrences
    forms: int  # surface forms labelled
    findings: list[Finding]
    titles: dict[int, str] = field(default_factory=dict)  # of the documents of the places
    seconds: float = 0.0

    def count(self, kind: FindingKind) -> int:
        return sum(1 for finding in self.findings if finding.kind is kind)

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        """The report as JSON data: every finding (the first ``limit``) with all its places,
        and the titles of the places' documents."""
        findings = self.findings[:limit]
        return {**self._head(findings),
                "findings": [finding.to_dict() for finding in findings]}

    def json_chunks(self, limit: int | None = None) -> Iterator[str]:
        """``json.dumps(self.to_dict(limit))`` in pieces, a finding at a time: a report
        listing millions of places never holds them all as JSON data at once."""
        findings = self.findings[:limit]
        head = json.dumps(self._head(findings), ensure_ascii=False)
        yield head[:-1] + ', "findings": ['
        for n, finding in enumerate(findings):
            yield (", " if n else "") + json.dumps(finding.to_dict(), ensure_ascii=False)
        yield "]}"

    def _head(self, findings: list[Finding]) -> dict[str, Any]:
        shown = set().union(*(finding.document_ids() for finding in findings))
        return {"annotators": self.annotators, "scope": self.scope.value,
                "include_claims": self.include_claims, "documents": self.documents,
                "forms": self.forms, "seconds": round(self.seconds, 3),
                "counts": {kind.value: self.count(kind) for kind in FindingKind},
                "document_titles": {str(doc): self.titles.get(doc, "")
                                    for doc in sorted(shown)}}


def surface_key(text: str) -> str:
    """The key that groups spans into one surface form: case folded, each run of whitespace
    one space, none at the ends. Only a key: the text itself is never changed."""
    return " ".join(text.split()).casefold()


def form_pattern(forms: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern finding every form as whole tokens, in any case and with any whitespace
    between its words; None for no forms.

    The forms are merged into a trie of their characters (``sudan|somalia`` becomes
    ``s(?:udan|omalia)``): Python's ``re`` tries the alternatives of a plain alternation one
    after another at each position, so thousands of forms would cost thousands of tries per
    character; the trie costs one path. Forms longer than ``TRIE_LONGEST`` (claims, when
    asked for) are plain alternatives before it, longest first: a trie nests a group per
    character where forms part, and Python's parser of patterns (and the trie's own
    building) recurse once per group."""
    trie: dict[str, Any] = {}
    long: list[str] = []
    for form in {" ".join(f.split()).lower() for f in forms}:
        if len(form) > TRIE_LONGEST:
            long.append(form)
            continue
        if not form:
            continue
        node = trie
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}
    alternatives = [r"\s+".join(map(re.escape, form.split(" ")))
                    for form in sorted(long, key=len, reverse=True)]
    if trie:
        alternatives.append(_trie_regex(trie))
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def _trie_regex(node: dict[str, Any]) -> str:
    ends = "" in node
    branches = [(r"\s+" if char == " " else re.escape(char)) + _trie_regex(child)
                for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    if ends:  # the form may end here, or go on (longer first: the group is greedy)
        return "(?:" + "|".join(branches) + ")?"
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


@dataclass
class _Form:
    """One surface form: its spans as read, and where it was found unlabelled."""

    key: str
    # (text as stored, label) -> the spans' (document, start, end, layer), packed.
    spans: dict[tuple[str, str], array[int]] = field(default_factory=dict)
    missing: array[int] = field(default_factory=lambda: array("q"))  # packed Places

    @property
    def count(self) -> int:
        return sum(len(packed) for packed in self.spans.values()) // 4


class _Covered:
    """Where one layer's labelled spans lie in one document: does a span overlap [s, e)?"""

    __slots__ = ("ends", "starts")

    def __init__(self, run: array[int]) -> None:  # start, end, start, end… by start
        self.starts = run[0::2]
        self.ends = list(accumulate(run[1::2], max))  # the furthest end so far

    def overlaps(self, start: int, end: int) -> bool:
        before = bisect_left(self.starts, end)  # spans starting before ``end``
        return before > 0 and self.ends[before - 1] > start


def compared_layers(project: Project, layer: str | None = None) -> dict[str, tuple[int, int]]:
    """The annotator layers the report reads (name -> (layer id, annotator id)): every
    annotator's, or the one named (an annotator's name, or their layer's ``annotator:NAME``)."""
    with project.db.read() as unit:
        layers = dict(sorted(annotator_layers(unit).items()))
    if layer is None:
        return layers
    name = layer.strip().removeprefix("annotator:")
    if name not in layers:
        there = ", ".join(layers) if layers else "none: no annotator has a layer yet"
        raise ConsistencyError(f"no annotator layer {layer!r} in this project; the layers "
                               f"there are: {there}")
    return {name: layers[name]}


def consistency_report(project: Project, *, layer: str | None = None,
                       scope: Scope = Scope.WORKED, include_claims: bool = False,
                       min_count: int = 1,
                       progress: Callable[[int, int], None] | None = None,
                       cancelled: Callable[[], bool] | None = None) -> ConsistencyReport:
    """The findings of the annotators' layers (or of ``layer``), most places to fix first.

    ``min_count``: only forms labelled at least this many times. ``progress(done, total)``
    is called as the texts are searched; ``cancelled()`` true stops the search (the report
    then holds what was found so far)."""
    if min_count < 1:
        raise ConsistencyError(f"the minimum count must be 1 or more, not {min_count}")
    began = time.perf_counter()
    layers = compared_layers(project, layer)
    names = {layer_id: name for name, (layer_id, _) in layers.items()}
    with project.db.read() as unit:
        forms, runs = _read_spans(unit, list(names), include_claims) if layers else ({}, {})
        forms = {key: form for key, form in forms.items() if form.count >= min_count}
        # Every spelling is searched for, and each spelling found leads back to its form.
        by_written = {text: form for form in forms.values() for text, _ in form.spans}
        pattern = form_pattern(by_written)
        if scope is Scope.ALL:
            every = tuple(names)
            total = document_count(unit)
            texts = all_texts(unit)
            layers_of: Callable[[int], Iterable[int]] = lambda _doc: every  # noqa: E731
        else:
            in_scope: dict[int, list[int]] = defaultdict(list)
            labelled: dict[int, set[int]] = defaultdict(set)  # layer -> documents, as read
            for doc, layer_id in runs:
                labelled[layer_id].add(doc)
            for layer_id, annotator_id in layers.values():
                for doc in worked_documents(unit, layer_id, annotator_id,
                                            labelled=labelled[layer_id],
                                            claims_read=include_claims):
                    in_scope[doc].append(layer_id)
            total = len(in_scope)
            texts = texts_of(unit, in_scope)
            layers_of = in_scope.__getitem__
        searched = 0
        if pattern is not None:
            searched = _search(texts, pattern, by_written, forms, runs, layers_of,
                               total, progress, cancelled)
        if progress is not None:
            progress(total, total)
        findings = _findings(forms, names)
        titles = titles_of(unit, set().union(*(f.document_ids() for f in findings)))
    return ConsistencyReport(annotators=list(layers), scope=scope, include_claims=include_claims,
                             documents=searched if pattern is not None else total,
                             forms=len(forms), findings=findings, titles=titles,
                             seconds=time.perf_counter() - began)


def _read_spans(unit: Unit, layer_ids: list[int], include_claims: bool,
                ) -> tuple[dict[str, _Form], dict[tuple[int, int], array[int]]]:
    """The forms of the layers' labelled spans, and each layer's spans in each document (a
    run of starts and ends, by start). Numbers packed in arrays: half a million spans as
    tuples held a few hundred megabytes."""
    by_text: dict[tuple[str, str], array[int]] = {}
    runs: dict[tuple[int, int], array[int]] = {}
    run = array("q")
    here = (-1, -1)
    for doc, layer, start, end, label, text in labelled_spans(
            unit, layer_ids, include_claims=include_claims):
        packed = by_text.get((text, label))
        if packed is None:
            packed = by_text[text, label] = array("q")
        packed.extend((doc, start, end, layer))
        if (doc, layer) != here:  # rows come by document, layer and start
            here = (doc, layer)
            run = runs[here] = array("q")
        run.extend((start, end))
    forms: dict[str, _Form] = {}
    for (text, label), packed in by_text.items():
        key = surface_key(text)
        if key:
            forms.setdefault(key, _Form(key)).spans[text, label] = packed
    return forms, runs


def _search(texts: Iterable[tuple[int, str]], pattern: re.Pattern[str],
            by_written: dict[str, _Form], forms: dict[str, _Form],
            runs: dict[tuple[int, int], array[int]],
            layers_of: Callable[[int], Iterable[int]], total: int,
            progress: Callable[[int, int], None] | None,
            cancelled: Callable[[], bool] | None) -> int:
    """Search the texts for every form; note each occurrence no span of a layer in scope
    covers. The number of texts searched."""
    searched = 0
    found: dict[str, _Form | None] = {}  # a spelling met -> its form
    for doc, text in texts:
        layers: list[tuple[int, _Covered | None]] | None = None  # once a form is met
        for match in pattern.finditer(text):
            written = match.group()
            form = found.get(written, False)
            if form is False:
                form = by_written.get(written) or forms.get(surface_key(written))
                found[written] = form  # None: a case mapping re and casefold() disagree on
            if form is None:
                continue
            if layers is None:
                layers = [(layer, _Covered(run) if (run := runs.get((doc, layer))) else None)
                          for layer in layers_of(doc)]
            start, end = match.span()
            for layer, spans in layers:
                if spans is None or not spans.overlaps(start, end):
                    form.missing.extend((doc, start, end, layer, -1))  # type: ignore[union-attr]
        searched += 1
        if searched % PROGRESS_EVERY == 0:
            if progress is not None:
                progress(searched, total)
            if cancelled is not None and cancelled():
                break
    return searched


def document_texts(project: Project, document_ids: Iterable[int]) -> dict[int, str]:
    """The texts of the documents named (the places a window shows in context)."""
    with project.db.read() as unit:
        return dict(texts_of(unit, document_ids))


def in_context(text: str, start: int, end: int, width: int = CONTEXT) -> tuple[str, str, str]:
    """``text[start:end]`` with up to ``width`` characters either side, for a list of places:
    each run of whitespace shown as one space (the text itself is not changed)."""
    def flat(piece: str) -> str:
        return " ".join(piece.split())

    before = text[max(0, start - width):start]
    after = text[end:end + width]
    return ((("…" if start > width else "") + flat(before) + (" " if before[-1:].isspace()
                                                               else "")),
            flat(text[start:end]),
            ((" " if after[:1].isspace() else "") + flat(after)
             + ("…" if end + width < len(text) else "")))


def majority(labels: Counter[str]) -> str:
    """The label given most often; a tie goes to the label first in alphabetical order."""
    return min(labels.items(), key=lambda item: (-item[1], item[0]))[0]


def _findings(forms: dict[str, _Form], names: dict[int, str]) -> list[Finding]:
    findings: list[Finding] = []
    for key, form in forms.items():
        labels: Counter[str] = Counter()
        written: Counter[str] = Counter()
        by_annotator: Counter[tuple[str, str]] = Counter()
        documents: set[int] = set()
        per_label: dict[str, set[int]] = defaultdict(set)
        for (text, label), packed in form.spans.items():
            count = len(packed) // 4
            labels[label] += count
            written[" ".join(text.split())] += count
            for layer, n in Counter(packed[3::4]).items():
                by_annotator[names[layer], label] += n
            per_label[label].update(packed[0::4])
            documents.update(packed[0::4])
        annotators: dict[str, dict[str, int]] = {}
        for (name, label), count in sorted(by_annotator.items(),
                                           key=lambda item: (item[0][0], -item[1])):
            annotators.setdefault(name, {})[label] = count
        label = majority(labels)
        missing = form.missing
        shared: dict[str, Any] = {
            "text": written.most_common(1)[0][0], "key": key, "majority_label": label,
            "labels": dict(labels.most_common()), "annotators": annotators,
            "labelled": labels.total(), "labelled_documents": len(documents),
            "label_documents": {name: len(per_label[name]) for name in labels},
            "unlabelled": len(missing) // PACKED,
            "unlabelled_documents": len(set(missing[0::PACKED]))}
        if len(labels) > 1:
            findings.append(Finding(FindingKind.DIFFERENT_LABEL, **shared,
                                    places=_off_majority(form, label, names)))
        if missing:
            # In document order as searched (the layers of one place in turn).
            findings.append(Finding(FindingKind.MISSING, **shared,
                                    places=Places(missing, names)))
    findings.sort(key=lambda f: (-f.impact, f.kind is not FindingKind.DIFFERENT_LABEL, f.key))
    return findings


def _off_majority(form: _Form, majority_label: str, names: dict[int, str]) -> Places:
    """The form's spans whose label is not the majority's, in document order."""
    others = sorted({label for _, label in form.spans} - {majority_label})
    rows: list[tuple[int, ...]] = []
    for (_, label), packed in form.spans.items():
        if label != majority_label:
            index = others.index(label)
            rows.extend((*packed[i:i + 4], index) for i in range(0, len(packed), 4))
    rows.sort()
    return Places(array("q", [n for row in rows for n in row]), names, others)
