"""PDF: the text layer of every page (a scanned PDF has none: it needs OCR first)."""

from __future__ import annotations

import io

from ...core.errors import InputError
from ...core.model import NewDocument
from .common import describe, make_document, reject_lone_surrogates

_NO_TEXT_LAYER = "has no text layer (a scanned PDF?); run OCR on it first"


def read_pdf(data: bytes, path: str) -> NewDocument:
    pages = _pdf_pages(data, path)
    text = "\n\n".join(page for page in pages if page.strip())
    # A damaged font map can turn a glyph into half of a UTF-16 pair.
    reject_lone_surrogates(text, path, None, "its text")
    return make_document(text, path, no_text=_NO_TEXT_LAYER)


def _pdf_pages(data: bytes, path: str) -> list[str]:
    from pypdf import PasswordType, PdfReader  # loaded only when a PDF is read

    # Readers accept junk before the header, but not a file that never names itself a PDF.
    if b"%PDF-" not in data[:1024]:
        raise InputError(path, "not a PDF file (it does not begin with %PDF)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise InputError(
                path, "is protected by a password; save a copy without the password and use that"
            )
        return [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 - a damaged PDF breaks pypdf in many ways
        raise InputError(path, f"not a readable PDF: {describe(error)}") from None

