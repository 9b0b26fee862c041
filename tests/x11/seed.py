"""Projects for the real-window tier, made through the services from texts written here
(an emoji, a right-to-left line, a long first line), and the stored result read back."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from unannotate.core.model import LabelKind, Suggestion
from unannotate.nlp.base import SuggesterInfo, SuggesterInput
from unannotate.services.decisions import Decider
from unannotate.services.importing import import_paths
from unannotate.services.project import Project, open_project
from unannotate.services.suggesting import run_suggester

# The first document the main window opens: an emoji before the first name (two UTF-16
# units, so Qt's positions and the stored offsets differ from there on) and a line in Arabic.
# Its first line (the window shows it as the title) is short.
STATEMENT = (
    "🌍 Press statement\n"
    "Amina Haddad of UNICEF met officials in Geneva on 3 May 2025.\n"
    "مرحبا بكم في نيروبي، قالت الوزيرة أمام الصحفيين.\n"
    "Kenya pledged $5 million to the World Food Programme. Peru sent 40 doctors.\n"
    "Chile, Ghana, Japan, Norway, Oman, Qatar, Spain, Tonga and Yemen sent observers.\n"
)
# Its suggestions, in text order.
STATEMENT_SUGGESTIONS = [
    ("Amina Haddad", "PERSON"), ("UNICEF", "ORG"), ("Geneva", "GPE"), ("3 May 2025", "DATE"),
    ("نيروبي", "GPE"), ("Kenya", "GPE"), ("$5 million", "MONEY"),
    ("World Food Programme", "ORG"), ("Peru", "GPE"), ("40", "CARDINAL"),
]
FOLLOW_UP = "Observers from Tonga returned to Nuku'alofa on 9 June 2025 after the count.\n"
FOLLOW_UP_SUGGESTIONS = [("Tonga", "GPE"), ("Nuku'alofa", "GPE"), ("9 June 2025", "DATE")]


def at(text: str, piece: str) -> tuple[int, int]:
    start = text.index(piece)
    return start, start + len(piece)


class FixedSuggester:
    """Suggests exactly the pieces it is given for each text (first occurrence of each)."""

    info = SuggesterInfo(name="tests.x11.fixed.v1", kind=LabelKind.ENTITY)

    def __init__(self, found: dict[str, list[tuple[str, str]]]) -> None:
        self.found = found

    def suggest(self, docs: Iterable[SuggesterInput], *, batch_size: int = 64,
                n_process: int = 1) -> Iterator[tuple[Any, list[Suggestion]]]:
        for doc in docs:
            yield doc.key, [Suggestion(*at(doc.text, piece), label, 0.9, "test")
                            for piece, label in self.found.get(doc.text, [])]


def make_project(folder: Path, texts: list[tuple[str, list[tuple[str, str]]]]) -> Path:
    """A project of these texts (imported from files, in this order), each with its
    suggestions stored as a suggester's would be."""
    sources = folder / "sources"
    sources.mkdir(parents=True)
    for n, (text, _) in enumerate(texts):
        (sources / f"{n:02d}.txt").write_bytes(text.encode("utf-8"))
    path = folder / "x11.unannotate.db"
    project = open_project(path)
    try:
        import_paths(project, [sources])
        run_suggester(project, FixedSuggester(dict(texts)))
    finally:
        project.close()
    return path


def document_ids(project: Project) -> dict[str, int]:
    """Stored text -> document id."""
    from sqlalchemy import select

    from unannotate.storage.schema import DocumentRow

    with project.db.read() as session:
        return {text: doc_id for doc_id, text in session.execute(
            select(DocumentRow.id, DocumentRow.text))}


def decided(project: Project, annotator: str, document_id: int,
            text: str) -> dict[tuple[str, str], str]:
    """The annotator's spans in the document: (text, label) -> state."""
    return {(text[s.start:s.end], s.label): s.state.value
            for s in Decider(project, annotator).spans(document_id)}


# Two colleagues' layers over one text, for the review window: where they agree (Amina
# Haddad, UNICEF), another label (Geneva), other boundaries (the date, the programme),
# missing in one layer (the Arabic place name, Kenya).
DELEGATIONS = ["Chile", "Ghana", "Japan", "Norway", "Oman", "Qatar", "Spain", "Tonga", "Yemen"]
BRIEFING = (
    "🌍 Briefing\n"
    "Amina Haddad met UNICEF in Geneva on 3 May 2025.\n"
    "مرحبا بكم في نيروبي، قالت الوزيرة.\n"
    "Kenya pledged $5 million to the World Food Programme.\n"
    "Delegations present:\n"
    + "".join(f"{name}\n" for name in DELEGATIONS)
)
LAYERS = {
    "ana": [("Amina Haddad", "PERSON"), ("UNICEF", "ORG"), ("Geneva", "GPE"),
            ("3 May 2025", "DATE"), ("World Food Programme", "ORG")],
    "ben": [("Amina Haddad", "PERSON"), ("UNICEF", "ORG"), ("Geneva", "LOC"),
            ("May 2025", "DATE"), ("نيروبي", "GPE"), ("Kenya", "GPE"),
            ("the World Food Programme", "ORG")],
}
SECOND_BRIEFING = "Briefing two\nPeru and Chile met UNICEF in Lima.\n"
SECOND_LAYERS = {"ana": [("Peru", "GPE"), ("UNICEF", "ORG")],
                 "ben": [("Peru", "GPE"), ("UNICEF", "ORG"), ("Lima", "GPE")]}


def make_review_project(folder: Path) -> Path:
    """Two documents, each with ana's and ben's layers."""
    sources = folder / "sources"
    sources.mkdir(parents=True)
    for n, text in enumerate((BRIEFING, SECOND_BRIEFING)):
        (sources / f"{n:02d}.txt").write_bytes(text.encode("utf-8"))
    path = folder / "review.unannotate.db"
    project = open_project(path)
    try:
        import_paths(project, [sources])
        ids = document_ids(project)
        for text, layers in ((BRIEFING, LAYERS), (SECOND_BRIEFING, SECOND_LAYERS)):
            for name, marks in layers.items():
                colleague = Decider(project, name)
                for piece, label in marks:
                    colleague.add(ids[text], *at(text, piece), label)
    finally:
        project.close()
    return path
