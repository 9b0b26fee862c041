"""Review → Improve suggestions as a person runs it: the real program on an X server, Ctrl+Shift+T
typed on a (virtual) keyboard, the training in its own process, the before/after dialog shown,
Return to re-suggest; the documents nobody marked done then hold the trained version's
suggestions, the done ones what they held. Then Ctrl+Shift+E: the learning curve's dialog,
its line drawn, nothing registered."""

from __future__ import annotations

from pathlib import Path

import pytest
from driver import wait_for
from training_corpus import pending_by_layer, reviewed_project

from unannotate.services.project import open_project
from unannotate.services.training import trained_versions

pytestmark = [pytest.mark.x11, pytest.mark.slow]

ANNOTATOR = "ana"
DIALOG = "Improve suggestions: before and after"
CURVE = "Learning curve"  # xdotool reads a name as a regular expression: no "?"


def _entity_layers(path: Path, doc_ids: list[int]) -> dict[int, set[str]]:
    """Per document, the suggestions layers its entity suggestions are in."""
    with open_project(path, create=False) as project:
        found = pending_by_layer(project, doc_ids)
    return {doc: {layer for d, layer in found if d == doc} for doc in doc_ids}


def _dialog_after(program, key: str, title: str, shot: Path, what: str):  # type: ignore[no-untyped-def]
    """Type ``key``, wait for the window titled ``title`` (the training runs in its own
    process, spaCy imported there first), screenshot it: its id and geometry, of a size that
    shows it."""
    program.keys(key)
    window = wait_for(lambda: (program.windows(title) or [None])[0], timeout=240,
                      what=f"{what} after {key}")
    program.screenshot(shot)
    geometry = program.geometry(window)
    assert geometry.width > 300 and geometry.height > 200
    return window, geometry


def test_improve_suggestions_from_the_keyboard(  # type: ignore[no-untyped-def]
        start_program, tmp_path: Path, screenshots: Path) -> None:
    (tmp_path / "improve").mkdir()
    path = tmp_path / "improve" / "project.sqlite"
    ids = reviewed_project(path, tmp_path / "improve", done=10, annotator=ANNOTATOR)
    done_before = _entity_layers(path, ids[:10])
    program = start_program("--project", str(path), "--annotator", ANNOTATOR)
    program.window()
    # Trained in a separate process (spaCy imported there first): the dialog comes when done.
    dialog, _ = _dialog_after(program, "ctrl+shift+t", DIALOG, screenshots / "improve-dialog.png",
                              "the before/after dialog")
    program.keys("Return", window=dialog)  # its default button: re-suggest the not done

    def resuggested() -> bool | None:
        layers = _entity_layers(path, ids[10:])
        trained = [any(name.startswith("unannotate.entities.trained.v1") for name in found)
                   for found in layers.values()]
        return all(trained) or None

    wait_for(resuggested, timeout=120,
             what="the documents not done suggested by the trained version")
    assert not program.windows(DIALOG)
    assert _entity_layers(path, ids[:10]) == done_before  # done documents untouched
    program.screenshot(screenshots / "improve-after.png")

    # Would more reviewing help? The curve trains in its own process too; nothing registered.
    with open_project(path, create=False) as project:
        versions = [v.id for v in trained_versions(project)]
    curve, box = _dialog_after(program, "ctrl+shift+e", CURVE, screenshots / "learning-curve.png",
                               "the learning curve's dialog")
    drawn = program.server.find_colour("#1565c0", box.x + box.width // 2 - 60,
                                       to_x=box.x + box.width // 2 + 60)
    assert drawn is not None and box.y < drawn < box.y + box.height, "the curve's line"
    program.keys("Escape", window=curve)
    wait_for(lambda: not program.windows(CURVE) or None, what="the curve's dialog closed")
    with open_project(path, create=False) as project:
        assert [v.id for v in trained_versions(project)] == versions
