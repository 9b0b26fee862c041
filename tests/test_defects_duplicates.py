"""The same span added twice from the keyboard is stored once, and the window says so; an
annotation made from a suggestion, deleted, is that suggestion rejected."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from unannotate.core.model import LabelKind
from unannotate.nlp.base import SuggesterInfo
from unannotate.services.decisions import Decider
from unannotate.services.project import open_project
from unannotate.services.suggesting import suggestions_layer_id
from unannotate.storage.schema import DocumentRow, SpanRow

TEXT = "Dr. Wanjiru Kamau spoke in Nairobi on Monday. Kamau thanked the delegates."


@pytest.fixture(autouse=True)
def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(tmp_path / "settings.json"))


def _seed(path: Path) -> None:
    project = open_project(path)
    with project.db.session() as session:
        session.add(DocumentRow(sha256="a" * 64, text=TEXT, title="Statement", meta={}))
        session.flush()
        layer = suggestions_layer_id(session, SuggesterInfo("test.rules.v1", LabelKind.ENTITY))
        start = TEXT.index("Nairobi")
        session.add(SpanRow(layer_id=layer, document_id=1, start=start, end=start + 7,
                            label_id=project.label_ids(session)["GPE"], state="suggested",
                            score=0.9, reason="gazetteer"))
    project.close()


def _own(path: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT s.start, s.end, l.name, s.state FROM spans s JOIN labels l "
            "ON l.id = s.label_id JOIN layers y ON y.id = s.layer_id "
            "WHERE y.kind = 'annotator' ORDER BY s.id").fetchall()
    finally:
        conn.close()
    return [(TEXT[a:b], label, state) for a, b, label, state in rows]


def test_find_and_add_twice_keeps_one_span_and_says_already_there(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from unannotate.qt.main_window import MainWindow
    from unannotate.services.preferences import Preferences

    path = tmp_path / "p.db"
    _seed(path)
    window = MainWindow(open_project(path), "ana", Preferences.load(), auto_suggest=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.view.hasFocus)
    boxes: list[str] = []
    monkeypatch.setattr(window, "_warn", lambda title, message: boxes.append(message))
    for _ in range(2):  # Ctrl+F, the name, Enter, Esc, 1: twice on the same match
        qtbot.keyClick(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(window.find_bar.hasFocus)
        qtbot.keyClicks(window.find_bar, "Wanjiru Kamau")
        qtbot.keyClick(window.find_bar, Qt.Key.Key_Return)
        qtbot.keyClick(window.find_bar, Qt.Key.Key_Escape)
        qtbot.waitUntil(window.view.hasFocus)
        qtbot.keyClick(window.view, Qt.Key.Key_1)
    assert _own(path) == [("Wanjiru Kamau", "PERSON", "accepted")]
    assert window.statusBar().currentMessage().startswith("Already there: the PERSON span")
    assert boxes == []  # said in the status bar, no box
    window.close()


def test_delete_on_an_accepted_suggestion_rejects_it_and_undo_brings_it_back(
        tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    _seed(path)
    with open_project(path) as project:
        ana = Decider(project, "ana")
        (suggestion,) = ana.pending(1)
        ana.accept(suggestion.id)
        (annotation,) = ana.spans(1)
        ana.delete(annotation.id)
        assert _own(path) == [("Nairobi", "GPE", "rejected")]
        assert ana.pending(1) == []
        ana.undo()
        assert _own(path) == [("Nairobi", "GPE", "accepted")]
        assert ana.pending(1) == []


def test_accept_all_of_two_suggesters_agreeing_makes_one_span_each(tmp_path: Path) -> None:
    """Two suggesters proposing the same span, and a span the layer holds already: accept
    all writes one annotation per place, decides the repeats without a copy, says so, and
    one undo takes all of it back."""
    path = tmp_path / "p.db"
    _seed(path)  # test.rules.v1 proposes Nairobi
    project = open_project(path)
    with project.db.session() as session:
        other = suggestions_layer_id(session, SuggesterInfo("test.other.v1", LabelKind.ENTITY))
        gpe = project.label_ids(session)["GPE"]
        person = project.label_ids(session)["PERSON"]
        nairobi, kamau = TEXT.index("Nairobi"), TEXT.index("Kamau")
        session.add_all([
            SpanRow(layer_id=other, document_id=1, start=nairobi, end=nairobi + 7,
                    label_id=gpe, state="suggested", score=0.8, reason="model"),
            SpanRow(layer_id=other, document_id=1, start=kamau, end=kamau + 5,
                    label_id=person, state="suggested", score=0.8, reason="model"),
        ])
    ana = Decider(project, "ana")
    ana.add(1, kamau, kamau + 5, "PERSON")  # already there before accept all
    change = ana.accept_all(1)
    assert "already there" in change.notice
    assert sorted(_own(path)) == sorted([
        ("Kamau", "PERSON", "accepted"), ("Kamau", "PERSON", "rejected"),
        ("Nairobi", "GPE", "accepted"), ("Nairobi", "GPE", "rejected")])
    assert not ana.pending(1)
    ana.undo()
    assert sorted(_own(path)) == [("Kamau", "PERSON", "accepted")]
    assert len(ana.pending(1)) == 3
    project.close()
