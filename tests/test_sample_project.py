"""The sample project in data/ imports cleanly and shows what it is meant to show."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from unannotate.services.importing import import_paths
from unannotate.services.project import Project
from unannotate.storage.schema import DocumentRow

DATA = Path(__file__).resolve().parents[1] / "data"


def test_sample_documents_import_whole(project: Project) -> None:
    report = import_paths(project, [DATA])
    assert not report.rejected, [str(e) for e in report.rejected]
    assert 13 <= report.new <= 17
    with project.db.read() as session:
        rows = session.execute(select(DocumentRow.text, DocumentRow.language, DocumentRow.source)).all()
    texts = [text for text, _, _ in rows]
    assert any(any(ord(ch) > 0xFFFF for ch in t) for t in texts), "a document with emoji"
    assert any("\r\n" in t for t in texts), "a document with CRLF line ends"
    assert any(lang != "en" for _, lang, _ in rows), "a document in another UN language"
    assert any(any("\u0600" <= ch <= "\u06ff" for ch in t) for t in texts), "a right-to-left line"
    assert any("<b>" in t for t in texts), "HTML-looking text kept as characters"
    html = next(t for t, _, source in rows if source.endswith(".html"))
    assert "<script" not in html and "<p>" not in html and "&amp;" not in html


def test_a_sample_document_in_each_language(project: Project) -> None:
    import_paths(project, [DATA])
    with project.db.read() as session:
        languages = set(session.scalars(select(DocumentRow.language)))
    assert {"en", "fr", "es", "ru", "ar", "zh", "kk"} <= languages
