"""Review → Improve suggestions as a person runs it: the real program on an X server, Ctrl+Shift+T
typed on a (virtual) keyboard, the training in its own process, the before/after dialog shown,
Return to re-suggest; the documents nobody marked done then hold the trained version's
suggestions, the done ones what they held."""

from __future__ import annotations

from pathlib import Path

import pytest
from driver import wait_for
from sqlalchemy import select
from training_corpus import import_texts, marked_documents, parse

from unannotate.core.model import DocumentStatus, LabelKind, LayerKind
from unannotate.services.decisions import Decider
from unannotate.services.project import Project, open_project
from unannotate.services.suggesting import (
    CLAIM_RULES,
    ENTITY_RULES,
    build_suggesters,
    run_suggester,
)
from unannotate.storage.schema import LabelRow, LayerRow, SpanRow

pytestmark = [pytest.mark.x11, pytest.mark.slow]

ANNOTATOR = "ana"
DIALOG = "Improve suggestions: before and after"


def _project(folder: Path) -> tuple[Path, list[int]]:
    """14 invented news documents with the rules' suggestions; ana marked the first 10 and
    marked them done."""
    folder.mkdir()
    path = folder / "project.sqlite"
    marked = marked_documents(14, seed=5)
    with open_project(path) as project:
        ids = import_texts(project, folder, [parse(m)[0] for m in marked])
        for suggester in build_suggesters([ENTITY_RULES, CLAIM_RULES]):
            run_suggester(project, suggester)
        reviewer = Decider(project, ANNOTATOR)
        for doc_id, text in zip(ids[:10], marked[:10], strict=True):
            for start, end, label in parse(text)[1]:
                reviewer.add(doc_id, start, end, label)
            reviewer.set_status(doc_id, DocumentStatus.DONE)
    return path, ids


def _entity_layers(project: Project, doc_ids: list[int]) -> dict[int, set[str]]:
    """Per document, the suggestions layers its entity suggestions are in."""
    with project.db.read() as session:
        rows = session.execute(
            select(SpanRow.document_id, LayerRow.name)
            .join(LayerRow, LayerRow.id == SpanRow.layer_id)
            .join(LabelRow, LabelRow.id == SpanRow.label_id)
            .where(LayerRow.kind == LayerKind.SUGGESTIONS.value,
                   LabelRow.kind == LabelKind.ENTITY.value,
                   SpanRow.document_id.in_(doc_ids))).all()
    out: dict[int, set[str]] = {doc: set() for doc in doc_ids}
    for doc_id, layer in rows:
        out[doc_id].add(layer)
    return out


def test_improve_suggestions_from_the_keyboard(  # type: ignore[no-untyped-def]
        start_program, tmp_path: Path, screenshots: Path) -> None:
    path, ids = _project(tmp_path / "improve")
    with open_project(path, create=False) as project:
        done_before = _entity_layers(project, ids[:10])
    program = start_program("--project", str(path), "--annotator", ANNOTATOR)
    program.window()
    program.keys("ctrl+shift+t")
    # Trained in a separate process (spaCy imported there first): the dialog comes when done.
    dialog = wait_for(lambda: (program.windows(DIALOG) or [None])[0], timeout=240,
                      what="the before/after dialog after Ctrl+Shift+T")
    program.screenshot(screenshots / "improve-dialog.png")
    geometry = program.geometry(dialog)
    assert geometry.width > 300 and geometry.height > 200
    program.keys("Return", window=dialog)  # its default button: re-suggest the not done

    def resuggested() -> bool | None:
        with open_project(path, create=False) as project:
            layers = _entity_layers(project, ids[10:])
        trained = [any(name.startswith("unannotate.entities.trained.v1") for name in found)
                   for found in layers.values()]
        return all(trained) or None

    wait_for(resuggested, timeout=120,
             what="the documents not done suggested by the trained version")
    assert not program.windows(DIALOG)
    with open_project(path, create=False) as project:
        assert _entity_layers(project, ids[:10]) == done_before  # done documents untouched
    program.screenshot(screenshots / "improve-after.png")
