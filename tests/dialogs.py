"""Finding the dialog a key or a click opened, as a person sees it: a top-level window of
that kind, shown."""

from __future__ import annotations

from typing import Any, TypeVar

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
