"""The learning curve (``unannotate train-curve``): models trained on growing parts of the
done documents, scored on the held-out ones a training would keep apart, nothing registered."""

from __future__ import annotations

from pathlib import Path

import pytest
from training_corpus import ENDORSED, endorsements, import_texts, marked_documents, parse
from typer.testing import CliRunner

from unannotate.cli import app
from unannotate.core.model import DocumentStatus
from unannotate.nlp import training_claims
from unannotate.nlp.base import create
from unannotate.nlp.training import (
    Evaluation,
    LabelScore,
    TooLittleData,
    TrainingDocument,
    TrainingError,
    TrainingSettings,
    split_documents,
)
from unannotate.nlp.training_curve import Curve, CurvePoint, curve_order, train_curve
from unannotate.services.decisions import Decider
from unannotate.services.project import Project
from unannotate.services.training import model_store

runner = CliRunner()

CURVE_OBJECTS = [*ENDORSED, "the grain deal", "the clinic budget"]


def _endorsements(n: int) -> list[TrainingDocument]:
    return endorsements(n, CURVE_OBJECTS, numbered=True)


def test_each_point_trains_on_a_prefix_of_the_next_and_never_on_held_out(monkeypatch) -> None:
    docs = _endorsements(60)
    settings = TrainingSettings(what="claims", eval_fraction=0.25)
    seen: list[list[str]] = []
    real = training_claims.train_claims

    def spy(train, settings, clock):  # type: ignore[no-untyped-def]
        seen.append([d.key for d in train])
        return real(train, settings, clock)

    monkeypatch.setattr(training_claims, "train_claims", spy)
    curve = train_curve(docs, settings, baselines={"rules": create(
        "unannotate.claims.rules.v1")})
    _, held = split_documents(docs, 0.25, settings.seed)
    held_keys = {d.key for d in held}
    assert curve.held_out == len(held) == 15
    assert [p.documents for p in curve.points] == [len(keys) for keys in seen] == \
        [11, 22, 34, 45]
    for smaller, larger in zip(seen, seen[1:]):
        assert larger[:len(smaller)] == smaller  # nested, in one seeded order
    assert not held_keys & {key for keys in seen for key in keys}
    assert seen[-1] == [d.key for d in curve_order(
        [d for d in docs if d.key not in held_keys], settings.seed)]
    # The model learns the reviewers' claims; the rules, scored on the same documents, do not.
    first, last = (p.evaluation for p in (curve.points[0], curve.points[-1]))
    assert first is not None and last is not None
    assert last.overall.f1 >= first.overall.f1
    assert last.overall.f1 > curve.before["rules"].overall.f1 + 0.2
    assert curve.labels == ["CLAIM"]


def test_too_few_documents_for_a_point_are_said_and_the_rest_trained() -> None:
    docs = _endorsements(30)
    curve = train_curve(docs, TrainingSettings(what="claims", eval_fraction=0.2),
                        shares=(0.1, 0.5, 1.0))
    first = curve.points[0]
    assert first.evaluation is None and first.documents == 2
    assert "sentences in the done documents" in first.skipped
    assert all(p.evaluation is not None for p in curve.points[1:])


def test_bad_settings_and_too_little_data_train_nothing() -> None:
    docs = _endorsements(14)
    with pytest.raises(TrainingError, match="needs held-out documents"):
        train_curve(docs, TrainingSettings(what="claims", eval_fraction=0.0))
    with pytest.raises(TrainingError, match="rise from above 0"):
        train_curve(docs, TrainingSettings(what="claims"), shares=(0.5, 0.25))
    with pytest.raises(TooLittleData, match="at least 5 are needed"):
        train_curve(docs[:3], TrainingSettings(what="claims"))
    no_claims = [TrainingDocument(d.key, d.text, "en") for d in docs]
    with pytest.raises(TooLittleData, match="learning curve of claims") as refused:
        train_curve(no_claims, TrainingSettings(what="claims"))
    # The window leaves that kind out with this message and draws the other kinds' curves.
    from unannotate.qt.improve import _TOO_LITTLE

    found = _TOO_LITTLE.search(str(refused.value))
    assert found is not None and found.group(1) == "claims"


