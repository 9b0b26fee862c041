"""The dependency rule of the layers, checked by walking every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "unannotate"

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


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
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
    return found


def _matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_layers_import_only_downwards() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        layer = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        imports = _imports(path)
        forbidden = set(FORBIDDEN.get(layer, set()))
        if layer not in QT_ALLOWED:
            forbidden |= {"PySide6", "shiboken6"}
        if layer not in SPACY_ALLOWED:
            forbidden |= {"spacy", "thinc"}
        for name in imports:
            for prefix in forbidden:
                if _matches(name, prefix):
                    problems.append(f"{rel}: imports {name}")
    assert not problems, "layer rule broken:\n" + "\n".join(sorted(set(problems)))


def test_the_rule_catches_a_violation(tmp_path: Path) -> None:
    # The walker sees relative imports, so a broken rule cannot hide behind "from ..".
    fake = PACKAGE / "core" / "model.py"
    names = _imports(fake)
    assert "unannotate.core.errors" in names
