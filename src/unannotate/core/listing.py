"""How a document is named and found in the document list: plain functions, so the keys
stored beside each document (for the database to sort and search by) and the names the list
shows are computed by one piece of code."""

from __future__ import annotations

from pathlib import PurePath

SEARCH_SEPARATOR = "\n"  # between the title and the file name in a search key: never typed


def file_name(source: str | None) -> str:
    """The source file's name without its folders (Windows paths too), or ""."""
    return PurePath(source.replace("\\", "/")).name if source else ""


def shown_title(title: str | None, source: str | None, document_id: int | None = None) -> str:
    """What names a document in a list: its file's name where it has one (titles taken from
    first lines look alike), else its title, else its number."""
    return file_name(source) or title or (f"document {document_id}" if document_id else "")


def list_key(title: str | None, source: str | None) -> str:
    """The key the list sorts "by title" on: the shown name, case folded."""
    return shown_title(title, source).casefold()


def search_key(title: str | None, source: str | None) -> str:
    """What the list's search matches: the title and the file name, case folded."""
    return f"{(title or '').casefold()}{SEARCH_SEPARATOR}{file_name(source).casefold()}"


def search_needle(text: str) -> str:
    """The search box's text as it is matched against :func:`search_key`."""
    return text.casefold().replace(SEARCH_SEPARATOR, " ")
