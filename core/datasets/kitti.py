"""KITTI object labels: plan an import (boxes only), and export a project as KITTI labels.

Layout: an images folder and a labels folder; the labels of ``images/<rel>/<stem>.png`` are in
``labels/<rel>/<stem>.txt``, one object per line::

    type truncated occluded alpha x1 y1 x2 y2 h w l x y z ry [score]

Only ``type`` and the 2D box ``x1 y1 x2 y2`` (pixels, corners) are kept; the 3D fields and the
score of a 16-column line (KITTI results files) must be numbers but are not stored. Types become
categories (sorted by name, no source id), through the class map when one is given
(`core.datasets.class_map`: ``Car=vehicle,Van=vehicle``, ``*=hand``; unmapped classes kept or
dropped).

``DontCare`` lines mark regions left unlabeled: they become ignore regions (annotations with
``iscrowd`` 1 and no category, `core.project.catalog`), drawn hatched, left out of training
targets and of evaluation. They are not a class and no class map rule applies to them.

What the report says (see `core.datasets.report` for the actions):

- a malformed line (wrong number of fields, a field that is not a number, x2 < x1 or y2 < y1) is
  skipped and named ``labels/000012.txt:3``;
- a box reaching outside its image is clipped (repaired), a box with no area inside it skipped;
- an image without a label file is skipped (KITTI gives every labeled image a file; an empty
  file means "no objects" and the image is imported); a label file without an image is skipped;
- nothing importable at all is a rejection.

Export (`export_kitti`): one label file per image under ``OUT/label_2/``, named as the image is
named in the export (`core.datasets.export_names`), ignore regions as ``DontCare`` lines; it
re-imports to the same boxes, classes and ignore regions.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from core.datasets.class_map import apply_class_map, is_ignore_name, parse_class_map
from core.datasets.plan import ImportPlan, PlannedCategory, PlannedImage
from core.datasets.report import ImportReport
from core.datasets.sources import IMAGE_SUFFIXES, ImageProblem, clip_box, fmt_box, image_sha256, probe_image
from core.errors import DataError
from core.jobs.reporter import NullReporter, Reporter
from core.project import catalog

DONT_CARE = "DontCare"
_FIELDS = 15  # without the optional score


def _visible_files(root: Path, suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in suffixes
                  and not any(s.startswith(".") for s in p.relative_to(root).parts))


def parse_kitti_line(line: str) -> tuple[str, tuple[float, float, float, float]]:
    """(type, (x1, y1, x2, y2)) of one label line; ValueError(reason) when it is malformed."""
    parts = line.split()
    if len(parts) not in (_FIELDS, _FIELDS + 1):
        raise ValueError(f"it has {len(parts)} fields; KITTI lines have 15 (type truncated occluded alpha "
                         "x1 y1 x2 y2 h w l x y z ry) or 16 with a score")
    kind = parts[0]
    try:
        numbers = [float(v) for v in parts[1:]]
    except ValueError:
        bad = next(v for v in parts[1:] if not _is_float(v))
        raise ValueError(f"the field {bad!r} is not a number") from None
    x1, y1, x2, y2 = numbers[3:7]
    if x2 < x1 or y2 < y1:
        raise ValueError(f"its box corners are reversed (x1 {x1:g}, y1 {y1:g}, x2 {x2:g}, y2 {y2:g})")
    return kind, (x1, y1, x2, y2)


def _is_float(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True


def plan_kitti_import(images_dir: str | Path, labels_dir: str | Path, class_map: str | None = None,
                      unmapped: str | None = None, reporter: Reporter | None = None) -> ImportPlan:
    """Read every label file and check images and lines; nothing is written."""
    reporter = reporter or NullReporter()
    mapping = parse_class_map(class_map, unmapped)
    images_root = Path(images_dir).expanduser().resolve()
    labels_root = Path(labels_dir).expanduser().resolve()
    if not images_root.is_dir():
        raise DataError(f"The KITTI images folder {images_root} does not exist.")
    if not labels_root.is_dir():
        raise DataError(f"The KITTI labels folder {labels_root} does not exist.")
    label_files = {p.relative_to(labels_root).with_suffix("").as_posix(): p
                   for p in _visible_files(labels_root, (".txt",))}
    if not label_files:
        raise DataError(f"{labels_root} holds no KITTI label files (.txt).")
    image_files = _visible_files(images_root, IMAGE_SUFFIXES)
    plan = ImportPlan(format="kitti", source=str(labels_root), report=ImportReport(source=labels_root.name))
    objects: list[tuple[int, str | None, tuple[float, float, float, float], str]] = []   # None: DontCare
    used: set[str] = set()
    for n, image_path in enumerate(image_files):
        reporter.progress(n + 1, len(image_files), stage="check images")
        key = image_path.relative_to(images_root).with_suffix("").as_posix()
        name = image_path.relative_to(images_root).as_posix()
        what = f"image {name}"
        label_path = label_files.get(key)
        if label_path is None:
            plan.report.skipped(what, f"Skipped because it has no label file ({key}.txt in {labels_root.name}).")
            continue
        if key in used:
            plan.report.skipped(what, f"Skipped because another image with the stem {key!r} already uses "
                                f"{key}.txt.")
            continue
        try:
            width, height = probe_image(image_path)
            sha = image_sha256(image_path)
            lines = label_path.read_text(encoding="utf-8", errors="strict").splitlines()
        except ImageProblem as exc:
            plan.report.skipped(what, f"Skipped because {exc}; its labels are skipped too.")
            continue
        except (OSError, UnicodeDecodeError) as exc:
            plan.report.skipped(what, f"Skipped because its label file {key}.txt cannot be read ({exc}).")
            continue
        used.add(key)
        plan.images.append(PlannedImage(name, image_path, width, height, None, sha, what=what))
        index = len(plan.images) - 1
        rel_label = f"{labels_root.name}/{key}.txt"
        for ln, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{rel_label}:{ln}"
            try:
                kind, corners = parse_kitti_line(line)
            except ValueError as exc:
                plan.report.skipped(where, f"Skipped because {exc}.")
                continue
            objects.append((index, None if is_ignore_name(kind) else kind, corners, where))
    image_keys = {p.relative_to(images_root).with_suffix("").as_posix() for p in image_files}
    for key in label_files:
        if key not in image_keys:
            plan.report.skipped(f"{labels_root.name}/{key}.txt", f"Skipped because no image named {key}.* is in "
                                f"{images_root.name}.")
    _add_objects(plan, objects)
    apply_class_map(plan, mapping)
    if not plan.images:
        why = "the images folder holds no images" if not image_files else \
            f"none of its {len(image_files)} image(s) has a usable label file"
        plan.report.rejected("images", f"Nothing to import: {why}.")
    return plan


def _add_objects(plan: ImportPlan, objects: list) -> None:
    kinds = sorted({kind for _, kind, _, _ in objects if kind is not None})
    plan.categories = [PlannedCategory(k) for k in kinds]
    index = {k: i for i, k in enumerate(kinds)}
    used_kinds: set[str] = set()
    for image_idx, kind, (x1, y1, x2, y2), where in objects:
        im = plan.images[image_idx]
        box = (x1, y1, x2 - x1, y2 - y1)
        clipped = clip_box(box, im.width, im.height)
        what = f"{where} ({kind or DONT_CARE})"
        if clipped[2] <= 0 or clipped[3] <= 0:
            why = "has zero area" if box[2] <= 0 or box[3] <= 0 else f"lies outside the {im.width}x{im.height} image"
            plan.report.skipped(what, f"Skipped because its box {fmt_box(box)} {why}.")
            continue
        if any(abs(u - v) > 1e-6 for u, v in zip(box, clipped)):
            plan.report.repaired(what, f"Its box {fmt_box(box)} reaches outside the {im.width}x{im.height} image; "
                                 f"clipped to {fmt_box(clipped)}.")
        if kind is not None:
            used_kinds.add(kind)
        plan.annotations.append(catalog.Annotation(
            id=None, image_id=image_idx, category_id=None if kind is None else index[kind], bbox=clipped,
            area=clipped[2] * clipped[3], iscrowd=int(kind is None), seg_kind=None, segmentation=None,
            source="kitti"))
    if used_kinds != set(kinds):  # a type whose every box was skipped makes no category
        keep = [k for k in kinds if k in used_kinds]
        remap = {index[k]: i for i, k in enumerate(keep)}
        plan.categories = [PlannedCategory(k) for k in keep]
        for a in plan.annotations:
            if a.category_id is not None:
                a.category_id = remap[a.category_id]


# ------------------------------------------------------------------------------ export

# the 3D fields of an exported line: KITTI's "not known" values for a 2D-only label
_OBJECT_TAIL = "0.00 0.00 0.00 0.00 0.00 0.00 0.00"
_DONT_CARE_HEAD, _DONT_CARE_TAIL = "-1 -1 -10", "-1 -1 -1 -1000 -1000 -1000 -10"


def _num(v: float) -> str:
    """A coordinate as KITTI tools write it, to 1/10000 of a pixel, without trailing zeros."""
    text = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def kitti_type(name: str) -> str:
    """A class name as a KITTI type: one word (KITTI splits lines on whitespace)."""
    return "_".join(name.split()) or "_"


def kitti_line(kind: str, box: tuple[float, float, float, float]) -> str:
    """One label line for an (x, y, w, h) box: 15 fields, the 3D ones unknown."""
    x, y, w, h = box
    corners = " ".join(_num(v) for v in (x, y, x + w, y + h))
    if kind == DONT_CARE:
        return f"{DONT_CARE} {_DONT_CARE_HEAD} {corners} {_DONT_CARE_TAIL}"
    return f"{kind} 0.00 0 0.00 {corners} {_OBJECT_TAIL}"


def export_kitti(project, out_dir: str | Path, split: str | None = None, images_root: str | Path | None = None,
                 with_images: str | Path | None = None) -> dict:
    """Write the project's boxes (of `split`, or all) as KITTI labels: ``OUT/label_2/<name>.txt`` per
    image, ``<name>`` the image's export name without its suffix (the naming rules of
    `core.datasets.export_names`: the names the data came with by default, or the copies'
    names with `with_images`). Ignore regions of every class become ``DontCare`` lines; a crowd
    region of a class, which KITTI cannot say, is written as ``DontCare`` too and counted in the
    summary. Class names with spaces get underscores. Label files go through a staging folder:
    a failure leaves OUT as it was. Returns a summary with a sentence on how to re-import."""
    from core.datasets.export_names import export_names
    from core.fsutil import atomic_write_text
    from core.project import catalog

    if split is not None and split not in catalog.SPLITS:
        raise DataError(f"Unknown split {split!r}; choose one of: {', '.join(catalog.SPLITS)}.")
    imgs = catalog.images(project, split)
    if split is not None and not imgs:
        raise DataError(f"The {split!r} split has no images; run `studio data split` first.")
    out = Path(out_dir).expanduser().resolve()
    names = export_names(project, imgs, images_root, with_images)
    labels: dict[str, object] = {}
    used: set[str] = set()
    for im in imgs:
        name = Path(names.names[im.id])
        stem = name.with_suffix("").as_posix()
        if stem.lower() in used and names.mode == "copied":   # a.png and a.jpg: the copy gets a stem of its own
            k = 1
            while f"{stem}_{k}".lower() in used:
                k += 1
            stem = f"{stem}_{k}"
            names.names[im.id] = stem + name.suffix
        elif stem.lower() in used:
            raise DataError(f"Two images of the export would share the label file {stem}.txt (KITTI pairs images "
                            "and labels by name without the suffix); export with --with-images DIR, which copies the "
                            "images under names of their own.")
        used.add(stem.lower())
        labels[stem] = im
    cats = {c.id: kitti_type(c.name) for c in catalog.categories(project)}
    renamed = sorted(c.name for c in catalog.categories(project) if kitti_type(c.name) != c.name)
    by_image = catalog.annotations(project, [i.id for i in imgs])
    counts = {"objects": 0, "dont_care": 0, "crowd_as_dont_care": 0}
    label_root = out / "label_2"
    staging = out / f".studio-export-{uuid.uuid4().hex[:12]}"
    try:
        for stem, im in labels.items():
            lines = []
            for a in by_image.get(im.id, []):
                if a.iscrowd:
                    counts["dont_care"] += 1
                    counts["crowd_as_dont_care"] += a.category_id is not None
                    lines.append(kitti_line(DONT_CARE, a.bbox))
                else:
                    counts["objects"] += 1
                    lines.append(kitti_line(cats[a.category_id], a.bbox))
            atomic_write_text(staging / f"{stem}.txt", "\n".join(lines) + ("\n" if lines else ""))
        for stem in labels:
            final = label_root / f"{stem}.txt"
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / f"{stem}.txt", final)
    except OSError as exc:
        raise DataError(f"Could not write the KITTI labels into {label_root}: {exc.strerror or exc}.") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary = {"path": str(label_root), "images": len(labels), **counts, "split": split, "file_names": names.mode,
               "renamed_classes": renamed}
    summary.update(names.finish("label files' names"))
    summary["names"] += f" Re-import with --labels {label_root}."
    return summary
