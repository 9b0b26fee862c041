"""The document's language in the review window: shown in the status bar, changed with
"Document language…" (Ctrl+Shift+K, or a click on it in the status bar).

The dialog offers the languages with rules by name and any other by its code (checked as
``import --language`` checks it); the change is stored on a worker thread
(:func:`~unannotate.services.document_language.set_document_language`), then the open
document redraws from the change's delta: the pending suggestions made again, the decided
spans as they were.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import UnannotateError
from ..services.decisions import Change
from ..services.document_language import LanguageChange, set_document_language
from ..services.languages import (
    RULE_LANGUAGE_CODES,
    check_language_code,
    language_name,
    language_note,
)
from .workers import Worker, start

OTHER = ""  # the choice's data for "another language, by its code"


class LanguageDialog(QDialog):
    """The current language and the choice of another. ``chosen`` is the code once
    accepted; an invalid code is said under the box and the dialog stays open."""

    def __init__(self, title: str, current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Document language")
        self.setMinimumWidth(460)
        self.chosen: str | None = None
        shown = title if len(title) <= 80 else title[:79] + "…"
        self.current = QLabel(f"“{shown}” is in {language_name(current)}.")
        self.current.setTextFormat(Qt.TextFormat.PlainText)  # a title is never markup
        self.current.setWordWrap(True)
        self.choice = QComboBox()
        for code in RULE_LANGUAGE_CODES:
            self.choice.addItem(language_name(code), code)
        self.choice.addItem("Other: a language code…", OTHER)
        self.code = QLineEdit()
        self.code.setPlaceholderText("a code such as de, uk or zh-Hans")
        self.error = QLabel()
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        explained = QLabel(
            "The suggestions not decided yet are made again with the new language's rules; "
            "your decisions and colleagues' stay as they are, and a document marked done "
            "keeps its suggestions. Ctrl+Z undoes the change.")
        explained.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Language", self.choice)
        form.addRow("Code", self.code)
        form.addRow("", self.error)
        layout = QVBoxLayout(self)
        layout.addWidget(self.current)
        layout.addLayout(form)
        layout.addWidget(explained)
        layout.addWidget(buttons)
        index = self.choice.findData(current)
        if index < 0:
            index = self.choice.findData(OTHER)
            self.code.setText(current)
        self.choice.setCurrentIndex(index)
        self._chose(index)
        self.choice.currentIndexChanged.connect(self._chose)
        self.code.textChanged.connect(lambda _text: self.error.hide())
        self.choice.setFocus()

    def _chose(self, _index: int) -> None:
        other = self.choice.currentData() == OTHER
        self.code.setEnabled(other)
        self.error.hide()
        if other and self.isVisible():
            self.code.setFocus()
            self.code.selectAll()

    def choice_code(self) -> str:
        """The code chosen (a code typed by hand checked: an error saying why not)."""
        data = self.choice.currentData()
        return check_language_code(self.code.text()) if data == OTHER else str(data)

    def accept(self) -> None:
        try:
            self.chosen = self.choice_code()
        except UnannotateError as error:
            self.error.setText(str(error))
            self.error.show()
            self.code.setFocus()
            return
        super().accept()


class DocumentLanguageHandlers:
    """Mixin for the review window: the language in the status bar and the handler of
    "Document language…"."""

    project: Any
    reviewer: Any
    open_doc: Any
    view: Any
    document: Any
    decisions_this_session: int
    statusBar: Any
    language_dialog: LanguageDialog | None = None

    def init_document_language(self) -> None:
        """The status bar's language button, kept up to date as documents open."""
        self.language_button = QPushButton()
        self.language_button.setFlat(True)
        self.language_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.language_button.clicked.connect(lambda: self.change_document_language())
        self.statusBar().addPermanentWidget(self.language_button)
        self.open_doc.observe(lambda _state, delta: self.show_document_language()
                              if delta.reset else None)
        self.show_document_language()

    def show_document_language(self) -> None:
        document = self.document
        button = self.language_button
        button.setVisible(document is not None)
        if document is None:
            return
        note = language_note(document.language)
        button.setText(f"🌐 {language_name(document.language)}"
                       + (": no rules" if note is not None else ""))
        button.setToolTip((note[:1].upper() + note[1:] + ".\n" if note else "")
                          + "The document's language: its suggestions follow that "
                          "language's rules. Click (or Ctrl+Shift+K) to change it.")

    def change_document_language(self) -> LanguageDialog | None:
        """The dialog; once a language is chosen, the change is stored on a worker."""
        if self.project.read_only:
            self.statusBar().showMessage(
                "Document language: the project is open read-only; nothing can be changed.",
                8000)
            return None
        document = self.document
        if document is None:
            return None
        dialog = LanguageDialog(document.title or "(untitled)", document.language,
                                self)  # type: ignore[arg-type]
        dialog.accepted.connect(lambda: self._store_language(document.id, dialog.chosen))
        dialog.finished.connect(lambda _result: self._back_to_text())
        self.language_dialog = dialog
        dialog.open()
        return dialog

    def _store_language(self, document_id: int, code: str | None) -> None:
        if code is None:
            return
        self.statusBar().showMessage(f"Document language: {language_name(code)}; making "
                                     "the suggestions again…")
        worker = Worker(lambda _progress: set_document_language(self.reviewer, document_id,
                                                                code))
        worker.signals.done.connect(self._language_stored)
        worker.signals.failed.connect(lambda message: self.statusBar().showMessage(
            f"The document's language was not changed: {message}", 15000))
        self._language_worker = worker
        start(worker)

    def _language_stored(self, result: LanguageChange) -> None:
        document = self.document
        if result.changed:
            self.decisions_this_session += 1
            self.follow_language(result.change)
            if document is not None and document.id == result.document_id:
                self._complete_open()  # type: ignore[attr-defined]
                self.open_doc.apply(result.change)  # the views redraw from its delta
            self.reload_documents()  # type: ignore[attr-defined]  # the list's counts
        self.statusBar().showMessage(result.message(), 15000)
        self._back_to_text()  # Ctrl+Z next undoes it

    def _back_to_text(self) -> None:
        self.activateWindow()  # type: ignore[attr-defined]
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def follow_language(self, change: Change) -> None:
        """The open document's language as ``change`` (a language change, its undo or its
        redo) left it, shown in the status bar."""
        document = self.document
        if document is not None and document.id in change.languages:
            self.open_doc.document = replace(document,
                                             language=change.languages[document.id])
            self.show_document_language()
