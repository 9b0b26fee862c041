"""Errors that carry enough to tell a person what went wrong and where."""

from __future__ import annotations

from dataclasses import dataclass


class UnannotateError(Exception):
    """Base class for errors shown to the user as one clear line."""


@dataclass
class InputError(UnannotateError):
    """Bad input: names the file, the line when there is one, and the reason."""

    path: str
    reason: str
    line: int | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"


class OffsetError(UnannotateError, ValueError):
    """A span whose offsets do not fit the document's text."""


class StorageError(UnannotateError):
    """The project could not be opened, migrated or written."""


class ReadOnlyProjectError(StorageError):
    """The project file (or its folder) cannot be written: the change was not stored."""


class DiskFullError(StorageError):
    """The disk holding the project is full (or the database reached its size limit): the
    change was not stored."""


class ProjectBusyError(StorageError):
    """Another program held the project's write lock for longer than the busy timeout."""
