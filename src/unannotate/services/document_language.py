"""Changing a document's language: the language stored, the change recorded as an event in
the person's history (undo puts the language back), and the document's pending suggestions
made again with the new language's rules.

Making suggestions again follows re-suggesting after training: the program's suggestions
that nobody decided are replaced by the new ones; a suggestion anyone decided stays (and no
new one repeats it at its place), no annotator's or gold span is touched, and a document
someone marked done keeps its suggestions as they are (the change says so). The new
suggestions are made before the transaction; the language, its event and the suggestions
are then written in one transaction: nothing half-done.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..core.errors import OffsetError, ReadOnlyProjectError, UnannotateError
from ..core.history import EventKind, LanguageSnapshot
from ..core.model import Label, LabelKind, check_bounds
from ..nlp.base import Suggester, SuggesterInput, SuggestionRow, suggestion_rows
from ..storage import document_language as store
from ..storage import events as event_log
from ..storage.spans_decisions import Session
from ..storage.training_data import documents_done_by_anyone
from .decisions import Change, Decider
from .languages import check_language_code, language_name, language_note
from .project import Project

PROGRAM = "unannotate."  # the program's own suggesters (rules, trained versions, pipelines)
NEW_LABEL_COLOUR = "#d7ccc8"


@dataclass
class LanguageChange:
    """What changing a document's language did, for the window and the command line."""

    document_id: int
    before: str
    after: str
    change: Change = field(default_factory=Change)
    done: bool = False  # someone marked the document done: its suggestions were left alone
    replaced: int = 0  # pending suggestions taken out
    suggested: int = 0  # suggestions made with the new language

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def message(self) -> str:
        """One line saying what happened."""
        if not self.changed:
            return f"The document's language is {language_name(self.after)} already."
        said = f"Language: {language_name(self.before)} → {language_name(self.after)}"
        if self.done:
            said += ("; the document is marked done, so its suggestions were left as they "
                     "are")
        else:
            said += (f"; {self.replaced} pending suggestions replaced by {self.suggested} "
                     "(decided spans kept)")
        note = language_note(self.after)
        if note is not None:
            said += f"; {note}"
        return said + ". Ctrl+Z undoes it."


def _refuse_read_only(project: Project) -> None:
    if project.read_only:
        raise ReadOnlyProjectError(
            "the project is open read-only: the document's language cannot be changed")


def set_document_language(reviewer: Decider, document_id: int, language: str, *,
                          suggesters: Sequence[Suggester] | None = None) -> LanguageChange:
    """Store ``language`` (a code, checked as ``import --language`` checks it) as the
    document's language, record it in ``reviewer``'s history, and make the document's
    pending suggestions again with ``suggesters`` (by default the window's: the newest
    trained versions, else the built-in rules)."""
    project = reviewer.project
    _refuse_read_only(project)
    code = check_language_code(language)
    with project.db.read() as session:
        found = store.text_and_language(session.connection(), document_id)
        if found is None:
            raise UnannotateError(f"no document {document_id}")
        text, before = found
        done = bool(documents_done_by_anyone(session, [document_id]))
    result = LanguageChange(document_id, before, code, Change({document_id}), done=done)
    if not result.changed:
        return result
    made = [] if done else _suggest(project, document_id, text, code, suggesters)
    with project.db.session() as session:
        connection = session.connection()
        current = store.text_and_language(connection, document_id)
        assert current is not None
        result.before = current[1]
        store.set_language(connection, document_id, code)
        event_id = event_log.append_event(
            connection, kind=EventKind.LANGUAGE, annotator_id=reviewer.annotator_id,
            document_id=document_id, layer_id=reviewer.layer_id,
            before=LanguageSnapshot(result.before), after=LanguageSnapshot(code),
            group=uuid.uuid4().hex)
        if not done:
            _replace(session, project, document_id, len(text), made, result)
    result.change.event_ids = [event_id]
    result.change.languages[document_id] = code
    reviewer._stepped(EventKind.LANGUAGE, [event_id])  # noqa: SLF001
    return result


def suggest_again(reviewer: Decider, change: Change,
                  suggesters: Sequence[Suggester] | None = None) -> None:
    """After an undo or a redo that put a document's language back: its pending suggestions
    made again in that language (documents marked done left alone), the spans taken out
    and put in added to ``change`` so the window redraws them."""
    project = reviewer.project
    for document_id, language in change.languages.items():
        with project.db.read() as session:
            found = store.text_and_language(session.connection(), document_id)
            if found is None or documents_done_by_anyone(session, [document_id]):
                continue
        text = found[0]
        made = _suggest(project, document_id, text, language, suggesters)
        result = LanguageChange(document_id, language, language)
        with project.db.session() as session:
            _replace(session, project, document_id, len(text), made, result)
        change.span_ids |= result.change.span_ids


def _suggest(project: Project, document_id: int, text: str, language: str,
             suggesters: Sequence[Suggester] | None) -> list[tuple[Suggester,
                                                                   list[SuggestionRow]]]:
    """What each suggester finds in the text in ``language`` (nothing is written)."""
    if suggesters is None:
        from .suggesting import build_suggesters

        suggesters = build_suggesters(project=project)
    made = []
    for suggester in suggesters:
        rows = dict(suggestion_rows(suggester, [SuggesterInput(document_id, text, language)]))
        made.append((suggester, rows.get(document_id, [])))
    return made


def _replace(session: Session, project: Project, document_id: int, length: int,
             made: list[tuple[Suggester, list[SuggestionRow]]], result: LanguageChange) -> None:
    """In the caller's transaction: the program's pending suggestions of the kinds made
    taken out of the document, the new ones put in (each place once, none repeating a
    decided suggestion of its layer)."""
    from .suggesting import suggestions_layer_id

    connection = session.connection()
    kinds = {_kind(suggester) for suggester, _ in made}
    removed = store.pending_suggestions(connection, document_id, kinds, PROGRAM)
    store.delete_suggestions(connection, removed)
    result.replaced = len(removed)
    result.change.span_ids |= set(removed)
    missing = {row[2] for _, rows in made for row in rows} - set(project.label_ids(session))
    if missing:
        kind_of = {row[2]: _kind(s) for s, rows in made for row in rows}
        project.ensure_labels(session, [Label(name, kind_of[name], NEW_LABEL_COLOUR)
                                        for name in sorted(missing)])
    label_ids = project.label_ids(session)
    for suggester, rows in made:
        layer_id = suggestions_layer_id(session, suggester.info)
        seen = store.kept_places(connection, layer_id, document_id)
        kept = []
        for start, end, label, score, reason in rows:
            try:
                check_bounds(length, start, end)
            except OffsetError:
                continue
            place = (start, end, label_ids[label])
            if place not in seen:
                seen.add(place)
                kept.append((start, end, place[2], score, reason))
        added = store.add_suggestions(connection, layer_id, document_id, kept)
        result.suggested += len(added)
        result.change.span_ids |= set(added)


def _kind(suggester: Suggester) -> LabelKind:
    return LabelKind.CLAIM if suggester.info.kind == LabelKind.CLAIM else LabelKind.ENTITY
