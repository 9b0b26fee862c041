"""Find in every document (Ctrl+Shift+F): a panel docked under the review window.

A search box, a regular-expression toggle and a whole-words toggle; the hits listed under
their document (with the document's count), each with its context on both sides and the
annotations on it, all as plain text. The search runs on a worker thread: the first hits
appear at once, the count grows as it runs, Cancel stops it between batches. At most
``MAX_LISTED`` hits are listed (the count goes on), so a pattern found millions of times
holds no more than that in memory. An invalid expression is said under the search box and
nothing runs. Enter or a double click on a hit opens its document with the hit selected.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import InputError
from ..services.find import (
    DocumentHits,
    FindQuery,
    Hit,
    bring_index_up_to_date,
    compile_query,
    find,
    one_line,
)
from ..services.project import Project
from .label_all_dialog import open_label_all
from .workers import Worker, start

MAX_LISTED = 5_000  # hits listed; past them only the counts grow
EMIT_SECONDS = 0.15  # hits found are handed to the list at most this often (the first at once)
HIT_ROLE = Qt.ItemDataRole.UserRole


class _ContextDelegate(QStyledItemDelegate):
    """The context before a hit is cut at its start ("…met the"), the rest at their end, so
    the words next to the hit always show."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: Any) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        before = index.column() == 0 and index.parent().isValid()
        option.textElideMode = (Qt.TextElideMode.ElideLeft if before
                                else Qt.TextElideMode.ElideRight)


class _Bridge(QObject):
    """Signals from the search's worker thread to the panel (queued to the GUI thread)."""

    found = Signal(int, object, int, int)  # search number, documents to list, documents, hits
    finished = Signal(int, bool, str)  # search number, cancelled, error ("" if none)


def _labels_text(hit: Hit) -> str:
    return ", ".join(f"{item.label} ({'you' if item.mine else item.layer}"
                     f"{'' if item.exact else ', overlaps'})" for item in hit.labels)


