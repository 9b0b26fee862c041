"""Files the program writes get the user's umask, and the agreement report goes to its file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unannotate.cli import app
from unannotate.formats.atomic import atomic_write, current_umask
from unannotate.services.decisions import Decider
from unannotate.services.importing import import_paths
from unannotate.services.project import open_project

TEXT = "Amina Diallo spoke in Geneva on 3 May about the Sahel."
posix_only = pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")


@pytest.fixture
def umask_022():  # type: ignore[no-untyped-def]
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_a_new_file_follows_the_umask(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "out.jsonl"
    with atomic_write(target) as handle:
        handle.write("{}\n")
    assert _mode(target) == 0o644
    os.umask(0o077)
    private = tmp_path / "private.jsonl"
    with atomic_write(private) as handle:
        handle.write("{}\n")
    assert _mode(private) == 0o600


@posix_only
def test_replacing_a_file_keeps_its_mode(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old")
    os.chmod(target, 0o664)
    with atomic_write(target) as handle:
        handle.write("new")
    assert target.read_text() == "new"
    assert _mode(target) == 0o664


def test_reading_the_umask_leaves_it_as_it_was(umask_022: None) -> None:
    assert current_umask() == 0o022
    assert current_umask() == 0o022


def _two_annotators(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    path = tmp_path / "p.db"
    project = open_project(path)
    import_paths(project, [folder])
    start = TEXT.index("Geneva")
    Decider(project, "ana").add(1, start, start + 6, "GPE")
    Decider(project, "ben").add(1, start, start + 6, "GPE")
    Decider(project, "ben").add(1, 0, 12, "PERSON")
    project.close()
    return path


@posix_only
def test_export_and_agreement_files_are_readable_by_others_under_umask_022(
        tmp_path: Path, umask_022: None) -> None:
    path = _two_annotators(tmp_path)
    runner = CliRunner()
    out = tmp_path / "out.jsonl"
    done = runner.invoke(app, ["export", "-p", str(path), "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert _mode(out) == 0o644
    report = tmp_path / "report.html"
    done = runner.invoke(app, ["agreement", "-p", str(path), "-a", "ana,ben", "-o", str(report)])
    assert done.exit_code == 0, done.output
    assert _mode(report) == 0o644


def test_agreement_to_a_file_says_where_and_does_not_print_the_report(tmp_path: Path) -> None:
    path = _two_annotators(tmp_path)
    report = tmp_path / "report.html"
    done = CliRunner().invoke(app, ["agreement", "-p", str(path), "-a", "ana,ben",
                                    "-o", str(report)])
    assert done.exit_code == 0, done.output
    lines = done.output.strip().splitlines()
    assert len(lines) == 1, done.output
    assert str(report) in lines[0] and "wrote" in lines[0]
    assert "1 documents" in lines[0] and "exact F1 0.667" in lines[0]
    assert "per label" not in done.output
    assert report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # Without -o the report is printed, as before.
    shown = CliRunner().invoke(app, ["agreement", "-p", str(path), "-a", "ana,ben"])
    assert "per label:" in shown.output


def test_agreement_to_an_unwritable_place_is_one_line(tmp_path: Path) -> None:
    path = _two_annotators(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = CliRunner().invoke(app, ["agreement", "-p", str(path), "-a", "ana,ben",
                                    "-o", str(blocker / "report.html")])
    assert done.exit_code == 1
    assert done.exception is None or isinstance(done.exception, SystemExit)
    assert len(done.output.strip().splitlines()) == 1, done.output
    assert "cannot be written" in done.output


@posix_only
def test_a_spacy_export_in_shards_is_a_folder_others_can_read(
        tmp_path: Path, umask_022: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from unannotate.nlp import docbin

    monkeypatch.setattr(docbin, "SHARD_TOKENS", 3)  # a folder of numbered files at once
    path = _two_annotators(tmp_path)
    more = tmp_path / "more"
    more.mkdir()
    for n in range(3):
        (more / f"{n}.txt").write_text(f"Statement number {n} was read in Geneva.")
    with open_project(path) as project:
        import_paths(project, [more])
        for document in (2, 3, 4):
            Decider(project, "ben").add(document, 31, 37, "GPE")
    out = tmp_path / "train.spacy"
    done = CliRunner().invoke(app, ["export", "-p", str(path), "-o", str(out), "-f", "spacy",
                                    "--layer", "ben"])
    assert done.exit_code == 0, done.output
    assert out.is_dir() and _mode(out) == 0o755  # not tempfile's 0700
    shards = sorted(out.iterdir())
    assert shards and all(_mode(shard) == 0o644 for shard in shards)
