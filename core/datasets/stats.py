"""Numbers about a project's data: images, annotations, classes, splits, kinds, imports."""
from __future__ import annotations

from typing import Any

from core.datasets.plan import training_label_map
from core.project import Project
from core.project import catalog


def dataset_stats(project: Project) -> dict[str, Any]:
    """A JSON-ready dict::

        {"images", "annotations", "categories": [{"id", "name", "source_id", "training_id"}],
         "per_class": {"all": {name: n}, "train": {...}, "val": ..., "test": ..., "unassigned": ...},
         "splits": {"train", "val", "test", "unassigned"}, "split_annotations": {split: n},
         "kinds": {"polygon", "rle", "box"}, "crowd", "images_without_annotations",
         "keypoint_annotations" (with at least one labeled keypoint), "labeled_keypoints" (v > 0), "imports",
         "videos", "clips", "clip_splits": {split: n}, "clip_classes": {name: {"all": n, split: n}}}
    """
    conn = project.conn
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    labels = training_label_map(project)
    cats = catalog.categories(project)
    counts = catalog.class_counts(project)
    per_class = {}
    for split in ("all",) + catalog.SPLITS + ("unassigned",):
        c = counts.get(split, {})
        per_class[split] = {cat.name: int(c.get(cat.name, 0)) for cat in cats}
    kinds = dict(conn.execute("SELECT COALESCE(seg_kind, 'box'), COUNT(*) FROM annotations GROUP BY 1").fetchall())
    splits = catalog.split_sizes(project)
    return {
        "images": one("SELECT COUNT(*) FROM images"),
        "annotations": one("SELECT COUNT(*) FROM annotations"),
        "categories": [{"id": c.id, "name": c.name, "source_id": c.source_id, "training_id": labels[c.id]}
                       for c in cats],
        "per_class": per_class,
        "splits": splits,
        "split_annotations": {s: sum(per_class[s].values()) for s in catalog.SPLITS + ("unassigned",)},
        "kinds": {k: int(kinds.get(k, 0)) for k in ("polygon", "rle", "box")},
        "crowd": one("SELECT COUNT(*) FROM annotations WHERE iscrowd = 1"),
        # an annotation has keypoints when at least one is labeled (v > 0): all-zero keypoints count as none
        "keypoint_annotations": one("SELECT COUNT(*) FROM annotations WHERE num_keypoints > 0"),
        "labeled_keypoints": one("SELECT COALESCE(SUM(num_keypoints), 0) FROM annotations"),
        "images_without_annotations": one(
            "SELECT COUNT(*) FROM images i WHERE NOT EXISTS (SELECT 1 FROM annotations a WHERE a.image_id = i.id)"),
        "imports": one("SELECT COUNT(*) FROM imports"),
        "videos": one("SELECT COUNT(*) FROM videos"),
        "clips": one("SELECT COUNT(*) FROM clips"),
        "clip_splits": catalog.split_sizes(project, "clip"),
        "clip_classes": _clip_classes(project, cats),
    }


def _clip_classes(project: Project, cats) -> dict[str, dict[str, int]]:
    """Clips per action class, overall and per split."""
    out = {c.name: {"all": 0, **{s: 0 for s in catalog.SPLITS}, "unassigned": 0} for c in cats}
    rows = project.conn.execute(
        "SELECT k.name, COALESCE(s.split, 'unassigned'), COUNT(*) FROM clips c JOIN categories k ON k.id = c.category_id "
        "LEFT JOIN sample_splits s ON s.unit = 'clip' AND s.sample_id = c.id GROUP BY k.name, s.split").fetchall()
    for name, split, n in rows:
        out[name]["all"] += n
        out[name][split] += n
    return {name: counts for name, counts in out.items() if counts["all"]}


def format_stats(stats: dict[str, Any]) -> str:
    """The stats as a small table for a terminal."""
    lines = [f"images: {stats['images']}   annotations: {stats['annotations']}   "
             f"(polygon {stats['kinds']['polygon']}, rle {stats['kinds']['rle']}, box only {stats['kinds']['box']}; "
             f"crowd {stats['crowd']})",
             f"images without annotations: {stats['images_without_annotations']}",
             *([f"keypoints: {stats['keypoint_annotations']} annotation(s) with labeled keypoints, "
                f"{stats['labeled_keypoints']} labeled keypoint(s) (visibility > 0)"] if stats.get("keypoint_annotations")
               else []),
             "splits: " + ", ".join(f"{k} {v}" for k, v in stats["splits"].items())]
    if stats.get("clips"):
        lines.append(f"videos: {stats['videos']}   clips: {stats['clips']}   clip splits: "
                     + ", ".join(f"{k} {v}" for k, v in stats["clip_splits"].items()))
    cols = ["all", *[s for s in ("train", "val", "test", "unassigned") if stats["splits"].get(s)]]
    if stats.get("clip_classes"):
        clip_cols = ["all", *[s for s in ("train", "val", "test", "unassigned") if stats["clip_splits"].get(s)]]
        width = max(len(n) for n in stats["clip_classes"]) + 2
        lines += ["", "action".ljust(width) + "".join(c.rjust(11) for c in clip_cols)]
        for name, counts in stats["clip_classes"].items():
            lines.append(name.ljust(width) + "".join(str(counts[c]).rjust(11) for c in clip_cols))
    if stats["categories"] and (stats["annotations"] or not stats.get("clips")):
        width = max(len(c["name"]) for c in stats["categories"]) + 2
        lines.append("")
        lines.append("class".ljust(width) + "".join(c.rjust(11) for c in cols))
        for c in stats["categories"]:
            lines.append(c["name"].ljust(width) + "".join(str(stats["per_class"][s][c["name"]]).rjust(11) for s in cols))
    return "\n".join(lines)
