"""Invented short news documents with their entities and claims, for training tests.

Markup: ``[words|LABEL]`` is an entity; a sentence in ``<<...>>`` is a claim.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

PEOPLE = ["Amina Okafor", "Lars Henriksen", "Maria Lindqvist", "Tomás Aguilar", "Hana Sato",
          "Joseph Mwangi", "Elena Petrova", "Rahul Mehta", "Sofia Marques", "Kwame Boateng"]
ORGS = ["UNICEF", "UNHCR", "the World Bank", "UNESCO", "WFP", "the Red Cross", "UNDP", "IOM"]
PLACES = ["Nairobi", "Kenya", "Peru", "Ghana", "Haiti", "Bogotá", "Cairo", "Yemen", "Chad",
          "Uganda"]

CLAIMS = [
    "<<[{org}|ORG] delivered 4,000 tonnes of food to [{place}|GPE] in March.>>",
    "<<[{person}|PERSON] said unemployment in [{place}|GPE] fell by 12 percent last year.>>",
    "<<[{org}|ORG] counted 35,000 new arrivals in [{place}|GPE] since January.>>",
    "<<The budget of [{org}|ORG] rose to $2 billion in 2024.>>",
]
OTHER = [
    "We must all do more for peace.",
    "[{person}|PERSON] thanked everyone for coming.",
    "Is this the future we want?",
    "It was a moving and beautiful ceremony in [{place}|GPE].",
    "Thank you, colleagues, for your kind words.",
]

_MARK = re.compile(r"\[([^\]|]+)\|([A-Z]+)\]|<<|>>")


def parse(marked: str) -> tuple[str, list[tuple[int, int, str]], list[tuple[int, int]]]:
    """The plain text, its entities and its claims (code-point offsets)."""
    text = []
    entities: list[tuple[int, int, str]] = []
    claims: list[tuple[int, int]] = []
    pos = 0
    length = 0
    claim_start = None
    for match in _MARK.finditer(marked):
        piece = marked[pos:match.start()]
        text.append(piece)
        length += len(piece)
        if match.group(0) == "<<":
            claim_start = length
        elif match.group(0) == ">>":
            assert claim_start is not None
            claims.append((claim_start, length))
        else:
            words, label = match.group(1), match.group(2)
            entities.append((length, length + len(words), label))
            text.append(words)
            length += len(words)
        pos = match.end()
    text.append(marked[pos:])
    return "".join(text), entities, claims


def marked_documents(n: int, seed: int = 0, *, sentences: int = 6) -> list[str]:
    """``n`` different marked documents."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        parts = []
        for _ in range(sentences):
            template = rng.choice(CLAIMS if rng.random() < 0.5 else OTHER)
            parts.append(template.format(person=rng.choice(PEOPLE), org=rng.choice(ORGS),
                                         place=rng.choice(PLACES)))
        out.append(f"Report {i + 1}.\n" + " ".join(parts) + "\n")
    return out


def import_texts(project: Any, folder: Path, texts: list[str]) -> list[int]:
    """Import ``texts`` (English) into ``project`` as one JSONL file written in ``folder``;
    their document ids, in the same order."""
    from sqlalchemy import select

    from unannotate.services.importing import import_paths
    from unannotate.storage.schema import DocumentRow

    source = folder / "docs.jsonl"
    source.write_text("".join(json.dumps({"text": t, "meta": {"n": i}}) + "\n"
                              for i, t in enumerate(texts)), encoding="utf-8")
    import_paths(project, [source], language="en")
    with project.db.read() as session:
        by_text = dict(session.execute(select(DocumentRow.text, DocumentRow.id)).all())
    return [by_text[t] for t in texts]


def reviewed_project(path: Path, folder: Path, *, done: int, total: int = 14,
                     annotator: str = "ana", claims: bool = False) -> list[int]:
    """A project at ``path`` of ``total`` invented news documents (imported from ``folder``)
    with the rules' suggestions; ``annotator`` has annotated the first ``done`` of them (their
    entities, and their claims too with ``claims``) and marked them done. The document ids,
    in order."""
    from unannotate.core.model import DocumentStatus
    from unannotate.services.decisions import Decider
    from unannotate.services.project import open_project
    from unannotate.services.suggesting import (
        CLAIM_RULES,
        ENTITY_RULES,
        build_suggesters,
        run_suggester,
    )

    marked = marked_documents(total, seed=5)
    with open_project(path) as project:
        ids = import_texts(project, folder, [parse(m)[0] for m in marked])
        for suggester in build_suggesters([ENTITY_RULES, CLAIM_RULES]):
            run_suggester(project, suggester)
        reviewer = Decider(project, annotator)
        for doc_id, text in zip(ids[:done], marked[:done], strict=True):
            for start, end, label in parse(text)[1]:
                reviewer.add(doc_id, start, end, label)
            for start, end in parse(text)[2] if claims else ():
                reviewer.add(doc_id, start, end, "CLAIM")
            reviewer.set_status(doc_id, DocumentStatus.DONE)
    return ids


def pending_by_layer(project: Any, doc_ids: list[int]) -> dict[tuple[int, str], int]:
    """(document, suggestions layer name) -> suggestions of an entity label there."""
    from sqlalchemy import select

    from unannotate.core.model import LabelKind, LayerKind
    from unannotate.storage.schema import LabelRow, LayerRow, SpanRow

    with project.db.read() as session:
        rows = session.execute(
            select(SpanRow.document_id, LayerRow.name)
            .join(LayerRow, LayerRow.id == SpanRow.layer_id)
            .join(LabelRow, LabelRow.id == SpanRow.label_id)
            .where(LayerRow.kind == LayerKind.SUGGESTIONS.value,
                   LabelRow.kind == LabelKind.ENTITY.value,
                   SpanRow.document_id.in_(doc_ids))).all()
    out: dict[tuple[int, str], int] = {}
    for doc_id, layer in rows:
        out[(doc_id, layer)] = out.get((doc_id, layer), 0) + 1
    return out


ENDORSERS = ["The committee", "The panel", "The council", "The board", "The mission"]
ENDORSED = ["the harbour plan", "the school reform", "the water charter", "the road map"]


def endorsements(n: int, objects: list[str] = ENDORSED, *, numbered: bool = False
                 ) -> list[Any]:
    """``n`` documents (``TrainingDocument``) whose claim the claim rules do not see ("X
    endorsed Y", marked) beside a sentence they take for a claim and the reviewers do not
    (an opinion with a figure). ``numbered``: each document's sentences differ by a number."""
    from unannotate.nlp.training import TrainingDocument

    rng = random.Random(4)
    docs = []
    for i in range(n):
        if numbered:
            claim = f"{rng.choice(ENDORSERS)} endorsed {rng.choice(objects)} on day {i}."
            other = f"We believe {rng.choice(objects)} grew by {10 + i} percent, frankly."
        else:
            claim = f"{rng.choice(ENDORSERS)} endorsed {rng.choice(objects)}."
            other = f"We believe {rng.choice(objects)} grew by 40 percent in 2020, frankly."
        docs.append(TrainingDocument(f"d{i}", f"{claim} {other}", "en",
                                     ((0, len(claim), "CLAIM"),)))
    return docs
