"""What every page has: the session, the job controller, a title, its shortcuts, and hooks."""
from __future__ import annotations

from typing import Callable, Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from studio.controllers.jobs import JobController
from studio.session import Session


class Page(QWidget):
    key = ""            # "train" — used by --page and the Go menu
    title = ""          # "Train"
    needs_project = True
    navigate = Signal(str)   # "show that page" (a link such as "export it on Optimize"); the window obeys

    def __init__(self, session: Session, jobs: JobController, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.jobs = jobs
        self.shortcuts: list[tuple[str, str]] = []     # (keys, what they do): the Help menu's sheet lists them
        self.setObjectName(f"Page_{self.key}")
        session.project_changed.connect(self.on_project_changed)

    @property
    def project(self):
        return self.session.project

    def add_shortcut(self, keys: str | Iterable[str], slot: Callable[[], object], what: str) -> None:
        """A key (or keys) active while the page is shown, listed on the shortcut sheet (F1): the one
        place a page's keys are declared, so that none exists only in the code."""
        keys = (keys,) if isinstance(keys, str) else tuple(keys)
        for key in keys:
            sc = QShortcut(QKeySequence(key), self, activated=slot)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.shortcuts.append((" / ".join(keys), what))

    def describe_keys(self, keys: str, what: str) -> None:
        """List keys a widget of the page handles itself (an image view's M / B / L) on the sheet."""
        self.shortcuts.append((keys, what))

    def on_project_changed(self, project) -> None:
        """The open project changed (maybe to None). Refresh what depends on it."""

    def on_shown(self) -> None:
        """The page became the visible one (refresh lazily here)."""

    def settled(self) -> bool:
        """Nothing the page is loading would change what it shows (a screenshot waits for it)."""
        return True


def header(title: str, subtitle: str = "") -> QWidget:
    """A page title with an optional one-line explanation."""
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 6)
    t = QLabel(title)
    t.setProperty("role", "title")
    lay.addWidget(t)
    if subtitle:
        s = QLabel(subtitle)
        s.setProperty("role", "subtitle")
        s.setWordWrap(True)
        lay.addWidget(s)
    return box
