"""The dependency rule of the layers, checked by walking every module's imports."""

from __future__ import annotations

import ast
import functools
import shutil
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "unannotate"

# The libraries that speak SQL: only storage/ may import them.
SQL_LIBRARIES = {"sqlalchemy", "sqlite3", "psycopg", "psycopg2"}

# What the window and the command line reach only through services: the database, the
# suggesters and the libraries under them.
THROUGH_SERVICES = SQL_LIBRARIES | {"spacy", "thinc", "unannotate.storage", "unannotate.nlp"}

# What each layer may import, among the heavy third-party libraries and our own layers.
FORBIDDEN: dict[str, set[str]] = {
    "core": {"PySide6", "shiboken6", "sqlalchemy", "spacy", "thinc",
             "unannotate.storage", "unannotate.nlp", "unannotate.formats",
             "unannotate.services", "unannotate.qt", "unannotate.cli"},
    "formats": {"PySide6", "shiboken6", "sqlalchemy", "spacy",
                "unannotate.storage", "unannotate.nlp", "unannotate.services",
                "unannotate.qt", "unannotate.cli"},
    "storage": {"PySide6", "shiboken6", "spacy", "unannotate.nlp", "unannotate.formats",
                "unannotate.services", "unannotate.qt", "unannotate.cli"},
    # nlp may use the format types: the spaCy DocBin format needs spaCy, so it lives in nlp.
    "nlp": {"PySide6", "shiboken6", "sqlalchemy", "unannotate.storage",
            "unannotate.services", "unannotate.qt", "unannotate.cli"},
    "services": {"PySide6", "shiboken6", "unannotate.qt", "unannotate.cli"},
    "qt": THROUGH_SERVICES | {"unannotate.cli"},
    # The self-test runs a reviewer's first session through the services, as the window does.
    "selftest": THROUGH_SERVICES,
}
# The command line (cli.py and the modules its commands live in) under the same rule.
WITH_CLI: dict[str, set[str]] = {**FORBIDDEN, "cli": THROUGH_SERVICES,
                                 "cli_training": THROUGH_SERVICES}
# Only these may import Qt; only nlp may import spaCy.
QT_ALLOWED = {"qt"}
SPACY_ALLOWED = {"nlp"}

# Modules that reach the database only through storage's repository functions: no SQL
# library, and not the tables themselves. A module (path under the package, or a whole
# folder ending in "/") is switched on by adding it here.
SQL_FREE = ["services/", "qt/", "cli.py", "cli_training.py", "selftest.py"]
# Modules inside SQL_FREE that still run SQL themselves, let off the rule until their
# statements move to storage/: none.
NOT_YET_SQL_FREE: list[str] = []
NO_SQL = SQL_LIBRARIES | {"unannotate.storage.schema"}


def _imports(path: Path, root: Path = PACKAGE) -> set[str]:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return set(_imports_of(path.read_text(encoding="utf-8"), parts[:-1]))


@functools.cache
def _imports_of(source: str, package: tuple[str, ...]) -> frozenset[str]:
    """The modules ``source`` (a module of ``package``) imports; a copy of the package
    parses once."""
    tree = ast.parse(source)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return frozenset(found)


def _matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _sql_free(rel: str, sql_free: list[str], let_off: list[str]) -> bool:
    return rel not in let_off and any(
        rel == entry or (entry.endswith("/") and rel.startswith(entry)) for entry in sql_free)


