"""Agreement figures: hand-worked examples, the edge cases, and scikit-learn's and the
krippendorff package's figures on random documents."""

from __future__ import annotations

import math
import warnings
from collections import Counter
from itertools import combinations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unannotate.core.agreement import (
    OUTSIDE,
    AgreementDocument,
    AgreementReport,
    AnnotatedSpan,
    cohen_kappa,
    compute_agreement,
    greedy_overlap_matches,
    nominal_alpha,
)
from unannotate.core.offsets import Tokens, sentence_at, sentences

TEXT = "Ana Lopez met Ben Okafor in Paris on Monday."


def at(text: str, piece: str, label: str, *, claim: bool = False,
       occurrence: int = 0) -> AnnotatedSpan:
    """The span of ``piece`` (its ``occurrence``-th appearance) in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(piece, start + 1)
    return AnnotatedSpan(start, start + len(piece), label, claim)


def doc(layers: dict[str, list[AnnotatedSpan]], text: str = TEXT, id: int = 1,
        title: str = "") -> AgreementDocument:
    return AgreementDocument(id=id, title=title or f"doc {id}", text=text, layers=layers)


# -- span F1, worked by hand ------------------------------------------------------------------

def _two_annotators() -> AgreementReport:
    a = [at(TEXT, "Ana Lopez", "PERSON"), at(TEXT, "Ben Okafor", "PERSON"),
         at(TEXT, "Paris", "GPE"), at(TEXT, "Monday", "DATE")]
    b = [at(TEXT, "Ana Lopez", "PERSON"), at(TEXT, "Ben", "PERSON"),  # boundary differs
         at(TEXT, "Paris", "LOC"), at(TEXT, "Monday", "DATE")]  # label differs
    return compute_agreement([doc({"a": a, "b": b})], ["a", "b"])


def test_exact_and_overlap_f1_by_hand() -> None:
    report = _two_annotators()
    # Exact: Ana Lopez and Monday, 2 matches of 4 + 4 spans; overlap adds Ben / Ben Okafor.
    assert report.exact_f1 == pytest.approx(2 * 2 / 8)
    assert report.overlap_f1 == pytest.approx(2 * 3 / 8)
    [pair] = report.pairs
    assert (pair.a, pair.b, pair.a_spans, pair.b_spans) == ("a", "b", 4, 4)
    assert (pair.exact_matches, pair.overlap_matches) == (2, 3)
    assert pair.exact_f1 == report.exact_f1 and pair.overlap_f1 == report.overlap_f1


def test_per_label_by_hand() -> None:
    per_label = _two_annotators().pairs[0].per_label
    assert list(per_label) == ["DATE", "GPE", "LOC", "PERSON"]
    person = per_label["PERSON"]
    assert (person.a_spans, person.b_spans, person.exact_matches) == (2, 2, 1)
    assert person.exact_f1 == pytest.approx(0.5) and person.overlap_f1 == pytest.approx(1.0)
    assert per_label["DATE"].exact_f1 == 1.0
    # A label only one of them used: nothing matches, F1 0 (not undefined).
    assert per_label["GPE"].exact_f1 == 0.0 and per_label["GPE"].overlap_f1 == 0.0
    assert (per_label["LOC"].a_spans, per_label["LOC"].b_spans) == (0, 1)
    assert person.annotator_spans == {"a": 2, "b": 2}


def test_f1_is_symmetric() -> None:
    a = [at(TEXT, "Ana Lopez", "PERSON"), at(TEXT, "Ana", "PERSON")]
    b = [at(TEXT, "Lopez", "PERSON")]
    one = compute_agreement([doc({"a": a, "b": b})], ["a", "b"])
    other = compute_agreement([doc({"a": a, "b": b})], ["b", "a"])
    assert (one.exact_f1, one.overlap_f1) == (other.exact_f1, other.overlap_f1)
    assert one.overlap_f1 == pytest.approx(2 * 1 / 3)


def test_each_span_is_matched_once() -> None:
    text = "aaaa bbbb cccc dddd"
    # Exact: b has the same span twice, a once: one match.
    a = [AnnotatedSpan(0, 4, "X")]
    b = [AnnotatedSpan(0, 4, "X"), AnnotatedSpan(0, 4, "X")]
    report = compute_agreement([doc({"a": a, "b": b}, text)], ["a", "b"])
    assert report.exact_f1 == pytest.approx(2 * 1 / 3)
    # Overlap: one span of a across two of b pairs with the larger overlap only.
    a = [AnnotatedSpan(0, 14, "X")]
    b = [AnnotatedSpan(0, 4, "X"), AnnotatedSpan(5, 14, "X")]
    report = compute_agreement([doc({"a": a, "b": b}, text)], ["a", "b"])
    assert report.exact_f1 == 0.0
    assert report.overlap_f1 == pytest.approx(2 * 1 / 3)


def test_greedy_overlap_takes_the_largest_overlap_first() -> None:
    # a0 overlaps b0 by 5 and a1 overlaps b0 by 4: a0 is paired, a1 is left.
    assert greedy_overlap_matches([(0, 10), (8, 12)], [(5, 12)]) == 1
    # Largest first even where another order would pair more: b0 goes to a0 (overlap 6),
    # so a1 (overlap 2 with b0) stays unpaired.
    assert greedy_overlap_matches([(0, 10), (8, 12)], [(4, 10)]) == 1
    assert greedy_overlap_matches([(0, 10), (10, 20)], [(5, 15), (15, 25)]) == 2
    assert greedy_overlap_matches([(0, 5)], [(5, 9)]) == 0  # touching is not overlapping


def _all_pairs_overlap_matches(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    """The greedy matching over every pair of spans: what the bisection must give."""
    candidates = sorted((-(min(ea, eb) - max(sa, sb)), max(ea, eb) - min(sa, sb), sa, ea, sb,
                         eb, ia, ib)
                        for ia, (sa, ea) in enumerate(a) for ib, (sb, eb) in enumerate(b)
                        if min(ea, eb) - max(sa, sb) > 0)
    used_a: set[int] = set()
    used_b: set[int] = set()
    for *_, ia, ib in candidates:
        if ia not in used_a and ib not in used_b:
            used_a.add(ia)
            used_b.add(ib)
    return len(used_a)


_spans = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 25)).map(
    lambda p: (p[0], p[0] + p[1])), max_size=14)


@settings(max_examples=300, deadline=None)
@given(_spans, _spans)
def test_greedy_overlap_pairs_as_if_every_pair_were_tried(a, b) -> None:  # type: ignore[no-untyped-def]
    """Only spans near each other are compared (long documents hold thousands): the pairs
    are those of trying every pair, a long span among short ones included."""
    assert greedy_overlap_matches(a, b) == _all_pairs_overlap_matches(a, b)
    assert greedy_overlap_matches(b, a) == _all_pairs_overlap_matches(b, a)


def test_overlap_needs_the_same_label() -> None:
    a = [AnnotatedSpan(0, 9, "PERSON")]
    b = [AnnotatedSpan(0, 9, "ORG")]
    report = compute_agreement([doc({"a": a, "b": b})], ["a", "b"])
    assert report.exact_f1 == 0.0 and report.overlap_f1 == 0.0


def test_per_label_and_overall_are_pooled_over_pairs() -> None:
    text = "one two three four five six"
    one, two, three = (at(text, w, "X") for w in ("one", "two", "three"))
    layers = {"a": [one, two], "b": [one], "c": [one, two, three]}
    report = compute_agreement([doc(layers, text)], ["a", "b", "c"])
    # Pairs: ab 1 match of 2 + 1, ac 2 of 2 + 3, bc 1 of 1 + 3.
    f1s = [p.exact_f1 for p in report.pairs]
    assert f1s == pytest.approx([2 / 3, 4 / 5, 2 / 4])
    pooled = 2 * (1 + 2 + 1) / (3 + 5 + 4)
    assert report.exact_f1 == pytest.approx(pooled)
    assert report.per_label["X"].exact_f1 == pytest.approx(pooled)
    assert pooled != pytest.approx(sum(f1s) / 3)  # not a mean of means
    x = report.per_label["X"]
    assert (x.a_spans, x.b_spans, x.exact_matches) == (2 + 2 + 1, 1 + 3 + 3, 4)
    assert x.annotator_spans == {"a": 2, "b": 1, "c": 3}
    assert report.spans == {"a": 2, "b": 1, "c": 3}


# -- per document ---------------------------------------------------------------------------

def test_places_and_disagreements_by_hand() -> None:
    text = "Ana Lopez met Ben Okafor in Paris on Monday. Paris is far."
    claim = at(text, "Ana Lopez met Ben Okafor in Paris on Monday.", "CLAIM", claim=True)
    a = [at(text, "Ana Lopez", "PERSON"), at(text, "Ben Okafor", "PERSON"),
         at(text, "Paris", "GPE"), at(text, "Monday", "DATE"), claim]
    b = [at(text, "Ana Lopez", "PERSON"),
         at(text, "Ben", "PERSON"), at(text, "Okafor", "PERSON"),  # one place, differs
         at(text, "Paris", "GPE"), at(text, "Monday", "TIME"),  # label differs
         at(text, "Paris", "GPE", occurrence=1), claim]  # a has nothing there: differs
    report = compute_agreement([doc({"a": a, "b": b}, text)], ["a", "b"])
    [scores] = report.per_document
    assert scores.spans == 12
    # Entities and claims are grouped apart: the claim holding the entities of the first
    # sentence is a place of its own (agreed), so the two entity places that differ inside
    # it count as two.
    assert scores.disagreements == 3
    assert scores.exact_f1 == pytest.approx(2 * 3 / 12)


def test_a_place_agrees_only_when_every_annotator_holds_the_same_spans() -> None:
    text = "New York City Hall is old."
    a = [at(text, "New York", "GPE"), at(text, "New York City Hall", "FAC")]
    b = [at(text, "New York City Hall", "FAC"), at(text, "New York", "GPE")]
    c = [at(text, "New York City Hall", "FAC")]
    agreed = compute_agreement([doc({"a": a, "b": b}, text)], ["a", "b"])
    assert agreed.per_document[0].disagreements == 0
    differs = compute_agreement([doc({"a": a, "b": b, "c": c}, text)], ["a", "b", "c"])
    assert differs.per_document[0].disagreements == 1


def test_documents_come_most_disagreement_first() -> None:
    text = "alpha beta gamma delta epsilon"
    al, be, ga, de = (at(text, w, "X") for w in ("alpha", "beta", "gamma", "delta"))
    documents = [
        doc({"a": [al, be], "b": [al, be]}, text, id=1),  # agree: 0, f1 1
        doc({"a": [al, be], "b": [al]}, text, id=2),  # 1 place, f1 2/3
        doc({"a": [al], "b": [be]}, text, id=3),  # 2 differ, f1 0
        doc({"a": [al, be, ga], "b": [al, de]}, text, id=4),  # 3 differ, f1 0.4
        doc({}, text, id=5),  # no spans: 0, f1 undefined
        doc({"a": [ga], "b": [ga]}, text, id=6),  # agree: 0, f1 1
        doc({"a": [al, be], "b": [be, ga]}, text, id=7),  # 2 differ, f1 0.5
    ]
    report = compute_agreement(documents, ["a", "b"])
    order = [(d.id, d.disagreements, d.exact_f1) for d in report.per_document]
    assert order == [(4, 3, pytest.approx(0.4)), (3, 2, 0.0), (7, 2, 0.5),
                     (2, 1, pytest.approx(2 / 3)), (1, 0, 1.0), (6, 0, 1.0), (5, 0, None)]
    assert report.documents == 7
    assert [d.title for d in report.per_document][:2] == ["doc 4", "doc 3"]


# -- tokens and sentences, worked by hand -----------------------------------------------------

def test_token_labels_longest_then_earliest() -> None:
    text = "New York City Hall opened."  # tokens: New York City Hall opened .
    nested = [at(text, "New York", "GPE"), at(text, "New York City Hall", "FAC")]
    outer = [at(text, "New York City Hall", "FAC")]
    # The longest covering span wins: both annotators give FAC to four tokens.
    report = compute_agreement([doc({"a": nested, "b": outer}, text)], ["a", "b"])
    assert report.pairs[0].token_kappa == 1.0
    # Same length: the earlier span wins, so "York" is A for one and B for the other.
    left = [AnnotatedSpan(0, 8, "A"), AnnotatedSpan(4, 12, "B")]  # "New York", "York Cit"
    right = [AnnotatedSpan(4, 12, "B")]
    a_labels = ["A", "A", "B", OUTSIDE, OUTSIDE, OUTSIDE]
    b_labels = [OUTSIDE, "B", "B", OUTSIDE, OUTSIDE, OUTSIDE]
    report = compute_agreement([doc({"a": left, "b": right}, text)], ["a", "b"])
    assert report.tokens == 6
    assert report.pairs[0].token_kappa == pytest.approx(cohen_kappa(a_labels, b_labels))
    # A span sharing one character with a token labels it; claims are not token labels.
    partial = [AnnotatedSpan(2, 5, "X"), AnnotatedSpan(0, 26, "CLAIM", True)]
    report = compute_agreement([doc({"a": partial, "b": []}, text)], ["a", "b"])
    expected = cohen_kappa(["X", "X", OUTSIDE, OUTSIDE, OUTSIDE, OUTSIDE], [OUTSIDE] * 6)
    assert report.pairs[0].token_kappa == pytest.approx(expected)


def test_claim_sentences_need_half_of_the_sentence() -> None:
    text = "It rained in Paris. Ben left early!\n\n- one item"
    first, second, third = sentences(text)
    assert [text[s:e] for s, e in (first, second, third)] == [
        "It rained in Paris.", "Ben left early!", "- one item"]
    # "It rained" is 8 of the 16 non-space characters of the first sentence: half, a claim.
    half = [AnnotatedSpan(0, 9, "CLAIM", True)]
    less = [AnnotatedSpan(0, 8, "CLAIM", True)]  # 7 of 16
    whole = [AnnotatedSpan(0, len(text), "CLAIM", True)]  # every sentence
    both_first = compute_agreement([doc({"a": half, "b": [AnnotatedSpan(*first, "C", True)]},
                                        text)], ["a", "b"])
    assert both_first.sentences == 3 and both_first.pairs[0].claim_kappa == 1.0
    differ = compute_agreement([doc({"a": less, "b": half}, text)], ["a", "b"])
    assert differ.pairs[0].claim_kappa == pytest.approx(
        cohen_kappa(["not", "not", "not"], ["claim", "not", "not"]))
    every = compute_agreement([doc({"a": whole, "b": half}, text)], ["a", "b"])
    assert every.pairs[0].claim_kappa == pytest.approx(
        cohen_kappa(["claim"] * 3, ["claim", "not", "not"]))


# -- edge cases -------------------------------------------------------------------------------

def test_no_documents() -> None:
    report = compute_agreement([], ["a", "b", "c"])
    assert report.documents == 0 and report.per_document == [] and report.per_label == {}
    assert report.annotators == ["a", "b", "c"]
    for name in ("exact_f1", "overlap_f1", "token_kappa", "claim_kappa", "token_alpha",
                 "claim_alpha"):
        assert getattr(report, name) is None, name
    assert [(p.a, p.b) for p in report.pairs] == [("a", "b"), ("a", "c"), ("b", "c")]
    assert all(p.exact_f1 is None and p.token_kappa is None for p in report.pairs)


def test_no_spans_at_all() -> None:
    report = compute_agreement([doc({}, id=1), doc({"a": [], "b": []}, id=2)], ["a", "b"])
    assert report.exact_f1 is None and report.overlap_f1 is None and report.per_label == {}
    # Everyone gives every token "O": chance agreement is total; taken as full agreement.
    assert report.token_kappa == 1.0 and report.claim_kappa == 1.0
    assert report.token_alpha == 1.0 and report.claim_alpha == 1.0
    assert [(d.disagreements, d.exact_f1) for d in report.per_document] == [(0, None)] * 2


def test_empty_texts_have_no_units() -> None:
    report = compute_agreement([doc({}, text="")], ["a", "b"])
    assert report.tokens == 0 and report.sentences == 0
    assert report.token_kappa is None and report.token_alpha is None


def test_one_annotator_with_nothing() -> None:
    sklearn = pytest.importorskip("sklearn.metrics")
    a = [at(TEXT, "Ana Lopez", "PERSON"), at(TEXT, "Paris", "GPE"),
         at(TEXT, TEXT, "CLAIM", claim=True)]
    report = compute_agreement([doc({"a": a, "b": []})], ["a", "b"])
    assert report.exact_f1 == 0.0 and report.overlap_f1 == 0.0
    assert report.per_label["PERSON"].exact_f1 == 0.0
    tokens = len(Tokens.of(TEXT).starts)
    a_labels = ["PERSON", "PERSON"] + [OUTSIDE] * 4 + ["GPE"] + [OUTSIDE] * (tokens - 7)
    assert report.token_kappa == pytest.approx(
        sklearn.cohen_kappa_score(a_labels, [OUTSIDE] * tokens))
    assert report.token_kappa == 0.0
    # One sentence, a claim for a, not for b: no variation on b's side, chance is not total.
    assert report.claim_kappa == 0.0
    assert report.per_document[0].disagreements == 3


def test_total_agreement() -> None:
    a = [at(TEXT, "Ana Lopez", "PERSON"), at(TEXT, "Paris", "GPE"),
         at(TEXT, "Ana Lopez met Ben Okafor", "CLAIM", claim=True)]
    layers = {"a": a, "b": list(reversed(a)), "c": list(a)}
    report = compute_agreement([doc(layers), doc({}, id=2, text="Nothing here. Or here.")],
                               ["a", "b", "c"])
    assert report.exact_f1 == 1.0 and report.overlap_f1 == 1.0
    assert report.token_kappa == 1.0 and report.claim_kappa == 1.0
    assert report.token_alpha == 1.0 and report.claim_alpha == 1.0
    assert all(d.disagreements == 0 for d in report.per_document)
    assert all(s.exact_f1 == 1.0 for s in report.per_label.values())


def test_total_disagreement() -> None:
    text = "aa bb cc dd. ee ff."
    a = [at(text, "aa bb", "X"), at(text, "aa bb cc dd.", "CLAIM", claim=True)]
    b = [at(text, "cc dd", "X"), at(text, "ee ff.", "CLAIM", claim=True)]
    report = compute_agreement([doc({"a": a, "b": b}, text)], ["a", "b"])
    assert report.exact_f1 == 0.0 and report.overlap_f1 == 0.0
    # Tokens aa bb cc dd . ee ff .: X X O O O O O O against O O X X O O O O.
    assert report.token_kappa == pytest.approx(
        cohen_kappa(list("XXOOOOOO"), list("OOXXOOOO")))
    assert report.token_kappa < 0
    assert report.claim_kappa == pytest.approx(-1.0)
    assert report.claim_alpha < 0 and report.token_alpha < 0
    assert report.per_document[0].disagreements == 4


@pytest.mark.parametrize("annotators", [[], ["ana"]])
def test_fewer_than_two_annotators(annotators: list[str]) -> None:
    with pytest.raises(ValueError, match="at least two annotators"):
        compute_agreement([doc({})], annotators)


def test_an_annotator_twice() -> None:
    with pytest.raises(ValueError, match="ana given twice"):
        compute_agreement([], ["ana", "ben", "ana"])


def test_annotators_missing_from_a_document_have_no_spans_there() -> None:
    a = [at(TEXT, "Ana Lopez", "PERSON")]
    missing = compute_agreement([doc({"a": a, "someone else": a})], ["a", "b"])
    empty = compute_agreement([doc({"a": a, "b": []})], ["a", "b"])
    assert missing.exact_f1 == empty.exact_f1 == 0.0
    assert missing.token_kappa == empty.token_kappa
    assert missing.per_document == empty.per_document
    assert missing.spans == {"a": 1, "b": 0}  # layers not compared are left out


def test_report_is_read_in_one_pass() -> None:
    documents = iter([doc({"a": [at(TEXT, "Paris", "GPE")], "b": [at(TEXT, "Paris", "GPE")]})])
    assert compute_agreement(documents, ["a", "b"]).exact_f1 == 1.0


# -- the public kappa and alpha against the references ------------------------------------------

LABELS = st.sampled_from(["O", "PER", "ORG", "GPE"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(LABELS, LABELS), min_size=1, max_size=40))
def test_cohen_kappa_matches_sklearn(pairs: list[tuple[str, str]]) -> None:
    sklearn = pytest.importorskip("sklearn.metrics")
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    ours = cohen_kappa(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = sklearn.cohen_kappa_score(a, b)
    if math.isnan(theirs):  # one label throughout, the same for both: ours says 1.0
        assert len(set(a) | set(b)) == 1 and ours == 1.0
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 4).flatmap(lambda coders: st.lists(
    st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=coders, max_size=coders),
    min_size=1, max_size=30)))
def test_nominal_alpha_matches_krippendorff_with_missing_values(
        units: list[list[int | None]]) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    rows = [list(column) for column in zip(*units, strict=True)]  # annotators x units
    ours = nominal_alpha(rows)
    data = np.array([[np.nan if v is None else float(v) for v in row] for row in rows])
    _compare_alpha(krippendorff, ours, data)


def _compare_alpha(krippendorff, ours: float | None, data: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    present = ~np.isnan(data)
    pairable = present.sum(axis=0) >= 2
    if not pairable.any():
        assert ours is None
        return
    if len(np.unique(data[:, pairable][present[:, pairable]])) == 1:
        # One value in every pairable unit: no expected disagreement; the package refuses
        # or divides by zero, ours says full agreement.
        assert ours == 1.0
        return
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert ours == pytest.approx(theirs, abs=1e-9)


def test_kappa_and_alpha_of_nothing() -> None:
    assert cohen_kappa([], []) is None
    assert nominal_alpha([]) is None
    assert nominal_alpha([[1, None], [None, 2]]) is None  # no unit labelled twice
    with pytest.raises(ValueError):
        cohen_kappa(["a"], ["a", "b"])


# -- random documents against the references ---------------------------------------------------

PIECES = ["Ana", "met", "Ben", "in", "Paris", "café", "3,5", "🌍", ".", "!", ",", "\n\n",
          "- item", "  ", "“quoted.”", "\r\n"]
SPAN_LABELS = [("PER", False), ("ORG", False), ("GPE", False), ("CLAIM", True),
               ("NOTE", True)]


@st.composite
def corpora(draw: st.DrawFn) -> tuple[list[AgreementDocument], list[str]]:
    names = draw(st.sampled_from([["a", "b"], ["a", "b", "c"], ["ana", "ben", "cy", "dee"]]))
    documents = []
    for number in range(draw(st.integers(1, 3))):
        text = " ".join(draw(st.lists(st.sampled_from(PIECES), max_size=25)))
        layers: dict[str, list[AnnotatedSpan]] = {}
        base = _spans(draw, text, 6)
        for name in names:
            mine = [s for s in base if draw(st.booleans()) or draw(st.booleans())]
            mine += _spans(draw, text, 3)  # each annotator's own
            if draw(st.integers(0, 9)) > 0:  # now and then an annotator is left out
                layers[name] = mine
        documents.append(AgreementDocument(number + 1, f"d{number}", text, layers))
    return documents, names


def _spans(draw: st.DrawFn, text: str, most: int) -> list[AnnotatedSpan]:
    found: list[AnnotatedSpan] = []
    if not text:
        return found
    for _ in range(draw(st.integers(0, most))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, min(len(text), start + 30)))
        label, claim = draw(st.sampled_from(SPAN_LABELS))
        found.append(AnnotatedSpan(start, end, label, claim))
    return found


def _token_labels(document: AgreementDocument, name: str) -> list[str]:
    """Each token's label, straight from the definition."""
    tokens = Tokens.of(document.text)
    labels = []
    for start, end in zip(tokens.starts, tokens.ends, strict=True):
        covering = [s for s in document.layers.get(name, [])
                    if not s.claim and s.start < end and start < s.end]
        best = min(covering, key=lambda s: (-(s.end - s.start), s.start, s.label), default=None)
        labels.append(best.label if best is not None else OUTSIDE)
    return labels


