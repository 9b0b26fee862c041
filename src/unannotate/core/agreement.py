"""Agreement between annotators: span F1 (exact and overlap), Cohen's kappa on tokens and on
claim sentences, Krippendorff's alpha; pairwise, per label, per document.

Plain Python on plain data: the service reads the layers from the project into
:class:`AgreementDocument` objects; the report writers take the :class:`AgreementReport`.

What the figures mean
---------------------
Every annotator's spans are compared: *entity* spans (labels of kind entity) and *claim*
spans (labels of kind claim). An annotator with no spans in a document (or not named among
its layers) has marked nothing there.

Exact F1 (a pair of annotators A and B)
    A span of A matches a span of B when start, end and label are all equal; each span is
    matched at most once. F1 = 2 × matches / (spans of A + spans of B), the same whichever of
    the two is taken as reference. Undefined (None) when neither has a span.
Overlap F1
    The same, where two spans match when they have the same label and share at least one
    character. Spans are paired one to one, greedily, the largest overlap first (ties: the
    tighter pair, that is the smaller union, then the earlier spans), so an exact match is
    always paired as such and overlap F1 is never below exact F1.
Per label
    The same, counting only the spans of that label. Over several pairs (and for the whole
    report) the counts are pooled: sum of 2 × matches over the pairs / sum of their spans,
    not a mean of the pairs' F1. The report's exact and overlap F1 are pooled the same way.
Token kappa
    Cohen's kappa on tokens (words and punctuation marks, as the window's selection snaps to
    them: ``offsets.Tokens``). Each annotator gives each token the label of the entity span
    that shares a character with it (several: the longest span, then the one starting first,
    then the label first in alphabetical order), else "O". One kappa per pair over every token
    of every document; the report gives the mean over the pairs. When chance agreement is
    total (both annotators give one and the same label to every token, e.g. "O" throughout)
    kappa is 0/0: it is taken as 1.0 when the annotators agree on every token, else 0.0.
    scikit-learn's ``cohen_kappa_score`` gives NaN there; everywhere else the two are equal.
    No tokens at all: None.
Claim kappa
    Cohen's kappa on sentences (``offsets.sentences``: cut as the window cuts them, every
    character that is not white space in exactly one sentence). A sentence is "claim" for an
    annotator when one of their claim spans covers at least half of the sentence's characters
    that are not white space, else "not". Same conventions as token kappa.
Token alpha, claim alpha
    Krippendorff's alpha, nominal, over all the annotators at once, on the same tokens and
    sentences: 1 − (n − 1) × (observed disagreements) / (expected ones), from the coincidence
    matrix (units that fewer than two annotators labelled count for nothing, so values may be
    missing). When those units hold one value only, expected disagreement is 0: alpha is then
    1.0 (the ``krippendorff`` package refuses such data or gives NaN). No such unit: None.
Per document
    ``spans``: the spans of all the annotators compared. ``disagreements``: the places where
    they differ. A place is a group of spans connected by overlaps between different
    annotators' spans (see ``group_places``; entities and claims are grouped apart, as the
    review compares them); the annotators agree there when each holds exactly the same set
    of (start, end, label). ``exact_f1``: pooled over the
    pairs, for that document. Documents come most disagreements first, then lowest exact F1
    (undefined last), then by id.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from .offsets import Tokens, sentences

OUTSIDE = "O"  # the token label of no entity

_NON_SPACE = re.compile(r"\S")


@dataclass(frozen=True)
class AnnotatedSpan:
    """One span of one annotator: code-point offsets into the document's text."""

    start: int
    end: int
    label: str
    claim: bool = False  # the label's kind is claim


@dataclass
class AgreementDocument:
    id: int
    title: str
    text: str
    # annotator (or layer) name -> that annotator's spans in this document
    layers: dict[str, list[AnnotatedSpan]] = field(default_factory=dict)


@dataclass
class LabelScores:
    """One label, for one pair of annotators (or pooled over the pairs)."""

    label: str
    exact_f1: float | None  # None: neither annotator used the label
    overlap_f1: float | None
    a_spans: int = 0  # pooled over the pairs: the sum over the pairs
    b_spans: int = 0
    exact_matches: int = 0
    overlap_matches: int = 0
    # Spans of the label per annotator: the pair's two, or every annotator (report level).
    annotator_spans: dict[str, int] = field(default_factory=dict)


