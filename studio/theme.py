"""Light and dark themes: a Fusion palette plus a small style sheet, applied app-wide.

`theme_changed()` is a signal emitted after every `apply_theme`, so that what paints with theme
colors of its own (plots, the image canvas, highlighters) follows a switch made at run time.
Fusion outlines check boxes and radio buttons with a darker shade of the window color, which
vanishes on a dark window: `StudioStyle` draws a ring in the theme's muted color around them.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QRectF, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleFactory

THEMES = ("light", "dark")
STYLES = Path(__file__).resolve().parents[1] / "resources" / "styles"

_COLORS = {
    "light": {"window": "#f4f5f7", "base": "#ffffff", "alt": "#eef0f3", "text": "#1d2330", "button": "#e9ebef",
              "highlight": "#2f6fed", "muted": "#6b7385", "plot_bg": "#ffffff", "plot_fg": "#1d2330",
              "link": "#1f5fd6", "indicator": "#8a93a6"},
    "dark": {"window": "#1f2229", "base": "#272b33", "alt": "#2d323b", "text": "#e3e6ec", "button": "#323741",
             "highlight": "#4c8dff", "muted": "#9aa3b5", "plot_bg": "#1b1e24", "plot_fg": "#e3e6ec",
             "link": "#8ab4ff", "indicator": "#9aa3b5"},
}
_INDICATORS = (QStyle.PrimitiveElement.PE_IndicatorCheckBox, QStyle.PrimitiveElement.PE_IndicatorRadioButton,
               QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck)


class _Signals(QObject):
    changed = Signal(str)


_SIGNALS: _Signals | None = None


def theme_changed():
    """The signal (theme name) emitted after a theme is applied."""
    global _SIGNALS
    if _SIGNALS is None:
        _SIGNALS = _Signals(QApplication.instance())
    return _SIGNALS.changed


def colors(theme: str) -> dict[str, str]:
    return _COLORS[theme if theme in _COLORS else "light"]


class StudioStyle(QProxyStyle):
    """Fusion, with check box and radio button indicators ringed so that they show on any window."""

    def __init__(self, ring: str):
        super().__init__(QStyleFactory.create("Fusion"))
        self.ring = QColor(ring)

    def drawPrimitive(self, element, option, painter, widget=None) -> None:  # noqa: N802 - Qt override
        super().drawPrimitive(element, option, painter, widget)
        if element not in _INDICATORS:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        ring = QColor(self.ring)
        if not option.state & QStyle.StateFlag.State_Enabled:
            ring.setAlpha(110)
        painter.setPen(QPen(ring, 1.0))
        painter.setBrush(QColor(0, 0, 0, 0))
        r = QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5)
        if element == QStyle.PrimitiveElement.PE_IndicatorRadioButton:
            painter.drawEllipse(r)
        else:
            painter.drawRoundedRect(r, 2, 2)
        painter.restore()


def apply_theme(app: QApplication, theme: str) -> None:
    c = colors(theme)
    app.setStyle(StudioStyle(c["indicator"]))
    pal = QPalette()
    role = QPalette.ColorRole
    for r, key in ((role.Window, "window"), (role.Base, "base"), (role.AlternateBase, "alt"),
                   (role.Text, "text"), (role.WindowText, "text"), (role.Button, "button"),
                   (role.ButtonText, "text"), (role.Highlight, "highlight"), (role.ToolTipBase, "base"),
                   (role.ToolTipText, "text"), (role.PlaceholderText, "muted"), (role.Link, "link"),
                   (role.LinkVisited, "link")):
        pal.setColor(r, QColor(c[key]))
    pal.setColor(role.HighlightedText, QColor("#ffffff"))
    pal.setColor(QPalette.ColorGroup.Disabled, role.Text, QColor(c["muted"]))
    pal.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, QColor(c["muted"]))
    pal.setColor(QPalette.ColorGroup.Disabled, role.WindowText, QColor(c["muted"]))
    app.setPalette(pal)
    sheet = STYLES / f"{theme}.qss"
    base = STYLES / "common.qss"
    app.setStyleSheet((base.read_text() if base.exists() else "") + (sheet.read_text() if sheet.exists() else ""))
    app.setProperty("studio_theme", theme)
    try:
        import pyqtgraph as pg

        pg.setConfigOptions(background=c["plot_bg"], foreground=c["plot_fg"], antialias=False)
    except ImportError:  # pragma: no cover
        pass
    theme_changed().emit(theme)


def current_theme() -> str:
    app = QApplication.instance()
    value = app.property("studio_theme") if app else None
    return value if value in THEMES else "light"
