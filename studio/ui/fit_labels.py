"""Labels that hold their text in whatever width a layout gives them (a window at 1024x700):

- `ElidedLabel`: one line, shortened with "…" when too narrow, the whole text in its tooltip;
- `WrappingLine`: a line of values that wraps onto a second (third) line when too narrow. Its
  height changes only when the number of lines does, so a value that changes ten times a second
  does not relayout (and so repaint) what is below it.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None, min_chars: int = 6):
        super().__init__(parent)
        self._full = ""
        self._min_chars = min_chars
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.set_full_text(text)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str, tooltip: str = "") -> None:
        self._full, self._tip = text, tooltip
        self._elide()
        self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        fm = self.fontMetrics()
        return QSize(fm.horizontalAdvance(self._full) + 8, fm.height() + 2)   # slack for fractional advances

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        fm = self.fontMetrics()
        return QSize(min(fm.horizontalAdvance(self._full), fm.averageCharWidth() * self._min_chars) + 8,
                     fm.height() + 2)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):   # a style sheet made it bold
            self.updateGeometry()
            self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(0, self.width() - 4))
        if shown != self.text():
            self.setText(shown)
        self.setToolTip(self._tip or (self._full if shown != self._full else ""))


class WrappingLine(QLabel):
    """Values joined by a separator on as few lines as the width allows; a line breaks between
    values, never inside one ("mask_AP 0.444 (best 0.444)" stays whole)."""

    MAX_LINES = 3
    SEPARATOR = "   ·   "

    def __init__(self, parent: QWidget | None = None):
        super().__init__(" ", parent)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setMinimumWidth(60)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._parts: list[str] = []
        self._lines = 0
        self._fit()

    def set_parts(self, parts: list[str]) -> None:
        if parts != self._parts:
            self._parts = list(parts)
            self.setToolTip(self.SEPARATOR.join(parts))
            self._fit()

    def lines_for(self, width: int) -> list[str]:
        fm, lines = self.fontMetrics(), []
        for part in self._parts:
            if lines and fm.horizontalAdvance(lines[-1] + self.SEPARATOR + part) <= width - 4:
                lines[-1] += self.SEPARATOR + part
            else:
                lines.append(part)
        if len(lines) > self.MAX_LINES:    # what does not fit goes on the last line (the tooltip has it all)
            lines = lines[:self.MAX_LINES - 1] + [self.SEPARATOR.join(lines[self.MAX_LINES - 1:])]
        return lines or [" "]

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        lines = self.lines_for(self.width())
        text = "\n".join(lines)
        if text != self.text():
            self.setText(text)
        if len(lines) != self._lines:
            self._lines = len(lines)
            self.setFixedHeight(self._lines * self.fontMetrics().lineSpacing() + 4)
