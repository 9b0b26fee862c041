"""Merging a colleague's whole project file: documents, layers, statuses, labels, provenance
and history come in; their file is only read; a repeated merge changes nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from command_line import program, run
from sqlalchemy import insert

from unannotate.core.errors import InputError
from unannotate.core.model import DocumentStatus, Label, LabelKind, LayerKind, text_sha256
from unannotate.nlp.base import SuggesterInfo
from unannotate.services.decisions import ConflictError, Decider
from unannotate.services.merge import MergeError, merge_project
from unannotate.services.project import Project, open_project
from unannotate.services.suggesting import suggestions_layer_id
from unannotate.storage import migrations
from unannotate.storage.schema import DocumentRow, SpanRow

EMOJI = "🌍 UNICEF said on 3 May 2025 that 4,000 children in Mali were reached.\r\nThanks!"
CRLF = "Kenya pledged $5 million.\r\nThe Council met in Geneva 👩🏽‍⚕️ on Tuesday.\r\n"
SHARED = "The Security Council met on Tuesday. Ghana and Peru voted in favour."
OURS_ONLY = "Only this project holds this document."
SUGGESTER = SuggesterInfo(name="test.suggester.v1", kind=LabelKind.ENTITY)
TABLES = ("documents", "labels", "annotators", "layers", "spans", "events", "document_status",
          "review_status", "suggested_documents")


def _document(project: Project, text: str, title: str = "") -> int:
    with project.db.session() as session:
        return session.execute(insert(DocumentRow).returning(DocumentRow.id), [{
            "sha256": text_sha256(text), "text": text, "title": title, "meta": {"t": title}}]
        ).scalar_one()


def _suggest(project: Project, doc_id: int, text: str,
             found: list[tuple[str, str]]) -> dict[str, int]:
    """Suggestions stored as a suggester would: word -> span id."""
    ids = {}
    with project.db.session() as session:
        layer_id = suggestions_layer_id(session, SUGGESTER)
        labels = project.label_ids(session)
        for word, label in found:
            start = text.index(word)
            row = SpanRow(layer_id=layer_id, document_id=doc_id, start=start,
                          end=start + len(word), label_id=labels[label], state="suggested",
                          score=0.9, reason="test")
            session.add(row)
            session.flush()
            ids[word] = row.id
    return ids


def _at(text: str, word: str) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


def _rows(path: Path, sql: str, *args: object) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def _checksums(path: Path) -> dict[str, tuple[int, str]]:
    """Rows and a checksum of every row, table by table."""
    found = {}
    for table in TABLES:
        rows = _rows(path, f"SELECT * FROM {table} ORDER BY 1, 2")
        found[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return found


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _make_theirs(path: Path) -> dict[str, int]:
    """Bob's project: emoji and CRLF documents, suggestions, his decisions (some from
    suggestions, an added span of a label we lack, an undo), a status, and Cy's gold review
    of one of Bob's spans. Bob's last decision is a relabel."""
    theirs = open_project(path)
    try:
        emoji, crlf = _document(theirs, EMOJI, "emoji"), _document(theirs, CRLF, "crlf")
        shared = _document(theirs, SHARED, "theirs")
        s = _suggest(theirs, emoji, EMOJI, [("UNICEF", "ORG"), ("3 May 2025", "DATE"),
                                             ("Mali", "GPE")])
        s |= _suggest(theirs, crlf, CRLF, [("Kenya", "GPE"), ("Geneva", "GPE")])
        with theirs.db.session() as session:
            theirs.ensure_labels(session, [Label("VACCINE", LabelKind.ENTITY, "#123456", "v",
                                                 "a vaccine")])
        bob = Decider(theirs, "bob")
        unicef = bob.accept(s["UNICEF"]).written[0].id  # type: ignore[index]
        bob.reject(s["3 May 2025"])
        bob.accept(s["Mali"])
        bob.undo()  # Mali back to pending
        bob.add(emoji, *_at(EMOJI, "children"), "VACCINE")
        bob.add(shared, *_at(SHARED, "Ghana"), "GPE")
        bob.set_status(emoji, DocumentStatus.DONE)
        kenya = bob.accept(s["Kenya"]).written[0].id  # type: ignore[index]
        with theirs.db.session() as session:
            Project.layer_id(session, "gold", LayerKind.GOLD)
        cy = Decider(theirs, "cy", layer="gold")
        gold = cy.accept(unicef).written[0].id  # type: ignore[index]
        cy.set_status(emoji, DocumentStatus.DONE)
        bob.relabel(kenya, "LOC")
        return {"emoji": emoji, "crlf": crlf, "unicef": unicef, "kenya": kenya, "gold": gold,
                **{f"s:{k}": v for k, v in s.items()}}
    finally:
        theirs.close()


def _make_ours(path: Path) -> Project:
    ours = open_project(path)
    _document(ours, OURS_ONLY, "ours")
    doc = _document(ours, SHARED, "ours")
    ana = Decider(ours, "ana")
    ana.add(doc, *_at(SHARED, "Peru"), "GPE")
    return ours


def _make_ours_closed(path: Path) -> None:
    _make_ours(path).close()


@pytest.fixture
def theirs_path(tmp_path: Path, project_copy) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "bob.unannotate.db"
    project_copy(_make_theirs, path)
    return path


@pytest.fixture
def ours(tmp_path: Path, project_copy):  # type: ignore[no-untyped-def]
    project_copy(_make_ours_closed, tmp_path / "ours.unannotate.db")
    opened = open_project(tmp_path / "ours.unannotate.db")
    yield opened
    opened.close()


def _doc_id(path: Path, text: str) -> int:
    return _rows(path, "SELECT id FROM documents WHERE sha256 = ?", text_sha256(text))[0][0]


def _layer_spans(path: Path, layer: str) -> list[tuple]:
    """(document text's SHA-256 prefix, start, end, label, state, source layer, source
    start, source end) of a layer's spans."""
    return _rows(path, """
        SELECT substr(d.sha256, 1, 8), s.start, s."end", l.name, s.state, sl.name, src.start,
               src."end"
        FROM spans s JOIN layers ly ON ly.id = s.layer_id JOIN labels l ON l.id = s.label_id
        JOIN documents d ON d.id = s.document_id
        LEFT JOIN spans src ON src.id = s.source_id LEFT JOIN layers sl ON sl.id = src.layer_id
        WHERE ly.name = ? ORDER BY 1, 2, 3, 4""", layer)


