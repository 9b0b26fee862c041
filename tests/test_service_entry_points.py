"""The service functions the window and the command line call instead of reaching storage
or nlp themselves."""

from __future__ import annotations

from pathlib import Path

import spacy

from unannotate.services import project as project_service
from unannotate.services.importing import import_paths
from unannotate.services.project import Project, open_project
from unannotate.services.suggesting import (
    CLAIM_RULES,
    ENTITY_RULES,
    ENTITY_SPACY,
    installed_pipelines,
    list_suggesters,
)
from unannotate.storage import database
from unannotate.storage.documents import document_titles


def test_every_registered_suggester_is_listed_in_order() -> None:
    names = list_suggesters()
    assert {ENTITY_RULES, ENTITY_SPACY, CLAIM_RULES} <= set(names)
    assert names == sorted(names)


def test_the_pipelines_listed_are_installed_packages() -> None:
    installed = set(spacy.util.get_installed_models())
    for info in installed_pipelines():
        assert info.name in installed and info.version


def test_the_password_prompt_set_through_the_service_is_the_one_storage_asks() -> None:
    def prompt(place: str) -> str | None:
        return None

    try:
        project_service.set_password_prompt(prompt)
        assert database._default_prompt is prompt
    finally:
        project_service.set_password_prompt(None)
    assert database._default_prompt is None


def test_a_documents_title_and_text_are_read_exactly(tmp_path: Path) -> None:
    text = "Statement on the\r\nharvest 👩‍🌾 of 2026.\n"
    (tmp_path / "harvest.txt").write_text(text, encoding="utf-8", newline="")
    with open_project(tmp_path / "p.db") as project:
        import_paths(project, [tmp_path / "harvest.txt"])
        [document_id] = [d for d, _ in _titles(project)]
        assert project.title_and_text(document_id) == ("Statement on the", text)
        assert project.title_and_text(document_id + 1) is None


def _titles(project: Project) -> list[tuple[int, str]]:
    with project.db.read() as unit:
        return document_titles(unit)
