"""Where the GUI saves files, and how it says where they went.

`exports_folder(project, run)` is the one rule for a save dialog's starting folder: a run's
`runs/<run>/exports/` (where `studio export` writes too), else the project's `exports/`; it is
created, so the dialog opens there and not in the working directory. `SavedNote` is the line
under a Save button: "Saving to PATH…", then "Saved to PATH · Open folder", or why it failed.
"""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QLabel, QWidget

OPEN_FOLDER = "open-folder"


def exports_folder(project, run: str | None = None) -> Path:
    """The folder a save dialog starts in (created when missing)."""
    folder = (project.run_dir(run) if run else project.root) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class SavedNote(QLabel):
    """Where a saved file is (with an Open folder link), while it is written, or why it is not."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("SavedNote")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.path: Path | None = None
        self.opened: list[Path] = []         # folders the link opened (the tests read it)
        self.linkActivated.connect(self._open)
        self.hide()

    def saving(self, path: str | Path) -> None:
        self.path = Path(path)
        self._show(f"Saving to {html.escape(str(self.path))}…", "hint")

    def saved(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else self.path
        self._show(f"Saved to {html.escape(str(self.path))} · <a href='{OPEN_FOLDER}'>Open folder</a>", "hint")

    def failed(self, sentence: str) -> None:
        self._show(html.escape(sentence), "error")

    def clear_note(self) -> None:
        self.path = None
        self.setText("")
        self.hide()

    def _show(self, text: str, role: str) -> None:
        self.setText(text)
        if self.property("role") != role:
            self.setProperty("role", role)
            self.style().unpolish(self)
            self.style().polish(self)
        self.show()

    def _open(self, link: str) -> None:
        if link == OPEN_FOLDER and self.path is not None:
            self.opened.append(self.path.parent)
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path.parent)))
