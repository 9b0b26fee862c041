"""Agreement between a project's annotators (and, if asked, its suggestions): their layers
read in two streamed queries and handed to :func:`core.agreement.compute_agreement`.

Each annotator's layer counts with its accepted spans only (rejected rows are decisions on
suggestions, not annotations). Suggestions are compared as one more annotator, with every
span of the layer (or of every suggestions layer, for ``suggestions``).

The documents compared are those at least one of the compared annotators has worked on (a
status of theirs or an accepted span); suggestions, which usually cover every document, do
not bring documents in by themselves. With ``only_done``: the documents every compared
annotator has marked done.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from ..core.agreement import (
    AgreementDocument,
    AgreementReport,
    AnnotatedSpan,
    compute_agreement,
)
from ..core.errors import UnannotateError
from ..core.model import DocumentStatus, LabelKind, LayerKind, SpanState
from ..storage.schema import (
    AnnotatorRow,
    DocumentRow,
    DocumentStatusRow,
    LabelRow,
    LayerRow,
    SpanRow,
)
from .project import Project

SUGGESTIONS = "suggestions"  # every suggestions layer together, as one annotator
STREAM_ROWS = 5_000


class AgreementError(UnannotateError, ValueError):
    """Agreement that cannot be computed as asked: an unknown annotator or layer, or fewer
    than two to compare."""


@dataclass(frozen=True)
class _Compared:
    """One compared "annotator": its name in the report and the layers holding its spans."""

    name: str
    layer_ids: tuple[int, ...]
    state: str  # the spans counted: accepted annotations, or suggestions
    annotator_id: int | None  # a person's; None for suggestions


def project_agreement(project: Project, annotators: Sequence[str], *,
                      include_suggestions: str | None = None,
                      only_done: bool = False) -> AgreementReport:
    """Agreement between ``annotators`` (names) in ``project``; ``include_suggestions``: a
    suggestions layer (its name, or its suggester's, or ``"suggestions"`` for all of them)
    compared as one more annotator, named as given."""
    with project.db.read() as session:
        compared = _resolve(session, annotators, include_suggestions)
        people = [c for c in compared if c.annotator_id is not None]
        chosen = _chosen_documents(people, only_done)
        connection = session.connection()
        texts = _rows(connection, select(DocumentRow.id, DocumentRow.title, DocumentRow.text)
                      .where(chosen).order_by(DocumentRow.id))
        spans = _rows(connection, _span_select(compared, chosen))
        names = {layer_id: c.name for c in compared for layer_id in c.layer_ids}
        return compute_agreement(_documents(texts, spans, names), [c.name for c in compared])


def _resolve(session: Session, annotators: Sequence[str],
             include_suggestions: str | None) -> list[_Compared]:
    wanted = [name.strip() for name in annotators]
    known: dict[str, tuple[int, int]] = {
        name: (layer_id, annotator_id)
        for name, layer_id, annotator_id in session.execute(
            select(AnnotatorRow.name, LayerRow.id, AnnotatorRow.id)
            .join(LayerRow, LayerRow.annotator_id == AnnotatorRow.id)
            .where(LayerRow.kind == LayerKind.ANNOTATOR.value))
    }
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise AgreementError(
            f"no annotator {', '.join(map(repr, unknown))} in this project; its annotators: "
            + (", ".join(sorted(known)) or "none yet"))
    twice = sorted({name for name in wanted if wanted.count(name) > 1})
    if twice:
        raise AgreementError(f"each annotator is compared once: {', '.join(twice)} given twice")
    compared = [_Compared(name, (known[name][0],), SpanState.ACCEPTED.value, known[name][1])
                for name in wanted]
    if include_suggestions is not None:
        compared.append(_suggestions(session, include_suggestions.strip() or SUGGESTIONS))
        if compared[-1].name in wanted:
            raise AgreementError(f"an annotator is called {compared[-1].name!r} too: compare "
                                 "one suggestions layer by its name")
    if len(compared) < 2:
        raise AgreementError("agreement compares at least two annotators (or one annotator "
                             f"and the suggestions); given: {', '.join(wanted) or 'none'}")
    return compared


def _suggestions(session: Session, wanted: str) -> _Compared:
    layers = session.execute(select(LayerRow.id, LayerRow.name, LayerRow.suggester)
                             .where(LayerRow.kind == LayerKind.SUGGESTIONS.value)
                             .order_by(LayerRow.id)).all()
    if wanted == SUGGESTIONS:
        found = [layer_id for layer_id, _, _ in layers]
        if not found:
            raise AgreementError("the project has no suggestions to compare")
    else:
        found = [layer_id for layer_id, name, _ in layers if name == wanted] or [
            layer_id for layer_id, _, suggester in layers if suggester == wanted]
        if not found:
            raise AgreementError(
                f"no suggestions layer {wanted!r} in this project; its suggestions layers: "
                + (", ".join(name for _, name, _ in layers) or "none yet")
                + f" (or {SUGGESTIONS!r} for all of them)")
    return _Compared(wanted, tuple(found), SpanState.SUGGESTED.value, None)


def _chosen_documents(people: list[_Compared], only_done: bool) -> ColumnElement[bool]:
    """The condition on a document row to be compared (see the module's description)."""
    annotator_ids = [c.annotator_id for c in people]
    status = DocumentStatusRow
    if only_done:
        return DocumentRow.id.in_(
            select(status.document_id)
            .where(status.annotator_id.in_(annotator_ids),
                   status.status == DocumentStatus.DONE.value)
            .group_by(status.document_id)
            .having(func.count(func.distinct(status.annotator_id)) == len(set(annotator_ids))))
    # Correlated EXISTS: one index probe per document (spans by document and layer, statuses
    # by their key), rather than a scan of every span.
    layer_ids = [layer_id for c in people for layer_id in c.layer_ids]
    annotated = exists().where(SpanRow.document_id == DocumentRow.id,
                               SpanRow.layer_id.in_(layer_ids),
                               SpanRow.state == SpanState.ACCEPTED.value)
    marked = exists().where(status.document_id == DocumentRow.id,
                            status.annotator_id.in_(annotator_ids))
    return or_(annotated, marked)


def _span_select(compared: list[_Compared], chosen: ColumnElement[bool]) -> Any:
    by_state: dict[str, list[int]] = {}
    for c in compared:
        by_state.setdefault(c.state, []).extend(c.layer_ids)
    states = or_(*(and_(SpanRow.layer_id.in_(ids), SpanRow.state == state)
                   for state, ids in by_state.items()))
    # Documents and layers as two lists the index on (document, layer) can take in document
    # order; the state of each layer's spans checked on the rows it finds.
    return (select(SpanRow.document_id, SpanRow.layer_id, SpanRow.start, SpanRow.end,
                   LabelRow.name, LabelRow.kind)
            .join(LabelRow, LabelRow.id == SpanRow.label_id)
            .where(SpanRow.document_id.in_(select(DocumentRow.id).where(chosen)),
                   SpanRow.layer_id.in_([i for ids in by_state.values() for i in ids]),
                   states)
            .order_by(SpanRow.document_id))


def _rows(connection: Connection, statement: Any) -> Iterator[Any]:
    """The rows of ``statement``, streamed in batches. On SQLite straight from the driver when
    no column needs converting (integers and strings do not): Core's work per row would be
    a good part of reading a few hundred thousand spans. Elsewhere, through Core."""
    dialect = connection.dialect
    plain = not any(column.type.dialect_impl(dialect).result_processor(dialect, None)
                    for column in statement.selected_columns)
    if dialect.name != "sqlite" or not plain:
        yield from connection.execute(statement.execution_options(yield_per=STREAM_ROWS))
        return
    # The values bound are layer and annotator ids and state names: rendered in the SQL.
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(STREAM_ROWS):
            yield from rows
    finally:
        cursor.close()


def _documents(texts: Iterator[Any], spans: Iterator[Any],
               names: dict[int, str]) -> Iterator[AgreementDocument]:
    """Documents (in id order) with their spans (in document order), merged."""
    claim = LabelKind.CLAIM.value
    groups = groupby(spans, key=itemgetter(0))
    group_id, group = next(groups, (None, None))
    for doc_id, title, text in texts:
        while group_id is not None and group_id < doc_id:
            group_id, group = next(groups, (None, None))
        layers: dict[str, list[AnnotatedSpan]] = {}
        if group_id == doc_id and group is not None:
            # Annotators mostly hold the same spans: one (frozen) object serves them all.
            made: dict[tuple[Any, ...], AnnotatedSpan] = {}
            for row in group:
                name = names[row[1]]
                found = layers.get(name)
                if found is None:
                    found = layers[name] = []
                key = row[2:]
                span = made.get(key)
                if span is None:
                    start, end, label, kind = key
                    span = made[key] = AnnotatedSpan(start, end, label, kind == claim)
                found.append(span)
            group_id, group = next(groups, (None, None))
        yield AgreementDocument(doc_id, title or f"document {doc_id}", text, layers)
