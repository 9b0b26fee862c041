"""The built-in entity rules as input features of a trained ``ner``.

A ``ner`` trained from a blank pipeline knows nothing at first; the rules already find
most entities. So that the model starts from the rules rather than from nothing, the
component ``unannotate_rule_tags`` runs the rules on each document and writes what they
found into each token's ``tag_`` (``B-ORG``, ``I-ORG``, ``O``; a blank pipeline has no
tagger to use it otherwise), and the ``ner``'s embedding reads ``TAG`` beside the word's
norm, prefix, suffix and shape. The model learns when to follow the rules and when not:
what the reviewers accepted, corrected, rejected and added.

A saved pipeline names the component's factory; spaCy finds it through the package's
``spacy_factories`` entry point, or once this module is imported.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

FACTORY = "unannotate_rule_tags"
# The ner's model: spaCy's default for ner, with TAG among the embedded attributes.
NER_MODEL: dict[str, Any] = {
    "@architectures": "spacy.TransitionBasedParser.v2",
    "state_type": "ner",
    "extra_state_tokens": False,
    "hidden_width": 64,
    "maxout_pieces": 2,
    "use_upper": True,
    "nO": None,
    "tok2vec": {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {
            "@architectures": "spacy.MultiHashEmbed.v2",
            "width": 96,
            "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE", "TAG"],
            "rows": [5000, 1000, 2500, 2500, 200],
            "include_static_vectors": False,
        },
        "encode": {
            "@architectures": "spacy.MaxoutWindowEncoder.v2",
            "width": 96,
            "depth": 4,
            "window_size": 1,
            "maxout_pieces": 3,
        },
    },
}


class RuleTags:
    """Writes the entity rules' findings into ``token.tag_``."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self.language = nlp.lang

    def __call__(self, doc: Doc) -> Doc:
        from .entity_rules import build_nlp

        rules = build_nlp(self.language)
        found = rules(doc.text)
        tags = ["O"] * len(doc)
        for ent in found.ents:
            span = doc.char_span(ent.start_char, ent.end_char, alignment_mode="expand")
            if span is None:
                continue
            tags[span.start] = f"B-{ent.label_}"
            for i in range(span.start + 1, span.end):
                tags[i] = f"I-{ent.label_}"
        for token, tag in zip(doc, tags, strict=True):
            token.tag_ = tag
        return doc

    # Nothing to save: the rules come with the program.
    def to_disk(self, path: Any, *, exclude: Any = ()) -> None:
        return None

    def from_disk(self, path: Any, *, exclude: Any = ()) -> RuleTags:
        return self

    def to_bytes(self, *, exclude: Any = ()) -> bytes:
        return b""

    def from_bytes(self, data: bytes, *, exclude: Any = ()) -> RuleTags:
        return self


@Language.factory(FACTORY)
def make_rule_tags(nlp: Language, name: str) -> RuleTags:
    return RuleTags(nlp, name)


RULES_FIRST = "unannotate_rules_first"
RELIABLE_PRECISION = 0.7  # of the rules on the reviewed documents, for a label to go first
RELIABLE_MIN = 3  # rule suggestions of the label in the reviewed documents, at least


def rule_precision(texts: list[str], gold: list[list[tuple[int, int, str]]],
                   language: str) -> dict[str, float]:
    """Per label the rules suggested at least :data:`RELIABLE_MIN` times in the reviewed
    documents, the share of those suggestions that were right (overlap, same label). The
    rules never saw these documents, so this is a fair measure of them."""
    from ..core.agreement import greedy_overlap_matches
    from .entity_rules import build_nlp

    rules = build_nlp(language)
    matched: dict[str, int] = {}
    made: dict[str, int] = {}
    for doc, spans in zip(rules.pipe(texts), gold, strict=True):
        found: dict[str, list[tuple[int, int]]] = {}
        for ent in doc.ents:
            found.setdefault(ent.label_, []).append((ent.start_char, ent.end_char))
        for label, places in found.items():
            truth = [(s, e) for s, e, lab in spans if lab == label]
            matched[label] = matched.get(label, 0) + greedy_overlap_matches(places, truth)
            made[label] = made.get(label, 0) + len(places)
    return {label: round(matched[label] / n, 3) for label, n in sorted(made.items())
            if n >= RELIABLE_MIN}


def reliable_of(precision: dict[str, float]) -> dict[str, float]:
    """The labels whose rule suggestions were right at least :data:`RELIABLE_PRECISION` of
    the time in the reviewed documents (``precision`` from :func:`rule_precision`)."""
    return {label: p for label, p in precision.items() if p >= RELIABLE_PRECISION}


# A label nests inside another when the reviewers marked a span of it inside a longer span
# of the other ("Iraqi" NORP in "Iraqi forces" ORG) at least this often, and in at least this
# share of that label's spans, in the reviewed documents.
NESTED_MIN = 3
NESTED_SHARE = 0.1
NESTED_KEY = "unannotate_nested"  # doc.spans: rule entities kept inside a longer entity


