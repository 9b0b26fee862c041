"""The consistency report on a small hand-written project: the same text labelled differently,
labelled here and missing there, case and whitespace folded, claims left out, colleagues'
layers only read; the command line's table, JSON and bad input."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from command_line import run
from consistency_project import D1, D2, D3, TEXTS, at, build
from sqlalchemy import func, select

from unannotate.services.consistency import (
    ConsistencyError,
    ConsistencyReport,
    Finding,
    FindingKind,
    Scope,
    consistency_report,
    form_pattern,
    in_context,
    surface_key,
)
from unannotate.services.project import open_project
from unannotate.storage.schema import EventRow, SpanRow

Built = tuple[Path, dict[str, int]]  # the project file, the document ids by name


@pytest.fixture
def built(tmp_path: Path, project_copy: Callable[..., dict[str, int]]) -> Built:
    path = tmp_path / "consistency.db"
    return path, project_copy(build, path)


def _by(report: ConsistencyReport, kind: FindingKind, key: str) -> Finding:
    found = [f for f in report.findings if f.kind is kind and f.key == key]
    assert len(found) == 1, [(f.kind, f.key) for f in report.findings]
    return found[0]


def _places(finding: Finding) -> list[tuple[int, int, int, str, str | None]]:
    return [(p.document_id, p.start, p.end, p.annotator, p.label) for p in finding.places]


def test_same_text_with_different_labels_across_annotators(built: Built) -> None:
    path, ids = built
    with open_project(path, create=False, read_only=True) as project:
        report = consistency_report(project)
    assert report.annotators == ["ana", "ben"]
    mopti = _by(report, FindingKind.DIFFERENT_LABEL, "mopti")
    assert mopti.labels == {"GPE": 2, "ORG": 1}
    assert mopti.majority_label == "GPE"
    assert mopti.annotators == {"ana": {"GPE": 2}, "ben": {"ORG": 1}}
    assert (mopti.labelled, mopti.labelled_documents) == (3, 2)
    assert mopti.label_documents == {"GPE": 2, "ORG": 1}
    # The place a fix changes: ben's ORG, where the majority says GPE.
    assert _places(mopti) == [(ids["d1"], 0, 5, "ben", "ORG")]
    # Only one label: no "different label" finding for the Delta Fund or Saint Brides.
    assert {f.key for f in report.findings if f.kind is FindingKind.DIFFERENT_LABEL} == {"mopti"}


def test_labelled_here_missing_there_in_the_documents_worked_on(built: Built) -> None:
    path, ids = built
    with open_project(path, create=False, read_only=True) as project:
        report = consistency_report(project)
    fund = _by(report, FindingKind.MISSING, "delta fund")
    assert (fund.text, fund.majority_label, fund.labels) == ("Delta Fund", "ORG", {"ORG": 2})
    # Labelled in one document; unlabelled in ana's two others (case and whitespace folded,
    # "Deltafund" is another word); D4 nobody worked on, D2 and D3 are not ben's.
    assert (fund.labelled_documents, fund.unlabelled, fund.unlabelled_documents) == (1, 3, 2)
    assert _places(fund) == [(ids["d2"], *at(D2, "delta   fund"), "ana", None),
                             (ids["d3"], *at(D3, "DELTA FUND"), "ana", None),
                             (ids["d3"], *at(D3, "DELTA FUND", 1), "ana", None)]
    assert fund.impact == 3
    # Saint Brides: ana's label in D1 and ben's "SAINT  BRIDES" in D5 are one form; ben left
    # it unlabelled in D1, which he worked on.
    saint = _by(report, FindingKind.MISSING, "saint brides")
    assert saint.annotators == {"ana": {"GPE": 1}, "ben": {"GPE": 1}}
    assert _places(saint) == [(ids["d1"], *at(D1, "Saint Brides"), "ben", None)]
    # Most places to fix first.
    assert [f.impact for f in report.findings] == sorted(
        (f.impact for f in report.findings), reverse=True)
    assert report.findings[0] is fund
    assert report.documents == 4  # d1, d2, d3 (ana), d5 (ben); never d4


def test_places_are_offsets_into_the_exact_text(built: Built) -> None:
    path, ids = built
    texts = {ids[name]: text for name, text in TEXTS.items()}
    with open_project(path, create=False, read_only=True) as project:
        report = consistency_report(project, scope=Scope.ALL)
    assert report.findings
    for finding in report.findings:
        for place in finding.places:
            piece = texts[place.document_id][place.start:place.end]
            assert surface_key(piece) == finding.key
            assert report.titles[place.document_id]


def test_every_document_when_asked(built: Built) -> None:
    path, ids = built
    with open_project(path, create=False, read_only=True) as project:
        report = consistency_report(project, scope=Scope.ALL)
    fund = _by(report, FindingKind.MISSING, "delta fund")
    # Now D4 for both, and D2, D3 for ben too.
    assert {(p.document_id, p.annotator) for p in fund.places} == {
        (ids["d2"], "ana"), (ids["d3"], "ana"), (ids["d4"], "ana"),
        (ids["d2"], "ben"), (ids["d3"], "ben"), (ids["d4"], "ben")}
    assert fund.unlabelled == 8 and fund.unlabelled_documents == 3
    assert report.documents == 5


def test_claims_are_no_surface_forms_unless_asked(built: Built) -> None:
    path, _ = built
    with open_project(path, create=False, read_only=True) as project:
        plain = consistency_report(project)
        with_claims = consistency_report(project, include_claims=True)
    assert all("CLAIM" not in f.labels for f in plain.findings)
    assert plain.forms == 3  # mopti, saint brides, delta fund
    # A claim span over "DELTA FUND" does not make it labelled there: the places stay.
    assert _by(plain, FindingKind.MISSING, "delta fund").unlabelled == 3
    assert with_claims.forms == 4
    # Asked for, the claim covers its sentence: the first DELTA FUND of D3 is inside it.
    assert _by(with_claims, FindingKind.MISSING, "delta fund").unlabelled == 2


def test_one_layer_and_the_minimum_count(built: Built) -> None:
    path, _ = built
    with open_project(path, create=False, read_only=True) as project:
        ben = consistency_report(project, layer="ben")
        also_ben = consistency_report(project, layer="annotator:ben")
        frequent = consistency_report(project, min_count=3)
        with pytest.raises(ConsistencyError, match="the layers there are: ana, ben"):
            consistency_report(project, layer="zed")
        with pytest.raises(ConsistencyError, match="1 or more"):
            consistency_report(project, min_count=0)
    assert ben.annotators == ["ben"] == also_ben.annotators
    assert [(f.kind, f.key, f.impact) for f in ben.findings] == [
        (FindingKind.MISSING, "saint brides", 1)]
    assert frequent.forms == 1
    assert {f.key for f in frequent.findings} == {"mopti"}


def test_a_document_holding_only_a_claim_of_the_layer_was_worked_on(built: Built) -> None:
    """As an import leaves it: a claim in ben's layer, no status of his for the document."""
    path, ids = built
    with open_project(path, create=False) as project, project.db.session() as session:
        layer = project.annotator_layer_id(session, "ben")
        session.add(SpanRow(layer_id=layer, document_id=ids["d2"], start=0, end=len(D2),
                            label_id=project.label_ids(session)["CLAIM"], state="accepted"))
    with open_project(path, create=False, read_only=True) as project:
        report = consistency_report(project)
    fund = _by(report, FindingKind.MISSING, "delta fund")
    assert {(p.document_id, p.annotator) for p in fund.places} == {
        (ids["d2"], "ana"), (ids["d3"], "ana"), (ids["d2"], "ben")}
    assert _places(_by(report, FindingKind.MISSING, "mopti")) == [
        (ids["d2"], *at(D2, "Mopti"), "ben", None)]


