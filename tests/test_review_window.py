"""The review window, driven with real key presses: a whole review settled into gold, the
colleagues' layers unchanged, the review status apart from theirs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog
from test_review import TEXT, build, colleague_rows

from unannotate.core.model import DocumentStatus, SpanState
from unannotate.qt.review_window import ReviewWindow
from unannotate.services.decisions import Reviewer
from unannotate.services.project import open_project
from unannotate.services.review import PlaceKind, Review


def gold_of(project, doc_id: int) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    spans = Review(project, "x", ["ana", "ben"]).gold.spans(doc_id)
    return sorted((TEXT[s.start:s.end], s.label, s.state.value) for s in spans)


def test_a_whole_review_with_the_keyboard(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    project, doc_id = build(tmp_path)
    before = colleague_rows(project)
    window = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    view = window.view
    assert window.document_id == doc_id  # the first document with open disagreements
    qtbot.waitUntil(view.hasFocus)  # the text has the keyboard when the window opens
    place = window.places[window.current]
    assert (TEXT[place.start:place.end], place.kind) == ("Geneva", PlaceKind.LABEL)

    qtbot.keyClick(view, Qt.Key.Key_B)  # Geneva: ben's LOC
    place = window.places[window.current]
    assert TEXT[place.start:place.end] == "3 May 2025"  # on to the next open one
    qtbot.keyClick(view, Qt.Key.Key_Tab)  # skip it for now
    assert TEXT[window.places[window.current].start:window.places[window.current].end] == "Kenya"
    qtbot.keyClick(view, Qt.Key.Key_N)  # Kenya: neither
    qtbot.keyClick(view, Qt.Key.Key_T)  # the World Food Programme: both
    place = window.places[window.current]
    assert TEXT[place.start:place.end] == "3 May 2025"  # wrapped round to the one skipped
    monkeypatch.setattr(QInputDialog, "getText",
                        lambda *a, **k: ("ana's boundary includes the day", True))
    qtbot.keyClick(view, Qt.Key.Key_K)  # a comment only comments: the place stays open
    date = next(p for p in window.places if TEXT[p.start:p.end] == "3 May 2025")
    assert not date.settled and date.comment == "ana's boundary includes the day"
    assert window.places[window.current] is date
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undone
    date = next(p for p in window.places if TEXT[p.start:p.end] == "3 May 2025")
    assert not date.settled and date.comment == "" and window.places[window.current] is date
    qtbot.keyClick(view, Qt.Key.Key_A)  # ana's 3 May 2025
    assert window.current is None  # nothing open is left
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)  # all that agree

    assert gold_of(project, doc_id) == [
        ("3 May 2025", "DATE", "accepted"), ("Amina Mohammed", "PERSON", "accepted"),
        ("Geneva", "GPE", "rejected"), ("Geneva", "LOC", "accepted"),
        ("Kenya", "GPE", "rejected"), ("May 2025", "DATE", "rejected"),
        ("UNICEF", "ORG", "accepted"), ("World Food Programme", "ORG", "accepted"),
        ("the World Food Programme", "ORG", "accepted")]
    assert "0 of 4 disagreements open" in window.statusBar().currentMessage()

    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    review = Review(project, "rita", ["ana", "ben"])
    assert review.status(doc_id) is DocumentStatus.DONE
    assert window.document_id != doc_id  # on to the next document
    assert Reviewer(project, "ben").status(doc_id) is DocumentStatus.IN_PROGRESS
    assert Reviewer(project, "ana").status(doc_id) is DocumentStatus.DONE
    assert colleague_rows(project) == before  # their layers never changed
    window.close()
    project.close()


def test_editing_gold_and_the_state_after_a_restart(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, doc_id = build(tmp_path)
    window = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    view = window.view
    qtbot.waitUntil(view.hasFocus)
    # Select "Geneva, " roughly with the keyboard: the selection snaps to whole tokens.
    start = TEXT.index("Geneva")
    from PySide6.QtGui import QTextCursor

    cursor = view.textCursor()
    cursor.setPosition(view.positions.to_qt(start + 1))
    cursor.setPosition(view.positions.to_qt(start + 4), QTextCursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)
    labels = [label.name for label in project.labels()]
    assert labels.index("GPE") < 9
    qtbot.keyClick(view, Qt.Key(Qt.Key.Key_1 + labels.index("GPE")))
    gold = Review(project, "x", ["ana", "ben"]).gold.spans(doc_id)
    assert [(TEXT[s.start:s.end], s.state) for s in gold] == [("Geneva", SpanState.ACCEPTED)]
    geneva = next(p for p in window.places if TEXT[p.start:p.end] == "Geneva")
    assert geneva.settled  # an edit in gold settles the place it covers
    window.close()
    project.close()
    reopened = open_project(tmp_path / "p.db", create=False)
    again = ReviewWindow(Review(reopened, "rita", ["ana", "ben"]))
    qtbot.addWidget(again)
    again.show()
    again.activateWindow()
    qtbot.waitUntil(again.view.hasFocus)
    assert next(p for p in again.places if TEXT[p.start:p.end] == "Geneva").settled
    qtbot.keyClick(again.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo
    assert not next(p for p in again.places if TEXT[p.start:p.end] == "Geneva").settled
    again.close()
    reopened.close()


def test_text_is_shown_as_text_in_the_review(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from unannotate.services.importing import import_paths

    folder = tmp_path / "docs"
    folder.mkdir()
    hostile = "<b>bold</b> <img src=x onerror=alert(1)> Kenya\r\nمرحبا Peru 👍🏽"
    (folder / "h.txt").write_bytes(hostile.encode("utf-8"))
    project = open_project(tmp_path / "h.db")
    import_paths(project, [folder])
    Reviewer(project, "ana").add(1, hostile.index("Kenya"), hostile.index("Kenya") + 5, "GPE")
    Reviewer(project, "ben").add(1, hostile.index("Peru"), hostile.index("Peru") + 4, "GPE")
    window = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(window)
    assert window.windowTitle().startswith("Review: ana, ben")
    assert window.view.toPlainText().replace("\u2029", "\n") == hostile.replace("\r\n", "\n")
    assert window.panel.topLevelItem(0).text(1) == "Kenya"
    assert window.panel.topLevelItem(1).text(1) == "Peru"
    window.close()
    project.close()


def test_from_the_main_window_bring_in_a_colleague_then_review(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    from unannotate.qt.dialogs import ReviewSetupDialog
    from unannotate.qt.main_window import MainWindow
    from unannotate.services.importing import import_paths
    from unannotate.services.preferences import Preferences

    (tmp_path / "ours").mkdir()
    project, doc_id = build(tmp_path / "ours")
    folder = tmp_path / "theirs_docs"
    folder.mkdir()
    (folder / "a.txt").write_bytes(TEXT.encode("utf-8"))
    (folder / "z.txt").write_text("Not in the reviewer's project.", encoding="utf-8")
    theirs = open_project(tmp_path / "theirs.db")
    import_paths(theirs, [folder])
    start = TEXT.index("Geneva")
    for doc in (1, 2):
        Reviewer(theirs, "carl").add(doc, 0, 1, "CARDINAL")
    Reviewer(theirs, "carl").add(1, start, start + 6, "LOC")
    theirs.close()

    window = MainWindow(project, "rita", Preferences.load(), auto_suggest=False)
    qtbot.addWidget(window)
    window.show()
    window.run_bring_in(str(tmp_path / "theirs.db"))
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
    assert "annotator:carl (2 spans) on 1 documents" in window.statusBar().currentMessage()
    assert window.unmatched_box is not None
    assert "1 of their documents are not in this project" in window.unmatched_box.text()
    assert Reviewer(project, "carl").spans(doc_id)

    dialog = ReviewSetupDialog(["ana", "ben", "carl"], False)
    qtbot.addWidget(dialog)
    dialog.boxes["ben"].click()  # ana and carl only
    assert dialog.layers() == ["ana", "carl"]
    dialog.boxes["carl"].click()
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    window.open_review(["ana", "carl"])
    review_window = window.review_window
    assert review_window is not None and review_window.review.layers == ["ana", "carl"]
    geneva = next(p for p in review_window.places if TEXT[p.start:p.end] == "Geneva")
    assert geneva.kind is PlaceKind.LABEL
    review_window.close()
    window.close()
    project.close()


def test_agreement_while_reviewing_and_the_report(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, doc_id = build(tmp_path)
    window = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "all documents: exact F1" in window.statusBar().currentMessage(),
                    timeout=10_000)
    assert "agreement here: exact F1 0.36" in window.statusBar().currentMessage()  # 2×2/11
    qtbot.keyClick(window.view, Qt.Key.Key_R,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = window.report_dialog
    assert dialog is not None and dialog.isVisible()
    other = next(d.id for d in window._documents if d.id != doc_id)
    window.open_document(other)
    dialog.document_activated.emit(doc_id)  # a row of the report opens its document
    assert window.document_id == doc_id
    dialog.close()
    window.close()
    project.close()


LINE = "Line {n}: Amina Mohammed met UNICEF in Geneva 🌍 today."


def build_long(tmp_path: Path, lines: int = 1000, differ_from: int = 250):  # type: ignore[no-untyped-def]
    """A project whose first document has ``lines`` lines (some ending in CRLF): on each,
    ana and ben agree on UNICEF; from line ``differ_from`` on, they label Geneva apart."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from unannotate.services.importing import import_paths
    from unannotate.storage.bulk import insert_rows
    from unannotate.storage.schema import DocumentRow, SpanRow

    pieces, spans = [], []
    at = 0
    for n in range(lines):
        line = LINE.format(n=n)
        for word, label_a, label_b in (("UNICEF", "ORG", "ORG"), ("Geneva", "GPE", "LOC")):
            if word == "Geneva" and n < differ_from:
                continue
            start = at + line.index(word)
            spans.append((start, start + len(word), label_a, label_b))
        line += "\r\n" if n % 7 == 0 else "\n"
        pieces.append(line)
        at += len(line)
    text = "".join(pieces)
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_bytes(text.encode("utf-8"))
    (folder / "b.txt").write_text("Nothing marked here.", encoding="utf-8")
    project = open_project(tmp_path / "long.db")
    import_paths(project, [folder])
    with project.db.session() as session:
        doc_id = session.scalar(select(DocumentRow.id).where(DocumentRow.text == text))
        layers = {name: project.annotator_layer_id(session, name) for name in ("ana", "ben")}
        labels = project.label_ids(session)
        stamp = datetime.now(UTC)
        insert_rows(session.connection(), SpanRow.__table__,
                    ("layer_id", "document_id", "start", "end", "label_id"),
                    [(layers[who], doc_id, start, end, labels[label])
                     for start, end, label_a, label_b in spans
                     for who, label in (("ana", label_a), ("ben", label_b))],
                    {"state": "accepted", "reason": "", "version": 1, "created_at": stamp,
                     "updated_at": stamp})
    return project, doc_id, text


