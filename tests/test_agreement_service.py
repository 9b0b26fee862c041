"""Agreement read from a project: which layers and documents count, and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from unannotate.cli import app
from unannotate.core.errors import UnannotateError
from unannotate.core.model import DocumentStatus, LayerKind
from unannotate.services.agreement import AgreementError, project_agreement
from unannotate.services.agreement_report import report_to_dict
from unannotate.services.decisions import Decider
from unannotate.services.importing import import_paths
from unannotate.services.project import Project, open_project
from unannotate.storage.schema import DocumentRow, SpanRow

FIRST = "Ana Lopez met Ben Okafor in Paris on Monday. Paris is far."
SECOND = "UNICEF opened an office in Geneva. Nothing else happened."
THIRD = "A third document nobody touched."
FOURTH = "Only cy looked at this one."


def _span(text: str, piece: str) -> tuple[int, int]:
    start = text.index(piece)
    return start, start + len(piece)


def _suggest(project: Project, layer: str, suggester: str, doc_id: int, text: str,
             pieces: list[tuple[str, str]]) -> list[int]:
    """Suggestions written as a suggester writes them: a layer of its own, state suggested."""
    with project.db.session() as session:
        layer_id = Project.layer_id(session, layer, LayerKind.SUGGESTIONS, suggester=suggester)
        labels = project.label_ids(session)
        rows = [SpanRow(layer_id=layer_id, document_id=doc_id, start=start, end=end,
                        label_id=labels[label], state="suggested", score=0.9, reason="test")
                for piece, label in pieces for start, end in [_span(text, piece)]]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


@pytest.fixture
def annotated(tmp_path: Path, project_copy) -> tuple[Path, dict[str, int]]:
    """Four documents; ana and ben annotate the first two, cy only marks the fourth; two
    suggestions layers. Returns the project file and the document ids by text."""
    path = tmp_path / "p.db"
    return path, project_copy(_annotate, path)


def _annotate(path: Path) -> dict[str, int]:
    folder = path.parent / "docs"
    folder.mkdir()
    for n, text in enumerate((FIRST, SECOND, THIRD, FOURTH)):
        (folder / f"{n}.txt").write_text(text, encoding="utf-8")
    project = open_project(path)
    import_paths(project, [folder])
    with project.db.read() as session:
        ids = {text: doc_id for doc_id, text in session.execute(
            select(DocumentRow.id, DocumentRow.text))}
    first, second = ids[FIRST], ids[SECOND]
    entities = _suggest(project, "unannotate.entities.rules.v1", "unannotate.entities.rules.v1",
                        first, FIRST, [("Ana Lopez", "PERSON"), ("Paris", "GPE"),
                                       ("Monday", "DATE")])
    _suggest(project, "unannotate.entities.rules.v1", "unannotate.entities.rules.v1",
             ids[THIRD], THIRD, [("third", "ORDINAL")])  # a document no one worked on
    _suggest(project, "unannotate.claims.rules.v1", "unannotate.claims.rules.v1", second,
             SECOND, [("UNICEF opened an office in Geneva.", "CLAIM")])
    ana, ben, cy = (Decider(project, name) for name in ("ana", "ben", "cy"))
    for reviewer, pieces in (
        (ana, [("Ana Lopez", "PERSON"), ("Ben Okafor", "PERSON"), ("Paris", "GPE")]),
        (ben, [("Ana Lopez", "PERSON"), ("Ben", "PERSON"), ("Paris", "LOC")]),
    ):
        for piece, label in pieces:
            reviewer.add(first, *_span(FIRST, piece), label)
    for reviewer in (ana, ben):
        for piece, label in (("UNICEF", "ORG"), ("Geneva", "GPE"),
                             ("UNICEF opened an office in Geneva.", "CLAIM")):
            reviewer.add(second, *_span(SECOND, piece), label)
    ben.reject(entities[2])  # Monday: a rejection is a decision, not an annotation of ben's
    ana.set_status(first, DocumentStatus.DONE)
    ana.set_status(second, DocumentStatus.DONE)
    ben.set_status(first, DocumentStatus.DONE)
    cy.set_status(ids[FOURTH], DocumentStatus.IN_PROGRESS)
    project.close()
    return ids


def test_two_annotators_by_hand(annotated: tuple[Path, dict[str, int]]) -> None:
    path, ids = annotated
    with open_project(path, create=False) as project:
        report = project_agreement(project, ["ana", "ben"])
    # First document: Ana Lopez matches; Ben / Ben Okafor overlap; Paris GPE / LOC differ.
    # Second: all three the same. 4 exact and 5 overlap matches of 6 + 6 spans.
    assert report.annotators == ["ana", "ben"]
    assert report.documents == 2  # the third nobody touched, the fourth only cy
    assert report.exact_f1 == pytest.approx(8 / 12)
    assert report.overlap_f1 == pytest.approx(10 / 12)
    assert report.spans == {"ana": 6, "ben": 6}  # ben's rejection is not counted
    assert report.per_label["CLAIM"].exact_f1 == 1.0
    assert report.claim_kappa == 1.0
    assert report.per_label["PERSON"].overlap_f1 == 1.0
    assert report.per_label["GPE"].annotator_spans == {"ana": 2, "ben": 1}
    first, second = report.per_document
    assert (first.id, first.disagreements, first.spans) == (ids[FIRST], 2, 6)
    assert first.exact_f1 == pytest.approx(2 / 6)
    assert (second.id, second.disagreements, second.exact_f1) == (ids[SECOND], 0, 1.0)
    assert first.title  # as imported, or "document N"


def test_a_third_annotator_brings_the_documents_they_worked_on(
        annotated: tuple[Path, dict[str, int]]) -> None:
    path, ids = annotated
    with open_project(path, create=False) as project:
        report = project_agreement(project, ["ana", "ben", "cy"])
    assert report.documents == 3
    assert {d.id for d in report.per_document} == {ids[FIRST], ids[SECOND], ids[FOURTH]}
    by_pair = {(p.a, p.b): p for p in report.pairs}
    assert by_pair["ana", "cy"].exact_f1 == 0.0 and by_pair["ana", "cy"].token_kappa == 0.0
    assert by_pair["ana", "ben"].exact_f1 == pytest.approx(8 / 12)
    # Pooled: (2 × 4 + 0 + 0) / (12 + 6 + 6).
    assert report.exact_f1 == pytest.approx(8 / 24)


def test_only_documents_everyone_marked_done(annotated: tuple[Path, dict[str, int]]) -> None:
    path, ids = annotated
    with open_project(path, create=False) as project:
        report = project_agreement(project, ["ana", "ben"], only_done=True)
        assert [d.id for d in report.per_document] == [ids[FIRST]]
        assert report.exact_f1 == pytest.approx(2 / 6)
        nobody = project_agreement(project, ["ana", "cy"], only_done=True)
    assert nobody.documents == 0 and nobody.exact_f1 is None


def test_suggestions_compared_as_one_more_annotator(
        annotated: tuple[Path, dict[str, int]]) -> None:
    path, _ = annotated
    with open_project(path, create=False) as project:
        every = project_agreement(project, ["ana"], include_suggestions="suggestions")
        entities = project_agreement(project, ["ana"],
                                     include_suggestions="unannotate.entities.rules.v1")
        claims = project_agreement(project, ["ana", "ben"],
                                   include_suggestions="unannotate.claims.rules.v1")
    assert every.annotators == ["ana", "suggestions"]
    # The documents ana worked on; the third, suggested only, is not compared.
    assert every.documents == 2
    # First: Ana Lopez and Paris of ana's 3 and the 3 suggestions (Monday was rejected by
    # ben, and stays a suggestion). Second: the claim of ana's 3 and the 1 suggestion.
    assert every.spans == {"ana": 6, "suggestions": 4}
    assert every.exact_f1 == pytest.approx(2 * 3 / 10)
    assert entities.annotators == ["ana", "unannotate.entities.rules.v1"]
    assert entities.exact_f1 == pytest.approx(2 * 2 / 9)
    assert [p.b for p in claims.pairs] == ["ben", "unannotate.claims.rules.v1",
                                           "unannotate.claims.rules.v1"]
    assert claims.per_label["CLAIM"].exact_f1 == 1.0


def test_unknown_names_fail_clearly(annotated: tuple[Path, dict[str, int]]) -> None:
    path, _ = annotated
    with open_project(path, create=False) as project:
        with pytest.raises(AgreementError, match=r"'zed'.*ana, ben, cy") as raised:
            project_agreement(project, ["ana", "zed"])
        assert isinstance(raised.value, UnannotateError)
        with pytest.raises(AgreementError, match=r"no suggestions layer 'nope'.*"
                           r"unannotate.entities.rules.v1"):
            project_agreement(project, ["ana"], include_suggestions="nope")
        with pytest.raises(AgreementError, match="at least two"):
            project_agreement(project, ["ana"])
        with pytest.raises(AgreementError, match="ana given twice"):
            project_agreement(project, ["ana", "ana"])


def test_a_project_without_suggestions(tmp_path: Path) -> None:
    with open_project(tmp_path / "empty.db") as project:
        Decider(project, "ana")
        Decider(project, "ben")
        with pytest.raises(AgreementError, match="no suggestions"):
            project_agreement(project, ["ana"], include_suggestions="suggestions")
        report = project_agreement(project, ["ana", "ben"])
    assert report.documents == 0 and report.per_document == []


# -- the command line ---------------------------------------------------------------------------

def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["agreement", *args])


def test_cli_json(annotated: tuple[Path, dict[str, int]]) -> None:
    path, ids = annotated
    result = _run("--project", str(path), "--annotators", "ana,ben", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["annotators"] == ["ana", "ben"] and data["documents"] == 2
    # Exactly the report's JSON form, the one the report files use.
    with open_project(path, create=False) as project:
        report = project_agreement(project, ["ana", "ben"])
    assert data == json.loads(json.dumps(report_to_dict(report)))
    assert str(8 / 12) in result.output and str(ids[FIRST]) in result.output
    # The repeated option and the comma-separated list are the same.
    repeated = _run("--project", str(path), "-a", "ana", "--annotators", "ben,cy", "--json")
    assert json.loads(repeated.output)["annotators"] == ["ana", "ben", "cy"]


def test_cli_human_output(annotated: tuple[Path, dict[str, int]]) -> None:
    path, ids = annotated
    result = _run("--project", str(path), "--annotators", "ana,ben,cy")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "documents compared: 3" in out
    assert "exact F1" in out and "0.333" in out
    assert "per label:" in out and "PERSON" in out
    assert "exact F1 per pair:" in out and "0.667" in out  # more than two: the matrix
    assert f"#{ids[FIRST]} " in out
    two = _run("--project", str(path), "--annotators", "ana,ben", "--only-done")
    assert "documents compared: 1" in two.output and "per pair" not in two.output


def test_cli_suggestions(annotated: tuple[Path, dict[str, int]]) -> None:
    path, _ = annotated
    every = _run("--project", str(path), "-a", "ana", "--suggestions", "--json")
    assert every.exit_code == 0, every.output
    assert json.loads(every.output)["annotators"] == ["ana", "suggestions"]
    one = _run("--project", str(path), "-a", "ana", "--suggestions-layer",
               "unannotate.claims.rules.v1", "--json")
    assert json.loads(one.output)["annotators"] == ["ana", "unannotate.claims.rules.v1"]


def test_cli_errors(annotated: tuple[Path, dict[str, int]]) -> None:
    path, _ = annotated
    unknown = _run("--project", str(path), "--annotators", "ana,zed")
    assert unknown.exit_code == 1
    assert "no annotator 'zed'" in unknown.output and "ana, ben, cy" in unknown.output
    alone = _run("--project", str(path), "--annotators", "ana")
    assert alone.exit_code == 1 and "at least two" in alone.output
    helped = _run("--help")
    assert helped.exit_code == 0
    assert "separated by commas" in " ".join(helped.output.split())
