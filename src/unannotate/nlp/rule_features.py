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

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

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
