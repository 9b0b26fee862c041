"""The review window: colleagues' layers side by side, each disagreement settled into gold.

A thin view over :class:`~unannotate.services.review.Review`: the places of the document are
drawn in the colour of their kind (agreed, another label, other boundaries, missing in some
layers) until they are settled, then as the gold spans chosen. Every decision goes through
the service and is committed before the window shows it.

A document on screen opens in two steps, as in the main window (docs/adr/0006): before the
first paint only the places from the top of the text to the screen around the first open
one are read; every place, the panel and the status right after that paint.
"""

from __future__ import annotations

import html

from collections.abc import Callable, Iterable
from dataclasses import dataclass
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
    QMessageBox,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import UnannotateError
from ..core.model import DocumentStatus, LabelKind, Span, SpanState
from ..services.review import GoldSpan, Place, PlaceKind, Review
from .actions import LAYER_KEYS, MENUS, REVIEW_ACTIONS, ActionSpec
from .document_view import DocumentView, SpanKey, SpanStyle
from .two_step import TwoStepOpen
from .workers import Worker, start

KIND_COLOURS = {
    PlaceKind.AGREED: "#b7e4c7",
    PlaceKind.LABEL: "#ffd166",
    PlaceKind.BOUNDARY: "#c8b6ff",
    PlaceKind.MISSING: "#ff9b9b",
}
KIND_TITLES = {
    PlaceKind.AGREED: "all agree",
    PlaceKind.LABEL: "another label",
    PlaceKind.BOUNDARY: "other boundaries",
    PlaceKind.MISSING: "missing in some",
}
SETTLED_NOTHING = "#e3e3e3"  # settled with nothing taken
LINE_BREAKS = "\n\r\u2029"  # where Qt ends a block


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


@dataclass
class Opening:
    """What the window draws of a document before its first paint: its first places, exactly
    as :meth:`Review.places` gives them (same order, so the same indices), up to ``frontier``."""

    text: str
    places: list[Place]  # every place starting before ``frontier``, in text order
    frontier: int  # code point: every span and place before it is known
    unplaced_gold: list[GoldSpan]  # accepted gold spans before ``frontier`` in no place
    target: int | None  # index of the first open place (None: there is none)


def _line_end(text: str, index: int) -> int:
    """The first line break at or after ``index`` (the end of its block), or the text's end."""
    found = [at for mark in LINE_BREAKS if (at := text.find(mark, index)) >= 0]
    return min(found, default=len(text))


class OpeningReader:
    """Reads what a document shows before its first paint (see :meth:`read`), with its
    statements built once: on this path building a statement costs as much as running it."""

    def __init__(self, review: Review) -> None:
        from sqlalchemy import bindparam, select

        from ..storage.schema import DocumentRow, SpanRow

        self.review = review
        document = bindparam("document_id")
        self._text = select(DocumentRow.text).where(DocumentRow.id == document)
        # The review's own query (so its own grouping applies), cut at a code point.
        self._spans = (review.span_select()
                       .where(SpanRow.document_id == document,
                              SpanRow.start < bindparam("limit"))
                       .order_by(SpanRow.start, SpanRow.end, SpanRow.id))

    def read(self, document_id: int, around: Callable[[int], tuple[int, int]]) -> Opening:
        """The text and the places the screen can show around the first open place, read
        from the top of the text in one read transaction: the spans starting before a limit,
        grouped as :meth:`Review.places` groups them. A place ending past the limit may
        still grow with spans beyond it, so only places starting before the first of those
        (the frontier) are kept, and the limit is pushed on (to a block's end, at least
        doubled) until they hold an open place and the blocks ``around`` its start, or the
        whole text is read. Every span of a long document costs tens of milliseconds to
        group; a screenful of them well under one."""
        review = self.review
        params = {"document_id": document_id}
        with review.project.db.read() as session:
            connection = session.connection()
            text = connection.execute(self._text, params).scalar() or ""
            limit = _line_end(text, around(0)[1])
            while True:
                rows = connection.execute(self._spans, {**params, "limit": limit}).all()
                places = review.places_from_rows(rows)
                frontier = min([limit, *(p.start for p in places if p.end > limit)])
                known = [p for p in places if p.start < frontier]  # places sort by start
                target = next((n for n, p in enumerate(known)
                               if p.kind is not PlaceKind.AGREED and not p.settled), None)
                needed = _line_end(text, around(known[target].start if target is not None
                                                else 0)[1])
                if limit >= len(text) or (target is not None and needed <= frontier):
                    break
                limit = max(needed, _line_end(text, 2 * limit + 1))
        placed = {g.id for p in known for g in p.gold}
        unplaced = [GoldSpan(r[0], r[2], r[3], r[4], SpanState(r[5]), r[6], r[7] or "", r[8],
                             r[9] == LabelKind.CLAIM.value)
                    for r in rows if r[1] == review.gold_layer_id and r[0] not in placed
                    and r[5] == SpanState.ACCEPTED.value and r[2] < frontier]
        return Opening(text, known, frontier, unplaced, target)


