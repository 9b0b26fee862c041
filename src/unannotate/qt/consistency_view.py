"""The consistency report window (View → Consistency report, Ctrl+Shift+C): a sortable table
of findings ("same text, different label"; "labelled here, missing there"), computed on a
worker thread; the places of the chosen row below it. Enter on a place (or a double click)
opens its document in the main window with the place selected; Enter or F on a finding asks
to label every occurrence of its text with its majority label (``fix_requested``).

Every string from the project goes in as plain text: a surface form or a title may look like
HTML. Offsets reach Qt only through the document view's
:class:`~unannotate.core.offsets.QtPositions`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..services.consistency import (
    ConsistencyReport,
    Finding,
    FindingKind,
    Place,
    Scope,
    compared_layers,
    consistency_report,
    document_texts,
    in_context,
)
from .label_all_dialog import open_label_all
from .models import plain_tooltip
from .workers import Worker, start

SORT_KEY = Qt.ItemDataRole.UserRole
FINDING = Qt.ItemDataRole.UserRole + 1
COLUMNS = ["Places to fix", "Finding", "Text", "Fix: label all as", "Labels", "Unlabelled",
           "Annotators"]
EVERY_ANNOTATOR = "Every annotator"
READ_AHEAD = 60  # places whose texts are read together, as the list shows them
TEXTS_KEPT = 2_000  # texts held for the list at most


class _Item(QTableWidgetItem):
    """A read-only cell that sorts by the key stored beside its text (numbers as numbers)."""

    def __init__(self, text: str, key: object = None) -> None:
        super().__init__(text)
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.setData(SORT_KEY, text.casefold() if key is None else key)
        self.setToolTip(plain_tooltip(text))  # the whole of a cell cut short

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(SORT_KEY), other.data(SORT_KEY)
        try:
            return bool(mine < theirs)
        except TypeError:
            return str(mine) < str(theirs)


def _labels(counts: dict[str, int]) -> str:
    return ", ".join(f"{label} {n:,}" for label, n in counts.items())


def _annotators(annotators: dict[str, dict[str, int]]) -> str:
    return "; ".join(f"{name}: {_labels(counts)}" for name, counts in annotators.items())


class PlaceList(QAbstractListModel):
    """The places of one finding in context, as plain text; rows made as they are shown (a
    finding on a large project has a hundred thousand places), the texts they need read a
    few dozen documents at a time through ``read_texts``."""

    def __init__(self, read_texts: Callable[[list[int]], dict[int, str]],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.places: Sequence[Place] = []
        self.titles: dict[int, str] = {}
        self.read_texts = read_texts
        self.texts: dict[int, str] = {}

    def _text(self, row: int) -> str:
        doc = self.places[row].document_id
        if doc not in self.texts:
            if len(self.texts) > TEXTS_KEPT:
                self.texts.clear()
            ahead = {place.document_id for place in self.places[row:row + READ_AHEAD]}
            self.texts.update(self.read_texts(sorted(ahead - self.texts.keys())))
        return self.texts.get(doc, "")

    def set_places(self, places: Sequence[Place], titles: dict[int, str]) -> None:
        self.beginResetModel()
        self.places, self.titles = places, titles
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None,  # noqa: N802
                 ) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.places)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        place = self.places[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            before, piece, after = in_context(self._text(index.row()), place.start, place.end)
            return (f"{before}[{piece}]{after}   ·   {place.annotator}: "
                    f"{place.label or 'unlabelled'}")
        if role == Qt.ItemDataRole.ToolTipRole:
            title = self.titles.get(place.document_id) or f"document {place.document_id}"
            return plain_tooltip(f"{title} (characters {place.start}–{place.end})")
        if role == Qt.ItemDataRole.UserRole:
            return place
        return None


class ConsistencyWindow(QWidget):
    """The report, beside the main window (``host``): it reads the project on a worker
    thread and opens places in the host."""

    fix_requested = Signal(str, str)  # the surface text, the label to give every occurrence

    def __init__(self, host: Any) -> None:
        super().__init__(host, Qt.WindowType.Window)
        self.host = host
        self.report: ConsistencyReport | None = None
        self.worker: Worker | None = None
        self._generation = 0
        self.setWindowTitle("Consistency report — unannotate")
        self.resize(1100, 640)
        self._build()
        self.fix_requested.connect(self._label_all)
        host.installEventFilter(self)  # the main window closing stops a report being made
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        self.refresh()

    # -- building ------------------------------------------------------------------------
    def _build(self) -> None:
        self.layer = QComboBox()
        self.fill_layers()
        self.layer.currentIndexChanged.connect(lambda _n: self.refresh())
        self.everywhere = QCheckBox("Every document (not only those each annotator worked on)")
        self.everywhere.toggled.connect(lambda _on: self.refresh())
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.again_button = QPushButton("Count again (F5)")
        self.again_button.setAutoDefault(False)
        self.again_button.clicked.connect(self.refresh)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setHighlightSections(False)
        self.table.currentCellChanged.connect(lambda *_: self._show_places())
        self.table.installEventFilter(self)
        # The host's project when the texts are read: File → Open may have changed it.
        self.place_model = PlaceList(lambda ids: document_texts(self.host.project, ids), self)
        self.places = QListView()
        self.places.setModel(self.place_model)
        self.places.setUniformItemSizes(True)  # a long list lays out by its first row
        self.places.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.places.doubleClicked.connect(lambda _index: self.open_place())
        self.places.installEventFilter(self)
        self.places_title = QLabel("Places")
        self.places_title.setTextFormat(Qt.TextFormat.PlainText)
        self.fix_button = QPushButton("Fix: label every occurrence… (F)")
        self.fix_button.setAutoDefault(False)
        self.fix_button.clicked.connect(self.fix)
        self.open_button = QPushButton("Open the place (Enter)")
        self.open_button.setAutoDefault(False)
        self.open_button.clicked.connect(self.open_place)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)

        options = QHBoxLayout()
        options.addWidget(QLabel("Layer:"))
        options.addWidget(self.layer)
        options.addWidget(self.everywhere)
        options.addStretch(1)
        options.addWidget(self.progress)
        options.addWidget(self.again_button)
        lower = QWidget()
        column = QVBoxLayout(lower)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.places_title)
        column.addWidget(self.places, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.fix_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setSizes([380, 220])
        layout = QVBoxLayout(self)
        layout.addLayout(options)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)

    def fill_layers(self) -> None:
        """The layer box: every annotator, then each annotator's layer of the host's project
        (the choice kept where it still exists)."""
        chosen = self.layer.currentText()
        names = [EVERY_ANNOTATOR, *compared_layers(self.host.project)]
        if [self.layer.itemText(n) for n in range(self.layer.count())] == names:
            return
        self.layer.blockSignals(True)
        self.layer.clear()
        self.layer.addItems(names)
        self.layer.setCurrentIndex(max(names.index(chosen) if chosen in names else 0, 0))
        self.layer.blockSignals(False)

    # -- computing -----------------------------------------------------------------------
    def refresh(self) -> Worker:
        """Compute the report again (for the chosen layer and scope) on a worker thread; a
        report still being computed is cancelled and its result dropped."""
        if self.worker is not None:
            self.worker.cancelled = True
        self._generation += 1
        generation = self._generation
        chosen = self.layer.currentText()
        layer = None if chosen == EVERY_ANNOTATOR else chosen
        scope = Scope.ALL if self.everywhere.isChecked() else Scope.WORKED
        project = self.host.project
        worker: Worker

        def work(progress):  # type: ignore[no-untyped-def]
            return consistency_report(project, layer=layer, scope=scope, progress=progress,
                                      cancelled=lambda: worker.cancelled)

        def current() -> bool:  # a report asked for since is the one to show
            return generation == self._generation

        worker = Worker(work)
        worker.signals.progress.connect(
            lambda done, total: self._progress(done, total) if current() else None)
        worker.signals.done.connect(lambda report: self._show(report) if current() else None)
        worker.signals.failed.connect(
            lambda message: self._failed(message) if current() else None)
        self.worker = worker
        self.report = None  # until the new one arrives
        self.status.clear()
        self.summary.setText("Reading the labelled spans and searching the documents…")
        self.progress.setRange(0, 0)  # busy until the first count arrives
        self.progress.show()
        start(worker)
        return worker

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _failed(self, message: str) -> None:
        self.worker = None
        self.progress.hide()
        self.summary.setText(f"The report could not be made: {message}")

    def _show(self, report: ConsistencyReport) -> None:
        self.worker = None
        self.progress.hide()
        self.report = report
        scope = ("every document" if report.scope is Scope.ALL
                 else "the documents each annotator worked on")
        self.summary.setText(
            f"{', '.join(report.annotators) or 'No annotator'}: {report.forms:,} surface forms "
            f"labelled, {report.documents:,} documents searched ({scope}); "
            f"{report.count(FindingKind.DIFFERENT_LABEL):,} with different labels, "
            f"{report.count(FindingKind.MISSING):,} labelled here and missing there "
            f"({report.seconds:.1f} s). Case and whitespace are ignored; claims left out.")
        table = self.table
        table.setSortingEnabled(False)
        table.setRowCount(len(report.findings))
        for row, finding in enumerate(report.findings):
            documents = finding.unlabelled_documents
            unlabelled = (f"{finding.unlabelled:,} in {documents:,} document"
                          + ("s" if documents != 1 else "") if finding.unlabelled else "–")
            cells = [_Item(f"{finding.impact:,}", finding.impact),
                     _Item(finding.kind.caption), _Item(finding.text),
                     _Item(finding.majority_label),
                     _Item(_labels(finding.labels), len(finding.labels)),
                     _Item(unlabelled, finding.unlabelled),
                     _Item(_annotators(finding.annotators))]
            cells[0].setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            cells[0].setData(FINDING, finding)
            for column, item in enumerate(cells):
                table.setItem(row, column, item)
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        table.resizeColumnsToContents()
        for column in (2, 4, 6):
            table.setColumnWidth(column, min(table.columnWidth(column), 260))
        if report.findings:
            table.setCurrentCell(0, 0)
            table.setFocus()
        else:
            self.place_model.set_places([], {})
            self.places_title.setText("No inconsistency: every form has one label and is "
                                      "labelled wherever it occurs.")

    # -- rows and places -----------------------------------------------------------------
    def current_finding(self) -> Finding | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        return item.data(FINDING) if item is not None else None

    def _show_places(self) -> None:
        finding = self.current_finding()
        if finding is None or self.report is None:
            return
        self.place_model.set_places(finding.places, self.report.titles)
        what = ("spans off the majority label " + finding.majority_label
                if finding.kind is FindingKind.DIFFERENT_LABEL else "places left unlabelled")
        self.places_title.setText(f"“{finding.text}”: {len(finding.places):,} {what}")
        if finding.places:
            self.places.setCurrentIndex(self.place_model.index(0))

    def current_place(self) -> Place | None:
        index = self.places.currentIndex()
        return self.place_model.data(index, Qt.ItemDataRole.UserRole) if index.isValid() \
            else None

    def open_place(self) -> None:
        """Open the chosen place's document in the main window, the place selected."""
        place = self.current_place()
        if place is not None:
            show_place(self.host, place)

    def fix(self) -> None:
        """Ask to label every occurrence of the chosen finding's text with its majority
        label."""
        finding = self.current_finding()
        if finding is not None:
            self.fix_requested.emit(finding.text, finding.majority_label)

    def _label_all(self, text: str, label: str) -> None:
        self.status.setText(f"Label every occurrence of “{text}” as {label}…")
        open_label_all(self.host, text, label, regex=False)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.host and event.type() == QEvent.Type.Close:
            self.stop()
            return False
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if watched is self.table and (enter or event.key() == Qt.Key.Key_F):
                self.fix()
                return True
            if watched is self.places and enter:
                self.open_place()
                return True
        return super().eventFilter(watched, event)

    def stop(self) -> None:
        """A report being made is cancelled and its result dropped (the window, or the main
        window and with it the project, is closing)."""
        if self.worker is not None:
            self.worker.cancelled = True
            self.worker = None
        self._generation += 1

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        self.stop()
        super().closeEvent(event)


