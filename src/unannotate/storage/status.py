"""Repository functions on statuses: each annotator's of a document, and its review's."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select, tuple_, update

from ..core.model import DocumentStatus
from .database import Unit
from .schema import DocumentStatusRow, ReviewStatusRow, utcnow

_CHUNK = 500  # ids a statement names at most


def raise_statuses(unit: Unit, wanted: dict[tuple[int, int], DocumentStatus]
                   ) -> set[tuple[int, int]]:
    """Raise each person's status of each document to the one wanted (never lower it: done
    stays done), for many (document id, annotator id) pairs in a few statements however
    many there are; the pairs whose status changed."""
    if not wanted:
        return set()
    held: dict[tuple[int, int], str] = {}
    pairs = sorted(wanted)
    for i in range(0, len(pairs), _CHUNK):
        part = pairs[i:i + _CHUNK]
        held.update(((doc, who), status) for doc, who, status in unit.execute(
            select(DocumentStatusRow.document_id, DocumentStatusRow.annotator_id,
                   DocumentStatusRow.status)
            .where(tuple_(DocumentStatusRow.document_id, DocumentStatusRow.annotator_id)
                   .in_(part))))
    changed: set[tuple[int, int]] = set()
    new: list[tuple[int, int, str]] = []
    raised: dict[str, list[tuple[int, int]]] = {}
    for key, status in wanted.items():
        before = held.get(key)
        if before is None:
            new.append((*key, status.value))
        elif before in (DocumentStatus.DONE.value, status.value):
            continue
        else:
            raised.setdefault(status.value, []).append(key)
        changed.add(key)
    now = utcnow()
    if new:
        unit.execute(insert(DocumentStatusRow), [
            {"document_id": doc, "annotator_id": who, "status": status, "seconds_spent": 0.0,
             "updated_at": now} for doc, who, status in new])
    for status, keys in raised.items():
        for i in range(0, len(keys), _CHUNK):
            unit.execute(update(DocumentStatusRow)
                         .where(tuple_(DocumentStatusRow.document_id,
                                       DocumentStatusRow.annotator_id).in_(keys[i:i + _CHUNK]))
                         .values(status=status, updated_at=now))
    return changed


def reviews_done(unit: Unit, doc_ids: Iterable[int]) -> None:
    """The documents' reviews are done, in a few statements however many there are."""
    ids = sorted(set(doc_ids))
    if not ids:
        return
    held: set[int] = set()
    now = utcnow()
    for i in range(0, len(ids), _CHUNK):
        part = ids[i:i + _CHUNK]
        held.update(unit.scalars(select(ReviewStatusRow.document_id)
                                 .where(ReviewStatusRow.document_id.in_(part))))
        unit.execute(update(ReviewStatusRow)
                     .where(ReviewStatusRow.document_id.in_(part),
                            ReviewStatusRow.status != DocumentStatus.DONE.value)
                     .values(status=DocumentStatus.DONE.value, updated_at=now))
    new = [doc for doc in ids if doc not in held]
    if new:
        unit.execute(insert(ReviewStatusRow), [
            {"document_id": doc, "status": DocumentStatus.DONE.value, "updated_at": now}
            for doc in new])
