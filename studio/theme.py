"""Light and dark themes: a Fusion palette plus a small style sheet, applied app-wide."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark")
STYLES = Path(__file__).resolve().parents[1] / "resources" / "styles"

_COLORS = {
    "light": {"window": "#f4f5f7", "base": "#ffffff", "alt": "#eef0f3", "text": "#1d2330", "button": "#e9ebef",
              "highlight": "#2f6fed", "muted": "#6b7385", "plot_bg": "#ffffff", "plot_fg": "#1d2330"},
    "dark": {"window": "#1f2229", "base": "#272b33", "alt": "#2d323b", "text": "#e3e6ec", "button": "#323741",
             "highlight": "#4c8dff", "muted": "#9aa3b5", "plot_bg": "#1b1e24", "plot_fg": "#e3e6ec"},
}


def colors(theme: str) -> dict[str, str]:
    return _COLORS[theme if theme in _COLORS else "light"]


def apply_theme(app: QApplication, theme: str) -> None:
    c = colors(theme)
    app.setStyle("Fusion")
    pal = QPalette()
    role = QPalette.ColorRole
    for r, key in ((role.Window, "window"), (role.Base, "base"), (role.AlternateBase, "alt"),
                   (role.Text, "text"), (role.WindowText, "text"), (role.Button, "button"),
                   (role.ButtonText, "text"), (role.Highlight, "highlight"), (role.ToolTipBase, "base"),
                   (role.ToolTipText, "text"), (role.PlaceholderText, "muted")):
        pal.setColor(r, QColor(c[key]))
    pal.setColor(role.HighlightedText, QColor("#ffffff"))
    pal.setColor(QPalette.ColorGroup.Disabled, role.Text, QColor(c["muted"]))
    pal.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, QColor(c["muted"]))
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


def current_theme() -> str:
    app = QApplication.instance()
    value = app.property("studio_theme") if app else None
    return value if value in THEMES else "light"