def on_screen(view):  # type: ignore[no-untyped-def]
    """What the view draws in each block on screen."""
    drawn = []
    block = view.firstVisibleBlock()
    top = view.contentOffset().y()
    while block.isValid() and top <= view.viewport().height():
        drawn.append((block.blockNumber(), view.drawn_in(block)))
        top += view.blockBoundingRect(block).height()
        block = block.next()
    return drawn


def test_a_long_document_opens_on_screen_first_then_completely(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    project, doc_id, text = build_long(tmp_path)
    review = Review(project, "rita", ["ana", "ben"])
    expected = review.places(doc_id)
    first_open = next(n for n, p in enumerate(expected) if p.kind is not PlaceKind.AGREED)
    # Settle the first few disagreements, so the first open one is further down.
    for place in expected[first_open:first_open + 20:2]:
        review.take(doc_id, place, ["ana"])
    expected = review.places(doc_id)
    first_open = next(n for n, p in enumerate(expected)
                      if p.kind is not PlaceKind.AGREED and not p.settled)
    assert text.index("Line 260:") < expected[first_open].start < text.index("Line 261:")

    window = ReviewWindow(review)
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    other = next(d.id for d in window._documents if d.id != doc_id)
    window.open_document(other)
    qtbot.waitUntil(lambda: "disagreements open" in window.statusBar().currentMessage())
    window.open_document(doc_id)
    # Before any event is processed: the text, the first open place selected, the places
    # around it drawn, the panel not yet filled.
    assert window.panel.topLevelItemCount() == 0
    assert len(window.places) < len(expected)
    assert window.places == expected[:len(window.places)]
    assert window.current == first_open
    assert window.view.selected_span == first_open + 1
    assert window.view.toPlainText() == text.replace("\r\n", "\n")
    early = on_screen(window.view)
    assert any(drawn for _, drawn in early)
    # Once events are processed: every place, drawn and listed, the same one selected.
    qtbot.waitUntil(lambda: window.panel.topLevelItemCount() == len(expected))
    assert window.places == expected
    assert window.current == first_open
    assert window.view.selected_span == first_open + 1
    assert on_screen(window.view) == early
    assert window.panel.currentItem() is window.panel.topLevelItem(first_open)
    assert "740 of 750 disagreements open" in window.statusBar().currentMessage()
    window.close()
    project.close()


def test_a_key_pressed_before_the_first_paint_acts_on_the_whole_document(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    project, doc_id, text = build_long(tmp_path)
    window = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    other = next(d.id for d in window._documents if d.id != doc_id)
    window.open_document(other)
    window.open_document(doc_id)
    assert window.panel.topLevelItemCount() == 0
    geneva = text.index("Geneva", text.index("Line 250:"))
    qtbot.keyClick(window.view, Qt.Key.Key_B)  # ben's LOC for the first open place
    gold = Review(project, "x", ["ana", "ben"]).gold.spans(doc_id)
    assert [(s.start, s.label, s.state) for s in gold] == [
        (geneva, "GPE", SpanState.REJECTED), (geneva, "LOC", SpanState.ACCEPTED)]
    assert window.panel.topLevelItemCount() == len(window.places) == 1000 + 750
    place = window.places[window.current]
    assert place.start == text.index("Geneva", text.index("Line 251:"))
    window.close()
    project.close()


def test_a_document_with_nothing_open_reads_to_its_end(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    project, doc_id, _text = build_long(tmp_path, lines=300, differ_from=300)
    window = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    window.open_document(doc_id)
    assert window.current is None and window.view.selected_span is None
    assert len(window.places) == 300  # all read to find there is nothing open
    qtbot.waitUntil(lambda: window.panel.topLevelItemCount() == 300)
    assert window.current is None
    assert "0 of 0 disagreements open" in window.statusBar().currentMessage()
    window.close()
    project.close()


def test_a_screen_showing_more_than_was_read_gets_every_place_first(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project, doc_id, _text = build_long(tmp_path, differ_from=0)  # open from the first line
    expected = Review(project, "x", ["ana", "ben"]).places(doc_id)
    window = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    other = next(d.id for d in window._documents if d.id != doc_id)
    window.open_document(other)
    # As if the screen held far fewer characters than it does.
    monkeypatch.setattr(window.view, "on_screen_after_reveal",
                        lambda: lambda start: (start, start + 1))
    window.open_document(doc_id)
    assert window.places == expected  # read in full before anything was painted
    assert window.panel.topLevelItemCount() == len(expected)
    assert window.places[window.current].kind is PlaceKind.LABEL
    assert window.view.selected_span == window.current + 1
    window.close()
    project.close()
