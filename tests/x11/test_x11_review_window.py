"""The colleague-review window as a reviewer runs it: ``python -m unannotate review`` on an
X server, every default key pressed on a (virtual) keyboard, the gold layer read back from
the project. Qt must report no ambiguous shortcut, the window must fit on the screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from driver import Program, wait_for
from seed import (
    BRIEFING,
    DELEGATIONS,
    SECOND_BRIEFING,
    document_ids,
    make_review_project,
)

from unannotate.core.model import DocumentStatus, SpanState
from unannotate.services.colleague_review import Review
from unannotate.services.project import Project, open_project

# Slow: about 50 s for the tier (test_keys_offscreen.py checks the key tables in every run).
pytestmark = [pytest.mark.x11, pytest.mark.slow]

ANOTHER_LABEL = "#b45309"  # the text colour of an "another label" place in the window's panel


@pytest.fixture
def review_path(tmp_path: Path) -> Path:
    return make_review_project(tmp_path / "project")


@pytest.fixture
def project(review_path: Path) -> Iterator[Project]:
    opened = open_project(review_path, create=False)
    yield opened
    opened.close()


def review_window(start_program, path: Path) -> Program:  # type: ignore[no-untyped-def]
    program = start_program("review", "--annotators", "ana,ben", "--reviewer", "rita",
                            "--project", str(path))
    program.window()
    return program


def gold(project: Project, text: str) -> set[tuple[str, str]]:
    """The accepted gold spans of the document: (text, label)."""
    review = Review(project, "rita", ["ana", "ben"])
    doc_id = document_ids(project)[text]
    return {(text[s.start:s.end], s.label) for s in review.gold.spans(doc_id)
            if s.state is SpanState.ACCEPTED}


def expect_gold(project: Project, want: set[tuple[str, str]], what: str,
                text: str = BRIEFING) -> None:
    wait_for(lambda: gold(project, text) == want or None,
             what=f"{what}: gold {sorted(want)} (stored: {sorted(gold(project, text))})")


def fits_on_screen(program: Program) -> None:
    geometry = program.geometry()
    width, height = program.server.size
    assert geometry.x >= 0 and geometry.x + geometry.width <= width, geometry
    assert geometry.y >= 0 and geometry.y + geometry.height <= height, geometry


def test_settle_comment_agree_undo_and_done_with_the_keys(  # type: ignore[no-untyped-def]
        start_program, review_path: Path, project: Project, screenshots: Path) -> None:
    program = review_window(start_program, review_path)
    fits_on_screen(program)
    # Open disagreements in text order: Geneva, 3 May 2025, the Arabic place name, Kenya,
    # the World Food Programme. Geneva is selected on opening.
    program.keys("Tab", "shift+Tab", "b")  # to the date and back: Geneva, ben's LOC
    settled = {("Geneva", "LOC")}
    expect_gold(project, settled, "Tab, Shift+Tab, B")
    program.keys("a")  # the date: ana's
    settled |= {("3 May 2025", "DATE")}
    expect_gold(project, settled, "A")
    program.keys("n")  # the Arabic place name: neither
    program.keys("t")  # Kenya: every layer's version (ben's alone)
    expect_gold(project, settled | {("Kenya", "GPE")}, "N, T")
    arabic = next(p for p in Review(project, "rita", ["ana", "ben"]).places(
        document_ids(project)[BRIEFING]) if BRIEFING[p.start:p.end] == "نيروبي")
    assert arabic.settled and not any(g.state is SpanState.ACCEPTED for g in arabic.gold)
    program.keys("ctrl+z")  # Kenya open again (the programme stays selected)
    expect_gold(project, settled, "Ctrl+Z")
    program.keys("shift+Tab", "t")
    settled |= {("Kenya", "GPE")}
    expect_gold(project, settled, "T again")

    # K on the programme: a comment, typed into the window's question.
    program.keys("k")
    question = wait_for(lambda: program.windows("Comment"), what="the comment question")
    program.type("ana leaves out the article", window=question[0])
    program.keys("Return", window=question[0])
    review = Review(project, "rita", ["ana", "ben"])
    doc_id = document_ids(project)[BRIEFING]

    def programme_comment() -> str:
        return next(p.comment for p in review.places(doc_id)
                    if BRIEFING[p.start:p.end] == "the World Food Programme")

    wait_for(lambda: programme_comment() == "ana leaves out the article",
             what="the comment stored")

    program.keys("shift+a")  # all agree in this document
    settled |= {("Amina Haddad", "PERSON"), ("UNICEF", "ORG")}
    wait_for(lambda: settled <= gold(project, BRIEFING) or None, what="Shift+A's agreed spans")
    assert gold(project, SECOND_BRIEFING) == set()
    program.keys("ctrl+shift+a")  # ... and in every document
    expect_gold(project, {("Peru", "GPE"), ("UNICEF", "ORG")}, "Ctrl+Shift+A", SECOND_BRIEFING)
    program.screenshot(screenshots / "review-after-accept-agreed.png")

    if review.places(doc_id)[-1].settled is False:  # the comment left it open: settle it
        program.keys("b")
        wait_for(lambda: review.places(doc_id)[-1].settled, what="B on the programme")
    program.keys("ctrl+Return")  # done, and on to the next document
    wait_for(lambda: review.status(doc_id) is DocumentStatus.DONE,
             what="the review marked done")
    program.keys("t")  # the next document: Lima, ben's
    expect_gold(project, {("Peru", "GPE"), ("UNICEF", "ORG"), ("Lima", "GPE")},
                "T in the next document", SECOND_BRIEFING)
    fits_on_screen(program)


def test_gold_edits_delete_report_and_help_with_the_keys(  # type: ignore[no-untyped-def]
        start_program, review_path: Path, project: Project, screenshots: Path) -> None:
    program = review_window(start_program, review_path)
    labels = [label.name for label in project.labels()][:9]
    program.keys("b")  # Geneva: ben's LOC
    expect_gold(project, {("Geneva", "LOC")}, "B")

    # A number key on selected text: a gold span of that label. Each delegation is a line
    # of its own at the end: select it with the keyboard (from the end, Up, Home, Shift+End).
    want = {("Geneva", "LOC")}
    for number, name in enumerate(DELEGATIONS, 1):
        up = ["Up"] * (len(DELEGATIONS) - number + 1)
        program.keys("ctrl+End", *up, "Home", "shift+End", str(number))
        want |= {(name, labels[number - 1])}
        expect_gold(project, want, f"the line {name} selected, {number}")

    # Delete on a gold span: choose the settled Geneva in the panel (a click on its row),
    # then Delete.
    program.screenshot(screenshots / "review-gold-edits.png")
    geometry = program.geometry()
    row = program.server.find_colour(ANOTHER_LABEL, geometry.x + 302, to_x=geometry.x + 400)
    assert row is not None and row > geometry.height // 2, "Geneva's row in the panel"
    program.server.click(geometry.x + 500, row)
    program.keys("Delete")
    want -= {("Geneva", "LOC")}
    expect_gold(project, want, "a click on Geneva's row, Delete")

    # Ctrl+Shift+R: the agreement report, in a window of its own.
    program.keys("ctrl+shift+r")
    report = wait_for(lambda: program.windows("^Agreement"), what="the agreement report")
    program.screenshot(screenshots / "review-agreement-report.png")
    program.keys("Escape", window=report[0])
    wait_for(lambda: not program.windows("^Agreement"), what="the report closed")
    # F1: the keys of the window.
    program.keys("F1")
    wait_for(lambda: program.windows("Keyboard shortcuts"), what="the keyboard shortcuts")
    fits_on_screen(program)
