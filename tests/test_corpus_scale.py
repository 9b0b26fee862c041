"""A project of thousands of documents: the document list is filtered, ordered and counted by
the database and read a page at a time, and the window on such a project still opens the right
document, follows it in the list and shows each decision in its row."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import insert

from unannotate.core.model import DocumentStatus, LabelKind
from unannotate.nlp.base import SuggesterInfo
from unannotate.services.decisions import Decider
from unannotate.services.document_list import PAGE, PAGES_KEPT, DocumentList
from unannotate.services.project import open_project
from unannotate.services.stats import project_stats
from unannotate.services.suggesting import suggestions_layer_id
from unannotate.storage.bulk import insert_rows
from unannotate.storage.documents import add_documents
from unannotate.storage.schema import DocumentStatusRow, SpanRow

DOCUMENTS = 3_000
SUGGESTED = (1204, 1205, 1207, 1208, 1210)
PLACES = ["Yemen", "Haiti", "Mali", "Éire", "Sudan", "Chad", "Nepal"]
FIXTURES = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(tmp_path / "settings.json"))


def _title(n: int) -> str:
    return f"{PLACES[n % len(PLACES)]} update {n}"


def _source(n: int) -> str:
    """Every tenth document has a file of its own; the others came from one JSONL file."""
    return f"/in/Report_{n:05d}.txt" if n % 10 == 0 else "/in/briefings.jsonl"


def _text(n: int) -> str:
    return f"{_title(n)}\n\nTeams reached {n} families in {PLACES[n % len(PLACES)]} 🌍."


def _build(path: Path) -> dict[str, int]:
    """DOCUMENTS documents; ana has marked every third done and the first 1,200 done; the
    documents of SUGGESTED (none done) have a suggestion (GPE), 1207 an accepted ORG span
    of ana's."""
    project = open_project(path)
    try:
        with project.db.session() as session:
            add_documents(session, [
                {"sha256": hashlib.sha256(_text(n).encode()).hexdigest(), "text": _text(n),
                 "title": _title(n), "meta": {}, "language": "en", "source": _source(n)}
                for n in range(1, DOCUMENTS + 1)])
        ana = Decider(project, "ana")
        info = SuggesterInfo(name="test.places.v1", kind=LabelKind.ENTITY)
        with project.db.session() as session:
            layer = suggestions_layer_id(session, info)
            labels = project.label_ids(session)
            stamp = datetime.now(UTC)
            done = sorted({n for n in range(1, DOCUMENTS + 1) if n % 3 == 0 or n <= 1200})
            insert_rows(session.connection(), DocumentStatusRow.__table__,
                        ("document_id", "annotator_id", "status", "seconds_spent"),
                        [(n, ana.annotator_id, "done", 0.0) for n in done],
                        {"updated_at": stamp})
            for n in SUGGESTED:
                place = PLACES[n % len(PLACES)]
                start = _text(n).index(place, len(_title(n)))
                session.execute(insert(SpanRow), [{
                    "layer_id": layer, "document_id": n, "start": start,
                    "end": start + len(place), "label_id": labels["GPE"], "state": "suggested",
                    "score": 0.4 + n % 5 / 10, "reason": "test"}])
        ana.add(1207, 0, 4, "ORG")
    finally:
        project.close()
    return {"done": len(done)}


@pytest.fixture
def large(project_copy, project_path: Path) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return project_copy(_build, project_path)


@pytest.fixture
def listing(large, project_path: Path):  # type: ignore[no-untyped-def]
    project = open_project(project_path)
    found = DocumentList(Decider(project, "ana"))
    found.refresh()
    yield found
    project.close()


# -- the list, without a window ----------------------------------------------------------


