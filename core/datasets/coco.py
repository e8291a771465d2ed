"""COCO instances (and person_keypoints) JSON: plan an import, export a project.

Import (`plan_coco_import`): image `file_name`s are resolved against `images_dir` (default: the
JSON's folder); absolute file_names are used as they are. Category ids may have gaps or start
at 0: each keeps its id as `source_id` and the project gives it its own id (contiguous training
ids come from `core.datasets.plan.training_label_map`). Polygons, RLE with a counts list or a
compressed string, `iscrowd` and keypoints are kept, and so is an annotation's ``attributes``
object (CVAT's convention; stored as the annotation's `extra`); keys Studio does not know are
ignored. Every problem becomes a report item (see `core.datasets.report` for the actions).
Categories that are not classes: one named ``__ignore__`` or ``DontCare`` holds ignore regions
of every class (its annotations become class-less crowd regions; it is how the export writes
them), and a background-named one (``_background_``, which labelme2coco writes as id 0) with no
annotations is reported and not created. A class map (`core.datasets.class_map`) renames,
merges or drops the rest. Keypoints and their
categories' schemas are checked by `core.datasets.keypoint_checks`.

Export (`export_coco`): by default each `file_name` is the name the image came with (the
images table keeps it as its source named it, e.g. ``JPEGImages/2011_000003.jpg``), so the file
re-imports elsewhere with the original images folder (``--images`` of the first import). Two
images of the export that came with the same name (from different imports) cannot both keep it:
the export is refused with a sentence pointing to `with_images`. With ``with_images=DIR`` the
images are copied into DIR (as CVAT's export does) and `file_name` is their path there: the
source name, made relative and safe, with ``_1``, ``_2``... added to a name an earlier image
took (`core.datasets.plan.unique_media_path`, the rule the importer uses for the project's
media). With ``images_root=ROOT`` the names are the stored files' paths relative to ROOT. The
JSON is written last and atomically; copied images go through a staging folder, so a failure
leaves DIR as it was (the naming rules are `core.datasets.export_names`'). Category and image
ids are the source ids when those are present and unique, else project ids; class-less ignore
regions go under an added ``__ignore__`` category with iscrowd 1; ``info["studio"]`` records how
the names were made.
"""
from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

from core.datasets import masks
from core.datasets.keypoint_checks import category_schema, check_keypoints, describe, same_names
from core.datasets.masks import SegmentationError
from core.datasets.export_names import export_names
from core.datasets.class_map import apply_class_map, is_ignore_name, parse_class_map
from core.datasets.plan import ImportPlan, PlannedCategory, PlannedImage, remove_categories
from core.datasets.report import ImportReport
from core.datasets.sources import (ImageProblem, clip_box, fmt_box, image_sha256, parse_box, probe_image,
                                   read_json)
from core.errors import DataError
from core.fsutil import atomic_write_text
from core.jobs.reporter import NullReporter, Reporter
from core.project import Project, utcnow
from core.project import catalog


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


# ------------------------------------------------------------------------------ import

def plan_coco_import(annotations_file: str | Path, images_dir: str | Path | None = None,
                     class_map: str | None = None, unmapped: str | None = None,
                     reporter: Reporter | None = None) -> ImportPlan:
    """Read a COCO file and check every image and annotation; nothing is written."""
    reporter = reporter or NullReporter()
    mapping = parse_class_map(class_map, unmapped)
    path = Path(annotations_file).expanduser().resolve()
    root = Path(images_dir).expanduser().resolve() if images_dir else path.parent
    if images_dir and not root.is_dir():
        raise DataError(f"The images folder {root} does not exist.")
    doc = read_json(path)
    if not isinstance(doc, dict):
        raise DataError(f"{path.name} is not a COCO file: it holds a {type(doc).__name__}, not an object.")
    for key in ("images", "annotations", "categories"):
        if not isinstance(doc.get(key), list):
            raise DataError(f"{path.name} is not a COCO instances file: it has no {key!r} list.")
    plan = ImportPlan(format="coco", source=str(path), report=ImportReport(source=path.name))
    cat_index = _plan_categories(doc["categories"], plan)
    img_index, problems = _plan_images(doc["images"], root, plan, reporter)
    _plan_annotations(doc["annotations"], cat_index, img_index, problems, plan)
    per_image = Counter(a.get("image_id") for a in doc["annotations"] if isinstance(a, dict)
                        and _is_int(a.get("image_id")))
    for entry_id, (what, reason) in problems.items():
        n = per_image[entry_id]
        tail = f"; its {n} annotation(s) are skipped too" if n else ""
        plan.report.skipped(what, f"Skipped because {reason}{tail}.")
    _ignore_categories(plan)
    _background_categories(plan)
    apply_class_map(plan, mapping)
    if not plan.images:
        why = "it lists no images" if not doc["images"] else f"none of its {len(doc['images'])} images can be used"
        plan.report.rejected("images", f"Nothing to import: {why}.")
    return plan


