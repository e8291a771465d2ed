"""The Projects page (placeholder until its page is built)."""
from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout

from studio.pages.base import Page, header


class ProjectsPage(Page):
    key = "projects"
    title = "Projects"
    needs_project = False

    def __init__(self, session, jobs, parent=None):
        super().__init__(session, jobs, parent)
        lay = QVBoxLayout(self)
        lay.addWidget(header("Projects"))
        lay.addStretch(1)

    def new_project(self) -> None:
        """Open the new-project wizard."""

PAGE = ProjectsPage
