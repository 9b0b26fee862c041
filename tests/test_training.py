"""Training suggesters from done documents: the data used, the held-out split, registering,
re-suggesting, exporting, and bad input. Tiny models on invented documents, in seconds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from sqlalchemy import select
from training_corpus import endorsements, marked_documents, parse
from training_corpus import import_texts as _import
from typer.testing import CliRunner

from unannotate.cli import app
from unannotate.core.errors import UnannotateError
from unannotate.core.model import DocumentStatus, SpanState
from unannotate.nlp.trained import ModelStore
from unannotate.nlp.training import (
    TooLittleData,
    TrainingCancelled,
    TrainingDocument,
    TrainingError,
    TrainingSettings,
    split_documents,
)
from unannotate.nlp.training_entities import entity_examples
from unannotate.services.decisions import Decider
from unannotate.services.importing import import_paths
from unannotate.services.project import Project, open_project
from unannotate.services.suggesting import build_suggesters, run_suggester
from unannotate.services.training import (
    TrainingOptions,
    export_trained,
    model_store,
    models_dir,
    train,
    training_documents,
)
from unannotate.storage.schema import DocumentRow, LayerRow, SpanRow

FAST = {"max_epochs": 6, "max_seconds": 10.0}
runner = CliRunner()


def _review(project: Project, ids: list[int], marked: list[str], annotator: str = "ana",
            *, done: bool = True, claims: bool = True) -> Decider:
    reviewer = Decider(project, annotator)
    for doc_id, text in zip(ids, marked):
        _, entities, claim_spans = parse(text)
        for start, end, label in entities:
            reviewer.add(doc_id, start, end, label)
        if claims:
            for start, end in claim_spans:
                reviewer.add(doc_id, start, end, "CLAIM")
        if done:
            reviewer.set_status(doc_id, DocumentStatus.DONE)
    return reviewer


@pytest.fixture
def reviewed(project: Project, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Twelve documents reviewed and done by ana, four more not reviewed."""
    marked = marked_documents(16, seed=3)
    ids = _import(project, tmp_path, [parse(m)[0] for m in marked])
    _review(project, ids[:12], marked[:12])
    return project, ids, marked


def test_a_done_document_without_spans_is_a_full_negative(reviewed, tmp_path: Path) -> None:
    project, _ids, _ = reviewed
    [empty] = _import(project, tmp_path, ["Nothing to mark here.\nJust words about rain.\n"])
    Decider(project, "ana").set_status(empty, DocumentStatus.DONE)
    docs = training_documents(project, _layer(project), "entities")
    negative = [d for d in docs if d.text.startswith("Nothing to mark")]
    assert len(negative) == 1 and negative[0].spans == ()
    examples, summary = entity_examples(spacy.blank("en"), negative)
    assert summary.negative_documents == 1
    tags = [tag for ex in examples for tag in ex.get_aligned_ner()]
    assert tags and set(tags) == {"O"}


def test_rejected_suggestions_are_negatives(project: Project, tmp_path: Path) -> None:
    text = "Amina Okafor met Peru officials on Monday.\n"
    [doc_id] = _import(project, tmp_path, [text])
    [rules] = build_suggesters(["unannotate.entities.rules.v1"])
    run_suggester(project, rules)
    reviewer = Decider(project, "ana")
    pending = reviewer.pending(doc_id)
    assert pending
    wrong = pending[0]
    reviewer.reject(wrong.id)
    reviewer.add(doc_id, 0, 12, "PERSON") if wrong.start != 0 else None
    reviewer.set_status(doc_id, DocumentStatus.DONE)
    [doc] = training_documents(project, _layer(project), "entities")
    assert (wrong.start, wrong.end, wrong.label) in doc.rejected
    assert (wrong.start, wrong.end, wrong.label) not in doc.spans
    examples, summary = entity_examples(spacy.blank("en"), [doc])
    assert summary.rejected == 1
    ner = examples[0].get_aligned_ner()
    covered = [tok.i for tok in examples[0].reference
               if tok.idx >= wrong.start and tok.idx + len(tok) <= wrong.end]
    assert covered and all(ner[i] == "O" for i in covered)


def _layer(project: Project):  # type: ignore[no-untyped-def]
    from unannotate.services.training import pick_layer

    return pick_layer(project, None)


