"""Where the preview's frames come from: a video file, a folder of images, or a camera index.
Emits `source_chosen(str | int)`; shows the open source's name."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from core.video.reader import VIDEO_SUFFIXES

VIDEO_FILTER = f"Videos ({' '.join('*' + s for s in sorted(VIDEO_SUFFIXES))});;All files (*)"
NO_SOURCE = "No source open"


def source_name(source: str | int) -> str:
    return f"camera {source}" if isinstance(source, int) else Path(source).name


class SourcePicker(QWidget):
    source_chosen = Signal(object)     # a path (str) or a camera index (int)

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
        self.label = QLabel(NO_SOURCE)
        self.label.setProperty("role", "hint")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("Source"))
        for w in (self.video_button, self.folder_button, QLabel("Camera"), self.camera_spin, self.camera_button):
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

    def show_source(self, source: str | int | None) -> None:
        self.label.setText(NO_SOURCE if source is None else source_name(source))
        self.label.setToolTip("" if source is None else str(source))
