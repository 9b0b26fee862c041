"""The review window's project-wide commands: new, open and switch projects (files and team
servers), settings, who you are, the shortcut list, and opening the colleague review."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QLabel, QLineEdit, QMenu

from ..core.errors import UnannotateError


class ProjectCommands:
    """Mixin for the review window (listed before ``QMainWindow``)."""

    project: Any
    preferences: Any
    reviewer: Any
    auto_suggest: bool
    qactions: Any
    action_host: Any
    recent_menu: QMenu

    def _fill_recent_menu(self) -> None:
        """Projects opened before, newest first, without the one open now."""
        self.recent_menu.clear()
        current = self.project.location
        for location in self.preferences.recent_projects:
            if location == current:
                continue
            action = self.recent_menu.addAction(location.replace("&", "&&"))
            action.triggered.connect(lambda _checked=False, p=location: self._switch_project(p))
        self.recent_menu.setEnabled(not self.recent_menu.isEmpty())

    def change_annotator(self, name: str | None = None) -> None:
        """Decide as someone else (asked when not given): the name shown in the status bar;
        the open document is shown again with that person's decisions."""
        if name is None:
            dialog = QInputDialog(self)  # type: ignore[arg-type]
            dialog.setWindowTitle("Who is reviewing")
            dialog.setLabelText("Your name as a reviewer (it marks your decisions):")
            dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
            dialog.setTextValue(self.reviewer.annotator)
            for label in dialog.findChildren(QLabel):
                label.setTextFormat(Qt.TextFormat.PlainText)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            name = dialog.textValue()
        name = name.strip()
        if not name or name == self.reviewer.annotator:
            return
        self.preferences.annotator = name
        self.preferences.save()
        self.set_reviewer(name)  # type: ignore[attr-defined]
        self.view.setFocus()  # type: ignore[attr-defined]

    def show_shortcuts(self) -> None:
        from .dialogs import ShortcutsDialog

        ShortcutsDialog(self.qactions, self).exec()

    def open_settings(self) -> None:
        from .dialogs import SettingsDialog

        dialog = SettingsDialog(self.project, self.preferences, self.qactions, self)
        if dialog.exec():
            self.preferences.save()
            self.action_host.apply_shortcuts(self.preferences.shortcuts)
            self.set_labels(self.project.labels())
            self.reload_current()

    def new_project(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New project", "",
                                              "unannotate projects (*.db);;All files (*)")
        if path:
            self._switch_project(path, create=True)

    def open_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", "",
                                              "unannotate projects (*.db);;All files (*)")
        if path:
            self._switch_project(path)

    def open_server_project(self, url: str | None = None) -> None:
        """A project on a PostgreSQL server: its URL, without the password (asked, or taken
        from the keyring or a pgpass file; never stored)."""
        if url is None:
            dialog = QInputDialog(self)
            dialog.setWindowTitle("Open team project")
            dialog.setLabelText("Server project URL (postgresql://user@host:port/database):")
            for label in dialog.findChildren(QLabel):
                label.setTextFormat(Qt.TextFormat.PlainText)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            url = dialog.textValue().strip()
        if not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
            self.show_error(f"not a server project URL: {url!r} (it starts with postgresql://)")
            return
        from .app import use_password_dialog

        use_password_dialog()
        self._switch_project(url)

    def _switch_project(self, location: str, *, create: bool = False) -> None:
        """Open the project at ``location`` in a new window; only File → New project makes
        one (a recent project moved away, or a mistyped path, is said to be missing)."""
        from ..services.project import open_project
        from .app import annotator_for

        try:
            project = open_project(location, create=create or "://" in location)
        except UnannotateError as error:
            self.show_error(str(error))
            return
        # Your name in that project (the one you last used there; else this one).
        name = annotator_for(project, None, self.preferences) or self.reviewer.annotator
        self.preferences.remember_project(project.location)
        self.preferences.save()
        from .main_window import MainWindow

        window = MainWindow(project, name, self.preferences, auto_suggest=self.auto_suggest)
        window.show()
        self.close()

    def open_review(self, layers: list[str] | None = None) -> None:
        """Compare colleagues' layers and settle their disagreements into gold."""
        from ..services.colleague_review import Review
        from .dialogs import ReviewSetupDialog
        from .review_window import ReviewWindow

        if layers is None:
            from ..services.window_data import layers_to_review

            annotators, has_suggestions = layers_to_review(self.project)
            dialog = ReviewSetupDialog(annotators, has_suggestions, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            layers = dialog.layers()
        from .app import reviewer_for

        # Gold is signed with the name given for this project's reviews (asked the first time).
        name = reviewer_for(self.project, None, self, self.preferences)
        if name is None:
            return
        self.preferences.save()
        try:
            review = Review(self.project, name, layers)
        except UnannotateError as error:
            self._warn("Review", str(error))
            return
        self.review_window = ReviewWindow(review, on_close=self.reload_documents)
        self.review_window.show()
