"""The review window's decisions: each key's handler asks the services to decide, then
shows what they stored through the open document's state (:meth:`_decide`), the one path
every decision, bulk or single, undo or redo, takes to the screen."""

from __future__ import annotations

from typing import Any

from ..core.model import DocumentStatus, Label, LabelKind
from ..core.offsets import Tokens, sentence_at
from ..services.decisions import Change
from ..services.window_data import WindowSpan
from .panels import second_row_label


class DecisionHandlers:
    """Mixin for the review window (listed before ``QMainWindow``): the handlers its
    actions name. The window provides the reviewer, the open document's state, the view."""

    reviewer: Any
    open_doc: Any
    view: Any
    labels: list[Label]
    tokens: Tokens | None
    character_mode: bool
    decisions_this_session: int
    document: Any
    documents: Any
    statusBar: Any

    # -- after a decision ------------------------------------------------------------------
    def _decide(self, change: Change | None, *, select: int | None = None,
                advance: bool = False, reveal: bool = False) -> None:
        """Show a decision the project has stored: through the open document's state, whose
        delta every view redraws from."""
        if change is None:
            self.statusBar().showMessage("Nothing to undo or redo.", 4000)
            return
        self._complete_open()
        self.decisions_this_session += 1
        document = self.document
        if change.document_ids and (document is None or document.id not in change.document_ids):
            # Undo of a decision made in another document: show it there.
            self.open_document(next(iter(change.document_ids)))  # type: ignore[attr-defined]
        elif document is not None:
            if change.languages:  # an undone or redone language change
                self.follow_language(change)  # type: ignore[attr-defined]
            delta = self.open_doc.apply(change, select=select, advance=advance,
                                        reveal=reveal)
            if advance and delta.selection is None:
                self._no_pending_left()
        self._update_progress()
        if change.notice:  # done otherwise than asked (a span already there): say so, no box
            self.statusBar().showMessage(change.notice[:1].upper() + change.notice[1:] + ".",
                                         6000)

    # -- handlers: review ------------------------------------------------------------------
    def next_span(self) -> None:
        self._select_next_pending(forward=True)

    def previous_span(self) -> None:
        self._select_next_pending(forward=False)

    def _selected(self) -> WindowSpan:
        selected = self.open_doc.selected
        span = self.open_doc.span(selected) if selected is not None else None
        assert span is not None
        return span

    def accept(self) -> None:
        self._decide(self.reviewer.accept(self._selected().id), advance=True)

    def reject(self) -> None:
        self._decide(self.reviewer.reject(self._selected().id), advance=True)

    def accept_all(self) -> None:
        assert self.document is not None
        self._decide(self.reviewer.accept_all(self.document.id))

    def accept_all_label(self) -> None:
        assert self.document is not None
        self._decide(self.reviewer.accept_all(self.document.id, label=self._selected().label))

    def apply_label(self, index: int) -> None:
        label = next((lab for lab in self.labels if lab.key == str(index + 1)), None)
        if label is None:
            self.statusBar().showMessage(f"No label has the key {index + 1}.", 4000)
            return
        self.label_selection(label)

    def apply_second_row_label(self, index: int) -> None:
        label = second_row_label(self.labels, index)
        if label is None:
            self.statusBar().showMessage(f"No label has the key Shift+{index + 1}.", 4000)
            return
        self.label_selection(label)

    def pick_label(self) -> None:
        """Any label of the scheme, chosen from a list (type to filter, Enter)."""
        from .label_picker import LabelPicker

        picker = LabelPicker(self.labels, self)
        if picker.exec() and picker.chosen() is not None:
            self.label_selection(picker.chosen())  # type: ignore[arg-type]

    def label_selection(self, label: Label) -> None:
        """On selected text: a span with ``label`` (snapped to tokens); on a span: relabel."""
        assert self.document is not None
        selected_text = self.view.selected_text_range()
        if selected_text is not None:
            start, end = selected_text
            if not self.character_mode:
                start, end = self._tokens().snap(start, end)
            if start >= end:
                return
            change = self.reviewer.add(self.document.id, start, end, label.name)
            self._decide(change, select=max(change.span_ids))
            return
        if self.open_doc.selected is None:
            self.statusBar().showMessage("Select text or a span first.", 4000)
            return
        span = self._selected()
        if self.has_pending_selection():
            self._decide(self.reviewer.accept(span.id, label=label.name), advance=True)
        else:
            self._decide(self.reviewer.relabel(span.id, label.name, expected_version=span.version),
                         select=span.id)

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
        start, end = selected_text if selected_text is not None else sentence_at(
            self.document.text, self.view.cursor_index())
        if start >= end:
            return
        change = self.reviewer.add(self.document.id, start, end, claim.name)
        self._decide(change, select=max(change.span_ids))

    def delete_span(self) -> None:
        span = self._selected()
        if self.has_pending_selection():
            self._decide(self.reviewer.reject(span.id), advance=True)
            return
        self._decide(self.reviewer.delete(span.id, expected_version=span.version), advance=True)

    def move_boundary(self, which: tuple[str, int]) -> None:
        side, step = which
        span = self._selected()
        assert self.document is not None
        start, end = span.start, span.end
        if self.character_mode:
            if side == "start":
                start = min(max(start + step, 0), end - 1)
            else:
                end = max(min(end + step, len(self.document.text)), start + 1)
        elif side == "start":
            start = min(self._tokens().next_boundary(start, forward=step > 0, starts=True),
                        end - 1)
        else:
            end = max(self._tokens().next_boundary(end, forward=step > 0, starts=False),
                      start + 1)
        if (start, end) == (span.start, span.end):
            return
        if self.has_pending_selection():
            change = self.reviewer.accept(span.id, start=start, end=end)
            self._decide(change, select=max(change.span_ids))
        else:
            self._decide(self.reviewer.resize(span.id, start, end,
                                              expected_version=span.version), select=span.id)

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
        self.open_doc.set_status(DocumentStatus.DONE)
        target = self.documents.next_to_review(current)  # type: ignore[attr-defined]
        if target is not None:
            self.open_document(target)
        else:
            self.statusBar().showMessage("Every document is done.", 6000)

    def undo(self) -> None:
        self._decide(self.reviewer.undo(), reveal=True)

    def redo(self) -> None:
        self._decide(self.reviewer.redo(), reveal=True)