def test_held_out_documents_never_reach_training(reviewed, monkeypatch) -> None:
    project, _, _ = reviewed
    from unannotate.nlp import trainer, training_entities

    seen: list[str] = []
    real = training_entities.train_entities

    def spy(train_docs, settings, clock):  # type: ignore[no-untyped-def]
        seen.extend(d.key for d in train_docs)
        return real(train_docs, settings, clock)

    monkeypatch.setattr(training_entities, "train_entities", spy)
    [report] = train(project, TrainingOptions(what=["entities"], eval_fraction=0.25, **FAST))
    version = model_store(project).find(report.version)
    assert trainer  # the trainer imports train_entities when it runs, so the spy is used
    docs = training_documents(project, _layer(project), "entities")
    train_keys, held = split_documents(docs, 0.25, 1)
    assert report.held_out == len(held) == 3 and report.documents == 9
    assert set(seen) == {d.key for d in train_keys}
    assert not set(seen) & {d.key for d in held}
    assert version.info["data"]["held_out"] == 3
    # The split is by document and stable: the same seed gives the same held-out documents.
    assert split_documents(list(reversed(docs)), 0.25, 1)[1] == held or \
        {d.key for d in split_documents(list(reversed(docs)), 0.25, 1)[1]} == \
        {d.key for d in held}


def test_training_registers_a_version_that_suggest_uses_after_a_restart(
        reviewed, project_path: Path) -> None:
    project, ids, _marked = reviewed
    reports = train(project, TrainingOptions(**FAST))
    assert [r.what for r in reports] == ["entities", "claims"]
    ent = reports[0]
    assert ent.after is not None and set(ent.after["per_label"]) >= {"ORG", "PERSON", "GPE"}
    assert "unannotate.entities.rules.v1" in ent.before
    # The names the reviewers mark wherever they occur go with the version, and it says so.
    names = json.loads((Path(ent.path) / "unannotate_reviewed_names" / "names.json")
                       .read_text(encoding="utf-8"))
    assert names and set(names.values()) <= set(ent.spans)
    assert any(n.startswith(f"{len(names)} names the reviewers mark") for n in ent.notes)
    project.close()
    with open_project(project_path) as again:  # a new Project: as after a restart
        suggesters = build_suggesters(project=again)
        names = [s.info.layer_name for s in suggesters]
        assert names == [f"unannotate.entities.trained.v1:trained-{ent.version}",
                         f"unannotate.claims.trained.v1:trained-{reports[1].version}"]
        report = run_suggester(again, suggesters[0], document_ids=ids[12:])
        assert report.documents == 4 and sum(report.spans.values()) > 0


def test_trained_entities_carry_the_models_confidence(reviewed) -> None:
    project, ids, marked = reviewed
    [report] = train(project, TrainingOptions(what=["entities"], **FAST))
    version = model_store(project).find(report.version)
    from unannotate.nlp.trained import load_trained
    from unannotate.nlp.training_entities import scored_entity_rows

    nlp = load_trained(version.path)
    texts = [parse(m)[0] for m in marked[12:]]
    rows = [row for found in scored_entity_rows(nlp, texts) for row in found]
    model = [score for _, _, _, why, score in rows if why == "trained model"]
    assert model and all(score is not None and 0.0 < score <= 1.0 for score in model)
    # A rule entity put first: the rules' precision for its label in the reviewed documents.
    precision = nlp.get_pipe("unannotate_rules_first").precision
    assert precision and all(0.0 <= p <= 1.0 for p in precision.values())
    from unannotate.nlp.rule_features import reliable_of

    assert reliable_of(precision) == version.info["data"]["rules_first"]  # the labels first
    rules = [(label, score) for _, _, label, why, score in rows if "(rules," in why]
    assert rules and all(score == precision.get(label) for label, score in rules)
    assert all(score is None for *_, why, score in rows if why.startswith("a name marked"))
    # The same entities as the pipeline gives when run as spaCy runs it.
    for text, found in zip(texts, scored_entity_rows(nlp, texts), strict=True):
        doc = nlp(text)
        spans = [*doc.ents, *doc.spans.get("unannotate_nested", ())]
        assert sorted((e.start_char, e.end_char, e.label_) for e in spans) == \
            [row[:3] for row in found]
    # Suggested, the scores are stored, and "most uncertain first" orders by them (nothing
    # else was suggested in these documents: no claim scores).
    from unannotate.services.learning_stats import document_uncertainty

    reviewer = Decider(project, "ana")
    assert not set(document_uncertainty(reviewer)) & set(ids[12:])
    [suggester] = build_suggesters([report.suggester], project=project)
    run_suggester(project, suggester, document_ids=ids[12:])
    unsure = {k: v for k, v in document_uncertainty(reviewer).items() if k in ids[12:]}
    # The documents where the model (not the rules it puts first, not a remembered name)
    # suggests something.
    scored = {ids[12 + n] for n, found in enumerate(scored_entity_rows(nlp, texts))
              if any(score is not None for *_, score in found)}
    assert scored and set(unsure) == scored and all(0 <= v < 0.5 for v in unsure.values())


