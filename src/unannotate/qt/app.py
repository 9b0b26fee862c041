"""Starting the window: the application, the reviewer's name, the project."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QInputDialog, QLabel, QMessageBox, QWidget

from ..core.errors import ReadOnlyProjectError, StorageError
from ..resources import resource
from ..services.preferences import (
    Preferences,
    current_annotator,
    current_reviewer,
    set_annotator,
    set_reviewer,
)
from ..services.project import Project, missing_project_file, open_project
from .main_window import MainWindow


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(sys.argv[:1])
        app.setApplicationName("unannotate")
        app.setOrganizationName("unannotate")
        # The desktop entry's name (packaging/unannotate.desktop), so the desktop shows the
        # program's icon for its windows.
        app.setDesktopFileName("unannotate")
        app.setWindowIcon(QIcon(str(resource("icons", "unannotate.png"))))
    assert isinstance(app, QApplication)
    return app


def apply_palette(dark: bool) -> None:
    """The Fusion style with a light or a dark palette (the text view keeps its own colours
    for spans, which stay opaque and readable on both)."""
    app = application()
    app.setStyle("Fusion")
    if not dark:
        app.setPalette(app.style().standardPalette())
        return
    palette = QPalette()
    base, window, text = QColor("#1e1f22"), QColor("#2b2d30"), QColor("#e6e6e6")
    for role, colour in (
        (QPalette.ColorRole.Window, window), (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base), (QPalette.ColorRole.AlternateBase, window),
        (QPalette.ColorRole.Text, text), (QPalette.ColorRole.Button, window),
        (QPalette.ColorRole.ButtonText, text), (QPalette.ColorRole.ToolTipBase, window),
        (QPalette.ColorRole.ToolTipText, text), (QPalette.ColorRole.Highlight, QColor("#3d6fd9")),
        (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
        (QPalette.ColorRole.PlaceholderText, QColor("#8c8c8c")),
    ):
        palette.setColor(role, colour)
    app.setPalette(palette)


def ask_server_password(place: str) -> str | None:
    """A team server's password, asked in a dialog (never stored unless the keyring is)."""
    from PySide6.QtWidgets import QLabel, QLineEdit

    application()
    dialog = QInputDialog()
    dialog.setWindowTitle("Team server")
    dialog.setLabelText(f"Password for {place}:")
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    for label in dialog.findChildren(QLabel):  # the place comes from a URL: shown as text
        label.setTextFormat(Qt.TextFormat.PlainText)
    if dialog.exec() != QInputDialog.DialogCode.Accepted:
        return None
    return dialog.textValue() or None


def ask_name(title: str, prompt: str, default: str = "", parent: QWidget | None = None
             ) -> str | None:
    """A name typed in a dialog (None when declined or left empty)."""
    application()
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(prompt)
    dialog.setTextValue(default)
    for label in dialog.findChildren(QLabel):  # a project's path is shown as text
        label.setTextFormat(Qt.TextFormat.PlainText)
    if dialog.exec() != QInputDialog.DialogCode.Accepted:
        return None
    return " ".join(dialog.textValue().split()) or None


def annotator_for(project: Project, given: str | None, preferences: Preferences) -> str | None:
    """Your name in ``project``: ``--annotator`` when given (kept for this project from then
    on), else the name you last decided under there, else the one you used last anywhere;
    asked on first start. None when you declined to give one."""
    name = given or current_annotator(project, preferences) or ask_name(
        "Welcome to unannotate", "Your name as a reviewer (it marks your decisions):")
    if not name:
        return None
    return set_annotator(project, name, preferences)


def reviewer_for(project: Project, given: str | None = None, parent: QWidget | None = None,
                 preferences: Preferences | None = None) -> str | None:
    """The name that signs ``project``'s gold: ``--reviewer`` when given, else the one given
    for this project before; asked the first time you review this project (your name in it
    offered), never taken from another project. None when declined."""
    own = preferences is None
    preferences = preferences or Preferences.load()
    name = given or current_reviewer(project, preferences) or ask_name(
        "Reviewing this project",
        f"Your name as the reviewer of {project.location}\n"
        "(it signs every span you settle into gold here):",
        current_annotator(project, preferences) or "", parent)
    if not name:
        return None
    name = set_reviewer(project, name, preferences)
    if own:
        preferences.save()
    return name