def test_progress_and_cancel(built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    from unannotate.services import consistency

    path, _ = built
    monkeypatch.setattr(consistency, "PROGRESS_EVERY", 1)
    seen: list[tuple[int, int]] = []
    with open_project(path, create=False, read_only=True) as project:
        whole = consistency_report(project, progress=lambda n, total: seen.append((n, total)))
        stopped = consistency_report(project, cancelled=lambda: True)
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4), (4, 4)]
    assert whole.documents == 4
    # Asked to stop after the first text: what was found in it stands, nothing after.
    assert stopped.documents == 1
    assert 0 < sum(f.unlabelled for f in stopped.findings)
    assert sum(f.unlabelled for f in stopped.findings) < sum(f.unlabelled for f in whole.findings)


def test_layers_are_read_never_written(built: Built) -> None:
    path, _ = built

    def snapshot() -> tuple[object, ...]:
        with open_project(path, create=False) as project, project.db.read() as session:
            spans = session.execute(select(SpanRow.id, SpanRow.layer_id, SpanRow.start,
                                           SpanRow.end, SpanRow.label_id, SpanRow.state,
                                           SpanRow.version).order_by(SpanRow.id)).all()
            return tuple(spans), session.scalar(select(func.count(EventRow.id)))

    before = snapshot()
    with open_project(path, create=False) as project:
        consistency_report(project, scope=Scope.ALL, include_claims=True)
    assert snapshot() == before


