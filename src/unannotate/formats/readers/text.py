"""Plain text and Markdown: kept byte for byte (only a byte order mark is removed)."""

from __future__ import annotations

import re

from ...core.model import NewDocument
from .common import decode_text, first_line, make_document, shorten


def read_text(data: bytes, path: str) -> NewDocument:
    return make_document(decode_text(data, path), path)


def read_markdown(data: bytes, path: str) -> NewDocument:
    text = decode_text(data, path)
    # The title drops the "#" of a heading; the text keeps every character.
    title = re.sub(r"^#{1,6}\s+", "", first_line(text)).strip()
    return make_document(text, path, title=shorten(title))

