"""A quick, read-only look at a project folder for lists of recent projects: its name, task, a few
counts, its class names and its runs, without migrating or locking anything (the database is
opened read-only)."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from core.project.store import DB_NAME


@dataclass(frozen=True)
class ProjectPeek:
    root: Path
    exists: bool                  # the folder holds a project.db
    name: str = ""
    task: str = ""
    images: int = 0
    videos: int = 0
    runs: int = 0
    problem: str | None = None    # why it cannot be read (None when it can)
    categories: tuple[str, ...] = ()   # class names, in id order


@dataclass(frozen=True)
class RunPeek:
    name: str
    task: str
    spec_yaml: str


def _connect(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=1.0)


def peek_project(root: str | Path) -> ProjectPeek:
    root = Path(root)
    db = root / DB_NAME
    if not root.is_dir():
        return ProjectPeek(root, False, root.name, problem=f"The folder {root} no longer exists.")
    if not db.is_file():
        return ProjectPeek(root, False, root.name, problem=f"{root} no longer holds a Studio project ({DB_NAME}).")
    try:
        conn = _connect(db)
    except sqlite3.Error as exc:
        return ProjectPeek(root, True, root.name, problem=f"{db} cannot be read: {exc}.")
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        counts = {}
        for table in ("images", "videos", "runs"):
            try:
                counts[table] = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            except sqlite3.OperationalError:  # an old schema without that table
                counts[table] = 0
        try:
            categories = tuple(str(n) for (n,) in conn.execute("SELECT name FROM categories ORDER BY id"))
        except sqlite3.OperationalError:
            categories = ()
    except sqlite3.Error as exc:
        return ProjectPeek(root, True, root.name, problem=f"{db} cannot be read: {exc}.")
    finally:
        conn.close()
    return ProjectPeek(root, True, meta.get("name") or root.name, meta.get("task", ""), counts["images"],
                       counts["videos"], counts["runs"], categories=categories)


def peek_runs(root: str | Path) -> list[RunPeek]:
    """The runs of a project folder (name, task, spec text), oldest first; [] when it cannot be read."""
    db = Path(root) / DB_NAME
    if not db.is_file():
        return []
    try:
        conn = _connect(db)
    except sqlite3.Error:
        return []
    try:
        rows = conn.execute("SELECT name, task, spec FROM runs ORDER BY id").fetchall()
    except sqlite3.Error:
        return []
    finally:
        conn.close()
    return [RunPeek(str(name), str(task or ""), str(spec or "")) for name, task, spec in rows]
