"""``unannotate --self-test``: every step passes on a sound install, a broken one exits 1, and
the person's settings and folders are left alone."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from command_line import PROGRAM, run

STEPS = ["project", "import", "suggest", "pipeline", "decide", "undo", "export jsonl",
         "export spacy", "window"]


def _self_test(tmp_path: Path, in_process: bool = False,
               **env: str) -> subprocess.CompletedProcess[str]:
    """``unannotate --self-test`` with a home of its own and none of the program's variables
    but ``env``; a real process unless ``in_process`` (CliRunner)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    if in_process:
        cleared: dict[str, str | None] = {key: None for key in os.environ
                                          if key.startswith(("UNANNOTATE_", "XDG_"))}
        return run("--self-test", env={**cleared, "HOME": str(home),
                                       "QT_QPA_PLATFORM": "offscreen", **env}, cwd=tmp_path)
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("UNANNOTATE_", "XDG_"))}
    environment.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", **env)
    return subprocess.run([str(PROGRAM), "--self-test"], check=False, capture_output=True,
                          text=True, env=environment, cwd=tmp_path, timeout=300)


def _steps(output: str) -> dict[str, str]:
    """Step name -> its line's verdict (``ok``, ``FAIL``, ``skip``)."""
    found = {}
    for line in output.splitlines():
        verdict, _, rest = line.partition(" ")
        name = rest.strip().split(":")[0]
        found[name] = verdict
    return found


def test_every_step_passes_and_nothing_of_the_person_is_touched(tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text('{"annotator": "ana", "recent_projects": ["/data/mine.db"]}')
    done = _self_test(tmp_path, UNANNOTATE_SETTINGS=str(settings))
    assert done.returncode == 0, done.stdout + done.stderr
    steps = _steps(done.stdout)
    assert list(steps) == STEPS, done.stdout
    assert all(verdict == "ok" for name, verdict in steps.items() if name != "pipeline")
    assert steps["pipeline"] in ("ok", "skip")
    assert "import: 15 documents" in done.stdout
    assert settings.read_text() == '{"annotator": "ana", "recent_projects": ["/data/mine.db"]}'
    assert not [p for p in (tmp_path / "home").rglob("*") if "unannotate" in p.name]


def test_a_failed_step_exits_1_and_says_which(tmp_path: Path) -> None:
    empty = tmp_path / "no-samples"
    empty.mkdir()
    done = _self_test(tmp_path, in_process=True, UNANNOTATE_SAMPLES=str(empty),
                      UNANNOTATE_SETTINGS=str(tmp_path / "settings.json"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"FAIL import: no documents in {empty}" in done.stdout
    steps = _steps(done.stdout)
    assert list(steps) == STEPS
    assert steps["project"] == "ok"
    assert {steps[name] for name in STEPS[2:]} == {"skip"}
    assert not (tmp_path / "settings.json").exists()


def test_missing_resources_fail_the_first_step(tmp_path: Path) -> None:
    """What a desktop bundle that left out the resources would show."""
    done = _self_test(tmp_path, UNANNOTATE_RESOURCES=str(tmp_path / "not-there"))
    assert done.returncode == 1, done.stdout
    assert done.stdout.startswith("FAIL project: FileNotFoundError: missing resource "
                                  "labels.json"), done.stdout
    assert list(_steps(done.stdout).values()) == ["FAIL"] + ["skip"] * (len(STEPS) - 1)
