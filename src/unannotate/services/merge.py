"""Merging a colleague's whole project file into this one, without a server.

Bringing in (``colleague.py``) lays a colleague's annotations over the documents this project
holds, to review them. A merge takes the whole project: their documents (matched by the
SHA-256 of the exact text, the others added), every layer as theirs (annotators, suggestions
with their suggester versions, gold), each annotator's status and each document's review
status, their label scheme, the provenance of their spans and their events. Their file is read
from a copy made through SQLite's backup API on a read-only connection, and never written; an
older schema is upgraded in that copy.

Their events are copied with their ids remapped (document, layer, span, annotator, target,
suggestion, and the ids inside the before/after snapshots), so undo and redo work on them here
as they did there. An event this project holds already (a merge repeated, or a project sent to
a colleague and merged back) is recognised by what it says: its time, kind, annotator,
document, layer, group, suggester and snapshots without their ids; it is not copied again.
Merging the same file twice changes nothing the second time.

When both projects hold the same thing:

* a document (same text) keeps this project's title and meta;
* a label keeps our kind, colour, key and description; labels we lack are added;
* a layer is the same layer when it has the same name: ``annotator:NAME`` here and there are
  one layer when the same person worked on both copies;
* a span made by a decision both projects hold (work done before the project was copied) is
  the same span on both sides, found through that event, whatever its offsets or label now.
  Changed (or removed) since on their side only, it takes their state; on our side only, it
  keeps ours; on both sides, ours is kept, the report counts a conflict, and the span moves
  one version on (with a "merge" event holding their state) so that undoing a decision made
  on it on either side is refused as a conflict instead of overwriting the other's;
* any other span of theirs (made apart in each copy, or without an event: suggestions,
  imports) is added where the layer holds no span of the same (start, end, label) in that
  document, never duplicated; where ours holds one, ours stays as it is and their events
  about it point at ours (undoing such a decision may then meet the version check);
* a status (an annotator's, or a document's review status): the one further along wins
  (done, then in progress, then to do), so merging either way round gives the same result.

A span is named in history by its id, which may be given again once the span is deleted; so a
span id is read with the event that (last) made it, a *lineage* (``merge_lineage.py``).

One transaction: the project gets the whole merge or nothing.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from ..core.errors import InputError, StorageError, UnannotateError
from ..core.model import DocumentStatus, LayerKind
from ..core.records import EventRecord, NamedEvent, SpanRecord
from ..storage import merge as store
from ..storage.database import Unit
from ..storage.events import add_event
from ..storage.labels import label_ids, label_kinds
from ..storage.layers import all_layers, annotator_names
from ..storage.merge import BATCH
from ..storage.migrations import SCHEMA_VERSION
from .colleague import _copy_read_only, is_project_file
from .merge_lineage import (
    Lineage,
    Lineages,
    fingerprint,
    instant,
    is_empty,
    named_spans,
    snapshot_span_ids,
)
from .project import Project, open_project

MERGE = "merge"
RANK = {DocumentStatus.TODO.value: 0, DocumentStatus.IN_PROGRESS.value: 1,
        DocumentStatus.DONE.value: 2}


class MergeError(UnannotateError):
    """A project file that cannot be merged into this project."""


@dataclass
class MergeReport:
    """What a merge did; nothing (``changed`` false) when the project held it all."""

    path: str
    documents_new: int = 0
    documents_matched: int = 0
    spans: dict[str, Counter[str]] = field(default_factory=dict)  # layer -> label -> added
    spans_present: int = 0  # their spans this project held already
    events_added: int = 0
    events_present: int = 0  # their events this project held already
    labels_added: list[str] = field(default_factory=list)
    layers_added: list[str] = field(default_factory=list)
    annotators_added: list[str] = field(default_factory=list)
    # Spans made by a decision both projects hold:
    spans_updated: int = 0  # changed there since, not here: their state taken
    spans_removed: int = 0  # removed there since, not changed here: removed here
    conflicts: int = 0  # changed or removed on both sides since: ours kept
    statuses_changed: int = 0  # annotators' statuses and review statuses taken from theirs
    notes: list[str] = field(default_factory=list)

    @property
    def total_spans(self) -> int:
        return sum(sum(c.values()) for c in self.spans.values())

    @property
    def changed(self) -> bool:
        return bool(self.documents_new or self.total_spans or self.events_added
                    or self.labels_added or self.layers_added or self.annotators_added
                    or self.spans_updated or self.spans_removed or self.conflicts
                    or self.statuses_changed)


def merge_project(project: Project, path: str | os.PathLike[str]) -> MergeReport:
    """Merge the project file at ``path`` into ``project`` (see the module's docstring)."""
    path = Path(path)
    if not path.exists():
        raise InputError(str(path), "no such file")
    if path.is_dir():
        raise InputError(str(path), "is a folder, not a project file")
    if not is_project_file(path):
        raise MergeError(f"{path}: not a project file (not an SQLite database)")
    if _is_this_project(project, path):
        raise MergeError(f"{path} is this project itself")
    with tempfile.TemporaryDirectory(prefix="unannotate-merge-") as folder:
        copy = Path(folder) / "theirs.unannotate.db"
        _copy_read_only(path, copy)
        _check_schema(path, copy)
        try:
            theirs = open_project(copy, create=False)  # an older schema is upgraded in the copy
        except StorageError as error:
            raise MergeError(f"{path}: {error}") from None
        try:
            with theirs.db.read() as source, project.db.session() as target:
                return _Merge(project, source, target, MergeReport(str(path))).run()
        finally:
            theirs.close()


def _is_this_project(project: Project, path: Path) -> bool:
    own = project.db.path
    if own is None or not own.exists():
        return False
    try:
        return os.path.samefile(own, path)
    except OSError:
        return own.resolve() == path.resolve()


def _check_schema(path: Path, copy: Path) -> None:
    """Refuse what is not a project, or a project of a newer program, before opening it
    (opening an empty database would make a new project of it)."""
    found = store.stored_schema_version(copy, path)
    if found is None:
        raise MergeError(f"{path}: an SQLite database, but not an unannotate project")
    try:
        version = int(found)
    except ValueError:
        raise MergeError(f"{path}: not an unannotate project (schema {found!r})") from None
    if version > SCHEMA_VERSION:
        raise MergeError(
            f"{path} was written by a newer version of unannotate (schema {version}; this "
            f"program knows up to {SCHEMA_VERSION}). Upgrade the program to merge it.")


@dataclass
class _Ours:
    """What our history says of one of our spans a lineage of theirs is linked to."""

    exists: bool = False
    made: int | None = None  # our event that last made it
    last: int | None = None  # our last event on it


class _Merge:
    """One merge: their project (a read snapshot of the copy) into ours (one write
    transaction). Maps their ids to ours as it goes."""

    def __init__(self, project: Project, theirs: Unit, ours: Unit,
                 report: MergeReport) -> None:
        self.project = project
        self.theirs = theirs
        self.ours = ours
        self.report = report
        self.group = uuid.uuid4().hex
        self.labels: dict[int, int] = {}
        self.label_names: dict[int, str] = {}  # our label id -> name
        self.annotators: dict[int, int] = {}
        self.annotator_names: dict[int, str] = {}  # their annotator id -> name
        self.layers: dict[int, int] = {}
        self.layer_names: dict[int, str] = {}  # their layer id -> name
        self.documents: dict[int, int] = {}
        self.document_shas: dict[int, str] = {}  # their document id -> SHA-256
        self.new_documents: set[int] = set()  # ours, added by this merge
        self.events: dict[int, int] = {}  # their event id -> ours
        self.spans: dict[Lineage, int] = {}  # their lineage -> our span id
        # What their events tell (_match_events):
        self.present: set[int] = set()  # their events this project holds already
        self.lineages = Lineages()
        self.changed_there: set[Lineage] = set()  # lineages with events we lack
        self.referenced: set[Lineage] = set()  # lineages the events we lack name
        self.learned: dict[Lineage, int] = {}  # lineage -> our span id, from shared events
        self.our_event_spans: dict[int, int | None] = {}  # our shared event -> its span
        # Their lineages made by an event both hold (_links): -> (our span, our event).
        self.links: dict[Lineage, tuple[int, int]] = {}
        self.ours_of: dict[int, _Ours] = {}  # our span id -> what our history says of it
        self.shared: set[int] = set()  # our events theirs holds too
        self.taken: set[int] = set()  # our spans a live span of theirs is now mapped to
        self.conflict_events: list[dict[str, Any]] = []
        self.next_id = 0  # the next span id to give (_spans)

    def run(self) -> MergeReport:
        self._labels()
        self._annotators()
        self._layers()
        self._documents()
        self._match_events()
        self._spans()
        self._statuses()
        self._review_statuses()
        self._suggested_documents()
        self._copy_events()
        store.advance_sequences(self.ours)
        report = self.report
        if report.conflicts:
            report.notes.append(
                f"{report.conflicts} spans were changed in both projects since the history "
                "they share: this project's version of each was kept")
        if report.changed:
            add_event(self.ours, MERGE, group_id=self.group, after={
                "source": report.path, "documents_new": report.documents_new,
                "documents_matched": report.documents_matched,
                "spans": {layer: dict(c) for layer, c in report.spans.items()},
                "spans_present": report.spans_present, "events": report.events_added,
                "events_present": report.events_present,
                "labels_added": report.labels_added, "statuses": report.statuses_changed,
                "spans_updated": report.spans_updated, "spans_removed": report.spans_removed,
                "conflicts": report.conflicts,
            })
        return report

    # -- scheme, people, layers, documents ---------------------------------------------
    def _labels(self) -> None:
        theirs = store.labels_with_ids(self.theirs)
        kinds = label_kinds(self.ours)
        for _, label in theirs:
            name, kind = label.name, label.kind.value
            if name in kinds and kinds[name] != kind:
                self.report.notes.append(
                    f"label {name} is {kind} there and {kinds[name]} here: kept as {kinds[name]}")
        self.report.labels_added = self.project.ensure_labels(
            self.ours, [label for _, label in theirs])
        ours = label_ids(self.ours)
        self.labels = {label_id: ours[label.name] for label_id, label in theirs}
        self.label_names = {v: k for k, v in ours.items()}

    def _annotators(self) -> None:
        ours = set(annotator_names(self.ours))
        for their_id, name in store.annotators_with_ids(self.theirs):
            self.annotator_names[their_id] = name
            if name not in ours:
                self.report.annotators_added.append(name)
            self.annotators[their_id] = Project.annotator_id(self.ours, name)

    def _layers(self) -> None:
        ours = {layer.name: layer for layer in all_layers(self.ours)}
        for row in all_layers(self.theirs):
            annotator = (self.annotators[row.annotator_id]
                         if row.annotator_id is not None else None)
            found = ours.get(row.name)
            if found is not None:
                if found.kind != row.kind or (row.kind is LayerKind.ANNOTATOR
                                              and found.annotator_id != annotator):
                    raise MergeError(
                        f"{self.report.path}: its layer {row.name!r} ({row.kind.value}) is not "
                        f"this project's layer of that name ({found.kind.value}); nothing was "
                        "merged")
                layer_id = found.id
            else:
                layer_id = Project.layer_id(
                    self.ours, row.name, row.kind, annotator_id=annotator,
                    suggester=row.suggester, pipeline=row.pipeline,
                    pipeline_version=row.pipeline_version, spacy_version=row.spacy_version)
                self.report.layers_added.append(row.name)
            self.layers[row.id] = layer_id
            self.layer_names[row.id] = row.name

    def _documents(self) -> None:
        theirs = store.document_hashes(self.theirs)
        self.document_shas = dict(theirs)
        held = store.document_ids(self.ours, sorted({sha for _, sha in theirs}))
        missing = []
        for their_id, sha in theirs:
            if sha in held:
                self.documents[their_id] = held[sha]
                self.report.documents_matched += 1
            else:
                missing.append(their_id)
        for chunk in store.chunks(missing):
            rows = store.documents_by_ids(self.theirs, chunk)
            for their_id, sha, text, title, meta, language, source, created in rows:
                new_id = store.insert_document(self.ours, sha, text, title, meta or {},
                                               language, source, created)
                self.documents[their_id] = new_id
                self.new_documents.add(new_id)
                self.report.documents_new += 1

    # -- events, first pass: what this project holds already ----------------------------
    def _their_events(self) -> Iterator[EventRecord]:
        return store.stream_events(self.theirs)

    def _their_fingerprint(self, event: EventRecord) -> str:
        return fingerprint(
            event.at, event.kind, self.annotator_names.get(event.annotator_id),
            self.document_shas.get(event.document_id), self.layer_names.get(event.layer_id),
            event.group_id, event.suggester, event.before, event.after)

    def _our_instants(self) -> dict[str, list[int]]:
        """Our events in the time range of theirs, by time: the candidates to compare."""
        first, last = store.event_time_range(self.theirs)
        if first is None:
            return {}
        found: dict[str, list[int]] = {}
        for event_id, at in store.events_between(self.ours, first, last):
            found.setdefault(instant(at), []).append(event_id)
        return found

    def _our_fingerprints(self, event_ids: list[int]) -> dict[str, list[NamedEvent]]:
        found: dict[str, list[NamedEvent]] = {}
        for row in store.named_events(self.ours, event_ids):
            found.setdefault(fingerprint(*row[1:10]), []).append(row)
        return found

    def _match_events(self) -> None:
        """Which of their events this project holds already (their id -> ours, in
        ``self.events``); the lineages their other events change or name; where the span
        ids of the events both hold went here."""
        instants = self._our_instants()
        events = self._their_events()
        while batch := list(islice(events, BATCH)):
            candidates = [i for e in batch for i in instants.get(instant(e.at), ())]
            ours = self._our_fingerprints(candidates) if candidates else {}
            for event in batch:
                self.lineages.see(event)
                same = [m for m in ours.get(self._their_fingerprint(event), ())
                        if m.id not in self.our_event_spans]  # each of ours matches once
                if same:
                    self._shared_event(event, same[0])
                    continue
                if event.span_id is not None:
                    self.changed_there.add(self.lineages.now(event.span_id))
                self.referenced.update(self.lineages.now(i) for i in named_spans(event))
        self.report.events_present = len(self.present)
        self.shared = set(self.events.values())

    def _shared_event(self, event: EventRecord, mine: NamedEvent) -> None:
        self.events[event.id] = mine.id
        self.present.add(event.id)
        self.our_event_spans[mine.id] = mine.span_id
        pairs = [(event.span_id, mine.span_id), (event.suggestion_id, mine.suggestion_id)]
        pairs += zip(snapshot_span_ids(event.before), snapshot_span_ids(mine.before), strict=False)
        pairs += zip(snapshot_span_ids(event.after), snapshot_span_ids(mine.after), strict=False)
        for theirs, ours in pairs:
            if theirs is not None and ours is not None:
                self.learned.setdefault(self.lineages.now(theirs), ours)

    # -- spans -------------------------------------------------------------------------
    def _links(self, live: dict[int, Lineage]) -> None:
        """Their lineages made by an event both projects hold, and what our history says of
        the span that event made here."""
        for span_id, made in self.lineages.made.items():
            for event_id in made:
                ours = self.events.get(event_id)
                if ours is None or (mine := self.our_event_spans.get(ours)) is None:
                    continue
                lineage = (span_id, event_id)
                if live.get(span_id) == lineage or lineage in self.changed_there:
                    self.links[lineage] = (mine, ours)
        if not self.links:
            return
        targets = {mine for mine, _ in self.links.values()}
        self.ours_of = {mine: _Ours() for mine in targets}
        for span_id in store.existing_spans(self.ours, list(targets)):
            self.ours_of[span_id].exists = True
        # One pass over our events; snapshots read as stored.
        for event_id, our_span, before, after in store.span_events(self.ours):
            found = self.ours_of.get(our_span or 0)
            if found is not None:
                found.last = event_id
                if is_empty(before) and not is_empty(after):
                    found.made = event_id

    def _alive_here(self, lineage: Lineage) -> bool:
        """Does our span of a linked lineage still exist as that lineage (not removed, its
        id not given to another span since)?"""
        mine, made = self.links[lineage]
        ours = self.ours_of[mine]
        return ours.exists and ours.made == made

    def _changed_here(self, lineage: Lineage) -> bool:
        return self.ours_of[self.links[lineage][0]].last not in self.shared

    def _spans(self) -> None:
        live = {span_id: self.lineages.now(span_id) for span_id in store.span_ids(self.theirs)}
        self._links(live)
        self.next_id = store.next_span_id(self.ours)
        # Lineages their new events name that no longer exist there: first, so that the
        # spans added after them keep their ids from being given out again.
        for lineage in sorted(self.referenced - set(live.values())):
            if lineage in self.links and not self._reused_here(lineage):
                self.spans[lineage] = self.links[lineage][0]
            elif lineage in self.learned and lineage not in self.links:
                self.spans[lineage] = self.learned[lineage]
            else:
                self.spans[lineage] = self._fresh_id()
        linked_here = {self.links[lineage][0] for lineage in live.values()
                       if lineage in self.links and self._alive_here(lineage)}
        rows: list[tuple[Any, ...]] = []
        later_sources: list[tuple[int, Lineage]] = []  # (our span, their source)
        stream = store.stream_spans(self.theirs)
        document = None
        held: dict[tuple[int, int, int, int], list[tuple[int, int | None]]] = {}
        for row in stream:
            (their_id, layer, their_doc, start, end, label, state, score, reason, source,
             version, created, updated) = row
            doc_id = self.documents[their_doc]
            if doc_id != document:
                document = doc_id
                held = self._held(doc_id, linked_here)
            lineage = live[their_id]
            source_lineage = live.get(source) if source is not None else None
            source_id = self.spans.get(source_lineage) if source_lineage else None
            # A source not mapped yet (a span of a later document): set once all are.
            later = source_lineage if source_lineage and source_id is None else None
            if lineage in self.links:
                if self._follow(lineage, row, source_id) and later:
                    later_sources.append((self.spans[lineage], later))
                continue
            key = (self.layers[layer], start, end, self.labels[label])
            same = [s for s in held.get(key, ()) if s[0] not in self.taken]
            if same:
                # Prefer the span made from the same source, when there are several.
                mine = next((s for s in same if s[1] == source_id), same[0])[0]
                self.taken.add(mine)
                self.spans[lineage] = mine
                self.report.spans_present += 1
                continue
            new_id = self.spans[lineage] = self._fresh_id()
            held.setdefault(key, []).append((new_id, source_id))
            self.taken.add(new_id)
            if later:
                later_sources.append((new_id, later))
            rows.append((new_id, key[0], doc_id, start, end, key[3], state, score,
                         reason or "", source_id, version, created, updated))
            counts = self.report.spans.setdefault(self.layer_names[layer], Counter())
            counts[self.label_names[key[3]]] += 1
            if len(rows) >= BATCH:
                store.insert_spans(self.ours, rows)
                rows = []
        store.insert_spans(self.ours, rows)
        for span_id, source_lineage in later_sources:
            store.set_span_source(self.ours, span_id, self.spans.get(source_lineage))
        self._removed_there(set(live.values()))

    def _fresh_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def _reused_here(self, lineage: Lineage) -> bool:
        """Our span of the lineage is gone and its id is another span's now."""
        mine, _ = self.links[lineage]
        return self.ours_of[mine].exists and not self._alive_here(lineage)

    def _follow(self, lineage: Lineage, row: SpanRecord, source_id: int | None) -> bool:
        """A live span of theirs made by a decision both projects hold: theirs where only
        they changed it since, ours where only we did; where both did, ours (a conflict).
        True when their state was written here."""
        (_, layer, their_doc, start, end, label, state, score, reason, _source, version,
         _created, updated) = row
        mine, _ = self.links[lineage]
        alive = self._alive_here(lineage)
        self.spans[lineage] = self._fresh_id() if self._reused_here(lineage) else mine
        if alive:
            self.taken.add(mine)
        if lineage not in self.changed_there:
            self.report.spans_present += 1
            return False
        if alive and not self._changed_here(lineage):
            store.overwrite_span(
                self.ours, mine, start=start, end=end, label_id=self.labels[label],
                state=state, score=score, reason=reason or "", source_id=source_id,
                version=version, updated_at=updated)
            self.report.spans_updated += 1
            return True
        self.report.conflicts += 1
        if alive:
            self._keep_ours(mine, {
                "id": mine, "layer_id": self.layers[layer],
                "document_id": self.documents[their_doc], "start": start, "end": end,
                "label": self.label_names[self.labels[label]], "state": state,
                "score": score, "reason": reason or "", "source_id": source_id,
                "version": version})
        return False

    def _keep_ours(self, span_id: int, theirs: dict[str, Any]) -> None:
        """Both projects changed the span: ours stays, one version further on, so that
        undoing a decision made on it on either side is refused as a conflict rather than
        applied over the other's; a "merge" event says so, with their state."""
        row = store.span_record(self.ours, span_id)
        version = max(row.version, theirs["version"]) + 1
        store.overwrite_span(self.ours, span_id, version=version,
                             updated_at=datetime.now(UTC))
        ours = {"id": span_id, "layer_id": row.layer_id, "document_id": row.document_id,
                "start": row.start, "end": row.end, "label": self.label_names[row.label_id],
                "state": row.state, "score": row.score, "reason": row.reason,
                "source_id": row.source_id, "version": version}
        self.conflict_events.append({
            "kind": MERGE, "document_id": row.document_id, "layer_id": row.layer_id,
            "span_id": span_id, "before": theirs, "after": ours, "group_id": self.group})

    def _removed_there(self, live: set[Lineage]) -> None:
        """Spans both projects made together that they removed since: removed here too,
        unless we changed them since, or another span was made from them (conflicts: ours
        stays), or a span of theirs now stands for them."""
        for lineage in sorted(self.links.keys() - live):
            mine, _ = self.links[lineage]
            if lineage not in self.changed_there or mine in self.taken \
                    or not self._alive_here(lineage):
                continue
            if self._changed_here(lineage) or store.has_derived_span(self.ours, mine):
                self.report.conflicts += 1
                continue
            store.delete_span(self.ours, mine)
            self.ours_of[mine].exists = False
            self.report.spans_removed += 1

    def _held(self, doc_id: int, linked: set[int]
              ) -> dict[tuple[int, int, int, int], list[tuple[int, int | None]]]:
        """Our spans of the document by (layer, start, end, label), but for those a span of
        theirs stands for through the history."""
        held: dict[tuple[int, int, int, int], list[tuple[int, int | None]]] = {}
        if doc_id in self.new_documents:
            return held
        for span_id, layer_id, start, end, label_id, source_id in store.document_spans(
                self.ours, doc_id):
            if span_id not in linked:
                held.setdefault((layer_id, start, end, label_id), []).append(
                    (span_id, source_id))
        return held

    # -- statuses ----------------------------------------------------------------------
    def _statuses(self) -> None:
        ours = store.status_map(self.ours)
        for their_doc, their_annotator, status, seconds, updated, _ in store.statuses(
                self.theirs):
            key = (self.documents[their_doc], self.annotators[their_annotator])
            found = ours.get(key)
            if found is None:
                store.add_status(self.ours, *key, status=status, seconds_spent=seconds,
                                 updated_at=updated)
            elif _further(status, found[0]) or (seconds or 0) > (found[1] or 0):
                values: dict[str, Any] = {"seconds_spent": max(seconds or 0, found[1] or 0)}
                if _further(status, found[0]):
                    values.update(status=status, updated_at=updated)
                store.update_status(self.ours, *key, **values)
            else:
                continue
            self.report.statuses_changed += 1

    def _review_statuses(self) -> None:
        ours = store.review_status_map(self.ours)
        for their_doc, _, status, _, updated, reviewer in store.review_statuses(self.theirs):
            doc_id = self.documents[their_doc]
            values = {"status": status, "updated_at": updated,
                      "reviewer_id": None if reviewer is None else self.annotators[reviewer]}
            if doc_id not in ours:
                store.add_review_status(self.ours, doc_id, **values)
            elif _further(status, ours[doc_id]):
                store.update_review_status(self.ours, doc_id, **values)
            else:
                continue
            self.report.statuses_changed += 1

    def _suggested_documents(self) -> None:
        """Which documents their suggesters have seen, so a suggester run here does not
        suggest them again."""
        ours = store.suggested_pairs(self.ours)
        rows = []
        for layer, their_doc, spans, at in store.suggested_documents(self.theirs):
            key = (self.layers[layer], self.documents[their_doc])
            if key not in ours:
                ours.add(key)
                rows.append((*key, spans, at))
        store.add_suggested_documents(self.ours, rows)

    # -- events, second pass: copy the others ------------------------------------------
    def _copy_events(self) -> None:
        """Their events this project lacks, in their order, each span id read in the lineage
        it had at that event."""
        lineages = Lineages()

        def span(span_id: int | None) -> int | None:
            return None if span_id is None else self.spans.get(lineages.now(span_id))

        def snapshot(value: Any) -> Any:
            if not isinstance(value, dict):
                return value
            moved = dict(value)
            for key, mapping in (("layer_id", self.layers), ("document_id", self.documents)):
                if isinstance(moved.get(key), int):
                    moved[key] = mapping.get(moved[key])
            for key in ("id", "source_id"):
                if isinstance(moved.get(key), int):
                    moved[key] = span(moved[key])
            return moved

        next_id = store.max_event_id(self.ours) + 1
        rows: list[tuple[Any, ...]] = []
        for event in self._their_events():
            lineages.see(event)
            if event.id in self.present:
                continue
            self.events[event.id] = next_id
            rows.append((
                next_id, event.at, event.kind, self.annotators.get(event.annotator_id),
                self.documents.get(event.document_id), self.layers.get(event.layer_id),
                span(event.span_id), span(event.suggestion_id), event.suggester,
                snapshot(event.before), snapshot(event.after),
                self.events.get(event.target_id) if event.target_id is not None else None,
                event.group_id,
            ))
            next_id += 1
            self.report.events_added += 1
            if len(rows) >= BATCH:
                store.insert_events(self.ours, rows)
                rows = []
        store.insert_events(self.ours, rows)
        for values in self.conflict_events:  # after theirs: what the merge made of them
            store.add_event(self.ours, **values)


def _further(status: str, than: str) -> bool:
    return RANK.get(status, 0) > RANK.get(than, 0)
