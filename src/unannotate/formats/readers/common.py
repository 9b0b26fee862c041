"""What every document reader shares: decoding a file's bytes exactly, the document made
from its text (title, source), and the one-line reasons a file cannot be read.

Offsets of spans are code-point indices into the text these readers return, so nothing here
normalises what a file says.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

from ...core.errors import InputError
from ...core.model import NewDocument

TITLE_LENGTH = 120
FIRST_LINE_SAMPLE = 256  # characters split first when looking for the first line

BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian mark begins with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_text(data: bytes, path: str) -> str:
    """Decode a text file's bytes exactly: only a byte order mark is removed.

    Without a byte order mark the text must be UTF-8; guessing a legacy encoding could silently
    turn characters into others, and the stored text is what every span points into.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            if encoding == "utf-8":
                reject_binary(data, path)
            return decode(data[len(bom):], encoding, path, offset=len(bom))
    reject_binary(data, path)
    return decode(data, "utf-8", path)


def reject_binary(data: bytes, path: str) -> None:
    if b"\x00" not in data:
        return
    if _looks_like_utf16(data):
        raise InputError(path, "looks like UTF-16 text without a byte order mark; save it as UTF-8")
    raise InputError(path, "binary file, not text")


def _looks_like_utf16(data: bytes) -> bool:
    """UTF-16 text that is mostly Latin script has a NUL in every other byte."""
    sample = data[:1000]
    if len(sample) < 4 or len(sample) % 2:
        return False
    for parity in (0, 1):
        nuls = sample[parity::2].count(0)
        others = sample[1 - parity::2].count(0)
        if others == 0 and nuls >= 0.9 * (len(sample) // 2):
            return True
    return False


def decode(data: bytes, encoding: str, path: str, offset: int = 0) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        where = error.start + offset
        byte = data[error.start]
        raise InputError(path, _undecodable_reason(encoding, byte, where)) from None
    except UnicodeError as error:  # a codec that decodes nothing ("undefined")
        raise InputError(path, f"cannot be read as {encoding} ({error})") from None


def _undecodable_reason(encoding: str, byte: int, where: int) -> str:
    if encoding == "utf-8":
        name = "UTF-8 or UTF-16 text"
    else:
        name = f"valid {codecs.lookup(encoding).name.upper()} text"
    return f"not {name} (invalid byte 0x{byte:02x} at offset {where}); save it as UTF-8"



def read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(str(path), os_reason(error)) from None
    if not data:
        raise InputError(str(path), "empty file")
    return data


def os_reason(error: OSError) -> str:
    if isinstance(error, IsADirectoryError):
        return "is a folder, not a file"
    return f"cannot be read: {lower_first(error.strerror or str(error))}"



def make_document(
    text: str,
    path: str,
    *,
    title: str = "",
    meta: dict[str, Any] | None = None,
    language: str | None = None,
    line: int | None = None,
    no_text: str = "has no text",
) -> NewDocument:
    if not text or text.isspace():  # as "not text.strip()", without copying the text
        raise InputError(path, no_text, line)
    return NewDocument(
        text=text,
        title=title or _title_from_text(text) or Path(path).name,
        source=path,
        meta=meta or {},
        language=language,
        line=line,
    )


def first_line(text: str) -> str:
    """The first line of ``text`` that is not blank, stripped; "" when there is none.

    Only a beginning of the text is split, longer ones while no line in it is whole and
    holds a word: a long document is not cut into all its lines for its first."""
    size = FIRST_LINE_SAMPLE
    while True:
        lines = text[:size].splitlines()
        whole = size >= len(text)
        for line in lines if whole else lines[:-1]:  # the last may go on past the sample
            stripped = line.strip()
            if stripped:
                return stripped
        if whole:
            return ""
        size *= 4


def _title_from_text(text: str) -> str:
    return shorten(first_line(text))


def shorten(title: str) -> str:
    if len(title) <= TITLE_LENGTH:
        return title
    return title[:TITLE_LENGTH - 1].rstrip() + "…"



def describe(error: Exception) -> str:
    # str() of a KeyError is the quoted key; its argument reads better.
    message = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    return lower_first(message.strip().rstrip(".") or type(error).__name__)


def lower_first(message: str) -> str:
    """Reasons start in lower case, but an acronym ("EOF marker") keeps its capitals."""
    if message[1:2].isupper():
        return message
    return message[:1].lower() + message[1:]



def reject_lone_surrogates(text: str, path: str, line: int | None,
                            what: str = '"text"') -> None:
    # JSON escapes such as "\ud800" can name half of a character pair; such text is not valid
    # Unicode and could not be stored or shown.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InputError(
            path,
            f"{what} holds an unpaired surrogate (\\u{ord(text[error.start]):04x}) "
            f"at character {error.start}",
            line,
        ) from None