def test_a_merge_brings_in_their_whole_project(ours: Project, theirs_path: Path) -> None:
    before = _file_hash(theirs_path)
    ours_path = Path(ours.location)
    report = merge_project(ours, theirs_path)
    assert _file_hash(theirs_path) == before  # their file is only read
    assert not list(theirs_path.parent.glob("bob.unannotate.db.*.bak"))
    assert (report.documents_new, report.documents_matched) == (2, 1)
    assert report.labels_added == ["VACCINE"]
    assert report.spans["test.suggester.v1"] == {"ORG": 1, "DATE": 1, "GPE": 3}
    assert report.spans["annotator:bob"] == {"ORG": 1, "DATE": 1, "VACCINE": 1, "GPE": 1,
                                             "LOC": 1}
    assert report.spans["gold"] == {"ORG": 1}
    assert report.spans_present == 0
    assert set(report.layers_added) == {"test.suggester.v1", "annotator:bob", "gold"}
    # Texts exactly as theirs (emoji, CRLF), with their titles; a matched document keeps ours.
    assert _rows(ours_path, "SELECT title, text FROM documents ORDER BY id") == [
        ("ours", OURS_ONLY), ("ours", SHARED), ("emoji", EMOJI), ("crlf", CRLF)]
    # Every span's offsets still give its text in the stored document.
    for start, end, text in _rows(ours_path, "SELECT s.start, s.\"end\", d.text FROM spans s "
                                  "JOIN documents d ON d.id = s.document_id"):
        assert 0 <= start < end <= len(text)
    # Provenance points at the merged copies: Bob's spans at the suggestions, Cy's gold span
    # at Bob's span.
    emoji = text_sha256(EMOJI)[:8]
    assert _layer_spans(ours_path, "gold") == [
        (emoji, 2, 8, "ORG", "accepted", "annotator:bob", 2, 8)]
    bob = _layer_spans(ours_path, "annotator:bob")
    assert (emoji, 2, 8, "ORG", "accepted", "test.suggester.v1", 2, 8) in bob
    assert (emoji, *_at(EMOJI, "3 May 2025"), "DATE", "rejected", "test.suggester.v1",
            *_at(EMOJI, "3 May 2025")) in bob
    assert (text_sha256(CRLF)[:8], 0, 5, "LOC", "accepted", "test.suggester.v1", 0, 5) in bob
    assert not any(row[1:3] == _at(EMOJI, "Mali") for row in bob)  # undone there
    # Statuses: Bob's own, and the document's review status (Cy's).
    doc = _doc_id(ours_path, EMOJI)
    assert Decider(ours, "bob").status(doc) is DocumentStatus.DONE
    assert Decider(ours, "cy", layer="gold").status(doc) is DocumentStatus.DONE
    assert Decider(ours, "bob").status(_doc_id(ours_path, CRLF)) is DocumentStatus.IN_PROGRESS
    # Bob still has the Mali suggestion to decide; the suggester's seen documents are known.
    assert [s.label for s in Decider(ours, "bob").pending(doc)] == ["GPE"]
    # Their events, ids remapped: each span event names the span its snapshot names, in the
    # layer and document the event names; the undo points at the accept it undid.
    theirs_events = _rows(theirs_path, "SELECT kind FROM events ORDER BY id")
    merged = _rows(ours_path, "SELECT id, kind, span_id, layer_id, document_id, after, "
                   "target_id FROM events WHERE id > 1 ORDER BY id")
    assert [kind for _, kind, *_ in merged] == [*[k for (k,) in theirs_events], "merge"]
    assert report.events_added == len(theirs_events)
    for _, kind, span_id, layer_id, document_id, after, target in merged:
        snapshot = json.loads(after) if after else None
        if kind in ("accept", "reject", "add", "relabel") and snapshot:
            assert snapshot["id"] == span_id
            assert (snapshot["layer_id"], snapshot["document_id"]) == (layer_id, document_id)
        if kind == "undo":
            assert _rows(ours_path, "SELECT kind, span_id FROM events WHERE id = ?",
                         target) == [("accept", span_id)]
    labels = _rows(ours_path, "SELECT kind, colour, key, description FROM labels "
                   "WHERE name = 'VACCINE'")
    assert labels == [("entity", "#123456", "v", "a vaccine")]


