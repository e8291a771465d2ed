"""Small widgets the wizard pages share: a path field with a Browse button, an option field (free
text, or one of a few choices), an inline message label (error / note), and a label for form rows."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget


class PathField(QWidget):
    """A line edit for a path plus a Browse... button (a file or a folder picker)."""

    changed = Signal(str)

    def __init__(self, mode: str = "dir", caption: str = "Choose", file_filter: str = "",
                 placeholder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.mode, self.caption, self.file_filter = mode, caption, file_filter
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.button = QPushButton("Browse...")
        self.button.setToolTip(f"{caption} (opens a file dialog)")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.edit, 1)
        lay.addWidget(self.button)
        self.button.clicked.connect(self.browse)
        self.edit.textChanged.connect(self.changed)

    def text(self) -> str:
        return self.edit.text().strip()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt naming
        self.edit.setText(text)

    def browse(self) -> None:
        start = self.text()
        if self.mode == "dir":
            chosen = QFileDialog.getExistingDirectory(self, self.caption, start)
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, self.caption, start, self.file_filter)
        if chosen:
            self.edit.setText(chosen)


class OptionField(QWidget):
    """An import option beside the path fields: a line edit (the class map), or a combo box of
    `choices` (keep / drop), with the PathField interface (`text`, `setText`, `changed`)."""

    changed = Signal(str)

    def __init__(self, choices: tuple[str, ...] = (), placeholder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        if choices:
            self.edit = QComboBox()
            self.edit.addItems(list(choices))
            self.edit.currentTextChanged.connect(self.changed)
        else:
            self.edit = QLineEdit()
            self.edit.setPlaceholderText(placeholder)
            self.edit.setClearButtonEnabled(True)
            self.edit.textChanged.connect(self.changed)
        lay.addWidget(self.edit, 1)

    def text(self) -> str:
        return (self.edit.currentText() if isinstance(self.edit, QComboBox) else self.edit.text()).strip()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt naming
        self.edit.setCurrentText(text) if isinstance(self.edit, QComboBox) else self.edit.setText(text)


class Message(QLabel):
    """An inline sentence under a form: an error (red, bold), a note (muted) or nothing."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setOpenExternalLinks(False)
        self.hide()

    def error(self, text: str) -> None:
        self._show(text, "error")

    def note(self, text: str) -> None:
        self._show(text, "hint")

    def ok(self, text: str) -> None:
        self._show(text, "ok")

    def clear_message(self) -> None:
        self.setText("")
        self.setProperty("role", "")
        self.hide()

    def _show(self, text: str, role: str) -> None:
        if not text:
            self.clear_message()
            return
        self.setText(text)
        self.setProperty("role", role)
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()

    @property
    def kind(self) -> str:
        return "" if self.isHidden() else str(self.property("role") or "")
