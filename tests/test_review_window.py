"""The review window, driven with real key presses: a whole review settled into gold, the
colleagues' layers unchanged, the review status apart from theirs."""

from __future__ import annotations

import tempfile
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog
from test_review import TEXT, build, colleague_rows

from unannotate.core.model import DocumentStatus, SpanState
from unannotate.qt.review_window import ReviewWindow
from unannotate.services.colleague_review import PlaceKind, Review
from unannotate.services.decisions import Decider
from unannotate.services.project import open_project


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
    assert Decider(project, "ben").status(doc_id) is DocumentStatus.IN_PROGRESS
    assert Decider(project, "ana").status(doc_id) is DocumentStatus.DONE
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
    Decider(project, "ana").add(1, hostile.index("Kenya"), hostile.index("Kenya") + 5, "GPE")
    Decider(project, "ben").add(1, hostile.index("Peru"), hostile.index("Peru") + 4, "GPE")
    window = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(window)
    assert window.windowTitle().startswith("Review: ana, ben")
    assert window.view.toPlainText().replace("\u2029", "\n") == hostile.replace("\r\n", "\n")
    assert window.panel.topLevelItem(0).text(1) == "Kenya"
    assert window.panel.topLevelItem(1).text(1) == "Peru"
    window.close()
    project.close()


def test_from_the_main_window_bring_in_a_colleague_then_review(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from unannotate.qt.dialogs import ReviewSetupDialog
    from unannotate.qt.main_window import MainWindow
    from unannotate.services.importing import import_paths
    from unannotate.services.preferences import Preferences, set_reviewer

    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(tmp_path / "settings.json"))

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
        Decider(theirs, "carl").add(doc, 0, 1, "CARDINAL")
    Decider(theirs, "carl").add(1, start, start + 6, "LOC")
    theirs.close()

    preferences = Preferences.load()
    set_reviewer(project, "rita", preferences)  # this project's reviewer, given before
    window = MainWindow(project, "rita", preferences, auto_suggest=False)
    qtbot.addWidget(window)
    window.show()
    window.run_bring_in(str(tmp_path / "theirs.db"))
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
    assert "annotator:carl (2 spans) on 1 documents" in window.statusBar().currentMessage()
    assert window.unmatched_box is not None
    assert "1 of their documents are not in this project" in window.unmatched_box.text()
    assert Decider(project, "carl").spans(doc_id)

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


# -- what is drawn is what is stored -------------------------------------------------------

def drawn_formats(view) -> list[tuple[int, int, tuple]]:  # type: ignore[no-untyped-def]
    """Every format range of the text document, read back from its blocks' layouts:
    (start, end) in code points and what the format shows."""
    view.highlight_everything()
    found = []
    block = view.document().begin()
    while block.isValid():
        for piece in block.layout().formats():
            start = view.positions.from_qt(block.position() + piece.start)
            end = view.positions.from_qt(block.position() + piece.start + piece.length)
            found.append((start, end, look_of(piece.format)))
        block = block.next()
    return found


def look_of(fmt) -> tuple:  # type: ignore[no-untyped-def]
    """Background, underline style and colour, strike-out, text colour."""
    none = Qt.BrushStyle.NoBrush
    background, foreground = fmt.background(), fmt.foreground()
    return (background.color().name() if background.style() != none else None,
            fmt.underlineStyle().name, fmt.underlineColor().name(), fmt.fontStrikeOut(),
            foreground.color().name() if foreground.style() != none else None)


def look_at(drawn: list[tuple[int, int, tuple]], index: int) -> tuple | None:
    return next((look for start, end, look in drawn if start <= index < end), None)


