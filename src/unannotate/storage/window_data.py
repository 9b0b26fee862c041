"""Repository functions of what the main window reads: per-document counts for the document
list, one document's text and status, and its spans in the columns of a window's span.

A long document has thousands of spans, so the span reads use Core selects built once and
run with bound parameters (on these paths, building a statement costs more than running it)
and return rows of plain columns, never ORM objects. A span row holds, in this order: id,
document id, layer id, start, end (code points), label name, state, score, reason, source id,
version; some reads add columns after those (said where they do). Every query is portable
SQLAlchemy Core: the same runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select, bindparam, func, select

from ..core.model import LayerKind, SpanState
from .database import Unit
from .schema import DocumentRow, DocumentStatusRow, LabelRow, LayerRow, SpanRow

_SPANS = SpanRow.__table__
_OWN = SpanRow.__table__.alias("own")
_LABELS = LabelRow.__table__
_LAYERS = LayerRow.__table__
_SUGGESTIONS = LayerKind.SUGGESTIONS.value

SPAN_COLUMNS = 11  # the columns of a span row before any the read adds


# -- the document list -------------------------------------------------------------------------

def document_counts(unit: Unit, annotator_id: int, layer_id: int) -> list[
        tuple[int, str, str | None, str | None, int, int, frozenset[str]]]:
    """Every document in import order as (id, title, source, the annotator's status or None,
    suggestions the annotator has not decided, accepted spans in the annotator's layer
    ``layer_id``, labels of those two kinds of span): a few grouped queries."""
    suggestion_layers = select(LayerRow.id).where(LayerRow.kind == _SUGGESTIONS)
    docs = unit.execute(select(DocumentRow.id, DocumentRow.title, DocumentRow.source)
                        .order_by(DocumentRow.id)).all()
    statuses = dict(unit.execute(
        select(DocumentStatusRow.document_id, DocumentStatusRow.status)
        .where(DocumentStatusRow.annotator_id == annotator_id)).all())
    labels: dict[int, set[str]] = {}

    def per_label(*where: Any) -> dict[int, int]:
        counts: dict[int, int] = {}
        for doc_id, label, count in unit.execute(
            select(SpanRow.document_id, LabelRow.name, func.count())
            .join(LabelRow, LabelRow.id == SpanRow.label_id)
            .where(*where).group_by(SpanRow.document_id, LabelRow.name)
        ).all():
            counts[doc_id] = counts.get(doc_id, 0) + count
            labels.setdefault(doc_id, set()).add(label)
        return counts

    suggested = per_label(SpanRow.layer_id.in_(suggestion_layers))
    decided = dict(unit.execute(
        select(SpanRow.document_id, func.count())
        .where(SpanRow.layer_id == layer_id, SpanRow.source_id.is_not(None))
        .group_by(SpanRow.document_id)).all())
    accepted = per_label(SpanRow.layer_id == layer_id,
                         SpanRow.state == SpanState.ACCEPTED.value)
    return [(doc_id, title, source, statuses.get(doc_id),
             max(suggested.get(doc_id, 0) - decided.get(doc_id, 0), 0),
             accepted.get(doc_id, 0), frozenset(labels.get(doc_id, ())))
            for doc_id, title, source in docs]


# -- one document ------------------------------------------------------------------------------

def _span_select(*extra: Any) -> Select[Any]:
    """Span rows (label by name), then ``extra`` columns."""
    c = _SPANS.c
    return (select(c.id, c.document_id, c.layer_id, c.start, c.end, _LABELS.c.name, c.state,
                   c.score, c.reason, c.source_id, c.version, *extra)
            .join_from(_SPANS, _LABELS, _LABELS.c.id == c.label_id))


def _statements() -> dict[str, Select[Any]]:
    c = _SPANS.c
    document = bindparam("document_id")
    own_layer = bindparam("own_layer")
    in_order = (c.start, c.end, c.id)
    suggestion_layers = select(LayerRow.id).where(LayerRow.kind == _SUGGESTIONS)
    drawn_layers = c.layer_id.in_(suggestion_layers) | (c.layer_id == own_layer)
    # Decided: the annotator's layer holds a span made from it. An uncorrelated IN, so the
    # database reads the annotator's spans of the document once.
    decided = c.id.in_(select(_OWN.c.source_id).where(
        _OWN.c.document_id == document, _OWN.c.layer_id == own_layer,
        _OWN.c.source_id.is_not(None)))
    status = (select(DocumentStatusRow.status)
              .where(DocumentStatusRow.document_id == document,
                     DocumentStatusRow.annotator_id == bindparam("annotator_id"))
              .scalar_subquery())
    return {
        "document": select(DocumentRow.text, DocumentRow.title, DocumentRow.language, status,
                           DocumentRow.source)
        .where(DocumentRow.id == document),
        "first_pending": _span_select().where(
            c.document_id == document, c.layer_id.in_(suggestion_layers), ~decided)
        .order_by(*in_order).limit(1),
        "span": _span_select(_LAYERS.c.kind, decided).join(_LAYERS, _LAYERS.c.id == c.layer_id)
        .where(c.id == bindparam("span_id"), c.document_id == document),
        "suggestion_layers": suggestion_layers,
        # The layers named one by one, so each is one range of the index on (document,
        # layer, start): with the OR above, the database reads every span of the document.
        "between": _span_select(decided).where(
            c.document_id == document, c.layer_id.in_(bindparam("layers", expanding=True)),
            c.start < bindparam("end"), c.end > bindparam("start")).order_by(*in_order),
        "all": _span_select().where(c.document_id == document, drawn_layers).order_by(*in_order),
        "refreshed": _span_select(_LAYERS.c.kind, decided)
        .join(_LAYERS, _LAYERS.c.id == c.layer_id)
        .where(c.id.in_(bindparam("span_ids", expanding=True)), c.document_id == document)
        .order_by(*in_order),
    }


_STATEMENTS = _statements()


def document_text(unit: Unit, document_id: int,
                  annotator_id: int) -> tuple[str, str, str, str | None, str | None] | None:
    """(text, title, language, the annotator's status or None, source) of the document, or
    None when there is no such document."""
    row = unit.connection().execute(_STATEMENTS["document"], {
        "document_id": document_id, "annotator_id": annotator_id}).first()
    return None if row is None else tuple(row)  # type: ignore[return-value]


def drawn_span(unit: Unit, document_id: int, own_layer: int, span_id: int) -> Row[Any] | None:
    """Span ``span_id`` of the document if a window of the annotator whose layer is
    ``own_layer`` draws it (a pending suggestion or an accepted span of that layer), else
    None."""
    row = unit.connection().execute(_STATEMENTS["span"], {
        "span_id": span_id, "document_id": document_id, "own_layer": own_layer}).first()
    if row is None:
        return None
    layer, state = row[2], row[6]
    kind, decided = row[-2:]
    if layer == own_layer:
        return row if state == SpanState.ACCEPTED.value else None
    return row if kind == _SUGGESTIONS and not decided else None


def first_pending(unit: Unit, document_id: int, own_layer: int) -> Row[Any] | None:
    """The document's first suggestion in text order that the annotator whose layer is
    ``own_layer`` has not decided, or None."""
    return unit.connection().execute(_STATEMENTS["first_pending"], {
        "document_id": document_id, "own_layer": own_layer}).first()


def spans_between(unit: Unit, document_id: int, own_layer: int, start: int,
                  end: int) -> Sequence[Row[Any]]:
    """The suggestions and the spans of layer ``own_layer`` overlapping code points
    [start, end), in text order (start, end, id), each row followed by whether that layer
    holds a span made from it."""
    conn = unit.connection()
    layers = [*conn.execute(_STATEMENTS["suggestion_layers"]).scalars(), own_layer]
    return conn.execute(_STATEMENTS["between"], {
        "document_id": document_id, "own_layer": own_layer, "layers": layers,
        "start": start, "end": end}).all()


def drawn_layer_spans(unit: Unit, document_id: int, own_layer: int) -> Sequence[Row[Any]]:
    """Every suggestion of the document and every span of layer ``own_layer`` in it, in text
    order (start, end, id), in one indexed query."""
    return unit.connection().execute(_STATEMENTS["all"], {
        "document_id": document_id, "own_layer": own_layer}).all()


def spans_by_id(unit: Unit, document_id: int, own_layer: int, span_ids: Sequence[int],
                chunk: int) -> list[Row[Any]]:
    """The document's spans among ``span_ids`` in text order within each ``chunk`` of ids
    (sorted), each row followed by its layer's kind and whether layer ``own_layer`` holds a
    span made from it. In chunks: an undo of a bulk decision names thousands of spans (a
    server takes at most 65,535 parameters in one statement)."""
    ids = sorted(span_ids)
    conn = unit.connection()
    rows: list[Row[Any]] = []
    for at in range(0, len(ids), chunk):
        rows += conn.execute(_STATEMENTS["refreshed"], {
            "span_ids": ids[at:at + chunk], "document_id": document_id,
            "own_layer": own_layer}).all()
    return rows


def has_suggestion_layer(unit: Unit) -> bool:
    """Whether the project holds a layer of suggestions."""
    return unit.scalar(select(LayerRow.id).where(LayerRow.kind == _SUGGESTIONS)
                       .limit(1)) is not None
