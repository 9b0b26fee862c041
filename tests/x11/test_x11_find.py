"""Find in every document as a person uses it: ``python -m unannotate`` on an X server,
Ctrl+Shift+F, a word typed, Enter, the arrow keys to a hit in another document, Enter (its
document opens with the hit selected), a label key: the span is read back from the project."""

from __future__ import annotations

from pathlib import Path

import pytest
from driver import wait_for
from seed import (
    FOLLOW_UP,
    FOLLOW_UP_SUGGESTIONS,
    STATEMENT,
    STATEMENT_SUGGESTIONS,
    decided,
    document_ids,
    make_project,
)

from unannotate.services.project import open_project

pytestmark = [pytest.mark.x11, pytest.mark.slow]


def test_find_in_every_document_opens_a_hit_and_a_key_labels_it(  # type: ignore[no-untyped-def]
        start_program, tmp_path: Path, screenshots: Path) -> None:
    path = make_project(tmp_path / "project", [(STATEMENT, STATEMENT_SUGGESTIONS),
                                               (FOLLOW_UP, FOLLOW_UP_SUGGESTIONS)])
    program = start_program("--project", str(path), "--annotator", "ana")
    program.window()
    program.keys("ctrl+shift+f")
    program.type("tonga")
    program.keys("Return")
    program.screenshot(screenshots / "find-panel.png")
    # Down: the first hit (the statement's); Down twice more: past the second document's
    # heading to its hit; Enter opens it with "Tonga" selected; 2 labels it.
    program.keys("Down", "Down", "Down", "Return", "2")
    project = open_project(path, create=False)
    try:
        labels = {label.key: label.name for label in project.labels() if label.key}
        follow_up = document_ids(project)[FOLLOW_UP]
        want = {("Tonga", labels["2"]): "accepted"}
        wait_for(lambda: decided(project, "ana", follow_up, FOLLOW_UP) == want or None,
                 what=f"Ctrl+Shift+F tonga, Enter, Down ×3, Enter, 2: {want} (stored: "
                      f"{decided(project, 'ana', follow_up, FOLLOW_UP)})")
        statement = document_ids(project)[STATEMENT]
        assert decided(project, "ana", statement, STATEMENT) == {}
    finally:
        project.close()
