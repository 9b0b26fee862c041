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

from ..core.agreement import (
    AgreementDocument,
    AgreementReport,
    AnnotatedSpan,
    compute_agreement,
)
from ..core.errors import UnannotateError
from ..core.model import LabelKind, SpanState
from ..storage.agreement import (
    DocumentTuple,
    SpanTuple,
    annotator_layers,
    compared_rows,
    suggestion_layers,
)
from ..storage.database import Unit
from .project import Project

SUGGESTIONS = "suggestions"  # every suggestions layer together, as one annotator


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
        people = [(c.annotator_id, c.layer_ids) for c in compared
                  if c.annotator_id is not None]
        by_state: dict[str, list[int]] = {}
        for c in compared:
            by_state.setdefault(c.state, []).extend(c.layer_ids)
        texts, spans = compared_rows(session, people, by_state, only_done)
        names = {layer_id: c.name for c in compared for layer_id in c.layer_ids}
        return compute_agreement(_documents(texts, spans, names), [c.name for c in compared])


def _resolve(session: Unit, annotators: Sequence[str],
             include_suggestions: str | None) -> list[_Compared]:
    wanted = [name.strip() for name in annotators]
    known = annotator_layers(session)
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


def _suggestions(session: Unit, wanted: str) -> _Compared:
    layers = suggestion_layers(session)
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


def _documents(texts: Iterator[DocumentTuple], spans: Iterator[SpanTuple],
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
