"""Exporting a project: streams documents and spans, writes atomically."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from ..core.model import Layer, LayerKind
from ..formats.atomic import atomic_write
from ..formats.native import (
    NativeDocument,
    NativeLayer,
    NativeSpan,
    dumps,
    encode_document,
    encode_layer,
    encode_layer_head,
    encode_span,
    encode_string,
    encode_value,
    write_native,
)
from ..storage.database import Unit
from ..storage.export import (
    DocumentTuple,
    SpanTuple,
    export_streams,
    labels_by_id,
    ordered_spans,
)
from ..storage.layers import all_layers
from .project import Project


@dataclass
class ExportReport:
    path: str
    documents: int = 0
    spans: dict[str, int] = field(default_factory=dict)  # label -> count


def iter_native_documents(project: Project, session: Unit,
                          report: ExportReport | None = None) -> StoredDocuments:
    """Every document with all its layers, streamed (see :class:`StoredDocuments`)."""
    return StoredDocuments(session, report)


_SPAN_ORDER = itemgetter(2, 3, 4, 1)  # layer id, start, end, span id


class StoredDocuments(Iterator[NativeDocument]):
    """The project's documents in order, each with all its layers: three ordered queries
    (documents, spans, statuses) merged here, so memory stays flat however large the project.
    Rows are read as plain tuples (see :func:`storage.export.export_streams`).

    Iterating gives :class:`NativeDocument` objects. A native JSONL writer may instead ask
    for :meth:`native_lines`, the lines ``native.dumps`` would write for those documents, made
    from the rows without building a ``NativeSpan`` for every span: several times faster on a
    large project. One or the other, once."""

    def __init__(self, session: Unit, report: ExportReport | None = None) -> None:
        self._session = session
        self._report = report
        self._started = False
        self._objects: Iterator[NativeDocument] | None = None

    def __iter__(self) -> StoredDocuments:
        return self

    def __next__(self) -> NativeDocument:
        if self._objects is None:
            self._start()
            self._objects = self._documents()
        return next(self._objects)

    def native_lines(self, counts: Counter[str] | None = None) -> Iterator[str]:
        """One native JSONL line (no newline) per document; each span's label is tallied
        in ``counts`` and in the report given, if any."""
        self._start()
        return self._lines(counts)

    def _start(self) -> None:
        if self._started:
            raise RuntimeError("the stored documents can be read once")
        self._started = True
        session = self._session
        self._layers = {layer.id: layer for layer in all_layers(session)}
        self._labels = {label_id: (label.name, label.is_claim)
                        for label_id, label in labels_by_id(session).items()}
        # Annotator id -> that annotator's layers, for statuses without spans.
        self._annotator_layers: dict[int, list[int]] = {}
        for layer_id, info in self._layers.items():
            if info.annotator_id is not None and info.kind == LayerKind.ANNOTATOR:
                self._annotator_layers.setdefault(info.annotator_id, []).append(layer_id)

    def _rows(self) -> Iterator[tuple[DocumentTuple, list[SpanTuple], dict[int, str]]]:
        """Each document row with its span rows (in layer, start, end, id order) and its
        statuses (annotator id -> status)."""
        documents, span_rows, status_rows = export_streams(self._session)
        span_groups = groupby(span_rows, key=itemgetter(0))
        group_doc, group = next(span_groups, (None, None))
        pending_status = next(status_rows, None)
        statuses: dict[int, str] = {}
        for document in documents:
            doc_id = document[0]
            statuses.clear()
            while pending_status is not None and pending_status[0] <= doc_id:
                if pending_status[0] == doc_id:
                    statuses[pending_status[1]] = pending_status[2]
                pending_status = next(status_rows, None)
            while group_doc is not None and group_doc < doc_id:  # spans of no document
                group_doc, group = next(span_groups, (None, None))
            spans: list[Any] = []
            if group_doc == doc_id:
                spans = self._ordered(doc_id, list(group))
                group_doc, group = next(span_groups, (None, None))
            yield document, spans, statuses

    def _ordered(self, doc_id: int, spans: list[SpanTuple]) -> list[SpanTuple]:
        """A document's span rows in layer, start, end, id order, as SQL orders them. Values
        Python cannot compare (a text among numbers) are left to the database to order."""
        try:
            spans.sort(key=_SPAN_ORDER)
        except TypeError:
            spans = ordered_spans(self._session, doc_id)
        return spans

    def _documents(self) -> Iterator[NativeDocument]:
        counts = self._report.spans if self._report is not None else None
        for document, spans, statuses in self._rows():
            yield self._document(document, spans, statuses, counts)

    def _document(self, document: DocumentTuple, spans: list[SpanTuple], statuses: dict[int, str],
                  counts: dict[str, int] | None) -> NativeDocument:
        _, text, title, language, source_name, meta = document
        layers, labels = self._layers, self._labels
        by_layer: dict[int, NativeLayer] = {}
        current = None
        entities: list[NativeSpan] = []
        claims: list[NativeSpan] = []
        for (_, span_id, layer_id, start, end, label_id, state, score, reason, source_id,
             source_layer) in spans:
            if layer_id != current:
                current = layer_id
                layer = by_layer.get(layer_id)
                if layer is None:
                    layer = by_layer[layer_id] = _native_layer(layers[layer_id], statuses)
                entities, claims = layer.entities, layer.claims
            label, is_claim = labels[label_id]
            provenance = None
            if source_id is not None:
                provenance = _provenance(layers, source_id, source_layer)
            (claims if is_claim else entities).append(NativeSpan(
                start, end, label, text[start:end], state, span_id, score, reason or "",
                provenance,
            ))
            if counts is not None:
                counts[label] = counts.get(label, 0) + 1
        # Annotators who marked the document but have no spans in it still show their status.
        for annotator_id in statuses:
            for layer_id in self._annotator_layers.get(annotator_id, ()):
                if layer_id not in by_layer:
                    by_layer[layer_id] = _native_layer(layers[layer_id], statuses)
        return NativeDocument(
            text=text, title=title, language=language, source=source_name, meta=meta or {},
            layers=[by_layer[k] for k in sorted(by_layer)],
        )

    def _lines(self, counts: Counter[str] | None) -> Iterator[str]:
        heads = {
            layer_id: encode_layer_head(info.name, info.kind.value, info.annotator, info.suggester,
                                        info.pipeline, info.pipeline_version)
            for layer_id, info in self._layers.items()
        }
        labels = {label_id: (name, encode_value(name), is_claim)
                  for label_id, (name, is_claim) in self._labels.items()}
        states: dict[str, str] = {}
        tally: Counter[int] = Counter()  # label id -> spans
        try:
            for document, spans, statuses in self._rows():
                line = self._line(document, spans, statuses, heads, labels, states)
                if line is None:  # anything unusual: as the objects would be written
                    line = dumps(self._document(document, spans, statuses, None))
                tally.update(map(itemgetter(5), spans))
                yield line
        finally:
            names = {label_id: self._labels[label_id][0] for label_id in tally}
            if counts is not None:
                counts.update({names[k]: n for k, n in tally.items()})
            if self._report is not None:
                for label_id, n in tally.items():
                    name = names[label_id]
                    self._report.spans[name] = self._report.spans.get(name, 0) + n

    def _line(self, document: DocumentTuple, spans: list[SpanTuple], statuses: dict[int, str],
              heads: dict[int, str], labels: dict[int, tuple[str, str, bool]],
              states: dict[str, str]) -> str | None:
        """What ``dumps`` would give for the document built from these rows, or None when
        a row is anything but plain (then the caller builds the document)."""
        _, text, title, language, source_name, meta = document
        if type(text) is not str:
            return None
        length = len(text)
        layers = self._layers
        encoded: dict[int, tuple[list[str], list[str]]] = {}
        current = None
        entities: list[str] = []
        claims: list[str] = []
        for (_, span_id, layer_id, start, end, label_id, state, score, reason, source_id,
             source_layer) in spans:
            if layer_id != current:
                if layer_id not in layers:
                    return None
                current = layer_id
                entities, claims = encoded[layer_id] = ([], [])
            found = labels.get(label_id)
            if found is None or type(start) is not int or type(end) is not int \
                    or not 0 <= start < end <= length:
                return None
            label, label_json, is_claim = found
            if score is None and not reason and source_id is None and type(span_id) is int \
                    and type(state) is str:
                state_json = states.get(state)
                if state_json is None:
                    state_json = states[state] = encode_string(state)
                # encode_span's output for these values, without a call per value
                span = (f'{{"start":{start},"end":{end},"label":{label_json},'
                        f'"text":{encode_string(text[start:end])},"state":{state_json},'
                        f'"id":{span_id}}}')
            else:
                provenance = None
                if source_id is not None:
                    provenance = _provenance(layers, source_id, source_layer)
                span = encode_span(start, end, label, text[start:end], state, span_id, score,
                                   reason or "", provenance)
            (claims if is_claim else entities).append(span)
        for annotator_id in statuses:
            for layer_id in self._annotator_layers.get(annotator_id, ()):
                if layer_id not in encoded:
                    encoded[layer_id] = ([], [])
        return encode_document(text, title, language, source_name, meta or {}, [
            encode_layer(heads[k], _status(layers[k], statuses), *encoded[k])
            for k in sorted(encoded)
        ])


def _provenance(layers: dict[int, Layer], source_id: int,
                source_layer: int | None) -> dict[str, Any]:
    origin = layers.get(source_layer) if source_layer is not None else None
    provenance: dict[str, Any] = {"span_id": source_id}
    if origin is not None:
        provenance["layer"] = origin.name
        if origin.suggester:
            provenance["suggester"] = origin.suggester
    return provenance


def _status(info: Layer, statuses: dict[int, str]) -> str | None:
    if info.annotator_id is None:
        return None
    return statuses.get(info.annotator_id, "todo")


def _native_layer(info: Layer, statuses: dict[int, str]) -> NativeLayer:
    return NativeLayer(
        name=info.name, kind=info.kind.value, annotator=info.annotator, suggester=info.suggester,
        pipeline=info.pipeline, pipeline_version=info.pipeline_version,
        status=_status(info, statuses),
    )


def export_native(project: Project, out: str | Path) -> ExportReport:
    """Write the whole project as native JSONL to ``out`` (atomically)."""
    report = ExportReport(str(out))
    with project.db.read() as session, atomic_write(out) as handle:
        report.documents = write_native(iter_native_documents(project, session, report), handle)
    return report
