"""The label picker (L): every label of the scheme in a list, filtered as you type, chosen
with Enter or a double click. It reaches the labels that have no key of their own."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialog, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ..core.model import Label
from .panels import label_keys


class LabelPicker(QDialog):
    def __init__(self, labels: list[Label], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Label")
        self.labels = labels
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Type to filter, Enter to choose")
        self.list = QListWidget()
        keys = label_keys(labels)
        for label in labels:
            item = QListWidgetItem(f"{label.name}    {keys[label.name]}")
            item.setData(Qt.ItemDataRole.UserRole, label.name)
            item.setBackground(QColor(label.colour))
            item.setForeground(QColor("#111111"))
            item.setToolTip(label.description)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.filter.textChanged.connect(self._filter)
        self.filter.returnPressed.connect(self.accept)
        self.list.itemActivated.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.list)
        self.filter.setFocus()

    def _filter(self, text: str) -> None:
        wanted = text.casefold()
        first = None
        for row in range(self.list.count()):
            item = self.list.item(row)
            hidden = wanted not in str(item.data(Qt.ItemDataRole.UserRole)).casefold()
            item.setHidden(hidden)
            if not hidden and first is None:
                first = row
        if first is not None:
            self.list.setCurrentRow(first)

    def chosen(self) -> Label | None:
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return None
        name = item.data(Qt.ItemDataRole.UserRole)
        return next((label for label in self.labels if label.name == name), None)
