from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from unannotate.services.importing import import_paths
from unannotate.services.project import Project
from unannotate.storage.schema import DocumentRow, EventRow


def _documents(project: Project) -> list[tuple[str, str]]:
    with project.db.read() as session:
        return list(session.execute(select(DocumentRow.text, DocumentRow.language).order_by(DocumentRow.id)).all())


def test_exact_text_is_stored(project: Project, tmp_path: Path) -> None:
    raw = "Title\r\nLine two\rthree\tfour 🇺🇳 e\u0301\u200b  \n"
    (tmp_path / "a.txt").write_bytes(raw.encode("utf-8"))
    report = import_paths(project, [tmp_path / "a.txt"])
    assert report.new == 1 and not report.rejected
    assert _documents(project)[0][0] == raw


def test_duplicates_by_text_are_not_stored_twice(project: Project, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Same text.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Same text.", encoding="utf-8")
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"text": "Same text."}) + "\n" + json.dumps({"text": "Other."}) + "\n"
        + json.dumps({"text": "Other."}) + "\n",
        encoding="utf-8",
    )
    report = import_paths(project, [tmp_path])
    assert (report.new, report.duplicates) == (2, 3)
    again = import_paths(project, [tmp_path])
    assert (again.new, again.duplicates) == (0, 5)
    assert len(_documents(project)) == 2


def test_a_bad_jsonl_line_rejects_the_whole_file(project: Project, tmp_path: Path) -> None:
    lines = [json.dumps({"text": f"doc {i}"}) for i in range(1200)]
    lines[1100] = "{not json"
    (tmp_path / "big.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "good.txt").write_text("A good one.", encoding="utf-8")
    report = import_paths(project, [tmp_path])
    assert report.new == 1  # only good.txt: nothing of big.jsonl, though 1,000 lines were fine
    assert len(report.rejected) == 1
    assert str(report.rejected[0]).startswith(f"{tmp_path / 'big.jsonl'}:1101: ")
    assert [t for t, _ in _documents(project)] == ["A good one."]


def test_skip_invalid_passes_over_bad_records_and_counts_them(project: Project,
                                                              tmp_path: Path) -> None:
    content = '{"text": "one"}\n{"meta": {}}\n[1, 2]\n{"text": "two"}\n'
    (tmp_path / "a.jsonl").write_text(content, encoding="utf-8")
    report = import_paths(project, [tmp_path / "a.jsonl"], skip_invalid=True)
    assert report.new == 2
    assert [e.line for e in report.skipped] == [2, 3]


def test_bad_files_are_rejected_with_reasons(project: Project, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    report = import_paths(project, [tmp_path, tmp_path / "missing.txt"])
    assert report.new == 0
    reasons = {Path(e.path).name: e.reason for e in report.rejected}
    assert set(reasons) == {"empty.txt", "latin1.txt", "binary.txt", "missing.txt"}
    assert "empty" in reasons["empty.txt"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "no such file" in reasons["missing.txt"]
    assert _documents(project) == []


def test_language_is_guessed_or_given(project: Project, tmp_path: Path) -> None:
    (tmp_path / "fr.txt").write_text(
        "Le Conseil de sécurité a adopté la résolution et les membres sont dans la salle.",
        encoding="utf-8",
    )
    (tmp_path / "en.txt").write_text("The Council adopted the resolution in the hall.",
                                     encoding="utf-8")
    import_paths(project, [tmp_path / "fr.txt", tmp_path / "en.txt"])
    assert [lang for _, lang in _documents(project)] == ["fr", "en"]
    (tmp_path / "x.txt").write_text("Texto.", encoding="utf-8")
    import_paths(project, [tmp_path / "x.txt"], language="es")
    assert _documents(project)[-1][1] == "es"


def test_each_imported_file_is_recorded_as_an_event(project: Project, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Text.", encoding="utf-8")
    import_paths(project, [tmp_path / "a.txt"], annotator="ana")
    with project.db.read() as session:
        assert session.scalar(select(func.count()).select_from(EventRow).where(EventRow.kind == "import")) == 1