@dataclass
class PairScores:
    a: str
    b: str
    exact_f1: float | None
    overlap_f1: float | None
    token_kappa: float | None
    claim_kappa: float | None
    per_label: dict[str, LabelScores] = field(default_factory=dict)
    a_spans: int = 0
    b_spans: int = 0
    exact_matches: int = 0
    overlap_matches: int = 0


@dataclass
class DocumentScores:
    id: int
    title: str
    spans: int  # spans of all the annotators compared
    disagreements: int  # places where they differ (the places of services.colleague_review)
    exact_f1: float | None  # pooled over the pairs


@dataclass
class AgreementReport:
    annotators: list[str]
    documents: int
    exact_f1: float | None  # pooled over the pairs
    overlap_f1: float | None
    token_kappa: float | None  # mean over the pairs
    claim_kappa: float | None
    token_alpha: float | None  # Krippendorff's alpha (nominal) over all annotators, tokens
    claim_alpha: float | None  # the same on claim sentences
    per_label: dict[str, LabelScores] = field(default_factory=dict)
    pairs: list[PairScores] = field(default_factory=list)
    per_document: list[DocumentScores] = field(default_factory=list)  # most disagreement first
    tokens: int = 0  # units of the token kappa and alpha
    sentences: int = 0  # units of the claim kappa and alpha
    spans: dict[str, int] = field(default_factory=dict)  # annotator -> spans compared


# (start, end, label, claim): a span as the computation reads it, cheap to hash and sort
_Span = tuple[int, int, str, bool]


def compute_agreement(documents: Iterable[AgreementDocument],
                      annotators: Sequence[str]) -> AgreementReport:
    """Every figure of the module's description for ``annotators`` over ``documents`` (read
    once, in one pass: a generator is fine)."""
    names = list(annotators)
    if len(names) < 2:
        raise ValueError(f"agreement needs at least two annotators to compare, got "
                         f"{len(names)}: {', '.join(map(repr, names)) or 'none'}")
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"each annotator can be compared once: {', '.join(twice)} given twice")
    tally = _Tally(names)
    for document in documents:
        tally.add(document)
    return tally.report()


def f1(two_matches: int, sizes: int) -> float | None:
    """2 × matches / (|A| + |B|), given the doubled matches and the summed sizes."""
    return two_matches / sizes if sizes else None


