"""How the review window says that something went wrong: one line in the status bar, and a
box (plain text: file names and file contents are never read as markup)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from ..core.errors import (
    DiskFullError,
    ProjectBusyError,
    ReadOnlyProjectError,
    StorageError,
    UnannotateError,
)
from ..services.decisions import ConflictError


class ErrorReporting:
    """Mixin for a ``QMainWindow`` (listed before it) with ``reload_current``."""

    storage_error_box: QMessageBox | None = None
    statusBar: Any

    def report_error(self, error: Exception) -> bool:
        """Say what went wrong with an action; False for an error that is a bug (raised)."""
        if isinstance(error, ConflictError):
            # Another window changed what this one showed: show what is stored now, then say
            # so (after the reload, whose own status messages would hide it).
            self.reload_current()  # type: ignore[attr-defined]
            self.statusBar().showMessage(
                f"Not changed: {error}. The document now shows what is stored.", 15000)
        elif isinstance(error, StorageError):
            self.show_storage_error(error)
        elif isinstance(error, UnannotateError | ValueError):
            self.show_error(str(error))
        elif isinstance(error, OSError):
            # A full disk or a read-only project: the decision was not stored, and not shown.
            self.show_error(f"The decision could not be stored: {error}")
        else:
            return False
        return True

    def show_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)
        self._warn("unannotate", message)

    def _warn(self, title: str, message: str) -> None:
        """A warning whose text (file names, file contents, names) is shown as text."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, message,
                          parent=self)  # type: ignore[call-overload]
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.exec()

    def show_storage_error(self, error: StorageError) -> None:
        """A decision the project could not store: the window still shows the state before it
        (the service raised before anything was redrawn); say why in the status bar and in a
        box that does not block, so the reviewer can fix the cause and decide again."""
        certain = isinstance(error, DiskFullError | ReadOnlyProjectError | ProjectBusyError)
        if not certain:
            # The database could not say whether the write reached the disk: show what is
            # stored rather than what the window believed.
            try:
                self.reload_current()  # type: ignore[attr-defined]
            except UnannotateError:
                pass
        reason = str(error)
        headline = ("This decision was not stored." if certain
                    else "This decision may not have been stored.")
        self.statusBar().showMessage(f"{headline} {reason[:1].upper()}{reason[1:]}", 30000)
        box = self.storage_error_box
        if box is None:
            box = QMessageBox(QMessageBox.Icon.Warning, "unannotate", headline,
                              parent=self)  # type: ignore[call-overload]
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setModal(False)  # the window stays usable while the cause is fixed
            self.storage_error_box = box
        box.setText(headline)
        box.setInformativeText(f"{reason[:1].upper()}{reason[1:]}.")
        box.show()
