"""Where the preview's frames come from: a video file, a folder of images, or a camera index.
Emits `source_chosen(str | int)` (it replaces what is open) or, from "Add source", `source_added`
(one more source, tiled: up to four); shows the open sources' names."""
from __future__ import annotations

from pathlib import Path

from typing import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QMenu, QPushButton, QSpinBox, QToolButton, QWidget

from core.video.multi_reader import MAX_SOURCES
from core.video.reader import VIDEO_SUFFIXES

VIDEO_FILTER = f"Videos ({' '.join('*' + s for s in sorted(VIDEO_SUFFIXES))});;All files (*)"
NO_SOURCE = "No source open"


def source_name(source: str | int) -> str:
    return f"camera {source}" if isinstance(source, int) else Path(source).name


class SourcePicker(QWidget):
    source_chosen = Signal(object)     # a path (str) or a camera index (int)
    source_added = Signal(object)      # one more source to tile beside the open ones

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.video_button = QPushButton("Open video...")
        self.video_button.setToolTip("Preview a video file (Ctrl+Shift+O)")
        self.video_button.setShortcut("Ctrl+Shift+O")
        self.video_button.clicked.connect(self.open_video_dialog)
        self.folder_button = QPushButton("Open image folder...")
        self.folder_button.setToolTip("Preview the images of a folder in name order")
        self.folder_button.clicked.connect(self.open_folder_dialog)
        self.camera_spin = QSpinBox()
        self.camera_spin.setRange(0, 16)
        self.camera_spin.setToolTip("Camera index (0 is usually the built-in camera)")
        self.camera_button = QPushButton("Open camera")
        self.camera_button.setToolTip("Preview a live camera (it cannot seek)")
        self.camera_button.clicked.connect(lambda: self.source_chosen.emit(self.camera_spin.value()))
        self.add_button = QToolButton()
        self.add_button.setText("Add source")
        self.add_button.setToolTip(f"Tile one more source beside the open ones (up to {MAX_SOURCES}, 2x2; the "
                                   "model infers them in one batch)")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.add_button)
        menu.addAction("Video...", self.add_video_dialog)
        menu.addAction("Image folder...", self.add_folder_dialog)
        menu.addAction("Camera (the index beside)", lambda: self.source_added.emit(self.camera_spin.value()))
        self.add_button.setMenu(menu)
        self.add_button.setEnabled(False)
        self.label = QLabel(NO_SOURCE)
        self.label.setProperty("role", "hint")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("Source"))
        for w in (self.video_button, self.folder_button, QLabel("Camera"), self.camera_spin, self.camera_button,
                  self.add_button):
            lay.addWidget(w)
        lay.addWidget(self.label, 1)

    def open_video_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a video", "", VIDEO_FILTER)
        if path:
            self.source_chosen.emit(path)

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of images")
        if folder:
            self.source_chosen.emit(folder)

    def add_video_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Add a video", "", VIDEO_FILTER)
        if path:
            self.source_added.emit(path)

    def add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of images")
        if folder:
            self.source_added.emit(folder)

    def show_source(self, source: str | int | Sequence | None) -> None:
        """Show the open source (or sources: they are tiled)."""
        sources = [] if source is None else (list(source) if isinstance(source, (list, tuple)) else [source])
        self.label.setText(" + ".join(source_name(s) for s in sources) if sources else NO_SOURCE)
        self.label.setToolTip("\n".join(str(s) for s in sources))
        self.add_button.setEnabled(0 < len(sources) < MAX_SOURCES)
