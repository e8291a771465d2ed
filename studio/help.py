"""The Help menu's contents: the shortcut sheet (F1) and the About box.

The sheet is read from the window, not written down a second time: the menus' actions, each
page's declared keys (`Page.add_shortcut`, `Page.describe_keys`), and the actions and buttons of
a page that carry a shortcut. Versions come from the installed packages' metadata, so the About
box imports neither torch nor TensorRT (importing torch would block the GUI for seconds).
"""
from __future__ import annotations

import html
import importlib.metadata as metadata
import platform

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractButton, QDialog, QDialogButtonBox, QHeaderView, QMenu, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

# (shown name, distributions that provide it: the first installed one counts)
COMPONENTS = (
    ("Studio", ("studio",)),
    ("PyTorch", ("torch",)),
    ("torchvision", ("torchvision",)),
    ("ONNX", ("onnx",)),
    ("ONNX Runtime", ("onnxruntime", "onnxruntime-gpu")),
    ("TensorRT", ("tensorrt", "tensorrt-cu13", "tensorrt-cu12", "tensorrt-cu11", "tensorrt_libs")),
    ("PySide6 (Qt)", ("PySide6-Essentials", "PySide6")),
    ("pyqtgraph", ("pyqtgraph",)),
)


def component_versions() -> list[tuple[str, str | None]]:
    """(name, version) of Studio and what it runs on; None where it is not installed."""
    found = []
    for name, dists in COMPONENTS:
        version = None
        for dist in dists:
            try:
                version = metadata.version(dist)
                break
            except metadata.PackageNotFoundError:
                continue
        if version is None and name == "Studio":
            version = "a source checkout (not installed)"
        found.append((name, version))
    return found


def about_html() -> str:
    rows = "".join(f"<tr><td style='padding-right:14px'>{html.escape(n)}</td><td>{html.escape(v or 'not installed')}"
                   f"</td></tr>" for n, v in component_versions())
    return ("<h3>Studio</h3><p>From labeled data to a deployed, optimized computer-vision model, on one desktop.</p>"
            f"<table>{rows}<tr><td>Python</td><td>{platform.python_version()}</td></tr></table>")


def _text(action_or_button) -> str:
    text = action_or_button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    tip = action_or_button.toolTip()
    return tip.split(" (")[0] if tip and (not text or len(text) < 3) else text


def _keys(seq: QKeySequence) -> str:
    return seq.toString(QKeySequence.SequenceFormat.NativeText)


def menu_shortcuts(menus) -> list[tuple[str, str]]:
    rows = []
    for menu in menus:
        for act in menu.actions():
            if act.menu() is not None:
                rows += menu_shortcuts([act.menu()])
            elif not act.shortcut().isEmpty():
                rows.append((" / ".join(_keys(s) for s in act.shortcuts()), _text(act)))
    return rows


def page_shortcuts(page) -> list[tuple[str, str]]:
    """A page's keys: those it declared, then its actions' and buttons' (each key once)."""
    rows = list(page.shortcuts)
    seen = {k for keys, _ in rows for k in keys.split(" / ")}
    for widget in (*page.findChildren(QAction), *page.findChildren(QAbstractButton)):
        seqs = widget.shortcuts() if isinstance(widget, QAction) else [widget.shortcut()]
        keys = [_keys(s) for s in seqs if not s.isEmpty()]
        keys = [k for k in keys if k not in seen]
        text = _text(widget)
        if keys and text:
            seen.update(keys)
            rows.append((" / ".join(keys), text))
    return rows


def shortcut_rows(window) -> list[tuple[str, str, str]]:
    """(where, keys, what): the window's menus, then each page."""
    menus = [a.menu() for a in window.menuBar().actions() if isinstance(a.menu(), QMenu)]
    rows = [("Everywhere", k, w) for k, w in menu_shortcuts(menus)]
    for page in window.pages.values():
        rows += [(page.title, k, w) for k, w in page_shortcuts(page)]
    return rows


class ShortcutSheet(QDialog):
    def __init__(self, window, parent: QWidget | None = None):
        super().__init__(parent or window)
        self.setObjectName("ShortcutSheet")
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = shortcut_rows(window)
        self.table = QTableWidget(len(self.rows), 3)
        self.table.setHorizontalHeaderLabels(("Where", "Keys", "What it does"))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        for r, row in enumerate(self.rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head.setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addWidget(buttons)
        self.resize(640, 560)

    def text(self) -> str:
        return "\n".join("  ".join(row) for row in self.rows)
