"""Finding the dialog a key or a click opened, as a person sees it: a top-level window of
that kind, shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

W = TypeVar("W", bound=QWidget)


def shown_dialog(qtbot: Any, kind: type[W]) -> W:
    """The shown top-level window of ``kind``, waited for (pytest-qt's timeout)."""
    found: list[W] = []

    def shown() -> bool:
        found[:] = [w for w in QApplication.topLevelWidgets()
                    if isinstance(w, kind) and w.isVisible()]
        return bool(found)

    qtbot.waitUntil(shown)
    return found[0]


def when_shown(kind: type[W], act: Callable[[W], Any]) -> list[Any]:
    """Call ``act`` on the next shown top-level window of ``kind`` (a modal dialog that a
    key is about to open, whose ``exec()`` returns only when it is answered). The returned
    list gets what ``act`` returned, or the exception it raised (the dialog then rejected,
    so that a failure is said instead of the test waiting on the dialog)."""
    seen: list[Any] = []

    def find() -> None:
        dialog = next((w for w in QApplication.topLevelWidgets()
                       if isinstance(w, kind) and w.isVisible()), None)
        if dialog is None:
            QTimer.singleShot(20, find)
            return
        try:
            seen.append(act(dialog))
        except BaseException as error:  # noqa: BLE001  (handed to the test)
            seen.append(error)
            reject = getattr(dialog, "reject", None)
            if reject is not None:
                reject()

    QTimer.singleShot(0, find)
    return seen