class FindPanel(QDockWidget):
    """The find panel. ``open_hit(hit)`` is called for a hit to show; ``annotator()`` says
    whose annotations are the reviewer's own."""

    label_all_requested = Signal(str, bool)  # pattern, regex
    search_finished = Signal()

    def __init__(self, project: Project, annotator: Callable[[], str],
                 open_hit: Callable[[Hit], None], parent: QWidget | None = None, *,
                 labels: list[str] | None = None) -> None:
        super().__init__("Find in every document", parent)
        self.setObjectName("find_panel")
        self.project = project
        self.annotator = annotator
        self.open_hit = open_hit
        self._bridge = _Bridge()
        self._bridge.found.connect(self._add_found)
        self._bridge.finished.connect(self._finished)
        self._search = 0
        self._worker: Worker | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._query: FindQuery | None = None
        self._listed: list[Hit] = []
        self.documents_found = 0
        self.hits_found = 0
        self._build(labels if labels is not None else [x.name for x in project.labels()])

    # -- building ------------------------------------------------------------------------
    def _build(self, labels: list[str]) -> None:
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 4, 6, 4)
        row = QHBoxLayout()
        self.box = QLineEdit()
        self.box.setPlaceholderText("A word, a phrase, or a regular expression — Enter finds, "
                                    "↓ goes to the hits")
        self.box.returnPressed.connect(self.run_search)
        self.box.textChanged.connect(self._query_edited)
        self.box.installEventFilter(self)
        self.regex = QCheckBox("Regular expression")
        self.whole_words = QCheckBox("Whole words")
        self.whole_words.setChecked(True)
        for toggle in (self.regex, self.whole_words):
            toggle.toggled.connect(self._query_edited)
        self.label = QComboBox()
        self.label.setToolTip("Only the hits an annotation with this label covers or "
                              "overlaps (anyone's layer, or gold)")
        self.set_labels(labels)
        self.find_button = QPushButton("Find")
        self.find_button.clicked.connect(self.run_search)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.label_all_button = QPushButton("Label every occurrence…")
        self.label_all_button.setEnabled(False)
        self.label_all_button.clicked.connect(self._label_all)
        row.addWidget(self.box, 1)
        for widget in (self.regex, self.whole_words, self.label, self.find_button,
                       self.cancel_button, self.label_all_button):
            row.addWidget(widget)
        layout.addLayout(row)
        self.error = QLabel()
        self.error.setTextFormat(Qt.TextFormat.PlainText)  # holds the typed pattern
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.status = QLabel("Type what to find and press Enter.")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.status)
        self.results = QTreeWidget()
        self.results.setColumnCount(4)
        self.results.setHeaderLabels(["Before", "Hit", "After", "Annotations on it"])
        self.results.setUniformRowHeights(True)
        self.results.setRootIsDecorated(True)
        self.results.setItemDelegate(_ContextDelegate(self.results))
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.results.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.results.itemActivated.connect(self._activated)
        self.results.installEventFilter(self)
        layout.addWidget(self.results, 1)
        self.setWidget(body)

    def _share_columns(self) -> None:
        """The columns share the list's width: context 35 % and 30 %, the hit 15 %, the rest
        for the annotations, so every column is in view at any width."""
        width = self.results.width()
        for column, share in enumerate((0.35, 0.15, 0.30)):
            self.results.header().resizeSection(column, int(width * share))

    def set_labels(self, labels: list[str]) -> None:
        """The labels the filter offers (the project's scheme), the choice kept."""
        chosen = self.label.currentData()
        self.label.clear()
        self.label.addItem("Any hit", None)
        for name in labels:
            self.label.addItem(f"Labelled {name}", name)
        self.label.setCurrentIndex(max(self.label.findData(chosen), 0))

    # -- what the window and other dialogs read ------------------------------------------
    def current_query(self) -> FindQuery | None:
        """The query in the box as it is now (None when the box is empty)."""
        pattern = self.box.text()
        if not pattern.strip():
            return None
        return FindQuery(pattern, regex=self.regex.isChecked(), label=self.label.currentData(),
                         whole_words=self.whole_words.isChecked())

    def hits(self) -> list[Hit]:
        """The hits listed so far, in document and text order."""
        return list(self._listed)

    @property
    def running(self) -> bool:
        return not self._idle.is_set()

    def focus_box(self) -> None:
        self.show()
        self.raise_()
        self.box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.box.selectAll()

    # -- searching -----------------------------------------------------------------------
    def _query_edited(self, *_: Any) -> None:
        self.error.hide()
        self.label_all_button.setEnabled(self._valid(self.current_query()))

    @staticmethod
    def _valid(query: FindQuery | None) -> bool:
        if query is None:
            return False
        try:
            compile_query(query)
        except InputError:
            return False
        return True

    def run_search(self) -> None:
        """Find the query in the box; an invalid one is said under the box, nothing runs."""
        query = self.current_query()
        if query is None:
            return
        try:
            compile_query(query)
        except InputError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        self.error.hide()
        self.cancel()
        self.wait()  # a search cancelled stops at its next batch
        self._search += 1
        self._query = query
        self._listed = []
        self.documents_found = self.hits_found = 0
        self.results.clear()
        self.status.setText("Finding…")
        self.cancel_button.setEnabled(True)
        self.label_all_button.setEnabled(True)
        self._idle.clear()
        number, bridge, annotator = self._search, self._bridge, self.annotator()
        worker: Worker

        def work(_progress: Callable[[int, int], None]) -> None:
            documents = hits = listed = 0
            waiting: list[DocumentHits] = []
            last = 0.0
            error = ""
            try:
                for found in find(self.project, query, annotator=annotator,
                                  cancelled=lambda: worker.cancelled):
                    if worker.cancelled:
                        break
                    documents += 1
                    hits += found.count
                    if listed < MAX_LISTED:
                        kept = found.hits[:MAX_LISTED - listed]
                        listed += len(kept)
                        waiting.append(DocumentHits(found.document_id, found.title, kept))
                    now = time.monotonic()
                    if now - last >= EMIT_SECONDS:
                        bridge.found.emit(number, waiting, documents, hits)
                        waiting, last = [], now
                bridge.found.emit(number, waiting, documents, hits)
            except Exception as failure:  # noqa: BLE001 (said in the panel, never lost)
                error = str(failure) or type(failure).__name__
            finally:
                bridge.finished.emit(number, worker.cancelled, error)
                # Then the documents imported since into the index, so that the next search
                # need not read them (until then it does: nothing is missed either way).
                try:
                    bring_index_up_to_date(self.project, cancelled=lambda: worker.cancelled)
                except Exception:  # noqa: BLE001 (an accelerator: finding stays right)
                    logging.getLogger(__name__).exception("bringing the index up to date")
                self._idle.set()

        worker = Worker(work)
        self._worker = start(worker)

    def cancel(self) -> None:
        """Stop the search under way (between two batches of documents)."""
        if self._worker is not None and self.running:
            self._worker.cancelled = True

    def wait(self, seconds: float = 5.0) -> bool:
        """Wait until no search runs (the window closes); True if none does."""
        return self._idle.wait(seconds)

    def _add_found(self, number: int, documents: list[DocumentHits], document_count: int,
                   hit_count: int) -> None:
        if number != self._search:
            return  # an earlier search, replaced
        first = not self._listed
        for document in documents:
            self._listed.extend(document.hits)
            item = QTreeWidgetItem([f"{one_line(document.title)} — {document.count} "
                                    f"hit{'s' * (document.count != 1)}"])
            item.setData(0, HIT_ROLE, document.hits[0])
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            for hit in document.hits:
                child = QTreeWidgetItem([one_line(hit.left), one_line(hit.text),
                                         one_line(hit.right), _labels_text(hit)])
                child.setTextAlignment(0, Qt.AlignmentFlag.AlignRight
                                       | Qt.AlignmentFlag.AlignVCenter)
                child.setData(0, HIT_ROLE, hit)
                child.setToolTip(1, f"{hit.start}–{hit.end}")
                item.addChild(child)
            self.results.addTopLevelItem(item)
            item.setFirstColumnSpanned(True)  # once in the tree: before, it does nothing
            item.setExpanded(True)
        if first and self._listed and self.results.currentItem() is None:
            self.results.setCurrentItem(self.results.topLevelItem(0).child(0))
        self.documents_found, self.hits_found = document_count, hit_count
        self.status.setText(f"Finding… {self._counts()}")

    def _counts(self) -> str:
        shown = (f" (the first {len(self._listed):,} listed)"
                 if self.hits_found > len(self._listed) else "")
        return (f"{self.hits_found:,} hit{'s' * (self.hits_found != 1)} in "
                f"{self.documents_found:,} document{'s' * (self.documents_found != 1)}{shown}")

    def _finished(self, number: int, cancelled: bool, error: str) -> None:
        if number != self._search:
            return
        self.cancel_button.setEnabled(False)
        if error:
            self.status.setText(f"Finding failed: {error}")
        elif cancelled:
            self.status.setText(f"Cancelled: {self._counts()} so far")
        elif self.hits_found == 0 and self._query is not None:
            self.status.setText(f"No hits for {self._query.pattern!r}.")
        else:
            self.status.setText(self._counts())
        self.search_finished.emit()

    # -- going to a hit ------------------------------------------------------------------
    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        hit = item.data(0, HIT_ROLE)
        if isinstance(hit, Hit):
            self.open_hit(hit)

    def _label_all(self) -> None:
        query = self.current_query()
        if self._valid(query):
            assert query is not None
            self.label_all_requested.emit(query.pattern, query.regex)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is getattr(self, "results", None) and event.type() == QEvent.Type.Resize:
            self._share_columns()
        if watched is self.box and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Down and self.results.topLevelItemCount():
                self.results.setFocus(Qt.FocusReason.OtherFocusReason)
                if self.results.currentItem() is None:
                    self.results.setCurrentItem(self.results.topLevelItem(0))
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.hide()
                return True
        return super().eventFilter(watched, event)


