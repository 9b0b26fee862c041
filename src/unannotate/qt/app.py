"""Starting the window: the application, the reviewer's name, the project."""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QInputDialog

from ..resources import resource
from ..services.preferences import Preferences
from ..services.project import Project
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


def ask_annotator(preferences: Preferences) -> str | None:
    name, ok = QInputDialog.getText(None, "Welcome to unannotate",
                                    "Your name as a reviewer (it marks your decisions):")
    name = name.strip()
    if not ok or not name:
        return None
    preferences.annotator = name
    preferences.save()
    return name


def open_window(project: Project, annotator: str | None, *, auto_suggest: bool = True) -> MainWindow | None:
    """Create and show the window; returns None when the reviewer declined to give a name."""
    application()
    preferences = Preferences.load()
    name = annotator or preferences.annotator or ask_annotator(preferences)
    if not name:
        return None
    preferences.remember_project(project.location)
    preferences.save()
    apply_palette(preferences.dark)
    window = MainWindow(project, name, preferences, auto_suggest=auto_suggest)
    window.show()
    # What start-up built (Qt wrappers, spaCy's tables, the label scheme) lives as long as the
    # program: out of the collector's way, so a full collection after a decision stays short.
    gc.freeze()
    return window


def use_password_dialog() -> None:
    """From now on, a server project opened by the window asks its password in a dialog."""
    from ..storage.database import set_password_prompt

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
    from ..services.review import Review
    from .review_window import ReviewWindow

    app = application()
    preferences = Preferences.load()
    name = reviewer or preferences.annotator or ask_annotator(preferences)
    if not name:
        return 1
    apply_palette(preferences.dark)
    window = ReviewWindow(Review(project, name, layers))
    window.show()
    return app.exec()
