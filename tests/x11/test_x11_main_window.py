"""The main review window as a person runs it: ``python -m unannotate --project P`` on an X
server, every default key pressed on a (virtual) keyboard, the decisions read back from the
project. Qt must report no ambiguous shortcut, the window must fit on the screen."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from driver import Program, wait_for
from seed import (
    FOLLOW_UP,
    FOLLOW_UP_SUGGESTIONS,
    STATEMENT,
    STATEMENT_SUGGESTIONS,
    decided,
    document_ids,
    make_project,
)

from unannotate.core.model import DocumentStatus
from unannotate.services.decisions import Decider
from unannotate.services.project import Project, open_project

# Slow: about 50 s for the tier (test_keys_offscreen.py checks the key tables in every run).
pytestmark = [pytest.mark.x11, pytest.mark.slow]

ANNOTATOR = "ana"


@pytest.fixture
def statement_project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project", [(STATEMENT, STATEMENT_SUGGESTIONS),
                                               (FOLLOW_UP, FOLLOW_UP_SUGGESTIONS)])


@pytest.fixture
def project(statement_project: Path) -> Iterator[Project]:
    opened = open_project(statement_project, create=False)
    yield opened
    opened.close()


def main_window(start_program, path: Path) -> Program:  # type: ignore[no-untyped-def]
    program = start_program("--project", str(path), "--annotator", ANNOTATOR)
    program.window()
    return program


def expect(project: Project, want: dict[tuple[str, str], str], what: str,
           text: str = STATEMENT) -> None:
    """Wait until the annotator's spans in ``text`` are exactly ``want``."""
    doc_id = document_ids(project)[text]
    wait_for(lambda: decided(project, ANNOTATOR, doc_id, text) == want or None,
             what=f"{what}: {want} (stored: {decided(project, ANNOTATOR, doc_id, text)})")


def fits_on_screen(program: Program) -> None:
    geometry = program.geometry()
    width, height = program.server.size
    assert geometry.x >= 0 and geometry.x + geometry.width <= width, geometry
    assert geometry.y >= 0 and geometry.y + geometry.height <= height, geometry


def test_next_previous_accept_reject_and_bulk_with_undo(  # type: ignore[no-untyped-def]
        start_program, statement_project: Path, project: Project, screenshots: Path) -> None:
    program = main_window(start_program, statement_project)
    fits_on_screen(program)
    # The first suggestion (Amina Haddad) is selected on opening.
    program.keys("Tab", "shift+Tab", "a")  # on to UNICEF and back: Amina Haddad accepted
    program.keys("x")  # UNICEF, next after it, rejected
    program.keys("Tab", "shift+Tab", "a")  # skip 3 May 2025 and back: Geneva accepted
    decisions = {("Amina Haddad", "PERSON"): "accepted", ("UNICEF", "ORG"): "rejected",
                 ("Geneva", "GPE"): "accepted"}
    expect(project, decisions, "Tab, Shift+Tab, A, X")

    program.keys("Tab", "ctrl+shift+a")  # on the Arabic place name: every GPE left
    gpe = {(piece, "GPE"): "accepted" for piece in ("نيروبي", "Kenya", "Peru")}
    expect(project, decisions | gpe, "Ctrl+Shift+A")

    program.keys("shift+a")  # everything left
    rest = {("3 May 2025", "DATE"): "accepted", ("$5 million", "MONEY"): "accepted",
            ("World Food Programme", "ORG"): "accepted", ("40", "CARDINAL"): "accepted"}
    expect(project, decisions | gpe | rest, "Shift+A")
    program.screenshot(screenshots / "main-after-accept-all.png")

    program.keys("ctrl+z")  # the whole Shift+A is one step
    expect(project, decisions | gpe, "Ctrl+Z after Shift+A")
    program.screenshot(screenshots / "main-after-undo.png")
    program.keys("ctrl+shift+z")
    expect(project, decisions | gpe | rest, "Ctrl+Shift+Z")
    program.keys("ctrl+z", "ctrl+y")  # Ctrl+Y redoes too
    expect(project, decisions | gpe | rest, "Ctrl+Z, Ctrl+Y")
    fits_on_screen(program)