def nested_label_pairs(gold: list[list[tuple[int, int, str]]]) -> list[tuple[str, str]]:
    """``(inner, outer)`` label pairs the reviewers nest: spans of ``inner`` strictly inside
    a span of ``outer`` at least :data:`NESTED_MIN` times and in at least
    :data:`NESTED_SHARE` of the ``inner`` spans of the reviewed documents."""
    inside: dict[tuple[str, str], int] = {}
    spans_of: dict[str, int] = {}
    for spans in gold:
        # A span holding another starts at most its longest length before the other ends:
        # the candidates are found by bisection (long documents: thousands of spans).
        ordered = sorted(spans)
        starts = [s for s, _, _ in ordered]
        longest = max((e - s for s, e, _ in ordered), default=0)
        for start, end, label in spans:
            spans_of[label] = spans_of.get(label, 0) + 1
            near = ordered[bisect_left(starts, end - longest):bisect_right(starts, start)]
            outer = {other for s, e, other in near
                     if other != label and s <= start and end <= e and (s, e) != (start, end)}
            for other in outer:
                inside[(label, other)] = inside.get((label, other), 0) + 1
    return sorted(pair for pair, n in inside.items()
                  if n >= NESTED_MIN and n / spans_of[pair[0]] >= NESTED_SHARE)


class RulesFirst:
    """After ``ner``: the rules' entities of the labels they proved reliable on in the
    reviewed documents go first; the model's entities fill the rest.

    Where the reviewers nest one label inside another (``nested``: ``(inner, outer)`` pairs
    from :func:`nested_label_pairs`), a model entity of the outer label that holds only rule
    entities of an inner label, each strictly inside it, is kept in ``doc.ents`` and those
    rule entities go to ``doc.spans["unannotate_nested"]``: both are suggested, as the
    reviewers mark them, instead of the rule entity taking the longer one's place. Rule
    entities of an inner label inside a model entity of its outer label are suggested there
    even when the rules do not go first for that label: the model cannot nest, so the rules
    are the only source of the inner entity."""

    def __init__(self, nlp: Language, name: str, labels: list[str],
                 nested: list[list[str]] | None = None,
                 precision: dict[str, float] | None = None) -> None:
        self.name = name
        self.language = nlp.lang
        self.labels = set(labels)
        self.nested = {(inner, outer) for inner, outer in nested or ()}
        # The rules' precision per label in the reviewed documents: their entities' score.
        self.precision = dict(precision or {})

    def __call__(self, doc: Doc) -> Doc:
        from .entity_rules import build_nlp

        if not self.labels and not self.nested:
            return doc
        found = build_nlp(self.language)(doc.text)
        rules: list[Span] = []
        for ent in found.ents:
            span = doc.char_span(ent.start_char, ent.end_char, alignment_mode="expand")
            if span is not None:
                rules.append(Span(doc, span.start, span.end, label=ent.label_,
                                  span_id=ent.id_ or f"rule: {ent.label_}"))
        # Token -> the rule entity going first there (its index in ``first``), or -1.
        first: list[Span] = []
        taken = [-1] * len(doc)
        for span in rules:
            if span.label_ in self.labels and all(t < 0 for t in taken[span.start:span.end]):
                taken[span.start:span.end] = [len(first)] * len(span)
                first.append(span)
        # Token -> the model entity kept there (its index in ``rest``), or -1.
        rest: list[Span] = []
        kept_at = [-1] * len(doc)
        for ent in doc.ents:
            clashing = {taken[t] for t in range(ent.start, ent.end) if taken[t] >= 0}
            if all(self._nests(first[i], ent) for i in clashing):
                kept_at[ent.start:ent.end] = [len(rest)] * len(ent)
                rest.append(ent)
        # Inside each model entity kept: the rule entities of a label nested in its label
        # (also of labels the rules do not go first for: the model cannot nest). The kept
        # entities do not overlap, so the one holding a span's first token is the only one
        # that can hold it.
        inner = [s for s in rules
                 if kept_at[s.start] >= 0 and self._nests(s, rest[kept_at[s.start]])]
        held = set(inner)
        kept = [s for s in first if s not in held]
        doc.ents = sorted(kept + rest, key=lambda s: s.start)
        if inner:
            doc.spans[NESTED_KEY] = sorted(inner, key=lambda s: s.start)
        return doc

    def _nests(self, inner: Span, outer: Span) -> bool:
        return (outer.start <= inner.start and inner.end <= outer.end
                and len(inner) < len(outer) and (inner.label_, outer.label_) in self.nested)


@Language.factory(RULES_FIRST, default_config={"labels": [], "nested": [], "precision": {}})
def make_rules_first(nlp: Language, name: str, labels: list[str],
                     nested: list[list[str]], precision: dict[str, float]) -> RulesFirst:
    return RulesFirst(nlp, name, labels, nested, precision)
