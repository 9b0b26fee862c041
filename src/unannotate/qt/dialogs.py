"""The shortcuts list (F1), the settings dialog (name, shortcuts, label scheme) and the
export dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.model import Label, LabelKind
from ..services.preferences import Preferences
from ..services.project import Project
from .actions import ACTIONS


def _item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


class ShortcutsDialog(QDialog):
    def __init__(self, actions: dict[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(620, 640)
        table = QTableWidget(len(ACTIONS), 3)
        table.setHorizontalHeaderLabels(["Menu", "Action", "Keys"])
        for row, spec in enumerate(ACTIONS):
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                             for k in actions[spec.id].shortcuts())
            for column, text in enumerate((spec.menu, spec.title, keys)):
                table.setItem(row, column, _item(text))
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.verticalHeader().hide()
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.table = table


CLAIM_MODELS = (
    ("the rules' features and the words (fast, built in)", "regression"),
    ("a fine-tuned pretrained encoder (learns more from few sentences; slower)", "encoder"),
)


def _claim_model_choice(current: str) -> QComboBox:
    """The claim model to learn: the encoder's entry is disabled, and the box's
    ``unavailable`` property says why, when its extra is not installed."""
    from ..services.training import encoder_unavailable

    box = QComboBox()
    for title, value in CLAIM_MODELS:
        box.addItem(title, value)
    why = encoder_unavailable()
    if why:
        box.setProperty("unavailable", why)
        box.model().item(1).setEnabled(False)  # type: ignore[attr-defined]
        current = "regression"
    box.setCurrentIndex(max(0, box.findData(current)))
    return box


class SettingsDialog(QDialog):
    """Reviewer name, shortcuts and the label scheme. Applied on OK."""

    def __init__(self, project: Project, preferences: Preferences,
                 actions: dict[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.preferences = preferences
        self.setWindowTitle("Settings")
        self.resize(760, 620)
        tabs = QTabWidget()
        general = QWidget()
        form = QFormLayout(general)
        self.name = QLineEdit(preferences.annotator)
        form.addRow("Your name as a reviewer", self.name)
        self.claim_model = _claim_model_choice(preferences.claim_model)
        # Alt+L: the form makes the label the box's buddy.
        form.addRow("Improve suggestions &learns claims with", self.claim_model)
        why = self.claim_model.property("unavailable")
        if why:
            note = QLabel(f"The fine-tuned encoder {why}.")
            note.setTextFormat(Qt.TextFormat.PlainText)
            note.setWordWrap(True)
            form.addRow("", note)
        tabs.addTab(general, "General")

        self.shortcut_edits: dict[str, QKeySequenceEdit] = {}
        shortcuts = QTableWidget(len(ACTIONS), 2)
        shortcuts.setHorizontalHeaderLabels(["Action", "Key"])
        for row, spec in enumerate(ACTIONS):
            shortcuts.setItem(row, 0, _item(spec.title))
            current = actions[spec.id].shortcut()
            edit = QKeySequenceEdit(current)
            shortcuts.setCellWidget(row, 1, edit)
            self.shortcut_edits[spec.id] = edit
        shortcuts.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        shortcuts.verticalHeader().hide()
        tabs.addTab(shortcuts, "Shortcuts")

        self.labels = project.labels()
        self.label_table = QTableWidget(len(self.labels), 5)
        self.label_table.setHorizontalHeaderLabels(["Name", "Kind", "Colour", "Key", "Guidance"])
        for row, label in enumerate(self.labels):
            self._fill_label_row(row, label)
        self.label_table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.label_table.verticalHeader().hide()
        add = QPushButton("Add label")
        add.clicked.connect(self._add_label)
        label_tab = QWidget()
        label_layout = QVBoxLayout(label_tab)
        label_layout.addWidget(self.label_table)
        label_layout.addWidget(add, 0, Qt.AlignmentFlag.AlignLeft)
        tabs.addTab(label_tab, "Labels")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)
        self.tabs = tabs

    def _fill_label_row(self, row: int, label: Label) -> None:
        self.label_table.setItem(row, 0, QTableWidgetItem(label.name))
        kind = QComboBox()
        kind.addItems([k.value for k in LabelKind])
        kind.setCurrentText(label.kind.value)
        self.label_table.setCellWidget(row, 1, kind)
        colour = QPushButton(label.colour)
        colour.setStyleSheet(f"background: {label.colour}; color: #111;")
        colour.clicked.connect(lambda _=False, b=colour: self._pick_colour(b))
        self.label_table.setCellWidget(row, 2, colour)
        self.label_table.setItem(row, 3, QTableWidgetItem(label.key))
        self.label_table.setItem(row, 4, QTableWidgetItem(label.description))

    def _pick_colour(self, button: QPushButton) -> None:
        chosen = QColorDialog.getColor(QColor(button.text()), self)
        if chosen.isValid():
            button.setText(chosen.name())
            button.setStyleSheet(f"background: {chosen.name()}; color: #111;")

    def _add_label(self) -> None:
        row = self.label_table.rowCount()
        self.label_table.insertRow(row)
        self._fill_label_row(row, Label(f"LABEL_{row + 1}", LabelKind.ENTITY, "#d7ccc8"))

    def edited_labels(self) -> list[Label]:
        result = []
        for row in range(self.label_table.rowCount()):
            name = (self.label_table.item(row, 0).text() or "").strip()
            if not name:
                continue
            kind = self.label_table.cellWidget(row, 1)
            colour = self.label_table.cellWidget(row, 2)
            key_item = self.label_table.item(row, 3)
            description = self.label_table.item(row, 4)
            result.append(Label(
                name=name,
                kind=LabelKind(kind.currentText()),  # type: ignore[attr-defined]
                colour=colour.text(),  # type: ignore[attr-defined]
                key=key_item.text().strip() if key_item else "",
                description=description.text() if description else "",
            ))
        return result

    def accept(self) -> None:
        from ..services.labels import save_scheme

        self.preferences.annotator = self.name.text().strip() or self.preferences.annotator
        shortcuts = {}
        for spec in ACTIONS:
            keys = self.shortcut_edits[spec.id].keySequence().toString(
                QKeySequence.SequenceFormat.PortableText)
            if keys and keys != (spec.keys[0] if spec.keys else ""):
                shortcuts[spec.id] = [keys]
        self.preferences.shortcuts = shortcuts
        self.preferences.claim_model = self.claim_model.currentData()
        save_scheme(self.project, self.edited_labels())
        super().accept()


class ExportDialog(QDialog):
    """Choose what to export: format, layer, done documents only, and the spaCy split."""

    def __init__(self, formats: list[tuple[str, str]], layers: list[str], annotator: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.format = QComboBox()
        for name, title in formats:
            self.format.addItem(title, name)
        self.layer = QComboBox()
        self.layer.addItem("every layer (native JSONL only)", None)
        for layer in layers:
            self.layer.addItem(layer, layer)
        if annotator in layers:
            self.layer.setCurrentIndex(layers.index(annotator) + 1)
        self.only_done = QCheckBox("only documents marked done")
        self.dev_fraction = QDoubleSpinBox()
        self.dev_fraction.setRange(0.0, 0.9)
        self.dev_fraction.setSingleStep(0.05)
        self.dev_fraction.setValue(0.2)
        self.dev_fraction.setToolTip("spaCy: share of documents written to dev.spacy")
        form = QFormLayout()
        form.addRow("Format", self.format)
        form.addRow("Layer", self.layer)
        form.addRow("", self.only_done)
        form.addRow("Dev share (spaCy)", self.dev_fraction)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.format.currentIndexChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.dev_fraction.setEnabled(self.chosen_format() == "spacy")

    def chosen_format(self) -> str:
        return str(self.format.currentData())

    def chosen_layer(self) -> str | None:
        return self.layer.currentData()

    def options(self) -> dict[str, object]:
        if self.chosen_format() == "spacy" and self.dev_fraction.value() > 0:
            return {"dev_fraction": round(self.dev_fraction.value(), 2)}
        return {}

    def writes_folder(self) -> bool:
        fmt = self.chosen_format()
        return fmt == "brat" or (fmt == "spacy" and bool(self.options())) or (
            fmt == "doccano" and self.chosen_layer() is None)


class ReviewSetupDialog(QDialog):
    """Choose the layers a review compares: two or more annotators, and optionally the
    suggestions as one more."""

    def __init__(self, annotators: list[str], has_suggestions: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Review colleagues' work")
        self.boxes: dict[str, QCheckBox] = {}
        form = QFormLayout()
        for name in annotators:
            box = QCheckBox(name.replace("&", "&&"))  # "&" is a shortcut mark otherwise
            box.setChecked(True)
            box.toggled.connect(self._check)
            self.boxes[name] = box
            form.addRow("", box)
        self.suggestions = QCheckBox("the suggestions, as one more layer")
        self.suggestions.setEnabled(has_suggestions)
        self.suggestions.toggled.connect(self._check)
        form.addRow("", self.suggestions)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._check()

    def layers(self) -> list[str]:
        chosen = [name for name, box in self.boxes.items() if box.isChecked()]
        if self.suggestions.isChecked():
            chosen.append("suggestions")
        return chosen

    def _check(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            len(self.layers()) >= 2)
