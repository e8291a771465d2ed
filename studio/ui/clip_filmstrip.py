"""A clip shown as a filmstrip — frames evenly spaced over its range, each with its frame number —
and played in the large view above it while the pointer rests on the widget (the first frame
shows otherwise).

Frames are decoded off the GUI thread (`core.video.clip_frames.read_frames` on a low-priority
Python thread); the GUI collects them on a timer, with no lock and no cross-thread signal (as the
thumbnail loader does). Each `show_clip` gets a new token: frames of a clip the user has moved
away from are dropped, never shown under another clip's caption.
"""
from __future__ import annotations

import collections
import itertools
import threading
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from studio.ui.thumbnail_loader import lower_thread_priority

STRIP_FRAMES = 8          # frames in the filmstrip
PLAY_FRAMES = 48          # at most this many frames are played on hover (evenly spaced)
THUMB = 96                # the filmstrip's frame height
PLAY_FPS = 10.0


def spaced(start: int, end: int, count: int) -> list[int]:
    """`count` frame numbers evenly spaced from start to end (inclusive), without repeats."""
    n = end - start + 1
    if n <= count:
        return list(range(start, end + 1))
    return sorted({start + int(round(i * (n - 1) / (count - 1))) for i in range(count)})


def _qimage(rgb: np.ndarray, height: int) -> QImage:
    h, w = rgb.shape[:2]
    if h != height:
        rgb = cv2.resize(rgb, (max(1, round(w * height / h)), height), interpolation=cv2.INTER_AREA)
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class ClipFilmstrip(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ClipFilmstrip")
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.player = QLabel("Select a clip to see its frames.")
        self.player.setObjectName("ClipPlayer")
        self.player.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.player.setMinimumSize(QSize(240, 180))
        self.player.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.player.setToolTip("Rest the pointer here to play the clip")
        self.strip = QGridLayout()
        self.strip.setSpacing(4)
        self.cells: list[QLabel] = []
        lay = QVBoxLayout(self)
        lay.addWidget(self.caption)
        lay.addWidget(self.player, 1)
        lay.addLayout(self.strip)
        self._token = itertools.count(1)
        self.token = 0
        self._results: collections.deque = collections.deque()
        self._poll = QTimer(self, interval=40, timeout=self._collect)
        self._play = QTimer(self, interval=int(1000 / PLAY_FPS), timeout=self._next_frame)
        self.strip_frames: list[int] = []
        self.play_images: list[QImage] = []
        self.play_index = 0
        self.hovered = False
        self.error = ""

    # -- content ------------------------------------------------------------------------------
    def show_clip(self, path: str | Path, start: int, end: int, caption: str = "") -> int:
        """Show the clip of `path` from frame `start` to `end` (inclusive); returns its token."""
        self.token = next(self._token)
        self.caption.setText(caption)
        self.strip_frames = spaced(start, end, STRIP_FRAMES)
        self.play_images, self.play_index, self.error = [], 0, ""
        self._play.stop()
        self.player.setPixmap(QPixmap())
        self.player.setText("Loading the clip's frames...")
        self._set_cells([])
        token, wanted, played = self.token, list(self.strip_frames), spaced(start, end, PLAY_FRAMES)
        threading.Thread(target=self._load, args=(token, str(path), wanted, played), daemon=True,
                         name="studio-clip-frames").start()
        self._poll.start()
        return token

    def clear(self, message: str = "Select a clip to see its frames.") -> None:
        self.token = next(self._token)
        self._play.stop()
        self.caption.setText("")
        self.player.setPixmap(QPixmap())
        self.player.setText(message)
        self._set_cells([])
        self.play_images, self.strip_frames = [], []

    @property
    def loaded(self) -> bool:
        return bool(self.play_images) or bool(self.error)

    # -- the worker thread --------------------------------------------------------------------
    def _load(self, token: int, path: str, strip: list[int], played: list[int]) -> None:
        from core.video.clip_frames import read_frames

        lower_thread_priority()
        try:
            frames = read_frames(path, played)
            by_index = dict(zip(played, frames))
            missing = [i for i in strip if i not in by_index]
            if missing:
                by_index.update(zip(missing, read_frames(path, missing)))
            self._results.append((token, [_qimage(by_index[i], THUMB) for i in strip],
                                  [_qimage(f, 240) for f in frames], ""))
        except Exception as exc:  # noqa: BLE001 - shown to the user in the player's place
            self._results.append((token, [], [], f"The clip's frames cannot be read: {exc}"))

    # -- the GUI thread -----------------------------------------------------------------------
    def _collect(self) -> None:
        while self._results:
            token, strip, played, error = self._results.popleft()
            if token != self.token:
                continue                                  # a clip the user has moved away from
            self._poll.stop()
            self.error = error
            if error:
                self.player.setText(error)
                return
            self._set_cells(strip)
            self.play_images = played
            self.play_index = 0
            self._show(0)
            if self.hovered:
                self._play.start()

    def _set_cells(self, images: list[QImage]) -> None:
        for cell in self.cells:
            self.strip.removeWidget(cell)
            cell.deleteLater()
        self.cells = []
        for k, (image, number) in enumerate(zip(images, self.strip_frames)):
            cell = QLabel()
            cell.setPixmap(QPixmap.fromImage(image))
            cell.setToolTip(f"frame {number}")
            label = QLabel(str(number))
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setProperty("role", "hint")
            self.strip.addWidget(cell, 0, k)
            self.strip.addWidget(label, 1, k)
            self.cells += [cell, label]

    def _show(self, index: int) -> None:
        if not self.play_images:
            return
        image = self.play_images[index % len(self.play_images)]
        pixmap = QPixmap.fromImage(image)
        size = self.player.size()
        if pixmap.height() < size.height() or pixmap.width() > size.width():
            pixmap = pixmap.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)
        self.player.setPixmap(pixmap)

    def _next_frame(self) -> None:
        self.play_index = (self.play_index + 1) % max(1, len(self.play_images))
        self._show(self.play_index)

    def enterEvent(self, event) -> None:  # noqa: N802 - Qt override: play while the pointer rests here
        self.hovered = True
        if self.play_images:
            self._play.start()
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.hovered = False
        self._play.stop()
        self.play_index = 0
        self._show(0)
        super().leaveEvent(event)
