"""The open project, shared by every page. Pages listen to its signals instead of each other."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from core.project import Project
from studio.settings import add_recent_project


class Session(QObject):
    project_changed = Signal(object)   # Project or None
    data_changed = Signal()            # images, annotations, categories or splits changed
    runs_changed = Signal()            # a run was created, changed status, or deleted
    artifacts_changed = Signal()       # an export or evaluation added an artifact or metrics

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._project: Project | None = None

    @property
    def project(self) -> Project | None:
        return self._project

    def open_project(self, path: str | Path) -> Project:
        project = Project.open(path)
        self._set(project)
        return project

    def create_project(self, path: str | Path, task: str, name: str | None = None) -> Project:
        project = Project.create(path, task, name)
        self._set(project)
        return project

    def close_project(self) -> None:
        self._set(None)

    def _set(self, project: Project | None) -> None:
        if self._project is not None:
            self._project.close()
        self._project = project
        if project is not None:
            add_recent_project(project.root)
        self.project_changed.emit(project)
