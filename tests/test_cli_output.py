"""The command line's tables (rich, plain text when not a terminal) and its place in the
layers: the command modules reach the database and spaCy only through the services."""

from __future__ import annotations

import ast
import io
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unannotate.cli import app
from unannotate.cli_output import counted, names, rows, show, table

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "unannotate"
NOT_FOR_THE_CLI = ("unannotate.storage", "unannotate.nlp", "sqlalchemy", "sqlite3", "spacy")


def test_a_table_is_plain_text_with_the_project_strings_as_written(
        capsys: pytest.CaptureFixture[str]) -> None:
    show(rows(table("label", ">spans", title="per label:"),
              [["[bold]PERSON[/bold]", 7], [":smile: <b>", 12345]]))
    out = capsys.readouterr().out
    assert "\x1b" not in out  # no colour or style codes in a pipe
    lines = out.splitlines()
    assert lines[0] == "per label:"
    assert "[bold]PERSON[/bold]" in out and ":smile: <b>" in out  # never read as markup
    assert all(line == line.rstrip() for line in lines)
    person, other = (line for line in lines if "PERSON" in line or "smile" in line)
    assert person.split() == ["[bold]PERSON[/bold]", "7"]
    assert person.index("7") == other.index("12345") + 4  # numbers right-aligned


def test_lines_are_ascii_where_the_output_has_no_box_characters(
        monkeypatch: pytest.MonkeyPatch) -> None:
    written = io.BytesIO()
    out = io.TextIOWrapper(written, encoding="cp1252", write_through=True)  # a Windows pipe
    monkeypatch.setattr(sys, "stdout", out)
    show(rows(table("label", ">spans"), [["GPE", 3]]))
    text = written.getvalue().decode("cp1252")
    assert text.isascii() and "GPE" in text and "-----" in text


def test_a_long_cell_is_not_cut_to_a_terminal_width(capsys: pytest.CaptureFixture[str]) -> None:
    title = "A document title of some length " * 8
    show(rows(table("document"), [[title.strip()]]))
    assert title.strip() in capsys.readouterr().out


def test_summary_counts_and_option_names(capsys: pytest.CaptureFixture[str]) -> None:
    counted((3, "documents left out"), (0, "never shown"), (1, "span dropped"))
    assert capsys.readouterr().out == "  3 documents left out\n  1 span dropped\n"
    assert names(["ana, ben", "cy", " ,"]) == ["ana", "ben", "cy"] and names(None) == []


def test_models_lists_pipelines_and_suggesters(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["models", "--project", str(tmp_path / "absent.db")])
    assert result.exit_code == 0, result.output
    suggesters = next(line for line in result.output.splitlines()
                      if line.startswith("suggesters: "))
    for name in ("unannotate.entities.rules.v1", "unannotate.claims.rules.v1",
                 "unannotate.entities.trained.v1", "unannotate.claims.trained.v1"):
        assert name in suggesters
    assert "trained versions: none (no project)" in result.output


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = ("unannotate." if node.level else "") + (node.module or "")
            found.add(module.rstrip("."))
            found.update(f"{module}.{alias.name}".replace("..", ".") for alias in node.names)
    return found


def _breaches(path: Path) -> list[str]:
    return sorted(name for name in _imports(path)
                  if any(name == banned or name.startswith(banned + ".")
                         for banned in NOT_FOR_THE_CLI))


def test_the_command_line_reaches_storage_and_nlp_only_through_services() -> None:
    modules = sorted(PACKAGE.glob("cli*.py"))
    assert len(modules) >= 5
    assert {path.name: _breaches(path) for path in modules} == {
        path.name: [] for path in modules}
    assert all(len(path.read_text(encoding="utf-8").splitlines()) < 700 for path in modules)


@pytest.mark.parametrize("line", ["from .storage.database import set_password_prompt",
                                  "from .nlp.base import registered", "import sqlalchemy",
                                  "from . import nlp"])
def test_a_planted_breach_is_caught(tmp_path: Path, line: str) -> None:
    planted = tmp_path / "cli_planted.py"
    planted.write_text((PACKAGE / "cli.py").read_text(encoding="utf-8")
                       + f"\n\ndef later() -> None:\n    {line}\n", encoding="utf-8")
    assert _breaches(planted)
