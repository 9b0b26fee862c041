"""Every action of the window, declared once: id, title, default key, handler, enabled-when.

Menus, shortcuts, the shortcut settings and the F1 list are all built from ``ACTIONS``.
Handlers and enabled-when rules are names of methods of the main window's controller.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActionSpec:
    id: str
    title: str
    keys: tuple[str, ...]  # default shortcuts, in QKeySequence portable text
    handler: str  # controller method called when triggered
    enabled_when: str | None = None  # controller method returning bool
    menu: str = "Review"
    argument: object = None  # passed to the handler (a label index for the number keys)


def _label_actions() -> list[ActionSpec]:
    # Labels past the ninth: a second row on Shift+1 … Shift+9, and any label from a list.
    return [
        *(ActionSpec(f"label.{n}", f"Label {n}: add on selected text, relabel the selected span",
                     (str(n),), "apply_label", "has_document", "Labels", n - 1)
          for n in range(1, 10)),
        *(ActionSpec(f"label.shift_{n}", f"Label {n} of the second row (Shift): add or relabel",
                     (f"Shift+{n}",), "apply_second_row_label", "has_document", "Labels", n - 1)
          for n in range(1, 10)),
        ActionSpec("label.pick", "Any label, from a list: add or relabel", ("L",),
                   "pick_label", "has_document", "Labels"),
    ]


ACTIONS: list[ActionSpec] = [
    ActionSpec("file.new", "New project…", ("Ctrl+Shift+N",), "new_project", None, "File"),
    ActionSpec("file.open", "Open project…", ("Ctrl+O",), "open_project", None, "File"),
    ActionSpec("file.open_server", "Open team project on a server…", ("Ctrl+Shift+O",),
               "open_server_project", None, "File"),
    ActionSpec("file.import", "Import documents…", ("Ctrl+I",), "import_documents", None, "File"),
    ActionSpec("file.export", "Export…", ("Ctrl+E",), "export_project", None, "File"),
    ActionSpec("file.bring_in", "Bring in a colleague's work…", ("Ctrl+Shift+I",),
               "bring_in_colleague", "not_busy", "File"),
    ActionSpec("file.review", "Review colleagues' work…", ("Ctrl+Shift+V",), "open_review",
               None, "File"),
    ActionSpec("file.suggest", "Suggest entities and claims", ("Ctrl+Shift+S",), "suggest_all",
               "not_busy", "File"),
    ActionSpec("file.settings", "Settings…", ("Ctrl+,",), "open_settings", None, "File"),
    ActionSpec("file.annotator", "Change who you are…", (), "change_annotator", None, "File"),
    ActionSpec("file.quit", "Quit", ("Ctrl+Q",), "quit", None, "File"),
    ActionSpec("review.next", "Next suggestion", ("Tab",), "next_span", "has_document"),
    # Shift+Tab alone: a keyboard sends Backtab with Shift, which Qt matches to "Shift+Tab";
    # a second key "Backtab" made it ambiguous under X11, and then neither fired.
    ActionSpec("review.previous", "Previous suggestion", ("Shift+Tab",), "previous_span",
               "has_document"),
    ActionSpec("review.accept", "Accept", ("A",), "accept", "has_pending_selection"),
    ActionSpec("review.reject", "Reject", ("X",), "reject", "has_pending_selection"),
    ActionSpec("review.accept_all", "Accept all remaining in the document", ("Shift+A",),
               "accept_all", "has_document"),
    ActionSpec("review.accept_all_label", "Accept all remaining of the selected span's label",
               ("Ctrl+Shift+A",), "accept_all_label", "has_pending_selection"),
    ActionSpec("review.label_all", "Label every occurrence of the selected span or text…",
               ("Ctrl+Shift+L",), "label_every_occurrence", "has_document"),
    ActionSpec("review.claim", "Mark the sentence at the cursor as a claim", ("C",),
               "mark_claim", "has_document"),
    ActionSpec("review.delete", "Delete the selected annotation", ("Delete", "Backspace"),
               "delete_span", "has_selection"),
    ActionSpec("review.start_left", "Move start one token left (a character in character mode)",
               ("Alt+Left",), "move_boundary", "has_selection", argument=("start", -1)),
    ActionSpec("review.start_right", "Move start one token right", ("Alt+Right",),
               "move_boundary", "has_selection", argument=("start", 1)),
    ActionSpec("review.end_left", "Move end one token left", ("Alt+Shift+Left",),
               "move_boundary", "has_selection", argument=("end", -1)),
    ActionSpec("review.end_right", "Move end one token right", ("Alt+Shift+Right",),
               "move_boundary", "has_selection", argument=("end", 1)),
    ActionSpec("review.char_mode", "Character mode (selections and boundaries by character)",
               ("M",), "toggle_char_mode", None),
    ActionSpec("review.done", "Mark the document done and open the next", ("Ctrl+Return",
               "Ctrl+Enter"), "mark_done", "has_document"),
    ActionSpec("review.improve", "Improve suggestions: train from the done documents…",
               ("Ctrl+Shift+T",), "improve_suggestions", None),
    ActionSpec("review.curve", "Would more reviewing help? Learning curve of the done "
               "documents…", ("Ctrl+Shift+E",), "learning_curve", None),
    ActionSpec("edit.undo", "Undo", ("Ctrl+Z",), "undo", "can_undo", "Edit"),
    ActionSpec("edit.redo", "Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "redo", "can_redo", "Edit"),
    ActionSpec("edit.find", "Find in the document", ("Ctrl+F",), "find", "has_document", "Edit"),
    ActionSpec("edit.find_everywhere", "Find in every document…", ("Ctrl+Shift+F",),
               "find_everywhere", None, "Edit"),
    ActionSpec("edit.language", "Document language…", ("Ctrl+Shift+K",),
               "change_document_language", "has_document", "Edit"),
    ActionSpec("view.zoom_in", "Zoom in", ("Ctrl+=", "Ctrl++"), "zoom", None, "View", 1),
    ActionSpec("view.zoom_out", "Zoom out", ("Ctrl+-",), "zoom", None, "View", -1),
    ActionSpec("view.dark", "Dark palette", ("Ctrl+Shift+D",), "toggle_dark", None, "View"),
    ActionSpec("view.next_document", "Next document", ("Ctrl+Down", "PgDown"),
               "next_document", None, "View", 1),
    ActionSpec("view.previous_document", "Previous document", ("Ctrl+Up", "PgUp"),
               "next_document", None, "View", -1),
    ActionSpec("view.statistics", "Suggestion statistics: accepted, corrected, rejected…",
               ("Ctrl+Shift+G",), "show_statistics", None, "View"),
    ActionSpec("view.consistency", "Consistency report: same text, different label; labelled "
               "here, missing there…", ("Ctrl+Shift+C",), "show_consistency", None, "View"),
    ActionSpec("help.shortcuts", "Keyboard shortcuts", ("F1",), "show_shortcuts", None, "Help"),
    *_label_actions(),
]

MENUS = ("File", "Edit", "Review", "Labels", "View", "Help")

# The review window (settling colleagues' disagreements into gold). The letter keys take the
# layer shown under that letter in the window's legend.
LAYER_KEYS = "ABCDE"


def _take_actions() -> list[ActionSpec]:
    return [
        ActionSpec(f"settle.take_{key.lower()}", f"Take layer {key}'s version", (key,),
                   "take_layer", "has_place", "Review", n)
        for n, key in enumerate(LAYER_KEYS)
    ]


REVIEW_ACTIONS: list[ActionSpec] = [
    ActionSpec("file.open", "Open project…", ("Ctrl+O",), "open_project", None, "File"),
    ActionSpec("file.export_gold", "Export gold…", ("Ctrl+E",), "export_gold", None, "File"),
    ActionSpec("file.close", "Close the review", ("Ctrl+W",), "close_window", None, "File"),
    ActionSpec("file.quit", "Quit", ("Ctrl+Q",), "quit", None, "File"),
    ActionSpec("settle.next", "Next open disagreement", ("Tab",), "next_place", "has_document"),
    ActionSpec("settle.previous", "Previous open disagreement", ("Shift+Tab",),
               "previous_place", "has_document"),
    *_take_actions(),
    ActionSpec("settle.all", "Take every layer's version (both)", ("T",), "take_all",
               "has_place"),
    ActionSpec("settle.neither", "Take neither", ("N",), "take_neither", "has_place"),
    ActionSpec("settle.comment", "Comment on the place (it stays as it is)…", ("K",),
               "comment", "has_place"),
    ActionSpec("settle.agreed", "Take everything all agree on in the document",
               ("Shift+A",), "accept_agreed", "has_document"),
    ActionSpec("settle.agreed_all", "Take everything all agree on in every document",
               ("Ctrl+Shift+A",), "accept_agreed_everywhere", None),
    ActionSpec("settle.delete", "Delete the selected gold span", ("Delete", "Backspace"),
               "delete_gold", "has_gold_selection"),
    ActionSpec("settle.done", "Mark the review of the document done and open the next",
               ("Ctrl+Return", "Ctrl+Enter"), "mark_done", "has_document"),
    ActionSpec("settle.report", "Agreement report…", ("Ctrl+Shift+R",), "show_report", None,
               "View"),
    ActionSpec("edit.undo", "Undo", ("Ctrl+Z",), "undo", None, "Edit"),
    ActionSpec("edit.redo", "Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "redo", None, "Edit"),
    ActionSpec("view.next_document", "Next document", ("Ctrl+Down", "PgDown"),
               "next_document", None, "View", 1),
    ActionSpec("view.previous_document", "Previous document", ("Ctrl+Up", "PgUp"),
               "next_document", None, "View", -1),
    ActionSpec("help.shortcuts", "Keyboard shortcuts", ("F1",), "show_shortcuts", None, "Help"),
    *[ActionSpec(f"label.{n}", f"Label {n}: add a gold span on selected text, relabel the "
                 "selected gold span", (str(n),), "apply_label", "has_document", "Labels", n - 1)
      for n in range(1, 10)],
]


def by_id() -> dict[str, ActionSpec]:
    return {spec.id: spec for spec in ACTIONS}