def violations(root: Path = PACKAGE, sql_free: list[str] = SQL_FREE,
               rules: dict[str, set[str]] = FORBIDDEN,
               let_off: list[str] = NOT_YET_SQL_FREE) -> list[str]:
    """Every import in the package tree at ``root`` that the rules forbid."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        layer = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        imports = _imports(path, root)
        forbidden = set(rules.get(layer, set()))
        if layer not in QT_ALLOWED:
            forbidden |= {"PySide6", "shiboken6"}
        if layer not in SPACY_ALLOWED:
            forbidden |= {"spacy", "thinc"}
        if _sql_free(rel.as_posix(), sql_free, let_off):
            forbidden |= NO_SQL
        for name in imports:
            for prefix in forbidden:
                if _matches(name, prefix):
                    problems.append(f"{rel.as_posix()}: imports {name}")
    return sorted(set(problems))


def test_layers_import_only_downwards() -> None:
    problems = violations()
    assert not problems, "layer rule broken:\n" + "\n".join(problems)


def test_the_command_line_reaches_storage_and_nlp_only_through_services() -> None:
    problems = [p for p in violations(rules=WITH_CLI) if p.startswith("cli")]
    assert not problems, "command line reaches past the services:\n" + "\n".join(problems)


def test_the_sql_free_modules_exist() -> None:
    # A module renamed or moved must not drop out of the rule unnoticed.
    for entry in SQL_FREE + NOT_YET_SQL_FREE:
        assert (PACKAGE / entry).exists(), entry


def test_a_module_let_off_the_sql_rule_still_needs_it() -> None:
    # Once it speaks no SQL it leaves NOT_YET_SQL_FREE, so that it cannot slip back.
    for module in NOT_YET_SQL_FREE:
        found = _imports(PACKAGE / module)
        assert any(_matches(name, prefix) for name in found for prefix in NO_SQL), module


def _copy_of_package(tmp_path: Path) -> Path:
    root = tmp_path / "unannotate"
    # The Python files alone: the walker reads nothing else.
    shutil.copytree(PACKAGE, root, ignore=lambda folder, names: [
        n for n in names if not n.endswith(".py") and not (Path(folder) / n).is_dir()
        or n == "__pycache__"])
    assert not violations(root)  # the copy is as clean as the package
    return root


@pytest.mark.parametrize(("module", "line", "expected"), [
    ("core/model.py", "import sqlalchemy\n", "core/model.py: imports sqlalchemy"),
    ("formats/native.py", "from ..storage import schema\n",
     "formats/native.py: imports unannotate.storage"),
    ("services/stats.py", "import PySide6.QtCore\n", "services/stats.py: imports PySide6"),
    ("storage/bulk.py", "import spacy\n", "storage/bulk.py: imports spacy"),
    ("qt/app.py", "import sqlalchemy\n", "qt/app.py: imports sqlalchemy"),
    ("qt/dialogs.py", "import sqlite3\n", "qt/dialogs.py: imports sqlite3"),
    ("qt/jobs.py", "from ..storage.database import Database\n",
     "qt/jobs.py: imports unannotate.storage"),
    ("qt/review_window.py", "from ..nlp import base\n",
     "qt/review_window.py: imports unannotate.nlp"),
    ("qt/stats_chart.py", "from unannotate.nlp.base import create\n",
     "qt/stats_chart.py: imports unannotate.nlp"),
    ("selftest.py", "from .storage.schema import SpanRow\n",
     "selftest.py: imports unannotate.storage"),
    ("services/colleague_review.py", "from ..storage.schema import SpanRow\n",
     "services/colleague_review.py: imports unannotate.storage.schema"),
    ("services/suggesting.py", "from sqlalchemy import select\n",
     "services/suggesting.py: imports sqlalchemy"),
])
def test_the_rule_catches_a_planted_breach(tmp_path: Path, module: str, line: str,
                                          expected: str) -> None:
    root = _copy_of_package(tmp_path)
    target = root / module
    target.write_text(line + target.read_text(encoding="utf-8"), encoding="utf-8")
    assert any(problem.startswith(expected) for problem in violations(root))


@pytest.mark.parametrize("line", [
    "import sqlalchemy\n", "from sqlalchemy.orm import Session\n", "import sqlite3\n",
    "from ..storage.schema import SpanRow\n", "from ..storage import schema\n",
])
def test_the_sql_rule_catches_a_planted_breach(tmp_path: Path, line: str) -> None:
    root = tmp_path / "unannotate"
    (root / "services").mkdir(parents=True)
    (root / "services" / "__init__.py").write_text("")
    (root / "services" / "planted.py").write_text(
        '"""A module that speaks SQL itself."""\n' + line, encoding="utf-8")
    assert not violations(root, sql_free=[])
    for rule in (["services/planted.py"], ["services/"]):
        found = violations(root, sql_free=rule)
        assert found and found[0].startswith("services/planted.py: imports "), found


@pytest.mark.parametrize(("module", "line", "expected"), [
    ("cli.py", "from .storage.database import set_password_prompt\n",
     "cli.py: imports unannotate.storage"),
    ("cli.py", "from .nlp.base import registered\n", "cli.py: imports unannotate.nlp"),
    ("cli_training.py", "import sqlalchemy\n", "cli_training.py: imports sqlalchemy"),
    ("cli_training.py", "from unannotate.nlp.trained import export_version\n",
     "cli_training.py: imports unannotate.nlp"),
])
def test_the_command_line_rule_catches_a_planted_breach(tmp_path: Path, module: str, line: str,
                                                        expected: str) -> None:
    root = tmp_path / "unannotate"
    root.mkdir()
    (root / "__init__.py").write_text("")
    clean = ('"""A command that calls services only."""\n'
             "from .services.project import open_project\n")
    (root / module).write_text(clean, encoding="utf-8")
    assert not violations(root, rules=WITH_CLI)
    (root / module).write_text(clean + line, encoding="utf-8")
    found = violations(root, rules=WITH_CLI)
    assert found and all(problem.startswith(expected) for problem in found), found
    # Without the command line's rule (and the SQL rule) nothing is caught.
    assert not violations(root, sql_free=[])


MAX_LINES = 700
# Modules let off the length rule, by path under the package: none.
LONG_MODULES: set[str] = set()


def long_modules(root: Path = PACKAGE) -> dict[str, int]:
    """Each module of the package at ``root`` over :data:`MAX_LINES` lines, with its length."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            found[path.relative_to(root).as_posix()] = lines
    return found


def test_no_module_is_over_700_lines() -> None:
    found = long_modules()
    assert set(found) <= LONG_MODULES, f"modules over {MAX_LINES} lines: {found}"


def test_the_length_rule_catches_a_long_module(tmp_path: Path) -> None:
    root = tmp_path / "unannotate"
    (root / "core").mkdir(parents=True)
    (root / "core" / "short.py").write_text("x = 1\n" * MAX_LINES, encoding="utf-8")
    assert long_modules(root) == {}
    (root / "core" / "long.py").write_text("x = 1\n" * (MAX_LINES + 1), encoding="utf-8")
    assert long_modules(root) == {"core/long.py": MAX_LINES + 1}


def test_the_walker_resolves_relative_imports() -> None:
    # The walker sees relative imports, so a broken rule cannot hide behind "from ..".
    names = _imports(PACKAGE / "core" / "model.py")
    assert "unannotate.core.errors" in names
