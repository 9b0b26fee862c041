"""Word (.docx): every paragraph's text in document order, table cells included."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

from ...core.errors import InputError
from ...core.model import NewDocument
from .common import describe, make_document


def read_docx(data: bytes, path: str) -> NewDocument:
    return make_document("\n".join(_docx_paragraphs(data, path)).strip("\n"), path)


def _docx_paragraphs(data: bytes, path: str) -> list[str]:
    import docx  # loaded only when a Word document is read

    if not data.startswith(b"PK"):
        hint = "; an old .doc file must be saved as .docx" if data.startswith(b"\xd0\xcf") else ""
        raise InputError(path, f"not a Word document (.docx){hint}")
    try:
        document = docx.Document(io.BytesIO(data))
        return list(_block_texts(document.iter_inner_content()))
    except Exception as error:  # noqa: BLE001 - a damaged zip or XML fails in many ways
        raise InputError(path, f"not a readable Word document: {describe(error)}") from None


def _block_texts(blocks: Iterable[Any]) -> Iterator[str]:
    """Paragraph texts in document order, descending into table cells (and tables in them)."""
    from docx.table import Table

    for block in blocks:
        if not isinstance(block, Table):
            yield block.text
            continue
        for row in block.rows:
            seen: list[Any] = []
            for cell in row.cells:
                # A merged cell is listed once per grid column it spans; read it once.
                if any(cell._tc is other for other in seen):
                    continue
                seen.append(cell._tc)
                yield from _block_texts(cell.iter_inner_content())

