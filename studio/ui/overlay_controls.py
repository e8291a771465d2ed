"""What the preview draws: a confidence slider (0-1, value shown) and a checkable class list."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QSlider,
                               QVBoxLayout, QWidget)

from core.video.draw import color_for


class ScoreSlider(QWidget):
    """0.00-1.00 in steps of 0.01; `value_changed(float)`."""

    value_changed = Signal(float)

    def __init__(self, value: float = 0.5, parent: QWidget | None = None):
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("ConfidenceSlider")
        self.slider.setRange(0, 100)
        self.slider.setPageStep(10)
        self.slider.setToolTip("Hide detections scored below this confidence")
        self.label = QLabel()
        self.label.setMinimumWidth(34)
        self.slider.valueChanged.connect(self._changed)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.label)
        self.set_value(value)

    def value(self) -> float:
        return self.slider.value() / 100.0

    def set_value(self, value: float) -> None:
        self.slider.setValue(int(round(value * 100)))
        self.label.setText(f"{self.value():.2f}")

    def _changed(self, _v: int) -> None:
        self.label.setText(f"{self.value():.2f}")
        self.value_changed.emit(self.value())


def _swatch(class_id: int) -> QIcon:
    b, g, r = color_for(class_id)
    pix = QPixmap(12, 12)
    pix.fill(QColor(r, g, b))
    return QIcon(pix)


class ClassFilter(QWidget):
    """Checkable classes (with their overlay color); `changed(set | None)` — None means all."""

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setObjectName("ClassFilter")
        self.list.setToolTip("Only checked classes are drawn")
        self.list.itemChanged.connect(lambda _i: self._emit())
        self.all_button = QPushButton("All")
        self.none_button = QPushButton("None")
        self.all_button.setToolTip("Show every class")
        self.none_button.setToolTip("Hide every class")
        self.all_button.clicked.connect(lambda: self._check_all(True))
        self.none_button.clicked.connect(lambda: self._check_all(False))
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.all_button)
        buttons.addWidget(self.none_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)

    def set_classes(self, names: dict[int, str]) -> None:
        """Replace the list (every class checked); says nothing when the names are unchanged."""
        if names == self.names():
            return
        self.list.blockSignals(True)
        self.list.clear()
        for cid, name in sorted(names.items()):
            item = QListWidgetItem(_swatch(cid), name)
            item.setData(Qt.ItemDataRole.UserRole, cid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._emit()

    def names(self) -> dict[int, str]:
        return {self.list.item(i).data(Qt.ItemDataRole.UserRole): self.list.item(i).text()
                for i in range(self.list.count())}

    def item_for(self, class_id: int) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == class_id:
                return self.list.item(i)
        return None

    def selected(self) -> set[int] | None:
        """The checked class ids, or None when all are checked (no filter)."""
        items = [self.list.item(i) for i in range(self.list.count())]
        checked = {it.data(Qt.ItemDataRole.UserRole) for it in items if it.checkState() == Qt.CheckState.Checked}
        return None if len(checked) == len(items) else checked

    def _check_all(self, on: bool) -> None:
        self.list.blockSignals(True)
        for i in range(self.list.count()):
            self.list.item(i).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.list.blockSignals(False)
        self._emit()

    def _emit(self) -> None:
        self.changed.emit(self.selected())
