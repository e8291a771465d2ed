"""Categories, images, annotations and splits of a project: typed reads and the few writes.

Annotations keep COCO conventions: `bbox` is (x, y, w, h) in pixels of the original image;
a segmentation is either polygons (list of flat [x1, y1, x2, y2, ...] lists) or an RLE with
compressed string counts ({"size": [h, w], "counts": "..."}).

Ignore regions: an annotation with ``iscrowd`` 1 is not an object to find but a region where
nothing is counted — left out of training targets, and a detection inside it is neither a hit nor
a false positive (pycocotools' iscrowd rule). A COCO crowd region has a class and applies to that
class; one with `category_id` None (KITTI ``DontCare``, labelme ``__ignore__``) applies to every
class (`is_ignore_region`).

Attributes: `Annotation.extra` is a JSON object stored with the annotation (column ``extra``),
imported from a COCO annotation's ``"attributes"`` (CVAT's convention) and exported back there;
the synthetic hands keep each hand's gesture in it (``{"gesture": "two"}``).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from core.project.keypoint_schema import KeypointSchema, schema_of
from core.project.store import Project

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Category:
    id: int
    name: str
    source_id: int | None = None
    supercategory: str | None = None
    keypoints: KeypointSchema = KeypointSchema()     # keypoint names and skeleton (none for most families)


@dataclass(frozen=True)
class ImageRecord:
    id: int
    file_name: str
    path: str          # as stored: relative to the project root, or absolute when referenced
    width: int
    height: int
    source_id: int | None = None
    split: str | None = None


@dataclass
class Annotation:
    id: int | None
    image_id: int
    category_id: int | None                # None: an ignore region for every class (iscrowd 1)
    bbox: tuple[float, float, float, float]
    area: float = 0.0
    iscrowd: int = 0
    seg_kind: str | None = None            # "polygon", "rle" or None (box only)
    segmentation: Any = None               # polygons list, or RLE dict with str counts
    keypoints: list[float] | None = None
    source: str | None = None
    source_id: int | None = None
    extra: dict = field(default_factory=dict)   # attributes, e.g. {"gesture": "two"}


def is_ignore_region(ann: Annotation) -> bool:
    """True for a region where nothing is counted (a crowd region, of a class or of every class)."""
    return bool(ann.iscrowd)


def categories(project: Project) -> list[Category]:
    rows = project.conn.execute(
        "SELECT id, name, source_id, supercategory, keypoints, skeleton FROM categories ORDER BY id").fetchall()
    return [Category(*r[:4], keypoints=schema_of(r[4], r[5])) for r in rows]


def category_dict(c: Category) -> dict[str, Any]:
    """A category's stored form outside the database (checkpoints, sidecars): id, name, source id,
    and a keypoint schema as COCO writes it (names, 1-based skeleton pairs) when it has one."""
    entry: dict[str, Any] = {"id": c.id, "name": c.name, "source_id": c.source_id}
    if c.keypoints.names:
        entry["keypoints"] = list(c.keypoints.names)
        entry["skeleton"] = c.keypoints.coco_skeleton()
    return entry


def category_from_dict(item: dict[str, Any]) -> Category:
    """The category of `category_dict`'s form (an id and a name are required)."""
    return Category(id=item["id"], name=item["name"], source_id=item.get("source_id"),
                    supercategory=item.get("supercategory"),
                    keypoints=schema_of(item.get("keypoints"), item.get("skeleton")))


_IMAGE_SPLIT_JOIN = "LEFT JOIN sample_splits s ON s.unit = 'image' AND s.sample_id = i.id"


def images(project: Project, split: str | None = None) -> list[ImageRecord]:
    sql = f"SELECT i.id, i.file_name, i.path, i.width, i.height, i.source_id, s.split FROM images i {_IMAGE_SPLIT_JOIN}"
    args: tuple = ()
    if split is not None:
        sql += " WHERE s.split = ?"
        args = (split,)
    rows = project.conn.execute(sql + " ORDER BY i.id", args).fetchall()
    return [ImageRecord(*r) for r in rows]


def image(project: Project, image_id: int) -> ImageRecord | None:
    row = project.conn.execute(
        f"SELECT i.id, i.file_name, i.path, i.width, i.height, i.source_id, s.split FROM images i {_IMAGE_SPLIT_JOIN} "
        "WHERE i.id = ?", (image_id,)).fetchone()
    return ImageRecord(*row) if row else None