def test_resuggesting_leaves_decided_spans_done_documents_and_colleagues_alone(
        project: Project, tmp_path: Path) -> None:
    marked = marked_documents(14, seed=5)
    ids = _import(project, tmp_path, [parse(m)[0] for m in marked])
    rules = build_suggesters()
    for suggester in rules:
        run_suggester(project, suggester)
    _review(project, ids[:8], marked[:8])  # done: the training data
    ben = _review(project, ids[8:10], marked[8:10], annotator="ben", done=False)
    # ana decides two suggestions in an open document and leaves the rest pending
    ana = Decider(project, "ana")
    open_doc = ids[10]
    pending = [s for s in ana.pending(open_doc)]
    assert len(pending) >= 3
    ana.accept(pending[0].id)
    ana.reject(pending[1].id)
    cara_done = ids[11]
    Decider(project, "cara").set_status(cara_done, DocumentStatus.DONE)

    def snapshot(where):  # type: ignore[no-untyped-def]
        with project.db.read() as session:
            return sorted(session.execute(
                select(SpanRow.id, SpanRow.layer_id, SpanRow.start, SpanRow.end,
                       SpanRow.label_id, SpanRow.state, SpanRow.version).where(where)).all())

    with project.db.read() as session:
        people_layers = list(session.scalars(
            select(LayerRow.id).where(LayerRow.kind != "suggestions")))
    people = snapshot(SpanRow.layer_id.in_(people_layers))
    in_done = snapshot(SpanRow.document_id.in_([cara_done, *ids[:8]]))
    decided = {pending[0].id, pending[1].id}
    train(project, TrainingOptions(layer="ana", **FAST))
    for suggester in build_suggesters(project=project):
        report = run_suggester(project, suggester)
        assert report.skipped_done == 9  # ana's eight and cara's one
    assert snapshot(SpanRow.layer_id.in_(people_layers)) == people  # ana's, ben's
    assert snapshot(SpanRow.document_id.in_([cara_done, *ids[:8]])) == in_done
    with project.db.read() as session:
        left = set(session.scalars(select(SpanRow.id).where(SpanRow.document_id == open_doc)))
        new_layers = set(session.scalars(select(LayerRow.id).where(
            LayerRow.suggester.like("%trained%"))))
        open_layers = {row.layer_id for row in session.scalars(
            select(SpanRow).where(SpanRow.document_id == open_doc,
                                  SpanRow.state == SpanState.SUGGESTED.value,
                                  SpanRow.id.not_in(decided)))}
    assert decided <= left  # decided suggestions stay
    assert not {s.id for s in pending[2:]} & left  # undecided ones were replaced
    assert open_layers and open_layers <= new_layers  # only the new versions' are pending
    assert ben.spans(ids[8])  # the colleague's layer is as it was


