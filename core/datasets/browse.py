"""Reads for browsing a project's data (the Data and Label pages): which images hold a class,
how each category draws (name, keypoint names, skeleton), and the action clips of videos.

Nothing here writes; everything is a plain query on the project database.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field

from core.project import Project
from core.project.keypoint_schema import schema_of


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


def category_styles(project: Project) -> dict[int, CategoryStyle]:
    """Category id → how it draws. COCO skeletons are 1-based pairs; they come back 0-based,
    and pairs that point outside the keypoint list are dropped (`core.project.keypoint_schema`)."""
    out: dict[int, CategoryStyle] = {}
    for cid, name, kps, skel in project.conn.execute(
            "SELECT id, name, keypoints, skeleton FROM categories ORDER BY id"):
        schema = schema_of(kps, skel)
        out[cid] = CategoryStyle(cid, name, schema.names, schema.limbs)
    return out


def image_ids_with_category(project: Project, category_id: int) -> set[int]:
    """Ids of the images that hold at least one annotation of `category_id`."""
    rows = project.conn.execute("SELECT DISTINCT image_id FROM annotations WHERE category_id = ?", (category_id,))
    return {r[0] for r in rows}


def images_per_category(project: Project, split: str | None = None) -> dict[int, int]:
    """Category id → number of images (of `split`, or all) holding that class (0 included)."""
    sql = ("SELECT a.category_id, COUNT(DISTINCT a.image_id) FROM annotations a "
           "LEFT JOIN sample_splits s ON s.unit = 'image' AND s.sample_id = a.image_id")
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


def image_positions(project: Project, split: str | None = None) -> list[tuple[int, str | None]]:
    """(image id, split) of every image in id order; `split` "unassigned" keeps images without one."""
    sql = "SELECT i.id, s.split FROM images i LEFT JOIN sample_splits s ON s.unit = 'image' AND s.sample_id = i.id"
    args: tuple = ()
    if split == "unassigned":
        sql += " WHERE s.split IS NULL"
    elif split is not None:
        sql += " WHERE s.split = ?"
        args = (split,)
    return project.conn.execute(sql + " ORDER BY i.id", args).fetchall()


@dataclass
class BrowseSnapshot:
    """Everything the Data page shows about an image project, read in one go (off the GUI thread).

    Rows are plain tuples ``(id, file_name, absolute path, split, width, height)``: a 20,000-image
    project makes 20,000 small tuples, not 20,000 objects for the garbage collector to scan."""

    stats: dict
    styles: dict[int, CategoryStyle]
    rows: list[tuple]
    images_per_class: dict[int, int]
    ids_by_class: dict[int, set[int]]


def browse_snapshot(project: Project) -> BrowseSnapshot:
    """Read in SQL and C-level calls, so a background thread running this rarely holds the GIL
    (a Python loop over 100,000 annotations would keep the GUI thread waiting for it)."""
    from core.datasets.stats import dataset_stats

    rows = project.conn.execute(
        "SELECT i.id, i.file_name, CASE WHEN i.path LIKE '/%' OR i.path LIKE '\\%' OR substr(i.path, 2, 1) = ':' "
        "THEN i.path ELSE ? || '/' || i.path END, s.split, i.width, i.height "
        "FROM images i LEFT JOIN sample_splits s ON s.unit = 'image' AND s.sample_id = i.id ORDER BY i.id", (str(project.root),)).fetchall()
    styles = category_styles(project)
    first = operator.itemgetter(0)
    ids_by_class = {cid: set(map(first, project.conn.execute(
        "SELECT DISTINCT image_id FROM annotations WHERE category_id = ?", (cid,)).fetchall())) for cid in styles}
    return BrowseSnapshot(dataset_stats(project), styles, rows,
                          {cid: len(ids) for cid, ids in ids_by_class.items()}, ids_by_class)
