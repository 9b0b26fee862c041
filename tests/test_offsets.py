"""Code points <-> Qt positions: the one conversion, checked against Qt's own counting."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from unannotate.core.offsets import QtPositions, Tokens, sentence_at

TRICKY = "🌍 a\r\nb 👩🏽‍⚕️ e\u0301 \u200b\rc\n\r\nd𝔸"


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _qt_doc_position(text: str, index: int) -> int:
    """Independent reference: UTF-16 length of the prefix, with each CRLF counted once."""
    prefix = text[:index]
    return _utf16_len(prefix) - prefix.count("\r\n")


@given(st.text(alphabet=st.sampled_from(list("ab \r\n\t🌍😀é\u0301\u200b𝔸")), max_size=60))
@settings(max_examples=300)
def test_to_qt_matches_the_reference_and_round_trips(text: str) -> None:
    for chunk in (1, 7, 100_000):  # astral characters found a few at a time, or all at once
        positions = QtPositions(text, chunk=chunk)
        for index in range(len(text) + 1):
            if index and text[index - 1 : index + 1] == "\r\n":
                continue  # between CR and LF is no position in Qt
            q = positions.to_qt(index)
            assert q == _qt_doc_position(text, index)
            assert positions.from_qt(q) == index


@given(st.text(alphabet=st.sampled_from(list("ab\r\n🌍é")), max_size=40), st.data())
@settings(max_examples=200)
def test_conversions_in_any_order_give_the_same_positions(text: str, data) -> None:  # type: ignore[no-untyped-def]
    """The search for astral characters goes as far as each conversion needs: asked in any
    order (far first, then near, Qt positions first), the answers are those of a full search."""
    full = QtPositions(text, chunk=len(text) + 1)
    lazy = QtPositions(text, chunk=3)
    for _ in range(10):
        if data.draw(st.booleans()):
            index = data.draw(st.integers(0, len(text)))
            assert lazy.to_qt(index) == full.to_qt(index)
        else:
            position = data.draw(st.integers(0, full.to_qt(len(text))))
            assert lazy.from_qt(position) == full.from_qt(position)


def test_against_a_real_qt_document() -> None:
    from PySide6.QtGui import QTextCursor, QTextDocument

    doc = QTextDocument()
    doc.setPlainText(TRICKY)
    positions = QtPositions(TRICKY)
    for word in ("a", "b", "c", "d𝔸", "e\u0301", "👩🏽‍⚕️"):
        start = TRICKY.index(word)
        cursor = QTextCursor(doc)
        cursor.setPosition(positions.to_qt(start))
        cursor.setPosition(positions.to_qt(start + len(word)), QTextCursor.MoveMode.KeepAnchor)
        assert cursor.selectedText() == word


def test_snap_to_tokens() -> None:
    text = "The Secretary-General said 4,000 people (in Mali)."
    tokens = Tokens.of(text)
    s = text.index("cretary")
    assert text[slice(*tokens.snap(s, s + 3))] == "Secretary-General"
    s = text.index("4,0")
    assert text[slice(*tokens.snap(s + 1, s + 4))] == "4,000"
    s = text.index(" Mali")
    assert text[slice(*tokens.snap(s, s + 5))] == "Mali"
    assert tokens.next_boundary(0, forward=True, starts=True) == text.index("Secretary")


def test_sentence_at() -> None:
    text = "First one. Second “quoted.” Third?\r\n\r\nNew para here."
    for word, expected in [("First", "First one."), ("Second", "Second “quoted.”"),
                           ("Third", "Third?"), ("para", "New para here.")]:
        assert text[slice(*sentence_at(text, text.index(word) + 1))] == expected