def _sentence_labels(document: AgreementDocument, name: str) -> list[str]:
    def non_space(start: int, end: int) -> int:
        return sum(1 for ch in document.text[start:end] if not ch.isspace())

    labels = []
    for start, end in sentences(document.text):
        claim = any(s.claim and 2 * non_space(max(start, s.start), min(end, s.end))
                    >= non_space(start, end) for s in document.layers.get(name, []))
        labels.append("claim" if claim else "not")
    return labels


def _key(span: AnnotatedSpan) -> tuple[int, int, str]:
    return span.start, span.end, span.label


def _full_greedy(a: list[AnnotatedSpan], b: list[AnnotatedSpan]) -> int:
    """Overlap matches over every span at once (no exact matching first)."""
    candidates = sorted(
        (-(min(x.end, y.end) - max(x.start, y.start)),
         max(x.end, y.end) - min(x.start, y.start), x.start, x.end, y.start, y.end, i, j)
        for i, x in enumerate(a) for j, y in enumerate(b)
        if x.label == y.label and min(x.end, y.end) > max(x.start, y.start))
    used_a: set[int] = set()
    used_b: set[int] = set()
    for *_, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
    return len(used_a)


def _places(spans: list[tuple[int, int, str, bool, str]]) -> list[list[int]]:
    """Places by brute force (union-find over every pair): spans of one kind that overlap
    and come from different annotators (or are the same span) are in one place."""
    parent = list(range(len(spans)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in combinations(range(len(spans)), 2):
        x, y = spans[i], spans[j]
        if x[3] == y[3] and x[0] < y[1] and y[0] < x[1] and (x[4] != y[4] or x[:3] == y[:3]):
            parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(spans)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora())
def test_random_documents_against_the_references(
        corpus: tuple[list[AgreementDocument], list[str]]) -> None:
    sklearn = pytest.importorskip("sklearn.metrics")
    krippendorff = pytest.importorskip("krippendorff")
    documents, names = corpus
    report = compute_agreement(documents, names)

    tokens = {n: [t for d in documents for t in _token_labels(d, n)] for n in names}
    claims = {n: [s for d in documents for s in _sentence_labels(d, n)] for n in names}
    assert report.tokens == len(tokens[names[0]])
    assert report.sentences == len(claims[names[0]])
    kappas: dict[str, list[float]] = {"token": [], "claim": []}
    pooled = [0, 0, 0]
    for pair, (a, b) in zip(report.pairs, combinations(names, 2), strict=True):
        assert (pair.a, pair.b) == (a, b)
        for kind, labels, ours in (("token", tokens, pair.token_kappa),
                                   ("claim", claims, pair.claim_kappa)):
            if not labels[a]:  # no units (empty texts)
                assert ours is None
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs = sklearn.cohen_kappa_score(labels[a], labels[b])
            if math.isnan(theirs):
                assert ours == 1.0
            else:
                assert ours == pytest.approx(theirs, abs=1e-9)
            kappas[kind].append(ours)
        exact = overlap = sizes = 0
        for d in documents:
            sa, sb = d.layers.get(a, []), d.layers.get(b, [])
            exact += sum((Counter(map(_key, sa)) & Counter(map(_key, sb))).values())
            overlap += _full_greedy(sa, sb)
            sizes += len(sa) + len(sb)
        assert (pair.exact_matches, pair.overlap_matches, pair.a_spans + pair.b_spans) == (
            exact, overlap, sizes)
        assert pair.exact_f1 == (2 * exact / sizes if sizes else None)
        assert overlap >= exact
        pooled = [pooled[0] + exact, pooled[1] + overlap, pooled[2] + sizes]
    assert report.exact_f1 == (2 * pooled[0] / pooled[2] if pooled[2] else None)
    assert report.overlap_f1 == (2 * pooled[1] / pooled[2] if pooled[2] else None)
    for kind, ours in (("token", report.token_kappa), ("claim", report.claim_kappa)):
        found = kappas[kind]
        assert ours == (pytest.approx(sum(found) / len(found)) if found else None)

    for labels, ours in ((tokens, report.token_alpha), (claims, report.claim_alpha)):
        codes: dict[str, int] = {}
        data = np.array([[codes.setdefault(v, len(codes)) for v in labels[n]] for n in names],
                        dtype=float)
        _compare_alpha(krippendorff, ours, data)

    by_id = {d.id: d for d in report.per_document}
    for d in documents:
        spans = [(s.start, s.end, s.label, s.claim, n) for n in names
                 for s in d.layers.get(n, [])]
        differ = 0
        for group in _places(spans):
            held = [{spans[i][:3] for i in group if spans[i][4] == n} for n in names]
            differ += any(h != held[0] for h in held)
        assert (by_id[d.id].spans, by_id[d.id].disagreements) == (len(spans), differ)
    order = [(-d.disagreements, d.exact_f1 is None, d.exact_f1 or 0.0, d.id)
             for d in report.per_document]
    assert order == sorted(order)


# -- sentences ---------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .!?…\n\r\t-*#”»)") + ["\u2029", "\xa0"]),
               max_size=60))