def show_place(window: Any, place: Place) -> None:
    """Open ``place``'s document in the main window with the place selected: its span when
    it is one of the window's own annotations, else its text (a label key then labels it)."""
    window.open_document(place.document_id)
    window._complete_open()
    view = window.view
    own = next((span_id for span_id, span in window.spans.items()
                if (span.start, span.end) == (place.start, place.end)
                and place.annotator == window.reviewer.annotator
                and span.label == place.label and span.state == "accepted"), None)
    if own is not None:
        window._select(own)
    else:
        window._select(None, scroll=False)
        cursor = QTextCursor(view.document())
        cursor.setPosition(view.positions.to_qt(place.start))
        cursor.setPosition(view.positions.to_qt(place.end), QTextCursor.MoveMode.KeepAnchor)
        view.setTextCursor(cursor)
        view.ensureCursorVisible()
    if place.label is None:
        what = f"unlabelled in {place.annotator}'s layer"
        if place.annotator == window.reviewer.annotator:
            what += "; a label key labels it"
    else:
        what = f"labelled {place.label} in {place.annotator}'s layer"
    window.statusBar().showMessage(f"Consistency report: this place is {what}.", 10000)
    window.raise_()
    window.activateWindow()
    view.setFocus(Qt.FocusReason.OtherFocusReason)


class ConsistencyReportHost:
    """Mixin for the main window (listed before ``QMainWindow``): View → Consistency
    report."""

    consistency_window: ConsistencyWindow | None = None

    def show_consistency(self) -> ConsistencyWindow:
        window = self.consistency_window
        if window is None:
            window = self.consistency_window = ConsistencyWindow(self)
        else:
            window.fill_layers()  # another project may be open, or another annotator
            window.refresh()  # decisions made since: counted again
        window.show()
        window.raise_()
        window.activateWindow()
        return window
