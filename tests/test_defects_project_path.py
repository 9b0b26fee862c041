"""A mistyped project path does not quietly become a new, empty project in the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from unannotate.services.project import missing_project_file, open_project


@pytest.fixture(autouse=True)
def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(tmp_path / "settings.json"))
    monkeypatch.delenv("UNANNOTATE_PROJECT", raising=False)


def test_which_named_projects_are_missing(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    typo = tmp_path / "projetc.db"
    assert missing_project_file(typo) == typo
    open_project(tmp_path / "real.db").close()
    assert missing_project_file(tmp_path / "real.db") is None
    assert missing_project_file(None) is None  # the default project is made on first start
    assert missing_project_file("postgresql://ana@db/team") is None  # a server says itself
    monkeypatch.setenv("UNANNOTATE_PROJECT", str(typo))
    assert missing_project_file(None) == typo


def test_the_window_command_refuses_a_missing_project_unless_create_is_chosen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from unannotate.cli import app
    from unannotate.qt import app as qt_app

    asked: list[Path] = []

    def declined(path: Path, parent=None) -> bool:  # type: ignore[no-untyped-def]
        asked.append(path)
        return False

    monkeypatch.setattr(qt_app, "confirm_new_project", declined)
    monkeypatch.setattr(qt_app, "run", lambda *a, **k: pytest.fail("a window was opened"))
    typo = tmp_path / "sub" / "projetc.db"
    result = CliRunner().invoke(app, ["--project", str(typo)])
    # One line, as every error the program explains (a StorageError here), and status 1.
    assert result.exit_code == 1
    message = result.output.strip()
    assert "\n" not in message and message.startswith("error: ")
    assert str(typo) in message and "nothing was created" in message
    assert asked == [typo]
    assert not typo.exists() and not typo.parent.exists()

    monkeypatch.setattr(qt_app, "confirm_new_project", lambda path, parent=None: True)
    opened: list[str] = []
    monkeypatch.setattr(qt_app, "run", lambda project, name: opened.append(project.location) or 0)
    result = CliRunner().invoke(app, ["--project", str(typo)])
    assert result.exit_code == 0, result.output
    assert opened == [str(typo)] and typo.exists()


def test_the_question_defaults_to_cancel_and_names_the_path(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from unannotate.qt.app import confirm_new_project

    seen: list[str] = []

    def answer(button_text: str | None) -> None:
        box = next(w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QMessageBox) and w.isVisible())
        seen.append(box.text())
        seen.append(box.defaultButton().text())
        if button_text is None:
            box.defaultButton().click()  # Enter: the default
        else:
            next(b for b in box.buttons() if b.text() == button_text).click()

    typo = tmp_path / "<b>projetc</b>.db"
    QTimer.singleShot(0, lambda: answer(None))
    assert confirm_new_project(typo) is False
    assert str(typo) in seen[0]
    assert seen[1].replace("&", "") == "Cancel"
    QTimer.singleShot(0, lambda: answer("Create new project"))
    assert confirm_new_project(typo) is True
    assert not typo.exists()  # asking makes nothing


def test_a_recent_project_moved_away_is_not_made_again(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from unannotate.qt.main_window import MainWindow
    from unannotate.services.preferences import Preferences

    window = MainWindow(open_project(tmp_path / "p.db"), "ana", Preferences.load(),
                        auto_suggest=False)
    qtbot.addWidget(window)
    errors: list[str] = []
    monkeypatch.setattr(window, "show_error", errors.append)
    gone = tmp_path / "moved.db"
    window._switch_project(str(gone))
    assert errors and str(gone) in errors[0] and not gone.exists()
