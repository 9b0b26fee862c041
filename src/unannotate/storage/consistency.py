"""Repository functions reading what the consistency report compares: the annotators' labelled
spans with the text they cover, the documents each annotator has worked on, and texts and
titles, streamed or in bounded chunks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import func, select

from ..core.model import LabelKind, SpanState
from .database import Unit
from .schema import DocumentRow, DocumentStatusRow, LabelRow, SpanRow
from .streaming import stream_rows

# A labelled span: (document id, layer id, start, end, label, the text it covers). Plain
# tuples: half a million are read for a report on a large project.
LabelledSpan = tuple[int, int, int, int, str, str]

# Ids bound per statement: well under SQLite's variable limit.
CHUNK = 900


def labelled_spans(unit: Unit, layer_ids: Sequence[int], *,
                   include_claims: bool = False) -> Iterator[LabelledSpan]:
    """The accepted spans of ``layer_ids`` (entities; claims too with ``include_claims``),
    each with the text it covers, by document, layer and start, streamed.

    The covered text is cut by the database (``substr`` counts characters, as Python's
    offsets do, on SQLite and PostgreSQL): reading every text into the program to slice it
    took longer than the whole report's scan."""
    statement = (
        select(SpanRow.document_id, SpanRow.layer_id, SpanRow.start, SpanRow.end,
               LabelRow.name,
               func.substr(DocumentRow.text, SpanRow.start + 1, SpanRow.end - SpanRow.start))
        .join(LabelRow, LabelRow.id == SpanRow.label_id)
        .join(DocumentRow, DocumentRow.id == SpanRow.document_id)
        .where(SpanRow.layer_id.in_(list(layer_ids)),
               SpanRow.state == SpanState.ACCEPTED.value)
        # The order of the index on (document, layer, start): each layer's spans of a
        # document come as one run, in text order.
        .order_by(SpanRow.document_id, SpanRow.layer_id, SpanRow.start))
    if not include_claims:
        statement = statement.where(LabelRow.kind == LabelKind.ENTITY.value)
    return stream_rows(unit.connection(), statement)  # type: ignore[return-value]


def worked_documents(unit: Unit, layer_id: int, annotator_id: int, *,
                     labelled: set[int] | None = None, claims_read: bool = False) -> set[int]:
    """The documents an annotator has worked on: those they gave a status (in progress or
    done) and those their layer holds an accepted span (of any label) in.

    ``labelled``: the documents where the caller already read the layer's accepted entity
    spans (and claims with ``claims_read``): then only the layer's claims are looked up (a
    range of the index on layer and label) instead of every accepted span of the layer."""
    marked = select(DocumentStatusRow.document_id).where(
        DocumentStatusRow.annotator_id == annotator_id)
    annotated = select(SpanRow.document_id).where(
        SpanRow.layer_id == layer_id, SpanRow.state == SpanState.ACCEPTED.value).distinct()
    if labelled is None:
        return set(unit.scalars(marked)) | set(unit.scalars(annotated))
    found = set(unit.scalars(marked)) | labelled
    if not claims_read:
        claims = select(LabelRow.id).where(LabelRow.kind == LabelKind.CLAIM.value)
        found.update(unit.scalars(annotated.where(SpanRow.label_id.in_(claims))))
    return found


def document_count(unit: Unit) -> int:
    return unit.scalar(select(func.count(DocumentRow.id))) or 0


def all_texts(unit: Unit) -> Iterator[tuple[int, str]]:
    """Every document's (id, text), in id order, streamed."""
    return stream_rows(  # type: ignore[return-value]
        unit.connection(), select(DocumentRow.id, DocumentRow.text).order_by(DocumentRow.id))


def texts_of(unit: Unit, document_ids: Iterable[int]) -> Iterator[tuple[int, str]]:
    """The (id, text) of the documents named, in id order, a bounded chunk of ids at a time."""
    ids = sorted(set(document_ids))
    for at in range(0, len(ids), CHUNK):
        yield from map(tuple, unit.execute(
            select(DocumentRow.id, DocumentRow.text)
            .where(DocumentRow.id.in_(ids[at:at + CHUNK])).order_by(DocumentRow.id)))


def titles_of(unit: Unit, document_ids: Iterable[int]) -> dict[int, str]:
    """Each named document's title, a bounded chunk of ids at a time."""
    ids = sorted(set(document_ids))
    titles: dict[int, str] = {}
    for at in range(0, len(ids), CHUNK):
        titles.update((doc, title) for doc, title in unit.execute(
            select(DocumentRow.id, DocumentRow.title)
            .where(DocumentRow.id.in_(ids[at:at + CHUNK]))))
    return titles
