"""The review window: colleagues' layers side by side, each disagreement settled into gold.

A thin view over :class:`~unannotate.services.review_state.ReviewState`, the open document's
state: the window draws only what the state holds and redraws only from the delta it gives,
after every decision, undo and redo alike (:meth:`ReviewWindow._refresh`), so what is on
screen is what is stored. Every decision goes through the service and is committed before
the window shows it. How places and gold spans look is in :mod:`.review_view`.

A document on screen opens in two steps, as in the main window (docs/adr/0006): before the
first paint only the places from the top of the text to the screen around the first open
one are read; every place, the panel and the status right after that paint.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from itertools import combinations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QBrush, QCloseEvent, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import UnannotateError
from ..core.model import DocumentStatus, SpanState
from ..services.colleague_review import GoldSpan, Place, PlaceKind, Review
from ..services.review_opening import OpeningReader
from ..services.review_state import Delta, Look, Mark, ReviewState
from .actions import LAYER_KEYS, MENUS, REVIEW_ACTIONS, ActionSpec
from .review_file import ReviewFileMenu
from .review_view import KIND_COLOURS, KIND_TITLES, PAPER, ReviewDocumentView, swatch
from .two_step import TwoStepOpen
from .workers import Worker, start


def pair_f1(places: list[Place], layers: list[str]) -> float | None:
    """Exact-match F1 of the document, pooled over every pair of layers."""
    matched = total = 0
    for a, b in combinations(layers, 2):
        for place in places:
            for variant in place.variants:
                has_a, has_b = a in variant.holders, b in variant.holders
                total += has_a + has_b
                matched += 2 * (has_a and has_b)
    return matched / total if total else None


class ReviewWindow(ReviewFileMenu, TwoStepOpen, QMainWindow):
    def __init__(self, review: Review, *, on_close: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.review = review
        self.on_close = on_close
        self.state = ReviewState(review)
        self.overall = ""  # the project-wide agreement, once computed
        # The document's figures as last put in the status bar: shown again when a passing
        # message (an export written, a refusal) times out.
        self._figures = ""
        self.statusBar().messageChanged.connect(self._figures_back)
        self.qactions: dict[str, QAction] = {}
        self.report_dialog: QDialog | None = None
        self.labels = review.project.labels()
        self.colours = {label.name: label.colour for label in self.labels}
        self.kinds = {label.name: label.kind for label in self.labels}
        self.opening = OpeningReader(review)
        self._build()
        self._build_actions()
        self.refresh_documents()
        first = next((d.id for d in self._documents if d.open_disagreements), None)
        if first is None and self._documents:
            first = self._documents[0].id
        if first is not None:
            self.open_document(first)
        self.compute_overall()

    # -- the state, as the window's callers knew it ---------------------------------------
    @property
    def document_id(self) -> int | None:
        return self.state.document_id

    @property
    def text(self) -> str:
        return self.state.text

    @property
    def places(self) -> list[Place]:
        return self.state.places

    @property
    def current(self) -> int | None:
        return self.state.current

    @current.setter
    def current(self, value: int | None) -> None:
        self.state.current = value

    # -- building ------------------------------------------------------------------------
    def _build(self) -> None:
        names = self.review.layers
        self.setWindowTitle(f"Review: {', '.join(names)} into gold: unannotate")
        self.resize(1400, 860)
        self.documents = QTreeWidget()
        self.documents.setHeaderLabels(["Document", "Review", "Open"])
        self.documents.setRootIsDecorated(False)
        self.documents.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.documents.itemActivated.connect(self._document_chosen)
        self.documents.itemClicked.connect(self._document_chosen)
        self.documents.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.PlainText)
        self.legend.setWordWrap(True)
        self.legend.setText(
            "   ".join(f"{LAYER_KEYS[n]} = {name}" for n, name in enumerate(names[:5]))
            + "      T both · N neither · K comment · Tab next · Shift+A take all agreed")

        self.view = ReviewDocumentView(self.colours, self.kinds)
        self.view.mark = self.state.mark
        self.view.span_clicked.connect(self._span_clicked)
        # The key: each look drawn exactly as the view draws it.
        swatches = QHBoxLayout()
        keys = [(KIND_TITLES[kind], Mark(Look.OPEN if kind is not PlaceKind.AGREED
                                         else Look.AGREED, kind, None, False))
                for kind in (PlaceKind.LABEL, PlaceKind.BOUNDARY, PlaceKind.MISSING,
                             PlaceKind.AGREED)]
        keys.append(("settled: neither", Mark(Look.NEITHER, PlaceKind.MISSING, None, False)))
        gold_label = next((label.name for label in self.labels), None)
        if gold_label is not None:
            keys.append((f"settled: gold {gold_label} (in its label's colour)",
                         Mark(Look.GOLD, None, gold_label, False)))
        for title, mark in keys:
            shown = QLabel()
            shown.setPixmap(swatch(title, mark, self.view.font(), self.colours))
            shown.setToolTip(title)
            swatches.addWidget(shown)
        swatches.addStretch(1)
        # A document opened on screen is complete (every place read, the panel filled) right
        # after the view's first paint, or when something needs it sooner.
        self._init_two_step(self.view)
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.legend)
        column.addLayout(swatches)
        column.addWidget(self.view, 1)

        self.panel = QTreeWidget()
        self.panel.setHeaderLabels(["Where", "Text", *names, "Gold", "Comment"])
        self.panel.setRootIsDecorated(False)
        self.panel.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.panel.itemClicked.connect(self._place_chosen)

        splitter = QSplitter()
        splitter.addWidget(self.documents)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(centre)
        right.addWidget(self.panel)
        right.setSizes([560, 260])
        splitter.addWidget(right)
        splitter.setSizes([300, 1100])
        self.setCentralWidget(splitter)

    def _build_actions(self) -> None:
        menus = {name: self.menuBar().addMenu(f"&{name}") for name in MENUS}
        for spec in REVIEW_ACTIONS:
            action = QAction(spec.title, self)
            action.setShortcuts([QKeySequence(k) for k in spec.keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _c=False, s=spec: self.trigger(s))
            menus.get(spec.menu, menus["Review"]).addAction(action)
            self.addAction(action)
            self.qactions[spec.id] = action
        for menu in menus.values():
            menu.aboutToShow.connect(self.update_actions)
            # Greyed in a menu only while it shows: a disabled action's key does nothing, and
            # a place or gold span chosen with the mouse runs no update (trigger checks).
            menu.aboutToHide.connect(self._enable_actions)
        self.recent_menu = QMenu("Recent projects", self)
        menus["File"].insertMenu(self.qactions["file.export_gold"], self.recent_menu)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()

    def _enable_actions(self) -> None:
        for action in self.qactions.values():
            action.setEnabled(True)

    def trigger(self, spec: ActionSpec) -> None:
        self._complete_open()
        if spec.enabled_when and not getattr(self, spec.enabled_when)():
            return
        handler = getattr(self, spec.handler)
        try:
            if spec.argument is None:
                handler()
            else:
                handler(spec.argument)
        except UnannotateError as error:
            self.statusBar().showMessage(str(error), 10000)

    def update_actions(self) -> None:
        for spec in REVIEW_ACTIONS:
            if spec.enabled_when:
                self.qactions[spec.id].setEnabled(bool(getattr(self, spec.enabled_when)()))

    # -- enabled-when ----------------------------------------------------------------
    def has_document(self) -> bool:
        return self.document_id is not None

    def has_place(self) -> bool:
        return self.current is not None

    def has_gold_selection(self) -> bool:
        return self._selected_gold() is not None

    # -- documents ---------------------------------------------------------------------
    def refresh_documents(self) -> None:
        self._documents = self.review.documents()
        self.documents.clear()
        for doc in self._documents:
            item = QTreeWidgetItem([doc.title or f"Document {doc.id}",
                                    doc.review_status.value.replace("_", " "),
                                    str(doc.open_disagreements)])
            item.setData(0, Qt.ItemDataRole.UserRole, doc.id)
            item.setToolTip(0, f"<p>{html.escape(doc.title)}</p>")  # shown as text
            self.documents.addTopLevelItem(item)
            if doc.id == self.document_id:
                self.documents.setCurrentItem(item)
        self.documents.resizeColumnToContents(1)

    def _document_chosen(self, item: QTreeWidgetItem) -> None:
        self.open_document(int(item.data(0, Qt.ItemDataRole.UserRole)))

    def open_document(self, document_id: int) -> None:
        """Show the document with its first open place selected. On screen, in two steps:
        the places the screen can show first, then, right after the view's first paint,
        every place, the panel and the status (see :meth:`_complete_open`). Off screen, all
        at once."""
        handle = self.windowHandle()
        if handle is None or not handle.isExposed():
            text = self._read_text(document_id)
            self._begin_open()
            places, unplaced = self.review.read_document(document_id)
            self.panel.setUpdatesEnabled(False)
            self.view.show_text(text)
            self._draw(self.state.show(document_id, text, places, unplaced))
            self.state.current = None
            self.state.step()
            self._complete_open()
        else:
            opening = self.opening.read(document_id, self.view.on_screen_after_reveal())
            self._begin_open()
            # The panel and the document list show the new document once it is complete
            # (right after the view's first paint): until then neither is repainted.
            self.panel.setUpdatesEnabled(False)
            self.panel.clear()
            self.view.show_text(opening.text)
            delta = self.state.show(document_id, opening.text, opening.places,
                                    opening.unplaced_gold, complete=False)
            self.state.current = opening.target
            place = self.state.place
            # Everything is new: every span known so far (the delta's, sorted).
            self.view.set_spans(delta.added, self.view.style,
                                known=(0, opening.frontier), need_all=self._complete_open,
                                reveal=place.start if place is not None else None)
            self._select_current()
            self._await_first_paint()
        self.view.setFocus()

    def _show_in_list(self, document_id: int) -> None:
        """Make the document the current item of the document list."""
        for n in range(self.documents.topLevelItemCount()):
            item = self.documents.topLevelItem(n)
            if item.data(0, Qt.ItemDataRole.UserRole) == document_id:
                self.documents.setCurrentItem(item)

    def _read_text(self, document_id: int) -> str:
        return self.review.text(document_id)

    def _finish_open(self) -> None:
        """Every place of the open document, drawn, listed in the panel, the first open one
        selected: once per document opened on screen, right after its first paint or before
        anything needs it."""
        if self.document_id is None:
            return
        if not self.state.complete:
            # Every place now: the view's spans given whole (it stops asking for more), and
            # the places read early drawn again where their look changed.
            self._refresh(self.state.apply(), full=True)
        else:
            self._fill_panel()
            self._select_current()
            self._update_status()
        self.panel.setUpdatesEnabled(True)
        self._show_in_list(self.document_id)

    def next_document(self, step: int = 1) -> None:
        ids = [d.id for d in self._documents]
        if not ids:
            return
        at = ids.index(self.document_id) if self.document_id in ids else -1
        self.open_document(ids[(at + step) % len(ids)])

    # -- drawing: one path for every change ----------------------------------------------
    def _draw(self, delta: Delta, *, full: bool = False) -> None:
        """Draw what the delta says changed: the view formats again only the blocks holding
        spans that were removed, added, or are drawn otherwise than before. ``full``: give
        the view every span (a document opened, or completed)."""
        if delta.new_document:
            self.view.set_spans(delta.added, self.view.style)
        elif full:
            self.view.set_spans(self.state.keys(), self.view.style)
            if delta.restyled:
                self.view.replace_spans([key[2] for key in delta.restyled], delta.restyled)
        elif delta.removed or delta.added:
            self.view.replace_spans(delta.removed, delta.added)

    def _refresh(self, delta: Delta, *, full: bool = False, note: str = "") -> None:
        """After anything that may have changed the open document (``delta``, from the
        state): the view, the panel, the document's row and the status brought to what is
        stored. Every decision, undo and redo ends here."""
        if self.document_id is None:
            return
        self._draw(delta, full=full)
        if full or self.panel.topLevelItemCount() != len(self.places):
            self._fill_panel()
        else:
            for n in delta.rows:
                self._fill_row(self.panel.topLevelItem(n), self.places[n])
        if self.current is None:  # what was undone is open again, or nothing is: go on
            self.state.step()
        self._select_current()
        self.refresh_document_row()
        self._update_status(note)

    def _fill_panel(self) -> None:
        self.panel.clear()
        items = []
        for place in self.places:
            item = QTreeWidgetItem(self._cells(place))
            self._shade(item, place)
            items.append(item)
        self.panel.addTopLevelItems(items)
        widths = [130, 300, *[190] * len(self.review.layers), 190]
        for column, width in enumerate(widths):
            self.panel.setColumnWidth(column, width)

    _brushes: dict[str, QBrush] = {}  # made once: thousands of rows share a handful

    @classmethod
    def _brush(cls, colour: str) -> QBrush:
        found = cls._brushes.get(colour)
        if found is None:
            found = cls._brushes[colour] = QBrush(QColor(colour))
        return found

    def _cells(self, place: Place) -> list[str]:
        cells = [KIND_TITLES[place.kind], self.text[place.start:place.end][:80]]
        for layer in self.review.layers:
            held = place.held_by(layer)
            cells.append(", ".join(self._describe(place, v.start, v.end, v.label)
                                   for v in held) or "—")
        cells.append(self._outcome(place))
        cells.append(place.comment)
        return cells

    def _shade(self, item: QTreeWidgetItem, place: Place) -> None:
        """The kind as the view marks it (its colour on paper, in either palette); what is
        settled or agreed greyed, what is open in the palette's own text colour."""
        item.setForeground(0, self._brush(KIND_COLOURS[place.kind]))
        item.setBackground(0, self._brush(PAPER))
        grey = place.settled or place.kind is PlaceKind.AGREED
        for column in range(1, item.columnCount()):
            if grey:
                item.setForeground(column, self._brush("#808080"))
            else:
                item.setData(column, Qt.ItemDataRole.ForegroundRole, None)

    def _fill_row(self, item: QTreeWidgetItem, place: Place) -> None:
        for column, cell in enumerate(self._cells(place)):
            item.setText(column, cell)
        self._shade(item, place)

    def _describe(self, place: Place, start: int, end: int, label: str) -> str:
        if (start, end) == (place.start, place.end):
            return label
        return f"{label} «{self.text[start:end][:40]}»"

    def _outcome(self, place: Place) -> str:
        if not place.settled:
            return "not yet (Shift+A)" if place.kind is PlaceKind.AGREED else "open"
        taken = [g for g in place.gold if g.state is SpanState.ACCEPTED]
        if not taken:
            return "neither"
        return ", ".join(self._describe(place, g.start, g.end, g.label) for g in taken)

    def _select_current(self) -> None:
        place = self.state.place
        if place is None:
            self.view.select_span(None)
            self.panel.clearSelection()
            return
        assert self.current is not None
        if place.settled:
            gold = [g for g in place.gold if g.state is SpanState.ACCEPTED]
            self.view.select_span(-gold[0].id if gold else self.current + 1)
        else:
            self.view.select_span(self.current + 1)
        item = self.panel.topLevelItem(self.current)  # None until the panel is filled
        if item is not None:
            self.panel.setCurrentItem(item)

    def _open_places(self) -> list[int]:
        return self.state.open_places()

    def next_place(self, step: int = 1) -> None:
        """The next open disagreement (wrapping round); with none open, nothing selected."""
        self.state.step(step)
        self._select_current()

    def previous_place(self) -> None:
        self.next_place(-1)

    def _place_chosen(self, item: QTreeWidgetItem) -> None:
        self._complete_open()
        self.current = self.panel.indexOfTopLevelItem(item)
        self._select_current()
        self.view.setFocus()

    def _span_clicked(self, span_id: int) -> None:
        self._complete_open()
        if span_id > 0:
            self.current = span_id - 1
        else:
            self.current = self.state.place_of_gold(-span_id)
            self.view.select_span(span_id)
            if self.current is not None:
                self.panel.setCurrentItem(self.panel.topLevelItem(self.current))
            return
        self._select_current()

    def _selected_gold(self) -> GoldSpan | None:
        selected = self.view.selected_span
        if selected is None or selected >= 0:
            return None
        return self.state.gold_span(-selected)

    # -- decisions -----------------------------------------------------------------------
    def _settle(self, layers: list[str]) -> None:
        place = self.state.place
        assert place is not None and self.document_id is not None
        self._refresh(self.state.apply(self.review.take(self.document_id, place, layers)))

    def take_layer(self, index: int) -> None:
        if index >= len(self.review.layers):
            self.statusBar().showMessage(f"this review has no layer {LAYER_KEYS[index]}", 5000)
            return
        self._settle([self.review.layers[index]])

    def take_all(self) -> None:
        self._settle(list(self.review.layers))

    def take_neither(self) -> None:
        self._settle([])

    def comment(self, text: str | None = None) -> None:
        """Comment on the place: it stays as it was (open, or settled as it is)."""
        place = self.state.place
        assert place is not None
        if text is None:
            text, ok = QInputDialog.getText(self, "Comment", "Your comment on this place:",
                                            text=place.comment)
            if not ok:
                return
        self._refresh(self.state.apply(self.review.comment(place, text)))

    def accept_agreed(self) -> None:
        assert self.document_id is not None
        change = self.review.accept_agreed(self.document_id)
        self._refresh(self.state.apply(change),
                      note=f"{len(change.event_ids)} agreed spans taken into gold")

    def accept_agreed_everywhere(self) -> None:
        change = self.review.accept_agreed()
        self.refresh_documents()
        self._refresh(self.state.apply(change),
                      note=f"{len(change.event_ids)} agreed spans in "
                      f"{len(change.document_ids)} documents taken into gold")

    def apply_label(self, index: int) -> None:
        """Edit: a gold span of this label on the selected text (snapped to whole tokens),
        or the selected gold span relabelled."""
        if index >= len(self.labels) or self.document_id is None:
            return
        label = self.labels[index].name
        chosen = self.view.selected_text_range()
        gold = self._selected_gold()
        if chosen is not None:
            from ..core.offsets import Tokens

            start, end = Tokens.of(self.text).snap(*chosen)
            change = self.review.gold.add(self.document_id, start, end, label)
        elif gold is not None:
            change = self.review.gold.relabel(gold.id, label, expected_version=gold.version)
        else:
            self.statusBar().showMessage("select text or a gold span first", 5000)
            return
        self._refresh(self.state.apply(change))

    def delete_gold(self) -> None:
        gold = self._selected_gold()
        assert gold is not None
        change = self.review.gold.delete(gold.id, expected_version=gold.version)
        self._refresh(self.state.apply(change))

    def mark_done(self, force: bool | None = None) -> None:
        """Mark the document's review done and go on. With disagreements still open, ask
        first (the default answer keeps it open); ``force`` answers for the dialog."""
        assert self.document_id is not None
        open_, total = self.state.counts()
        if open_ and force is None:
            box = QMessageBox(QMessageBox.Icon.Warning, "Disagreements still open",
                              f"{open_} of {total} disagreements are still open in this "
                              "document. Mark its review done anyway?",
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                              self)
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setDefaultButton(QMessageBox.StandardButton.No)
            box.setEscapeButton(QMessageBox.StandardButton.No)
            self.done_box = box
            force = box.exec() == QMessageBox.StandardButton.Yes
        if open_ and not force:
            self.statusBar().showMessage(
                f"review not marked done: {open_} of {total} disagreements are still open",
                8000)
            return
        self.review.set_status(self.document_id, DocumentStatus.DONE, force=bool(open_))
        self.refresh_documents()
        later = [d for d in self._documents
                 if d.review_status is not DocumentStatus.DONE and d.id != self.document_id]
        if later:
            self.open_document(later[0].id)
        message = "review marked done"
        if open_:
            message += f" with {open_} of {total} disagreements left open"
        self.statusBar().showMessage(message, 8000)
        self.compute_overall()

    def undo(self) -> None:
        change = self.review.undo()
        if change is None:
            self.statusBar().showMessage("nothing to undo", 4000)
        self._after_history(change)

    def redo(self) -> None:
        change = self.review.redo()
        if change is None:
            self.statusBar().showMessage("nothing to redo", 4000)
        self._after_history(change)

    def _after_history(self, change) -> None:  # type: ignore[no-untyped-def]
        if change is not None and (change.status_changed
                                   or change.document_ids - {self.document_id}):
            self.refresh_documents()
        self._refresh(self.state.apply(change) if change is not None else Delta())

    def refresh_document_row(self) -> None:
        """The open document's row in the list, after a decision."""
        if self.document_id is None:
            return
        open_ = len(self._open_places())
        status = self.review.status(self.document_id)
        for n in range(self.documents.topLevelItemCount()):
            item = self.documents.topLevelItem(n)
            if item.data(0, Qt.ItemDataRole.UserRole) == self.document_id:
                item.setText(1, status.value.replace("_", " "))
                item.setText(2, str(open_))

    # -- agreement -------------------------------------------------------------------
    def _update_status(self, note: str = "", *, over_a_message: bool = True) -> None:
        """The document's figures in the status bar, after ``note`` (what was just done).
        Without ``over_a_message`` (figures arriving from a worker), a passing message
        stays until it times out, and the figures follow it."""
        if self.document_id is None or not self._complete:
            return  # shown when the document's places are all read
        open_, disagreements = self.state.counts()
        f1 = pair_f1(self.places, self.review.layers)
        here = "–" if f1 is None else f"{f1:.2f}"
        shown, before = self.statusBar().currentMessage(), self._figures
        self._figures = (
            (f"{note} · " if note else "")
            + f"{open_} of {disagreements} disagreements open · agreement here: exact F1 "
            f"{here}" + (f" · all documents: {self.overall}" if self.overall else ""))
        if over_a_message or not shown or shown == before:
            self.statusBar().showMessage(self._figures)

    def _figures_back(self, message: str) -> None:
        if not message and self._figures:
            self.statusBar().showMessage(self._figures)

    def compute_overall(self) -> Worker:
        """The project-wide agreement of the compared layers, computed on a worker thread
        and shown in the status bar when it arrives."""
        finished = threading.Event()

        def report(_progress):  # type: ignore[no-untyped-def]
            try:
                return self._report()
            finally:
                finished.set()

        worker = Worker(report)
        self._overall_finished = finished  # the window's close waits for it
        worker.signals.done.connect(self._show_overall)
        worker.signals.failed.connect(lambda message: setattr(self, "overall", message))
        self._overall_worker = worker  # kept alive until it reports
        return start(worker)

    def _show_overall(self, report) -> None:  # type: ignore[no-untyped-def]
        parts = []
        if report.exact_f1 is not None:
            parts.append(f"exact F1 {report.exact_f1:.2f}")
        if report.token_kappa is not None:
            parts.append(f"token κ {report.token_kappa:.2f}")
        if report.token_alpha is not None:
            parts.append(f"α {report.token_alpha:.2f}")
        self.overall = ", ".join(parts) or "no spans to compare yet"
        self._update_status(over_a_message=False)

    def _report(self):  # type: ignore[no-untyped-def]
        from ..services.agreement import project_agreement
        from ..services.colleague_review import SUGGESTIONS

        people = [name for name in self.review.layers if name != SUGGESTIONS]
        return project_agreement(
            self.review.project, people,
            include_suggestions=SUGGESTIONS if SUGGESTIONS in self.review.layers else None)

    def show_report(self) -> None:
        from .agreement_view import AgreementDialog

        report = self._report()
        dialog = AgreementDialog(report, self)
        dialog.document_activated.connect(self._open_from_report)
        dialog.setModal(False)
        dialog.show()
        self.report_dialog = dialog

    def _open_from_report(self, document_id: int) -> None:
        self.open_document(document_id)
        self.raise_()
        self.activateWindow()

    def show_shortcuts(self) -> None:
        lines = [f"{' / '.join(spec.keys):<24} {spec.title}" for spec in REVIEW_ACTIONS]
        box = QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText("\n".join(lines))
        box.setModal(False)
        box.show()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().showEvent(event)
        self.view.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        # Nothing left to paint: an open left incomplete completes when something needs it.
        self._pause_open()
        # The agreement still being read on its worker ends before whoever opened the project
        # can close it (a read on a closed, or removed, project file fails).
        finished = getattr(self, "_overall_finished", None)
        if finished is not None:
            finished.wait(60)
        if self.on_close is not None:
            self.on_close()
        super().closeEvent(event)
