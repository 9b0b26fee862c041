"""Read documents from text, Markdown, HTML, PDF, Word and JSON Lines files.

Every reader returns the document's text as the program will store it: offsets of spans are
code-point indices into exactly this text, so nothing here normalises what a file says (plain
text and Markdown are kept byte for byte; HTML, PDF and Word give their visible text).
Bad input raises :class:`InputError` naming the file, the line when there is one, and the reason.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..core.errors import InputError
from ..core.model import NewDocument
from .interchange import LINK_OUTSIDE
from .readers.common import decode_text, os_reason, read_bytes
from .readers.docx import read_docx
from .readers.html import read_html
from .readers.jsonl import read_jsonl
from .readers.pdf import read_pdf
from .readers.text import read_markdown, read_text

__all__ = ["SUPPORTED_SUFFIXES", "decode_text", "iter_files", "read_documents"]

TEXT_SUFFIXES: frozenset[str] = frozenset({".txt"})
MARKDOWN_SUFFIXES: frozenset[str] = frozenset({".md", ".markdown"})
HTML_SUFFIXES: frozenset[str] = frozenset({".html", ".htm"})
SUPPORTED_SUFFIXES: frozenset[str] = (
    TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx", ".jsonl"}
)


# --- finding files ---------------------------------------------------------------------------


def iter_files(paths: Iterable[Path], *,
               report_links_outside: bool = False) -> Iterator[Path | InputError]:
    """The readable files among ``paths``, folders expanded recursively in sorted order.

    Problems with what the user named explicitly come back as :class:`InputError` items, so one
    bad path does not stop the others; inside folders, files the program cannot read are skipped.
    A link inside a folder that leads out of it is never followed; with
    ``report_links_outside`` it comes back as an :class:`InputError` too, so that the person
    importing learns what was left out.
    """
    for path in paths:
        path = Path(path)
        if not path.exists():
            yield InputError(str(path), "no such file or folder")
        elif path.is_dir():
            yield from _walk_folder(path, path.resolve(), report_links_outside)
        elif not path.is_file():
            yield InputError(str(path), "not a regular file")
        elif not _is_supported(path):
            yield InputError(str(path), _unsupported_reason(path))
        else:
            yield path


def _walk_folder(folder: Path, root: Path, report_outside: bool) -> Iterator[Path | InputError]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: (e.name.casefold(), e.name))
    except OSError as error:
        yield InputError(str(folder), os_reason(error))
        return
    for entry in entries:
        if _is_hidden(entry):
            continue
        path = folder / entry.name
        if entry.is_symlink():
            yield from _follow_link(path, root, report_outside)
        elif entry.is_dir(follow_symlinks=False):
            yield from _walk_folder(path, root, report_outside)
        elif entry.is_file(follow_symlinks=False) and _is_supported(path):
            yield path


def _follow_link(link: Path, root: Path, report_outside: bool) -> Iterator[Path | InputError]:
    """A link inside the chosen folder is read only when it points to a file in that folder.

    Links leading outside (to a file or a folder) would import files the user did not choose;
    links to folders are not descended, because their target inside the folder is walked
    anyway and a link to a parent would loop forever.
    """
    try:
        target = link.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return
    if not target.is_relative_to(root):
        if report_outside:
            yield InputError(str(link), LINK_OUTSIDE)
        return
    if not _is_supported(link):
        return
    if not target.exists():
        yield InputError(str(link), "broken link: its target does not exist")
    elif target.is_file():
        yield link


def _is_hidden(entry: os.DirEntry[str]) -> bool:
    # "~$" files are the lock files Word leaves beside an open document: never a document.
    if entry.name.startswith((".", "~$")):
        return True
    try:
        attributes = getattr(entry.stat(follow_symlinks=False), "st_file_attributes", 0)
    except OSError:
        return False
    return bool(attributes & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0))


def _is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def _unsupported_reason(path: Path) -> str:
    kind = f"'{path.suffix}' files" if path.suffix else "files without a suffix"
    return f"{kind} cannot be read; use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}"



# --- reading ---------------------------------------------------------------------------------


def read_documents(
    path: Path,
    *,
    skip_invalid: bool = False,
    on_skip: Callable[[InputError], None] | None = None,
) -> Iterator[NewDocument]:
    """The documents in one file: one for most kinds, one per record for JSON Lines.

    ``skip_invalid`` only concerns JSON Lines records: each bad one is passed to ``on_skip``
    and reading goes on. A file that cannot be read at all always raises.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from read_jsonl(path, skip_invalid, on_skip)
        return
    reader = _FILE_READERS.get(suffix)
    if reader is None:
        raise InputError(str(path), _unsupported_reason(path))
    data = read_bytes(path)
    yield reader(data, str(path))





_FILE_READERS: dict[str, Callable[[bytes, str], NewDocument]] = {
    **{suffix: read_text for suffix in TEXT_SUFFIXES},
    **{suffix: read_markdown for suffix in MARKDOWN_SUFFIXES},
    **{suffix: read_html for suffix in HTML_SUFFIXES},
    ".pdf": read_pdf,
    ".docx": read_docx,
}
