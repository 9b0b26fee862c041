"""The service functions the window and the command line call instead of reaching storage
or nlp themselves."""

from __future__ import annotations

import spacy

from unannotate.services import project as project_service
from unannotate.services.suggesting import (
    CLAIM_RULES,
    ENTITY_RULES,
    ENTITY_SPACY,
    installed_pipelines,
    list_suggesters,
)
from unannotate.storage import database


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
