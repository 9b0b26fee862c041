"""Claims learned by fine-tuning a pretrained encoder (the optional ``encoder`` extra).

A tiny BERT made here (random weights, a vocabulary of the test sentences' words) stands in
for the packaged all-MiniLM-L6-v2: the code path is the same, it trains in seconds, and the
tests need nothing but PyTorch and transformers. Without them the tests that fine-tune are
skipped and the errors a person would meet are still checked.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import spacy
from training_corpus import endorsements, import_texts, marked_documents, parse
from typer.testing import CliRunner

from unannotate.cli import app
from unannotate.core.model import DocumentStatus
from unannotate.nlp import claim_encoder
from unannotate.nlp.base import SuggesterError, SuggesterInput, suggestion_rows
from unannotate.nlp.training import (
    ENCODER,
    Clock,
    TrainingCancelled,
    TrainingError,
    TrainingSettings,
)
from unannotate.nlp.training_claims import claim_units, train_claims
from unannotate.services.decisions import Decider
from unannotate.services.project import Project, open_project
from unannotate.services.suggesting import build_suggesters
from unannotate.services.training import TrainingOptions, model_store, train

runner = CliRunner()
Reviewed = tuple[Project, list[int]]


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-layer BERT of width 32 with a word-piece vocabulary of the tests' words."""
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    words = set()
    for doc in endorsements(40):
        words |= set(re.findall(r"\w+|[^\w\s]", doc.text.lower()))
    for marked in marked_documents(16, seed=3):
        words |= set(re.findall(r"\w+|[^\w\s]", parse(marked)[0].lower()))
    folder = tmp_path_factory.mktemp("tiny-encoder")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(words)]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(folder / "vocab.txt"))
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=32,
                                     num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=64, max_position_embeddings=160)
    __import__("torch").manual_seed(0)
    transformers.BertModel(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


@pytest.fixture
def fast_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """A randomly initialised encoder needs larger steps than a pretrained one."""
    monkeypatch.setattr(claim_encoder, "LEARNING_RATE", 3e-3)


def _settings(encoder: Path, **more: object) -> TrainingSettings:
    return TrainingSettings(what="claims", claim_model=ENCODER, encoder=str(encoder),
                            **more)  # type: ignore[arg-type]


def test_the_fine_tuned_encoder_learns_what_the_reviewers_call_a_claim(
        tiny_encoder: Path, fast_steps: None) -> None:
    stages = []
    model, summary = train_claims(endorsements(40), _settings(tiny_encoder),
                                  Clock(stages.append, None))
    assert summary.spans == {"CLAIM": 40, "sentences": 80}
    assert summary.passes == claim_encoder.EPOCHS
    steps = [p for p in stages if p.stage == "training"]
    assert steps[-1].done == steps[-1].total == claim_encoder.EPOCHS * 5  # 80 / 16 a pass
    text = "The board endorsed the water charter. We believe the road map grew by 40 " \
        "percent in 2020, frankly."
    units = claim_units(text, "en")
    assert [u.rules_score >= 0.5 for u in units] != [True, False]  # not the rules' view
    assert [s >= model.threshold for s in model.scored(units, text)] == [True, False]
    [(start, end, label, score, why)] = model.predict(text, "en")
    assert (start, end, label) == (units[0].start, units[0].end, "CLAIM")
    assert why.endswith(f"encoder score {score:.2f}") and score >= 0.5


def test_the_time_limit_stops_fine_tuning_and_is_said(
        tiny_encoder: Path, reviewed_claims: Reviewed) -> None:
    project, _ = reviewed_claims
    [report] = train(project, TrainingOptions(what=["claims"], claim_model=ENCODER,
                                              encoder=str(tiny_encoder), encoder_seconds=0.0))
    version = model_store(project).newest("claims")
    assert version.id == report.version and version.info["data"]["passes"] < 1
    assert any(n.startswith("the time limit (0 s) stopped the fine-tuning after") for n in
               report.notes)


@pytest.fixture
def reviewed_claims(project: Project, tmp_path: Path) -> Reviewed:
    """Twelve invented news documents with their claims marked, done; four more not."""
    marked = marked_documents(16, seed=3)
    ids = import_texts(project, tmp_path, [parse(m)[0] for m in marked])
    reviewer = Decider(project, "ana")
    for doc_id, text in zip(ids[:12], marked[:12], strict=True):
        for start, end in parse(text)[2]:
            reviewer.add(doc_id, start, end, "CLAIM")
        reviewer.set_status(doc_id, DocumentStatus.DONE)
    return project, ids


def test_an_encoder_version_registers_suggests_after_a_restart_and_exports(
        tiny_encoder: Path, fast_steps: None, reviewed_claims: Reviewed, project_path: Path,
        tmp_path: Path) -> None:
    project, ids = reviewed_claims
    [report] = train(project, TrainingOptions(what=["claims"], claim_model=ENCODER,
                                              encoder=str(tiny_encoder), encoder_seconds=120.0))
    assert report.after is not None and "unannotate.claims.rules.v1" in report.before
    assert report.notes[0] == (f"claims learned by fine-tuning the pretrained encoder "
                               f"{tiny_encoder.name} ({claim_encoder.EPOCHS:g} passes over "
                               "the sentences)")
    version = model_store(project).newest("claims")
    assert version.id == report.version and version.info["claim_model"] == \
        f"encoder:{tiny_encoder.name}"
    meta = json.loads((version.path / "meta.json").read_text(encoding="utf-8"))
    assert [r.split(">=")[0] for r in meta["requirements"]] == ["torch", "transformers"]
    project.close()
    with open_project(project_path) as again:  # as after a restart
        [suggester] = build_suggesters(["unannotate.claims.trained.v1"], project=again)
        assert suggester.info.pipeline_version == report.version
        with again.db.read() as session:
            from sqlalchemy import select

            from unannotate.storage.schema import DocumentRow

            texts = dict(session.execute(select(DocumentRow.id, DocumentRow.text)
                                         .where(DocumentRow.id.in_(ids[12:]))).all())
        found = dict(suggestion_rows(suggester,
                                     [SuggesterInput(k, t) for k, t in texts.items()]))
    assert sum(len(rows) for rows in found.values()) > 0
    listed = runner.invoke(app, ["models", "--project", str(project_path)])
    assert listed.exit_code == 0, listed.output
    from unannotate.services.training import encoder_unavailable

    why = encoder_unavailable()
    assert (f"claims: the fine-tuned encoder {why}" if why else
            "claims can be learned with the fine-tuned encoder") in listed.output
    [line] = [n for n in listed.output.splitlines() if report.version in n]
    assert line.rstrip().endswith(f"ana, fine-tuned {tiny_encoder.name}")
    out = tmp_path / "exported"
    result = runner.invoke(app, ["export-model", report.version, "-o", str(out),
                                 "--project", str(project_path)])
    assert result.exit_code == 0, result.output
    nlp = spacy.load(out)
    for doc_id, text in texts.items():
        doc = nlp(text)
        exported = [(s.start_char, s.end_char, s.label_) for s in doc.spans["claims"]]
        assert exported == [(s, e, lab) for s, e, lab, _, _ in found[doc_id]]
        assert doc.spans["claims"].attrs["scores"] == [r[3] for r in found[doc_id]]


def test_a_cancelled_fine_tuning_registers_nothing(tiny_encoder: Path,
                                                   reviewed_claims: Reviewed) -> None:
    project, _ = reviewed_claims
    seen = []

    def stop() -> bool:
        return any(p.stage == "training" and p.done >= 2 for p in seen)

    with pytest.raises(TrainingCancelled):
        train(project, TrainingOptions(what=["claims"], claim_model=ENCODER,
                                       encoder=str(tiny_encoder)),
              progress=seen.append, should_stop=stop)
    assert model_store(project).newest("claims") is None


def test_without_the_libraries_or_the_weights_nothing_trains_and_it_says_how(
        monkeypatch: pytest.MonkeyPatch, reviewed_claims: Reviewed, tmp_path: Path,
        project_path: Path) -> None:
    project, _ = reviewed_claims
    monkeypatch.setattr(claim_encoder, "missing_libraries", lambda: ["torch", "transformers"])
    with pytest.raises(TrainingError, match=re.escape(
            "training claims with an encoder needs torch and transformers, which are not "
            "installed (pip install 'unannotate[encoder]'); nothing was trained")):
        train(project, TrainingOptions(what=["entities", "claims"], claim_model=ENCODER))
    assert model_store(project).newest("entities") is None  # checked before any training
    listed = runner.invoke(app, ["models", "--project", str(project_path)])
    assert ("claims: the fine-tuned encoder needs torch and transformers (pip install "
            "'unannotate[encoder]')") in listed.output
    monkeypatch.setattr(claim_encoder, "missing_libraries", lambda: [])
    monkeypatch.setattr(claim_encoder, "packaged_encoder", lambda: None)
    with pytest.raises(TrainingError, match="the packaged all-MiniLM-L6-v2 is not installed"):
        train(project, TrainingOptions(what=["claims"], claim_model=ENCODER))
    project.close()
    result = runner.invoke(app, ["train", "--what", "claims", "--claim-model", "encoder",
                                 "--encoder", str(tmp_path / "nowhere"),
                                 "--project", str(project_path)])
    assert result.exit_code == 1
    assert "is not a folder with a config.json" in result.output
    result = runner.invoke(app, ["train", "--what", "claims", "--claim-model", "bert",
                                 "--project", str(project_path)])
    assert result.exit_code == 1
    assert "--claim-model takes regression or encoder, not 'bert'" in result.output


def test_a_version_that_needs_the_missing_libraries_is_refused_clearly(
        tiny_encoder: Path, reviewed_claims: Reviewed, monkeypatch: pytest.MonkeyPatch) -> None:
    project, _ = reviewed_claims
    train(project, TrainingOptions(what=["claims"], claim_model=ENCODER,
                                   encoder=str(tiny_encoder), encoder_seconds=0.0))
    monkeypatch.setattr(claim_encoder, "missing_libraries", lambda: ["torch"])
    with pytest.raises(SuggesterError, match=re.escape(
            f"fine-tuned from the encoder {tiny_encoder.name} and needs torch to suggest "
            "(pip install 'unannotate[encoder]')")):
        build_suggesters(["unannotate.claims.trained.v1"], project=project)


def test_the_packaged_encoder_is_found_without_importing_it(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    package = tmp_path / claim_encoder.PACKAGED
    (package / "model").mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert claim_encoder.packaged_encoder() is None  # no config.json: not a model
    (package / "model" / "config.json").write_text("{}")
    assert claim_encoder.packaged_encoder() == package / "model"


def test_regression_versions_keep_their_ids() -> None:
    """A version id names the data and settings; the claim model enters it only when it is
    not the regression, so retraining the same data the same way gives the same id."""
    from unannotate.nlp.training import version_id

    docs = endorsements(6)
    plain = TrainingSettings(what="claims")
    assert "claim_model" not in plain.key()
    assert version_id(docs, plain) != version_id(docs, _settings(Path("enc")))


# -- in the window: Settings chooses the encoder, Improve suggestions fine-tunes it ----------


def _in_settings(qtbot, window, act) -> list:  # type: ignore[no-untyped-def]
    """Open Settings with Ctrl+, and call ``act(dialog)`` on it while it is open (it is
    modal); what ``act`` returns is collected."""
    from dialogs import when_shown
    from PySide6.QtCore import Qt

    from unannotate.qt.dialogs import SettingsDialog

    seen = when_shown(SettingsDialog, act)
    qtbot.keyClick(window.view, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    if isinstance(seen[0], BaseException):
        raise seen[0]
    return seen


def _choose_with_the_keyboard(qtbot, dialog):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QLabel

    dialog.activateWindow()
    QApplication.processEvents()
    qtbot.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)  # the label's key
    assert dialog.claim_model.hasFocus()
    qtbot.keyClick(dialog.claim_model, Qt.Key.Key_Down)
    chosen = dialog.claim_model.currentData()
    notes = [label.text() for label in dialog.findChildren(QLabel)
             if label.isVisibleTo(dialog)]
    image = dialog.grab().toImage()
    qtbot.keyClick(dialog.claim_model, Qt.Key.Key_Return)  # OK is the default button
    return chosen, notes, image


@pytest.fixture
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "settings.json"
    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(path))
    return path


def test_settings_choose_the_encoder_and_improve_suggestions_fine_tunes_it(
        qtbot, tiny_encoder: Path, project_path: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch, settings_file: Path) -> None:
    from PySide6.QtCore import Qt
    from test_improve_window import CTRL_SHIFT, LONG, _window
    from training_corpus import reviewed_project

    from unannotate.services.preferences import Preferences
    from unannotate.services.training import trained_versions

    # The packaged encoder need not be installed: the tiny one is named in the options.
    monkeypatch.setattr("unannotate.services.training.encoder_unavailable", lambda: None)
    reviewed_project(project_path, tmp_path, done=10, claims=True)
    window = _window(qtbot, project_path)
    window.training_options = TrainingOptions(what=("claims",), encoder=str(tiny_encoder),
                                              encoder_seconds=120.0)
    [(chosen, notes, image)] = _in_settings(
        qtbot, window, lambda dialog: _choose_with_the_keyboard(qtbot, dialog))
    assert chosen == "encoder" and not any("needs" in n for n in notes)
    assert not image.isNull()
    assert window.preferences.claim_model == "encoder"
    assert Preferences.load(settings_file).claim_model == "encoder"  # kept for next time

    window.activateWindow()
    qtbot.waitUntil(window.view.hasFocus)
    qtbot.keyClick(window.view, Qt.Key.Key_T, CTRL_SHIFT)
    assert window.training is not None
    qtbot.waitUntil(lambda: window.improve_dialog is not None
                    and window.improve_dialog.isVisible(), timeout=LONG)
    dialog = window.improve_dialog
    assert list(dialog.tables) == ["claims"]
    head = dialog.heads["claims"]
    assert head.isVisibleTo(dialog)
    assert (f"Claims learned by fine-tuning the pretrained encoder {tiny_encoder.name}"
            in head.text())
    dialog.grab().save(str(tmp_path / "encoder-before-after.png"))
    [version] = trained_versions(window.project)
    assert version.info["claim_model"] == f"encoder:{tiny_encoder.name}"
    dialog.reject()


def test_without_the_encoder_extra_settings_say_why_and_keep_the_regression(
        qtbot, project_path: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch, settings_file: Path) -> None:
    from test_improve_window import _window
    from training_corpus import reviewed_project

    why = "needs torch and transformers (pip install 'unannotate[encoder]')"
    monkeypatch.setattr("unannotate.services.training.encoder_unavailable", lambda: why)
    settings_file.write_text(json.dumps({"claim_model": "encoder"}))
    reviewed_project(project_path, tmp_path, done=2)
    window = _window(qtbot, project_path)
    [(chosen, notes, _)] = _in_settings(
        qtbot, window, lambda dialog: _choose_with_the_keyboard(qtbot, dialog))
    assert chosen == "regression"  # the disabled entry cannot be chosen
    assert f"The fine-tuned encoder {why}." in notes
    assert window.preferences.claim_model == "regression"