def test_undo_works_on_their_decisions_after_the_merge(ours: Project,
                                                       theirs_path: Path) -> None:
    merge_project(ours, theirs_path)
    ours_path = Path(ours.location)
    bob = Decider(ours, "bob")
    doc = _doc_id(ours_path, CRLF)
    assert [(s.start, s.end, s.label) for s in bob.spans(doc)] == [(0, 5, "LOC")]
    assert bob.undo() is not None  # his last decision: the relabel
    assert [(s.start, s.end, s.label, s.version) for s in bob.spans(doc)] == [
        (0, 5, "GPE", 1)]
    assert bob.undo() is not None  # before it: accepting Kenya
    assert bob.spans(doc) == []
    assert bob.redo() is not None
    assert [(s.label, s.source_id) for s in bob.spans(doc)] == [
        ("GPE", bob.suggestions(doc)[0].id)]
    # Cy's gold review too: undoing the status, then the span taken from Bob.
    cy = Decider(ours, "cy", layer="gold")
    emoji = _doc_id(ours_path, EMOJI)
    cy.undo()
    assert cy.status(emoji) is DocumentStatus.IN_PROGRESS
    cy.undo()
    assert cy.spans(emoji) == []


def test_merging_the_same_file_again_changes_nothing(ours: Project,
                                                     theirs_path: Path) -> None:
    merge_project(ours, theirs_path)
    ours_path = Path(ours.location)
    first = _checksums(ours_path)
    again = merge_project(ours, theirs_path)
    assert not again.changed
    assert again.total_spans == 0 and again.events_added == 0 and again.documents_new == 0
    assert again.documents_matched == 3
    assert again.spans_present == sum(1 for _ in _rows(theirs_path, "SELECT id FROM spans"))
    assert again.events_present == len(_rows(theirs_path, "SELECT id FROM events"))
    assert _checksums(ours_path) == first


