"""Repository functions for running a suggester: which documents its layer has not seen,
their texts, and its results stored in bulk with the record of the documents done."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from ..core.model import LabelKind
from .bulk import insert_rows
from .database import Unit
from .schema import DocumentRow, EventRow, SpanRow, SuggestedDocumentRow, utcnow
from .training_data import delete_pending_suggestions

READ_CHUNK = 500  # document ids bound in one statement
# The columns of each span row :func:`store_suggestions` takes, in this order.
SPAN_COLUMNS = ("layer_id", "document_id", "start", "end", "label_id", "state", "score",
                "reason", "source_id", "version")


def documents_not_suggested(unit: Unit, layer_id: int,
                            only: Sequence[int] | None = None) -> list[int]:
    """The ids of the documents (of ``only``, when given) the suggestions layer has not
    done yet, in the order they were stored."""
    done = select(SuggestedDocumentRow.document_id).where(
        SuggestedDocumentRow.layer_id == layer_id)
    query = select(DocumentRow.id).where(DocumentRow.id.not_in(done)).order_by(DocumentRow.id)
    if only is not None and len(only) <= READ_CHUNK:
        return list(unit.scalars(query.where(DocumentRow.id.in_(list(only)))))
    ids = list(unit.scalars(query))
    if only is not None:
        wanted = set(only)
        ids = [i for i in ids if i in wanted]
    return ids


def documents_suggested(unit: Unit, layer_id: int) -> int:
    """How many documents the suggestions layer has done."""
    return unit.scalar(select(func.count()).select_from(SuggestedDocumentRow)
                       .where(SuggestedDocumentRow.layer_id == layer_id)) or 0


def texts(unit: Unit, document_ids: Sequence[int]) -> list[tuple[int, str, str | None]]:
    """``(id, text, language)`` of these documents (at most :data:`READ_CHUNK`), by id."""
    return [(doc_id, text, language) for doc_id, text, language in unit.execute(
        select(DocumentRow.id, DocumentRow.text, DocumentRow.language)
        .where(DocumentRow.id.in_(list(document_ids))).order_by(DocumentRow.id))]


def store_suggestions(unit: Unit, layer_id: int, spans: Sequence[Sequence[Any]],
                      done: Sequence[tuple[int, int]], *,
                      replace_kind: LabelKind | None = None,
                      suggester_prefix: str = "") -> int:
    """Store a suggestions layer's ``spans`` (tuples in :data:`SPAN_COLUMNS` order) and the
    record that the ``done`` documents (``(document id, spans kept)``) are done. With
    ``replace_kind``, first delete the undecided suggestions of that kind in those
    documents from the other suggestions layers of suggesters named ``suggester_prefix``…
    (see :func:`~.training_data.delete_pending_suggestions`); how many were deleted."""
    # Straight to the driver: no per-row parameter building or type processing, and one
    # timestamp for the whole transaction.
    stamp = utcnow()
    connection = unit.connection()
    replaced = 0
    if replace_kind is not None:
        replaced = delete_pending_suggestions(
            connection, keep_layer_id=layer_id, kind=replace_kind,
            suggester_prefix=suggester_prefix, document_ids=[doc_id for doc_id, _ in done])
    insert_rows(connection, SpanRow.__table__, SPAN_COLUMNS, spans,
                {"created_at": stamp, "updated_at": stamp})
    insert_rows(connection, SuggestedDocumentRow.__table__, ("document_id", "spans"),
                done, {"layer_id": layer_id, "at": stamp})
    return replaced


def add_run_event(unit: Unit, layer_id: int, suggester: str, after: dict[str, Any]) -> None:
    """The record of a finished suggester run."""
    unit.add(EventRow(kind="suggest", layer_id=layer_id, suggester=suggester, after=after))
