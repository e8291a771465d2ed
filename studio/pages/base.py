"""What every page has: the session, the job controller, a title, and hooks."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from studio.controllers.jobs import JobController
from studio.session import Session


class Page(QWidget):
    key = ""            # "train" — used by --page and the Go menu
    title = ""          # "Train"
    needs_project = True

    def __init__(self, session: Session, jobs: JobController, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.jobs = jobs
        self.setObjectName(f"Page_{self.key}")
        session.project_changed.connect(self.on_project_changed)

    @property
    def project(self):
        return self.session.project

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
