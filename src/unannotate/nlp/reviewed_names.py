"""Names the reviewers marked, suggested again wherever they occur.

A trained ``ner`` generalises from the reviewed documents but does not remember each name
in them: "Alsumaria" marked as an organisation in three documents may still be missed in
the fourth. The component ``unannotate_reviewed_names`` (last in a trained entity
pipeline) holds the names of the reviewed documents that the reviewers mark where they
occur, and suggests each at its other occurrences:

- a *name* is the text of a reviewed span that holds a capital letter, or letters of a
  script without case (numbers and words in lower case are left to the model);
- it is remembered when the reviewers marked at least :data:`MARKED_SHARE` of its
  occurrences in the documents trained on (as whole tokens: "Lima" in "Lima's", not in
  "Limassol"), with one label at least :data:`LABEL_SHARE` of the time: a name marked at
  one place and passed over at three is not one they mark;
- in a new document each occurrence (the longest first) where the pipeline found no entity
  becomes one of the remembered label, and an entity of exactly its extent but another
  label takes the remembered one. An occurrence overlapping an entity of another extent is
  left as the model found it.

Occurrences are found on the pipeline's tokens with spaCy's ``PhraseMatcher``, in the
documents' language whatever its script. The names are saved in the pipeline folder
(``names.json``), so an exported pipeline suggests them too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .rule_features import NESTED_KEY

FACTORY = "unannotate_reviewed_names"
MARKED_SHARE = 0.5  # of a name's occurrences in the reviewed documents, at least
LABEL_SHARE = 0.8  # of its marks with one label, at least
SPAN_ID = "reviewed name"  # the id_ of the entities this component adds or relabels


def is_name(text: str) -> bool:
    """Whether ``text`` can be remembered: it holds a capital letter ("al-Qaeda"), or
    letters of a script without case and none in lower case."""
    letters = [c for c in text if c.isalpha()]
    return any(c.isupper() or c.istitle() for c in letters) or \
        (bool(letters) and not any(c.islower() for c in letters))


def _matcher(nlp: Language, names: Iterable[str]) -> PhraseMatcher:
    """A matcher of ``names`` on ``nlp``'s tokens, each keyed by the name itself."""
    matcher = PhraseMatcher(nlp.vocab)
    for name in names:
        matcher.add(name, [nlp.make_doc(name)])
    return matcher


def reviewed_names(nlp: Language, documents: Iterable[tuple[str, Sequence[tuple[int, int, str]]]]
                   ) -> dict[str, str]:
    """The names the reviewers mark where they occur in ``documents`` (text and reviewed
    spans), each with its label (see the module's description)."""
    documents = list(documents)
    labels: dict[str, Counter[str]] = {}
    for text, spans in documents:
        for start, end, label in spans:
            name = text[start:end]
            if name.strip() == name and is_name(name):
                labels.setdefault(name, Counter())[label] += 1
    if not labels:
        return {}
    matcher = _matcher(nlp, labels)
    strings = nlp.vocab.strings
    found: Counter[str] = Counter()
    marked: Counter[str] = Counter()
    for text, spans in documents:
        doc = nlp.make_doc(text)
        places = {(s, e) for s, e, _ in spans}
        for key, start, end in matcher(doc):
            name = strings[key]
            span = doc[start:end]
            found[name] += 1
            if (span.start_char, span.end_char) in places:
                marked[name] += 1
    out: dict[str, str] = {}
    for name, counts in labels.items():
        label, n = counts.most_common(1)[0]
        if (found[name] and marked[name] / found[name] >= MARKED_SHARE
                and n / sum(counts.values()) >= LABEL_SHARE):
            out[name] = label
    return dict(sorted(out.items()))


class ReviewedNames:
    """Suggests the remembered names at their occurrences (see the module's description)."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self.nlp = nlp
        self.names: dict[str, str] = {}
        self._matcher: PhraseMatcher | None = None

    def set_names(self, names: dict[str, str]) -> None:
        self.names = dict(sorted(names.items()))
        self._matcher = None

    def _match(self, doc: Doc) -> list[Span]:
        if self._matcher is None:
            self._matcher = _matcher(self.nlp, self.names)
        strings = self.nlp.vocab.strings
        found = [Span(doc, start, end, label=self.names[strings[key]], span_id=SPAN_ID)
                 for key, start, end in self._matcher(doc)]
        return filter_spans(found)  # the longest first, no two overlapping

    def __call__(self, doc: Doc) -> Doc:
        if not self.names:
            return doc
        owner = [-1] * len(doc)  # token -> the entity there (its index in ents), or -1
        ents = list(doc.ents)
        for i, ent in enumerate(ents):
            owner[ent.start:ent.end] = [i] * len(ent)
        nested = doc.spans.get(NESTED_KEY, ())
        holding = {owner[s.start] for s in nested if owner[s.start] >= 0}
        added: list[Span] = []
        for span in self._match(doc):
            there = {owner[t] for t in range(span.start, span.end)}
            if there == {-1}:
                added.append(span)
                continue
            if len(there) != 1:
                continue
            (i,) = there
            ent = ents[i] if i >= 0 else None
            if ent is not None and (ent.start, ent.end) == (span.start, span.end) \
                    and ent.label_ != span.label_ and i not in holding:
                ents[i] = span
        if added or ents != list(doc.ents):
            doc.ents = sorted(ents + added, key=lambda s: s.start)
        return doc

    def to_disk(self, path: str | Path, *, exclude: Any = ()) -> None:
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        srsly.write_json(folder / "names.json", self.names)

    def from_disk(self, path: str | Path, *, exclude: Any = ()) -> ReviewedNames:
        self.set_names(srsly.read_json(Path(path) / "names.json"))
        return self

    def to_bytes(self, *, exclude: Any = ()) -> bytes:
        return srsly.json_dumps(self.names).encode("utf-8")

    def from_bytes(self, data: bytes, *, exclude: Any = ()) -> ReviewedNames:
        self.set_names(srsly.json_loads(data.decode("utf-8")))
        return self


@Language.factory(FACTORY)
def make_reviewed_names(nlp: Language, name: str) -> ReviewedNames:
    return ReviewedNames(nlp, name)