def test_add_move_claim_delete_zoom_help_and_done(  # type: ignore[no-untyped-def]
        start_program, statement_project: Path, project: Project, screenshots: Path) -> None:
    program = main_window(start_program, statement_project)
    labels = {label.key: label.name for label in project.labels() if label.key}
    # Ctrl+F, the word, Enter (found and selected), Esc (back to the text), a number key:
    # a span with the label of that key.
    words = ["Chile", "Ghana", "Japan", "Norway", "Oman", "Qatar", "Spain", "Yemen", "Tonga"]
    added: dict[tuple[str, str], str] = {}
    for number, word in enumerate(words, 1):
        program.keys("ctrl+f")
        program.type(word)
        program.keys("Return", "Escape", str(number))
        added[(word, labels[str(number)])] = "accepted"
        expect(project, added, f"Ctrl+F {word}, Enter, Esc, {number}")

    # The span just added (Tonga, key 9) is selected: move its boundaries by whole tokens.
    tonga = ("Tonga", labels["9"])
    steps = [("alt+shift+Right", "Tonga and"), ("alt+Right", "and"), ("alt+Left", "Tonga and"),
             ("alt+shift+Left", "Tonga")]
    for key, piece in steps:
        program.keys(key)
        expect(project, {**{k: v for k, v in added.items() if k != tonga},
                         (piece, tonga[1]): "accepted"}, key)
    # M: by character instead of token, kept in the settings (of the test's own home).
    program.keys("m", "alt+Right")
    expect(project, {**{k: v for k, v in added.items() if k != tonga},
                     ("onga", tonga[1]): "accepted"}, "M, Alt+Right")
    assert json.loads(program.settings_path.read_text(encoding="utf-8"))["character_mode"]
    program.keys("m")
    wait_for(lambda: not json.loads(program.settings_path.read_text("utf-8"))["character_mode"],
             what="character mode off after the second M")
    del added[tonga]
    added[("onga", tonga[1])] = "accepted"

    # C with the cursor in a sentence (found, then the selection dropped with Right).
    program.keys("ctrl+f")
    program.type("pledged")
    program.keys("Return", "Escape", "Right", "c")
    claim = ("Kenya pledged $5 million to the World Food Programme.", "CLAIM")
    expect(project, added | {claim: "accepted"}, "C")
    program.keys("Delete")  # the claim just marked is selected: gone again
    expect(project, added, "Delete on an annotation")
    # Delete on a suggestion rejects it: the next one from where the claim was (Kenya).
    program.keys("Tab", "shift+Tab", "Delete")
    expect(project, added | {("Kenya", "GPE"): "rejected"}, "Delete on a suggestion")

    # Zoom in and out, kept in the settings.
    def zoom() -> int:
        return int(json.loads(program.settings_path.read_text(encoding="utf-8"))["zoom"])

    program.keys("ctrl+equal")
    wait_for(lambda: zoom() == 1, what="zoom 1 after Ctrl+=")
    program.keys("ctrl+plus")  # Ctrl++ (with Shift on most layouts) zooms in too
    wait_for(lambda: zoom() == 2, what="zoom 2 after Ctrl++")
    program.keys("ctrl+minus", "ctrl+minus")
    wait_for(lambda: zoom() == 0, what="zoom 0 after Ctrl+- twice")

    # F1: the list of keys, in a window of its own; Esc closes it.
    program.keys("F1")
    shortcuts = wait_for(lambda: program.windows("Keyboard shortcuts"),
                         what="the keyboard shortcuts window")
    program.screenshot(screenshots / "main-shortcuts.png")
    program.keys("Escape", window=shortcuts[0])
    wait_for(lambda: not program.windows("Keyboard shortcuts"), what="F1's window closed")

    # Ctrl+Enter: done, and on to the next document.
    ids = document_ids(project)
    program.keys("ctrl+Return")
    reviewer = Decider(project, ANNOTATOR)
    wait_for(lambda: reviewer.status(ids[STATEMENT]) is DocumentStatus.DONE,
             what="the statement marked done")
    program.keys("a")  # the next document's first suggestion
    expect(project, {("Tonga", "GPE"): "accepted"}, "A in the next document", FOLLOW_UP)
    program.screenshot(screenshots / "main-next-document.png")


HEADLINE = ("Secretary-General welcomes the agreement reached in Geneva on humanitarian "
            "access to the Sahel region and calls on all parties to act")
ESSAY_LINE = ("A very long opening line of a statement that goes on without a break " * 15).strip()


@pytest.mark.parametrize("first_line", [HEADLINE, ESSAY_LINE], ids=["headline", "1000-chars"])
def test_a_long_first_line_keeps_the_window_on_the_screen(  # type: ignore[no-untyped-def]
        start_program, tmp_path: Path, screenshots: Path, first_line: str) -> None:
    assert first_line is HEADLINE or len(first_line) >= 1000
    text = first_line + "\n" + STATEMENT
    path = make_project(tmp_path / "project", [(text, [("UNICEF", "ORG")])])
    program = main_window(start_program, path)
    wait_for(lambda: program.geometry().width > 0, what="the window's geometry")
    program.screenshot(screenshots / f"main-first-line-of-{len(first_line)}.png")
    fits_on_screen(program)