def show_hit(window: Any, hit: Hit) -> None:
    """Open ``hit``'s document in the review window with the hit's text selected (a label
    key then labels it), scrolled into view and focused. Positions through the view's
    code-point/Qt conversion (core/offsets.py)."""
    if window.document is None or window.document.id != hit.document_id:
        window.open_document(hit.document_id)
    window._complete_open()
    window._select(None, scroll=False)  # the hit, not a suggestion, is what is selected
    view = window.view
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.positions.to_qt(hit.start))
    cursor.setPosition(view.positions.to_qt(hit.end), QTextCursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)
    view.ensureCursorVisible()
    view.setFocus(Qt.FocusReason.OtherFocusReason)


def find_panel_of(window: Any) -> FindPanel:
    """The window's find panel, made and docked under it on first use."""
    panel = getattr(window, "find_panel", None)
    if panel is None:
        panel = FindPanel(window.project, lambda: window.reviewer.annotator,
                          lambda hit: show_hit(window, hit), window,
                          labels=[label.name for label in window.labels])
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, panel)
        window.find_panel = panel
        # "Label every occurrence…" of what was searched for: the dialog, its preview first.
        panel.label_all_requested.connect(
            lambda pattern, regex: open_label_all(window, pattern, regex=regex))
        window.installEventFilter(_StopOnClose(panel, window))
    else:
        panel.set_labels([label.name for label in window.labels])  # labels added since
    return panel


class _StopOnClose(QObject):
    """Cancels the panel's search when its window closes, before the project is closed."""

    def __init__(self, panel: FindPanel, parent: QObject) -> None:
        super().__init__(parent)
        self.panel = panel

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Close:
            self.panel.cancel()
            self.panel.wait()
        return False