def check_drawn_as_stored(window, project, doc_id: int) -> None:  # type: ignore[no-untyped-def]
    """Every place and gold span, read afresh from the project, is drawn as what it is:
    an open disagreement with the wavy line of its kind, a place all agree on not yet
    taken dotted, a place settled with nothing taken struck through, gold in the colour
    of its label, and nothing else anywhere."""
    from unannotate.qt.review_view import KIND_COLOURS

    review = Review(project, "x", ["ana", "ben"])
    places, unplaced = review.read_document(doc_id)
    colours = {label.name: label.colour for label in project.labels()}
    drawn = drawn_formats(window.view)
    gold = [g for p in places for g in p.gold if g.state is SpanState.ACCEPTED] + unplaced
    marked: set[int] = set()
    for place in places:
        for index in range(place.start, place.end):
            look = look_at(drawn, index)
            covering = {colours[g.label] for g in gold if g.start <= index < g.end}
            where = f"{TEXT[place.start:place.end]!r} at {index}"
            taken = [g for g in place.gold if g.state is SpanState.ACCEPTED]
            if place.is_open:
                assert look is not None and look[1:3] == (
                    "WaveUnderline", KIND_COLOURS[place.kind]), where
            elif not place.settled:
                assert look is not None and look[1:3] == (
                    "DotLine", KIND_COLOURS[PlaceKind.AGREED]), where
            elif covering:
                assert look is not None and look[0] in covering and not look[3], where
                assert look[1] not in ("WaveUnderline", "DotLine"), f"{where}: drawn open"
            elif taken:  # text of the place outside what was taken: not drawn
                assert look is None, f"{where}: drawn outside the spans taken"
            else:
                assert look is not None and look[3] and look[0] == "#ffffff", (
                    f"{where}: not drawn as neither")
            marked.add(index)
    for span in gold:
        for index in range(span.start, span.end):
            look = look_at(drawn, index)
            assert look is not None and look[0] in {
                colours[g.label] for g in gold if g.start <= index < g.end}, (span, index)
            marked.add(index)
    stray = [start for start, end, _ in drawn if not marked & set(range(start, end))]
    assert not stray, f"drawn where nothing is stored: {stray}"


def fresh_formats(qtbot, project, doc_id: int):  # type: ignore[no-untyped-def]
    """What a window opened now on the document draws."""
    again = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(again)
    with qtbot.waitExposed(again):
        again.show()
    again.open_document(doc_id)
    again._complete_open()
    found = drawn_formats(again.view)
    again.close()
    return found


def open_window(qtbot, project):  # type: ignore[no-untyped-def]
    window = ReviewWindow(Review(project, "rita", ["ana", "ben"]))
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    activate(qtbot, window)
    window._complete_open()
    return window


def activate(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Make the window the active one, as the keyboard's shortcuts need (on the offscreen
    platform a closed dialog leaves no window active)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.waitUntil(window.view.hasFocus)