def test_cancelled_or_failed_training_leaves_the_previous_version_current(
        reviewed, monkeypatch) -> None:
    project, _, _ = reviewed
    [first] = train(project, TrainingOptions(what=["entities"], **FAST))
    store = model_store(project)
    calls = {"n": 0}

    def stop_soon() -> bool:
        calls["n"] += 1
        return calls["n"] > 5

    options = TrainingOptions(what=["entities"], seed=2, **FAST)
    with pytest.raises(TrainingCancelled):
        train(project, options, should_stop=stop_soon)
    assert [v.id for v in store.versions()] == [first.version]

    # A full disk while the pipeline is written: nothing half-registered, nothing left over.
    from spacy.language import Language

    def full(self, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        Path(path).mkdir(parents=True, exist_ok=True)
        (Path(path) / "config.cfg").write_text("[half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Language, "to_disk", full)
    with pytest.raises(OSError):
        train(project, options)
    assert [v.id for v in store.versions()] == [first.version]
    assert store.newest("entities").id == first.version
    assert sorted(p.name for p in models_dir(project).iterdir()) == [f"entities-{first.version}"]


def test_a_killed_training_leaves_only_a_hidden_folder_that_the_next_one_clears(
        reviewed) -> None:
    project, _, _ = reviewed
    store = model_store(project)
    leftover = models_dir(project) / ".training-999999999-deadbeef"
    leftover.mkdir(parents=True)
    (leftover / "meta.json").write_text("{}")
    assert store.versions() == []
    train(project, TrainingOptions(what=["entities"], **FAST))
    assert not leftover.exists()


def test_export_loads_with_spacy_and_predicts_the_suggesters_spans(
        reviewed, project_path: Path, tmp_path: Path) -> None:
    project, ids, _ = reviewed
    [report] = train(project, TrainingOptions(what=["entities"], **FAST))
    out = tmp_path / "exported"
    result = runner.invoke(app, ["export-model", report.version, "-o", str(out),
                                 "--project", str(project_path)])
    assert result.exit_code == 0, result.output
    nlp = spacy.load(out)
    assert nlp.pipe_names[-1] == "unannotate_reviewed_names"  # the names go with it
    meta = json.loads((out / "meta.json").read_text())
    assert set(meta["unannotate"]["labels"]) >= {"ORG", "PERSON", "GPE"}
    assert meta["unannotate"]["data"]["documents"] == report.documents
    assert meta["unannotate"]["scores"]["overall"]["f1"] == report.after["overall"]["f1"]
    [suggester] = build_suggesters([report.version], project=project)
    with project.db.read() as session:
        texts = dict(session.execute(select(DocumentRow.id, DocumentRow.text)
                                     .where(DocumentRow.id.in_(ids[12:]))).all())
    from unannotate.nlp.base import SuggesterInput, suggestion_rows

    found = dict(suggestion_rows(suggester, [SuggesterInput(k, t) for k, t in texts.items()]))
    for doc_id, text in texts.items():
        exported = [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents]
        assert exported == [(s, e, lab) for s, e, lab, _, _ in found[doc_id]]
    again = runner.invoke(app, ["export-model", report.version, "-o", str(out),
                                "--project", str(project_path)])
    assert again.exit_code == 1 and "not an empty folder" in again.output


def test_export_trained_writes_a_version_named_by_its_suggester(reviewed,
                                                                tmp_path: Path) -> None:
    project, _, _ = reviewed
    [report] = train(project, TrainingOptions(what=["entities"], **FAST))
    out = tmp_path / "exported"
    version, written = export_trained(project, "unannotate.entities.trained.v1", out)
    assert version.id == report.version and written == out
    assert json.loads((out / "meta.json").read_text())["unannotate"]["labels"]
    with pytest.raises(UnannotateError, match="not an empty folder"):
        export_trained(project, report.version, out)


def test_claims_start_from_the_rules(reviewed) -> None:
    project, ids, _ = reviewed
    [report] = train(project, TrainingOptions(what=["claims"], **FAST))
    assert report.spans["CLAIM"] > 0 and "unannotate.claims.rules.v1" in report.before
    [suggester] = build_suggesters(["unannotate.claims.trained.v1"], project=project)
    rows = dict(suggester.suggest_rows([_input(project, ids[13])]))
    assert all(label == "CLAIM" and 0 <= score <= 1 and reason for _, _, label, score, reason
               in rows[ids[13]])


def _input(project: Project, doc_id: int):  # type: ignore[no-untyped-def]
    from unannotate.nlp.base import SuggesterInput

    with project.db.read() as session:
        text = session.scalar(select(DocumentRow.text).where(DocumentRow.id == doc_id))
    return SuggesterInput(doc_id, text)


def test_cli_train_models_and_suggest_an_older_version(reviewed, project_path: Path) -> None:
    args = ["--project", str(project_path), "--max-seconds", "1"]
    first = runner.invoke(app, ["train", "--what", "entities", *args])
    assert first.exit_code == 0, first.output
    assert "unannotate.entities.rules.v1" in first.output and "new model" in first.output
    assert "PERSON" in first.output and "registered unannotate.entities.trained.v1@" in \
        first.output
    second = runner.invoke(app, ["train", "--what", "entities", "--seed", "7", *args])
    assert second.exit_code == 0, second.output
    listed = runner.invoke(app, ["models", "--project", str(project_path)])
    assert listed.exit_code == 0
    store = ModelStore(models_dir(reviewed[0]))
    old, new = store.versions()
    assert old.id in listed.output and new.id in listed.output
    rows = {line.split()[1 if line.startswith("*") else 0]: line
            for line in listed.output.splitlines() if old.id in line or new.id in line}
    assert rows[new.id].startswith("*") and not rows[old.id].startswith("*")  # the newest
    assert "documents" in listed.output
    run = runner.invoke(app, ["suggest", "--project", str(project_path), "-s", old.id])
    assert run.exit_code == 0, run.output
    assert f"trained-{old.id}" in run.output


def test_too_little_data_trains_nothing(project: Project, tmp_path: Path,
                                        project_path: Path) -> None:
    marked = marked_documents(3, seed=1)
    ids = _import(project, tmp_path, [parse(m)[0] for m in marked])
    _review(project, ids, marked)
    result = runner.invoke(app, ["train", "--project", str(project_path)])
    assert result.exit_code == 1
    assert "3 done documents, at least 5 are needed" in result.output
    assert model_store(project).versions() == []


def test_a_label_with_no_example_is_refused(project: Project, tmp_path: Path) -> None:
    marked = marked_documents(8, seed=2)
    ids = _import(project, tmp_path, [parse(m)[0] for m in marked])
    _review(project, ids, marked, claims=False)  # no claim marked anywhere
    with pytest.raises(TooLittleData, match="0 claims marked in the 8 done documents, at "
                       "least 3 are needed"):
        train(project, TrainingOptions(what=["claims"], **FAST))
    # Both asked: nothing trained, not even the entities, and the way to train those alone
    with pytest.raises(TooLittleData, match="--what entities"):
        train(project, TrainingOptions(**FAST))
    assert model_store(project).versions() == []
    from unannotate.nlp.training import Clock
    from unannotate.nlp.training_claims import train_claims

    docs = training_documents(project, _layer(project), "claims")
    with pytest.raises(TooLittleData, match="0 of them claims.*3 of each are needed"):
        train_claims(docs, TrainingSettings(what="claims"), Clock(None, None))


def test_a_missing_base_or_one_of_another_language_is_named(reviewed, tmp_path: Path,
                                                            project_path: Path) -> None:
    result = runner.invoke(app, ["train", "--project", str(project_path), "--what",
                                 "entities", "--base", "no_such_pipeline_sm"])
    assert result.exit_code == 1
    assert "no_such_pipeline_sm" in result.output and "not installed" in result.output
    german = spacy.blank("de")
    german.add_pipe("ner").add_label("PER")
    german.initialize()
    german.to_disk(tmp_path / "de_pipeline")
    with pytest.raises(TrainingError, match="is for language 'de'.*documents are in 'en'"):
        train(reviewed[0], TrainingOptions(what=["entities"], base=str(tmp_path / "de_pipeline"),
                                           **FAST))
    assert model_store(reviewed[0]).versions() == []


def test_resumed_base_keeps_its_labels_and_adds_the_projects(reviewed, tmp_path: Path) -> None:
    base = spacy.blank("en")
    base.add_pipe("ner").add_label("WORK_OF_ART")
    base.initialize()
    base.to_disk(tmp_path / "base")
    [report] = train(reviewed[0], TrainingOptions(what=["entities"], base=str(tmp_path / "base"),
                                                  **FAST))
    nlp = spacy.load(report.path)
    assert {"WORK_OF_ART", "ORG", "PERSON", "GPE"} <= set(nlp.get_pipe("ner").labels)


def test_the_split_is_seeded_and_by_document() -> None:
    docs = [TrainingDocument(f"k{i}", f"text {i}") for i in range(20)]
    train_a, held_a = split_documents(docs, 0.2, 1)
    _train_b, held_b = split_documents(docs[::-1], 0.2, 1)
    assert {d.key for d in held_a} == {d.key for d in held_b} and len(held_a) == 4
    assert {d.key for d in split_documents(docs, 0.2, 2)[1]} != {d.key for d in held_a}
    assert not {d.key for d in train_a} & {d.key for d in held_a}
    with pytest.raises(TrainingError, match="eval-fraction"):
        split_documents(docs, 1.0, 1)
    assert TrainingSettings().key()["seed"] == 1


def test_the_claim_model_learns_what_the_reviewers_call_a_claim() -> None:
    """Sentences the rules score low, marked as claims by the reviewers (and others they
    score high, marked not): the trained model follows the reviewers."""
    from unannotate.nlp.training import Clock
    from unannotate.nlp.training_claims import claim_units, train_claims

    docs = endorsements(40)
    model, summary = train_claims(docs, TrainingSettings(what="claims"), Clock(None, None))
    assert summary.spans == {"CLAIM": 40, "sentences": 80}
    text = "The board endorsed the water charter. We believe the road map grew by 40 " \
        "percent in 2020, frankly."
    units = claim_units(text, "en")
    rules = [u.rules_score >= 0.5 for u in units]
    learned = [s >= model.threshold for s in model.scored(units, text)]
    assert rules != [True, False]  # the rules alone do not see it so
    assert learned == [True, False]
    rows = model.predict(text, "en")
    assert [(s, e) for s, e, *_ in rows] == [(units[0].start, units[0].end)]


def test_training_in_a_separate_process_reports_progress_and_registers(
        reviewed, project_path: Path) -> None:
    from unannotate.services.training import TrainingJob

    project = reviewed[0]
    job = TrainingJob(str(project_path), TrainingOptions(what=["claims"], **FAST))
    job.start()
    job.wait(120)
    assert job.finished and job.error is None, job.error
    assert job.progress is not None and job.progress.stage in {"saving", "scoring", "training"}
    [report] = job.reports
    assert model_store(project).newest("claims").id == report.version


def test_a_killed_training_process_registers_nothing(reviewed, project_path: Path) -> None:
    import time

    from unannotate.services.training import TrainingJob

    project = reviewed[0]
    job = TrainingJob(str(project_path), TrainingOptions(what=["entities"], max_epochs=200,
                                                         max_seconds=120))
    job.start()
    deadline = time.monotonic() + 60
    while (job.poll() is None or job.progress.stage != "training") and \
            time.monotonic() < deadline:
        time.sleep(0.2)
    job.kill()
    job.poll()
    assert job.finished and job.reports is None and "nothing was registered" in job.error
    assert model_store(project).versions() == []


def test_versions_live_beside_the_project_or_by_a_hash_of_a_servers_url(
        project: Project, project_path: Path, monkeypatch, tmp_path: Path) -> None:
    assert models_dir(project) == project_path.with_name("test.unannotate.models")
    from types import SimpleNamespace

    import platformdirs

    monkeypatch.setattr(platformdirs, "user_data_path", lambda *a, **k: tmp_path / "data")

    def server(url: str) -> Project:
        return SimpleNamespace(db=SimpleNamespace(path=None, url=url))  # type: ignore[return-value]

    one = models_dir(server("postgresql://ana:secret@db.example.org/team"))
    same = models_dir(server("postgresql://ana:other@db.example.org/team"))
    other = models_dir(server("postgresql://ana@db.example.org/elsewhere"))
    assert one == same != other  # the password is no part of the key
    assert one.parent == tmp_path / "data" / "models" and "secret" not in str(one)


def test_done_documents_without_any_entity_train_nothing(project: Project,
                                                         tmp_path: Path) -> None:
    texts = [f"Nothing to see in note {i}.\nOnly rain and wind today.\n" for i in range(6)]
    ids = _import(project, tmp_path, texts)
    reviewer = Decider(project, "ana")
    for doc_id in ids:
        reviewer.set_status(doc_id, DocumentStatus.DONE)
    with pytest.raises(TooLittleData, match="no entity in the 5 done documents"):
        train(project, TrainingOptions(what=["entities"], **FAST))
    assert model_store(project).versions() == []


def test_train_says_when_the_new_model_is_behind_a_current_suggester(capsys) -> None:
    from unannotate.cli_training import print_training_report
    from unannotate.services.training import TrainingReport

    def scores(f1: float) -> dict:
        entry = {"precision": f1, "recall": f1, "f1": f1, "gold": 10, "predicted": 10}
        return {"overall": entry, "per_label": {"ORG": entry}, "exact_f1": f1}

    report = TrainingReport(
        what="entities", layer="ana", version="abc123abc123",
        suggester="unannotate.entities.trained.v1@abc123abc123", path="x", documents=8,
        held_out=2, words=900, spans={"ORG": 12}, negative_documents=1, rejected=3,
        left_out=0, seconds=4.0, after=scores(0.5),
        before={"unannotate.entities.rules.v1": scores(0.7),
                "unannotate.entities.spacy.v1:en_core_web_sm": scores(0.4)})
    print_training_report(report)
    out = capsys.readouterr().out
    assert "1 done documents without entities, 3 rejected suggestions" in out
    assert "0.70 0.70 0.70" in out and "0.50 0.50 0.50" in out
    assert "new model is behind unannotate.entities.rules.v1;" in out
    assert "--suggester unannotate.entities.rules.v1`" in out
    report.after = scores(0.9)
    print_training_report(report)
    assert "behind" not in capsys.readouterr().out


# Invented UN-style news in three languages spaCy (or the program) tokenizes differently:
# Russian inflects, Chinese writes words together, Kazakh has no spaCy language of its own.
FOREIGN = {
    "ru": (["[Анна Белова|PERSON]", "[Иван Петров|PERSON]", "[Ольга Сидорова|PERSON]",
            "[Марат Ахметов|PERSON]"],
           ["[ЮНИСЕФ|ORG]", "[ПРООН|ORG]", "[ВПП|ORG]", "[ЮНЕСКО|ORG]"],
           ["[Кении|GPE]", "[Перу|GPE]", "[Ганы|GPE]", "[Чада|GPE]"],
           ["{person} заявила, что {org} доставила помощь в {place}.",
            "По словам {person}, {org} открыла школы в {place}.",
            "Сегодня {org} сообщила о новых планах для {place}.",
            "Погода была хорошей, и все были рады."]),
    "zh": (["[王小明|PERSON]", "[李华|PERSON]", "[张伟|PERSON]", "[刘芳|PERSON]"],
           ["[联合国儿童基金会|ORG]", "[世界粮食计划署|ORG]", "[开发计划署|ORG]",
            "[教科文组织|ORG]"],
           ["[肯尼亚|GPE]", "[秘鲁|GPE]", "[加纳|GPE]", "[乍得|GPE]"],
           ["{person}表示，{org}向{place}运送了粮食。",
            "{org}今天在{place}开设了学校，{person}出席。",
            "据{person}说，{org}将继续帮助{place}。",
            "天气很好，大家都很高兴。"]),
    "kk": (["[Айгүл Серікова|PERSON]", "[Нұрлан Әлиев|PERSON]", "[Дана Қасымова|PERSON]",
            "[Ерлан Бекұлы|PERSON]"],
           ["[ЮНИСЕФ|ORG]", "[БҰҰДБ|ORG]", "[ДАБ|ORG]", "[ЮНЕСКО|ORG]"],
           ["[Кенияға|GPE]", "[Перуға|GPE]", "[Ганаға|GPE]", "[Чадқа|GPE]"],
           ["{person} айтты: {org} {place} көмек жеткізді.",
            "Бүгін {org} {place} жаңа мектептер ашты, деді {person}.",
            "{org} {place} қолдауды жалғастырады.",
            "Ауа райы жақсы болды, бәрі қуанды."]),
}


def _foreign_documents(language: str, n: int, seed: int) -> list[str]:
    import random

    people, orgs, places, templates = FOREIGN[language]
    rng = random.Random(seed)
    documents = []
    for number in range(n):
        sentences = [rng.choice(templates).format(person=rng.choice(people),
                                                  org=rng.choice(orgs),
                                                  place=rng.choice(places))
                     for _ in range(6)]
        documents.append(f"№ {number + 1}.\n" + ("" if language == "zh" else " ").join(
            sentences) + "\n")
    return documents


# Russian in the fast tier; Chinese (no spaces) and Kazakh (spaCy's multi-language pipeline)
# in the slow one, where every language is trained.
@pytest.mark.parametrize("language", ["ru", pytest.param("zh", marks=pytest.mark.slow),
                                      pytest.param("kk", marks=pytest.mark.slow)])
def test_entities_train_from_a_blank_pipeline_of_the_documents_language(
        project: Project, tmp_path: Path, language: str) -> None:
    marked = _foreign_documents(language, 14, seed=7)
    texts = [parse(m)[0] for m in marked]
    source = tmp_path / "docs.jsonl"
    source.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n"
                              for t in texts), encoding="utf-8")
    import_paths(project, [source], language=language)
    with project.db.read() as session:
        by_text = dict(session.execute(select(DocumentRow.text, DocumentRow.id)).all())
    ids = [by_text[t] for t in texts]
    _review(project, ids[:10], marked[:10], claims=False)
    [report] = train(project, TrainingOptions(what=["entities"], eval_fraction=0.0,
                                              max_epochs=12, max_seconds=20.0))
    version = model_store(project).find(report.version)
    assert spacy.load(version.path).lang == ("xx" if language == "kk" else language)
    [suggester] = build_suggesters([report.version], project=project)
    from unannotate.nlp.base import SuggesterInput, suggestion_rows

    inputs = [SuggesterInput(i, texts[i], language) for i in range(10, 14)]
    found = dict(suggestion_rows(suggester, inputs))
    right = wanted = 0
    for i in range(10, 14):
        text, expected, _ = parse(marked[i])
        rows = found[i]
        # Offsets are code points into the exact text: every suggestion is a whole span of
        # the text, and most of the expected ones are found exactly.
        assert all(0 <= s < e <= len(text) and text[s:e].strip() == text[s:e]
                   for s, e, _, _, _ in rows)
        got = {(s, e, label) for s, e, label, _, _ in rows}
        right += len(got & set(expected))
        wanted += len(expected)
    assert right >= 0.8 * wanted, (right, wanted, language)


