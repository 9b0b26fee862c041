"""Your name is kept per project: typed for one project it never becomes your name, or the
gold reviewer, in another; the gold reviewer is asked the first time a project is reviewed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unannotate.services.preferences import (
    Preferences,
    current_annotator,
    current_reviewer,
    set_annotator,
    set_reviewer,
)
from unannotate.services.project import open_project


@pytest.fixture(autouse=True)
def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "settings.json"
    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(path))
    return path


def test_the_annotator_is_kept_per_project_with_the_last_used_as_default(
        tmp_path: Path) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    assert current_annotator(str(first)) is None  # first start: nobody yet
    set_annotator(str(first), "ana")
    assert current_annotator(str(second)) == "ana"  # the last used, offered as the default
    set_annotator(str(second), "ana b.")
    assert current_annotator(str(first)) == "ana"  # kept for that project
    assert current_annotator(str(second)) == "ana b."
    with pytest.raises(ValueError, match="empty"):
        set_annotator(str(first), "   ")


def test_the_gold_reviewer_is_never_taken_from_another_project(tmp_path: Path) -> None:
    with open_project(tmp_path / "a.db") as first, open_project(tmp_path / "b.db") as second:
        set_reviewer(first, "rita")
        assert current_reviewer(first) == "rita"
        assert current_reviewer(second) is None
        set_annotator(second, "ben")
        assert current_reviewer(second) is None  # an annotator's name is not a reviewer's


def test_names_survive_the_settings_file_and_bad_entries_are_dropped(
        tmp_path: Path, _settings: Path) -> None:
    set_annotator("postgresql://ana:secret@db/team", "ana")
    text = _settings.read_text(encoding="utf-8")
    assert "secret" not in text  # a server's password is never kept
    assert current_annotator("postgresql://ana@db/team") == "ana"
    data = json.loads(text)
    data["annotators"] = {"x.db": 5, "y.db": " bo ", "z.db": ""}
    data["reviewers"] = ["not", "a", "mapping"]
    _settings.write_text(json.dumps(data), encoding="utf-8")
    loaded = Preferences.load()
    assert loaded.annotators == {"y.db": "bo"} and loaded.reviewers == {}


def test_the_window_asks_the_reviewer_once_per_project(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from unannotate.qt import app as qt_app

    asked: list[tuple[str, str]] = []

    def ask(title: str, prompt: str, default: str = "", parent=None):  # type: ignore[no-untyped-def]
        asked.append((prompt, default))
        return "Rita  Okafor"

    monkeypatch.setattr(qt_app, "ask_name", ask)
    preferences = Preferences.load()
    with open_project(tmp_path / "a.db") as first, open_project(tmp_path / "b.db") as second:
        set_annotator(first, "rita", preferences)
        assert qt_app.reviewer_for(first, preferences=preferences) == "Rita Okafor"
        assert len(asked) == 1 and asked[0][1] == "rita"  # your name there, offered
        assert str(first.location) in asked[0][0]
        assert qt_app.reviewer_for(first, preferences=preferences) == "Rita Okafor"
        assert len(asked) == 1  # not asked again for that project
        qt_app.reviewer_for(second, preferences=preferences)
        assert len(asked) == 2  # another project: asked again
        # --reviewer given: taken, and kept for the project.
        assert qt_app.reviewer_for(second, "sam", preferences=preferences) == "sam"
        assert current_reviewer(second, preferences) == "sam"


def test_the_window_takes_your_name_in_the_project_it_opens(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from unannotate.qt import app as qt_app

    monkeypatch.setattr(qt_app, "ask_name", lambda *a, **k: pytest.fail("asked"))
    preferences = Preferences()
    with open_project(tmp_path / "a.db") as first, open_project(tmp_path / "b.db") as second:
        assert qt_app.annotator_for(first, "ana", preferences) == "ana"  # --annotator
        assert qt_app.annotator_for(second, "ben", preferences) == "ben"
        assert qt_app.annotator_for(first, None, preferences) == "ana"  # not ben's
    monkeypatch.setattr(qt_app, "ask_name", lambda *a, **k: None)
    assert qt_app.annotator_for(first, None, Preferences()) is None  # first start, declined


def test_review_from_the_main_window_signs_gold_with_the_name_asked(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from unannotate.qt import app as qt_app
    from unannotate.qt.main_window import MainWindow
    from unannotate.services.decisions import Decider
    from unannotate.services.importing import import_paths

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Ana met Ben in Lima.", encoding="utf-8")
    project = open_project(tmp_path / "p.db")
    import_paths(project, [folder])
    Decider(project, "ana").add(1, 15, 19, "GPE")
    Decider(project, "ben").add(1, 15, 19, "LOC")
    monkeypatch.setattr(qt_app, "ask_name", lambda *a, **k: "gold-rita")
    window = MainWindow(project, "ana", Preferences.load(), auto_suggest=False)
    qtbot.addWidget(window)
    window.open_review(["ana", "ben"])
    assert window.review_window is not None
    assert window.review_window.review.gold.annotator == "gold-rita"
    assert current_reviewer(project) == "gold-rita"  # kept in the settings file
    monkeypatch.setattr(qt_app, "ask_name", lambda *a, **k: None)
    window.review_window.close()
    window.review_window = None
    window.open_review(["ana", "ben"])  # not asked again: would have declined
    assert window.review_window is not None
    window.review_window.close()
