"""Repository functions on documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from ..core.model import DocumentStatus
from .bulk import insert_rows
from .database import Unit
from .schema import DocumentRow, ReviewStatusRow, utcnow

CHUNK = 500  # hashes per look-up: a bounded number of parameters


def known_hashes(unit: Unit, hashes: Sequence[str]) -> set[str]:
    """Which of ``hashes`` name a document the project holds (asked in bounded chunks)."""
    found: set[str] = set()
    for first in range(0, len(hashes), CHUNK):
        found.update(unit.scalars(select(DocumentRow.sha256).where(
            DocumentRow.sha256.in_(hashes[first:first + CHUNK]))))
    return found


def document_id(unit: Unit, sha256: str) -> int | None:
    """The id of the document whose text has this SHA-256, if the project holds it."""
    return unit.scalar(select(DocumentRow.id).where(DocumentRow.sha256 == sha256))


def add_document(unit: Unit, *, sha256: str, text: str, title: str, meta: dict[str, Any],
                 source: str, language: str) -> int:
    """Store one new document; its id."""
    row = DocumentRow(sha256=sha256, text=text, title=title, meta=meta, source=source,
                      language=language)
    unit.add(row)
    unit.flush()
    return row.id


def reviewed_hashes(unit: Unit) -> set[str]:
    """SHA-256 of every document whose review is done."""
    return set(unit.scalars(
        select(DocumentRow.sha256).join(ReviewStatusRow,
                                        ReviewStatusRow.document_id == DocumentRow.id)
        .where(ReviewStatusRow.status == DocumentStatus.DONE.value)))


_DOCUMENT_COLUMNS = ("sha256", "text", "title", "meta", "language", "source")


def add_documents(unit: Unit, documents: Sequence[dict[str, Any]]) -> None:
    """Store new documents; each gives ``sha256``, ``text``, ``title``, ``meta``,
    ``language`` and ``source``. On SQLite they go in as statements of many rows each: the
    full-text index's trigger then writes the index once per statement, not once per
    document (storage/fulltext.py), which made an import several times slower."""
    if documents:
        insert_rows(unit.connection(), DocumentRow.__table__, _DOCUMENT_COLUMNS,
                    [tuple(document[name] for name in _DOCUMENT_COLUMNS)
                     for document in documents], {"created_at": utcnow()})