def test_the_same_person_in_both_projects_gets_their_spans_once(
        ours: Project, theirs_path: Path, tmp_path: Path) -> None:
    """Ana worked on the shared document here and in Bob's project: her layer is one layer;
    her spans there are added where hers here have no span of the same (start, end, label)."""
    theirs = open_project(theirs_path)
    doc = _doc_id(theirs_path, SHARED)
    ana = Decider(theirs, "ana")
    ana.add(doc, *_at(SHARED, "Peru"), "GPE")  # she did this here too
    ana.add(doc, *_at(SHARED, "Ghana"), "GPE")  # only there
    ana.add(doc, *_at(SHARED, "Peru"), "NORP")  # another label: another span
    theirs.close()
    report = merge_project(ours, theirs_path)
    assert report.spans["annotator:ana"] == {"GPE": 1, "NORP": 1}
    assert report.spans_present == 1
    spans = _layer_spans(Path(ours.location), "annotator:ana")
    assert [row[1:4] for row in spans] == [
        (*_at(SHARED, "Ghana"), "GPE"), (*_at(SHARED, "Peru"), "GPE"),
        (*_at(SHARED, "Peru"), "NORP")]
    # Her last decision there was the NORP span: undone here as hers.
    ana_here = Decider(ours, "ana")
    ana_here.undo()
    assert [s.label for s in ana_here.spans(_doc_id(Path(ours.location), SHARED))] == [
        "GPE", "GPE"]


def test_a_copy_sent_to_a_colleague_and_merged_back(ours: Project, tmp_path: Path) -> None:
    """What both projects hold from before the copy (documents, spans, events) is recognised;
    only the colleague's later work comes in."""
    copy = tmp_path / "copy.unannotate.db"
    ours_path = Path(ours.location)
    ours.close()
    _copy(ours_path, copy)
    theirs = open_project(copy)
    doc = _doc_id(copy, SHARED)
    Decider(theirs, "ben").add(doc, *_at(SHARED, "Ghana"), "GPE")
    theirs.close()
    reopened = open_project(ours_path)
    try:
        Decider(reopened, "ana").add(doc, *_at(SHARED, "Security Council"), "ORG")
        report = merge_project(reopened, copy)
        assert (report.documents_new, report.documents_matched) == (0, 2)
        assert report.spans == {"annotator:ben": {"GPE": 1}}
        assert report.events_present == 1  # Ana's span, added before the copy
        assert report.events_added == 1
        kinds = _rows(ours_path, "SELECT kind FROM events ORDER BY id")
        assert kinds == [("add",), ("add",), ("add",), ("merge",)]
    finally:
        reopened.close()