def is_background_name(name: str) -> bool:
    """`_background_` (labelme2coco writes it as category 0), `__background__`, `background`..."""
    return name.strip("_ ").lower() == "background"


def _ignore_categories(plan: ImportPlan) -> None:
    """A category named `__ignore__` or `DontCare` (how Studio exports class-less ignore regions) is
    not a class: its annotations become ignore regions of every class."""
    marks = {i for i, c in enumerate(plan.categories) if is_ignore_name(c.name)}
    for a in plan.annotations:
        if a.category_id in marks:
            a.category_id, a.iscrowd = None, 1
    remove_categories(plan, marks)


def _background_categories(plan: ImportPlan) -> None:
    """A background-named category with no annotations is not a class to train: a detector has its own
    background. Reported and not created (one with annotations is a real class and stays)."""
    used = {a.category_id for a in plan.annotations}
    drop = {i for i, c in enumerate(plan.categories) if is_background_name(c.name) and i not in used}
    for i in sorted(drop):
        c = plan.categories[i]
        plan.report.skipped(f"category {c.source_id} ({c.name})" if c.source_id is not None else f"category {c.name}",
                            f"Skipped because {c.name!r} names the background and no annotation uses it (labelme2coco "
                            "writes it as category 0); it is not a class to train, detectors add their own "
                            "background.")
    remove_categories(plan, drop)


def _plan_categories(entries: list, plan: ImportPlan) -> dict[int, int]:
    """Source category id → index in plan.categories."""
    by_id: dict[int, int] = {}
    by_name: dict[str, int] = {}
    for n, c in enumerate(entries):
        if not isinstance(c, dict) or not _is_int(c.get("id")) or not isinstance(c.get("name"), str) \
                or not c["name"].strip():
            plan.report.skipped(f"category entry {n + 1}", "Skipped because it has no whole-number id or no name.")
            continue
        cid, name = c["id"], c["name"].strip()
        if cid in by_id:
            first = plan.categories[by_id[cid]].name
            if first == name:
                plan.report.skipped(f"category {cid}", f"Skipped because category {cid} ({name!r}) is listed twice.")
            else:
                plan.report.rejected(f"category {cid}", f"Category id {cid} is used for both {first!r} and {name!r}, "
                                     "so its annotations cannot be assigned; fix the file and import again.")
            continue
        names, skeleton = category_schema(c, f"category {cid}", plan.report)
        if name in by_name:
            idx = by_name[name]
            first = plan.categories[idx]
            if not same_names(first.keypoints, names):
                plan.report.rejected(f"category {cid}", (
                    f"Category {name!r} appears with ids {first.source_id} ({describe(first.keypoints)}) and {cid} "
                    f"({describe(names)}); they cannot be merged into one category. Give one of them another name "
                    "and import again."))
                continue
            plan.report.repaired(f"category {cid}", f"Category {name!r} appears with ids "
                                 f"{first.source_id} and {cid}; both ids were merged into one category.")
            by_id[cid] = idx
            continue
        plan.categories.append(PlannedCategory(name, cid, c.get("supercategory") if isinstance(
            c.get("supercategory"), str) else None, keypoints=names, skeleton=skeleton))
        by_id[cid] = by_name[name] = len(plan.categories) - 1
    return by_id