def test_the_list_reads_pages_as_rows_are_shown_never_all(listing: DocumentList) -> None:
    assert len(listing) == DOCUMENTS
    assert listing.loaded_rows == 0  # the ids only
    assert listing.summary(0).title == _title(1)
    assert listing.loaded_rows == PAGE
    assert listing.summary(DOCUMENTS - 1).title == _title(DOCUMENTS)
    assert listing.loaded_rows == 2 * PAGE
    for row in range(0, DOCUMENTS, PAGE):  # scrolled from top to bottom
        assert listing.summary(row).id == row + 1
    assert listing.loaded_rows == PAGE * PAGES_KEPT
    assert listing.summary(DOCUMENTS // 2).id == DOCUMENTS // 2 + 1  # read again, right


def test_counts_come_from_the_database(listing: DocumentList, large: dict[str, int]) -> None:
    assert listing.document_count == DOCUMENTS
    assert listing.done_count == large["done"]
    row = listing.summary(listing.position(1207))
    assert (row.status, row.pending, row.annotations) == (
        DocumentStatus.IN_PROGRESS, 1, 1)
    assert row.labels == {"GPE", "ORG"}
    assert listing.summary(listing.position(1205)).pending == 1


def test_status_label_and_search_filters_are_answered_by_the_database(
        listing: DocumentList) -> None:
    every = range(1, DOCUMENTS + 1)
    listing.set_filter(status=DocumentStatus.DONE, label=None, search="")
    assert list(listing._ids) == [n for n in every if n % 3 == 0 or n <= 1200]
    listing.set_filter(status=DocumentStatus.TODO, label=None, search="")
    assert 1207 not in listing._ids and 1205 in listing._ids  # 1207 is in progress
    assert len(listing) == DOCUMENTS - len([n for n in every if n % 3 == 0 or n <= 1200]) - 1
    listing.set_filter(status=None, label="GPE", search="")
    assert list(listing._ids) == list(SUGGESTED)
    listing.set_filter(status=None, label="ORG", search="")
    assert list(listing._ids) == [1207]  # ana's own accepted span
    listing.set_filter(status=None, label=None, search="ÉIRE UPDATE 2")  # case folded
    assert list(listing._ids) == [n for n in every if n % 7 == 3 and
                                  f"éire update {n}".startswith("éire update 2")]
    listing.set_filter(status=None, label=None, search="report_001")  # a file's name
    assert list(listing._ids) == list(range(100, 200, 10))
    listing.set_filter(status=None, label=None, search="%")  # a wildcard is a character
    assert len(listing) == 0
    listing.set_filter(status=DocumentStatus.TODO, label="GPE", search="Sudan")
    assert list(listing._ids) == [1208]


def test_orders_by_title_and_by_uncertainty(listing: DocumentList) -> None:
    listing.set_order("title")

    def key(n: int) -> str:  # a document's own file names it; else its title
        return f"report_{n:05d}.txt" if n % 10 == 0 else _title(n).casefold()

    if listing.reviewer.project.db.engine.dialect.name == "sqlite":
        # SQLite orders by code point; a server by its database's collation (locale).
        assert list(listing._ids) == sorted(range(1, DOCUMENTS + 1), key=lambda n: (key(n), n))
    else:
        assert sorted(listing._ids) == list(range(1, DOCUMENTS + 1))
    shown = [listing.summary(row) for row in range(len(listing))]
    assert [row.shown_title.casefold() for row in shown] == [key(n) for n in listing._ids]
    assert listing.loaded_rows <= PAGE * PAGES_KEPT
    listing.set_order("uncertain", {1208: 0.3, 1204: 0.45, 1205: 0.3})
    assert list(listing._ids[:4]) == [1204, 1205, 1208, 1]  # unscored ones last
    listing.set_filter(status=None, label="GPE", search="")
    assert list(listing._ids) == [1204, 1205, 1208, 1207, 1210]


def test_next_documents_follow_the_order_and_skip_done_ones(listing: DocumentList) -> None:
    assert listing.following(1, 1) == 2
    assert listing.following(1, -1) == DOCUMENTS  # wraps around
    assert listing.following(None, 1) == 1
    listing.set_filter(status=DocumentStatus.DONE, label=None, search="")
    assert listing.following(1201, 1) == 1202  # every document, whatever the filters
    assert listing.next_to_review(1) == 1201
    assert listing.next_to_review(1202) == 1204  # 1203 is done
    assert listing.position(1203) == 1200 and listing.position(1202) == -1


def test_stats_count_characters_without_reading_texts(project_path: Path, large) -> None:  # type: ignore[no-untyped-def]
    with open_project(project_path) as project:
        stats = project_stats(project)
    assert stats.documents == DOCUMENTS
    # Code points, as the texts are stored (the globe is one).
    assert stats.characters == sum(len(_text(n)) for n in range(1, DOCUMENTS + 1))


def test_an_upgraded_project_is_listed_searched_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copyfile(FIXTURES / "schema-v4.db", path)
    conn = sqlite3.connect(path)
    texts = conn.execute("SELECT id, text, title FROM documents ORDER BY id").fetchall()
    conn.close()
    with open_project(path, create=False) as project:
        listing = DocumentList(Decider(project, "ana"))
        listing.set_filter(status=None, label=None, search=texts[-1][2][-6:].upper())
        assert texts[-1][0] in listing._ids
        assert project_stats(project).characters == sum(len(t) for _, t, _ in texts)


def test_a_renamed_source_is_searched_by_its_new_name(project_path: Path, large) -> None:  # type: ignore[no-untyped-def]
    from unannotate.storage.schema import DocumentRow

    with open_project(project_path) as project:
        with project.db.session() as session:
            session.get(DocumentRow, 5).source = "C:\\in\\Ghana_Floods.txt"
        listing = DocumentList(Decider(project, "ana"))
        listing.set_filter(status=None, label=None, search="ghana_floods")
        assert list(listing._ids) == [5]
        assert listing.summary(0).shown_title == "Ghana_Floods.txt"


# -- the window ------------------------------------------------------------------------------


def _shown(window, column: int = 0) -> list[str]:  # type: ignore[no-untyped-def]
    """The texts of the list's rows that are on screen."""
    table = window.document_table
    model = table.model()
    first = table.rowAt(0)
    last = table.rowAt(table.viewport().height() - 1)
    last = model.rowCount() - 1 if last < 0 else last
    return [model.index(row, column).data() for row in range(max(first, 0), last + 1)]


def test_the_window_lists_a_large_project_by_the_page(qtbot, window_factory, large) -> None:  # type: ignore[no-untyped-def]
    window = window_factory()
    model, table = window.documents, window.document_table
    assert model.rowCount() == DOCUMENTS
    assert model.loaded_rows <= 2 * PAGE  # the open document's page and the first
    # The first document not done is open, its row current and on screen.
    assert window.document.id == 1201
    assert table.currentIndex().row() == model.row_of(1201) == 1200
    assert _title(1201) in _shown(window)
    assert f"{large['done']} / 3000 documents done" in window.progress_label.text()
    # Scrolled with the keyboard to the end: the last rows are read and shown.
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualRect(table.currentIndex()).center())
    qtbot.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Report_03000.txt" in _shown(window))
    assert model.loaded_rows <= PAGE * PAGES_KEPT
    # A search typed into the box: the database's answer is what is shown.
    qtbot.keyClicks(window.search, "report_002")
    assert _shown(window) == [f"Report_{n:05d}.txt" for n in range(200, 300, 10)]
    window.search.clear()
    # The status filter picked from its list; the rows shown are the to-do ones.
    panel = window.document_panel
    panel.status_filter.setCurrentIndex(panel.status_filter.findText("To do"))
    assert set(_shown(window, 1)) == {"to do"}
    assert model.rowCount() == DOCUMENTS - large["done"] - 1  # 1207 is in progress


