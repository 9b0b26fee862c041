"""Rules that several layers read the same way, defined once: a language tag's code, and the
tokens of a text (the window's snapping and the token-based formats)."""

from __future__ import annotations

import pytest

from unannotate.core.offsets import Tokens
from unannotate.formats.interchange import token_offsets
from unannotate.nlp.languages import language_code
from unannotate.nlp.training import TrainingDocument
from unannotate.nlp.training_entities import document_language


@pytest.mark.parametrize(("tag", "code"), [
    ("fr", "fr"), ("FR", "fr"), ("fr-CA", "fr"), ("fr_FR", "fr"), (" zh-Hans ", "zh"),
    ("kk", "kk"), ("", "en"), (None, "en"),
])
def test_a_language_tag_is_read_as_its_code(tag: str | None, code: str) -> None:
    assert language_code(tag) == code


def test_an_empty_tag_takes_the_callers_default() -> None:
    assert language_code("", "xx") == "xx" and language_code(None, "xx") == "xx"
    assert language_code("ES-mx", "xx") == "es"


def test_training_reads_the_documents_tags_as_the_rules_do() -> None:
    docs = [TrainingDocument(str(n), "text", language=tag)
            for n, tag in enumerate(["EN-gb", "fr_FR", "fr-CA", " fr "])]
    assert document_language(docs) == "fr"
    assert document_language([TrainingDocument("0", "t", language="")]) == "en"


def test_the_formats_tokens_are_the_ones_a_selection_snaps_to() -> None:
    text = "Mr. O'Neil's 3,5-million  plan (déjà-vu) — 🙂 z.B.\r\nok…"
    tokens = Tokens.of(text)
    assert token_offsets(text) == list(zip(tokens.starts, tokens.ends, strict=True))
    assert [text[s:e] for s, e in token_offsets(text)][:6] == [
        "Mr", ".", "O'Neil's", "3,5-million", "plan", "("]
