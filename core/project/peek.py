"""A quick, read-only look at a project folder for lists of recent projects: its name, task and
a few counts, without migrating or locking anything (the database is opened read-only)."""
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


def peek_project(root: str | Path) -> ProjectPeek:
    root = Path(root)
    db = root / DB_NAME
    if not root.is_dir():
        return ProjectPeek(root, False, root.name, problem=f"The folder {root} no longer exists.")
    if not db.is_file():
        return ProjectPeek(root, False, root.name, problem=f"{root} no longer holds a Studio project ({DB_NAME}).")
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=1.0)
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
    except sqlite3.Error as exc:
        return ProjectPeek(root, True, root.name, problem=f"{db} cannot be read: {exc}.")
    finally:
        conn.close()
    return ProjectPeek(root, True, meta.get("name") or root.name, meta.get("task", ""), counts["images"],
                       counts["videos"], counts["runs"])
