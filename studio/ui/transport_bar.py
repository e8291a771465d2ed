"""Play/pause, step back, step forward, and a seek slider with the frame number — the transport
bar under the preview's video. It only emits requests; the page wires them to the controller.
Dragging the slider seeks when it is released (one seek, not one per pixel)."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QIcon, QPainter, QPalette, QPixmap, QPolygonF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

ICON_SIZE = 18


def transport_icon(kind: str, color, disabled_color) -> QIcon:
    """"play", "pause", "step" (bar + triangle) or "back", drawn in the theme's text colors."""
    icon = QIcon()
    icon.addPixmap(_glyph(kind, color), QIcon.Mode.Normal)
    icon.addPixmap(_glyph(kind, disabled_color), QIcon.Mode.Disabled)
    return icon


def _glyph(kind: str, color) -> QPixmap:
    pix = QPixmap(ICON_SIZE, ICON_SIZE)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    s = ICON_SIZE
    if kind == "play":
        p.drawPolygon(QPolygonF([QPointF(4, 2), QPointF(s - 2, s / 2), QPointF(4, s - 2)]))
    elif kind == "pause":
        p.drawRect(4, 3, 4, s - 6)
        p.drawRect(s - 8, 3, 4, s - 6)
    elif kind == "step":
        p.drawPolygon(QPolygonF([QPointF(3, 3), QPointF(s - 6, s / 2), QPointF(3, s - 3)]))
        p.drawRect(s - 5, 3, 3, s - 6)
    else:  # back
        p.drawPolygon(QPolygonF([QPointF(s - 3, 3), QPointF(6, s / 2), QPointF(s - 3, s - 3)]))
        p.drawRect(2, 3, 3, s - 6)
    p.end()
    return pix


class TransportBar(QWidget):
    toggle_requested = Signal()
    step_requested = Signal()
    back_requested = Signal()
    seek_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._playing = False
        self.back = self._button("Back one frame (Left arrow)", self.back_requested)
        self.play = self._button("Play / pause (Space)", self.toggle_requested)
        self.step = self._button("Forward one frame (Right arrow or .)", self.step_requested)
        self._paint_icons()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("SeekSlider")
        self.slider.setToolTip("Drag to a frame (files and folders; a camera cannot seek)")
        self.slider.setRange(0, 0)
        self.slider.sliderReleased.connect(lambda: self.seek_requested.emit(self.slider.value()))
        self.slider.actionTriggered.connect(self._on_action)
        self.position = QLabel("—")
        self.position.setMinimumWidth(110)
        self.position.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for w in (self.back, self.play, self.step):
            lay.addWidget(w)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.position)
        self._count: int | None = None
        self.set_enabled(False)

    def _button(self, tip: str, signal) -> QToolButton:
        b = QToolButton()
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.clicked.connect(signal)
        return b

    def _on_action(self, action: int) -> None:
        # clicks on the groove and keyboard page steps seek at once; drags wait for the release
        if action != QSlider.SliderAction.SliderMove:
            self.seek_requested.emit(self.slider.sliderPosition())

    def set_enabled(self, enabled: bool, seekable: bool = True) -> None:
        for w in (self.play, self.step):
            w.setEnabled(enabled)
        self.back.setEnabled(enabled and seekable)
        self.slider.setEnabled(enabled and seekable)

    def set_frame_count(self, count: int | None) -> None:
        self._count = count
        self.slider.setRange(0, max(0, (count or 1) - 1))

    def set_position(self, index: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(max(0, index))
            self.slider.blockSignals(False)
        total = f" / {self._count}" if self._count else ""
        self.position.setText(f"frame {index + 1}{total}" if index >= 0 else "—")

    def set_playing(self, playing: bool) -> None:
        self._playing = playing
        self._paint_icons()

    def _paint_icons(self) -> None:
        pal = self.palette()
        colors = (pal.color(QPalette.ColorRole.WindowText),
                  pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
        self.back.setIcon(transport_icon("back", *colors))
        self.play.setIcon(transport_icon("pause" if self._playing else "play", *colors))
        self.step.setIcon(transport_icon("step", *colors))

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override: follow the theme
        if event.type() == QEvent.Type.PaletteChange:
            self._paint_icons()
        super().changeEvent(event)
