"""A generated corpus for the corpus benchmarks: many short invented briefings in one project.

``build_corpus(path, documents)`` writes the documents as a JSONL file and imports it with the
program's own import (so whatever the import keeps up to date, an index among them, is built as
a user's import builds it), then adds, with Core ``executemany``, the spans of two annotators
(``ana`` and ``ben``) on a share of the documents, every one of those marked done.

Every document is invented from seeded word lists (no text from elsewhere). One name,
``NAME`` ("Amina Diallo"), appears ``name_mentions`` times across the corpus (10,000 by default,
at most a few per document), so that "label every occurrence" has a known count to reach; the
annotators label some of its mentions PERSON and a few ORG, and leave the rest unlabelled, and
label the bodies and places of their documents mostly consistently (a few GPE/LOC and ORG/NORP
swaps), so that a consistency report has real disagreements to find.

Usage (standalone): ``python bench/corpus_data.py PATH [--docs N]`` builds a project there.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

NAME = "Amina Diallo"
SEED = 19

PEOPLE = ["Amina Diallo", "Jonas Berg", "Lucía Ortega", "Wei Ling", "Omar Haddad",
          "Priya Nair", "Tomás Varga", "Aiko Sato", "Kwame Mensah", "Elena Petrova"]
BODIES = ["the Security Council", "the General Assembly", "UNICEF", "the World Food Programme",
          "the Human Rights Council", "UNHCR", "the World Health Organization", "OCHA"]
PLACES = ["Sudan", "Haiti", "Yemen", "Ukraine", "Myanmar", "Mali", "Colombia", "Lebanon",
          "the Sahel", "South Sudan", "Afghanistan", "Somalia"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
TOPICS = ["food security", "the cholera response", "school enrolment", "the ceasefire",
          "humanitarian access", "the funding appeal", "displacement", "vaccination"]
VERBS = ["said", "reported", "warned", "announced", "told reporters", "stressed"]

ENTITY_LABELS = {**{p: "PERSON" for p in PEOPLE}, **{b: "ORG" for b in BODIES},
                 **{p: "GPE" for p in PLACES}, "the Sahel": "LOC"}


@dataclass
class CorpusInfo:
    """What was built: sizes, and the figures the benchmarks check their answers against."""

    path: Path
    documents: int
    characters: int = 0
    name_mentions: int = 0  # occurrences of NAME in all texts
    spans: int = 0  # annotator span rows added
    annotated_documents: int = 0  # documents with annotator spans (each done for both)
    seconds: float = 0.0
    words: dict[str, int] = field(default_factory=dict)  # a word -> documents holding it


def _sentence(rng: random.Random, person: str) -> str:
    number = f"{rng.randint(2, 900):,}"
    kind = rng.choice((0, 2, 3)) if person == NAME else rng.randrange(5)
    if kind == 0:
        return (f"{person} {rng.choice(VERBS)} that {number} people in {rng.choice(PLACES)} "
                f"needed help with {rng.choice(TOPICS)} in {rng.choice(MONTHS)}.")
    if kind == 1:
        return (f"{rng.choice(BODIES).capitalize()} met on {rng.randint(1, 28)} "
                f"{rng.choice(MONTHS)} to discuss {rng.choice(TOPICS)}.")
    if kind == 2:
        return (f"According to {person}, {rng.choice(BODIES)} has reached {number} families "
                f"across {rng.choice(PLACES)}.")
    if kind == 3:
        return (f"The appeal for {rng.choice(PLACES)} is {rng.randint(5, 95)} per cent funded, "
                f"{person} added.")
    return (f"Teams from {rng.choice(BODIES)} arrived in {rng.choice(PLACES)} after "
            f"{rng.randint(2, 30)} days of talks on {rng.choice(TOPICS)}.")


def make_document(rng: random.Random, number: int, name_here: int) -> tuple[str, str]:
    """(title, text) of briefing ``number``: 6 to 12 sentences, ``name_here`` of them
    naming NAME."""
    sentences = rng.randint(6, 12)
    named = set(rng.sample(range(sentences), min(name_here, sentences)))
    others = [p for p in PEOPLE if p != NAME]
    lines = [_sentence(rng, NAME if i in named else rng.choice(others)) for i in range(sentences)]
    title = f"Briefing {number}: {rng.choice(TOPICS)} in {rng.choice(PLACES)}"
    return title, title + "\n\n" + " ".join(lines)


def _mentions_plan(rng: random.Random, documents: int, mentions: int) -> list[int]:
    """How many NAME sentences each document gets, summing to ``mentions`` (at most 3 each)."""
    plan = [0] * documents
    left = min(mentions, documents * 3)
    while left:
        i = rng.randrange(documents)
        if plan[i] < 3:
            plan[i] += 1
            left -= 1
    return plan


def build_corpus(path: Path, documents: int, *, name_mentions: int = 10_000,
                 annotated_share: float = 0.2, seed: int = SEED) -> CorpusInfo:
    """A fresh project at ``path`` holding ``documents`` generated briefings (see the module)."""
    from datetime import UTC, datetime

    from unannotate.services.importing import import_paths
    from unannotate.services.project import open_project
    from unannotate.storage.bulk import insert_rows
    from unannotate.storage.schema import DocumentRow, DocumentStatusRow, SpanRow

    start = time.perf_counter()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed)
    info = CorpusInfo(path=path, documents=documents)
    plan = _mentions_plan(rng, documents, name_mentions)
    texts: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        jsonl = Path(folder) / "briefings.jsonl"
        with jsonl.open("w", encoding="utf-8") as out:
            for number in range(1, documents + 1):
                title, text = make_document(rng, number, plan[number - 1])
                texts.append(text)
                info.characters += len(text)
                info.name_mentions += text.count(NAME)
                out.write(json.dumps({"text": text, "meta": {"title": title, "n": number}},
                                     ensure_ascii=False) + "\n")
        project = open_project(path)
        try:
            import_paths(project, [jsonl], language="en")
            from unannotate.services.find import bring_index_up_to_date

            bring_index_up_to_date(project)  # as `unannotate import` does after an import
        finally:
            project.close()
    pattern = re.compile("|".join(re.escape(e) for e in sorted(ENTITY_LABELS, key=len,
                                                                 reverse=True)))
    project = open_project(path)
    try:
        with project.db.session() as session:
            from sqlalchemy import select

            ids = list(session.scalars(select(DocumentRow.id).order_by(DocumentRow.id)))
            layers = {n: project.annotator_layer_id(session, n) for n in ("ana", "ben")}
            people = {n: project.annotator_id(session, n) for n in ("ana", "ben")}
            label_ids = project.label_ids(session)
            stamp = datetime.now(UTC)
            spans: list[tuple[object, ...]] = []
            statuses: list[tuple[object, ...]] = []
            for doc_id, text in zip(ids, texts, strict=True):
                if rng.random() >= annotated_share:
                    continue
                info.annotated_documents += 1
                for who in ("ana", "ben"):
                    statuses.append((doc_id, people[who], "done", 0.0))
                    for m in pattern.finditer(text):
                        roll = rng.random()
                        if roll < 0.25:
                            continue  # left unlabelled here
                        label = ENTITY_LABELS[m.group()]
                        if roll > 0.97:  # a few places labelled otherwise
                            label = {"PERSON": "ORG", "ORG": "NORP", "GPE": "LOC",
                                     "LOC": "GPE"}[label]
                        spans.append((layers[who], doc_id, m.start(), m.end(),
                                      label_ids[label], "accepted", None, "", None, 1))
            connection = session.connection()
            for at in range(0, len(spans), 5000):
                insert_rows(connection, SpanRow.__table__,
                            ("layer_id", "document_id", "start", "end", "label_id", "state",
                             "score", "reason", "source_id", "version"),
                            spans[at:at + 5000], {"created_at": stamp, "updated_at": stamp})
            insert_rows(connection, DocumentStatusRow.__table__,
                        ("document_id", "annotator_id", "status", "seconds_spent"),
                        statuses, {"updated_at": stamp})
            info.spans = len(spans)
    finally:
        project.close()
    info.seconds = time.perf_counter() - start
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--docs", type=int, default=100_000)
    args = parser.parse_args(argv)
    info = build_corpus(args.path, args.docs)
    print(f"{info.documents:,} documents, {info.characters / 1e6:.1f} M characters, "
          f"{info.name_mentions:,} mentions of {NAME}, {info.spans:,} annotator spans on "
          f"{info.annotated_documents:,} documents, built in {info.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    raise SystemExit(main())
