"""The Projects page: a welcome, New project (the wizard) and Open folder, and the recent
projects (double-click or Enter opens; a missing folder is shown as missing and can be removed)."""
from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QMenu, QPushButton, QVBoxLayout

from core.errors import StudioError
from core.project.peek import peek_project
from core.project.store import utcnow
from studio.pages.base import Page, header
from studio.settings import recent_projects, remove_recent_project, settings
from studio.ui.recent_projects import RecentProjectsList
from studio.ui.time_text import when
from studio.wizard.widgets import Message

OPENED_KEY = "projects/last_opened"
WELCOME = ("Studio takes a vision model from labeled data to a deployed engine: import or label data, train it, "
           "evaluate, optimize and export it, and preview it over video. Start a new project (the built-in sample "
           "data trains in minutes on a CPU) or open one.")


def last_opened() -> dict[str, str]:
    try:
        value = json.loads(str(settings().value(OPENED_KEY, "{}")))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def mark_opened(path: str) -> None:
    known = {p: t for p, t in last_opened().items() if p in recent_projects()}
    known[path] = utcnow()
    settings().setValue(OPENED_KEY, json.dumps(known))


class ProjectsPage(Page):
    key = "projects"
    title = "Projects"
    needs_project = False

    def __init__(self, session, jobs, parent=None):
        super().__init__(session, jobs, parent)
        self.wizard = None
        self.new_button = QPushButton("New project...")
        self.new_button.setObjectName("NewProject")
        self.new_button.setProperty("primary", True)
        self.new_button.setToolTip("Create a project with the wizard (Ctrl+N)")
        self.open_button = QPushButton("Open folder...")
        self.open_button.setObjectName("OpenFolder")
        self.open_button.setToolTip("Open an existing project folder (Ctrl+O)")
        self.remove_button = QPushButton("Remove from list")
        self.remove_button.setToolTip("Forget the selected entry (Delete); the folder itself is not touched.")
        self.recent = RecentProjectsList()
        self.message = Message()
        self.message.setObjectName("ProjectsMessage")
        self.empty = QLabel("No recent projects yet. Create one with New project (Ctrl+N), or open an existing "
                            "project folder (Ctrl+O).")
        self.empty.setProperty("role", "hint")
        self.empty.setWordWrap(True)
        recent_title = QLabel("Recent projects")
        recent_title.setProperty("role", "subtitle")
        recent_title.setStyleSheet("font-weight: 600;")

        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        recent_head = QHBoxLayout()
        recent_head.addWidget(recent_title)
        recent_head.addStretch(1)
        recent_head.addWidget(self.remove_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 18, 24, 12)
        lay.addWidget(header("Projects", WELCOME))
        lay.addLayout(buttons)
        lay.addSpacing(10)
        lay.addLayout(recent_head)
        lay.addWidget(self.message)
        lay.addWidget(self.empty)
        lay.addWidget(self.recent, 1)
        lay.addStretch(0)      # keeps the page at the top while the list is hidden

        remove = QAction("Remove from list", self.recent, shortcut=QKeySequence(QKeySequence.StandardKey.Delete))
        remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove.triggered.connect(self.remove_selected)
        self.recent.addAction(remove)
        self.recent.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.recent.customContextMenuRequested.connect(self._context_menu)
        self.recent.itemActivated.connect(lambda item: self.open_path(self.recent.current_path() or ""))
        self.recent.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.new_button.clicked.connect(self.new_project)
        self.open_button.clicked.connect(self.open_folder)
        self.remove_button.clicked.connect(self.remove_selected)
        self.refresh()

    # -- list ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        opened = last_opened()
        entries = [(peek_project(p), when(opened.get(p))) for p in recent_projects()]
        self.recent.set_projects(entries)
        self.empty.setVisible(not entries)
        self.recent.setVisible(bool(entries))
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.recent.currentItem() is not None)

    def _context_menu(self, pos) -> None:
        item = self.recent.itemAt(pos)
        if item is None:
            return
        self.recent.setCurrentItem(item)
        menu = QMenu(self)
        menu.addAction("Open", lambda: self.open_path(self.recent.current_path() or ""))
        menu.addAction("Remove from list", self.remove_selected)
        menu.exec(self.recent.viewport().mapToGlobal(pos))

    def remove_selected(self) -> None:
        path = self.recent.current_path()
        if path is None:
            return
        remove_recent_project(path)
        self.message.clear_message()
        self.refresh()
        refill = getattr(self.window(), "_fill_recent_menu", None)
        if callable(refill):
            refill()

    # -- actions --------------------------------------------------------------------------------
    def open_path(self, path: str) -> bool:
        if not path:
            return False
        peek = peek_project(path)
        if peek.problem and not peek.exists:
            self.message.error(f"{peek.problem} Restore the folder, or remove the entry from the list (Delete).")
            return False
        try:
            self.session.open_project(path)
        except StudioError as exc:
            self.message.error(str(exc))
            return False
        self.message.clear_message()
        return True

    def open_folder(self) -> None:
        opener = getattr(self.window(), "open_project_dialog", None)
        if callable(opener):
            opener()
            return
        folder = QFileDialog.getExistingDirectory(self, "Open a Studio project folder")
        if folder:
            self.open_path(folder)

    def new_project(self):
        """Open the new-project wizard (window-modal; returns it)."""
        from studio.wizard import NewProjectWizard

        if self.wizard is not None:
            if self.wizard.isVisible():
                self.wizard.raise_()
                return self.wizard
            self.wizard.deleteLater()   # a finished wizard (and the plans it holds) goes
        self.wizard = NewProjectWizard(self.session, self.jobs, self.window())
        self.wizard.open()
        return self.wizard

    # -- hooks ----------------------------------------------------------------------------------
    def on_project_changed(self, project) -> None:
        if project is not None:
            mark_opened(str(project.root))
        self.refresh()

    def on_shown(self) -> None:
        self.refresh()


PAGE = ProjectsPage
