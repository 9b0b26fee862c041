"""A small hand-written project for the consistency report's tests: two annotators, five
documents, one name labelled two ways, one left unlabelled where it was labelled elsewhere."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from unannotate.core.model import DocumentStatus
from unannotate.services.decisions import Decider
from unannotate.services.importing import import_paths
from unannotate.services.project import open_project
from unannotate.storage.schema import DocumentRow

# Invented for these tests.
D1 = "Mopti sent a delegation to Saint Brides. The Delta Fund paid for it."
D2 = "The delta   fund opened a school in Mopti last spring."
D3 = "Nobody mentioned DELTA FUND twice; DELTA FUND stayed quiet. Deltafund is another word."
D4 = "Delta Fund again, in a document nobody opened."
D5 = "Flights to SAINT  BRIDES resumed on Tuesday."
TEXTS = {"d1": D1, "d2": D2, "d3": D3, "d4": D4, "d5": D5}
CLAIM = "Nobody mentioned DELTA FUND twice;"


def at(text: str, piece: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(piece, start + 1)
    return start, start + len(piece)


def build(path: Path) -> dict[str, int]:
    """ana and ben label a few names; ana leaves the Delta Fund unlabelled in two documents,
    ben labels Mopti ORG where ana has GPE. Returns the document ids by name."""
    folder = path.parent / "consistency-docs"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    project = open_project(path)
    import_paths(project, [folder])
    with project.db.read() as session:
        by_text = {text: doc for doc, text in session.execute(
            select(DocumentRow.id, DocumentRow.text))}
    ids = {name: by_text[text] for name, text in TEXTS.items()}
    ana, ben = Decider(project, "ana"), Decider(project, "ben")
    for doc, text, piece, label in (("d1", D1, "Mopti", "GPE"), ("d1", D1, "Saint Brides", "GPE"),
                                    ("d1", D1, "Delta Fund", "ORG"), ("d2", D2, "Mopti", "GPE"),
                                    ("d3", D3, CLAIM, "CLAIM")):
        ana.add(ids[doc], *at(text, piece), label)
    for doc, text, piece, label in (("d1", D1, "Mopti", "ORG"), ("d1", D1, "Delta Fund", "ORG"),
                                    ("d5", D5, "SAINT  BRIDES", "GPE")):
        ben.add(ids[doc], *at(text, piece), label)
    ana.set_status(ids["d1"], DocumentStatus.DONE)
    ana.set_status(ids["d3"], DocumentStatus.DONE)
    ben.set_status(ids["d1"], DocumentStatus.DONE)
    project.close()
    return ids
