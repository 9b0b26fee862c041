"""Label every occurrence (Ctrl+Shift+L): a dialog with the text, the label, the scope and a
preview of the counts, kept up to date on a worker thread as the choice changes; Apply labels
every mention as one decision (one Ctrl+Z takes all of it back).

:func:`open_label_all` is the entry point other panels call (a search result, a consistency
report's fix); :class:`LabelAllHandlers` is the review window's action.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import UnannotateError
from ..core.model import Label
from ..services.decisions import Change, Decider
from ..services.label_all import Applied, LabelAll, Preview, Scope, apply, preview
from .workers import Worker, start

SCOPES = ((Scope.DOCUMENT, "This document"), (Scope.NOT_DONE, "Documents not done"),
          (Scope.ALL, "All documents"))
DELAY_MS = 150  # typing pauses this long before the preview is counted again


class LabelAllDialog(QDialog):
    """The choice and its preview. ``applied(Applied)`` is called on the GUI thread once the
    decision is stored; the dialog then closes."""

    def __init__(self, reviewer: Decider, labels: list[Label], text: str, label: str | None,
                 *, document_id: int | None, regex: bool = False, ignore_case: bool = False,
                 scope: Scope = Scope.NOT_DONE,
                 applied: Callable[[Applied], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Label every occurrence")
        self.setMinimumWidth(480)
        self.reviewer = reviewer
        self.document_id = document_id
        self.on_applied = applied
        self.result_applied: Applied | None = None
        self.shown_preview: Preview | None = None
        self._generation = 0  # the newest preview asked for; older answers are dropped
        self._workers: list[Worker] = []
        self._applying = False
        self.text = QLineEdit(text)
        self.regex = QCheckBox("Regular expression")
        self.regex.setChecked(regex)
        self.ignore_case = QCheckBox("Ignore case")
        self.ignore_case.setChecked(ignore_case)
        self.label = QComboBox()
        for item in labels:
            self.label.addItem(f"{item.name}", item.name)
            self.label.setItemData(self.label.count() - 1, QColor(item.colour),
                                   Qt.ItemDataRole.DecorationRole)
        chosen = self.label.findData(label) if label is not None else -1
        self.label.setCurrentIndex(max(chosen, 0))
        self.scope = QComboBox()
        for choice, title in SCOPES:
            if choice is Scope.DOCUMENT and document_id is None:
                continue
            self.scope.addItem(title, choice)
        self.scope.setCurrentIndex(max(self.scope.findData(scope), 0))
        self.include_done = QCheckBox("Include documents I marked done")
        self.relabel = QCheckBox("Relabel places labelled differently (else leave them)")
        self.error = QLabel()
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.counts = QLabel("Counting…")
        self.counts.setTextFormat(Qt.TextFormat.PlainText)  # counts only, but never markup
        self.counts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counts.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # Room for every line of the counts from the start: the dialog does not jump.
        self.counts.setMinimumHeight(self.counts.fontMetrics().lineSpacing() * 8)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Apply
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.apply_button.setDefault(True)
        self.apply_button.setAutoDefault(True)
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.run_apply)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)  # Enter applies, even while the preview is counted
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Text", self.text)
        options = QWidget()
        row = QVBoxLayout(options)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.regex)
        row.addWidget(self.ignore_case)
        form.addRow("", options)
        form.addRow("", self.error)
        form.addRow("Label", self.label)
        form.addRow("Where", self.scope)
        form.addRow("", self.include_done)
        form.addRow("", self.relabel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.counts)
        layout.addWidget(self.buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.text.textChanged.connect(lambda _t: self._timer.start())
        for box in (self.regex, self.ignore_case, self.include_done, self.relabel):
            box.toggled.connect(lambda _on: self.refresh())
        for combo in (self.label, self.scope):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.label.setFocus()
        self.refresh()

    # -- the choice ----------------------------------------------------------------------
    def request(self) -> LabelAll:
        scope = Scope(self.scope.currentData())
        self.include_done.setEnabled(scope is not Scope.NOT_DONE)
        return LabelAll(
            text=self.text.text(), label=self.label.currentData(), scope=scope,
            document_id=self.document_id if scope is Scope.DOCUMENT else None,
            include_done=self.include_done.isChecked() and scope is not Scope.NOT_DONE,
            regex=self.regex.isChecked(), ignore_case=self.ignore_case.isChecked(),
            relabel=self.relabel.isChecked())

    def refresh(self) -> None:
        """Count the preview of the current choice again, on a worker thread."""
        self._generation += 1
        generation = self._generation
        request = self.request()
        self.apply_button.setEnabled(False)
        self.counts.setText("Counting…")
        worker = Worker(lambda _progress: _or_error(preview, self.reviewer, request))
        worker.signals.done.connect(lambda found: self._previewed(generation, found))
        worker.signals.failed.connect(lambda message: self._failed(generation, message))
        self._workers.append(worker)
        start(worker)

    def _previewed(self, generation: int, found: Preview | str) -> None:
        if isinstance(found, str):
            self._failed(generation, found)
            return
        if generation != self._generation:
            return
        self.error.hide()
        self.shown_preview = found
        self.counts.setText("\n".join(found.lines()))
        self.apply_button.setEnabled(found.changes > 0)

    def _failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self.shown_preview = None
        self.error.setText(message)  # under the text box: nothing is run
        self.error.show()
        self.counts.setText("")

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        # Enter applies (once the preview is counted); the default-button machinery would
        # pick Cancel while Apply waits for the count.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.run_apply()
            return
        super().keyPressEvent(event)

    # -- applying ------------------------------------------------------------------------
    def run_apply(self) -> None:
        """Apply the choice (on a worker thread): one decision; the dialog closes when it is
        stored, or says in one line why it was not."""
        if not self.apply_button.isEnabled():
            return
        request = self.request()
        self._applying = True  # one transaction under way: it ends stored or not at all
        for widget in (self.buttons, self.text, self.label, self.scope):
            widget.setEnabled(False)
        self.counts.setText(self.counts.text() + "\n\nLabelling…")
        worker = Worker(lambda _progress: _or_error(apply, self.reviewer, request))
        worker.signals.done.connect(self._applied)
        worker.signals.failed.connect(self._apply_failed)
        self._workers.append(worker)
        start(worker)

    def _applied(self, applied: Applied | str) -> None:
        if isinstance(applied, str):
            self._apply_failed(applied)
            return
        self._applying = False
        self.result_applied = applied
        if self.on_applied is not None:
            self.on_applied(applied)
        self.accept()

    def reject(self) -> None:
        if not self._applying:  # Cancel and Escape wait until the decision is stored
            super().reject()

    def _apply_failed(self, message: str) -> None:
        """Nothing was written: say why, and keep the choice and its counts as they were."""
        self._applying = False
        for widget in (self.buttons, self.text, self.label, self.scope):
            widget.setEnabled(True)
        self.error.setText(f"Not labelled: {message}")
        self.error.show()
        if self.shown_preview is not None:
            self.counts.setText("\n".join(self.shown_preview.lines()))
            self.apply_button.setEnabled(self.shown_preview.changes > 0)


def _or_error(run: Callable[[Decider, LabelAll], Any], reviewer: Decider,
              request: LabelAll) -> Any:
    """``run(reviewer, request)``, or the one line saying why it could not (a bad pattern,
    a read-only project): said in the dialog, not a fault to log."""
    try:
        return run(reviewer, request)
    except UnannotateError as error:
        return str(error)


def open_label_all(window: Any, text: str, label: str | None = None, *, regex: bool = False,
                   ignore_case: bool = False, scope: Scope = Scope.NOT_DONE) -> LabelAllDialog:
    """Open "label every occurrence" of ``text`` (a surface text, or a regular expression
    with ``regex``) over the review window ``window``, with ``label``, ``ignore_case`` and
    ``scope`` chosen first (the person can change them). After Apply the open document
    redraws with the new spans, and Ctrl+Z undoes it all."""
    document = window.document
    dialog = LabelAllDialog(window.reviewer, window.labels, text, label,
                            document_id=document.id if document is not None else None,
                            regex=regex, ignore_case=ignore_case, scope=scope,
                            applied=lambda done: show_applied(window, done), parent=window)
    dialog.open()
    return dialog


def show_applied(window: Any, applied: Applied) -> None:
    """Show a label-every-occurrence the project has stored: the open document's new spans
    through its state (the views redraw from the delta), the counts in the status bar."""
    change = applied.change
    document = window.document
    if document is not None and document.id in applied.spans_by_document:
        window._complete_open()
        window.open_doc.apply(Change(
            {document.id}, set(applied.spans_by_document[document.id]),
            statuses={k: v for k, v in change.statuses.items() if k == document.id}))
    if change.event_ids:
        window.decisions_this_session += 1
        window.reload_documents()  # counts of the other documents changed too
    window.activateWindow()
    window.view.setFocus(Qt.FocusReason.OtherFocusReason)  # Ctrl+Z next undoes all of it
    done = applied.preview
    window.statusBar().showMessage(
        f"Labelled {done.changes:,} mentions in {len(applied.spans_by_document):,} documents "
        "(Ctrl+Z undoes it all).", 10000)


class LabelAllHandlers:
    """Mixin for the review window: the handler of "Label every occurrence…"."""

    open_doc: Any
    view: Any
    document: Any
    character_mode: bool
    statusBar: Any
    _tokens: Any

    def label_every_occurrence(self) -> LabelAllDialog | None:
        """From the selected span (its text and label) or the selected text (snapped to
        whole tokens unless in character mode): the dialog."""
        document = self.document
        assert document is not None
        selected_text = self.view.selected_text_range()
        if selected_text is not None:
            start, end = selected_text
            if not self.character_mode:
                start, end = self._tokens().snap(start, end)
            return self._label_all_of(document.text[start:end].strip(), None)
        selected = self.open_doc.selected
        span = self.open_doc.span(selected) if selected is not None else None
        if span is None:
            self.statusBar().showMessage(
                "Label every occurrence: select a span or some text first.", 6000)
            return None
        return self._label_all_of(document.text[span.start:span.end], span.label)

    def _label_all_of(self, text: str, label: str | None) -> LabelAllDialog | None:
        if not text:
            return None
        return open_label_all(self, text, label)