def test_an_empty_project_has_no_findings(tmp_path: Path) -> None:
    with open_project(tmp_path / "empty.db") as project:
        report = consistency_report(project)
    assert (report.findings, report.forms, report.annotators) == ([], 0, [])


def test_the_form_pattern_finds_what_a_plain_alternation_finds() -> None:
    forms = ["Sudan", "South Sudan", "South  Sudanese Pound", "Sud", "UN", "UNHCR", "U.N.",
             "Saint Brides", "São Tomé", "sudan"]
    text = ("South Sudan and Sudan; the south sudanese pound fell. Sud, SUD and Suds. UNHCR, "
            "the UN and the U.N. met in São Tomé, SÃO TOMÉ and saint\nbrides. Sudanese.")
    pattern = form_pattern(forms)
    assert pattern is not None
    plain = re.compile(r"(?<!\w)(?:" + "|".join(
        r"\s+".join(map(re.escape, form.lower().split()))
        for form in sorted(forms, key=len, reverse=True)) + r")(?!\w)", re.IGNORECASE)
    found = [m.span() for m in pattern.finditer(text)]
    assert found == [m.span() for m in plain.finditer(text)]
    assert [text[s:e] for s, e in found] == [
        "South Sudan", "Sudan", "south sudanese pound", "Sud", "SUD", "UNHCR", "UN", "U.N.",
        "São Tomé", "SÃO TOMÉ", "saint\nbrides"]
    assert form_pattern([]) is None and form_pattern(["  "]) is None


def test_a_long_form_is_found_too() -> None:
    """A claim of a few thousand characters (the trie would nest a group per character)."""
    sentence = " ".join(f"word{n}" for n in range(600)) + "."
    text = f"Before. {sentence.upper()} After: word1 and {sentence}"
    pattern = form_pattern([sentence, "word1", "Word1 word2", "after"])
    assert pattern is not None
    found = [text[m.start():m.end()] for m in pattern.finditer(text)]
    assert found == [sentence.upper(), "After", "word1", sentence]


def test_surface_key_folds_case_and_whitespace_only() -> None:
    assert surface_key("  The\tDelta \n Fund ") == "the delta fund"
    assert surface_key("Straße") == surface_key("STRASSE")
    assert surface_key("Cafe\u0301") != surface_key("Café")  # no Unicode normalisation


