"""The main window: a side bar of pages, the pages in a stack, the jobs panel docked below, and
the menus (File, Go, View, Help: the shortcut sheet on F1 and the About box).

It composes; it does no work itself. Pages are listed in `PAGE_MODULES`; each module exposes
its page class as `PAGE`. A project reopens on the page it was left on.
"""
from __future__ import annotations

import importlib

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QHBoxLayout, QListWidget,
                               QListWidgetItem, QMainWindow, QMessageBox, QStackedWidget, QWidget)

from core.errors import StudioError
from studio.controllers.jobs import JobController
from studio.pages.base import Page
from studio.session import Session
from studio.settings import last_page, recent_projects, remove_recent_project, set_last_page, settings
from studio.theme import THEMES, apply_theme, current_theme
from studio.ui.jobs_panel import JobsPanel

PAGE_MODULES = ("projects", "data", "label", "train", "runs", "optimize", "preview")


class MainWindow(QMainWindow):
    def __init__(self, session: Session | None = None, jobs: JobController | None = None):
        super().__init__()
        self.setWindowTitle("Studio")
        self.setMinimumSize(QSize(960, 600))
        self.session = session or Session(self)
        self.jobs = jobs or JobController(self)

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("SideBar")
        self.sidebar.setFixedWidth(150)
        self.stack = QStackedWidget()
        self.pages: dict[str, Page] = {}
        for name in PAGE_MODULES:
            page_cls = importlib.import_module(f"studio.pages.{name}").PAGE
            page = page_cls(self.session, self.jobs, self)
            page.navigate.connect(self.show_page)
            self.pages[page.key] = page
            self.stack.addWidget(page)
            item = QListWidgetItem(page.title)
            item.setData(Qt.ItemDataRole.UserRole, page.key)
            item.setSizeHint(QSize(130, 40))
            self.sidebar.addItem(item)
        self.sidebar.currentRowChanged.connect(self._on_row)

        central = QWidget()
        lay = QHBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.sidebar)
        lay.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.jobs_panel = JobsPanel(self.session, self.jobs)
        self.jobs_dock = QDockWidget("Jobs", self)
        self.jobs_dock.setObjectName("JobsDock")
        self.jobs_dock.setWidget(self.jobs_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.jobs_dock)

        self._build_menus()
        self.session.project_changed.connect(self._on_project_changed)
        self.jobs.job_started.connect(lambda job: self.statusBar().showMessage(f"Started {job.title}", 4000))
        self._on_project_changed(None)
        self._restore()

    # -- navigation ---------------------------------------------------------------------------
    def page(self, key: str) -> Page:
        return self.pages[key]

    def show_page(self, key: str) -> None:
        row = list(self.pages).index(key)
        item = self.sidebar.item(row)
        if not (item.flags() & Qt.ItemFlag.ItemIsEnabled):
            return
        self.sidebar.setCurrentRow(row)

    def _on_row(self, row: int) -> None:
        if row < 0:
            return
        self.stack.setCurrentIndex(row)
        page = self.stack.currentWidget()
        if isinstance(page, Page):
            if self.session.project is not None and page.needs_project:   # where to come back to
                set_last_page(self.session.project.root, page.key)
            page.on_shown()

    def _on_project_changed(self, project) -> None:
        for row, page in enumerate(self.pages.values()):
            item = self.sidebar.item(row)
            enabled = project is not None or not page.needs_project
            flags = item.flags()
            item.setFlags(flags | Qt.ItemFlag.ItemIsEnabled if enabled else flags & ~Qt.ItemFlag.ItemIsEnabled)
        self.close_action.setEnabled(project is not None)
        if project is None:
            self.setWindowTitle("Studio")
            self.statusBar().showMessage("No project open: create one or open one from the Projects page.")
            self.show_page("projects")
        else:
            self.setWindowTitle(f"{project.name} — Studio")
            self.statusBar().showMessage(f"{project.name}  ·  {project.task.replace('_', ' ')}  ·  {project.root}")
            left_on = last_page(project.root)
            if left_on in self.pages:
                self.show_page(left_on)          # the page the user left this project on
            elif self.stack.currentWidget() is self.pages["projects"]:
                self.show_page("data")
        self._fill_recent_menu()

    # -- menus --------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        new = QAction("&New project...", self, shortcut=QKeySequence.StandardKey.New)
        new.triggered.connect(lambda: self.page("projects").new_project())
        open_ = QAction("&Open project...", self, shortcut=QKeySequence.StandardKey.Open)
        open_.triggered.connect(self.open_project_dialog)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.close_action = QAction("&Close project", self)
        self.close_action.triggered.connect(self.session.close_project)
        quit_ = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_.triggered.connect(self.close)
        for a in (new, open_):
            file_menu.addAction(a)
        file_menu.insertMenu(None, self.recent_menu)
        file_menu.addAction(self.close_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_)

        go = bar.addMenu("&Go")
        for i, page in enumerate(self.pages.values()):
            act = QAction(page.title, self, shortcut=QKeySequence(f"Ctrl+{i + 1}"))
            act.triggered.connect(lambda _=False, k=page.key: self.show_page(k))
            go.addAction(act)

        view = bar.addMenu("&View")
        jobs_toggle = self.jobs_dock.toggleViewAction()
        jobs_toggle.setShortcut(QKeySequence("Ctrl+J"))
        view.addAction(jobs_toggle)
        themes = QActionGroup(self)
        for name in THEMES:
            act = QAction(f"{name.title()} theme", self, checkable=True)
            act.setData(name)
            act.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            themes.addAction(act)
            view.addAction(act)
        self.theme_actions = themes

        help_menu = bar.addMenu("&Help")
        sheet = QAction("&Keyboard shortcuts", self, shortcut=QKeySequence(QKeySequence.StandardKey.HelpContents))
        if sheet.shortcut().isEmpty():
            sheet.setShortcut(QKeySequence("F1"))
        sheet.triggered.connect(self.show_shortcuts)
        about = QAction("&About Studio", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(sheet)
        help_menu.addAction(about)
        self.shortcut_sheet = None

    def show_shortcuts(self):
        from studio.help import ShortcutSheet

        self.shortcut_sheet = ShortcutSheet(self)
        self.shortcut_sheet.show()
        return self.shortcut_sheet

    def show_about(self) -> None:
        from studio.help import about_html

        QMessageBox.about(self, "About Studio", about_html())

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        items = recent_projects()
        for path in items:
            act = self.recent_menu.addAction(path)
            act.triggered.connect(lambda _=False, p=path: self.open_project(p))
        self.recent_menu.setEnabled(bool(items))

    def set_theme(self, theme: str) -> None:
        apply_theme(QApplication.instance(), theme)
        settings().setValue("theme", theme)
        for act in self.theme_actions.actions():
            act.setChecked(act.data() == theme)

    # -- projects -----------------------------------------------------------------------------
    def open_project_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a Studio project folder")
        if folder:
            self.open_project(folder)

    def open_project(self, path: str) -> bool:
        try:
            self.session.open_project(path)
        except StudioError as exc:
            QMessageBox.warning(self, "Cannot open project", str(exc))
            if path in recent_projects():
                remove_recent_project(path)
                self._fill_recent_menu()
            return False
        return True

    # -- persistence --------------------------------------------------------------------------
    def _restore(self) -> None:
        s = settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        state = s.value("window/state")
        self._size_docks = not (isinstance(state, QByteArray) and self.restoreState(state))
        for act in self.theme_actions.actions():
            act.setChecked(act.data() == current_theme())

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._size_docks:  # first start: a slim jobs panel, the pages get the room
            self._size_docks = False
            self.resizeDocks([self.jobs_dock], [130], Qt.Orientation.Vertical)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        active = self.jobs.active()
        if active:
            names = ", ".join(j.title for j in active)
            answer = QMessageBox.question(
                self, "Jobs are running",
                f"{names} still running. Stop them (training saves a checkpoint and can resume) and quit?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.jobs.stop_all()
            self.jobs.wait_all(60_000)
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        self.session.close_project()
        super().closeEvent(event)