class _Tally:
    """Counts gathered document by document, turned into figures by :meth:`report`."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.pairs = list(combinations(range(len(names)), 2))
        # pair -> label -> [a spans, b spans, exact matches, overlap matches]
        self.pair_labels: list[dict[str, list[int]]] = [{} for _ in self.pairs]
        self.label_spans: list[Counter[str]] = [Counter() for _ in names]
        self.entity_codes: dict[str, int] = {OUTSIDE: 0}
        self.token_chunks: list[np.ndarray] = []  # (annotators, tokens) per document
        self.sentence_chunks: list[np.ndarray] = []  # (annotators, sentences)
        self.documents: list[DocumentScores] = []

    def add(self, document: AgreementDocument) -> None:
        layers = document.layers
        spans: list[list[_Span]] = [
            [(s.start, s.end, s.label, s.claim) for s in layers.get(name, ())]
            for name in self.names
        ]
        held = [set(each) for each in spans]
        labels = [Counter(label for _, _, label, _ in each) for each in spans]
        for counted, found in zip(self.label_spans, labels, strict=True):
            counted.update(found)
        two_matches = sizes = 0
        for p, (i, j) in enumerate(self.pairs):
            exact, overlap = _matches(spans[i], held[i], spans[j], held[j])
            stats = self.pair_labels[p]
            for label in labels[i].keys() | labels[j].keys():
                entry = stats.get(label)
                if entry is None:
                    entry = stats[label] = [0, 0, 0, 0]
                entry[0] += labels[i][label]
                entry[1] += labels[j][label]
                entry[2] += exact[label]
                entry[3] += overlap[label]
            two_matches += 2 * sum(exact.values())
            sizes += len(spans[i]) + len(spans[j])
        self.documents.append(DocumentScores(
            id=document.id, title=document.title, spans=sum(map(len, spans)),
            disagreements=_disagreements(held), exact_f1=f1(two_matches, sizes)))
        self.token_chunks.append(self._token_labels(document.text, spans))
        self.sentence_chunks.append(_claim_sentences(document.text, spans))

    def _token_labels(self, text: str, spans: list[list[_Span]]) -> np.ndarray:
        tokens = Tokens.of(text)
        starts, ends = tokens.starts, tokens.ends
        codes = np.zeros((len(spans), len(starts)), dtype=np.int32)
        known = self.entity_codes
        for row, each in zip(codes, spans, strict=True):
            entities = [s for s in each if not s[3]]
            # Highest priority first (longest, earliest, first label); painted last.
            entities.sort(key=lambda s: (s[0] - s[1], s[0], s[2]))
            for start, end, label, _ in reversed(entities):
                first = bisect_right(ends, start)  # first token ending after the start
                stop = bisect_left(starts, end)  # first token starting at or after the end
                if first < stop:
                    code = known.get(label)
                    if code is None:
                        code = known[label] = len(known)
                    row[first:stop] = code
        return codes

    def report(self) -> AgreementReport:
        names = self.names
        tokens = _joined(self.token_chunks, len(names))
        claims = _joined(self.sentence_chunks, len(names))
        pairs: list[PairScores] = []
        pooled: dict[str, list[int]] = {}
        total = [0, 0, 0, 0]
        for (i, j), stats in zip(self.pairs, self.pair_labels, strict=True):
            per_label = {
                label: _label_scores(label, entry, {names[i]: entry[0], names[j]: entry[1]})
                for label, entry in sorted(stats.items())
            }
            sums = [sum(entry[k] for entry in stats.values()) for k in range(4)]
            for label, entry in stats.items():
                into = pooled.setdefault(label, [0, 0, 0, 0])
                for k in range(4):
                    into[k] += entry[k]
            for k in range(4):
                total[k] += sums[k]
            pairs.append(PairScores(
                a=names[i], b=names[j],
                exact_f1=f1(2 * sums[2], sums[0] + sums[1]),
                overlap_f1=f1(2 * sums[3], sums[0] + sums[1]),
                token_kappa=_kappa(tokens[i], tokens[j], len(self.entity_codes)),
                claim_kappa=_kappa(claims[i], claims[j], 2),
                per_label=per_label, a_spans=sums[0], b_spans=sums[1],
                exact_matches=sums[2], overlap_matches=sums[3],
            ))
        per_label = {
            label: _label_scores(label, entry,
                                 {name: counted[label]
                                  for name, counted in zip(names, self.label_spans, strict=True)})
            for label, entry in sorted(pooled.items())
        }
        documents = sorted(self.documents, key=lambda d: (
            -d.disagreements, d.exact_f1 is None, d.exact_f1 or 0.0, d.id))
        return AgreementReport(
            annotators=list(names),
            documents=len(self.documents),
            exact_f1=f1(2 * total[2], total[0] + total[1]),
            overlap_f1=f1(2 * total[3], total[0] + total[1]),
            token_kappa=_mean([p.token_kappa for p in pairs]),
            claim_kappa=_mean([p.claim_kappa for p in pairs]),
            token_alpha=_alpha(tokens),
            claim_alpha=_alpha(claims),
            per_label=per_label,
            pairs=pairs,
            per_document=documents,
            tokens=int(tokens.shape[1]),
            sentences=int(claims.shape[1]),
            spans={name: sum(counted.values())
                   for name, counted in zip(names, self.label_spans, strict=True)},
        )


def _label_scores(label: str, entry: list[int], spans: dict[str, int]) -> LabelScores:
    a, b, exact, overlap = entry
    return LabelScores(label=label, exact_f1=f1(2 * exact, a + b),
                       overlap_f1=f1(2 * overlap, a + b), a_spans=a, b_spans=b,
                       exact_matches=exact, overlap_matches=overlap, annotator_spans=spans)


def _mean(values: list[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return sum(found) / len(found) if found else None


def _joined(chunks: list[np.ndarray], annotators: int) -> np.ndarray:
    if not chunks:
        return np.zeros((annotators, 0), dtype=np.int32)
    return np.concatenate(chunks, axis=1)


# -- span matching ---------------------------------------------------------------------------

def _matches(a: list[_Span], a_set: set[_Span], b: list[_Span],
             b_set: set[_Span]) -> tuple[Counter[str], Counter[str]]:
    """Exact and overlap matches per label between two annotators' spans in one document.

    The greedy overlap matching pairs identical spans first (their overlap is the largest
    either can have, and their union the tightest), so it is run only on what the exact
    matching leaves, which gives the same pairs as running it on everything."""
    if len(a) == len(a_set) and len(b) == len(b_set):  # no span twice: sets will do
        common: Iterable[_Span] = a_set & b_set
        left: Iterable[_Span] = a_set - b_set
        right: Iterable[_Span] = b_set - a_set
    else:
        counted_a, counted_b = Counter(a), Counter(b)
        common = (counted_a & counted_b).elements()
        left = (counted_a - counted_b).elements()
        right = (counted_b - counted_a).elements()
    exact = Counter(span[2] for span in common)
    overlap = Counter(exact)
    left_a: dict[str, list[tuple[int, int]]] = {}
    for start, end, label, _ in left:
        left_a.setdefault(label, []).append((start, end))
    if left_a:
        left_b: dict[str, list[tuple[int, int]]] = {}
        for start, end, label, _ in right:
            if label in left_a:
                left_b.setdefault(label, []).append((start, end))
        for label, theirs in left_b.items():
            overlap[label] += greedy_overlap_matches(left_a[label], theirs)
    return exact, overlap


def greedy_overlap_matches(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> int:
    """How many one-to-one pairs of overlapping spans (sharing at least one character), taken
    greedily: the largest overlap first, then the smallest union, then the earliest spans."""
    candidates = []
    # Only the spans of ``b`` that start within its longest span's length before a span of
    # ``a`` ends can overlap it: found by bisection, so long documents with thousands of
    # spans a label cost in proportion to the spans, not their square.
    by_start = sorted(range(len(b)), key=lambda i: b[i][0])
    starts = [b[i][0] for i in by_start]
    longest = max((eb - sb for sb, eb in b), default=0)
    for ia, (sa, ea) in enumerate(a):
        for k in range(bisect_right(starts, sa - longest), bisect_left(starts, ea)):
            ib = by_start[k]
            sb, eb = b[ib]
            shared = min(ea, eb) - max(sa, sb)
            if shared > 0:
                candidates.append((-shared, max(ea, eb) - min(sa, sb), sa, ea, sb, eb, ia, ib))
    if not candidates:
        return 0
    candidates.sort()
    used_a: set[int] = set()
    used_b: set[int] = set()
    for *_, ia, ib in candidates:
        if ia not in used_a and ib not in used_b:
            used_a.add(ia)
            used_b.add(ib)
    return len(used_a)


def group_places(spans: Sequence[tuple[int, int, Collection[Hashable]]]) -> list[list[int]]:
    """Distinct spans (sorted by start), each with the annotators holding it, grouped into
    places (lists of indices into ``spans``): two spans that overlap are in one place when
    they come from different annotators, that is when at least two annotators hold one or the
    other. Spans of one annotator that overlap each other (a name inside a longer name) do not
    join places by themselves, so nested spans do not chain a paragraph into one place.
    The review (``services.colleague_review``) groups its places with this, so its disagreements and
    these figures count the same places."""
    alone = [next(iter(h)) if len(h) == 1 else None for _, _, h in spans]
    return _components([(start, end) for start, end, _ in spans], alone)


def _components(bounds: Sequence[tuple[int, int]], alone: Sequence[Hashable | None]
                ) -> list[list[int]]:
    """See :func:`group_places`; ``alone[i]``: the one annotator holding span i, or None
    when several do. Two overlapping spans join unless one annotator alone holds both."""
    parent = list(range(len(bounds)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    active: list[int] = []  # spans reaching past the current start
    for i, (start, _end) in enumerate(bounds):
        if active:
            active = [j for j in active if bounds[j][1] > start]
            mine = alone[i]
            for j in active:
                if mine is None or alone[j] != mine:
                    a, b = root(i), root(j)
                    if a != b:
                        parent[a] = b
        active.append(i)
    grouped: dict[int, list[int]] = {}
    for i in range(len(bounds)):
        grouped.setdefault(root(i), []).append(i)
    return list(grouped.values())


def _disagreements(held: list[set[_Span]]) -> int:
    """Places (see :func:`group_places`; entities and claims apart) where the annotators do
    not all hold the same set of (start, end, label): where a span is not held by everyone."""
    everyone = set.intersection(*held)
    owner: dict[_Span, int | None] = {}  # the one annotator holding a span, None for several
    for n, spans in enumerate(held):
        for span in spans:
            owner[span] = n if span not in owner else None
    if len(owner) == len(everyone):  # all agree on every span: no place differs
        return 0
    count = 0
    for claim in (False, True):
        distinct = sorted((span for span in owner if span[3] == claim),
                          key=lambda s: (s[0], s[1], s[2]))
        groups = _components([(s[0], s[1]) for s in distinct], [owner[s] for s in distinct])
        count += sum(1 for group in groups if any(distinct[i] not in everyone for i in group))
    return count


# -- claim sentences -------------------------------------------------------------------------

def _claim_sentences(text: str, spans: list[list[_Span]]) -> np.ndarray:
    """(annotators, sentences): 1 where the annotator's claim spans make the sentence a
    claim (one of them covers at least half of its characters that are not white space)."""
    found = sentences(text)
    rows = [[0] * len(found) for _ in spans]
    if found:
        starts = [s for s, _ in found]
        ends = [e for _, e in found]
        sizes: dict[int, int] = {}
        for row, each in zip(rows, spans, strict=True):
            for start, end, _, claim in each:
                if not claim:
                    continue
                for k in range(bisect_right(ends, start), bisect_left(starts, end)):
                    if row[k]:
                        continue
                    s, e = found[k]
                    if start <= s and e <= end:  # the whole sentence: no need to count
                        row[k] = 1
                        continue
                    size = sizes.get(k)
                    if size is None:
                        size = sizes[k] = _non_space(text, s, e)
                    if 2 * _non_space(text, max(s, start), min(e, end)) >= size:
                        row[k] = 1
    return np.array(rows, dtype=np.int32).reshape(len(spans), len(found))


def _non_space(text: str, start: int, end: int) -> int:
    return len(_NON_SPACE.findall(text, start, end)) if start < end else 0


# -- chance-corrected agreement ----------------------------------------------------------------

def _kappa(a: np.ndarray, b: np.ndarray, categories: int) -> float | None:
    """Cohen's kappa of two label codes per unit (0 .. categories - 1)."""
    n = int(a.size)
    if n == 0:
        return None
    confusion = np.bincount(a.astype(np.int64) * categories + b,
                            minlength=categories * categories).reshape(categories, categories)
    agreed = int(np.trace(confusion))
    # n² × chance agreement, in whole numbers: kappa comes from one division.
    chance = sum(int(r) * int(c) for r, c in zip(confusion.sum(axis=1), confusion.sum(axis=0),
                                                 strict=True))
    if chance == n * n:
        return 1.0 if agreed == n else 0.0
    return (n * agreed - chance) / (n * n - chance)