def test_every_decision_is_drawn_as_stored_neither_take_all_agreed_undo_redo(  # type: ignore[no-untyped-def]
        
        qtbot, tmp_path: Path) -> None:
    project, doc_id = build(tmp_path)
    window = open_window(qtbot, project)
    view = window.view
    check_drawn_as_stored(window, project, doc_id)
    geneva = window.places[window.current]
    assert TEXT[geneva.start:geneva.end] == "Geneva"
    qtbot.keyClick(view, Qt.Key.Key_N)  # neither: the place does not move, its look does
    assert next(p for p in Review(project, "x", ["ana", "ben"]).places(doc_id)
                if p.start == geneva.start).settled
    check_drawn_as_stored(window, project, doc_id)
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)  # all agreed
    assert [g for g in gold_of(project, doc_id) if g[2] == "accepted"] == [
        ("Amina Mohammed", "PERSON", "accepted"), ("UNICEF", "ORG", "accepted")]
    check_drawn_as_stored(window, project, doc_id)
    for _ in range(2):
        qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        check_drawn_as_stored(window, project, doc_id)
    assert gold_of(project, doc_id) == []
    for _ in range(2):
        qtbot.keyClick(view, Qt.Key.Key_Z,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        check_drawn_as_stored(window, project, doc_id)
    assert len(gold_of(project, doc_id)) == 4
    assert drawn_formats(view) == fresh_formats(qtbot, project, doc_id)
    window.close()
    project.close()


def test_a_comment_only_comments_and_is_shown(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    project, doc_id = build(tmp_path)
    window = open_window(qtbot, project)
    view = window.view
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("GPE or LOC?", True))
    qtbot.keyClick(view, Qt.Key.Key_K)
    geneva = Review(project, "x", ["ana", "ben"]).disagreements(doc_id)[0]
    assert TEXT[geneva.start:geneva.end] == "Geneva"
    assert not geneva.settled and geneva.comment == "GPE or LOC?"  # both versions kept
    assert window.places[window.current].start == geneva.start  # still the one to settle
    assert window.panel.topLevelItem(window.current).text(5) == "GPE or LOC?"
    assert window.panel.topLevelItem(window.current).text(4) == "open"
    assert "4 of 4 disagreements open" in window.statusBar().currentMessage()
    check_drawn_as_stored(window, project, doc_id)  # drawn open, as before
    qtbot.keyClick(view, Qt.Key.Key_B)  # settling it keeps the comment
    geneva = Review(project, "x", ["ana", "ben"]).disagreements(doc_id)[0]
    assert geneva.settled and geneva.comment == "GPE or LOC?"
    check_drawn_as_stored(window, project, doc_id)
    row = window.panel.topLevelItem(2)
    assert row.text(4) == "LOC" and row.foreground(1).color().name() == "#808080"  # greyed
    for _ in range(2):
        qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    geneva = Review(project, "x", ["ana", "ben"]).disagreements(doc_id)[0]
    assert not geneva.settled and geneva.comment == ""  # undo removed the comment
    row = window.panel.topLevelItem(2)
    assert row.text(5) == "" and row.text(4) == "open"
    assert row.data(1, Qt.ItemDataRole.ForegroundRole) is None  # the palette's text again
    check_drawn_as_stored(window, project, doc_id)
    window.close()
    project.close()


def press_in_dialog(qtbot, key: Qt.Key) -> list[str]:  # type: ignore[no-untyped-def]
    """Answer the next modal dialog with a key press; returns its text once answered."""
    from dialogs import when_shown
    from PySide6.QtWidgets import QMessageBox

    def answer(box: QMessageBox) -> str:
        text = box.text()
        qtbot.keyClick(box, key)
        return text

    return when_shown(QMessageBox, answer)


def test_marking_a_review_done_with_open_disagreements_asks(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    project, doc_id = build(tmp_path)
    window = open_window(qtbot, project)
    view = window.view
    qtbot.keyClick(view, Qt.Key.Key_B)  # one of four settled
    seen = press_in_dialog(qtbot, Qt.Key.Key_Return)  # the default answer...
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert seen == ["3 of 4 disagreements are still open in this document. Mark its review "
                    "done anyway?"]
    review = Review(project, "x", ["ana", "ben"])
    assert review.status(doc_id) is DocumentStatus.IN_PROGRESS  # ...refuses
    assert window.document_id == doc_id
    assert "review not marked done: 3 of 4" in window.statusBar().currentMessage()
    activate(qtbot, window)
    seen = press_in_dialog(qtbot, Qt.Key.Key_Escape)
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert seen and review.status(doc_id) is DocumentStatus.IN_PROGRESS
    activate(qtbot, window)
    seen = press_in_dialog(qtbot, Qt.Key.Key_Y)  # Yes, knowingly
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert seen and review.status(doc_id) is DocumentStatus.DONE
    assert window.document_id != doc_id
    assert "with 3 of 4 disagreements left open" in window.statusBar().currentMessage()
    window.close()
    project.close()


def test_a_settled_document_is_marked_done_without_a_question(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    project, doc_id = build(tmp_path)
    window = open_window(qtbot, project)
    for key in (Qt.Key.Key_B, Qt.Key.Key_A, Qt.Key.Key_N, Qt.Key.Key_T):
        qtbot.keyClick(window.view, key)
    qtbot.keyClick(window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert Review(project, "x", ["ana", "ben"]).status(doc_id) is DocumentStatus.DONE
    assert not hasattr(window, "done_box")
    window.close()
    project.close()


def lab(colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB colour."""
    rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92 for c in rgb]
    xyz = (0.4124 * r + 0.3576 * g + 0.1805 * b, 0.2126 * r + 0.7152 * g + 0.0722 * b,
           0.0193 * r + 0.1192 * g + 0.9505 * b)
    f = [(t / n) ** (1 / 3) if t / n > 0.008856 else 7.787 * t / n + 16 / 116
         for t, n in zip(xyz, (0.95047, 1.0, 1.08883), strict=True)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def test_review_marks_cannot_pass_for_label_colours(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    import json
    import math

    from unannotate.qt.review_view import KIND_COLOURS, NEITHER_COLOUR
    from unannotate.resources import resource

    scheme = json.loads(resource("labels.json").read_text(encoding="utf-8"))["labels"]
    label_colours = {label["name"]: label["colour"] for label in scheme}
    marks = {**{kind.value: colour for kind, colour in KIND_COLOURS.items()},
             "neither": NEITHER_COLOUR}
    for name, colour in marks.items():
        for label, other in label_colours.items():
            distance = math.dist(lab(colour), lab(other))
            assert distance >= 25, f"{name} {colour} is close to {label} {other}: {distance:.0f}"
    for (a, one), (b, two) in combinations(marks.items(), 2):
        assert math.dist(lab(one), lab(two)) >= 25, (a, b)

    # And they are another kind of mark: a settled EVENT is a background in EVENT's colour,
    # an open place is never a label colour's background.
    project, doc_id = build(tmp_path)
    window = open_window(qtbot, project)
    geneva = window.places[window.current]
    kenya = next(p for p in window.places if TEXT[p.start:p.end] == "Kenya")
    cursor = window.view.textCursor()
    from PySide6.QtGui import QTextCursor

    cursor.setPosition(window.view.positions.to_qt(geneva.start))
    cursor.setPosition(window.view.positions.to_qt(geneva.end), QTextCursor.MoveMode.KeepAnchor)
    window.view.setTextCursor(cursor)
    labels = [label.name for label in project.labels()]
    qtbot.keyClick(window.view, Qt.Key(Qt.Key.Key_1 + labels.index("EVENT")))  # gold: EVENT
    drawn = drawn_formats(window.view)
    settled, open_ = look_at(drawn, geneva.start), look_at(drawn, kenya.start)
    assert settled is not None and open_ is not None
    assert settled[0] == label_colours["EVENT"] and settled[1] == "NoUnderline"
    assert open_[0] not in label_colours.values() and open_[1] == "WaveUnderline"
    assert open_[2] == KIND_COLOURS[PlaceKind.MISSING]
    check_drawn_as_stored(window, project, doc_id)
    window.close()
    project.close()


def test_the_review_window_has_a_file_menu_and_quits_with_ctrl_q(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    import json

    project, doc_id = build(tmp_path)
    window = open_window(qtbot, project)
    menus = {action.text().replace("&", ""): action.menu()
             for action in window.menuBar().actions()}
    assert list(menus)[0] == "File"
    titles = [a.text() for a in menus["File"].actions() if not a.isSeparator()]
    assert titles == ["Open project…", "Recent projects", "Export gold…", "Close the review",
                      "Quit"]
    assert window.qactions["file.quit"].shortcut().toString() == "Ctrl+Q"
    out = tmp_path / "gold.jsonl"
    qtbot.keyClick(window.view, Qt.Key.Key_B)
    worker = window.export_gold(str(out), "jsonl")
    assert worker is not None
    qtbot.waitUntil(lambda: "wrote" in window.statusBar().currentMessage(), timeout=10_000)
    assert ("wrote 1 documents (gold) to" in window.statusBar().currentMessage()
            and "3 disagreements are still open and not in gold"
            in window.statusBar().currentMessage())
    written = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert [s["label"] for s in written["layers"][0]["entities"]] == ["GPE", "LOC"]
    assert window.isVisible()
    qtbot.keyClick(window.view, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible())
    project.close()


def test_a_passing_message_stays_when_the_agreement_arrives_then_the_figures_return(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    """The project-wide agreement, computed on a worker, arrives while a message is shown
    (an export written): the message stays its time, then the figures come back with it."""
    project, _doc_id = build(tmp_path)
    window = open_window(qtbot, project)
    qtbot.waitUntil(lambda: window.overall != "", timeout=10_000)
    bar = window.statusBar()
    qtbot.keyClick(window.view, Qt.Key.Key_B)
    assert "disagreements open" in bar.currentMessage()
    bar.showMessage("wrote 1 documents (gold) to gold.jsonl", 600)
    window.overall = ""
    window.compute_overall()
    qtbot.waitUntil(lambda: window.overall != "", timeout=10_000)
    assert bar.currentMessage() == "wrote 1 documents (gold) to gold.jsonl"
    qtbot.waitUntil(lambda: "disagreements open" in bar.currentMessage(), timeout=5_000)
    assert "all documents: exact F1" in bar.currentMessage()
    window.close()
    project.close()


def test_open_project_from_the_review_window_opens_it_in_the_main_window(  # type: ignore[no-untyped-def]
        
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from unannotate.qt.main_window import MainWindow

    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(tmp_path / "settings.json"))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    project, _ = build(tmp_path / "a")
    other, _ = build(tmp_path / "b")
    other.close()
    window = open_window(qtbot, project)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *a, **k: (str(tmp_path / "nothing.db"), ""))
    qtbot.keyClick(window.view, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert warnings and "nothing.db" in warnings[0]  # a mistyped path is not a new project
    assert not (tmp_path / "nothing.db").exists() and window.isVisible()
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *a, **k: (str(tmp_path / "b" / "p.db"), ""))
    qtbot.keyClick(window.view, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    opened = window.opened_window
    assert isinstance(opened, MainWindow) and opened.isVisible()
    qtbot.addWidget(opened)
    assert opened.project.location.endswith("p.db") and "b" in opened.project.location
    assert not window.isVisible()
    opened.close()
    project.close()


# -- any sequence of actions -----------------------------------------------------------------

ACTIONS = ("take_a", "take_b", "both", "neither", "comment", "uncomment", "take_agreed",
           "gold_edit", "gold_delete", "next", "undo", "redo")
KEYS = {"take_a": (Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier),
        "take_b": (Qt.Key.Key_B, Qt.KeyboardModifier.NoModifier),
        "both": (Qt.Key.Key_T, Qt.KeyboardModifier.NoModifier),
        "neither": (Qt.Key.Key_N, Qt.KeyboardModifier.NoModifier),
        "take_agreed": (Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier),
        "next": (Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier),
        "undo": (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier),
        "redo": (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                 | Qt.KeyboardModifier.ShiftModifier)}


def run_actions(qtbot, tmp: Path, steps: list[tuple[str, int]],  # type: ignore[no-untyped-def]
                check_each: bool) -> None:
    """Press the keys of ``steps`` in a review window; after each (or at the end), every
    place is drawn as stored, and as a window opened afresh draws it."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QTextCursor

    project, doc_id = build(tmp)
    window = open_window(qtbot, project)
    view = window.view
    labels = len(project.labels())
    comments = iter(f"note {n}" for n in range(len(steps)))
    try:
        for action, number in steps:
            if action in KEYS:
                qtbot.keyClick(view, *KEYS[action])
            elif action in ("comment", "uncomment"):
                text = next(comments) if action == "comment" else ""
                original = QInputDialog.getText
                QInputDialog.getText = lambda *a, t=text, **k: (t, True)  # type: ignore[method-assign]
                try:
                    qtbot.keyClick(view, Qt.Key.Key_K)
                finally:
                    QInputDialog.getText = original  # type: ignore[method-assign]
            elif action == "gold_edit":  # a span of some label over a place's text
                place = window.places[number % len(window.places)]
                cursor = view.textCursor()
                cursor.setPosition(view.positions.to_qt(place.start))
                cursor.setPosition(view.positions.to_qt(place.end),
                                   QTextCursor.MoveMode.KeepAnchor)
                view.setTextCursor(cursor)
                qtbot.keyClick(view, Qt.Key(Qt.Key.Key_1 + number % min(labels, 9)))
            elif action == "gold_delete":  # click a gold span, press Delete
                gold = sorted(key for key, _ in window.state.drawn.values() if key[2] < 0)
                if gold:
                    start = gold[number % len(gold)][0]
                    caret = QTextCursor(view.document())
                    caret.setPosition(view.positions.to_qt(start) + 1)
                    point = view.cursorRect(caret).center()
                    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                                     pos=QPoint(point.x(), point.y()))
                    qtbot.keyClick(view, Qt.Key.Key_Delete)
            if check_each:
                check_drawn_as_stored(window, project, doc_id)
        check_drawn_as_stored(window, project, doc_id)
        assert drawn_formats(view) == fresh_formats(qtbot, project, doc_id)
        stored = Review(project, "x", ["ana", "ben"]).places(doc_id)
        assert [(p.start, p.end, p.settled, p.comment) for p in window.places] == [
            (p.start, p.end, p.settled, p.comment) for p in stored]
        assert [window.panel.topLevelItem(n).text(5) for n in range(len(stored))] == [
            p.comment for p in stored]
    finally:
        window.close()
        project.close()


STEPS = st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 50)), max_size=14)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=STEPS)
def test_any_sequence_of_actions_is_drawn_as_stored(  # type: ignore[no-untyped-def]
        qtbot, steps) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run_actions(qtbot, Path(tmp), steps, check_each=True)


