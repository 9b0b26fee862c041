"""Repository functions on statuses: each annotator's of a document, and its review's."""

from __future__ import annotations

from sqlalchemy import update

from ..core.model import DocumentStatus
from .database import Unit
from .schema import DocumentStatusRow, ReviewStatusRow, utcnow


def raise_status(unit: Unit, doc_id: int, annotator_id: int, wanted: DocumentStatus) -> bool:
    """Raise the person's status of the document to ``wanted`` (never lower it: done stays
    done); whether it changed."""
    row = unit.get(DocumentStatusRow, (doc_id, annotator_id))
    if row is None:
        unit.add(DocumentStatusRow(document_id=doc_id, annotator_id=annotator_id,
                                   status=wanted.value))
        return True
    if row.status in (DocumentStatus.DONE.value, wanted.value):
        return False
    unit.execute(update(DocumentStatusRow)
                 .where(DocumentStatusRow.document_id == doc_id,
                        DocumentStatusRow.annotator_id == annotator_id)
                 .values(status=wanted.value, updated_at=utcnow()))
    return True


def review_done(unit: Unit, doc_id: int) -> None:
    """The document's review is done."""
    row = unit.get(ReviewStatusRow, doc_id)
    if row is None:
        unit.add(ReviewStatusRow(document_id=doc_id, status=DocumentStatus.DONE.value))
    elif row.status != DocumentStatus.DONE.value:
        row.status = DocumentStatus.DONE.value
        row.updated_at = utcnow()