def confirm_new_project(path: Path, parent: QWidget | None = None) -> bool:
    """Asked when the project named on the command line does not exist: a mistyped path
    must not quietly become a new, empty project. True only when Create is chosen."""
    application()
    box = QMessageBox(QMessageBox.Icon.Warning, "No such project",
                      f"There is no project at\n{path}", parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setInformativeText("Check the path: nothing was created. To start a new, empty "
                           "project there, choose Create new project.")
    create = box.addButton("Create new project", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is create


def open_for_window(project: str | None) -> Project | None:
    """The project the window opens. The default project is made on first start; a project
    named by ``--project`` or ``$UNANNOTATE_PROJECT`` that does not exist is made only when
    the person chooses to in :func:`confirm_new_project` (else None, and the command says
    why). A read-only project is refused with a dialog saying so (None)."""
    path = missing_project_file(project)
    if path is not None:
        if not confirm_new_project(path):
            raise StorageError(f"{path}: no such project file (nothing was created; "
                               "File → New project makes one)")
    try:
        return open_project(project)
    except ReadOnlyProjectError:
        # Read-only media or folder: shown to read, every decision refused (docs/adr).
        return open_project(project, create=False, read_only=True)


READ_ONLY_NOTE = ("This project is read-only: you can read it and export it, but decisions "
                  "are not stored. To work on it, copy it somewhere writable and open the copy.")


def say_read_only(window: QWidget, project: Project) -> QMessageBox:
    """Tell, once and without blocking, that the project opened read-only."""
    box = QMessageBox(QMessageBox.Icon.Information, "Read-only project",
                      f"{project.location}\n\n{READ_ONLY_NOTE}", parent=window)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setModal(False)
    box.show()
    return box


def open_window(project: Project, annotator: str | None, *, auto_suggest: bool = True) -> MainWindow | None:
    """Create and show the window; returns None when the reviewer declined to give a name.
    A project open only to read (read-only media) is shown with a note saying so; its
    decisions are refused, each with the reason."""
    application()
    preferences = Preferences.load()
    name = annotator_for(project, annotator, preferences)
    if not name:
        return None
    preferences.remember_project(project.location)
    preferences.save()
    apply_palette(preferences.dark)
    # Suggesting stores suggestions: not on a project open only to read.
    window = MainWindow(project, name, preferences,
                        auto_suggest=auto_suggest and not project.read_only)
    window.show()
    if project.read_only:
        window.statusBar().showMessage(READ_ONLY_NOTE)
        window.read_only_box = say_read_only(window, project)  # type: ignore[attr-defined]
    # What start-up built (Qt wrappers, spaCy's tables, the label scheme) lives as long as the
    # program: out of the collector's way, so a full collection after a decision stays short.
    gc.freeze()
    return window


def use_password_dialog() -> None:
    """From now on, a server project opened by the window asks its password in a dialog."""
    from ..services.project import set_password_prompt

    set_password_prompt(ask_server_password)


def run(project: Project, annotator: str | None) -> int:
    app = application()
    use_password_dialog()
    window = open_window(project, annotator)
    if window is None:
        return 1
    return app.exec()


def run_review(project: Project, reviewer: str | None, layers: list[str]) -> int:
    """The review window alone: ``layers`` compared, their disagreements settled into gold."""
    from ..services.colleague_review import Review
    from .review_window import ReviewWindow

    app = application()
    preferences = Preferences.load()
    name = reviewer_for(project, reviewer, preferences=preferences)
    if not name:
        return 1
    preferences.save()
    apply_palette(preferences.dark)
    window = ReviewWindow(Review(project, name, layers))
    window.show()
    return app.exec()