def _evaluation(f1: float, **labels: float) -> Evaluation:
    return Evaluation(LabelScore(f1, f1, f1, 10, 10),
                      {name: LabelScore(v, v, v, 5, 5) for name, v in labels.items()})


def _curve(*f1s: float, **labels: float) -> Curve:
    points = [CurvePoint(0.25 * (i + 1), 10 * (i + 1), 1000 * (i + 1),
                         _evaluation(f1, **labels)) for i, f1 in enumerate(f1s)]
    return Curve("entities", 12, points, {}, sorted(labels))


def test_the_verdict_reads_the_last_part_of_the_curve() -> None:
    rising = _curve(0.40, 0.50, 0.55, 0.60).verdict()
    assert "from 0.55 to 0.60 (+0.05) with the last 10 documents" in rising
    assert "still rising" in rising
    flat = _curve(0.40, 0.58, 0.60, 0.60, PERSON=0.7, DATE=0.3, GPE=0.58).verdict()
    assert "flat" in flat and "DATE 0.30, GPE 0.58" in flat and "PERSON" not in flat
    fell = _curve(0.50, 0.60, 0.56).verdict()
    assert "fell" in fell and "12 held-out documents" in fell
    assert "little left to teach" in _curve(0.90, 0.97, 0.97).verdict()
    rushed = _curve(0.40, 0.50, 0.52)
    rushed.points[1].passes, rushed.points[2].passes = 30.0, 6.5
    assert "gave that point 6.5 passes over its documents against 30 before it" in \
        rushed.verdict()
    assert "passes" not in _curve(0.4, 0.5).verdict()
    lone = Curve("claims", 5, [CurvePoint(0.5, 3, 30, None, skipped="x"),
                               CurvePoint(1.0, 6, 60, _evaluation(0.5))])
    assert "too few trained points" in lone.verdict()


def test_cli_prints_the_curve_beside_the_current_suggesters_and_registers_nothing(
        project: Project, project_path: Path, tmp_path: Path) -> None:
    marked = marked_documents(16, seed=3)
    ids = import_texts(project, tmp_path, [parse(m)[0] for m in marked])
    reviewer = Decider(project, "ana")
    for doc_id, text in zip(ids, marked, strict=True):
        _, entities, claims = parse(text)
        for start, end, label in entities:
            reviewer.add(doc_id, start, end, label)
        for start, end in claims:
            reviewer.add(doc_id, start, end, "CLAIM")
        reviewer.set_status(doc_id, DocumentStatus.DONE)
    result = runner.invoke(app, ["train-curve", "--project", str(project_path),
                                 "--points", "2", "--max-seconds", "1"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "entities from ana: 13 done documents to train on, 3 held out" in out
    assert "claims from ana: 13 done documents to train on, 3 held out" in out
    assert "50% (6)" in out and "100% (13)" in out
    assert "now: unannotate.entities.rules.v1" in out
    assert "now: unannotate.claims.rules.v1" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
    assert {"PERSON", "GPE", "ORG", "CLAIM", "all"} <= set(rows)
    assert all(0.0 <= float(v) <= 1.0 for v in rows["PERSON"])
    assert len(rows["passes"]) == 2 and all(float(v) > 0 for v in rows["passes"])
    assert "with the last 7 documents" in out
    # The rules suggest dates nobody marks: said, as they pull the rules' "all labels" down.
    assert "labels nobody marked in these documents" in out and "DATE" in out
    assert model_store(project).versions() == []  # nothing registered
    refused = runner.invoke(app, ["train-curve", "--project", str(project_path),
                                  "--eval-fraction", "0"])
    assert refused.exit_code == 1 and "needs held-out documents" in refused.output


def test_progress_runs_once_over_the_whole_curve() -> None:
    seen = []
    train_curve(_endorsements(60), TrainingSettings(what="claims", eval_fraction=0.25),
                progress=seen.append)
    totals = {p.total for p in seen}
    assert len(totals) == 1  # one bar for the whole curve
    done = [p.done for p in seen]
    assert done == sorted(done) and done[-1] == totals.pop()
    assert [p.message.split(" (")[0] for p in seen if p.stage == "training"][0] == "25%"
    assert {p.message.split(":")[0] for p in seen} == {
        "25% (11 documents)", "50% (22 documents)", "75% (34 documents)", "100% (45 documents)"}
