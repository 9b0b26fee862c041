"""Review → Improve suggestions from the keyboard: training in a separate process while
decisions go on, the before/after dialog, re-suggesting the documents not done (and nothing
else), Cancel, too little data; the "most uncertain first" order; the suggestion statistics
(service, command line and chart). Tiny models on invented documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from sqlalchemy import insert, select
from training_corpus import import_texts as _import
from training_corpus import pending_by_layer, reviewed_project
from typer.testing import CliRunner

from unannotate.cli import app
from unannotate.core.model import LabelKind, LayerKind, SpanState
from unannotate.nlp.base import SuggesterInfo
from unannotate.services.decisions import Decider
from unannotate.services.learning_stats import document_uncertainty, suggestion_outcomes
from unannotate.services.project import Project, open_project
from unannotate.services.suggesting import (
    ENTITY_RULES,
    suggestions_layer_id,
)
from unannotate.services.training import TrainingOptions, models_dir, trained_versions
from unannotate.storage.schema import (
    LayerRow,
    SpanRow,
    SuggestedDocumentRow,
)

FAST = TrainingOptions(what=("entities", "claims"), max_epochs=4, max_seconds=8.0)
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
LONG = 240_000  # ms: the machine is shared; a spawned process imports spaCy first


@pytest.fixture(autouse=True)
def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNANNOTATE_SETTINGS", str(tmp_path / "settings.json"))


def _window(qtbot, path: Path):  # type: ignore[no-untyped-def]
    from unannotate.qt.main_window import MainWindow
    from unannotate.services.preferences import Preferences

    window = MainWindow(open_project(path), "ana", Preferences.load(), auto_suggest=False)
    window.training_options = FAST
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.view.hasFocus)
    return window


def _own_spans(project: Project) -> set[tuple[int, int, int, int, str, int | None]]:
    with project.db.read() as session:
        return set(session.execute(
            select(SpanRow.id, SpanRow.document_id, SpanRow.start, SpanRow.end, SpanRow.state,
                   SpanRow.source_id)
            .join(LayerRow, LayerRow.id == SpanRow.layer_id)
            .where(LayerRow.kind == LayerKind.ANNOTATOR.value)).all())


def test_improve_from_the_keyboard_trains_while_deciding_then_resuggests(
        qtbot, project_path: Path, tmp_path: Path) -> None:
    ids = reviewed_project(project_path, tmp_path, done=10)
    window = _window(qtbot, project_path)
    project = window.project
    not_done = ids[10:]
    assert window.document is not None and window.document.id == not_done[0]
    done_before = pending_by_layer(project, ids[:10])
    assert done_before, "the done documents hold the rules' suggestions"

    qtbot.keyClick(window.view, Qt.Key.Key_T, CTRL_SHIFT)
    assert window.training is not None and window.training_bar is not None
    # Decisions go on while it trains: Tab selects a suggestion, A accepts it, stored at once.
    qtbot.keyClick(window.view, Qt.Key.Key_Tab)
    selected = window.open_doc.selected
    assert selected is not None
    qtbot.keyClick(window.view, Qt.Key.Key_A)
    decided = [s for s in Decider(project, "ana").spans(not_done[0])
               if s.source_id == selected]
    assert decided and decided[0].state is SpanState.ACCEPTED
    assert window.training is not None, "still training: the decision did not wait for it"
    own_before = _own_spans(project)

    qtbot.waitUntil(lambda: window.training_bar is not None
                    and "Improving suggestions" in window.training_bar.text.text(),
                    timeout=LONG)
    qtbot.waitUntil(lambda: window.improve_dialog is not None
                    and window.improve_dialog.isVisible(), timeout=LONG)
    dialog = window.improve_dialog
    # Nobody marked claims: claims are left out with the service's message, entities learn.
    assert list(dialog.tables) == ["entities"]
    assert dialog.notes.isVisibleTo(dialog) and "to train claims" in dialog.notes.text()
    from unannotate.qt.improve import current_suggester

    assert current_suggester(dialog.reports[0]) == ENTITY_RULES  # scored against what suggests
    table = dialog.tables["entities"]
    rows = {table.item(n, 0).text(): [table.item(n, c).text() for c in range(1, 4)]
            for n in range(table.rowCount())}
    assert "all labels" in rows and "GPE" in rows
    assert all(len(cell.split()) == 3 for cell in rows["all labels"][1:])  # P R F1, now and new
    [version] = trained_versions(project)
    # "Would more reviewing help?" starts the learning curve (Cancel stops it: nothing more).
    assert dialog.curve.isVisible() and not dialog.curve.isDefault()
    qtbot.mouseClick(dialog.curve, Qt.MouseButton.LeftButton)
    assert window.training is not None and window.training_bar.title == "Learning curve"
    qtbot.mouseClick(window.training_bar.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.training is None, timeout=LONG)
    assert "Learning curve cancelled" in window.statusBar().currentMessage()
    assert window.curve_dialog is None and [v.id for v in trained_versions(project)] == [
        version.id]

    dialog.activateWindow()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # the default button: re-suggest
    qtbot.waitUntil(lambda: not window.busy, timeout=LONG)
    layer = f"unannotate.entities.trained.v1:trained-{version.id}"
    after = pending_by_layer(project, ids)
    # Not-done documents: the rules' pending entity suggestions replaced by the new version's.
    assert not [key for key in after if key[0] in not_done and key[1] == ENTITY_RULES
                and key[0] != not_done[0]]
    with project.db.read() as session:
        suggested = set(session.scalars(
            select(SpanRow.document_id).join(LayerRow, LayerRow.id == SpanRow.layer_id)
            .where(LayerRow.name == layer)))
    assert suggested and suggested <= set(not_done)
    # The decided suggestion stays (it is what the annotation came from), so does the annotation.
    with project.db.read() as session:
        assert session.get(SpanRow, selected) is not None
    assert _own_spans(project) == own_before
    # Done documents untouched.
    assert {k: v for k, v in after.items() if k[0] in ids[:10]} == done_before
    # The open document shows what is stored (through its state), no rules' entity left
    # pending.
    pending = {s.id for s in Decider(project, "ana").pending(not_done[0])}
    assert window.pending_ids == pending
    assert "Re-suggested" in window.statusBar().currentMessage()
    # File → Suggest, like the suggest command, now uses the new version for new documents.
    [new_doc] = _import(project, tmp_path, ["Report 99.\nUNICEF delivered food to Peru.\n"])
    window.activateWindow()
    qtbot.waitUntil(window.view.hasFocus)
    qtbot.keyClick(window.view, Qt.Key.Key_S, CTRL_SHIFT)
    assert window.busy
    qtbot.waitUntil(lambda: not window.busy, timeout=LONG)
    with project.db.read() as session:
        assert new_doc in set(session.scalars(
            select(SuggestedDocumentRow.document_id)
            .join(LayerRow, LayerRow.id == SuggestedDocumentRow.layer_id)
            .where(LayerRow.name == layer)))


def test_cancel_registers_nothing(qtbot, project_path: Path, tmp_path: Path) -> None:
    reviewed_project(project_path, tmp_path, done=10)
    window = _window(qtbot, project_path)
    qtbot.keyClick(window.view, Qt.Key.Key_T, CTRL_SHIFT)
    bar = window.training_bar
    assert bar is not None and bar.cancel.isVisible()
    qtbot.mouseClick(bar.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.training is None, timeout=LONG)
    assert "cancelled" in window.statusBar().currentMessage()
    assert window.improve_dialog is None
    assert trained_versions(window.project) == []
    folder = models_dir(window.project)
    assert not folder.exists() or not [p for p in folder.rglob("meta.json")]


def test_too_little_data_says_how_many_and_trains_nothing(qtbot, project_path: Path,
                                                           tmp_path: Path) -> None:
    reviewed_project(project_path, tmp_path, done=2, total=4)
    window = _window(qtbot, project_path)
    qtbot.keyClick(window.view, Qt.Key.Key_T, CTRL_SHIFT)
    qtbot.waitUntil(lambda: window.improve_message is not None
                    and window.improve_message.isVisible(), timeout=LONG)
    text = window.improve_message.text()
    assert "to train entities: 2 done documents" in text and "at least 5" in text
    assert window.improve_message.textFormat() == Qt.TextFormat.PlainText
    assert window.training is None and window.improve_dialog is None
    assert trained_versions(window.project) == []


def test_the_action_has_its_key_in_the_menu_f1_and_readme() -> None:
    from unannotate.qt.actions import by_id

    spec = by_id()["review.improve"]
    assert spec.keys == ("Ctrl+Shift+T",) and spec.menu == "Review"
    assert by_id()["view.statistics"].keys == ("Ctrl+Shift+G",)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "| Ctrl+Shift+T |" in readme and "| Ctrl+Shift+G |" in readme


# -- most uncertain first ------------------------------------------------------------------


def _scored(project: Project, tmp_path: Path) -> list[int]:
    """Three documents whose suggestions have known scores: sure, unsure, none."""
    ids = _import(project, tmp_path, ["Ana went to Lima.", "Ben went to Quito.",
                                      "Cy went to Bogotá."])
    old = SuggesterInfo(name="test.old.v1", kind=LabelKind.ENTITY)
    new = SuggesterInfo(name="test.new.v1", kind=LabelKind.ENTITY)
    with project.db.session() as session:
        labels = project.label_ids(session)
        old_layer = suggestions_layer_id(session, old)
        new_layer = suggestions_layer_id(session, new)
        rows = [
            (old_layer, ids[0], 0, 3, 0.5), (new_layer, ids[0], 0, 3, 0.98),  # new: sure
            (new_layer, ids[0], 12, 16, 0.9),
            (old_layer, ids[1], 0, 3, 0.99),
            (old_layer, ids[1], 12, 17, 0.55),  # only the old version there: unsure
        ]
        session.execute(insert(SpanRow), [
            {"layer_id": layer, "document_id": doc, "start": s, "end": e,
             "label_id": labels["PERSON" if s == 0 else "GPE"], "state": "suggested",
             "score": score, "reason": "test"} for layer, doc, s, e, score in rows])
    return ids


def test_uncertainty_uses_the_newest_version_and_leaves_decided_out(project: Project,
                                                                    tmp_path: Path) -> None:
    ids = _scored(project, tmp_path)
    reviewer = Decider(project, "ana")
    scores = document_uncertainty(reviewer)
    assert scores[ids[0]] == pytest.approx((0.02 + 0.1) / 2)
    assert scores[ids[1]] == pytest.approx((0.01 + 0.45) / 2)
    assert ids[2] not in scores
    unsure = next(s for s in reviewer.pending(ids[1]) if s.score == 0.55)
    reviewer.accept(unsure.id)
    assert document_uncertainty(reviewer)[ids[1]] == pytest.approx(0.01)


def test_the_document_list_sorts_most_uncertain_first(qtbot, project_path: Path,
                                                     tmp_path: Path) -> None:
    with open_project(project_path) as project:
        ids = _scored(project, tmp_path)
    window = _window(qtbot, project_path)
    panel = window.document_panel

    def shown() -> list[int]:
        proxy = panel.filter
        return [proxy.data(proxy.index(n, 0), Qt.ItemDataRole.UserRole)
                for n in range(proxy.rowCount())]

    assert shown() == ids
    panel.order.setCurrentIndex(panel.order.findText("Most uncertain first"))
    assert shown() == [ids[1], ids[0], ids[2]]
    # "Next document" follows the order shown.
    window.open_document(ids[1])
    window.qactions["view.next_document"].trigger()
    assert window.document.id == ids[0]
    window.qactions["review.done"].trigger()  # marked done, the next in this order opens
    assert window.document.id == ids[2]
    panel.order.setCurrentIndex(panel.order.findText("Import order"))
    assert shown() == ids


# -- statistics ----------------------------------------------------------------------------


def _decided(project: Project, tmp_path: Path) -> tuple[list[int], Decider]:
    ids = _scored(project, tmp_path)
    reviewer = Decider(project, "ana")
    first = sorted(reviewer.pending(ids[0]), key=lambda s: s.start)  # old PERSON, new PERSON, GPE
    second = sorted(reviewer.pending(ids[1]), key=lambda s: s.start)  # old PERSON, old GPE
    reviewer.accept(first[0].id)  # old PERSON: accepted
    reviewer.reject(first[1].id)  # new PERSON: rejected
    reviewer.accept(first[2].id, label="LOC")  # new GPE: corrected (relabelled)
    accepted = reviewer.accept(second[0].id)  # old PERSON: accepted, then resized: corrected
    [own] = [s for s in accepted.written or [] if s.source_id == second[0].id]
    reviewer.resize(own.id, 0, 2)
    reviewer.reject(second[1].id)  # old GPE: rejected, then undone: not counted
    reviewer.undo()
    return ids, reviewer


def test_statistics_count_accepted_corrected_rejected_per_version_and_label(
        project: Project, tmp_path: Path) -> None:
    _decided(project, tmp_path)
    stats = suggestion_outcomes(project)
    assert stats.totals() == {
        ("test.new.v1", "GPE"): {"accepted": 0, "corrected": 1, "rejected": 0},
        ("test.new.v1", "PERSON"): {"accepted": 0, "corrected": 0, "rejected": 1},
        ("test.old.v1", "PERSON"): {"accepted": 1, "corrected": 1, "rejected": 0},
    }
    [(day, counts)] = stats.by_day()
    assert counts == {"accepted": 1, "corrected": 2, "rejected": 1}
    assert len(day) == 10  # an ISO date
    Decider(project, "ana").redo()  # the rejection made again counts
    assert suggestion_outcomes(project).totals()[("test.old.v1", "GPE")]["rejected"] == 1


def test_stats_command_prints_the_outcomes(project_path: Path, tmp_path: Path) -> None:
    with open_project(project_path) as project:
        _decided(project, tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["stats", "--project", str(project_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)["suggestion_outcomes"]
    assert {"suggester": "test.old.v1", "label": "PERSON", "accepted": 1, "corrected": 1,
            "rejected": 0} in data["totals"]
    text = runner.invoke(app, ["stats", "--project", str(project_path)]).output
    # suggester, label, accepted / corrected / rejected: a row of the table
    assert ["test.new.v1", "GPE", "0", "1", "0"] in [line.split() for line in text.splitlines()]


def test_the_statistics_chart_draws_bars(qtbot, project_path: Path, tmp_path: Path) -> None:
    with open_project(project_path) as project:
        _decided(project, tmp_path)
    window = _window(qtbot, project_path)
    qtbot.keyClick(window.view, Qt.Key.Key_G, CTRL_SHIFT)
    dialog = window.statistics_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.table.rowCount() == 3
    chart = dialog.chart
    assert sum(sum(c.values()) for _, c in chart.days) == 4
    image = chart.grab().toImage()
    area = chart.plot_area()
    colours = set()
    for x in range(int(area.left()) + 2, int(area.right()) - 1, 2):
        for y in range(int(area.top()), int(area.bottom()) - 1, 2):
            colours.add(QColor(image.pixel(x, y)).name())
    assert {"#2e7d32", "#f9a825", "#c62828"} <= colours  # every outcome has its bar
    # One suggester and label chosen: only its bars.
    dialog.suggester.setCurrentIndex(dialog.suggester.findText("test.new.v1"))
    dialog.label.setCurrentIndex(dialog.label.findText("PERSON"))
    assert [c for _, c in chart.days] == [{"accepted": 0, "corrected": 0, "rejected": 1}]


# -- would more reviewing help? --------------------------------------------------------------


def test_the_learning_curve_from_the_keyboard_draws_each_kind_and_registers_nothing(
        qtbot, project_path: Path, tmp_path: Path) -> None:
    from unannotate.qt.curve_chart import CURVE_COLOUR, NOW_COLOURS

    ids = reviewed_project(project_path, tmp_path, done=12)
    window = _window(qtbot, project_path)
    window.curve_shares = (0.5, 1.0)
    pending_before = pending_by_layer(window.project, ids)
    qtbot.keyClick(window.view, Qt.Key.Key_E, CTRL_SHIFT)
    assert window.training is not None and window.training_bar is not None
    bar = window.training_bar
    assert bar.title == "Learning curve"
    bar.show_progress("training", "entities: 50% (5 documents)", 1, 4, 2.0, 6.0)
    assert bar.text.text() == ("Learning curve: entities: 50% (5 documents) · about 6 s left")
    # A second press while it runs starts nothing more, and says so where the bar is (a
    # status bar message would hide the bar and its Cancel).
    qtbot.keyClick(window.view, Qt.Key.Key_E, CTRL_SHIFT)
    assert "Already training" in bar.text.text() and bar.isVisible() and bar.cancel.isVisible()
    bar.show_progress("training", "entities: 50% (5 documents)", 2, 4, 3.0, 3.0)
    assert "Already training" in bar.text.text()  # for a few seconds
    qtbot.waitUntil(lambda: window.curve_dialog is not None
                    and window.curve_dialog.isVisible(), timeout=LONG)
    dialog = window.curve_dialog
    # Nobody marked claims: claims are left out with the service's message.
    assert list(dialog.pages) == ["entities"]
    assert dialog.notes.isVisibleTo(dialog) and "to train claims" in dialog.notes.text()
    page = dialog.pages["entities"]
    curve = page.curve
    assert [p.documents for p in curve.points] == [5, 10] and curve.held_out == 2
    assert list(curve.before) == [ENTITY_RULES]
    table = page.table
    rows = {table.item(n, 0).text(): [table.item(n, c).text() for c in range(1, 4)]
            for n in range(table.rowCount())}
    assert "all labels" in rows and "PERSON" in rows
    assert rows["passes"][:2] == [f"{p.passes:g}" for p in curve.points]
    assert rows["all labels"][1] == f"{curve.points[1].evaluation.overall.f1:.2f}"
    assert rows["all labels"][2] == f"{curve.before[ENTITY_RULES].overall.f1:.2f}"
    assert "with the last 5 documents" in page.verdict.text()
    assert page.unmarked.isVisibleTo(dialog) and "DATE" in page.unmarked.text()
    # What is drawn: the curve's line and the current suggester's dashed line.
    chart = page.chart
    assert [d for d, _ in chart.points] == [5, 10] and [n for n, _ in chart.now] == [ENTITY_RULES]
    image = chart.grab().toImage()
    area = chart.plot_area()
    colours = {QColor(image.pixel(x, y)).name()
               for x in range(int(area.left()) + 1, int(area.right()), 1)
               for y in range(int(area.top()), int(area.bottom()), 2)}
    assert CURVE_COLOUR.name() in colours and NOW_COLOURS[0].name() in colours
    # One label chosen: its values drawn.
    page.label.setCurrentIndex(page.label.findText("PERSON"))
    assert [f1 for _, f1 in chart.points] == [
        p.evaluation.per_label["PERSON"].f1 for p in curve.points]
    # Nothing registered, no suggestion changed.
    assert trained_versions(window.project) == []
    assert pending_by_layer(window.project, ids) == pending_before