@pytest.mark.slow
@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 50)), max_size=40))
def test_any_long_sequence_of_actions_is_drawn_as_stored(  # type: ignore[no-untyped-def]
        qtbot, steps) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run_actions(qtbot, Path(tmp), steps, check_each=False)


def test_bulk_changes_on_a_long_document_are_drawn_as_stored(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path) -> None:
    """Shift+A over a thousand agreed places, then a burst of undo and redo: blocks off
    screen are formatted again in idle batches, and end as a fresh window draws them."""
    project, doc_id, _text = build_long(tmp_path, lines=300, differ_from=150)
    window = open_window(qtbot, project)
    assert window.document_id == doc_id
    view = window.view
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    for key in (Qt.Key.Key_B, Qt.Key.Key_A, Qt.Key.Key_N, Qt.Key.Key_T):
        qtbot.keyClick(view, key)
    settled = drawn_formats(view)
    assert settled == fresh_formats(qtbot, project, doc_id)
    activate(qtbot, window)
    for _ in range(5):  # a burst of undo, as fast as keys go
        qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not Review(project, "x", ["ana", "ben"]).gold.spans(doc_id)
    opened = drawn_formats(view)
    assert opened == fresh_formats(qtbot, project, doc_id) != settled
    activate(qtbot, window)
    for _ in range(5):
        qtbot.keyClick(view, Qt.Key.Key_Z,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert drawn_formats(view) == settled
    window.close()
    project.close()


def test_recent_projects_in_the_review_windows_file_menu(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from unannotate.services.preferences import Preferences

    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(tmp_path / "settings.json"))
    project, _ = build(tmp_path)
    preferences = Preferences.load()
    preferences.remember_project(str(tmp_path / "elsewhere.db"))
    preferences.remember_project(project.location)
    preferences.save()
    window = open_window(qtbot, project)
    window.recent_menu.aboutToShow.emit()
    assert [a.text() for a in window.recent_menu.actions()] == [str(tmp_path / "elsewhere.db")]
    window.close()
    project.close()
