"""Open, create and migrate a project folder; transactions on its SQLite database.

Layout::

    myproject/
      project.db      SQLite in WAL mode, schema versioned by PRAGMA user_version
      media/          imported images and videos (copied; or referenced in place)
      runs/<name>/    spec.yaml, events.jsonl, checkpoints/, exports/, eval/, logs/

Writes go through `Project.transaction()` (BEGIN IMMEDIATE, busy timeout), so a failed
import or a crash leaves the database exactly as it was.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import sqlite3
from pathlib import Path
from typing import Iterator

import sqlite_utils

from core.errors import ProjectError, SchemaError
from core.project.schema import SCHEMA_VERSION, apply_migrations, user_version

DB_NAME = "project.db"
RUNS_DIR = "runs"          # runs/<name>/ of a project folder
BUSY_TIMEOUT_S = 30.0


def utcnow() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def connect(db_path: Path) -> sqlite3.Connection:
    # isolation_level=None: no implicit BEGIN; transactions are explicit (BEGIN IMMEDIATE).
    conn = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class Project:
    """A project folder and its open database connection."""

    def __init__(self, root: Path, conn: sqlite3.Connection):
        self.root = root
        self.conn = conn
        self.db = sqlite_utils.Database(conn)

    # --- lifecycle -------------------------------------------------------------------------
    @classmethod
    def create(cls, root: str | Path, task: str, name: str | None = None) -> "Project":
        """A new project for `task` (a family name: callers that take it from a user check it against
        `core.families.family_infos()`, as `studio project new` and the wizard do)."""
        root = Path(root).expanduser().resolve()
        if not task or not task.replace("_", "").isalnum():
            raise ProjectError(f"{task!r} is not a model family name.")
        if (root / DB_NAME).exists():
            raise ProjectError(f"{root} already holds a project; open it instead of creating one.")
        if root.exists() and not root.is_dir():
            raise ProjectError(f"{root} exists and is not a folder.")
        if root.exists() and any(root.iterdir()):
            raise ProjectError(f"{root} is not empty; choose a new or empty folder for the project.")
        root.mkdir(parents=True, exist_ok=True)
        (root / "media").mkdir(exist_ok=True)
        (root / "runs").mkdir(exist_ok=True)
        conn = connect(root / DB_NAME)
        conn.execute("PRAGMA journal_mode = WAL")
        apply_migrations(conn)
        project = cls(root, conn)
        with project.transaction():
            project.db["meta"].insert_all(
                [{"key": "task", "value": task}, {"key": "name", "value": name or root.name},
                 {"key": "created_at", "value": utcnow()}])
        return project

    @classmethod
    def open(cls, root: str | Path) -> "Project":
        """Open an existing project, migrating an older schema; refuse a newer one."""
        root = Path(root).expanduser().resolve()
        db_path = root / DB_NAME
        if not db_path.is_file():
            raise ProjectError(f"{root} is not a Studio project (no {DB_NAME} in it).")
        conn = connect(db_path)
        try:
            version = user_version(conn)
            if version > SCHEMA_VERSION:
                raise SchemaError(
                    f"{root} was written by a newer Studio (schema version {version}; this Studio reads up to "
                    f"{SCHEMA_VERSION}). Update Studio to open it.")
            if version == 0:
                raise ProjectError(f"{db_path} is not a Studio project database (it has no schema version).")
            conn.execute("PRAGMA journal_mode = WAL")
            apply_migrations(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ProjectError(f"{db_path} cannot be read as a SQLite database: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        for sub in ("media", "runs"):
            (root / sub).mkdir(exist_ok=True)
        return cls(root, conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- transactions ------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """BEGIN IMMEDIATE ... COMMIT; ROLLBACK on any exception. Nested calls join the outer one."""
        if self.conn.in_transaction:
            yield self.db
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # --- facts -----------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return user_version(self.conn)

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.db["meta"].upsert({"key": key, "value": value}, pk="key")

    @property
    def task(self) -> str:
        return self.meta("task") or ""

    @property
    def name(self) -> str:
        return self.meta("name") or self.root.name

    @property
    def media_dir(self) -> Path:
        return self.root / "media"

    @property
    def runs_dir(self) -> Path:
        return self.root / RUNS_DIR

    def run_dir(self, run_name: str) -> Path:
        return self.runs_dir / run_name

    def resolve(self, stored_path: str) -> Path:
        """A path as stored in the database (relative to the project, or absolute) made absolute."""
        p = Path(stored_path)
        return p if p.is_absolute() else self.root / p

    def relative(self, path: str | Path) -> str:
        """How a path is stored: relative to the project when inside it, else absolute."""
        p = Path(path).resolve()
        try:
            return p.relative_to(self.root).as_posix()
        except ValueError:
            return str(p)