class ReviewWindow(TwoStepOpen, QMainWindow):
    def __init__(self, review: Review, *, on_close: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.review = review
        self.on_close = on_close
        self.document_id: int | None = None
        self.text = ""
        self.places: list[Place] = []
        self.current: int | None = None  # index into self.places
        self._keys: list[SpanKey] = []  # what the view draws
        self._styles: dict[int, SpanStyle] = {}
        self._early_styles: dict[int, SpanStyle] = {}  # drawn before the first paint
        self.overall = ""  # the project-wide agreement, once computed
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
            + "      T both · N neither · K comment · Tab next · Shift+A accept all agreed")
        swatches = QHBoxLayout()
        for kind, colour in KIND_COLOURS.items():
            swatch = QLabel(KIND_TITLES[kind])
            swatch.setTextFormat(Qt.TextFormat.PlainText)
            swatch.setStyleSheet(f"background:{colour}; color:#111; padding:2px 8px;"
                                 "border-radius:3px;")
            swatches.addWidget(swatch)
        gold = QLabel("settled: gold spans in their label's colour")
        gold.setTextFormat(Qt.TextFormat.PlainText)
        swatches.addWidget(gold)
        swatches.addStretch(1)

        self.view = DocumentView()
        self.view.span_clicked.connect(self._span_clicked)
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
        menus = {name: self.menuBar().addMenu(name) for name in MENUS if name != "File"}
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
            self.text = text
            self.document_id = document_id
            self.view.show_text(self.text)
            self.current = None
            self._early_styles = {}
            self._complete_open()
        else:
            opening = self.opening.read(document_id, self.view.on_screen_after_reveal())
            self._begin_open()
            self.text = opening.text
            self.document_id = document_id
            self.places = opening.places
            self.current = opening.target
            # The panel and the document list show the new document once it is complete
            # (right after the view's first paint): until then neither is repainted.
            self.panel.setUpdatesEnabled(False)
            self.panel.clear()
            self.view.show_text(self.text)
            keys, styles = self._drawing(self.places, opening.unplaced_gold)
            self._early_styles = styles
            target = self.places[self.current].start if self.current is not None else None
            self.view.set_spans(keys, styles.__getitem__, known=(0, opening.frontier),
                                need_all=self._complete_open, reveal=target)
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
        from sqlalchemy import select

        from ..storage.schema import DocumentRow

        with self.review.project.db.read() as session:
            return session.scalar(select(DocumentRow.text).where(
                DocumentRow.id == document_id)) or ""

    def _finish_open(self) -> None:
        """Every place of the open document, drawn, listed in the panel, the first open one
        selected: once per document opened on screen, right after its first paint or before
        anything needs it."""
        if self.document_id is None:
            return
        early = self._early_styles
        self.reload(select_first=True)
        self.panel.setUpdatesEnabled(True)
        self._show_in_list(self.document_id)
        # A place read early is redrawn if its drawing changed without its key.
        changed = [key for key in self._keys if key[2] in early
                   and early[key[2]] != self._styles[key[2]]]
        if changed:
            self.view.replace_spans([key[2] for key in changed], changed)

    def next_document(self, step: int = 1) -> None:
        ids = [d.id for d in self._documents]
        if not ids:
            return
        at = ids.index(self.document_id) if self.document_id in ids else -1
        self.open_document(ids[(at + step) % len(ids)])

    # -- places and drawing --------------------------------------------------------------
    def reload(self, *, select_first: bool = False) -> None:
        """Read the document's places again (after a decision) and draw them."""
        assert self.document_id is not None
        previous = self._place_key()
        self.places = self.review.places(self.document_id)
        # Gold spans the reviewer added where no layer has anything.
        placed = {g.id for p in self.places for g in p.gold}
        unplaced = [span for span in self.review.gold.spans(self.document_id)
                    if span.id not in placed and span.state is SpanState.ACCEPTED]
        self._keys, self._styles = self._drawing(self.places, unplaced)
        self.view.set_spans(self._keys, self._styles.__getitem__)
        self._fill_panel()
        if select_first:
            self.current = None
            self.next_place()
        else:
            self.current = next((n for n, p in enumerate(self.places)
                                 if (p.start, p.end, p.claim) == previous), None)
            if self.current is not None and self.places[self.current].settled:
                self.next_place()
            else:
                self._select_current()
        self._update_status()

    def _drawing(self, places: list[Place], unplaced_gold: Iterable[GoldSpan | Span]
                 ) -> tuple[list[SpanKey], dict[int, SpanStyle]]:
        """The view's keys (sorted) and styles: a place as one span in the colour of its kind
        until settled, then the gold spans taken there; and the gold spans in no place."""
        keys: list[SpanKey] = []
        styles: dict[int, SpanStyle] = {}
        for n, place in enumerate(places, 1):
            kind = LabelKind.CLAIM if place.claim else LabelKind.ENTITY
            taken = [g for g in place.gold if g.state is SpanState.ACCEPTED]
            if not place.settled:
                keys.append((place.start, place.end, n))
                styles[n] = SpanStyle(KIND_COLOURS[place.kind], kind, True)
            elif not taken:
                keys.append((place.start, place.end, n))
                styles[n] = SpanStyle(SETTLED_NOTHING, kind, False)
            for span in taken:
                keys.append((span.start, span.end, -span.id))
                styles[-span.id] = SpanStyle(self.colours.get(span.label, "#cccccc"),
                                             self.kinds.get(span.label, kind), False)
        for gold in unplaced_gold:
            keys.append((gold.start, gold.end, -gold.id))
            styles[-gold.id] = SpanStyle(self.colours.get(gold.label, "#cccccc"),
                                         self.kinds.get(gold.label, LabelKind.ENTITY), False)
        keys.sort()
        return keys, styles

    def _place_key(self) -> tuple[int, int, bool] | None:
        if self.current is None or self.current >= len(self.places):
            return None
        place = self.places[self.current]
        return place.start, place.end, place.claim

    def _fill_panel(self) -> None:
        self.panel.clear()
        # Brushes made once: thousands of rows share a handful of them.
        kind_brushes = {kind: QBrush(QColor(colour)) for kind, colour in KIND_COLOURS.items()}
        dark, grey = QBrush(QColor("#111111")), QBrush(QColor("#808080"))
        layers = self.review.layers
        items = []
        for place in self.places:
            cells = [KIND_TITLES[place.kind], self.text[place.start:place.end][:80]]
            for layer in layers:
                held = place.held_by(layer)
                cells.append(", ".join(self._describe(place, v.start, v.end, v.label)
                                       for v in held) or "—")
            cells.append(self._outcome(place))
            cells.append(place.comment)
            item = QTreeWidgetItem(cells)
            item.setBackground(0, kind_brushes[place.kind])
            item.setForeground(0, dark)
            if place.settled or place.kind is PlaceKind.AGREED:
                for column in range(1, len(cells)):
                    item.setForeground(column, grey)
            items.append(item)
        self.panel.addTopLevelItems(items)
        widths = [130, 300, *[190] * len(self.review.layers), 190]
        for column, width in enumerate(widths):
            self.panel.setColumnWidth(column, width)

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
        if self.current is None:
            self.view.select_span(None)
            self.panel.clearSelection()
            return
        place = self.places[self.current]
        if place.settled:
            gold = [g for g in place.gold if g.state is SpanState.ACCEPTED]
            self.view.select_span(-gold[0].id if gold else self.current + 1)
        else:
            self.view.select_span(self.current + 1)
        item = self.panel.topLevelItem(self.current)  # None until the panel is filled
        if item is not None:
            self.panel.setCurrentItem(item)

    def _open_places(self) -> list[int]:
        return [n for n, p in enumerate(self.places)
                if p.kind is not PlaceKind.AGREED and not p.settled]

    def next_place(self, step: int = 1) -> None:
        """The next open disagreement (wrapping round); with none open, nothing selected."""
        open_ = self._open_places()
        if not open_:
            self.current = None
        elif self.current is None:
            self.current = open_[0] if step > 0 else open_[-1]
        else:
            later = [n for n in open_ if (n > self.current if step > 0 else n < self.current)]
            self.current = (later[0] if step > 0 else later[-1]) if later else (
                open_[0] if step > 0 else open_[-1])
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
            self.current = next((n for n, p in enumerate(self.places)
                                 if any(g.id == -span_id for g in p.gold)), None)
            self.view.select_span(span_id)
            if self.current is not None:
                self.panel.setCurrentItem(self.panel.topLevelItem(self.current))
            return
        self._select_current()

    def _selected_gold(self) -> GoldSpan | None:
        selected = self.view.selected_span
        if selected is None or selected >= 0:
            return None
        for place in self.places:
            for span in place.gold:
                if span.id == -selected:
                    return span
        for found in self.review.gold.spans(self.document_id or 0):
            if found.id == -selected:
                return GoldSpan(found.id, found.start, found.end, found.label, found.state,
                                found.source_id, found.reason, found.version)
        return None

    # -- decisions -----------------------------------------------------------------------
    def _settle(self, layers: list[str], comment: str | None = None) -> None:
        assert self.current is not None and self.document_id is not None
        place = self.places[self.current]
        self.review.take(self.document_id, place, layers, comment=comment)
        self.reload()
        self.refresh_document_row()

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
        assert self.current is not None
        place = self.places[self.current]
        if text is None:
            text, ok = QInputDialog.getText(self, "Comment", "Your comment on this place:",
                                            text=place.comment)
            if not ok:
                return
        self.review.comment(place, text)
        self.reload()
        self.refresh_document_row()

    def accept_agreed(self) -> None:
        assert self.document_id is not None
        change = self.review.accept_agreed(self.document_id)
        self.statusBar().showMessage(
            f"{len(change.event_ids)} agreed spans taken into gold", 6000)
        self.reload()
        self.refresh_document_row()

    def accept_agreed_everywhere(self) -> None:
        change = self.review.accept_agreed()
        self.statusBar().showMessage(
            f"{len(change.event_ids)} agreed spans in {len(change.document_ids)} documents "
            "taken into gold", 8000)
        self.refresh_documents()
        if self.document_id is not None:
            self.reload()

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
            self.review.gold.add(self.document_id, start, end, label)
        elif gold is not None:
            self.review.gold.relabel(gold.id, label, expected_version=gold.version)
        else:
            self.statusBar().showMessage("select text or a gold span first", 5000)
            return
        self.reload()
        self.refresh_document_row()

    def delete_gold(self) -> None:
        gold = self._selected_gold()
        assert gold is not None
        self.review.gold.delete(gold.id, expected_version=gold.version)
        self.reload()
        self.refresh_document_row()

    def mark_done(self) -> None:
        assert self.document_id is not None
        open_left = len(self._open_places())
        self.review.set_status(self.document_id, DocumentStatus.DONE)
        self.refresh_documents()
        later = [d for d in self._documents
                 if d.review_status is not DocumentStatus.DONE and d.id != self.document_id]
        message = "review marked done"
        if open_left:
            message += f" ({open_left} disagreements left open)"
        self.statusBar().showMessage(message, 6000)
        if later:
            self.open_document(later[0].id)
        self.compute_overall()

    def undo(self) -> None:
        if self.review.undo() is None:
            self.statusBar().showMessage("nothing to undo", 4000)
        self._after_history()

    def redo(self) -> None:
        if self.review.redo() is None:
            self.statusBar().showMessage("nothing to redo", 4000)
        self._after_history()

    def _after_history(self) -> None:
        self.refresh_documents()
        if self.document_id is not None:
            self.reload()
            if self.current is None:  # what was undone is open again: go to it
                self.next_place()

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
    def _update_status(self) -> None:
        if self.document_id is None or not self._complete:
            return  # shown when the document's places are all read
        disagreements = [p for p in self.places if p.kind is not PlaceKind.AGREED]
        open_ = len(self._open_places())
        f1 = pair_f1(self.places, self.review.layers)
        here = "–" if f1 is None else f"{f1:.2f}"
        self.statusBar().showMessage(
            f"{open_} of {len(disagreements)} disagreements open · agreement here: exact F1 "
            f"{here}" + (f" · all documents: {self.overall}" if self.overall else ""))

    def compute_overall(self) -> Worker:
        """The project-wide agreement of the compared layers, computed on a worker thread
        and shown in the status bar when it arrives."""
        worker = Worker(lambda _progress: self._report())
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
        self._update_status()

    def _report(self):  # type: ignore[no-untyped-def]
        from ..services.agreement import project_agreement
        from ..services.review import SUGGESTIONS

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

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self.view.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def closeEvent(self, event: QCloseEvent) -> None:
        # Nothing left to paint: an open left incomplete completes when something needs it.
        self._pause_open()
        if self.on_close is not None:
            self.on_close()
        super().closeEvent(event)
