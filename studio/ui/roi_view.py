"""A video view on which a region of interest is drawn with the mouse: with `drawing` on, a drag
draws a dashed rectangle and, on release, `roi_drawn(start, end)` gives its two corners in the
shown image's pixels (the page maps them to a source and its pixels). Without drawing it is a
plain `VideoView`."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen

from studio.ui.video_view import VideoView

RUBBER = QColor("#ffd700")


class RoiView(VideoView):
    roi_drawn = Signal(tuple, tuple)      # (x, y) of the drag's start and end, in image pixels

    def __init__(self, parent=None):
        super().__init__(parent)
        self.drawing = False
        self._start: QPointF | None = None
        self._end: QPointF | None = None

    def set_drawing(self, on: bool) -> None:
        self.drawing = bool(on)
        self._start = self._end = None
        self.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        self.update()

    # -- widget <-> image pixels --------------------------------------------------------------
    def to_image(self, point: QPointF) -> tuple[float, float] | None:
        """The image pixel under a widget point (None without an image)."""
        target, pixmap = self.image_rect(), self.pixmap()
        if pixmap.isNull() or target.isEmpty():
            return None
        sx, sy = pixmap.width() / target.width(), pixmap.height() / target.height()
        return (point.x() - target.x()) * sx, (point.y() - target.y()) * sy

    def to_widget(self, x: float, y: float) -> QPointF:
        target, pixmap = self.image_rect(), self.pixmap()
        return QPointF(target.x() + x * target.width() / pixmap.width(),
                       target.y() + y * target.height() / pixmap.height())

    # -- mouse --------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.drawing and event.button() == Qt.MouseButton.LeftButton and self.to_image(event.position()):
            self._start = self._end = event.position()
            self.update()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._start is not None:
            self._end = event.position()
            self.update()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._start is None:
            super().mouseReleaseEvent(event)
            return
        start, end = self.to_image(self._start), self.to_image(event.position())
        self._start = self._end = None
        self.update()
        if start is not None and end is not None:
            self.roi_drawn.emit(start, end)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if self._start is None or self._end is None:
            return
        painter = QPainter(self)
        pen = QPen(RUBBER, 2, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawRect(QRectF(self._start, self._end).normalized())
        painter.end()