def test_a_click_opens_the_row_and_a_decision_shows_in_it(qtbot, window_factory,  # type: ignore[no-untyped-def]
                                                         large) -> None:
    window = window_factory()
    model, table = window.documents, window.document_table
    row = model.row_of(1205)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualRect(model.index(row, 0)).center())
    assert window.document.id == 1205
    assert [model.index(row, c).data() for c in (1, 2, 3)] == ["to do", 1, 0]
    qtbot.keyClick(window.view, Qt.Key.Key_A)  # accept its suggestion
    assert [model.index(row, c).data() for c in (1, 2, 3)] == ["in progress", 0, 1]
    qtbot.keyClick(window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert model.index(row, 1).data() == "done"
    assert window.document.id == 1207  # the next not done: 1206 is done, 1207 in progress
    assert table.currentIndex().row() == model.row_of(1207) == 1206
    assert f"{large['done'] + 1} / 3000 documents done" in window.progress_label.text()
    # Ctrl+Down goes on in the list's order.
    qtbot.keyClick(window.view, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert window.document.id == 1208
    assert table.currentIndex().row() == 1207


def test_done_leaves_a_to_do_list_and_the_next_opens(qtbot, window_factory, large) -> None:  # type: ignore[no-untyped-def]
    window = window_factory()
    panel, model = window.document_panel, window.documents
    panel.status_filter.setCurrentIndex(panel.status_filter.findText("To do"))
    before = model.rowCount()
    assert model.row_of(1201) == 0
    qtbot.keyClick(window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert model.rowCount() == before - 1  # 1201 is done: no longer a to-do row
    assert model.row_of(1201) == -1
    assert window.document.id == 1202
    assert window.document_table.currentIndex().row() == model.row_of(1202) == 0


def test_ids_with_gaps_are_listed_as_they_are(project_path: Path) -> None:
    from unannotate.storage.document_list import ListFilter, listed_ids
    from unannotate.storage.schema import DocumentRow

    with open_project(project_path) as project:
        with project.db.session() as session:
            session.execute(insert(DocumentRow), [
                {"id": n, "sha256": f"{n}".rjust(64, "0"), "text": f"Text {n}.", "meta": {}}
                for n in (1, 2, 5)])
        ana = Decider(project, "ana")
        with project.db.read() as session:
            assert list(listed_ids(session, ListFilter(ana.annotator_id, ana.layer_id))) == [
                1, 2, 5]
        listing = DocumentList(ana)
        listing.refresh()
        assert [listing.summary(row).title for row in range(len(listing))] == [
            "document 1", "document 2", "document 5"]
        assert listing.following(5, 1) == 1 and listing.position(5) == 2
