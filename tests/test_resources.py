"""Resources are found through importlib.resources wherever the package is: inside it (a
wheel, the desktop bundle), else beside it in a checkout; a variable points elsewhere."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from unannotate import resources

SOURCE = Path(resources.__file__)
FIND = ("from unannotate.resources import resource, sample_dir; "
        "print(resource('labels.json')); print(sample_dir())")


def _package(root: Path) -> Path:
    """A minimal ``unannotate`` package under ``root``: its resources module alone."""
    package = root / "unannotate"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    shutil.copy(SOURCE, package / "resources.py")
    return package


def _find(path_entry: Path, **env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("UNANNOTATE_RESOURCES", "UNANNOTATE_SAMPLES")}
    done = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, "
                           f"{str(path_entry)!r}); {FIND}"], capture_output=True, text=True,
                          env={**clean, **env}, check=True)
    return done.stdout.splitlines()


def test_inside_the_package_as_a_wheel_and_the_bundle_carry_them(tmp_path: Path) -> None:
    package = _package(tmp_path / "site-packages")
    (package / "_resources").mkdir()
    (package / "_resources" / "labels.json").write_text("[]", encoding="utf-8")
    (package / "_samples").mkdir()
    found, samples = _find(tmp_path / "site-packages")
    assert Path(found) == package / "_resources" / "labels.json"
    assert Path(samples) == package / "_samples"


def test_beside_the_package_in_a_checkout(tmp_path: Path) -> None:
    _package(tmp_path / "repo" / "src")
    (tmp_path / "repo" / "resources").mkdir()
    (tmp_path / "repo" / "resources" / "labels.json").write_text("[]", encoding="utf-8")
    found, samples = _find(tmp_path / "repo" / "src")
    assert Path(found) == tmp_path / "repo" / "resources" / "labels.json"
    assert Path(samples) == tmp_path / "repo" / "data"


def test_a_variable_points_elsewhere_and_a_missing_one_is_named(tmp_path: Path) -> None:
    package = _package(tmp_path / "site-packages")
    (package / "_resources").mkdir()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "labels.json").write_text("[]", encoding="utf-8")
    found, samples = _find(tmp_path / "site-packages", UNANNOTATE_RESOURCES=str(tmp_path / "mine"),
                           UNANNOTATE_SAMPLES=str(tmp_path / "docs"))
    assert (Path(found), Path(samples)) == (tmp_path / "mine" / "labels.json", tmp_path / "docs")
    with pytest.raises(subprocess.CalledProcessError) as failed:
        _find(tmp_path / "site-packages")
    assert "missing resource labels.json" in failed.value.stderr


def test_this_checkout_has_the_resources_the_program_reads() -> None:
    assert json.loads(resources.resource("labels.json").read_text(encoding="utf-8"))
    assert resources.resource("templates", "agreement_report.html").is_file()
