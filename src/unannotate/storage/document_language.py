"""Repository functions for changing a document's language: the language and text as
stored, the new language, and the document's suggestions made again in it (the program's
pending suggestions taken out, the new ones put in, the layers' record of the document).

A suggestion someone decided (a span was made from it, in anyone's layer) is never taken
out here, and no annotator's or gold span is read or written."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, and_, delete, exists, select, update
from sqlalchemy.orm import aliased

from ..core.model import LabelKind, LayerKind, SpanState
from .bulk import insert_rows
from .schema import DocumentRow, LabelRow, LayerRow, SpanRow, SuggestedDocumentRow, utcnow

_SPAN_COLUMNS = ("layer_id", "document_id", "start", "end", "label_id", "state", "score",
                 "reason", "source_id", "version")


def text_and_language(connection: Connection, document_id: int) -> tuple[str, str] | None:
    """The document's text and language as stored; None when there is no such document."""
    row = connection.execute(select(DocumentRow.text, DocumentRow.language)
                             .where(DocumentRow.id == document_id)).first()
    return None if row is None else (row[0], row[1] or "en")


def set_language(connection: Connection, document_id: int, language: str, *,
                 expected: str | None = None) -> bool:
    """Store the document's language; with ``expected``, only if it is that now. Whether
    it was stored."""
    statement = update(DocumentRow).where(DocumentRow.id == document_id)
    if expected is not None:
        statement = statement.where(DocumentRow.language == expected)
    return bool(connection.execute(statement.values(language=language)).rowcount)


def pending_suggestions(connection: Connection, document_id: int, kinds: Iterable[LabelKind],
                        suggester_prefix: str) -> list[int]:
    """Ids of the document's suggestions of ``kinds`` that nobody decided, in the layers of
    suggesters whose name starts with ``suggester_prefix`` (the program's own)."""
    made = aliased(SpanRow)
    layers = select(LayerRow.id).where(LayerRow.kind == LayerKind.SUGGESTIONS.value,
                                       LayerRow.suggester.like(suggester_prefix + "%"))
    labels = select(LabelRow.id).where(LabelRow.kind.in_([k.value for k in kinds]))
    return list(connection.scalars(
        select(SpanRow.id).where(
            SpanRow.document_id == document_id, SpanRow.layer_id.in_(layers),
            SpanRow.label_id.in_(labels), SpanRow.state == SpanState.SUGGESTED.value,
            ~exists(select(made.id).where(and_(made.source_id == SpanRow.id))))
        .order_by(SpanRow.id)))


def delete_suggestions(connection: Connection, span_ids: Sequence[int]) -> None:
    """Delete these suggestions (the ids :func:`pending_suggestions` gave: a few hundred at
    most, one document's)."""
    for at in range(0, len(span_ids), 500):
        connection.execute(delete(SpanRow).where(SpanRow.id.in_(span_ids[at:at + 500])))


def add_suggestions(connection: Connection, layer_id: int, document_id: int,
                    rows: Sequence[tuple[int, int, int, float | None, str]]) -> list[int]:
    """Store ``(start, end, label_id, score, reason)`` as the layer's suggestions for the
    document, in place of the layer's record of having suggested for it; the new ids."""
    stamp = utcnow()
    last = connection.execute(select(SpanRow.id).order_by(SpanRow.id.desc()).limit(1)).scalar()
    insert_rows(connection, SpanRow.__table__, _SPAN_COLUMNS,
                [(layer_id, document_id, start, end, label_id, SpanState.SUGGESTED.value,
                  score, reason, None, 1) for start, end, label_id, score, reason in rows],
                {"created_at": stamp, "updated_at": stamp})
    connection.execute(delete(SuggestedDocumentRow).where(
        SuggestedDocumentRow.layer_id == layer_id,
        SuggestedDocumentRow.document_id == document_id))
    insert_rows(connection, SuggestedDocumentRow.__table__, ("document_id", "spans"),
                [(document_id, len(rows))], {"layer_id": layer_id, "at": stamp})
    return list(connection.scalars(select(SpanRow.id).where(
        SpanRow.id > (last or 0), SpanRow.layer_id == layer_id,
        SpanRow.document_id == document_id).order_by(SpanRow.id)))


def kept_places(connection: Connection, layer_id: int,
                document_id: int) -> set[tuple[int, int, int]]:
    """``(start, end, label_id)`` of the layer's suggestions still in the document (the
    decided ones, once the pending are taken out): a new suggestion at one of these places
    would repeat it."""
    c = SpanRow.__table__.c
    return {(s, e, label) for s, e, label in connection.execute(
        select(c.start, c.end, c.label_id).where(c.layer_id == layer_id,
                                                 c.document_id == document_id,
                                                 c.state != SpanState.REJECTED.value))}
