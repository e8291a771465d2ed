"""COCO instances (and person_keypoints) JSON: plan an import, export a project.

Import (`plan_coco_import`): image `file_name`s are resolved against `images_dir` (default: the
JSON's folder); absolute file_names are used as they are. Category ids may have gaps or start
at 0: each keeps its id as `source_id` and the project gives it its own id (contiguous training
ids come from `core.datasets.plan.training_label_map`). Polygons, RLE with a counts list or a
compressed string, `iscrowd` and keypoints are kept; keys Studio does not know are ignored.
Every problem becomes a report item (see `core.datasets.report` for the actions); keypoints and
their categories' schemas are checked by `core.datasets.keypoint_checks`.

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
leaves DIR as it was. Category and image ids are the source ids when those are present and
unique, else project ids; ``info["studio"]`` records how the names were made.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from core.datasets import masks
from core.datasets.keypoint_checks import category_schema, check_keypoints, describe, same_names
from core.datasets.masks import SegmentationError
from core.datasets.plan import ImportPlan, PlannedCategory, PlannedImage, unique_media_path
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
                     reporter: Reporter | None = None) -> ImportPlan:
    """Read a COCO file and check every image and annotation; nothing is written."""
    reporter = reporter or NullReporter()
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
    if not plan.images:
        why = "it lists no images" if not doc["images"] else f"none of its {len(doc['images'])} images can be used"
        plan.report.rejected("images", f"Nothing to import: {why}.")
    return plan


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
    return catalog.Annotation(id=None, image_id=-1, category_id=-1, bbox=clipped, area=float(area),
                              iscrowd=1 if a.get("iscrowd") else 0, seg_kind=seg.kind,
                              segmentation=seg.segmentation, keypoints=kps, source="coco")


# ------------------------------------------------------------------------------ export

def _unique_or_none(values: list) -> bool:
    return all(v is not None for v in values) and len(set(values)) == len(values)


def export_coco(project: Project, out_json: str | Path, split: str | None = None,
                images_root: str | Path | None = None, with_images: str | Path | None = None) -> dict[str, Any]:
    """Write the project's images (of `split`, or all) as COCO JSON, atomically (see the module
    docstring for the file names). Returns a summary; its "names" says in a sentence what the
    file_names are relative to and how to re-import the file."""
    if split is not None and split not in catalog.SPLITS:
        raise DataError(f"Unknown split {split!r}; choose one of: {', '.join(catalog.SPLITS)}.")
    if images_root is not None and with_images is not None:
        raise DataError("Choose either the images root or a folder to copy the images into, not both.")
    out = Path(out_json).expanduser().resolve()
    imgs = catalog.images(project, split)
    if split is not None and not imgs:
        raise DataError(f"The {split!r} split has no images; run `studio data split` first.")
    sources = {r[0]: (r[1], r[2]) for r in project.conn.execute("SELECT id, source_file, import_id FROM images")}
    stored = {im.id: project.resolve(im.path) for im in imgs}
    if with_images is not None:
        folder = Path(with_images).expanduser().resolve()
        names = _copy_names(imgs)
        mode, root = "copied", folder
    elif images_root is not None:
        root = Path(images_root).expanduser().resolve()
        names = {im.id: _file_name(stored[im.id], root) for im in imgs}
        mode = "images_root"
    else:
        names = _source_names(imgs, sources)
        mode, root = "source", None
    doc = _coco_doc(project, imgs, names)
    doc["info"]["studio"] = {"file_names": mode, "images_root": str(root) if root else None, "split": split}
    summary = {"path": str(out), "images": len(doc["images"]), "annotations": len(doc["annotations"]),
               "categories": len(doc["categories"]), "split": split, "file_names": mode,
               "images_root": str(root) if root else None}
    if mode == "copied":
        _copy_images(folder, {names[i]: stored[i] for i in names})
        summary["names"] = (f"The {len(names)} image(s) were copied into {folder} and the file_names are relative to "
                            f"it (re-import with --images {folder}).")
    elif mode == "images_root":
        summary["names"] = f"The file_names are relative to {root} (re-import with --images {root})."
    else:
        summary["source_roots"] = roots = _source_roots(imgs, sources)
        summary["names"] = _source_names_sentence(roots)
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
            entry = {"id": a.id, "image_id": iid, "category_id": cat_out[a.category_id],
                     "bbox": [float(v) for v in a.bbox], "area": a.area, "iscrowd": a.iscrowd,
                     "segmentation": a.segmentation if a.segmentation is not None else []}
            if a.keypoints:
                entry["keypoints"] = a.keypoints
                entry["num_keypoints"] = sum(1 for v in a.keypoints[2::3] if v > 0)
            annotations.append(entry)
    return {"info": {"description": f"Exported by Studio from project {project.name!r}", "date_created": utcnow()},
            "licenses": [], "images": images, "annotations": annotations, "categories": categories}


def _source_names(imgs: list, sources: dict[int, tuple]) -> dict[int, str]:
    """Each image's file_name as its source named it; two images with one name are refused."""
    first: dict[str, Any] = {}
    for im in imgs:
        other = first.setdefault(im.file_name, im)
        if other is not im:
            a, b = sources[other.id][1], sources[im.id][1]
            where = f"imports {a} and {b}" if a != b else f"import {a}"
            raise DataError(f"Images {other.id} and {im.id} (from {where}) both came as {im.file_name!r}, so the "
                            "export cannot keep the names the data came with; export with --with-images DIR, which "
                            "copies the images and gives the second one its own name.")
    return {im.id: im.file_name for im in imgs}