def test_claims_train_on_kazakh_sentences_too() -> None:
    """spaCy has no Kazakh: the claim model reads Kazakh sentences with its multi-language
    tokenizer instead of refusing them."""
    from unannotate.nlp.training_claims import claim_units

    text = "ЮНИСЕФ Кенияға 4 000 тонна азық жеткізді, деді Айгүл Серікова. Ауа райы жақсы."
    units = claim_units(text, "kk")
    assert [text[u.start:u.end] for u in units] == [
        "ЮНИСЕФ Кенияға 4 000 тонна азық жеткізді, деді Айгүл Серікова.", "Ауа райы жақсы."]


def test_the_time_limit_holds_in_the_first_pass_too_and_is_said(reviewed) -> None:
    """Hundreds of thousands of reviewed words make one pass longer than the limit: it
    stops there, keeps what it learned, and says how much of the data it saw."""
    project, _, _ = reviewed
    [stopped] = train(project, TrainingOptions(what=["entities"], max_seconds=0.0))
    assert any("stopped the training after" in note and "of one pass over the" in note
               for note in stopped.notes), stopped.notes
    [full] = train(project, TrainingOptions(what=["entities"], seed=2, **FAST))
    assert not any("stopped the training" in note for note in full.notes)
    versions = {v.id: v.info["data"]["passes"] for v in model_store(project).versions()}
    assert versions[stopped.version] < 1 <= versions[full.version]


