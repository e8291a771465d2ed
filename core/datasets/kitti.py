"""KITTI object labels: plan an import (boxes only).

Layout: an images folder and a labels folder; the labels of ``images/<rel>/<stem>.png`` are in
``labels/<rel>/<stem>.txt``, one object per line::

    type truncated occluded alpha x1 y1 x2 y2 h w l x y z ry [score]

Only ``type`` and the 2D box ``x1 y1 x2 y2`` (pixels, corners) are kept; the 3D fields must be
numbers but are not stored. Types become categories (sorted by name, no source id).

What the report says (see `core.datasets.report` for the actions):

- ``DontCare`` lines mark regions left unlabeled; they are not objects and are ignored, with one
  report item counting them;
- a malformed line (wrong number of fields, a field that is not a number, x2 < x1 or y2 < y1) is
  skipped and named ``labels/000012.txt:3``;
- a box reaching outside its image is clipped (repaired), a box with no area inside it skipped;
- an image without a label file is skipped (KITTI gives every labeled image a file; an empty
  file means "no objects" and the image is imported); a label file without an image is skipped;
- nothing importable at all is a rejection.
"""
from __future__ import annotations

from pathlib import Path

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


def plan_kitti_import(images_dir: str | Path, labels_dir: str | Path,
                      reporter: Reporter | None = None) -> ImportPlan:
    """Read every label file and check images and lines; nothing is written."""
    reporter = reporter or NullReporter()
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
    objects: list[tuple[int, str, tuple[float, float, float, float], str]] = []
    dont_care: list[str] = []
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
            if kind == DONT_CARE:
                dont_care.append(where)
                continue
            objects.append((index, kind, corners, where))
    image_keys = {p.relative_to(images_root).with_suffix("").as_posix() for p in image_files}
    for key in label_files:
        if key not in image_keys:
            plan.report.skipped(f"{labels_root.name}/{key}.txt", f"Skipped because no image named {key}.* is in "
                                f"{images_root.name}.")
    _add_objects(plan, objects)
    if dont_care:
        files = len({w.rsplit(":", 1)[0] for w in dont_care})
        plan.report.skipped(DONT_CARE, f"{len(dont_care)} DontCare region(s) in {files} file(s) were ignored (e.g. "
                            f"{dont_care[0]}): KITTI marks areas left unlabeled with them; they are not objects.")
    if not plan.images:
        why = "the images folder holds no images" if not image_files else \
            f"none of its {len(image_files)} image(s) has a usable label file"
        plan.report.rejected("images", f"Nothing to import: {why}.")
    return plan


def _add_objects(plan: ImportPlan, objects: list) -> None:
    kinds = sorted({kind for _, kind, _, _ in objects})
    plan.categories = [PlannedCategory(k) for k in kinds]
    index = {k: i for i, k in enumerate(kinds)}
    used_kinds: set[str] = set()
    for image_idx, kind, (x1, y1, x2, y2), where in objects:
        im = plan.images[image_idx]
        box = (x1, y1, x2 - x1, y2 - y1)
        clipped = clip_box(box, im.width, im.height)
        what = f"{where} ({kind})"
        if clipped[2] <= 0 or clipped[3] <= 0:
            why = "has zero area" if box[2] <= 0 or box[3] <= 0 else f"lies outside the {im.width}x{im.height} image"
            plan.report.skipped(what, f"Skipped because its box {fmt_box(box)} {why}.")
            continue
        if any(abs(u - v) > 1e-6 for u, v in zip(box, clipped)):
            plan.report.repaired(what, f"Its box {fmt_box(box)} reaches outside the {im.width}x{im.height} image; "
                                 f"clipped to {fmt_box(clipped)}.")
        used_kinds.add(kind)
        plan.annotations.append(catalog.Annotation(
            id=None, image_id=image_idx, category_id=index[kind], bbox=clipped, area=clipped[2] * clipped[3],
            iscrowd=0, seg_kind=None, segmentation=None, source="kitti"))
    if used_kinds != set(kinds):  # a type whose every box was skipped makes no category
        keep = [k for k in kinds if k in used_kinds]
        remap = {index[k]: i for i, k in enumerate(keep)}
        plan.categories = [PlannedCategory(k) for k in keep]
        for a in plan.annotations:
            a.category_id = remap[a.category_id]
