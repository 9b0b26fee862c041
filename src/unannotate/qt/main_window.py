"""The review window. Widgets show; the services decide and store; this class wires the two.

Every decision goes to :class:`~unannotate.services.decisions.Reviewer`, which commits it
before this window redraws anything: what is shown as decided is stored.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import Counter
from dataclasses import replace
from itertools import chain
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressDialog,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import (
    DiskFullError,
    ProjectBusyError,
    ReadOnlyProjectError,
    StorageError,
    UnannotateError,
)
from ..core.model import DocumentStatus, Label, LabelKind
from ..core.offsets import Tokens, sentence_at
from ..services.decisions import Change, ConflictError, Reviewer
from ..services.preferences import Preferences
from ..services.project import Project
from ..services.review_data import (
    ReviewDocument,
    ReviewSpan,
    ReviewSpans,
    document_summaries,
    first_document_to_review,
    load_document,
    load_spans,
    refreshed_spans,
)
from .actions import ACTIONS, MENUS, ActionSpec
from .document_view import DocumentView, SpanKey, SpanStyle
from .models import STATUS_TEXT, DocumentFilter, DocumentListModel, SpanListModel
from .two_step import TwoStepOpen
from .workers import Worker, start


class MainWindow(TwoStepOpen, QMainWindow):
    def __init__(self, project: Project, annotator: str, preferences: Preferences,
                 *, auto_suggest: bool = True) -> None:
        super().__init__()
        self.project = project
        self.preferences = preferences
        self.reviewer = Reviewer(project, annotator)
        self.auto_suggest = auto_suggest
        self.labels: list[Label] = project.labels()
        self.label_by_name = {label.name: label for label in self.labels}
        self.document: ReviewDocument | None = None
        self.tokens: Tokens | None = None
        # The open document's spans. Until ``_complete`` (right after the first paint) only
        # those on screen are read: read the properties ``spans``, ``pending_ids`` and
        # ``rejected``, which read the rest first.
        self._spans: dict[int, ReviewSpan] = {}  # drawn: pending suggestions and annotations
        self._pending: set[int] = set()
        self._rejected: dict[int, ReviewSpan] = {}
        self._pending_keys: list[SpanKey] = []  # sorted: next and previous by bisect
        self._labels_drawn: Counter[str] = Counter()  # for the document list's label filter
        self._progress_width = 0
        self.decisions_this_session = 0
        self.character_mode = preferences.character_mode
        self.busy = False
        self.export_report_box: QMessageBox | None = None
        self.storage_error_box: QMessageBox | None = None
        self.unmatched_box: QMessageBox | None = None
        self.review_window: QMainWindow | None = None
        self.qactions: dict[str, QAction] = {}
        self._build()
        self._build_actions()
        self.reload_documents()
        first = first_document_to_review(self.reviewer)
        if first is not None:
            self.open_document(first)
        for _ in range(abs(preferences.zoom)):
            self.view.zoomIn(1) if preferences.zoom > 0 else self.view.zoomOut(1)

    # -- building ------------------------------------------------------------------------
    def _build(self) -> None:
        self.resize(1400, 860)
        self._update_title()
        self.documents = DocumentListModel()
        self.document_filter = DocumentFilter()
        self.document_filter.setSourceModel(self.documents)
        self.document_table = QTableView()
        self.document_table.setModel(self.document_filter)
        self._plain_table(self.document_table)
        # Fixed widths, not ResizeToContents: that measures every row on each reset.
        header = self.document_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 70), (2, 60), (3, 84)):
            header.resizeSection(column, width)
        self.document_table.clicked.connect(self._document_clicked)
        self.status_filter = QComboBox()
        self.status_filter.addItem("All", None)
        for status in DocumentStatus:
            self.status_filter.addItem(STATUS_TEXT[status].capitalize(), status)
        self.label_filter = QComboBox()
        self.label_filter.addItem("Any label", None)
        for label in self.labels:
            self.label_filter.addItem(label.name, label.name)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search titles")
        self.search.setClearButtonEnabled(True)
        for widget in (self.status_filter, self.label_filter):
            widget.currentIndexChanged.connect(self._filter_documents)
        self.search.textChanged.connect(self._filter_documents)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 6)
        filters = QHBoxLayout()
        filters.addWidget(self.status_filter)
        filters.addWidget(self.label_filter)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.document_table)

        self.view = DocumentView()
        self.view.span_clicked.connect(self._span_clicked)
        self._init_two_step(self.view)
        self.find_bar = QLineEdit()
        self.find_bar.setPlaceholderText("Find in the document (Enter: next, Esc: close)")
        self.find_bar.returnPressed.connect(self._find_next)
        self.find_bar.hide()
        self.label_bar = QWidget()
        self.label_bar_layout = QHBoxLayout(self.label_bar)
        self.label_bar_layout.setContentsMargins(4, 2, 4, 2)
        self.label_bar_layout.setSpacing(4)
        self._fill_label_bar()
        self.doc_title = QLabel()
        self.doc_title.setTextFormat(Qt.TextFormat.PlainText)
        self.doc_title.setStyleSheet("font-weight: 600; font-size: 13pt; padding: 4px 6px;")
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 6, 0, 6)
        label_scroll = QScrollArea()
        label_scroll.setWidget(self.label_bar)
        label_scroll.setWidgetResizable(True)
        label_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        label_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        label_scroll.setFixedHeight(self.label_bar.sizeHint().height() + 14)
        centre_layout.addWidget(label_scroll)
        centre_layout.addWidget(self.doc_title)
        centre_layout.addWidget(self.find_bar)
        centre_layout.addWidget(self.view, 1)

        self.span_model = SpanListModel()
        self.span_table = QTableView()
        self.span_table.setModel(self.span_model)
        self._plain_table(self.span_table)
        header = self.span_table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 96), (2, 48), (3, 70), (4, 120)):
            header.resizeSection(column, width)
        self.span_table.clicked.connect(self._span_row_clicked)
        self.guidance = QLabel()
        self.guidance.setTextFormat(Qt.TextFormat.PlainText)
        self.guidance.setWordWrap(True)
        self.guidance.setStyleSheet("padding: 6px; color: palette(text);")
        # A fixed height: new guidance text must not re-lay out the panel on every decision.
        self.guidance.setFixedHeight(120)
        self.guidance.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 6, 6, 6)
        right_layout.addWidget(QLabel("Suggestions and annotations"))
        right_layout.addWidget(self.span_table, 1)
        right_layout.addWidget(self.guidance)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(centre)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setStretchFactor(2, 3)
        left.setMinimumWidth(280)
        right.setMinimumWidth(380)
        splitter.setSizes([380, 700, 440])
        self.setCentralWidget(splitter)
        self.progress_label = QLabel()
        self.progress_label.setTextFormat(Qt.TextFormat.PlainText)  # holds the reviewer's name
        self.statusBar().addPermanentWidget(self.progress_label)

    @staticmethod
    def _plain_table(table: QTableView) -> None:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(24)
        table.setWordWrap(False)
        table.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        table.setTabKeyNavigation(False)

    def _fill_label_bar(self) -> None:
        while self.label_bar_layout.count():
            item = self.label_bar_layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        for label in self.labels:
            chip = QLabel(f"{label.key} {label.name}" if label.key else label.name)
            chip.setTextFormat(Qt.TextFormat.PlainText)
            chip.setToolTip(f"<p>{_escape(label.description)}</p>")
            underline = "border-bottom: 3px solid %s;" % label.colour
            style = (f"background: {label.colour}; color: #111;" if label.kind is LabelKind.ENTITY
                     else f"background: transparent; {underline}")
            chip.setStyleSheet(f"{style} border-radius: 3px; padding: 2px 5px; font-size: 9pt;")
            self.label_bar_layout.addWidget(chip)
        self.label_bar_layout.addStretch(1)

    def _build_actions(self) -> None:
        menus = {name: self.menuBar().addMenu(f"&{name}") for name in MENUS}
        for spec in ACTIONS:
            action = QAction(spec.title, self)
            keys = self.preferences.shortcuts.get(spec.id, list(spec.keys))
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _checked=False, s=spec: self.trigger(s))
            if spec.id in ("review.char_mode", "view.dark"):
                action.setCheckable(True)
                action.setChecked(self.character_mode if spec.id == "review.char_mode"
                                  else self.preferences.dark)
            menus[spec.menu].addAction(action)
            self.addAction(action)
            self.qactions[spec.id] = action
        for menu in menus.values():
            menu.aboutToShow.connect(self.update_actions)
        self.recent_menu = QMenu("Recent projects", self)
        menus["File"].insertMenu(self.qactions["file.import"], self.recent_menu)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        """Projects opened before, newest first, without the one open now."""
        self.recent_menu.clear()
        current = self.project.location
        for location in self.preferences.recent_projects:
            if location == current:
                continue
            action = self.recent_menu.addAction(location.replace("&", "&&"))
            action.triggered.connect(lambda _checked=False, p=location: self._switch_project(p))
        self.recent_menu.setEnabled(not self.recent_menu.isEmpty())

    def apply_shortcuts(self) -> None:
        for spec in ACTIONS:
            keys = self.preferences.shortcuts.get(spec.id, list(spec.keys))
            self.qactions[spec.id].setShortcuts([QKeySequence(k) for k in keys])

    def trigger(self, spec: ActionSpec) -> None:
        """Run an action's handler if its enabled-when rule allows it, showing any error."""
        self._complete_open()
        if spec.enabled_when and not getattr(self, spec.enabled_when)():
            return
        handler = getattr(self, spec.handler)
        try:
            handler() if spec.argument is None else handler(spec.argument)
        except ConflictError as error:
            # Another window changed what this one showed: show what is stored now, then say
            # so (after the reload, whose own status messages would hide it).
            self.reload_current()
            self.statusBar().showMessage(
                f"Not changed: {error}. The document now shows what is stored.", 15000)
        except StorageError as error:
            self.show_storage_error(error)
        except (UnannotateError, ValueError) as error:
            self.show_error(str(error))
        except OSError as error:
            # A full disk or a read-only project: the decision was not stored, and not shown.
            self.show_error(f"The decision could not be stored: {error}")
        self.update_actions()

    def update_actions(self) -> None:
        for spec in ACTIONS:
            if spec.enabled_when in ("can_undo", "can_redo"):
                continue  # asked when triggered, not on every refresh
            if spec.enabled_when:
                self.qactions[spec.id].setEnabled(True)

    def show_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)
        self._warn("unannotate", message)

    def _warn(self, title: str, message: str) -> None:
        """A warning whose text (file names, file contents, names) is shown as text."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.exec()

    def show_storage_error(self, error: StorageError) -> None:
        """A decision the project could not store: the window still shows the state before it
        (the service raised before anything was redrawn); say why in the status bar and in a
        box that does not block, so the reviewer can fix the cause and decide again."""
        certain = isinstance(error, DiskFullError | ReadOnlyProjectError | ProjectBusyError)
        if not certain:
            # The database could not say whether the write reached the disk: show what is
            # stored rather than what the window believed.
            try:
                self.reload_current()
            except UnannotateError:
                pass
        reason = str(error)
        headline = ("This decision was not stored." if certain
                    else "This decision may not have been stored.")
        self.statusBar().showMessage(f"{headline} {reason[:1].upper()}{reason[1:]}", 30000)
        box = self.storage_error_box
        if box is None:
            box = QMessageBox(QMessageBox.Icon.Warning, "unannotate", headline, parent=self)
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setModal(False)  # the window stays usable while the cause is fixed
            self.storage_error_box = box
        box.setText(headline)
        box.setInformativeText(f"{reason[:1].upper()}{reason[1:]}.")
        box.show()

    # -- enabled-when rules ---------------------------------------------------------------
    def has_document(self) -> bool:
        return self.document is not None

    def has_selection(self) -> bool:
        return self.view.selected_span is not None

    def has_pending_selection(self) -> bool:
        return self.view.selected_span in self.pending_ids

    def not_busy(self) -> bool:
        return not self.busy

    def can_undo(self) -> bool:
        return True  # the service answers; nothing to undo is a no-op

    def can_redo(self) -> bool:
        return True

    # -- documents -----------------------------------------------------------------------
    def reload_documents(self) -> None:
        self.documents.set_rows(document_summaries(self.reviewer))
        self._update_progress()

    def _filter_documents(self) -> None:
        self.document_filter.set_filter(status=self.status_filter.currentData(),
                                        label=self.label_filter.currentData(),
                                        search=self.search.text())

    def _document_clicked(self, index) -> None:  # type: ignore[no-untyped-def]
        self.open_document(self.document_filter.data(index, Qt.ItemDataRole.UserRole))

    # The open document's spans: complete when read from outside (see ``_complete``).
    @property
    def spans(self) -> dict[int, ReviewSpan]:
        """Drawn spans of the open document (pending suggestions and annotations) by id."""
        self._complete_open()
        return self._spans

    @property
    def pending_ids(self) -> set[int]:
        self._complete_open()
        return self._pending

    @property
    def rejected(self) -> dict[int, ReviewSpan]:
        self._complete_open()
        return self._rejected

    def open_document(self, document_id: int, *, select_span: int | None = None) -> None:
        """Show the document with the spans on screen painted first: the text, the span to
        select and the spans in reach of it are read now; every other span, the panel and
        the idle formatting of the blocks off screen come right after the first paint."""
        document = load_document(self.reviewer, document_id, select_span=select_span,
                                 around=self.view.on_screen_after_reveal())
        self.document = document
        self.tokens = None
        self.doc_title.setText(document.title)
        self._begin_open()
        self._spans, self._pending, self._rejected = {}, set(), {}
        self._take(document.spans)
        self._pending_keys = [(s.start, s.end, s.id) for s in document.spans.suggestions]
        self._labels_drawn = Counter(s.label for s in self._spans.values())
        # The panel and the document list show the new document once it is complete (right
        # after the view's first paint): until then neither is repainted.
        self.span_table.setUpdatesEnabled(False)
        self.span_model.set_spans(document.text, [], self._panel_row, self._colour)
        self.view.show_text(document.text)
        target = document.target
        self.view.set_spans(sorted((s.start, s.end, s.id) for s in self._spans.values()),
                            self._style, known=document.known, need_all=self._complete_open,
                            reveal=target.start if target is not None else None)
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        # The selected span is drawn (set_spans scrolled to it); its guidance, the panel's
        # row and the window's title come with the rest (see _finish_open).
        self.view.select_span(target.id if target is not None else None, scroll=False)
        if target is None:
            self._no_pending_left()
        handle = self.windowHandle()
        if handle is None or not handle.isExposed():
            self._complete_open()  # not on screen: nothing to paint first
        else:
            self._await_first_paint()

    def _take(self, spans: ReviewSpans) -> None:
        """Hold ``spans`` (read from the database) as the window's state."""
        for span in spans.suggestions:
            self._spans[span.id] = span
            self._pending.add(span.id)
        for span in spans.annotations:
            self._spans[span.id] = span
        for span in spans.rejected:
            self._rejected[span.id] = span

    def _finish_open(self) -> None:
        """Read every span of the open document (unless all were read on opening), fill the
        panel and start formatting the blocks off screen in idle batches: once per document,
        right after its first paint, or before anything needs them."""
        document = self.document
        if document is None:
            return
        if document.known is not None:
            spans = load_spans(self.reviewer, document.id)
            self._spans, self._pending, self._rejected = {}, set(), {}
            self._take(spans)
            self._pending_keys = [(s.start, s.end, s.id) for s in spans.suggestions]
            self._labels_drawn = Counter(s.label for s in self._spans.values())
            selected = self.view.selected_span
            self.view.set_spans(sorted(self._pending_keys + [(s.start, s.end, s.id)
                                                             for s in spans.annotations]),
                                self._style)
            if selected is not None and selected not in self._spans:
                self._select(None)  # changed elsewhere between the two reads
        self.span_model.set_spans(
            document.text,
            sorted((s.start, s.end, s.id) for s in chain(self._spans.values(),
                                                         self._rejected.values())),
            self._panel_row, self._colour)
        self.span_table.setUpdatesEnabled(True)
        self._select(self.view.selected_span, scroll=False)
        self._show_in_list(document.id)
        self._update_title()
        if self.auto_suggest and not self._spans:
            # After the window has painted: spaCy loads on a worker, not before the first paint.
            QTimer.singleShot(0, lambda: self._suggest_missing(document.id))

    def _show_in_list(self, document_id: int) -> None:
        """Make the document the current row of the document list."""
        row = self.documents.row_of(document_id)
        if row >= 0:
            proxy = self.document_filter.mapFromSource(self.documents.index(row, 0))
            if proxy.isValid():
                self.document_table.selectionModel().setCurrentIndex(
                    proxy, QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows)

    def reload_current(self) -> None:
        if self.document is not None:
            selected = self.view.selected_span
            self.open_document(self.document.id, select_span=selected)

    def _style(self, span_id: int) -> SpanStyle:
        span = self._spans[span_id]
        label = self.label_by_name.get(span.label)
        return SpanStyle(label.colour if label else "#cccccc",
                         label.kind if label else LabelKind.ENTITY, span_id in self._pending)

    def _panel_row(self, span_id: int) -> tuple[ReviewSpan, str] | None:
        """A row of the span panel: the span and its state."""
        span = self._spans.get(span_id)
        if span is not None:
            return span, "pending" if span_id in self._pending else "accepted"
        span = self._rejected.get(span_id)
        return (span, "rejected") if span is not None else None

    def _colour(self, label: str) -> str:
        found = self.label_by_name.get(label)
        return found.colour if found else "#cccccc"

    # -- selection -----------------------------------------------------------------------
    def _select(self, span_id: int | None, *, scroll: bool = True) -> None:
        self.view.select_span(span_id, scroll=scroll)
        if span_id is None:
            self.guidance.setText("")
            return
        self._select_row(span_id)
        span = self._spans.get(span_id)
        if span is not None:
            label = self.label_by_name.get(span.label)
            state = "suggestion" if span_id in self._pending else "your annotation"
            reason = f" — {span.reason}" if span.reason else ""
            guidance = f"{span.label} ({state}){reason}"
            if label and label.description:
                guidance += f"\n\n{label.description}"
            if guidance != self.guidance.text():
                self.guidance.setText(guidance)

    def _select_row(self, span_id: int | None) -> None:
        """Select the span's row in the panel (once the panel is filled)."""
        span = self._spans.get(span_id) if span_id is not None else None
        if span is None:
            return
        row = self.span_model.row_of((span.start, span.end, span.id))
        if row >= 0:
            self.span_table.selectRow(row)
            self.span_table.scrollTo(self.span_model.index(row, 0))

    def _span_clicked(self, span_id: int) -> None:
        self._select(span_id)

    def _span_row_clicked(self, index) -> None:  # type: ignore[no-untyped-def]
        span_id = self.span_model.data(index, Qt.ItemDataRole.UserRole)
        if span_id in self.spans:
            self._select(span_id)
        self.view.setFocus()

    def _no_pending_left(self) -> None:
        self.statusBar().showMessage(
            "No suggestions left in this document. Ctrl+Enter marks it done.", 6000)

    def _select_next_pending(self, *, after: SpanKey | None = None, forward: bool = True) -> None:
        """Select the pending suggestion after (or before) ``after``, else the selected span,
        else the caret; past the last one, the first (a bisect on the sorted keys)."""
        self._complete_open()
        pending = self._pending_keys
        if not pending:
            self._select(None)
            self._no_pending_left()
            return
        current = self._spans.get(self.view.selected_span or -1)
        key = after or ((current.start, current.end, current.id) if current
                        else (self.view.cursor_index(), -1, -1))
        if forward:
            n = bisect_right(pending, key)
            chosen = pending[n] if n < len(pending) else pending[0]
        else:
            n = bisect_left(pending, key)
            chosen = pending[n - 1] if n > 0 else pending[-1]
        self._select(chosen[2])

    # -- refreshing after a decision --------------------------------------------------------
    def _after(self, change: Change | None, *, select: int | None = None,
               advance: bool = False) -> None:
        if change is None:
            self.statusBar().showMessage("Nothing to undo or redo.", 4000)
            return
        self._complete_open()
        self.decisions_this_session += 1
        assert self.document is not None
        if change.document_ids and self.document.id not in change.document_ids:
            # Undo of a decision made in another document: show it there.
            self.open_document(next(iter(change.document_ids)))
        else:
            previous = self._spans.get(self.view.selected_span or -1)
            pending, own, rejected = refreshed_spans(self.reviewer, self.document.id, change)
            self._apply(change.span_ids, pending, own, rejected)
            # The view's selection may be a span just removed: each branch sets it anew.
            if select is not None and select in self._spans:
                self._select(select)
            elif advance:
                if previous is not None:
                    self._select_next_pending(after=(previous.start, -1, -1))
                else:
                    self._select_next_pending()
            elif self.view.selected_span not in self._spans:
                self._select(None)
        self._refresh_document_row(change)
        if change.notice:  # done otherwise than asked (a span already there): say so, no box
            self.statusBar().showMessage(change.notice[:1].upper() + change.notice[1:] + ".",
                                         6000)

    def _apply(self, span_ids: set[int], pending: list[ReviewSpan], own: list[ReviewSpan],
               rejected: list[ReviewSpan]) -> None:
        """Replace the spans ``span_ids`` by what the database now holds of them, in the
        window's indexes, the view and the panel: no walk over every span."""
        removed: list[SpanKey] = []  # rows of the panel
        drawn_removed: list[int] = []
        for span_id in span_ids:
            span = self._spans.pop(span_id, None)
            if span is not None:
                key = (span.start, span.end, span.id)
                removed.append(key)
                drawn_removed.append(span_id)
                if span_id in self._pending:
                    self._pending.discard(span_id)
                    del self._pending_keys[bisect_left(self._pending_keys, key)]
                self._labels_drawn[span.label] -= 1
                if not self._labels_drawn[span.label]:
                    del self._labels_drawn[span.label]
            span = self._rejected.pop(span_id, None)
            if span is not None:
                removed.append((span.start, span.end, span.id))
        self._take(ReviewSpans(pending, own, rejected))
        for span in pending:
            insort(self._pending_keys, (span.start, span.end, span.id))
        self._labels_drawn.update(span.label for span in chain(pending, own))
        drawn = [(s.start, s.end, s.id) for s in chain(pending, own)]
        self.view.replace_spans(drawn_removed, drawn)
        self.span_model.replace(removed, drawn + [(s.start, s.end, s.id) for s in rejected])

    def _refresh_document_row(self, change: Change | None = None) -> None:
        """The open document's row from what the window holds (no project-wide query)."""
        if self.document is None:
            return
        row = self.documents.row_of(self.document.id)
        if row >= 0:
            self._complete_open()
            status = change.statuses.get(self.document.id) if change is not None else None
            self.documents.update_row(replace(
                self.documents.rows[row],
                status=status or self.reviewer.status(self.document.id),
                pending=len(self._pending), annotations=len(self._spans) - len(self._pending),
                labels=frozenset(self._labels_drawn)))
        self._update_progress()

    def _update_progress(self) -> None:
        text = (f"{self.documents.done_count} / {len(self.documents.rows)} documents done · "
                f"{self.decisions_this_session} decisions this session · "
                f"{self.reviewer.annotator}" + (" · character mode" if self.character_mode else ""))
        label = self.progress_label
        if text == label.text():
            return
        label.setText(text)
        # Once shown, the label keeps the size the status bar gave it (wider when its text
        # grows): a new count then repaints the label only, instead of laying out and
        # repainting the whole status bar on every decision.
        width = label.sizeHint().width()
        if label.isVisible() and width > self._progress_width:
            self._progress_width = max(width, label.width())
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            label.setFixedSize(self._progress_width, label.height())

    def _update_title(self) -> None:
        title = self.document.title if self.document else ""
        self.setWindowTitle(f"{title} — {Path(self.project.location).name} — unannotate"
                            if title else f"{Path(self.project.location).name} — unannotate")

    # -- handlers: review ------------------------------------------------------------------
    def next_span(self) -> None:
        self._select_next_pending(forward=True)

    def previous_span(self) -> None:
        self._select_next_pending(forward=False)

    def accept(self) -> None:
        span_id = self.view.selected_span
        assert span_id is not None
        self._after(self.reviewer.accept(span_id), advance=True)

    def reject(self) -> None:
        span_id = self.view.selected_span
        assert span_id is not None
        self._after(self.reviewer.reject(span_id), advance=True)

    def accept_all(self) -> None:
        assert self.document is not None
        self._after(self.reviewer.accept_all(self.document.id))

    def accept_all_label(self) -> None:
        assert self.document is not None
        span = self.spans[self.view.selected_span]  # type: ignore[index]
        self._after(self.reviewer.accept_all(self.document.id, label=span.label))

    def _label_for_key(self, index: int) -> Label | None:
        wanted = str(index + 1)
        keyed = [label for label in self.labels if label.key == wanted]
        if keyed:
            return keyed[0]
        return None

    def apply_label(self, index: int) -> None:
        assert self.document is not None
        label = self._label_for_key(index)
        if label is None:
            self.statusBar().showMessage(f"No label has the key {index + 1}.", 4000)
            return
        selected_text = self.view.selected_text_range()
        if selected_text is not None:
            start, end = selected_text
            if not self.character_mode:
                start, end = self._tokens().snap(start, end)
            if start >= end:
                return
            change = self.reviewer.add(self.document.id, start, end, label.name)
            new_id = max(change.span_ids)
            self._after(change, select=new_id)
            return
        span_id = self.view.selected_span
        if span_id is None:
            self.statusBar().showMessage("Select text or a span first.", 4000)
            return
        span = self.spans[span_id]
        if span_id in self.pending_ids:
            change = self.reviewer.accept(span_id, label=label.name)
            self._after(change, advance=True)
        else:
            self._after(self.reviewer.relabel(span_id, label.name, expected_version=span.version),
                        select=span_id)

    def _tokens(self) -> Tokens:
        if self.tokens is None:
            assert self.document is not None
            self.tokens = Tokens.of(self.document.text)
        return self.tokens

    def mark_claim(self) -> None:
        assert self.document is not None
        claim = next((label for label in self.labels if label.kind is LabelKind.CLAIM), None)
        if claim is None:
            self.show_error("The label scheme has no claim label.")
            return
        selected_text = self.view.selected_text_range()
        if selected_text is not None:
            start, end = selected_text
        else:
            start, end = sentence_at(self.document.text, self.view.cursor_index())
        if start >= end:
            return
        change = self.reviewer.add(self.document.id, start, end, claim.name)
        self._after(change, select=max(change.span_ids))

    def delete_span(self) -> None:
        span_id = self.view.selected_span
        assert span_id is not None
        if span_id in self.pending_ids:
            self._after(self.reviewer.reject(span_id), advance=True)
            return
        span = self.spans[span_id]
        self._after(self.reviewer.delete(span_id, expected_version=span.version), advance=True)

    def move_boundary(self, which: tuple[str, int]) -> None:
        side, step = which
        span_id = self.view.selected_span
        assert span_id is not None and self.document is not None
        span = self.spans[span_id]
        start, end = span.start, span.end
        text_length = len(self.document.text)
        if self.character_mode:
            if side == "start":
                start = min(max(start + step, 0), end - 1)
            else:
                end = max(min(end + step, text_length), start + 1)
        else:
            tokens = self._tokens()
            if side == "start":
                start = tokens.next_boundary(start, forward=step > 0, starts=True)
                start = min(start, end - 1)
            else:
                end = tokens.next_boundary(end, forward=step > 0, starts=False)
                end = max(end, start + 1)
        if (start, end) == (span.start, span.end):
            return
        if span_id in self.pending_ids:
            change = self.reviewer.accept(span_id, start=start, end=end)
            new_id = max(change.span_ids)
            self._after(change, select=new_id)
        else:
            self._after(self.reviewer.resize(span_id, start, end, expected_version=span.version),
                        select=span_id)

    def toggle_dark(self) -> None:
        from .app import apply_palette

        self.preferences.dark = not self.preferences.dark
        self.qactions["view.dark"].setChecked(self.preferences.dark)
        self.preferences.save()
        apply_palette(self.preferences.dark)

    def toggle_char_mode(self) -> None:
        self.character_mode = not self.character_mode
        self.qactions["review.char_mode"].setChecked(self.character_mode)
        self.preferences.character_mode = self.character_mode
        self.preferences.save()
        self._update_progress()

    def mark_done(self) -> None:
        assert self.document is not None
        current = self.document.id
        self.reviewer.set_status(current, DocumentStatus.DONE)
        self.decisions_this_session += 1
        self._refresh_document_row()
        rows = self.documents.rows
        start = self.documents.row_of(current)
        following = rows[start + 1:] + rows[:start]
        target = next((r.id for r in following if r.status is not DocumentStatus.DONE), None)
        if target is not None:
            self.open_document(target)
        else:
            self.statusBar().showMessage("Every document is done.", 6000)

    def undo(self) -> None:
        self._after(self.reviewer.undo())
        self.reload_documents_status()

    def redo(self) -> None:
        self._after(self.reviewer.redo())
        self.reload_documents_status()

    def reload_documents_status(self) -> None:
        self._refresh_document_row()

    def find(self) -> None:
        self.find_bar.show()
        self.find_bar.setFocus()
        self.find_bar.selectAll()

    def _find_next(self) -> None:
        needle = self.find_bar.text()
        if not needle:
            return
        if not self.view.find(needle):
            cursor = self.view.textCursor()
            cursor.movePosition(cursor.MoveOperation.Start)
            self.view.setTextCursor(cursor)
            if not self.view.find(needle):
                self.statusBar().showMessage(f"Not found: {needle}", 4000)

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        if event.key() == Qt.Key.Key_Escape and self.find_bar.isVisible():
            self.find_bar.hide()
            self.view.setFocus()
            return
        super().keyPressEvent(event)

    def zoom(self, step: int) -> None:
        if step > 0:
            self.view.zoomIn(1)
        else:
            self.view.zoomOut(1)
        self.preferences.zoom += step
        self.preferences.save()

    def next_document(self, step: int) -> None:
        rows = self.documents.rows
        if not rows:
            return
        current = self.documents.row_of(self.document.id) if self.document else -1
        self.open_document(rows[(current + step) % len(rows)].id)

    # -- handlers: files, settings, help -------------------------------------------------------
    def show_shortcuts(self) -> None:
        from .dialogs import ShortcutsDialog

        ShortcutsDialog(self.qactions, self).exec()

    def open_settings(self) -> None:
        from .dialogs import SettingsDialog

        dialog = SettingsDialog(self.project, self.preferences, self.qactions, self)
        if dialog.exec():
            self.preferences.save()
            self.apply_shortcuts()
            self.labels = self.project.labels()
            self.label_by_name = {label.name: label for label in self.labels}
            self._fill_label_bar()
            self.reload_current()

    def new_project(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New project", "",
                                              "unannotate projects (*.db);;All files (*)")
        if path:
            self._switch_project(path, create=True)

    def open_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", "",
                                              "unannotate projects (*.db);;All files (*)")
        if path:
            self._switch_project(path)

    def open_server_project(self, url: str | None = None) -> None:
        """A project on a PostgreSQL server: its URL, without the password (asked, or taken
        from the keyring or a pgpass file; never stored)."""
        if url is None:
            dialog = QInputDialog(self)
            dialog.setWindowTitle("Open team project")
            dialog.setLabelText("Server project URL (postgresql://user@host:port/database):")
            for label in dialog.findChildren(QLabel):
                label.setTextFormat(Qt.TextFormat.PlainText)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            url = dialog.textValue().strip()
        if not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
            self.show_error(f"not a server project URL: {url!r} (it starts with postgresql://)")
            return
        from .app import use_password_dialog

        use_password_dialog()
        self._switch_project(url)

    def _switch_project(self, location: str, *, create: bool = False) -> None:
        """Open the project at ``location`` in a new window; only File → New project makes
        one (a recent project moved away, or a mistyped path, is said to be missing)."""
        from ..services.project import open_project
        from .app import annotator_for

        try:
            project = open_project(location, create=create or "://" in location)
        except UnannotateError as error:
            self.show_error(str(error))
            return
        # Your name in that project (the one you last used there; else this one).
        name = annotator_for(project, None, self.preferences) or self.reviewer.annotator
        self.preferences.remember_project(project.location)
        self.preferences.save()
        window = MainWindow(project, name, self.preferences, auto_suggest=self.auto_suggest)
        window.show()
        self.close()

    def import_documents(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Import documents", "",
            "Documents (*.txt *.md *.html *.htm *.pdf *.docx *.jsonl);;All files (*)")
        if paths:
            self.run_import(paths)

    def run_import(self, paths: list[str]) -> Worker:
        from ..services.importing import import_paths, list_files

        files = list_files(paths)
        dialog = self._progress("Importing documents…", len(files))
        worker: Worker

        def work(progress):  # type: ignore[no-untyped-def]
            count = 0

            def on_file(_path: Path) -> None:
                nonlocal count
                if worker.cancelled:
                    raise KeyboardInterrupt
                count += 1
                progress(count, len(files))

            try:
                return import_paths(self.project, paths, annotator=self.reviewer.annotator,
                                    files=files, on_file=on_file)
            except KeyboardInterrupt:
                return None

        def done(report) -> None:  # type: ignore[no-untyped-def]
            dialog.close()
            self.busy = False
            self.reload_documents()
            if report is None:
                self.statusBar().showMessage("Import cancelled: files finished before are kept.",
                                             8000)
                return
            message = (f"{report.new} new, {report.duplicates} duplicates, "
                       f"{len(report.rejected)} rejected")
            if report.rejected:
                QMessageBox.information(self, "Import", message + "\n\n" + "\n".join(
                    str(e) for e in report.rejected[:20]))
            self.statusBar().showMessage(message, 10000)
            if self.document is None and self.documents.rows:
                self.open_document(self.documents.rows[0].id)

        worker = Worker(work)
        return self._run(worker, dialog, done)

    def export_project(self) -> None:
        from ..services.interchange import FORMATS, layer_choices
        from .dialogs import ExportDialog

        dialog = ExportDialog([(spec.name, spec.title) for spec in FORMATS.values()],
                              layer_choices(self.project), self.reviewer.annotator, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        if dialog.writes_folder():
            out = QFileDialog.getExistingDirectory(self, "Export into folder")
        else:
            out, _ = QFileDialog.getSaveFileName(self, "Export", "")
        if out:
            self.run_export(out, fmt=dialog.chosen_format(), layer=dialog.chosen_layer(),
                            only_done=dialog.only_done.isChecked(), options=dialog.options())

    def run_export(self, out: str, *, fmt: str, layer: str | None, only_done: bool = False,
                   options: dict[str, object] | None = None) -> Worker:
        """Export on a worker thread; the window says what was written and what was not."""
        from ..services.interchange import export_annotations

        dialog = self._progress("Exporting…", 0)

        def work(_progress):  # type: ignore[no-untyped-def]
            return export_annotations(self.project, out, fmt=fmt, layer=layer,
                                      only_done=only_done, options=options)

        def done(reports) -> None:  # type: ignore[no-untyped-def]
            dialog.close()
            self.busy = False
            documents = sum(r.written.documents for r in reports)
            spans = sum(sum(r.written.spans.values()) for r in reports)
            message = f"Exported {documents} documents, {spans} spans to {out}"
            dropped: dict[str, list[str]] = {}
            for report in reports:
                for item in report.written.dropped:
                    dropped.setdefault(item.why, []).append(f"{item.where}: {item.what}")
            self.statusBar().showMessage(message, 10000)
            if dropped:
                # Not modal: the window stays usable while the reviewer reads it.
                box = QMessageBox(QMessageBox.Icon.Information, "Export", message, parent=self)
                box.setTextFormat(Qt.TextFormat.PlainText)
                box.setInformativeText("Not written:\n" + "\n".join(
                    f"{len(items)} × {why} (e.g. {items[0]})"
                    for why, items in sorted(dropped.items(), key=lambda kv: -len(kv[1]))[:12]))
                box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
                box.setModal(False)
                box.show()
                self.export_report_box = box

        return self._run(Worker(work), dialog, done)

    def bring_in_colleague(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Bring in a colleague's work", "",
            "Projects and exports (*.db *.jsonl *.json *.spacy *.conll *.txt);;All files (*)")
        if path:
            self.run_bring_in(path)

    def run_bring_in(self, path: str, *, rename: str | None = None) -> Worker:
        """A colleague's project file or export, as their layer, on a worker thread."""
        from ..services.colleague import bring_in

        dialog = self._progress("Bringing in a colleague's work…", 0)

        def work(_progress):  # type: ignore[no-untyped-def]
            return bring_in(self.project, path, rename=rename)

        def done(report) -> None:  # type: ignore[no-untyped-def]
            dialog.close()
            self.busy = False
            self.reload_documents()
            layers = ", ".join(f"{layer} ({sum(c.values())} spans)"
                               for layer, c in report.spans.items()) or "no spans"
            message = (f"Brought in {layers} on {report.documents_matched} documents; "
                       f"{len(report.unmatched)} of their documents are not in this project")
            self.statusBar().showMessage(message, 12000)
            if report.unmatched:
                box = QMessageBox(QMessageBox.Icon.Information, "Documents not matched",
                                  message, parent=self)
                box.setTextFormat(Qt.TextFormat.PlainText)
                box.setInformativeText(
                    "These documents' texts are not in this project (matched by their "
                    "exact text), so their annotations were left out:\n" + "\n".join(
                        f"{title or '(untitled)'}  {sha[:12]}"
                        for title, sha in report.unmatched[:20])
                    + (f"\n… and {len(report.unmatched) - 20} more"
                       if len(report.unmatched) > 20 else ""))
                box.setModal(False)
                box.show()
                self.unmatched_box = box

        return self._run(Worker(work), dialog, done)

    def open_review(self, layers: list[str] | None = None) -> None:
        """Compare colleagues' layers and settle their disagreements into gold."""
        from ..services.review import Review
        from .dialogs import ReviewSetupDialog
        from .review_window import ReviewWindow

        if layers is None:
            with self.project.db.read() as session:
                from sqlalchemy import select

                from ..storage.schema import AnnotatorRow, LayerRow
                annotators = list(session.scalars(
                    select(AnnotatorRow.name).join(LayerRow, LayerRow.annotator_id
                                                   == AnnotatorRow.id)
                    .where(LayerRow.kind == "annotator").order_by(AnnotatorRow.name)))
                has_suggestions = session.scalar(
                    select(LayerRow.id).where(LayerRow.kind == "suggestions").limit(1)) is not None
            dialog = ReviewSetupDialog(annotators, has_suggestions, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            layers = dialog.layers()
        from .app import reviewer_for

        # Gold is signed with the name given for this project's reviews (asked the first time).
        name = reviewer_for(self.project, None, self, self.preferences)
        if name is None:
            return
        self.preferences.save()
        try:
            review = Review(self.project, name, layers)
        except UnannotateError as error:
            self._warn("Review", str(error))
            return
        self.review_window = ReviewWindow(review, on_close=self.reload_documents)
        self.review_window.show()

    def suggest_all(self) -> Worker:
        from ..services.suggesting import build_suggesters, run_suggester

        dialog = self._progress("Suggesting entities and claims…", 0)
        worker: Worker

        def work(progress):  # type: ignore[no-untyped-def]
            total = 0
            for suggester in build_suggesters():
                done_count = 0

                def step(n: int) -> None:
                    nonlocal done_count
                    if worker.cancelled:
                        raise KeyboardInterrupt
                    done_count += n
                    progress(done_count, total)

                def set_total(n: int) -> None:
                    nonlocal total
                    total = n

                try:
                    run_suggester(self.project, suggester, on_documents=step, on_total=set_total)
                except KeyboardInterrupt:
                    return False
            return True

        def done(_result) -> None:  # type: ignore[no-untyped-def]
            dialog.close()
            self.busy = False
            self.reload_documents()
            self.reload_current()

        worker = Worker(work)
        return self._run(worker, dialog, done)

    def _suggest_missing(self, document_id: int) -> None:
        """Suggestions for one document, made on a worker thread (spaCy loads there)."""
        from ..services.suggesting import build_suggesters, suggest_document

        worker = Worker(lambda _progress: suggest_document(self.project, document_id,
                                                           build_suggesters()))

        def done(ran: int) -> None:
            if ran and self.document is not None and self.document.id == document_id:
                self.reload_current()
                self._refresh_document_row()

        worker.signals.done.connect(done)
        worker.signals.failed.connect(lambda message: self.statusBar().showMessage(
            f"Suggestions failed: {message}", 10000))
        self._suggest_worker = worker
        start(worker)

    def _progress(self, title: str, total: int) -> QProgressDialog:
        dialog = QProgressDialog(title, "Cancel", 0, total, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        return dialog

    def _run(self, worker: Worker, dialog: QProgressDialog, done) -> Worker:  # type: ignore[no-untyped-def]
        self.busy = True

        def cancel() -> None:
            worker.cancelled = True

        def progress(n: int, total: int) -> None:
            if total:
                dialog.setMaximum(total)
            dialog.setValue(n)

        def failed(message: str) -> None:
            dialog.close()
            self.busy = False
            self.show_error(message)

        dialog.canceled.connect(cancel)
        worker.signals.progress.connect(progress)
        worker.signals.done.connect(done)
        worker.signals.failed.connect(failed)
        self._current_worker = worker
        start(worker)
        return worker

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().showEvent(event)
        # The document view has the keyboard focus when a document opens.
        self.view.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def quit(self) -> None:
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        # Nothing to save: every decision was committed when it was made.
        self.project.close()
        super().closeEvent(event)


def _escape(text: str) -> str:
    import html

    return html.escape(text)