def _plan_images(entries: list, root: Path, plan: ImportPlan, reporter: Reporter):
    """Source image id → index in plan.images; and {source id: (what, reason)} of skipped images."""
    index: dict[int, int] = {}
    problems: dict[int, tuple[str, str]] = {}
    for n, e in enumerate(entries):
        reporter.progress(n + 1, len(entries), stage="check images")
        if not isinstance(e, dict) or not _is_int(e.get("id")) or not isinstance(e.get("file_name"), str) \
                or not e["file_name"]:
            plan.report.skipped(f"image entry {n + 1}", "Skipped because it has no whole-number id or no file_name.")
            continue
        iid, name = e["id"], e["file_name"]
        what = f"image {iid} ({name})"
        if iid in index or iid in problems:
            plan.report.skipped(what, f"Skipped because image id {iid} is listed more than once; the first entry "
                                "is kept and the annotations of that id go to it.")
            continue
        file = root / name
        try:
            width, height = probe_image(file)
            sha = image_sha256(file)
        except ImageProblem as exc:
            problems[iid] = (what, str(exc))
            continue
        jw, jh = e.get("width"), e.get("height")
        if (_is_int(jw) and _is_int(jh)) and (jw, jh) != (width, height):
            plan.report.repaired(what, f"The JSON says {jw}x{jh} but the file is {width}x{height}; "
                                 "the file's size is used.")
        plan.images.append(PlannedImage(name, file, width, height, iid, sha, what=what))
        index[iid] = len(plan.images) - 1
    return index, problems


def _plan_annotations(entries: list, cat_index: dict[int, int], img_index: dict[int, int],
                      problems: dict, plan: ImportPlan) -> None:
    seen: dict[int, dict] = {}   # annotation id → its first entry
    report = plan.report
    for n, a in enumerate(entries):
        if not isinstance(a, dict):
            report.skipped(f"annotation entry {n + 1}", "Skipped because it is not an object.")
            continue
        aid = a.get("id") if _is_int(a.get("id")) else None
        what = f"annotation {aid}" if aid is not None else f"annotation entry {n + 1}"
        iid, cid = a.get("image_id"), a.get("category_id")
        if _is_int(iid) and iid in problems:
            continue  # counted in the image's own report item
        if not _is_int(iid) or iid not in img_index:
            report.skipped(what, f"Skipped because its image id {iid!r} is not in the file.")
            continue
        if not _is_int(cid) or cid not in cat_index:
            report.skipped(what, f"Skipped because its category id {cid!r} is not among the "
                           "categories.")
            continue
        if aid is not None and aid in seen:
            if seen[aid] == a:
                report.skipped(what, f"Skipped because annotation {aid} is listed twice.")
                continue
            report.repaired(what, f"Annotation id {aid} is used by two different annotations; both are kept.")
        elif aid is not None:
            seen[aid] = a
        im = plan.images[img_index[iid]]
        ann = _annotation(a, im.width, im.height, what, report, plan.categories[cat_index[cid]])
        if ann is not None:
            ann.image_id, ann.category_id, ann.source_id = img_index[iid], cat_index[cid], aid
            plan.annotations.append(ann)


def _annotation(a: dict, w: int, h: int, what: str, report: ImportReport,
                category: PlannedCategory) -> catalog.Annotation | None:
    try:
        seg = masks.normalize_segmentation(a.get("segmentation"), h, w)
    except SegmentationError as exc:
        report.skipped(what, f"Skipped because {exc}.")
        return None
    for note in seg.notes:
        report.repaired(what, note[0].upper() + note[1:])
    box = parse_box(a.get("bbox"))
    if seg.kind is not None and (box is None or box[2] <= 0 or box[3] <= 0):
        box = masks.segmentation_bbox(seg.kind, seg.segmentation, h, w)
        report.repaired(what, f"Its box was missing or empty; it was computed from the segmentation: {fmt_box(box)}.")
    if box is None:
        report.skipped(what, "Skipped because it has neither a valid bbox nor a segmentation.")
        return None
    clipped = clip_box(box, w, h)
    if clipped[2] <= 0 or clipped[3] <= 0:
        where = "has zero area" if box[2] <= 0 or box[3] <= 0 else f"lies outside the {w}x{h} image"
        report.skipped(what, f"Skipped because its box {fmt_box(box)} {where}.")
        return None
    if any(abs(u - v) > 1e-6 for u, v in zip(box, clipped)):
        report.repaired(what, f"Its box {fmt_box(box)} reaches outside the {w}x{h} image; clipped to {fmt_box(clipped)}.")
    area = a.get("area")
    if seg.kind is not None and masks.segmentation_area(seg.kind, seg.segmentation, h, w) <= 0:
        report.skipped(what, "Skipped because its mask covers no pixel of the image.")
        return None
    if not (isinstance(area, (int, float)) and not isinstance(area, bool) and math.isfinite(area) and area > 0):
        area = masks.segmentation_area(seg.kind, seg.segmentation, h, w, clipped)
        report.repaired(what, f"Its area was missing or invalid; recomputed as {area:g}.")
    keep, kps = check_keypoints(a.get("keypoints"), category.keypoints, category.name, a.get("num_keypoints"),
                                w, h, what, report)
    if not keep:
        return None
    attributes = a.get("attributes")
    if attributes is not None and not isinstance(attributes, dict):
        report.repaired(what, "Its 'attributes' are not an object (name: value); they were left out.")
        attributes = None
    return catalog.Annotation(id=None, image_id=-1, category_id=-1, bbox=clipped, area=float(area),
                              iscrowd=1 if a.get("iscrowd") else 0, seg_kind=seg.kind,
                              segmentation=seg.segmentation, keypoints=kps, source="coco",
                              extra=dict(attributes or {}))


