"""Review → Improve suggestions: train from the reviewer's done documents in a separate
process (progress, time left and Cancel in the status bar; the window stays usable and
decisions go on), then a dialog with the held-out scores before and after per label;
accepting it re-suggests the documents nobody marked done, on the window's background jobs.
Review → Would more reviewing help? runs a learning curve the same way (nothing registered).
Also the document list's "most uncertain first" order and the suggestion statistics."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:  # the training service loads spaCy: imported when training starts
    from ..services.training import TrainingJob, TrainingOptions, TrainingReport

POLL_MS = 200
NOTICE_SECONDS = 5.0  # a notice in the training bar's place, before its progress again
# How the training service words too little data of one kind (nothing of it trained).
_TOO_LITTLE = re.compile(r"too little data (?:to train|for a learning curve of) (\w+)",
                         re.IGNORECASE)
ORDER_UNCERTAIN = "uncertain"


def _seconds(value: float) -> str:
    value = max(int(round(value)), 0)
    return f"{value // 60} min {value % 60:02d} s" if value >= 60 else f"{value} s"


class TrainingBar(QWidget):
    """The status bar's part while training: what it does, a progress bar, the time left
    and Cancel."""

    def __init__(self) -> None:
        super().__init__()
        self.title = "Improving suggestions"
        self._notice_until = 0.0
        self.text = QLabel("Starting the training…")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.bar = QProgressBar()
        self.bar.setFixedWidth(160)
        self.bar.setRange(0, 0)  # busy until the first progress arrives
        self.cancel = QPushButton("Cancel")
        self.cancel.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the document
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.text)
        row.addWidget(self.bar)
        row.addWidget(self.cancel)
        row.addStretch(1)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)

    def notice(self, text: str, seconds: float = NOTICE_SECONDS) -> None:
        """Say ``text`` in the bar's place for a while (a status bar message would hide the
        bar and its Cancel button)."""
        self._notice_until = time.monotonic() + seconds
        self.text.setText(text)

    def show_progress(self, stage: str, message: str, done: int, total: int,
                      seconds: float, left: float | None) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        if time.monotonic() < self._notice_until:
            return
        what = message or stage
        timing = (f"about {_seconds(left)} left" if left is not None
                  else f"{_seconds(seconds)} so far")
        self.text.setText(f"{self.title}: {what} · {timing}")


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)  # plain text, whatever the labels are called
    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
    return item


def current_suggester(report: TrainingReport) -> str | None:
    """Of the suggesters scored before, the one ``suggest`` used: the newest trained version
    when there was one, else the built-in rules."""
    names = [name for name in report.before if ".trained." in name]
    if names:
        return names[0]
    rules = [name for name in report.before if ".rules." in name]
    return rules[0] if rules else next(iter(report.before), None)


def score_rows(report: TrainingReport) -> list[tuple[str, str, str, str]]:
    """(label, held-out count, now "P R F1", new "P R F1") per label, then all labels."""
    now_name = current_suggester(report)
    now = report.before.get(now_name, {}) if now_name else {}
    after = report.after or {}
    labels = sorted(set(after.get("per_label", {})) | set(now.get("per_label", {})))

    def triple(score: dict[str, Any] | None) -> str:
        if not score:
            return "–"
        return f"{score['precision']:.2f}  {score['recall']:.2f}  {score['f1']:.2f}"

    rows = []
    for label in labels:
        new = after.get("per_label", {}).get(label)
        old = now.get("per_label", {}).get(label)
        gold = (new or old or {}).get("gold", 0)
        rows.append((label, str(gold), triple(old), triple(new)))
    overall_gold = (after.get("overall") or now.get("overall") or {}).get("gold", 0)
    rows.append(("all labels", str(overall_gold), triple(now.get("overall")),
                 triple(after.get("overall"))))
    return rows


def notes_label(notes: list[str] | None) -> QLabel:
    """The notes above a training's dialog (a kind left out, and why), one sentence each, as
    plain text; hidden when there are none."""
    label = QLabel("\n".join(n[:1].upper() + n[1:] + "." for n in notes or []))
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setVisible(bool(notes))
    return label


class BeforeAfterDialog(QDialog):
    """Per kind trained, per label: precision, recall and F1 on the held-out documents of
    the current suggesters and of the new model. OK re-suggests the documents not done."""

    def __init__(self, reports: list[TrainingReport], parent: QWidget | None = None, *,
                 notes: list[str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Improve suggestions: before and after")
        self.resize(760, 560)
        self.reports = reports
        layout = QVBoxLayout(self)
        self.notes = notes_label(notes)
        layout.addWidget(self.notes)
        self.tables: dict[str, QTableWidget] = {}
        self.heads: dict[str, QLabel] = {}  # per kind: what it learned from, and its notes
        for report in reports:
            now = current_suggester(report) or "none"
            head = QLabel(
                f"{report.what.capitalize()}: trained on {report.documents} done documents "
                f"({report.words:,} words) of the {report.layer} layer, scored on "
                f"{report.held_out} held-out documents. Now: {now}. New: {report.suggester}."
                + "".join(f" {n[:1].upper()}{n[1:]}." for n in report.notes))
            head.setTextFormat(Qt.TextFormat.PlainText)
            head.setWordWrap(True)
            rows = score_rows(report)
            table = QTableWidget(len(rows), 4)
            table.setHorizontalHeaderLabels(["Label", "Held out", "Now  P  R  F1",
                                             "New  P  R  F1"])
            for n, row in enumerate(rows):
                for column, text in enumerate(row):
                    table.setItem(n, column, _cell(text))
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            table.verticalHeader().hide()
            table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
            table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            layout.addWidget(head)
            layout.addWidget(table, 1)
            self.tables[report.what] = table
            self.heads[report.what] = head
        note = QLabel("The new version is registered beside the project (unannotate models "
                      "lists it). Re-suggesting replaces only the suggestions nobody has "
                      "decided, in the documents nobody has marked done.")
        note.setTextFormat(Qt.TextFormat.PlainText)
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox()
        self.use = buttons.addButton("Re-suggest the documents not done",
                                     QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep = buttons.addButton("Not now", QDialogButtonBox.ButtonRole.RejectRole)
        # Would reviewing more make the new version better still? (Ctrl+Shift+E too.)
        self.curve = buttons.addButton("Would more reviewing help?",
                                       QDialogButtonBox.ButtonRole.ActionRole)
        self.curve.setAutoDefault(False)
        self.curve.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Return stays with re-suggesting
        self.use.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class ImproveSuggestions:
    """Mixin for the review window (listed before ``QMainWindow``). The window provides
    ``project``, ``reviewer``, ``statusBar``, ``suggest_all``, ``document_panel`` and
    ``reload_documents``."""

    project: Any
    reviewer: Any
    document_panel: Any
    statusBar: Any
    # The training's settings (tests make them small); None: the service's defaults.
    training_options: TrainingOptions | None = None
    training: TrainingJob | None = None
    training_bar: TrainingBar | None = None
    improve_dialog: BeforeAfterDialog | None = None
    improve_message: QMessageBox | None = None
    statistics_dialog: QDialog | None = None
    training_reports: list[TrainingReport] | None = None
    training_notes: list[str]
    curve_dialog: QDialog | None = None
    # A learning curve's shares of the done documents (tests make them fewer).
    curve_shares: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
    _curve_mode = False

    # -- training ------------------------------------------------------------------------
    def improve_suggestions(self) -> None:
        """Train each kind (entities, then claims) in its own process, one after the other:
        a kind with too little data is left out with the service's message while the
        others still learn, and each kind is scored against what suggests now."""
        if self.training is not None:
            self._already_training()
            return
        self._start_training(curve=False)

    def learning_curve(self) -> None:
        """Would more reviewing help? Train each kind on growing parts of the done documents
        in a separate process (nothing registered), then show the curves."""
        if self.training is not None:
            self._already_training()
            return
        self._start_training(curve=True)

    def _already_training(self) -> None:
        if self.training_bar is not None:
            self.training_bar.notice("Already training: Cancel stops it; ask again when it "
                                     "is done.")

    def _start_training(self, *, curve: bool) -> None:
        from ..services.training import ENCODER, TrainingOptions

        options = self.training_options or TrainingOptions()
        preferences = getattr(self, "preferences", None)
        if preferences is not None and preferences.claim_model == ENCODER:
            options = replace(options, claim_model=ENCODER)  # Settings: a fine-tuned encoder
        self._curve_mode = curve
        self.training_notes = []
        self._training_reports: list[TrainingReport] = []
        self._training_curves: list[Any] = []
        self._training_queue = [replace(options, what=(kind,)) for kind in options.what]
        self._next_training()

    def _next_training(self) -> None:
        from ..services.training import TrainingJob

        job = TrainingJob(self.project.location, self._training_queue.pop(0),
                          shares=self.curve_shares if self._curve_mode else None)
        if self.training_bar is None:
            # A message shown now would be drawn under the bar's text (Qt hides the bar only
            # for messages shown after it).
            self.statusBar().clearMessage()
            bar = TrainingBar()
            if self._curve_mode:
                bar.title = "Learning curve"
            bar.cancel.clicked.connect(self.cancel_training)
            self.statusBar().addWidget(bar, 1)
            bar.show()
            self.training_bar = bar
            self._training_timer = QTimer(self)  # type: ignore[arg-type]
            self._training_timer.timeout.connect(self._poll_training)
        self.training = job
        job.start()
        self._training_timer.start(POLL_MS)

    def cancel_training(self) -> None:
        if self.training is not None:
            self.training.cancel()
            if self.training_bar is not None:
                self.training_bar.text.setText("Cancelling the training…")
                self.training_bar.cancel.setEnabled(False)

    def stop_training(self) -> None:
        """The window closes: the training process stops at once, nothing registered."""
        if self.training is not None:
            self._training_timer.stop()
            self._training_queue = []
            self.training.kill()
            self.training = None

    def _poll_training(self) -> None:
        job, bar = self.training, self.training_bar
        if job is None or bar is None:
            return
        progress = job.poll()
        if progress is not None and not job.finished:
            bar.show_progress(progress.stage, progress.message, progress.done, progress.total,
                              progress.seconds, progress.seconds_left)
        if not job.finished:
            return
        self._training_timer.stop()
        self.training = None
        if job.error is not None and "cancelled" in job.error:
            self._training_queue = []
        elif job.error is not None and _TOO_LITTLE.search(job.error):
            self.training_notes.append(job.error)  # this kind left out; the others go on
        elif job.error is not None:
            self._training_queue = []
            self.training_notes.append(job.error)
        self._training_reports += job.reports or []
        self._training_curves += job.curves or []
        if self._training_queue:
            self._next_training()
            return
        self.statusBar().removeWidget(bar)
        bar.deleteLater()
        self.training_bar = None
        if self._curve_mode:
            self._show_curves(job.error)
            return
        if job.error is not None and "cancelled" in job.error:
            done = ", ".join(r.what for r in self._training_reports)
            self._say(job.error + (f" (the {done} version trained before it is registered, "
                                   "not used until you re-suggest)" if done else ""),
                      warning=False)
            return
        if not self._training_reports:
            self._say("\n".join(n[:1].upper() + n[1:] for n in self.training_notes),
                      warning=True)
            return
        self.training_reports = self._training_reports
        dialog = BeforeAfterDialog(self.training_reports, self,  # type: ignore[arg-type]
                                   notes=self.training_notes)
        dialog.accepted.connect(lambda: self.resuggest(self.training_reports or []))
        dialog.curve.clicked.connect(self.learning_curve)
        dialog.setModal(False)  # decisions go on while it is read
        dialog.show()
        self.improve_dialog = dialog

    def _show_curves(self, error: str | None) -> None:
        if error is not None and "cancelled" in error:
            self._say("Learning curve cancelled: nothing was registered", warning=False)
            return
        if not self._training_curves:
            self._say("\n".join(n[:1].upper() + n[1:] for n in self.training_notes),
                      warning=True)
            return
        from .curve_chart import CurveDialog

        dialog = CurveDialog(self._training_curves, self,  # type: ignore[arg-type]
                             notes=self.training_notes)
        dialog.setModal(False)  # decisions go on while it is read
        dialog.show()
        self.curve_dialog = dialog

    def _say(self, message: str, *, warning: bool) -> None:
        """A message that does not block the window: the status bar, and (a problem) a box."""
        text = message[:1].upper() + message[1:]
        self.statusBar().showMessage(text, 12000)
        if not warning:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "Learning curve" if self._curve_mode
                          else "Improve suggestions", text,
                          parent=self)  # type: ignore[call-overload]
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setModal(False)
        box.show()
        self.improve_message = box

    def resuggest(self, reports: list[TrainingReport]) -> Any:
        """The new versions suggest for every document nobody marked done, replacing the
        pending suggestions there (the ``suggest`` command's service, on a worker)."""
        names = [report.suggester for report in reports]
        return self.suggest_all(names)  # type: ignore[attr-defined]

    # -- the document list's order -------------------------------------------------------
    def apply_document_order(self) -> None:
        """Sort the document list by the order chosen (by uncertainty: read now)."""
        from ..services.learning_stats import document_uncertainty

        order = self.document_panel.order.currentData()
        scores = document_uncertainty(self.reviewer) if order == ORDER_UNCERTAIN else {}
        self.document_panel.filter.set_order(order, scores)

    # -- statistics ----------------------------------------------------------------------
    def show_statistics(self) -> None:
        from ..services.learning_stats import suggestion_outcomes
        from .stats_chart import StatisticsDialog

        dialog = StatisticsDialog(suggestion_outcomes(self.project), self)  # type: ignore[arg-type]
        dialog.setModal(False)
        dialog.show()
        self.statistics_dialog = dialog
