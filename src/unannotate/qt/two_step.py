"""Opening a document in two steps: what the screen shows first, the rest right after.

A window that shows long documents reads and draws only what its document view can show
before the view's first paint; the rest (every span, the side panel, the status) follows
right after that paint, in the same pass of the event loop, before any input is handled;
or after ``WAIT_MS`` if the view is not painted (a hidden window); or at once when something
needs it sooner (a key press, a click in the panel, a block scrolled into view).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QTimer

from .document_view import DocumentView

WAIT_MS = 200  # the rest of an open whose view is not painted


class TwoStepOpen:
    """Mixin for a ``QMainWindow`` (listed before it) with a :class:`DocumentView`. The window
    defines :meth:`_finish_open`, calls :meth:`_begin_open` before it shows a document's first
    part, :meth:`_await_first_paint` after, and :meth:`_complete_open` wherever it needs the
    whole document."""

    _complete: bool
    _painted: bool
    _complete_timer: QTimer

    def _init_two_step(self, view: DocumentView) -> None:
        self._complete = True  # the open document is complete (or there is none)
        self._painted = False  # the view has painted the open document
        self._complete_timer = QTimer(self)  # type: ignore[arg-type]
        self._complete_timer.setSingleShot(True)
        self._complete_timer.timeout.connect(self._complete_open)
        view.painted.connect(self._view_painted)

    def _begin_open(self) -> None:
        """A document is about to be shown: an earlier open left incomplete is dropped."""
        self._complete_timer.stop()
        self._complete, self._painted = False, False

    def _await_first_paint(self) -> None:
        """The first part is shown: the rest after the view's first paint, or soon."""
        if not self._complete:
            self._complete_timer.start(WAIT_MS)

    def _pause_open(self) -> None:
        """Nothing will be painted (the window closes): the rest waits until needed."""
        self._complete_timer.stop()
        self._painted = False

    def _complete_open(self) -> None:
        """Read and show the rest of the open document now, once."""
        if self._complete:
            return
        self._complete = True
        self._complete_timer.stop()
        self._finish_open()

    def _finish_open(self) -> None:
        raise NotImplementedError

    def _view_painted(self) -> None:
        if not self._complete and not self._painted:
            self._painted = True
            # Right after this paint pass (see event), else on the next turn of the loop.
            self._complete_timer.start(0)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)  # type: ignore[misc]
        if event.type() == QEvent.Type.UpdateRequest and self._painted and not self._complete:
            # The window has painted the document (and flushed it to the screen): the rest
            # now, in the same pass of the event loop, before any input is handled.
            self._complete_open()
        return bool(handled)
