"""Reads for browsing a project's data (the Data and Label pages): which images hold a class,
how each category draws (name, keypoint names, skeleton), and the action clips of videos.

Nothing here writes; everything is a plain query on the project database.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from core.project import Project


@dataclass(frozen=True)
class CategoryStyle:
    id: int
    name: str
    keypoints: tuple[str, ...] = ()                        # keypoint names (COCO person_keypoints)
    skeleton: tuple[tuple[int, int], ...] = field(default=())  # 0-based keypoint index pairs


@dataclass(frozen=True)
class ClipRow:
    id: int
    video_id: int
    video_path: str        # as stored (relative to the project root, or absolute)
    video_name: str
    start_frame: int
    end_frame: int
    fps: float | None
    label: str | None      # the action's category name, None when the clip has no label


def _json_list(text: str | None) -> list:
    if not text:
        return []
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return []
    return value if isinstance(value, list) else []


def category_styles(project: Project) -> dict[int, CategoryStyle]:
    """Category id → how it draws. COCO skeletons are 1-based pairs; they come back 0-based,
    and pairs that point outside the keypoint list are dropped."""
    out: dict[int, CategoryStyle] = {}
    for cid, name, kps, skel in project.conn.execute(
            "SELECT id, name, keypoints, skeleton FROM categories ORDER BY id"):
        names = tuple(str(k) for k in _json_list(kps))
        pairs = []
        for pair in _json_list(skel):
            if (isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, int) for v in pair)
                    and all(1 <= v <= len(names) or not names for v in pair)):
                pairs.append((pair[0] - 1, pair[1] - 1))
        out[cid] = CategoryStyle(cid, name, names, tuple(pairs))
    return out


def image_ids_with_category(project: Project, category_id: int) -> set[int]:
    """Ids of the images that hold at least one annotation of `category_id`."""
    rows = project.conn.execute("SELECT DISTINCT image_id FROM annotations WHERE category_id = ?", (category_id,))
    return {r[0] for r in rows}


def images_per_category(project: Project, split: str | None = None) -> dict[int, int]:
    """Category id → number of images (of `split`, or all) holding that class (0 included)."""
    sql = ("SELECT a.category_id, COUNT(DISTINCT a.image_id) FROM annotations a "
           "LEFT JOIN splits s ON s.image_id = a.image_id")
    args: tuple = ()
    if split is not None:
        sql += " WHERE s.split = ?"
        args = (split,)
    counts = dict(project.conn.execute(sql + " GROUP BY a.category_id", args).fetchall())
    return {r[0]: int(counts.get(r[0], 0)) for r in project.conn.execute("SELECT id FROM categories ORDER BY id")}


def clips(project: Project) -> list[ClipRow]:
    """Every clip with its video and action label, by video then start frame."""
    rows = project.conn.execute(
        "SELECT c.id, v.id, v.path, COALESCE(v.file_name, v.path), c.start_frame, c.end_frame, v.fps, k.name "
        "FROM clips c JOIN videos v ON v.id = c.video_id LEFT JOIN categories k ON k.id = c.category_id "
        "ORDER BY v.id, c.start_frame, c.id").fetchall()
    return [ClipRow(*r) for r in rows]


def video_count(project: Project) -> int:
    return project.conn.execute("SELECT COUNT(*) FROM videos").fetchone()[0]
