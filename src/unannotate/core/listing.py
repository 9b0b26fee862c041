"""How a document is named and found in the document list: plain functions, so the keys
stored beside each document (for the database to sort and search by) and the names the list
shows are computed by one piece of code."""

from __future__ import annotations

from functools import lru_cache
from pathlib import PurePath

SEARCH_SEPARATOR = "\n"  # between the title and the file name in a search key: never typed


@lru_cache(maxsize=4096)  # the documents of one file share it: an import asks 100,000 times
def file_name(source: str | None) -> str:
    """The source file's name without its folders (Windows paths too), or ""."""
    return PurePath(source.replace("\\", "/")).name if source else ""


# Files that hold many documents (one a line, a record or a block): their name names none.
COLLECTIONS = frozenset({".jsonl", ".ndjson", ".jsonlines", ".json", ".csv", ".tsv", ".conll",
                         ".conllu", ".iob", ".spacy"})


@lru_cache(maxsize=4096)
def naming_file(source: str | None) -> str:
    """The source file's name when it names the document (a file of its own), else ""."""
    name = file_name(source)
    return "" if PurePath(name).suffix.casefold() in COLLECTIONS else name


def shown_title(title: str | None, source: str | None, document_id: int | None = None) -> str:
    """What names a document in a list: the name of its own file where it has one (titles
    taken from first lines look alike), else its title, else its number. A file of many
    documents (JSONL…) names none of them: 100,000 rows would read the same."""
    return naming_file(source) or title or (f"document {document_id}" if document_id else "")


def list_key(title: str | None, source: str | None) -> str:
    """The key the list sorts "by title" on: the shown name, case folded."""
    return shown_title(title, source).casefold()


def search_key(title: str | None, source: str | None) -> str:
    """What the list's search matches: the title and the file name, case folded."""
    return f"{(title or '').casefold()}{SEARCH_SEPARATOR}{file_name(source).casefold()}"


def search_needle(text: str) -> str:
    """The search box's text as it is matched against :func:`search_key`."""
    return text.casefold().replace(SEARCH_SEPARATOR, " ")
