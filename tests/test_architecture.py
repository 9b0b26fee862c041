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
}
# Only these may import Qt; only nlp may import spaCy.
QT_ALLOWED = {"qt"}
SPACY_ALLOWED = {"nlp"}

# Modules that reach the database only through storage's repository functions: no SQL
# library, and not the tables themselves. A module (path under the package, or a whole
# folder ending in "/") is switched on by adding it here.
SQL_FREE = [
    "services/agreement.py",
    "services/consistency.py",
    "services/document_language.py",
    "services/exporting.py",
    "services/find.py",
    "services/import_status.py",
    "services/importing.py",
    "services/interchange.py",
    "services/label_all.py",
    "services/labels.py",
    "services/merge.py",
    "services/merge_lineage.py",
    "services/preferences.py",
    "services/project.py",
    "services/stats.py",
]
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


def _sql_free(rel: str, sql_free: list[str]) -> bool:
    return any(rel == entry or (entry.endswith("/") and rel.startswith(entry))
               for entry in sql_free)


def violations(root: Path = PACKAGE, sql_free: list[str] = SQL_FREE) -> list[str]:
    """Every import in the package tree at ``root`` that the rules forbid."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        layer = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        imports = _imports(path, root)
        forbidden = set(FORBIDDEN.get(layer, set()))
        if layer not in QT_ALLOWED:
            forbidden |= {"PySide6", "shiboken6"}
        if layer not in SPACY_ALLOWED:
            forbidden |= {"spacy", "thinc"}
        if _sql_free(rel.as_posix(), sql_free):
            forbidden |= NO_SQL
        for name in imports:
            for prefix in forbidden:
                if _matches(name, prefix):
                    problems.append(f"{rel.as_posix()}: imports {name}")
    return sorted(set(problems))


def test_layers_import_only_downwards() -> None:
    problems = violations()
    assert not problems, "layer rule broken:\n" + "\n".join(problems)


def test_the_sql_free_modules_exist() -> None:
    # A module renamed or moved must not drop out of the rule unnoticed.
    for entry in SQL_FREE:
        assert (PACKAGE / entry).exists(), entry


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


def test_the_walker_resolves_relative_imports() -> None:
    # The walker sees relative imports, so a broken rule cannot hide behind "from ..".
    names = _imports(PACKAGE / "core" / "model.py")
    assert "unannotate.core.errors" in names
