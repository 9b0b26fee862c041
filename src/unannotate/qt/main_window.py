"""The review window: a thin shell. The open document's state
(:class:`~unannotate.services.open_document.OpenDocument`) holds what is on screen, and the
text, the span panel and the document list redraw from its deltas
(:mod:`~unannotate.qt.open_document_views`); the panels (:mod:`~unannotate.qt.panels`), the
actions (:mod:`~unannotate.qt.action_host`), long work (:mod:`~unannotate.qt.jobs`) and the
project commands (:mod:`~unannotate.qt.project_files`) live in their own modules.

Every decision goes to :class:`~unannotate.services.decisions.Decider`, which commits it
before the state applies it: what is shown as decided is stored.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.model import Label
from ..core.offsets import Tokens
from ..services.decisions import Decider
from ..services.document_list import DocumentList
from ..services.open_document import OpenDocument, ReviewState
from ..services.preferences import Preferences
from ..services.project import Project
from ..services.window_data import WindowDocument, WindowSpan, first_document_to_review
from .action_host import ActionHost
from .actions import ACTIONS, MENUS, ActionSpec
from .consistency_view import ConsistencyReportHost
from .decision_handlers import DecisionHandlers
from .document_view import DocumentView
from .errors import ErrorReporting
from .improve import ImproveSuggestions
from .jobs import BackgroundJobs
from .label_all_dialog import LabelAllHandlers
from .language_dialog import DocumentLanguageHandlers
from .open_document_views import Labels, ListObserver, PanelObserver, TextObserver
from .panels import DocumentListPanel, ElidedLabel, LabelBar, SpanPanel
from .project_files import ProjectCommands
from .two_step import TwoStepOpen

DEFAULT_SIZE = QSize(1400, 860)
SPLIT = (380, 600, 420)  # document list, text, span panel at the default width


class MainWindow(DecisionHandlers, LabelAllHandlers, ErrorReporting, BackgroundJobs,
                 ProjectCommands, TwoStepOpen, ImproveSuggestions, ConsistencyReportHost,
                 DocumentLanguageHandlers, QMainWindow):
    def __init__(self, project: Project, annotator: str, preferences: Preferences,
                 *, auto_suggest: bool = True) -> None:
        super().__init__()
        self.project = project
        self.preferences = preferences
        self.auto_suggest = auto_suggest
        self.reviewer = Decider(project, annotator)
        self.open_doc = OpenDocument(self.reviewer)
        self.labels: list[Label] = project.labels()
        self.scheme = Labels(self.labels)
        self.tokens: Tokens | None = None
        self.decisions_this_session = 0
        self._progress_width = 0
        self.character_mode = preferences.character_mode
        self.review_window: QMainWindow | None = None
        self._build()
        self.action_host = ActionHost(self, ACTIONS, self, menus=MENUS,
                                  shortcuts=preferences.shortcuts, before=self._complete_open,
                                  on_error=self.report_error, on_refused=self._refused)
        self.qactions = self.action_host.actions
        self.qactions["review.char_mode"].setChecked(self.character_mode)
        self.qactions["view.dark"].setChecked(preferences.dark)
        self.recent_menu = QMenu("Recent projects", self)
        self.action_host.menus["File"].insertMenu(self.qactions["file.import"], self.recent_menu)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()
        self._observe()
        self.reload_documents()
        first = first_document_to_review(self.reviewer)
        if first is not None:
            self.open_document(first)
        self._show_empty(first is None)
        for _ in range(abs(preferences.zoom)):
            self.view.zoomIn(1) if preferences.zoom > 0 else self.view.zoomOut(1)

    # -- building ------------------------------------------------------------------------
    def _build(self) -> None:
        screen = QGuiApplication.primaryScreen()
        self.resize(DEFAULT_SIZE.boundedTo(screen.availableGeometry().size())
                    if screen is not None else DEFAULT_SIZE)
        self.document_panel = DocumentListPanel(self.labels)
        self.document_panel.table.clicked.connect(self._document_clicked)
        self.document_panel.order.currentIndexChanged.connect(self.apply_document_order)
        self.view = DocumentView()
        self.view.span_clicked.connect(self._select)
        self._init_two_step(self.view)
        self.find_bar = QLineEdit()
        self.find_bar.setPlaceholderText("Find in the document (Enter: next, Esc: close)")
        self.find_bar.returnPressed.connect(self._find_next)
        self.find_bar.hide()
        self.label_bar = LabelBar()
        self.label_bar.fill(self.labels)
        self.doc_title = ElidedLabel()
        self.doc_title.setStyleSheet("font-weight: 600; font-size: 13pt; padding: 4px 6px;")
        self.empty = self._empty_page()
        self.centre = QStackedWidget()
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 6, 0, 6)
        for widget in (self.doc_title, self.find_bar):
            column.addWidget(widget)
        column.addWidget(self.view, 1)
        self.centre.addWidget(page)
        self.centre.addWidget(self.empty)
        self.span_panel = SpanPanel()
        self.span_panel.table.clicked.connect(self._span_row_clicked)
        splitter = QSplitter()
        for n, widget in enumerate((self.document_panel, self.centre, self.span_panel)):
            splitter.addWidget(widget)
            splitter.setStretchFactor(n, (2, 5, 3)[n])
        self.document_panel.setMinimumWidth(200)
        self.span_panel.setMinimumWidth(260)
        self.splitter = splitter
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.label_bar)  # across the window: every label's key in view
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.default_layout()
        self.progress_label = QLabel()
        self.progress_label.setTextFormat(Qt.TextFormat.PlainText)  # holds the reviewer's name
        self.who = QPushButton()
        self.who.setFlat(True)
        self.who.setToolTip("Who you are: your decisions are recorded under this name. "
                            "Click to change it.")
        self.who.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.who.clicked.connect(lambda: self.change_annotator())
        self.statusBar().addPermanentWidget(self.progress_label)
        self.statusBar().addPermanentWidget(self.who)

    def default_layout(self) -> None:
        """The panels' widths at the default window width (scaled to a smaller window)."""
        share = min(self.width() / DEFAULT_SIZE.width(), 1.0)
        self.splitter.setSizes([int(width * share) for width in SPLIT])

    def _empty_page(self) -> QWidget:
        """What an empty project shows: how to import, and the sample documents."""
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        self.empty_message = QLabel(
            "This project holds no documents yet.\n\nImport text, Markdown, HTML, PDF or Word "
            "files, or a folder of them, with File → Import documents… (Ctrl+I); or from the "
            "command line: unannotate import PATH --project " + self.project.location)
        self.empty_message.setTextFormat(Qt.TextFormat.PlainText)
        self.empty_message.setWordWrap(True)
        self.empty_message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty_message)
        self.import_button = QPushButton("Import documents…")
        self.import_button.clicked.connect(self.import_documents)
        self.sample_button = QPushButton("Import the sample documents")
        self.sample_button.clicked.connect(self.import_samples)
        for button in (self.import_button, self.sample_button):
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(2)
        return page

    def _show_empty(self, empty: bool) -> None:
        from ..resources import sample_dir

        self.centre.setCurrentWidget(self.empty if empty else self.centre.widget(0))
        self.sample_button.setVisible(empty and sample_dir().is_dir())

    def _observe(self) -> None:
        """The views of the open document: each redraws from the state's deltas."""
        state = self.open_doc
        state.observe(TextObserver(self.view, self.scheme, self._complete_open))
        state.observe(PanelObserver(self.span_table, self.span_model, self.guidance,
                                    self.scheme))
        self.list_observer = ListObserver(self.document_table, self.documents,
                                          self._update_progress)
        state.observe(self.list_observer)
        self.init_document_language()  # the language in the status bar

    def set_labels(self, labels: list[Label]) -> None:
        self.labels = labels
        self.scheme.by_name = {label.name: label for label in labels}
        self.label_bar.fill(labels)

    def set_reviewer(self, name: str) -> None:
        """Decide as ``name`` from now on: their statuses, their decisions, their undo."""
        self._complete_open()
        current = self.document.id if self.document is not None else None
        self.reviewer = Decider(self.project, name)
        self.open_doc.reviewer = self.reviewer
        self.reload_documents()
        if current is not None:
            self.open_document(current)

    def _refused(self, spec: ActionSpec) -> None:
        """A key whose action does not apply to the selection now: say why, and show the
        selected span (the reviewer may have scrolled away from it)."""
        keys = "/".join(spec.keys[:1]) or spec.title
        if spec.enabled_when == "has_pending_selection" and self.has_selection():
            self.statusBar().showMessage(
                f"{keys}: the selected span is your annotation, not a suggestion "
                "(Delete removes it, 1–9 relabel it).", 6000)
        elif spec.enabled_when in ("has_selection", "has_pending_selection"):
            self.statusBar().showMessage(f"{keys}: select a span first (Tab).", 6000)
        if self.open_doc.selected is not None:
            self._select(self.open_doc.selected)

    # -- what tests and other windows read -------------------------------------------------
    document_table = property(lambda self: self.document_panel.table)
    documents = property(lambda self: self.document_panel.model)
    document_filter = property(lambda self: self.document_panel.filter)  # the model itself
    label_filter = property(lambda self: self.document_panel.label_filter)
    search = property(lambda self: self.document_panel.search)
    span_table = property(lambda self: self.span_panel.table)
    span_model = property(lambda self: self.span_panel.model)
    guidance = property(lambda self: self.span_panel.guidance)

    @property
    def document(self) -> WindowDocument | None:
        return self.open_doc.document

    @property
    def spans(self) -> dict[int, WindowSpan]:
        """Drawn spans of the open document (pending suggestions and annotations) by id."""
        self._complete_open()
        return self.open_doc.drawn()

    @property
    def pending_ids(self) -> set[int]:
        self._complete_open()
        return self.open_doc.pending_ids()

    @property
    def rejected(self) -> dict[int, WindowSpan]:
        self._complete_open()
        return self.open_doc.rejected()

    # -- enabled-when rules ---------------------------------------------------------------
    def has_document(self) -> bool:
        return self.document is not None

    def has_selection(self) -> bool:
        return self.open_doc.selected is not None

    def has_pending_selection(self) -> bool:
        selected = self.open_doc.selected
        return selected is not None and self.open_doc.state(selected) is ReviewState.PENDING

    def not_busy(self) -> bool:
        return not self.busy

    def can_undo(self) -> bool:
        return True  # the service answers; nothing to undo is a no-op

    def can_redo(self) -> bool:
        return True

    # -- documents -----------------------------------------------------------------------
    def reload_documents(self) -> None:
        self.documents.set_listing(DocumentList(self.reviewer))
        if self.document_filter.order == "uncertain":
            self.apply_document_order()  # the suggestions' scores may have changed
        if self.document is not None:
            self.list_observer.show_current(self.document.id)
        self._update_progress()

    def _document_clicked(self, index) -> None:  # type: ignore[no-untyped-def]
        self.open_document(self.document_filter.data(index, Qt.ItemDataRole.UserRole))

    def open_document(self, document_id: int, *, select_span: int | None = None) -> None:
        """Show the document with the spans on screen painted first: the text, the span to
        select and the spans in reach of it are read now; every other span, the panel and
        the idle formatting of the blocks off screen come right after the first paint."""
        around = self.view.on_screen_after_reveal()
        self._begin_open()
        self.tokens = None
        self._show_empty(False)
        delta = self.open_doc.load(document_id, select_span=select_span, around=around)
        document = self.open_doc.document
        assert document is not None
        file_name = Path(document.source.replace("\\", "/")).name if document.source else ""
        self.doc_title.set_full_text(document.title, file_name)
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        if delta.selection is None:
            self._no_pending_left()
        handle = self.windowHandle()
        if handle is None or not handle.isExposed():
            self._complete_open()  # not on screen: nothing to paint first
        else:
            self._await_first_paint()

    def _finish_open(self) -> None:
        """Read every span of the open document (unless all were read on opening): once per
        document, right after its first paint, or before anything needs them."""
        document = self.document
        if document is None:
            return
        self.open_doc.read_all()
        self._update_title()
        if self.auto_suggest and not self.open_doc.keys():
            # After the window has painted: spaCy loads on a worker, not before the first paint.
            QTimer.singleShot(0, lambda: self._suggest_missing(document.id))

    def reload_current(self) -> None:
        if self.document is not None:
            self.open_document(self.document.id, select_span=self.open_doc.selected)

    # -- selection -----------------------------------------------------------------------
    def _select(self, span_id: int | None, *, scroll: bool = True) -> None:
        self._complete_open()
        self.open_doc.select(span_id, scroll=scroll)

    def _span_row_clicked(self, index) -> None:  # type: ignore[no-untyped-def]
        span_id = self.span_model.data(index, Qt.ItemDataRole.UserRole)
        if self.open_doc.is_drawn(span_id):
            self._select(span_id)
        self.view.setFocus()

    def _no_pending_left(self) -> None:
        self.statusBar().showMessage(
            "No suggestions left in this document. Ctrl+Enter marks it done.", 6000)

    def _select_next_pending(self, *, forward: bool = True) -> None:
        self._complete_open()
        chosen = self.open_doc.next_pending(forward=forward, cursor=self.view.cursor_index())
        self._select(chosen)
        if chosen is None:
            self._no_pending_left()

    def _update_progress(self) -> None:
        documents = self.documents
        text = (f"{documents.done_count} / {documents.document_count} documents done · "
                f"{self.decisions_this_session} decisions this session · "
                f"{self.reviewer.annotator}" + (" · character mode" if self.character_mode else ""))
        label = self.progress_label
        if text != label.text():
            label.setText(text)
            # Once shown, the label keeps the size the status bar gave it (wider when its
            # text grows): a new count then repaints the label only, instead of laying out
            # and repainting the whole status bar on every decision.
            width = label.sizeHint().width()
            if label.isVisible() and width > self._progress_width:
                self._progress_width = max(width, label.width())
                label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                label.setFixedSize(self._progress_width, label.height())
        if not self.who.text():
            self.who.setText("👤 Change reviewer…")

    def _update_title(self) -> None:
        title = self.document.title if self.document else ""
        place = Path(self.project.location).name
        self.setWindowTitle(f"{title[:120]} — {place} — unannotate" if title
                            else f"{place} — unannotate")

    def find(self) -> None:
        self.find_bar.show()
        self.find_bar.setFocus()
        self.find_bar.selectAll()

    def find_everywhere(self) -> None:
        from .find_panel import find_panel_of

        find_panel_of(self).focus_box()

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
        self.view.zoomIn(1) if step > 0 else self.view.zoomOut(1)
        self.preferences.zoom += step
        self.preferences.save()

    def next_document(self, step: int) -> None:
        target = self.documents.following(
            self.document.id if self.document is not None else None, step)
        if target is not None:
            self.open_document(target)

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().showEvent(event)
        # The document view has the keyboard focus when a document opens.
        self.view.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def quit(self) -> None:
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        # Nothing to save: every decision was committed when it was made.
        self.stop_training()
        self.project.close()
        super().closeEvent(event)