# ------------------------------------------------------------------------------ export

IGNORE_CATEGORY = "__ignore__"   # the category class-less ignore regions are exported under (labelme's name)


def _unique_or_none(values: list) -> bool:
    return all(v is not None for v in values) and len(set(values)) == len(values)


def export_coco(project: Project, out_json: str | Path, split: str | None = None,
                images_root: str | Path | None = None, with_images: str | Path | None = None) -> dict[str, Any]:
    """Write the project's images (of `split`, or all) as COCO JSON, atomically (see the module
    docstring for the file names). Returns a summary; its "names" says in a sentence what the
    file_names are relative to and how to re-import the file."""
    if split is not None and split not in catalog.SPLITS:
        raise DataError(f"Unknown split {split!r}; choose one of: {', '.join(catalog.SPLITS)}.")
    out = Path(out_json).expanduser().resolve()
    imgs = catalog.images(project, split)
    if split is not None and not imgs:
        raise DataError(f"The {split!r} split has no images; run `studio data split` first.")
    names = export_names(project, imgs, images_root, with_images)
    doc = _coco_doc(project, imgs, names.names)
    doc["info"]["studio"] = {"file_names": names.mode, "images_root": str(names.root) if names.root else None,
                             "split": split}
    summary = {"path": str(out), "images": len(doc["images"]), "annotations": len(doc["annotations"]),
               "categories": len(doc["categories"]), "split": split, "file_names": names.mode,
               "images_root": str(names.root) if names.root else None}
    summary.update(names.finish("file_names"))
    atomic_write_text(out, json.dumps(doc))
    return summary


def _coco_doc(project: Project, imgs: list, names: dict[int, str]) -> dict[str, Any]:
    cats = catalog.categories(project)
    cat_src = _unique_or_none([c.source_id for c in cats])
    img_src = _unique_or_none([i.source_id for i in imgs])
    cat_out = {c.id: (c.source_id if cat_src else c.id) for c in cats}
    extra = {r[0]: r[1:] for r in project.conn.execute("SELECT id, keypoints, skeleton FROM categories")}
    categories = []
    for c in cats:
        entry: dict[str, Any] = {"id": cat_out[c.id], "name": c.name, "supercategory": c.supercategory or ""}
        kps, skeleton = extra[c.id]
        if kps:
            entry["keypoints"] = json.loads(kps)
            entry["skeleton"] = json.loads(skeleton) if skeleton else []
        categories.append(entry)
    images, annotations = [], []
    by_image = catalog.annotations(project, [i.id for i in imgs])
    for im in imgs:
        iid = im.source_id if img_src else im.id
        images.append({"id": iid, "file_name": names[im.id], "width": im.width, "height": im.height})
        for a in by_image.get(im.id, []):
            if a.category_id is None and None not in cat_out:   # class-less ignore regions: one category
                cat_out[None] = max([0, *(v for v in cat_out.values() if v is not None)]) + 1
                categories.append({"id": cat_out[None], "name": IGNORE_CATEGORY, "supercategory": ""})
            entry = {"id": a.id, "image_id": iid, "category_id": cat_out[a.category_id],
                     "bbox": [float(v) for v in a.bbox], "area": a.area, "iscrowd": a.iscrowd,
                     "segmentation": a.segmentation if a.segmentation is not None else []}
            if a.keypoints:
                entry["keypoints"] = a.keypoints
                entry["num_keypoints"] = sum(1 for v in a.keypoints[2::3] if v > 0)
            if a.extra:
                entry["attributes"] = a.extra
            annotations.append(entry)
    return {"info": {"description": f"Exported by Studio from project {project.name!r}", "date_created": utcnow()},
            "licenses": [], "images": images, "annotations": annotations, "categories": categories}
