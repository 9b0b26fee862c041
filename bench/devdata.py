"""Labelled development data for measuring suggesters, and the scores the benchmarks print.

The data is public text labelled by others (see the README of the development data folder):
it is read here to measure, never copied into the project, and no test depends on it. The
folder is ``../shared/dev-data`` beside the checkout, or ``$UNANNOTATE_DEV_DATA``.

Loaders
    :func:`load_re3d` reads one re3d source folder (``Wikipedia``, ``BBC_Online``: news and
    encyclopedia text with character-offset entities) as ``[(text, [(start, end, label)])]``
    in the program's label names (:data:`RE3D_LABELS`); :func:`load_claimbuster` reads
    ClaimBuster's ``train.json`` (debate sentences) as ``[(text, is_claim)]``;
    :func:`load_sample_gold` reads the hand annotations of the program's own sample
    documents (``tests/data/sample_gold.jsonl``) as ``[(name, text, entities, claims)]``.

re3d types and the program's labels
    ========================  ==================  =========================================
    re3d type                 scored as           the program's labels counted there
    ========================  ==================  =========================================
    Person                    PERSON              PERSON
    Organisation              ORG                 ORG
    Location                  GPE/LOC             GPE, LOC, FAC
    Nationality               NORP                NORP, LANGUAGE ("Arabic" is Nationality)
    Temporal                  DATE                DATE, TIME
    Money                     MONEY               MONEY
    Quantity                  QUANTITY/CARDINAL   QUANTITY, CARDINAL, PERCENT, ORDINAL
    ========================  ==================  =========================================

    Left out of scoring (:data:`RE3D_LEFT_OUT`): Weapon, Vehicle, MilitaryPlatform,
    DocumentReference, CommsIdentifier, Coordinate, Frequency (the program has no label for
    them). Suggestions labelled EVENT, LAW, PRODUCT or WORK_OF_ART are not scored either
    (re3d has no such type, so they could be neither right nor wrong).

    Each re3d entity carries a ``confidence``, the probability (from a Bayesian model of
    crowd workers' classifications) that its type is right. Where one span was given two
    types, the one of lower confidence, when below 0.5, is an alternative the annotation
    turned down ("Jordan" as a Person beside the same "Jordan" as a Location at 1.0) and is
    left out. A low confidence alone is not: it is also the mark of entities that no crowd
    worker confirmed, right ones among them (most Nationality entities, "Syria" as a
    Location), so those are kept.

    re3d also marks pronouns ("he", "It") and descriptions ("the village", "his spiritual
    adviser"), which are not named entities in the program's sense: with ``named_only`` (the
    default) a gold span is kept only when its first word after a determiner or possessive
    starts with a capital letter or a digit, or is a number word, and it is not a pronoun;
    a person, organisation, place or nationality counted by a number ("11 people",
    "thousands of fighters") and a description capitalised only because it opens a sentence
    ("Another resident", "State television") are left out too (:func:`is_named_mention`).

Entity scores (:func:`score_entities`)
    Gold spans of one label that overlap each other (re3d nests "Hibhib Village" and
    "Hibhib", "Prime Minister Nouri Maliki" and "Nouri Maliki") form one *gold group*: one
    entity to find. A suggestion and a group of the same label match *exactly* when the
    suggestion has the start and end of one of the group's spans, and *by overlap* when it
    shares a character with one of them. Pairs are one to one (the largest overlap first, as
    the agreement figures pair them: ``core.agreement.greedy_overlap_matches``). Precision =
    matched suggestions / suggestions; recall = matched groups / groups; F1 their harmonic
    mean; "overall" pools every label's counts.

Claim scores (:func:`score_claim_sentences`)
    Claims are scored per sentence. A sentence is a claim when one claim span covers at
    least half of its characters that are not white space (the rule of the agreement's
    claim kappa, on the sentences the window cuts: ``core.offsets.sentences``). A ClaimBuster
    item is predicted a claim when any of its sentences is (:func:`text_is_claim`).
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeVar

# The claim kappa's own rule, so that these figures and the agreement's count sentences alike.
from unannotate.core.agreement import _claim_sentences as claim_sentence_rows
from unannotate.core.agreement import greedy_overlap_matches

REPO = Path(__file__).resolve().parents[1]
DEV_DATA_ENV = "UNANNOTATE_DEV_DATA"
SAMPLE_GOLD = REPO / "tests" / "data" / "sample_gold.jsonl"
RE3D_SOURCES = ("Wikipedia", "BBC_Online")

EntitySpan = tuple[int, int, str]  # start, end (code points, end exclusive), label
EntityDocument = tuple[str, list[EntitySpan]]  # text, its spans

# re3d type -> the scored label (see the module's description).
RE3D_LABELS = {
    "Person": "PERSON",
    "Organisation": "ORG",
    "Location": "GPE/LOC",
    "Nationality": "NORP",
    "Temporal": "DATE",
    "Money": "MONEY",
    "Quantity": "QUANTITY/CARDINAL",
}
RE3D_LEFT_OUT = frozenset({"Weapon", "Vehicle", "MilitaryPlatform", "DocumentReference",
                           "CommsIdentifier", "Coordinate", "Frequency"})

# The program's label -> the scored label it counts as on re3d. Labels not listed are not
# scored; the scored labels map onto themselves so that mapping twice changes nothing.
SCORED_AS = {
    "PERSON": "PERSON", "ORG": "ORG",
    "GPE": "GPE/LOC", "LOC": "GPE/LOC", "FAC": "GPE/LOC", "GPE/LOC": "GPE/LOC",
    "NORP": "NORP", "LANGUAGE": "NORP",
    "DATE": "DATE", "TIME": "DATE",
    "MONEY": "MONEY",
    "QUANTITY": "QUANTITY/CARDINAL", "CARDINAL": "QUANTITY/CARDINAL",
    "PERCENT": "QUANTITY/CARDINAL", "ORDINAL": "QUANTITY/CARDINAL",
    "QUANTITY/CARDINAL": "QUANTITY/CARDINAL",
}

_PRONOUNS = frozenset("""i me my mine we us our ours you your yours he him his she her hers
it its they them their theirs this that these those who whom which one himself herself
itself themselves""".split())
_DETERMINERS = frozenset("the a an his her its their our my your this that these those".split())
_NUMBER_WORDS = frozenset("""one two three four five six seven eight nine ten eleven twelve
thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty
seventy eighty ninety hundred hundreds thousand thousands million millions billion billions
dozen dozens half first second third fourth fifth""".split())
_WORD = re.compile(r"\w[\w'’.-]*")


def dev_data_dir() -> Path:
    """The development data folder: ``$UNANNOTATE_DEV_DATA``, else ``../shared/dev-data``
    beside the checkout. It may not exist: callers check and say so."""
    override = os.environ.get(DEV_DATA_ENV)
    return Path(override) if override else REPO.parent / "shared" / "dev-data"


def re3d_dir(source: str, root: Path | None = None) -> Path:
    """The folder of one re3d source (``Wikipedia`` or ``BBC_Online``)."""
    return (root or dev_data_dir()) / "entities" / "re3d" / source


def claimbuster_path(root: Path | None = None) -> Path:
    return (root or dev_data_dir()) / "claims" / "claimbuster" / "train.json"


# -- loaders ---------------------------------------------------------------------------------

def _json_lines(path: Path) -> Iterable[tuple[int, dict]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as error:
                    raise ValueError(f"{path}, line {number}: not JSON ({error.msg})") from None


def is_named_mention(text: str, label: str | None = None, *, sentence_start: bool = False,
                     lowercase: frozenset[str] = frozenset()) -> bool:
    """Whether a gold span's text names something (see ``named_only`` in the module's
    description): not a pronoun, and its first word after a determiner is capitalised, a
    number or a number word.

    With the span's scored ``label``: a person, organisation, place or nationality counted
    by a number ("11 people", "thousands of fighters", "17 gates") names nothing unless a
    capitalised word follows the number ("350 Syrians"). With ``sentence_start`` (the span
    opens a sentence, so its first word is capitalised whatever it is) and ``lowercase``
    (words seen in lower case in the source's texts): a span whose first word is such a word
    and whose other words are in lower case ("Another resident", "State television") is a
    description."""
    words = _WORD.findall(text)
    if not words:
        return False
    if len(words) == 1 and words[0].lower() in _PRONOUNS:
        return False
    determined = False
    while len(words) > 1 and words[0].lower() in _DETERMINERS:
        words = words[1:]
        determined = True
    first = words[0]
    if not (first[0].isupper() or first[0].isdigit() or first.lower() in _NUMBER_WORDS):
        return False
    if label in _NAME_LABELS:
        counted = [w for w in words if not (w[0].isdigit() or w.lower() in _NUMBER_WORDS)]
        if len(counted) < len(words) and (not counted or not counted[0][0].isupper()):
            return False
        if (sentence_start and not determined and first.lower() in lowercase
                and not any(w[0].isupper() for w in words[1:])):
            return False
    return True


_NAME_LABELS = frozenset({"PERSON", "ORG", "GPE/LOC", "NORP"})
_OPENERS = " \t\r\n\"'“‘(["
_LOWER_WORD = re.compile(r"\b[a-z][a-z'’-]*\b")


def _opens_sentence(text: str, start: int) -> bool:
    """Whether ``start`` opens a sentence: only spaces, quotes or brackets between it and
    the text's start, a line break or a sentence's end."""
    before = text[:start].rstrip(_OPENERS)
    return not before or before[-1] in ".!?" or "\n" in text[len(before):start]


TURNED_DOWN = 0.5  # a type of lower confidence than another for the same span, and below this


def load_re3d(folder: Path, *, named_only: bool = True) -> list[EntityDocument]:
    """One re3d source folder as ``[(text, [(start, end, label)])]``, documents in file
    order, spans sorted, labels as in :data:`RE3D_LABELS` (other types left out), an
    alternative type turned down for a span left out (see the module's description).

    Raises ``ValueError`` naming the file and line when an entity's offsets do not give its
    value or name an unknown document."""
    texts: dict[str, str] = {}
    for _, record in _json_lines(folder / "documents.json"):
        texts[record["_id"]] = record["text"]
    spans: dict[str, set[EntitySpan]] = {key: set() for key in texts}
    entities = folder / "entities.json"
    records = list(_json_lines(entities))
    lowercase = frozenset(w for text in texts.values() for w in _LOWER_WORD.findall(text))
    best: dict[tuple[str, int, int], float] = {}  # the highest confidence given each span
    for _, record in records:
        place = (record["documentId"], record["begin"], record["end"])
        best[place] = max(best.get(place, 0.0), record.get("confidence", 1.0))
    for number, record in records:
        label = RE3D_LABELS.get(record["type"])
        if label is None:
            continue
        key, start, end = record["documentId"], record["begin"], record["end"]
        if key not in texts:
            raise ValueError(f"{entities}, line {number}: unknown document {key!r}")
        if texts[key][start:end] != record["value"]:
            raise ValueError(f"{entities}, line {number}: [{start}, {end}) is not "
                             f"{record['value']!r}")
        if named_only and not is_named_mention(
                record["value"], label, sentence_start=_opens_sentence(texts[key], start),
                lowercase=lowercase):
            continue
        confidence = record.get("confidence", 1.0)
        if confidence < TURNED_DOWN and confidence < best[(key, start, end)]:
            continue  # another type was chosen for this span
        spans[key].add((start, end, label))
    return [(texts[key], sorted(spans[key])) for key in texts]


def load_claimbuster(path: Path) -> list[tuple[str, bool]]:
    """ClaimBuster's ``train.json`` (a JSON array of ``{"sentence_id", "label", "text"}``)
    as ``[(text, is_claim)]`` in file order; label 1 is a check-worthy factual claim."""
    records = json.loads(path.read_text(encoding="utf-8"))
    return [(record["text"], record["label"] == 1) for record in records]


def _nth(text: str, piece: str, occurrence: int) -> tuple[int, int]:
    position = -1
    for _ in range(occurrence + 1):
        position = text.find(piece, position + 1)
        if position < 0:
            raise ValueError(f"{piece!r} (occurrence {occurrence}) is not in the text")
    return position, position + len(piece)


def load_sample_gold(path: Path = SAMPLE_GOLD
                     ) -> list[tuple[str, str, list[EntitySpan], list[tuple[int, int]]]]:
    """The hand annotations of the program's sample documents as ``[(file name, text,
    entity spans, claim spans)]``. Each record names its file (relative to the checkout)
    and gives each entity as ``[text, label, occurrence]`` and each claim as ``[text,
    occurrence]``, the occurrence counting from 0. The text is read as the tests read it."""
    found = []
    for number, record in _json_lines(path):
        file = REPO / record["file"]
        text = file.read_text(encoding="utf-8")
        try:
            entities = sorted((*_nth(text, piece, n), label)
                              for piece, label, n in record["entities"])
            claims = sorted(_nth(text, piece, n) for piece, n in record["claims"])
        except ValueError as error:
            raise ValueError(f"{path}, line {number}: {error}") from None
        found.append((file.name, text, entities, claims))
    return found


T = TypeVar("T")


def split_held_out(items: Sequence[T], fraction: float, seed: int = 1
                   ) -> tuple[list[T], list[T]]:
    """``(tune, held_out)``: a seeded shuffle of the items' positions puts ``fraction`` of
    them (rounded, at least one when there are two or more) in the held-out part; each part
    keeps the items' order."""
    if not 0 < fraction < 1:
        raise ValueError(f"the held-out fraction must be between 0 and 1, got {fraction}")
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    size = max(1, round(len(items) * fraction)) if len(items) > 1 else 0
    held = set(order[:size])
    return ([item for i, item in enumerate(items) if i not in held],
            [item for i, item in enumerate(items) if i in held])


