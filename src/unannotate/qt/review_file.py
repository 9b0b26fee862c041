"""The review window's File menu: open a project (or a recent one) in the main window, export
gold, close the window, quit. The same words and keys as the main window's File menu."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMenu, QMessageBox

from ..core.errors import UnannotateError
from ..services.preferences import Preferences
from .workers import Worker, start

if TYPE_CHECKING:
    from ..services.colleague_review import Review


class ReviewFileMenu:
    """Mixin for the review window (listed before ``QMainWindow``)."""

    review: Review
    recent_menu: QMenu
    export_worker: Worker | None = None

    def _fill_recent_menu(self) -> None:
        """Projects opened before, newest first, without the one open now."""
        self.recent_menu.clear()
        current = self.review.project.location
        for location in Preferences.load().recent_projects:
            if location == current:
                continue
            action = self.recent_menu.addAction(location.replace("&", "&&"))
            action.triggered.connect(lambda _checked=False, p=location: self.switch_project(p))
        self.recent_menu.setEnabled(not self.recent_menu.isEmpty())

    def open_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", "",  # type: ignore[arg-type]
                                              "unannotate projects (*.db);;All files (*)")
        if path:
            self.switch_project(path)

    def switch_project(self, location: str) -> None:
        """Open another project in the main window (as its File menu does); this review
        window closes."""
        from ..services.project import open_project
        from .main_window import MainWindow

        try:
            project = open_project(location, create=False)
        except UnannotateError as error:
            QMessageBox.warning(self, "Open project", str(error))  # type: ignore[call-overload]
            return
        preferences = Preferences.load()
        preferences.remember_project(project.location)
        preferences.save()
        window = MainWindow(project, self.review.reviewer, preferences, auto_suggest=False)
        window.show()
        self.opened_window = window
        self.close()  # type: ignore[attr-defined]

    def export_gold(self, out: str | None = None, fmt: str | None = None) -> Worker | None:
        """Export the gold layer: the format and file asked when not given, written on a
        worker thread; the status bar says what was written and how many disagreements are
        still open (not in gold)."""
        from ..services.annotation_files import FORMATS, export_annotations
        from ..services.colleague_review import GOLD
        from .dialogs import ExportDialog

        if fmt is None or out is None:
            dialog = ExportDialog([(spec.name, spec.title) for spec in FORMATS.values()],
                                  [GOLD], GOLD, self)  # type: ignore[arg-type]
            dialog.setWindowTitle("Export gold")
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            fmt = dialog.chosen_format()
            parent: Any = self
            if dialog.writes_folder():
                out = QFileDialog.getExistingDirectory(parent, "Export gold into folder")
            else:
                out, _ = QFileDialog.getSaveFileName(parent, "Export gold", "")
            if not out:
                return None
        project, chosen_format, where = self.review.project, fmt, out
        open_ = sum(d.open_disagreements for d in self.review.documents())
        worker = Worker(lambda _progress: export_annotations(project, where, fmt=chosen_format,
                                                             layer=GOLD))

        def done(reports) -> None:  # type: ignore[no-untyped-def]
            written = sum(r.written.documents for r in reports)
            message = f"wrote {written} documents (gold) to {where}"
            if open_:
                message += f"; {open_} disagreements are still open and not in gold"
            self.statusBar().showMessage(message, 15000)  # type: ignore[attr-defined]

        worker.signals.done.connect(done)
        worker.signals.failed.connect(
            lambda message: self.statusBar().showMessage(  # type: ignore[attr-defined]
                f"export failed: {message}", 15000))
        self.export_worker = worker
        return start(worker)

    def close_window(self) -> None:
        self.close()  # type: ignore[attr-defined]

    def quit(self) -> None:
        """Close every window of the program (every decision is already stored)."""
        QApplication.closeAllWindows()