def _copy_names(imgs: list) -> dict[int, str]:
    """Each image's path inside the folder it is copied into (see unique_media_path)."""
    used: set[str] = set()
    return {im.id: unique_media_path(im.file_name, used).as_posix() for im in imgs}


def _copy_images(folder: Path, files: dict[str, Path]) -> None:
    """Copy `files` (name in folder -> stored file) into `folder`: all into a staging folder first,
    then each moved into place; a failure removes the staging folder and leaves `folder` as it was."""
    staging = folder / f".studio-export-{uuid.uuid4().hex[:12]}"
    try:
        for name, src in files.items():
            dest = staging / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
        for name in files:
            final = folder / name
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, final)
    except OSError as exc:
        raise DataError(f"Could not copy the images into {folder}: {exc.strerror or exc}.") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _source_roots(imgs: list, sources: dict[int, tuple]) -> list[str]:
    """The folders the images' source names are relative to (what to pass as --images), as far
    as the stored source files tell; "" stands for images that have no file of their own there."""
    roots: dict[str, None] = {}
    for im in imgs:
        source = sources[im.id][0] or ""
        name = im.file_name.replace("\\", "/")
        if Path(name).is_absolute():
            continue
        source_posix = source.replace("\\", "/")
        if "#" not in source and source_posix.endswith("/" + name):
            roots[source[:len(source) - len(name) - 1]] = None
        else:
            roots[""] = None     # embedded in the source (labelme imageData): no file to point at
    return list(roots)


def _source_names_sentence(roots: list[str]) -> str:
    """How to re-import an export that keeps the source names, from the folders they came from."""
    present = [r for r in roots if r and Path(r).is_dir()]
    gone = [r for r in roots if r and not Path(r).is_dir()]
    text = "The file_names are the names the data came with"
    if len(present) == 1 and not gone and "" not in roots:
        return f"{text} (re-import with --images {present[0]})."
    if present:
        text += f" (relative to {present[0]})" if len(present) == 1 else \
            f", relative to {len(present)} different folders ({', '.join(present)})"
    if gone:
        text += f"; the folder(s) {', '.join(gone)} they came from no longer exist"
    if "" in roots:
        text += "; some images came embedded in their source files and have no file of their own"
    return text + "; export with --with-images DIR to put every image in one folder beside the export."


def _file_name(path: Path, root: Path) -> str:
    try:
        return Path(os.path.relpath(path.resolve(), root)).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        return path.resolve().as_posix()
