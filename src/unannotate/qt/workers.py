"""Long work off the GUI thread: a callable run by the thread pool, its result signalled back."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(str)
    progress = Signal(int, int)


class Worker(QRunnable):
    """Runs ``fn(report_progress)``; ``done``/``failed`` arrive on the GUI thread."""

    def __init__(self, fn: Callable[[Callable[[int, int], None]], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Signals()
        self.cancelled = False

    def run(self) -> None:
        try:
            result = self.fn(lambda done, total: self.signals.progress.emit(done, total))
        except Exception as error:  # reported to the user, never lost silently
            detail = str(error) or type(error).__name__
            traceback.print_exc()
            self.signals.failed.emit(detail)
        else:
            self.signals.done.emit(result)


def start(worker: Worker) -> Worker:
    QThreadPool.globalInstance().start(worker)
    return worker