def non_overlapping(spans: Iterable[EntitySpan]) -> list[EntitySpan]:
    """The spans with no two overlapping, as ``doc.ents`` and a NER model need them: the
    longest first ("Prime Minister Nouri Maliki" over "Nouri Maliki"), then the earliest;
    a span overlapping one already kept is dropped. Sorted by start."""
    kept: list[EntitySpan] = []
    taken: list[tuple[int, int]] = []
    for start, end, label in sorted(set(spans), key=lambda s: (s[0] - s[1], s[0], s[2])):
        if all(end <= a or b <= start for a, b in taken):
            kept.append((start, end, label))
            taken.append((start, end))
    return sorted(kept)


# -- entity scores ---------------------------------------------------------------------------

def scored_label(label: str) -> str | None:
    """The label ``label`` is scored as on re3d (:data:`SCORED_AS`), None when not scored."""
    return SCORED_AS.get(label)


def _groups(spans: Iterable[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Spans (of one label) joined into groups of spans that overlap one another."""
    groups: list[list[tuple[int, int]]] = []
    reach = -1
    for start, end in sorted(set(spans)):
        if groups and start < reach:
            groups[-1].append((start, end))
            reach = max(reach, end)
        else:
            groups.append([(start, end)])
            reach = end
    return groups


def _exact_matches(groups: list[list[tuple[int, int]]], predicted: list[tuple[int, int]]
                   ) -> int:
    where = {span: g for g, group in enumerate(groups) for span in group}
    matched: set[int] = set()
    for span in sorted(set(predicted)):
        g = where.get(span)
        if g is not None and g not in matched:
            matched.add(g)
    return len(matched)


def _prf(matched: int, predicted: int, gold: int) -> dict[str, float | int]:
    precision = matched / predicted if predicted else 0.0
    recall = matched / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "matched": matched, "predicted": predicted, "gold": gold}


def score_entities(gold: Sequence[Sequence[EntitySpan]],
                   predicted: Sequence[Sequence[EntitySpan]], *, overlap: bool = True,
                   map_labels: bool = True) -> dict[str, dict[str, float | int]]:
    """Per-label and overall precision, recall and F1 of ``predicted`` against ``gold``
    (one list of ``(start, end, label)`` per document, in the same order), matched exactly
    or by overlap as the module's description says.

    With ``map_labels`` both sides' labels go through :func:`scored_label` first (spans of
    a label not scored are dropped), so the program's labels can be scored on re3d as they
    are. Returns ``{label: {"precision", "recall", "f1", "matched", "predicted",
    "gold"}}`` with an ``"overall"`` entry pooling every label's counts."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold documents but {len(predicted)} predicted")
    counts: dict[str, Counter[str]] = {}
    for gold_spans, found_spans in zip(gold, predicted, strict=True):
        by_label: dict[str, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
        for side, spans in ((0, gold_spans), (1, found_spans)):
            for start, end, label in spans:
                name = scored_label(label) if map_labels else label
                if name is not None:
                    by_label.setdefault(name, ([], []))[side].append((start, end))
        for label, (gold_here, found_here) in by_label.items():
            groups = _groups(gold_here)
            found_here = sorted(set(found_here))
            if overlap:
                unions = [(group[0][0], max(end for _, end in group)) for group in groups]
                matched = greedy_overlap_matches(found_here, unions)
            else:
                matched = _exact_matches(groups, found_here)
            tally = counts.setdefault(label, Counter())
            tally.update(matched=matched, predicted=len(found_here), gold=len(groups))
    scores = {label: _prf(c["matched"], c["predicted"], c["gold"])
              for label, c in sorted(counts.items())}
    pooled: Counter[str] = Counter()
    for c in counts.values():
        pooled.update(c)
    scores["overall"] = _prf(pooled["matched"], pooled["predicted"], pooled["gold"])
    return scores


# -- claim scores ----------------------------------------------------------------------------

def claim_sentences(text: str, claims: Iterable[tuple[int, int]]) -> list[bool]:
    """For each sentence of ``text`` (``core.offsets.sentences``): whether one of the claim
    spans covers at least half of its characters that are not white space."""
    rows = claim_sentence_rows(text, [[(start, end, "CLAIM", True) for start, end in claims]])
    return [bool(flag) for flag in rows[0]]


def text_is_claim(text: str, claims: Iterable[tuple[int, int]]) -> bool:
    """Whether a short text (one ClaimBuster item) is predicted a claim: one of its
    sentences is (:func:`claim_sentences`)."""
    return any(claim_sentences(text, claims))


def score_claim_sentences(gold: Sequence[bool], predicted: Sequence[bool]
                          ) -> dict[str, float | int]:
    """Precision, recall and F1 of the claim class over sentences (or items), with the
    counts: ``{"precision", "recall", "f1", "matched", "predicted", "gold", "sentences"}``."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} predicted")
    matched = sum(1 for g, p in zip(gold, predicted, strict=True) if g and p)
    scores = _prf(matched, sum(map(bool, predicted)), sum(map(bool, gold)))
    scores["sentences"] = len(gold)
    return scores


def document_claim_sentences(text: str, gold: Iterable[tuple[int, int]],
                             predicted: Iterable[tuple[int, int]]
                             ) -> tuple[list[bool], list[bool]]:
    """The gold and predicted claim flags of every sentence of one document, for
    :func:`score_claim_sentences`."""
    return claim_sentences(text, gold), claim_sentences(text, predicted)


__all__ = [
    "RE3D_LABELS", "RE3D_LEFT_OUT", "RE3D_SOURCES", "SCORED_AS", "claim_sentences",
    "claimbuster_path", "dev_data_dir", "document_claim_sentences", "is_named_mention",
    "load_claimbuster", "load_re3d", "load_sample_gold", "non_overlapping", "re3d_dir",
    "score_claim_sentences", "score_entities", "scored_label", "split_held_out",
    "text_is_claim",
]