def test_sentences_cover_every_non_blank_character_once(text: str) -> None:
    found = sentences(text)
    covered = [0] * len(text)
    for start, end in found:
        assert start < end
        assert not text[start].isspace() and not text[end - 1].isspace()
        assert sentence_at(text, start) == (start, end)
        for i in range(start, end):
            covered[i] += 1
    assert found == sorted(found)
    for i, ch in enumerate(text):
        assert covered[i] <= 1 if ch.isspace() else covered[i] == 1


def test_nested_spans_of_one_annotator_do_not_chain_places() -> None:
    """A long name holding two shorter ones, all three by a alone, next to b's: a's nested
    spans do not join b's two separate places into one."""
    text = "The United Nations Development Programme and Peru met."
    a = [at(text, "United Nations Development Programme", "ORG"),
         at(text, "United Nations", "ORG"), at(text, "Peru", "GPE")]
    b = [at(text, "United Nations", "ORG"), at(text, "Peru", "GPE")]
    report = compute_agreement([doc({"a": a, "b": b}, text)], ["a", "b"])
    # United Nations (agreed, with a's longer name overlapping it: one place that differs)
    # and Peru (agreed): one disagreement.
    assert report.per_document[0].disagreements == 1
    from unannotate.core.agreement import group_places
    assert group_places([(0, 10, {"a"}), (2, 5, {"a"}), (20, 24, {"a", "b"})]) == [[0], [1], [2]]
    assert group_places([(0, 10, {"a"}), (2, 5, {"b"}), (4, 12, {"a"})]) == [[0, 1, 2]]
