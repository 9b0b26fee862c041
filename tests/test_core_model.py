from __future__ import annotations

import pytest

from unannotate.core.errors import InputError, OffsetError
from unannotate.core.language import guess_language
from unannotate.core.model import check_offsets, text_sha256


def test_offsets_are_code_points_with_emoji_and_crlf() -> None:
    text = "🌍 UNICEF said\r\nMali 👩🏽‍⚕️ café"
    start = text.index("UNICEF")
    assert start == 2  # one code point for the emoji, one for the space
    assert check_offsets(text, start, start + 6, "UNICEF") == "UNICEF"
    mali = text.index("Mali")
    assert check_offsets(text, mali, mali + 4) == "Mali"
    cafe = text.index("café")
    assert check_offsets(text, cafe, cafe + 4, "café") == "café"


@pytest.mark.parametrize(
    ("start", "end"), [(-1, 2), (3, 3), (4, 2), (0, 99), (True, 2), (0.0, 2)]
)
def test_offsets_that_do_not_fit_are_refused(start: object, end: object) -> None:
    with pytest.raises(OffsetError):
        check_offsets("hello", start, end)  # type: ignore[arg-type]


def test_offsets_must_cover_the_expected_text() -> None:
    with pytest.raises(OffsetError, match="not the expected"):
        check_offsets("Hello world", 0, 5, "world")


def test_sha256_of_exact_text() -> None:
    assert text_sha256("a\r\n") != text_sha256("a\n")
    assert text_sha256("é") != text_sha256("e\u0301")  # no Unicode normalisation
    assert len(text_sha256("")) == 64


def test_input_error_names_file_and_line() -> None:
    assert str(InputError("a.jsonl", "not JSON", 3)) == "a.jsonl:3: not JSON"
    assert str(InputError("a.txt", "empty file")) == "a.txt: empty file"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Secretary-General said that the report was published on Monday and that "
         "the mission is in the north of the country.", "en"),
        ("Le Secrétaire général a déclaré que le rapport est publié et que la mission "
         "des Nations Unies est dans le nord du pays.", "fr"),
        ("El Secretario General dijo que el informe fue publicado y que la misión de "
         "las Naciones Unidas está en el norte del país.", "es"),
        ("Генеральный секретарь заявил, что доклад опубликован.", "ru"),
        ("秘书长表示，报告已经发表。", "zh"),
        ("قال الأمين العام إن التقرير قد نشر.", "ar"),
        ("12 345", "en"),
    ],
)
def test_language_guess(text: str, expected: str) -> None:
    assert guess_language(text) == expected
