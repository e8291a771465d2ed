"""Persistent GUI settings (window geometry, recent projects, theme, the page each project was left
on) in an INI file.

`STUDIO_CONFIG_DIR` overrides where it lives (tests point it at a temporary folder)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from PySide6.QtCore import QSettings

MAX_RECENT = 10


def settings() -> QSettings:
    folder = os.environ.get("STUDIO_CONFIG_DIR")
    if folder:
        return QSettings(str(Path(folder) / "studio.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Studio", "Studio")


def recent_projects() -> list[str]:
    value = settings().value("recent_projects", [])
    if isinstance(value, str):
        value = [value]
    return [p for p in (value or []) if p]


def add_recent_project(path: str | Path) -> None:
    path = str(Path(path).resolve())
    items = [path] + [p for p in recent_projects() if p != path]
    settings().setValue("recent_projects", items[:MAX_RECENT])


def remove_recent_project(path: str) -> None:
    settings().setValue("recent_projects", [p for p in recent_projects() if p != path])


def _project_key(path: str | Path) -> str:
    return hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:16]


def last_page(path: str | Path) -> str | None:
    """The page a project was last left on (None: never opened here)."""
    value = settings().value(f"last_page/{_project_key(path)}")
    return str(value) if value else None


def set_last_page(path: str | Path, page: str) -> None:
    settings().setValue(f"last_page/{_project_key(path)}", page)
