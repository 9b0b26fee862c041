"""Who finished which document, as an imported file says it.

A file's records give each annotator's status of a document (see each reader); ``--status``
overrides them. Within one file the last record about a document and a person wins, and each
record that contradicts an earlier one is named. In the project a status only goes up: what a
person finished before an import stays finished.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..core.model import DocumentStatus, LayerKind
from ..formats.native import NativeDocument, NativeLayer
from ..storage import status as status_store
from ..storage.database import Unit

STATUSES = (DocumentStatus.DONE.value, DocumentStatus.TODO.value)  # what --status takes
_WORDS = {"todo": "to do", "in_progress": "in progress (rejected or unconfirmed)",
          "done": "done"}


def with_status(documents: list[NativeDocument], status: str | None) -> list[NativeDocument]:
    """The documents with ``--status`` applied: ``todo`` takes the file's statuses away,
    ``done`` gives every annotator layer the status done, and a document without one an
    empty layer that is done, unless it holds predictions (which never mark a document
    done)."""
    if status is None:
        return documents
    done = status == DocumentStatus.DONE.value
    for document in documents:
        people = [la for la in document.layers if la.kind == LayerKind.ANNOTATOR.value]
        if done and not people and not any(
                la.kind == LayerKind.SUGGESTIONS.value for la in document.layers):
            people = [NativeLayer(name="annotator", kind=LayerKind.ANNOTATOR.value)]
            document.layers.append(people[0])
        for layer in people:
            layer.status = DocumentStatus.DONE.value if done else None
    return documents


@dataclass
class FileStatuses:
    """The statuses one file gives, kept until the file is stored whole."""

    # (document id, annotator id) -> (status, where the record is)
    last: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)

    def note(self, doc_id: int, annotator_id: int, person: str, layer: NativeLayer,
             document: NativeDocument) -> None:
        """The person's status of the document as this record gives it; a record that says
        otherwise than an earlier one is named in ``conflicts`` (the later wins)."""
        try:
            wanted = DocumentStatus(layer.status).value
        except ValueError:
            return
        where = layer.read_from or document.title or f"document {document.sha256[:12]}"
        key = (doc_id, annotator_id)
        earlier = self.last.get(key)
        if earlier is not None and earlier[0] != wanted:
            self.conflicts.append(
                f"{where}: {person} marks the document {_WORDS[wanted]}, {earlier[1]} marked "
                f"it {_WORDS[earlier[0]]}: the later record wins")
        self.last[key] = (wanted, where)

    def store(self, session: Unit) -> tuple[int, int]:
        """Write each status as the file left it: how many documents became done, and how
        many the file leaves in progress."""
        unfinished: set[int] = set()
        wanted: dict[tuple[int, int], DocumentStatus] = {}
        for key, (status, _) in self.last.items():
            if status == DocumentStatus.IN_PROGRESS.value:
                unfinished.add(key[0])
            try:
                value = DocumentStatus(status)
            except ValueError:
                continue
            if value is not DocumentStatus.TODO:
                wanted[key] = value
        changed = status_store.raise_statuses(session, wanted)
        done = {doc_id for doc_id, annotator_id in changed
                if wanted[(doc_id, annotator_id)] is DocumentStatus.DONE}
        return len(done), len(unfinished)


def reviews_done(session: Unit, doc_ids: Iterable[int]) -> None:
    """Reviewed records (Prodigy's review recipe answered them): the documents' reviews are
    done, so their gold layers are finished, with or without spans."""
    status_store.reviews_done(session, doc_ids)
