"""One host for a window's actions: QActions, menus and shortcuts built from a table of
:class:`~unannotate.qt.actions.ActionSpec`, and one path that runs a handler.

Any window (the review window, the colleague-review window) gives its table and a controller
(the object whose methods the specs name); the host builds each action once, puts it in its
menu, and runs its handler through :meth:`ActionHost.trigger`: first ``before`` (e.g. finish
opening a document), then the spec's enabled-when rule, then the handler, with any error given
to ``on_error``. A shortcut is ambiguous when two enabled actions hold it, and then Qt runs
neither: :meth:`ActionHost.ambiguous` lists such clashes (tests assert there are none).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from .actions import ActionSpec

CHECKABLE = frozenset({"review.char_mode", "view.dark"})


class ActionHost:
    def __init__(self, window: QMainWindow, specs: Sequence[ActionSpec], controller: Any, *,
                 menus: Iterable[str], shortcuts: Mapping[str, list[str]] | None = None,
                 before: Callable[[], None] | None = None,
                 on_error: Callable[[Exception], bool] | None = None,
                 on_refused: Callable[[ActionSpec], None] | None = None) -> None:
        """``on_error(error)`` returns True when it handled the error (else it is raised);
        ``on_refused(spec)`` is told when a key's rule does not allow its action now."""
        self.window = window
        self.specs = list(specs)
        self.controller = controller
        self.before = before
        self.on_error = on_error
        self.on_refused = on_refused
        self.menus: dict[str, QMenu] = {
            name: window.menuBar().addMenu(f"&{name}") for name in menus}
        self.actions: dict[str, QAction] = {}
        for spec in self.specs:
            action = QAction(spec.title, window)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _checked=False, s=spec: self.trigger(s))
            if spec.id in CHECKABLE:
                action.setCheckable(True)
            menu = self.menus.get(spec.menu) or self.menus.get("Review")
            if menu is not None:
                menu.addAction(action)
            window.addAction(action)
            self.actions[spec.id] = action
        self.apply_shortcuts(shortcuts or {})
        for menu in self.menus.values():
            menu.aboutToShow.connect(self.update)

    def apply_shortcuts(self, shortcuts: Mapping[str, list[str]]) -> None:
        """Each action's keys: the person's own (``shortcuts``) or the spec's defaults."""
        for spec in self.specs:
            keys = shortcuts.get(spec.id, list(spec.keys))
            self.actions[spec.id].setShortcuts([QKeySequence(k) for k in keys])

    def trigger(self, spec: ActionSpec) -> None:
        if self.before is not None:
            self.before()
        if spec.enabled_when and not getattr(self.controller, spec.enabled_when)():
            if self.on_refused is not None:
                self.on_refused(spec)
            return
        handler = getattr(self.controller, spec.handler)
        try:
            handler() if spec.argument is None else handler(spec.argument)
        except Exception as error:
            if self.on_error is None or not self.on_error(error):
                raise
        self.update()

    def update(self) -> None:
        """Enable each action whose rule allows it (undo and redo: asked when triggered)."""
        for spec in self.specs:
            if spec.enabled_when and spec.enabled_when not in ("can_undo", "can_redo"):
                self.actions[spec.id].setEnabled(True)

    def ambiguous(self) -> list[tuple[str, list[str]]]:
        """Key sequences held by more than one action: (key, action ids)."""
        holders: dict[str, list[str]] = {}
        for spec_id, action in self.actions.items():
            for sequence in action.shortcuts():
                holders.setdefault(sequence.toString(), []).append(spec_id)
        return [(key, ids) for key, ids in sorted(holders.items()) if len(ids) > 1]
