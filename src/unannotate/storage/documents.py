"""Repository functions on documents."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, select

from ..core.listing import list_key, search_key
from ..core.model import DocumentStatus
from .bulk import bulk_cache, insert_rows
from .database import Unit
from .schema import DocumentRow, ReviewStatusRow, utcnow

CHUNK = 500  # hashes per look-up: a bounded number of parameters
_TEXT = select(DocumentRow.text).where(DocumentRow.id == bindparam("document_id"))


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


def document_text(unit: Unit, document_id: int) -> str:
    """The document's text ("" when there is no such document)."""
    return unit.connection().execute(_TEXT, {"document_id": document_id}).scalar() or ""


def title_and_text(unit: Unit, document_id: int) -> tuple[str, str] | None:
    """The document's title and text, if the project holds it."""
    found = unit.execute(select(DocumentRow.title, DocumentRow.text)
                         .where(DocumentRow.id == document_id)).one_or_none()
    return None if found is None else (found[0], found[1])


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
_DERIVED_COLUMNS = ("list_key", "search_key", "characters")  # what the document list reads
_document_values = itemgetter(*_DOCUMENT_COLUMNS)


@contextmanager
def storing_many_documents(unit: Unit) -> Iterator[None]:
    """Around a block that stores many documents (an import): on SQLite a page cache that
    holds the pages of the indexes they go into (see ``bulk.bulk_cache``)."""
    with bulk_cache(unit.connection()):
        yield


def add_documents(unit: Unit, documents: Sequence[dict[str, Any]]) -> None:
    """Store new documents (one statement run for every row); each gives ``sha256``, ``text``,
    ``title``, ``meta``, ``language`` and ``source`` (the list keys are derived from them)."""
    if documents:
        insert_rows(unit.connection(), DocumentRow.__table__,
                    (*_DOCUMENT_COLUMNS, *_DERIVED_COLUMNS),
                    [(*_document_values(document),
                      list_key(document["title"], document["source"]),
                      search_key(document["title"], document["source"]),
                      len(document["text"])) for document in documents],
                    {"created_at": utcnow()}, many_rows_a_statement=False)


def document_titles(unit: Unit) -> list[tuple[int, str]]:
    """Every document's id and title, in the order they were stored."""
    return [(doc_id, title) for doc_id, title in unit.execute(
        select(DocumentRow.id, DocumentRow.title).order_by(DocumentRow.id))]


def review_statuses(unit: Unit) -> dict[int, str]:
    """Each reviewed document's review status by its id."""
    return dict(unit.execute(
        select(ReviewStatusRow.document_id, ReviewStatusRow.status)).all())
