"""A widget that shows video frames: a BGR numpy image becomes a QImage (no copy), then a
QPixmap, drawn scaled to fit with its aspect ratio kept, centered on a dark background. It
never decodes anything; when there is no frame it shows a message instead."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

BACKGROUND = QColor("#111318")
MESSAGE = QColor("#c9ced8")


def bgr_to_qimage(image: np.ndarray) -> QImage:
    """A QImage viewing `image` (H, W, 3 BGR uint8, or H, W gray); the caller keeps the array alive."""
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    image = np.ascontiguousarray(image)
    h, w = image.shape[:2]
    if image.ndim == 2:
        return QImage(image.data, w, h, image.strides[0], QImage.Format.Format_Grayscale8)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) BGR image, got shape {image.shape}")
    return QImage(image.data, w, h, image.strides[0], QImage.Format.Format_BGR888)


def fit_rect(image: QSize, area: QRect) -> QRect:
    """The largest rectangle of `image`'s aspect ratio centered in `area`."""
    if image.isEmpty() or area.isEmpty():
        return QRect()
    scaled = image.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    x = area.x() + (area.width() - scaled.width()) // 2
    y = area.y() + (area.height() - scaled.height()) // 2
    return QRect(x, y, scaled.width(), scaled.height())


class VideoView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("VideoView")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 200)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._pixmap = QPixmap()
        self._array: np.ndarray | None = None
        self._message = ""
        self.frames_shown = 0

    # -- content ------------------------------------------------------------------------------
    def set_frame(self, image_bgr: np.ndarray) -> None:
        """Show a frame (the view keeps a reference; do not modify the array afterwards)."""
        self._array = image_bgr
        self._pixmap = QPixmap.fromImage(bgr_to_qimage(image_bgr))
        self._message = ""
        self.frames_shown += 1
        self.update()

    def set_message(self, text: str) -> None:
        """Show a sentence instead of a frame (no source yet, or why it cannot be shown)."""
        self._message = text
        self._pixmap = QPixmap()
        self._array = None
        self.update()

    def clear(self) -> None:
        self.set_message("")

    def pixmap(self) -> QPixmap:
        return self._pixmap

    def frame(self) -> np.ndarray | None:
        """The BGR array last shown (None when a message is shown)."""
        return self._array

    def message(self) -> str:
        return self._message

    def image_rect(self) -> QRect:
        return fit_rect(self._pixmap.size(), self.rect())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(640, 400)

    # -- painting -----------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if not self._pixmap.isNull():
            target = self.image_rect()
            smooth = target.width() < self._pixmap.width()   # upscaling stays crisp, downscaling smooth
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
            painter.drawPixmap(target, self._pixmap)
        elif self._message:
            painter.setPen(MESSAGE)
            painter.drawText(self.rect().adjusted(24, 24, -24, -24),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._message)
        painter.end()
