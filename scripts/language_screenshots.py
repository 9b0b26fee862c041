"""Take the window's screenshots of the sample documents in other languages than English for
docs/screenshots/ (offscreen; no display needed).

    .venv/bin/python scripts/language_screenshots.py [OUT_DIR]

Builds a temporary project from the samples in French, Spanish, Russian, Arabic, Chinese and
Kazakh, runs the built-in suggesters, and saves one screenshot of each (``sample-LANG.png``),
the suggestions pending.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
# The sample of each language: the end of its file name.
SAMPLES = {"fr": "_fr.txt", "es": "_es.txt", "ru": "_ru.txt", "ar": "_ar.txt", "zh": "_zh.txt",
           "kk": "_kk.txt"}


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="unannotate-shots-"))
    os.environ["UNANNOTATE_SETTINGS"] = str(tmp / "settings.json")

    from sqlalchemy import select

    from unannotate.qt.app import application, open_window
    from unannotate.services.importing import import_paths
    from unannotate.services.project import open_project
    from unannotate.services.suggesting import build_suggesters, run_suggester
    from unannotate.storage.schema import DocumentRow

    project = open_project(tmp / "shots.db")
    files = {language: next((REPO / "data").glob(f"*{suffix}"))
             for language, suffix in SAMPLES.items()}
    import_paths(project, list(files.values()))
    for suggester in build_suggesters():
        run_suggester(project, suggester)
    with project.db.read() as session:
        by_source = {source: (doc_id, language) for doc_id, source, language in session.execute(
            select(DocumentRow.id, DocumentRow.source, DocumentRow.language))}

    app = application()
    window = open_window(project, "Ana Reviewer", auto_suggest=False)
    assert window is not None
    window.resize(1500, 900)
    for language, path in files.items():
        doc_id, stored = next(v for source, v in by_source.items() if source.endswith(path.name))
        assert stored == language, f"{path.name} was stored as {stored!r}"
        window.open_document(doc_id)
        app.processEvents()
        name = out / f"sample-{language}.png"
        window.grab().save(str(name))
        print(name)
    window.close()


if __name__ == "__main__":
    main()
