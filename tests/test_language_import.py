"""The language stored with each imported document: guessed, taken from the record, or given
with ``unannotate import --language``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from unannotate.cli import app
from unannotate.core.language import LANGUAGES
from unannotate.services.importing import import_paths
from unannotate.services.project import Project, open_project
from unannotate.storage.schema import DocumentRow

DATA = Path(__file__).resolve().parent / "data" / "language_paragraphs.jsonl"
PARAGRAPHS = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]


def _stored(project: Project) -> list[tuple[str, str]]:
    with project.db.read() as session:
        rows = session.execute(select(DocumentRow.text, DocumentRow.language)
                               .order_by(DocumentRow.id))
        return [(text, code) for text, code in rows]


def test_a_file_in_seven_languages_gets_each_documents_own(project: Project,
                                                            tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    path.write_text("".join(json.dumps({"text": p["text"]}, ensure_ascii=False) + "\n"
                            for p in PARAGRAPHS), encoding="utf-8")
    report = import_paths(project, [path])
    assert report.new == len(PARAGRAPHS)
    assert _stored(project) == [(p["text"], p["language"]) for p in PARAGRAPHS]


def test_a_folder_of_files_in_seven_languages(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "statements"
    folder.mkdir()
    one_each = PARAGRAPHS[::6]
    for number, paragraph in enumerate(one_each):
        (folder / f"{number:02}.txt").write_text(paragraph["text"], encoding="utf-8")
    import_paths(project, [folder])
    assert [code for _, code in _stored(project)] == [p["language"] for p in one_each]
    assert set(LANGUAGES) == {p["language"] for p in one_each}


def test_guesses_go_to_their_own_documents_among_named_and_duplicate_ones(
        project: Project, tmp_path: Path) -> None:
    kazakh = next(p["text"] for p in PARAGRAPHS if p["language"] == "kk")
    chinese = next(p["text"] for p in PARAGRAPHS if p["language"] == "zh")
    french = next(p["text"] for p in PARAGRAPHS if p["language"] == "fr")
    records = [
        {"text": french, "meta": {"language": "es", "n": 1}},  # the record's word wins
        {"text": kazakh},
        {"text": kazakh},  # a duplicate: not stored again
        {"text": chinese, "lang": "zh-Hans"},
        {"text": french + " "},
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    report = import_paths(project, [path])
    assert (report.new, report.duplicates) == (4, 1)
    assert [code for _, code in _stored(project)] == ["es", "kk", "zh-Hans", "fr"]
    with project.db.read() as session:
        meta, created = session.execute(
            select(DocumentRow.meta, DocumentRow.created_at).order_by(DocumentRow.id)).first()
    assert meta == {"language": "es", "n": 1}
    assert isinstance(created, datetime)


def test_the_language_given_on_import_wins_over_the_guess(project: Project,
                                                          tmp_path: Path) -> None:
    english = next(p["text"] for p in PARAGRAPHS if p["language"] == "en")
    (tmp_path / "a.txt").write_text(english, encoding="utf-8")
    import_paths(project, [tmp_path / "a.txt"], language="kk")
    assert _stored(project)[0][1] == "kk"


@pytest.mark.parametrize("code", [*LANGUAGES, "sw", "zh-Hans"])
def test_import_command_language_option(code: str, tmp_path: Path) -> None:
    # "sw": a language the program has no rules for is stored as given.
    (tmp_path / "statement.txt").write_text("The Council met on Thursday.", encoding="utf-8")
    location = str(tmp_path / "p.db")
    done = CliRunner().invoke(app, ["import", str(tmp_path / "statement.txt"),
                                    "--language", code, "--project", location])
    assert done.exit_code == 0, done.output
    assert "1 new" in done.output
    shown = CliRunner().invoke(app, ["stats", "--project", location])
    assert f"{code} 1" in shown.output
    with open_project(location) as project:
        assert _stored(project) == [("The Council met on Thursday.", code)]


@pytest.mark.parametrize("bad", ["Français du Québec", "k", "12", "en gb", "kk;drop"])
def test_import_command_refuses_what_is_not_a_language_code(bad: str, tmp_path: Path) -> None:
    (tmp_path / "statement.txt").write_text("The Council met on Thursday.", encoding="utf-8")
    location = tmp_path / "p.db"
    done = CliRunner().invoke(app, ["import", str(tmp_path / "statement.txt"),
                                    "--language", bad, "--project", str(location)])
    assert done.exit_code == 2
    assert "is not a language code" in done.output
    assert not location.exists()