def test_a_place_in_context() -> None:
    text = "One two  three\nfour five six seven"
    start, end = at(text, "four five")
    assert in_context(text, start, end, width=6) == ("…three ", "four five", " six s…")
    assert in_context(text, 0, 3, width=100) == ("", "One", " two three four five six seven")
    assert in_context(text, 0, 3) == in_context(text, 0, 3, width=len(text))


# -- the command line -------------------------------------------------------------------

def test_the_table_most_places_first(built: Built) -> None:
    path, ids = built
    result = run("consistency", "--project", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("consistency of ana, ben: 3 surface forms labelled, "
                               "4 documents searched")
    rows = [line for line in lines if re.match(r"\s+\d+  ", line)]
    assert [row.split()[0] for row in rows] == ["3", "1", "1"]
    assert "labelled here, missing there  Delta Fund" in rows[0]
    assert "ORG 2 (ana: ORG 1; ben: ORG 1)" in rows[0]
    assert "fix: label every occurrence ORG" in result.stdout
    assert ("labelled 2 times in 1 document, unlabelled in 3 places in 2 documents"
            in result.stdout)
    assert "1 span not labelled GPE (documents: GPE in 2, ORG in 1)" in result.stdout
    assert (f"ana: unlabelled in document {ids['d2']} [4, 16): The [delta fund] opened a "
            "school in Mopti last…") in result.stdout


def test_json_holds_every_finding_and_place(built: Built) -> None:
    path, ids = built
    result = run("consistency", "--project", str(path), "--json", "--all-documents")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["scope"] == "all" and data["annotators"] == ["ana", "ben"]
    # Mopti too now: ben left it unlabelled in D2.
    assert data["counts"] == {"different_label": 1, "missing": 3}
    kinds = {(f["kind"], f["key"]): f for f in data["findings"]}
    mopti = kinds["different_label", "mopti"]
    assert mopti["majority_label"] == "GPE" and mopti["title"] == "same text, different label"
    assert mopti["places"] == [{"document_id": ids["d1"], "start": 0, "end": 5,
                                "annotator": "ben", "label": "ORG"}]
    assert data["document_titles"][str(ids["d1"])] == D1
    assert len(kinds["missing", "delta fund"]["places"]) == 8
    limited = json.loads(run("consistency", "--project", str(path), "--json", "--limit",
                             "1").stdout)
    assert len(limited["findings"]) == 1 and limited["counts"]["missing"] == 2
    # Written a finding at a time, the same as the report's data.
    with open_project(path, create=False, read_only=True) as project:
        report = consistency_report(project, scope=Scope.ALL)
    assert json.loads("".join(report.json_chunks())) == report.to_dict()
    assert json.loads("".join(report.json_chunks(2))) == report.to_dict(2)
    assert set(report.to_dict(1)["document_titles"]) == {
        str(p.document_id) for p in report.findings[0].places}


def test_one_layer_and_claims_from_the_command_line(built: Built) -> None:
    path, _ = built
    data = json.loads(run("consistency", "-p", str(path), "--layer", "ben", "--json").stdout)
    assert [(f["kind"], f["key"]) for f in data["findings"]] == [("missing", "saint brides")]
    claims = json.loads(run("consistency", "-p", str(path), "--claims", "--json",
                            "--min-count", "1").stdout)
    assert claims["forms"] == 4 and claims["include_claims"] is True


def test_bad_input_one_line_each(built: Built, tmp_path: Path) -> None:
    path, _ = built
    unknown = run("consistency", "--project", str(path), "--layer", "zed")
    assert unknown.returncode == 1 and unknown.stdout == ""
    assert unknown.stderr.strip().splitlines() == [
        "error: no annotator layer 'zed' in this project; the layers there are: ana, ben"]
    zero = run("consistency", "--project", str(path), "--min-count", "0")
    assert zero.returncode == 2 and "--min-count" in zero.stderr
    missing = run("consistency", "--project", str(tmp_path / "nowhere.db"))
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "nowhere.db").exists()
