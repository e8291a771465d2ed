"""Versioned schema of project.db: PRAGMA user_version plus an ordered list of migrations.

Migration N takes a database at version N-1 to version N. Never edit a released migration:
append a new one. Opening a database newer than `SCHEMA_VERSION` is refused.
"""
from __future__ import annotations

import sqlite3
from typing import Callable

import sqlite_utils


def _v1_initial(db: sqlite_utils.Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["categories"].create(
        {"id": int, "name": str, "source_id": int, "supercategory": str, "keypoints": str, "skeleton": str},
        pk="id", not_null={"name"})
    db["categories"].create_index(["name"], unique=True)
    db["images"].create(
        {"id": int, "file_name": str, "path": str, "width": int, "height": int, "source_id": int,
         "source_file": str, "sha256": str, "added_at": str},
        pk="id", not_null={"file_name", "path", "width", "height"})
    db["images"].create_index(["path"], unique=True)
    db["annotations"].create(
        {"id": int, "image_id": int, "category_id": int, "x": float, "y": float, "w": float, "h": float,
         "area": float, "iscrowd": int, "seg_kind": str, "segmentation": str, "keypoints": str,
         "num_keypoints": int, "score": float, "source": str, "source_id": int},
        pk="id", not_null={"image_id", "category_id", "x", "y", "w", "h"},
        foreign_keys=[("image_id", "images", "id"), ("category_id", "categories", "id")])
    db["annotations"].create_index(["image_id"])
    db["splits"].create({"image_id": int, "split": str}, pk="image_id", not_null={"split"},
                        foreign_keys=[("image_id", "images", "id")])
    db["splits"].create_index(["split"])
    db["runs"].create(
        {"id": int, "name": str, "task": str, "kind": str, "status": str, "spec": str, "parent_run": str,
         "created_at": str, "started_at": str, "ended_at": str, "message": str, "step": int, "total_steps": int},
        pk="id", not_null={"name", "task", "kind", "status"})
    db["runs"].create_index(["name"], unique=True)
    db["artifacts"].create(
        {"id": int, "run_id": int, "kind": str, "path": str, "format": str, "precision": str,
         "size_bytes": int, "sha256": str, "device": str, "meta": str, "created_at": str},
        pk="id", not_null={"run_id", "kind", "path"}, foreign_keys=[("run_id", "runs", "id")])
    db["metrics"].create(
        {"id": int, "run_id": int, "artifact_id": int, "name": str, "value": float, "step": int,
         "split": str, "created_at": str},
        pk="id", not_null={"run_id", "name", "value"},
        foreign_keys=[("run_id", "runs", "id"), ("artifact_id", "artifacts", "id")])
    db["metrics"].create_index(["run_id", "name"])


def _v2_media_jobs_imports(db: sqlite_utils.Database) -> None:
    """Videos and action clips, a job log for every worker process, and an import history."""
    db["videos"].create(
        {"id": int, "file_name": str, "path": str, "width": int, "height": int, "fps": float,
         "num_frames": int, "added_at": str},
        pk="id", not_null={"path"})
    db["videos"].create_index(["path"], unique=True)
    db["clips"].create(
        {"id": int, "video_id": int, "start_frame": int, "end_frame": int, "category_id": int, "source": str},
        pk="id", not_null={"video_id", "start_frame", "end_frame"},
        foreign_keys=[("video_id", "videos", "id"), ("category_id", "categories", "id")])
    db["jobs"].create(
        {"id": int, "run_id": int, "verb": str, "status": str, "pid": int, "args": str, "events_path": str,
         "log_path": str, "progress": float, "message": str, "started_at": str, "ended_at": str},
        pk="id", not_null={"verb", "status"}, foreign_keys=[("run_id", "runs", "id")])
    db["imports"].create(
        {"id": int, "format": str, "source": str, "images": int, "annotations": int, "report": str,
         "created_at": str},
        pk="id", not_null={"format"})
    db["images"].add_column("import_id", int)
    db["annotations"].add_column("import_id", int)


def _v3_sample_splits(db: sqlite_utils.Database) -> None:
    """Splits per sample unit instead of per image: (unit, sample_id) -> split, where unit is
    "image" (image and crop families: crops of one image share its split) or "clip". Every
    image split is carried over unchanged."""
    db["sample_splits"].create({"unit": str, "sample_id": int, "split": str}, pk=("unit", "sample_id"),
                               not_null={"unit", "sample_id", "split"})
    db["sample_splits"].create_index(["unit", "split"])
    db.execute("INSERT INTO sample_splits (unit, sample_id, split) SELECT 'image', image_id, split FROM splits")
    db["splits"].drop()


def _v4_video_hashes(db: sqlite_utils.Database) -> None:
    """The content hash of each video (of a frame folder: of its frames), so byte-identical videos
    are imported once, as identical images are. Existing videos keep NULL until hashed."""
    db["videos"].add_column("sha256", str)
    db["videos"].create_index(["sha256"])


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _v1_initial,
    _v2_media_jobs_imports,
    _v3_sample_splits,
    _v4_video_hashes,
]
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def apply_migrations(conn: sqlite3.Connection, upto: int = SCHEMA_VERSION) -> list[int]:
    """Bring the database to version `upto`, one transaction per migration. Returns what ran."""
    ran = []
    db = sqlite_utils.Database(conn)
    for version in range(user_version(conn) + 1, upto + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version - 1](db)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        ran.append(version)
    return ran