def _alpha(codes: np.ndarray) -> float | None:
    """Krippendorff's alpha, nominal, of (annotators, units) codes; -1 is a missing value.

    From the coincidence matrix without building it: in a unit labelled by m annotators, each
    ordered pair of different values counts 1 / (m - 1) towards observed disagreement, and
    the values' totals n_c give the expected one, n² − Σ n_c²."""
    present = codes >= 0
    labelled = present.sum(axis=0)
    pairable = labelled >= 2
    if not pairable.any():
        return None
    codes, present, labelled = codes[:, pairable], present[:, pairable], labelled[pairable]
    values = np.bincount(codes[present])
    n = int(labelled.sum())
    expected = n * n - int((values.astype(np.int64) ** 2).sum())
    different = np.zeros(codes.shape[1], dtype=np.int64)
    for i, j in combinations(range(codes.shape[0]), 2):
        different += present[i] & present[j] & (codes[i] != codes[j])
    if expected == 0:
        return 1.0 if not different.any() else 0.0
    observed = 0.0
    for m in np.unique(labelled):
        observed += 2 * int(different[labelled == m].sum()) / (int(m) - 1)
    return 1.0 - (n - 1) * observed / expected


def _codes(values: Iterable[Hashable | None], known: dict[Hashable, int]) -> list[int]:
    found = []
    for value in values:
        if value is None:
            found.append(-1)
        else:
            code = known.get(value)
            if code is None:
                code = known[value] = len(known)
            found.append(code)
    return found


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two annotators' labels of the same units (the convention of the
    module's description when chance agreement is total; None for no units)."""
    if len(a) != len(b):
        raise ValueError(f"kappa compares labels of the same units: {len(a)} and {len(b)} given")
    known: dict[Hashable, int] = {}
    first = np.array(_codes(a, known), dtype=np.int64)
    second = np.array(_codes(b, known), dtype=np.int64)
    if (first < 0).any() or (second < 0).any():
        raise ValueError("kappa needs a label for every unit (None given)")
    return _kappa(first, second, max(len(known), 1))


def nominal_alpha(data: Sequence[Sequence[Hashable | None]]) -> float | None:
    """Krippendorff's alpha (nominal) of ``data``: one row per annotator, one column per unit,
    None for a missing value."""
    known: dict[Hashable, int] = {}
    rows = [_codes(row, known) for row in data]
    if len({len(row) for row in rows}) > 1:
        raise ValueError("every annotator's row needs a value (or None) for every unit")
    if not rows:
        return None
    return _alpha(np.array(rows, dtype=np.int64))
