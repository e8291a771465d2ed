"""The Train page (placeholder until its page is built)."""
from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout

from studio.pages.base import Page, header


class TrainPage(Page):
    key = "train"
    title = "Train"
    needs_project = True

    def __init__(self, session, jobs, parent=None):
        super().__init__(session, jobs, parent)
        lay = QVBoxLayout(self)
        lay.addWidget(header("Train"))
        lay.addStretch(1)


PAGE = TrainPage
