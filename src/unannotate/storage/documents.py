"""Repository functions on documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select

from .database import Unit
from .schema import DocumentRow


def known_hashes(unit: Unit, hashes: Sequence[str]) -> set[str]:
    """Which of ``hashes`` (a bounded batch) name a document the project holds."""
    return set(unit.scalars(select(DocumentRow.sha256).where(DocumentRow.sha256.in_(hashes))))


def add_documents(unit: Unit, documents: Sequence[dict[str, Any]]) -> None:
    """Store new documents in one statement; each gives ``sha256``, ``text``, ``title``,
    ``meta``, ``language`` and ``source``."""
    if documents:
        unit.execute(insert(DocumentRow), list(documents))