def test_a_long_document_is_read_in_pieces_with_the_same_entities(reviewed) -> None:
    """spaCy's ner holds all it reads at once in memory: a long document's ner reads it in
    pieces of a few thousand characters cut at line breaks, while the rules and the
    remembered names read it whole (a name is resolved by its first mention). The entities
    are those of the pipeline run on the whole text as spaCy runs it."""
    from unannotate.nlp.entity_spacy import NER_PIECE_CHARS, ner_pieces
    from unannotate.nlp.trained import load_trained
    from unannotate.nlp.training_entities import ner_token_pieces, scored_entity_rows

    project, _ids, marked = reviewed
    [report] = train(project, TrainingOptions(what=["entities"], **FAST))
    nlp = load_trained(model_store(project).find(report.version).path)
    short = [parse(m)[0] for m in marked[12:]]
    long_text = "\n".join(short * 40)
    pieces = ner_pieces(long_text, nlp.max_length)
    assert len(pieces) > 4 and "".join(p for p, _ in pieces) == long_text
    assert all(len(p) <= NER_PIECE_CHARS and (p.endswith("\n") or o + len(p) == len(long_text))
               for p, o in pieces)  # cut at line breaks
    doc = nlp.make_doc(long_text)
    cuts = ner_token_pieces(doc)
    assert len(cuts) == len(pieces) and cuts[0][0] == 0 and cuts[-1][1] == len(doc)
    assert all(b == c for (_, b), (c, _) in zip(cuts, cuts[1:]))  # every token, once
    texts = [short[0], long_text, short[1]]
    rows = scored_entity_rows(nlp, texts)
    whole = nlp(long_text)
    expected = sorted((e.start_char, e.end_char, e.label_)
                      for e in [*whole.ents, *whole.spans.get("unannotate_nested", ())])
    assert [row[:3] for row in rows[1]] == expected
    assert rows[1] and all(long_text[s:e].strip() == long_text[s:e] for s, e, *_ in rows[1])
    assert rows[0] == scored_entity_rows(nlp, [short[0]])[0]  # order kept around it
    assert rows[2] == scored_entity_rows(nlp, [short[1]])[0]