def _row_to_annotation(r: Sequence) -> Annotation:
    (aid, image_id, cat, x, y, w, h, area, iscrowd, seg_kind, seg, kps, source, source_id, extra) = r
    return Annotation(
        id=aid, image_id=image_id, category_id=cat, bbox=(x, y, w, h), area=area or 0.0,
        iscrowd=iscrowd or 0, seg_kind=seg_kind, segmentation=json.loads(seg) if seg else None,
        keypoints=json.loads(kps) if kps else None, source=source, source_id=source_id,
        extra=json.loads(extra) if extra else {})


_ANN_COLUMNS = ("id, image_id, category_id, x, y, w, h, area, iscrowd, seg_kind, segmentation, keypoints, "
                "source, source_id, extra")


def annotations(project: Project, image_ids: Iterable[int] | None = None) -> dict[int, list[Annotation]]:
    """Annotations grouped by image id (every requested image present, maybe with an empty list)."""
    out: dict[int, list[Annotation]] = defaultdict(list)
    if image_ids is None:
        rows = project.conn.execute(f"SELECT {_ANN_COLUMNS} FROM annotations ORDER BY id").fetchall()
    else:
        ids = list(image_ids)
        for i in ids:
            out[i] = []
        rows = []
        for start in range(0, len(ids), 900):  # SQLite's variable limit
            chunk = ids[start:start + 900]
            marks = ",".join("?" * len(chunk))
            rows += project.conn.execute(
                f"SELECT {_ANN_COLUMNS} FROM annotations WHERE image_id IN ({marks}) ORDER BY id", chunk).fetchall()
    for r in rows:
        ann = _row_to_annotation(r)
        out[ann.image_id].append(ann)
    return dict(out)


def annotation_row(ann: Annotation) -> dict[str, Any]:
    """The database row of an annotation (for inserts inside a transaction)."""
    x, y, w, h = ann.bbox
    row = {
        "image_id": ann.image_id, "category_id": ann.category_id, "x": float(x), "y": float(y),
        "w": float(w), "h": float(h), "area": float(ann.area), "iscrowd": int(ann.iscrowd),
        "seg_kind": ann.seg_kind,
        "segmentation": json.dumps(ann.segmentation, separators=(",", ":")) if ann.segmentation is not None else None,
        "keypoints": json.dumps(ann.keypoints) if ann.keypoints is not None else None,
        "num_keypoints": (sum(1 for v in ann.keypoints[2::3] if v > 0) if ann.keypoints else None),
        "source": ann.source, "source_id": ann.source_id,
        "extra": json.dumps(ann.extra, separators=(",", ":")) if ann.extra else None,
    }
    if ann.id is not None:
        row["id"] = ann.id
    return row


UNIT_TABLES = {"image": "images", "clip": "clips"}   # what a split assigns -> the table of those samples


def split_sizes(project: Project, unit: str = "image") -> dict[str, int]:
    """How many samples of `unit` ("image" or "clip") each split holds, and how many none."""
    table = UNIT_TABLES[unit]
    rows = project.conn.execute(
        f"SELECT s.split, COUNT(*) FROM sample_splits s JOIN {table} t ON t.id = s.sample_id WHERE s.unit = ? "
        "GROUP BY s.split", (unit,)).fetchall()
    sizes = {s: 0 for s in SPLITS}
    sizes.update({s: n for s, n in rows})
    total = project.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    sizes["unassigned"] = total - sum(n for s, n in rows)
    return sizes


def set_splits(project: Project, assignment: dict[int, str], unit: str = "image") -> None:
    """Replace the split of every sample of `unit` in `assignment` (one transaction)."""
    if unit not in UNIT_TABLES:
        raise ValueError(f"unknown split unit {unit!r}")
    with project.transaction() as db:
        db["sample_splits"].upsert_all(({"unit": unit, "sample_id": i, "split": s} for i, s in assignment.items()),
                                       pk=("unit", "sample_id"))


def has_split(project: Project, split: str, unit: str = "image") -> bool:
    return bool(project.conn.execute("SELECT 1 FROM sample_splits WHERE unit = ? AND split = ? LIMIT 1",
                                     (unit, split)).fetchone())


def class_counts(project: Project) -> dict[str, Counter]:
    """Per-category annotation counts, overall and per split: {"all": Counter, "train": ...}."""
    rows = project.conn.execute(
        "SELECT c.name, COALESCE(s.split, 'unassigned'), COUNT(a.id) FROM annotations a "
        "JOIN categories c ON c.id = a.category_id LEFT JOIN sample_splits s ON s.unit = 'image' AND s.sample_id = a.image_id "
        "GROUP BY c.name, s.split").fetchall()
    out: dict[str, Counter] = defaultdict(Counter)
    for name in (c.name for c in categories(project)):
        out["all"][name] += 0
    for name, split, n in rows:
        out["all"][name] += n
        out[split][name] += n
    return dict(out)
