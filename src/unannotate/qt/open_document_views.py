"""The views of the open document, each driven by its deltas alone.

:class:`~unannotate.services.open_document.OpenDocument` holds the document on screen; each
class here observes it and redraws its widget from the :class:`Delta` of every change (as
napari's layers drive their Qt views). None of them is given spans any other way, so none can
show something the state does not hold, and the state holds what the project stores.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QLabel, QTableView

from ..core.model import Label, LabelKind
from ..services.open_document import Delta, OpenDocument, ReviewState, key_of
from ..services.window_data import WindowSpan
from .document_view import DocumentView, SpanStyle
from .models import DocumentListModel, SpanListModel

UNKNOWN_COLOUR = "#cccccc"


class Labels:
    """The label scheme as the views look it up."""

    def __init__(self, labels: list[Label]) -> None:
        self.by_name = {label.name: label for label in labels}

    def colour(self, name: str) -> str:
        found = self.by_name.get(name)
        return found.colour if found else UNKNOWN_COLOUR

    def kind(self, name: str) -> LabelKind:
        found = self.by_name.get(name)
        return found.kind if found else LabelKind.ENTITY


class TextObserver:
    """The document view: the text, its spans drawn, the selected span marked."""

    def __init__(self, view: DocumentView, labels: Labels,
                 need_all: Callable[[], None]) -> None:
        self.view, self.labels, self.need_all = view, labels, need_all
        self._shown: object = None  # the WindowDocument whose text is shown

    def style(self, document: OpenDocument) -> Callable[[int], SpanStyle]:
        labels = self.labels

        def style(span_id: int) -> SpanStyle:
            span = document.span(span_id)
            assert span is not None
            return SpanStyle(labels.colour(span.label), labels.kind(span.label),
                             document.state(span_id) is ReviewState.PENDING)

        return style

    def __call__(self, document: OpenDocument, delta: Delta) -> None:
        view = self.view
        shown = document.document
        if delta.reset:
            if shown is None:
                self._shown = None
                view.show_text("")
                return
            reveal = None
            if shown is not self._shown:
                view.show_text(shown.text)
                self._shown = shown
                selected = document.span(delta.selection) if delta.selection else None
                reveal = selected.start if selected is not None else None
            view.set_spans(document.keys(drawn_only=True), self.style(document),
                           known=None if document.complete else shown.known,
                           need_all=None if document.complete else self.need_all,
                           reveal=reveal)
            view.select_span(delta.selection, scroll=False)
            return
        view.replace_spans([span.id for span in delta.removed],
                           [key_of(s) for s in delta.added if document.is_drawn(s.id)])
        view.select_span(delta.selection, scroll=delta.scroll)


class PanelObserver:
    """The span panel (every span of the document, rejections too) and the guidance of the
    selected span. Filled once the document is complete (right after its first paint)."""

    def __init__(self, table: QTableView, model: SpanListModel, guidance: QLabel,
                 labels: Labels) -> None:
        self.table, self.model, self.guidance, self.labels = table, model, guidance, labels
        self.filled = False

    def __call__(self, document: OpenDocument, delta: Delta) -> None:
        if delta.reset:
            text = document.document.text if document.document is not None else ""
            lookup = _lookup(document)
            if document.complete:
                self.model.set_spans(text, document.keys(), lookup, self.labels.colour)
                self.table.setUpdatesEnabled(True)
                self.filled = True
            else:
                # Not repainted until the document is complete: the rows come then.
                self.table.setUpdatesEnabled(False)
                self.model.set_spans(text, [], lookup, self.labels.colour)
                self.filled = False
        elif self.filled:
            self.model.replace([key_of(s) for s in delta.removed],
                               [key_of(s) for s in delta.added])
        self._show_selection(document, delta.selection)

    def _show_selection(self, document: OpenDocument, span_id: int | None) -> None:
        if not self.filled:
            return  # shown with the rows, once the document is complete (after its first paint)
        span = document.span(span_id) if span_id is not None else None
        if span is None:
            self.table.clearSelection()
            self.guidance.setText("")
            return
        row = self.model.row_of(key_of(span))
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        label = self.labels.by_name.get(span.label)
        state = ("suggestion" if document.state(span.id) is ReviewState.PENDING
                 else "your annotation")
        guidance = f"{span.label} ({state})" + (f" — {span.reason}" if span.reason else "")
        if label and label.description:
            guidance += f"\n\n{label.description}"
        if guidance != self.guidance.text():
            self.guidance.setText(guidance)


def _lookup(document: OpenDocument) -> Callable[[int], tuple[WindowSpan, str] | None]:
    def lookup(span_id: int) -> tuple[WindowSpan, str] | None:
        span = document.span(span_id)
        state = document.state(span_id)
        return (span, state.value) if span is not None and state is not None else None

    return lookup


class ListObserver:
    """The open document's row of the document list: its status and counts, from the state
    (no project-wide query), and the row made current when a document is complete."""

    def __init__(self, table: QTableView, model: DocumentListModel,
                 on_counts: Callable[[], None]) -> None:
        self.table, self.model, self.on_counts = table, model, on_counts
        self._current: int | None = None

    def __call__(self, document: OpenDocument, delta: Delta) -> None:
        shown = document.document
        if shown is None or not document.complete:
            return
        if delta.counts_changed:
            counts = document.counts
            self.model.update_row(shown.id, status=delta.status or document.status,
                                  pending=counts.pending, annotations=counts.accepted,
                                  labels=counts.labels, status_given=delta.status is not None)
            self.on_counts()
        if delta.reset and self._current != shown.id:
            self.show_current(shown.id)

    def show_current(self, document_id: int) -> None:
        self._current = document_id
        row = self.model.row_of(document_id)
        if row < 0:
            return
        index = self.model.index(row, 0)
        if index.isValid():
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)

