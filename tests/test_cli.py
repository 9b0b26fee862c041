"""The command line as a user runs it: real files, run in this process through typer's
CliRunner (tests/command_line.py); the installed program and ``python -m unannotate`` as real
processes in the smoke tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from command_line import program, run

import unannotate


def test_version_help_and_module() -> None:
    assert program("--version").stdout.strip() == f"unannotate {unannotate.__version__}"
    assert program("--version", module=True).stdout.strip() == (
        f"unannotate {unannotate.__version__}")
    assert run("--version").stdout.strip() == f"unannotate {unannotate.__version__}"
    helped = run("--help")
    assert helped.returncode == 0
    for command in ("import", "stats", "export"):
        assert command in helped.stdout


def test_import_stats_export(tmp_path: Path) -> None:
    project = tmp_path / "p.db"
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "a.txt").write_text("First document.\r\nWith CRLF 🌍.", encoding="utf-8", newline="")
    (docs / "sub" / "b.md").write_text("# Heading\n\n- item", encoding="utf-8")
    (docs / "c.jsonl").write_text('{"text": "Third.", "meta": {"source": "x"}}\n', encoding="utf-8")
    (docs / "d.txt").write_bytes(b"")
    result = run("import", str(docs), "--project", str(project))
    assert result.returncode == 0, result.stderr
    assert "3 new, 0 duplicates, 1 rejected" in result.stdout
    assert "d.txt" in result.stderr and "empty" in result.stderr

    again = run("import", str(docs), "--project", str(project))
    assert "0 new, 3 duplicates" in again.stdout

    stats = run("stats", "--project", str(project), "--json")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout.strip().splitlines()[-1])["documents"] == 3

    out = tmp_path / "out.jsonl"
    exported = run("export", "--format", "jsonl", "-o", str(out), "--project", str(project))
    assert exported.returncode == 0, exported.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_text = {r["text"]: r for r in records}
    assert set(by_text) == {"First document.\r\nWith CRLF 🌍.", "# Heading\n\n- item", "Third."}
    assert by_text["Third."]["meta"] == {"source": "x"}


def test_project_from_environment(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Hello.", encoding="utf-8")
    env = {"UNANNOTATE_PROJECT": str(tmp_path / "env.db")}
    assert run("import", str(tmp_path / "a.txt"), env=env).returncode == 0
    assert (tmp_path / "env.db").exists()
    stats = run("stats", "--json", env=env)
    assert json.loads(stats.stdout)["documents"] == 1


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad.jsonl", b'{"text": "ok"}\n{oops\n', "bad.jsonl:2:"),
        ("notext.jsonl", b'{"meta": {}}\n', "notext.jsonl:1:"),
        ("latin.txt", "café".encode("latin-1"), "UTF-8"),
        ("bin.txt", b"\x00\x01\x02\x03binary", "binary"),
        ("empty.txt", b"", "empty"),
        ("scan.pdf", b"%PDF-1.4\n%broken", "pdf"),
    ],
)
def test_bad_input_gets_one_clear_line_and_a_failing_status(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = run("import", str(path), "--project", str(tmp_path / "p.db"))
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert name in lines[0] and reason.lower() in lines[0].lower()
    assert "Traceback" not in result.stderr


def test_missing_path_and_missing_project(tmp_path: Path) -> None:
    result = run("import", str(tmp_path / "nope.txt"), "--project", str(tmp_path / "p.db"))
    assert result.returncode != 0 and "no such file" in result.stderr
    stats = run("stats", "--project", str(tmp_path / "absent.db"))
    assert stats.returncode != 0 and "no such project" in stats.stderr
    assert "Traceback" not in stats.stderr


def test_not_a_project_file(tmp_path: Path) -> None:
    bogus = tmp_path / "x.db"
    bogus.write_text("plain text")
    result = run("stats", "--project", str(bogus))
    assert result.returncode != 0 and "not a project file" in result.stderr


@pytest.mark.slow
def test_the_installed_program_imports_counts_exports_and_refuses_in_one_line(
        tmp_path: Path) -> None:
    """A smoke test of the real process: its entry point, its exit status, and its logging
    (a damaged PDF makes pypdf log warnings, which must not add lines to the one error)."""
    project = tmp_path / "p.db"
    (tmp_path / "a.txt").write_text("Kenya pledged $5 million.", encoding="utf-8")
    imported = program("import", str(tmp_path / "a.txt"), "--project", str(project))
    assert imported.returncode == 0, imported.stderr
    assert "1 new, 0 duplicates" in imported.stdout
    stats = program("stats", "--json", env={"UNANNOTATE_PROJECT": str(project)})
    assert json.loads(stats.stdout)["documents"] == 1
    out = tmp_path / "out.jsonl"
    exported = program("export", "--format", "jsonl", "-o", str(out), "--project", str(project),
                       module=True)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["text"] == "Kenya pledged $5 million."
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4\n%broken")
    refused = program("import", str(tmp_path / "scan.pdf"), "--project", str(project))
    assert refused.returncode == 1
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "scan.pdf" in lines[0], refused.stderr