def test_an_older_project_file_is_upgraded_in_the_copy(ours: Project, tmp_path: Path) -> None:
    old = tmp_path / "old.unannotate.db"
    shutil.copyfile(Path(__file__).parent / "data" / "schema-v1.db", old)
    before = _file_hash(old)
    report = merge_project(ours, old)
    assert _file_hash(old) == before
    assert _rows(old, "SELECT value FROM schema_info") == [("1",)]
    # Its second document is the one both projects hold.
    assert (report.documents_new, report.documents_matched) == (1, 1)
    assert report.spans["annotator:ana"] == {"CLAIM": 1, "GPE": 1, "ORG": 1}
    assert report.spans["annotator:ben"] == {"GPE": 2}
    ana = Decider(ours, "ana")
    first = _rows(Path(ours.location), "SELECT id FROM documents WHERE title LIKE '🌍%'")[0][0]
    assert ana.status(first) is DocumentStatus.DONE
    assert ana.can_undo()
    again = merge_project(ours, old)
    assert not again.changed


def test_the_merge_is_all_or_nothing(ours: Project, theirs_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from unannotate.services import merge

    before = _checksums(Path(ours.location))

    def broken(self: object) -> None:
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(merge._Merge, "_copy_events", broken)
    with pytest.raises(RuntimeError):
        merge_project(ours, theirs_path)
    assert _checksums(Path(ours.location)) == before


def test_a_read_only_file_can_be_merged(ours: Project, theirs_path: Path) -> None:
    theirs_path.chmod(0o444)
    try:
        assert merge_project(ours, theirs_path).documents_new == 2
    finally:
        theirs_path.chmod(0o644)


def test_what_cannot_be_merged_gets_a_clear_error(ours: Project, tmp_path: Path,
                                                  theirs_path: Path) -> None:
    before = _checksums(Path(ours.location))
    text = tmp_path / "notes.txt"
    text.write_text("not a project", encoding="utf-8")
    with pytest.raises(MergeError, match="not a project file"):
        merge_project(ours, text)
    with pytest.raises(InputError, match="no such file"):
        merge_project(ours, tmp_path / "missing.db")
    with pytest.raises(MergeError, match="this project itself"):
        merge_project(ours, Path(ours.location))
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE things (id INTEGER)")
    conn.close()
    with pytest.raises(MergeError, match="not an unannotate project"):
        merge_project(ours, other)
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    empty.write_bytes(b"")
    with pytest.raises(MergeError, match="not a project file"):
        merge_project(ours, empty)
    newer = tmp_path / "newer.db"
    shutil.copyfile(theirs_path, newer)
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE schema_info SET value = ?", (str(migrations.SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()
    with pytest.raises(MergeError, match="newer version of unannotate"):
        merge_project(ours, newer)
    assert _checksums(Path(ours.location)) == before


def test_a_layer_of_the_same_name_and_another_kind_stops_the_merge(
        ours: Project, tmp_path: Path) -> None:
    theirs_path = tmp_path / "odd.db"
    theirs = open_project(theirs_path)
    with theirs.db.session() as session:
        Project.layer_id(session, "annotator:ana", LayerKind.SUGGESTIONS,
                         suggester="annotator:ana")
    theirs.close()
    before = _checksums(Path(ours.location))
    with pytest.raises(MergeError, match="annotator:ana"):
        merge_project(ours, theirs_path)
    assert _checksums(Path(ours.location)) == before


def test_the_command_line_merges_and_says_what_came_in(tmp_path: Path,
                                                       theirs_path: Path) -> None:
    ours_path = tmp_path / "ours.unannotate.db"
    _make_ours(ours_path).close()
    command = ["merge", str(theirs_path), "--project", str(ours_path)]
    done = run(*command)
    assert done.returncode == 0, done.stderr
    assert "2 new documents, 1 already in the project" in done.stdout
    assert "annotator:bob: 5 spans added" in done.stdout
    assert "labels added to the scheme: VACCINE" in done.stdout
    again = run(*command)
    assert again.returncode == 0 and "nothing new" in again.stdout
    itself = run(command[0], str(ours_path), *command[2:])
    assert itself.returncode == 1
    assert "this project itself" in itself.stderr


@pytest.mark.slow
def test_the_installed_program_merges(tmp_path: Path, theirs_path: Path) -> None:
    """A smoke test of the real process for the commands between projects."""
    ours_path = tmp_path / "ours.unannotate.db"
    _make_ours(ours_path).close()
    done = program("merge", str(theirs_path), "--project", str(ours_path))
    assert done.returncode == 0, done.stderr
    assert "2 new documents, 1 already in the project" in done.stdout
    itself = program("merge", str(ours_path), "--project", str(ours_path))
    assert itself.returncode == 1
    assert itself.stderr.strip().startswith("error: ") and "this project itself" in itself.stderr


def _copy(source: Path, target: Path) -> None:
    """A project file copied as a person would send it (consistent, through SQLite)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _spans_of(path: Path, layer: str) -> list[tuple]:
    return [row[1:4] for row in _layer_spans(path, layer)]


def test_work_on_both_copies_after_sending_one(tmp_path: Path) -> None:
    """Ana sends a copy of her project, then works on both: the spans both copies made
    together are the same spans (found through the history, not by offsets): a change made
    on one side since is taken, a span removed on one side is removed, and where both
    sides changed a span ours is kept, counted as a conflict; no stale copy comes back."""
    ours_path, copy = tmp_path / "ours.unannotate.db", tmp_path / "laptop.unannotate.db"
    ours = open_project(ours_path)
    doc = _document(ours, SHARED)
    ana = Decider(ours, "ana")
    ids = {w: next(iter(ana.add(doc, *_at(SHARED, w), lab).span_ids)) for w, lab in (
        ("Peru", "GPE"), ("Ghana", "GPE"), ("Security Council", "ORG"), ("Tuesday", "DATE"))}
    _copy(ours_path, copy)
    ana.relabel(ids["Peru"], "NORP")
    ana.relabel(ids["Tuesday"], "EVENT")
    laptop = open_project(copy)
    there = Decider(laptop, "ana")
    there.delete(ids["Tuesday"])  # changed here: a conflict
    there.relabel(ids["Ghana"], "LOC")  # only there: taken
    there.delete(ids["Security Council"])  # only there: removed here too
    there.relabel(ids["Peru"], "ORG")  # changed on both sides: ours kept
    Decider(laptop, "ben").add(doc, *_at(SHARED, "Peru"), "GPE")
    laptop.close()

    report = merge_project(ours, copy)
    assert report.spans == {"annotator:ben": {"GPE": 1}}
    assert (report.spans_updated, report.spans_removed, report.conflicts) == (1, 1, 2)
    assert (report.events_present, report.events_added) == (4, 5)
    assert report.notes and "2 spans were changed in both projects" in report.notes[0]
    assert sorted(_spans_of(ours_path, "annotator:ana")) == sorted([
        (*_at(SHARED, "Tuesday"), "EVENT"), (*_at(SHARED, "Ghana"), "LOC"),
        (*_at(SHARED, "Peru"), "NORP")])
    # Undoing the laptop's last decision would overwrite ours: refused as a conflict.
    with pytest.raises(ConflictError):
        Decider(ours, "ana").undo()
    assert [s.label for s in Decider(ours, "ana").spans(doc) if s.id == ids["Peru"]] == [
        "NORP"]
    Decider(ours, "ben").undo()
    assert Decider(ours, "ben").spans(doc) == []
    Decider(ours, "ben").redo()
    first = _checksums(ours_path)
    assert not merge_project(ours, copy).changed
    assert _checksums(ours_path) == first
    ours.close()

    # Merged the other way round, the laptop takes what was settled here.
    laptop = open_project(copy)
    try:
        back = merge_project(laptop, ours_path)
        assert back.spans_updated >= 1
        spans = {(s, e): label for s, e, label in _spans_of(copy, "annotator:ana")}
        assert spans[_at(SHARED, "Peru")] == "NORP"
        assert spans[_at(SHARED, "Ghana")] == "LOC"
        assert _at(SHARED, "Security Council") not in spans
    finally:
        laptop.close()
