"""Crops cut from detection data: the gesture family's import of hands a detection project (or a
COCO file) already boxes.

Each box is expanded by a margin — pixels when it is 1 or more, else a fraction of the box's size
on each side (`core.datasets.crops`, the rule the cascade uses at inference) — clipped to its
image, and saved as a PNG image of its own with an image-level label (the storage of
`core.datasets.image_folders`). Its class comes from

- a per-box attribute (``--attribute gesture``: the annotation's ``extra["gesture"]``, a COCO
  annotation's ``attributes``), or
- a mapping of the box's category (``--class-map hand_fist=fist,...``, `core.datasets.class_map`),
  which wins when both are given.

The source is a Studio project (its folder or its `project.db`) or a COCO instances file. What the
report says: ignore regions are not cut; a box whose class neither the mapping nor the attribute
gives is skipped (one item per reason, with its count); a crop smaller than `MIN_CROP_PIXELS` on
a side is skipped; nothing to cut at all is a rejection. Progress is reported per source image.
Nothing is written until the plan is committed.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from core.datasets.class_map import parse_class_map
from core.datasets.crops import crop, xywh_to_xyxy
from core.datasets.image_folders import IMAGE_LABEL_SOURCE
from core.datasets.plan import ImportPlan, PlannedCategory, PlannedImage
from core.datasets.report import ImportReport
from core.errors import DataError
from core.jobs.reporter import NullReporter, Reporter
from core.project import catalog

MIN_CROP_PIXELS = 4
DEFAULT_ATTRIBUTE = "gesture"


def parse_margin(text: str | float | None) -> float:
    """A margin as typed: "200" (pixels), "0.25" (a quarter of the box on each side) or "25%"."""
    if text is None or str(text).strip() == "":
        return 0.0
    raw = str(text).strip()
    try:
        value = float(raw[:-1]) / 100.0 if raw.endswith("%") else float(raw)
    except ValueError:
        raise DataError(f"The margin {raw!r} is not a number: give pixels (200), a fraction of the box (0.25) or a "
                        "percentage (25%).") from None
    if value < 0 or not np.isfinite(value):
        raise DataError(f"The margin {raw!r} must be 0 or more.")
    return value


def source_problem(text: str) -> str:
    """What is wrong with a typed detection source ("" when fine): a COCO file, or a Studio project
    given by its folder or its project.db."""
    path = Path(text).expanduser()
    if path.is_file():
        return ""
    if path.is_dir():
        return "" if (path / "project.db").is_file() else (
            f"{text} is a folder but not a Studio project (it has no project.db); give a detection project or a COCO "
            ".json file.")
    return f"The detection source {text} does not exist."


def margin_problem(text: str | None) -> str:
    """What is wrong with a typed margin ("" when fine): the import form's check."""
    try:
        parse_margin(text)
    except DataError as exc:
        return str(exc)
    return ""


def _from_project(root: Path):
    """(image name, loader, [(bbox, category name, extra, iscrowd)]) per image of a Studio project."""
    from core.project import Project

    with Project.open(root) as project:
        names = {c.id: c.name for c in catalog.categories(project)}
        records = catalog.images(project)
        anns = catalog.annotations(project, [r.id for r in records])
        out = []
        for r in records:
            path = project.resolve(r.path)
            boxes = [(a.bbox, names.get(a.category_id), a.extra, a.iscrowd) for a in anns.get(r.id, [])]
            out.append((r.file_name, (lambda p=path: cv2.imread(str(p), cv2.IMREAD_COLOR)), boxes))
        return out


def _from_coco(annotations_file: Path, images_dir: str | None, report: ImportReport, reporter: Reporter):
    from core.datasets.coco import plan_coco_import

    plan = plan_coco_import(annotations_file, images_dir or annotations_file.parent, reporter=reporter)
    report.extend(plan.report)
    per_image: dict[int, list] = {i: [] for i in range(len(plan.images))}
    for a in plan.annotations:
        name = plan.categories[a.category_id].name if a.category_id is not None else None
        per_image[a.image_id].append((a.bbox, name, a.extra, a.iscrowd))

    def loader(im: PlannedImage):
        if im.source_path is not None:
            return cv2.imread(str(im.source_path), cv2.IMREAD_COLOR)
        return cv2.imdecode(np.frombuffer(im.data or b"", np.uint8), cv2.IMREAD_COLOR)

    return [(im.file_name, (lambda im=im: loader(im)), per_image[i]) for i, im in enumerate(plan.images)]


def plan_detection_crops_import(source: str | Path, images_dir: str | None = None, margin: str | float | None = 0.25,
                                attribute: str | None = DEFAULT_ATTRIBUTE, class_map: str | None = None,
                                reporter: Reporter | None = None) -> ImportPlan:
    """Cut every box of `source` (a project folder or a COCO .json) with `margin`; nothing is written."""
    reporter = reporter or NullReporter()
    src = Path(source).expanduser().resolve()
    m = parse_margin(margin)
    mapping = parse_class_map(class_map, "drop") if class_map else None
    # an empty attribute (the form's field left blank, the flag left out) is the default one
    attribute = (attribute or "").strip() or DEFAULT_ATTRIBUTE
    if src.is_file() and src.name == "project.db":
        src = src.parent
    plan = ImportPlan(format="detection_crops", source=str(src), report=ImportReport(source=src.name))
    if src.is_dir():
        if not (src / "project.db").is_file():
            raise DataError(f"{src} is not a Studio project (it has no project.db); give a detection project folder "
                            "or a COCO .json file.")
        items = _from_project(src)
    elif src.is_file():
        items = _from_coco(src, images_dir, plan.report, reporter)
    else:
        raise DataError(f"The detection source {src} does not exist.")
    why_not: Counter = Counter()
    labels: list[str] = []
    for n, (file_name, load, boxes) in enumerate(items):
        reporter.progress(n + 1, len(items), stage="cut crops")
        wanted = []
        for k, (bbox, name, extra, iscrowd) in enumerate(boxes):
            if iscrowd or name is None:
                why_not["ignore regions are not cut"] += 1
                continue
            label = mapping.target(name) if mapping is not None else None
            if label is None:
                value = (extra or {}).get(attribute)
                label = str(value).strip() if value not in (None, "") else None
            if label is None:
                why_not[f"boxes of class {name} have no {attribute!r} attribute and no mapping"] += 1
                continue
            wanted.append((k, bbox, label))
        if not wanted:
            continue
        image = load()
        if image is None:
            plan.report.skipped(f"image {file_name}", "Skipped because it cannot be read; its boxes were not cut.")
            continue
        stem = Path(file_name).with_suffix("").as_posix().replace("/", "_")
        for k, bbox, label in wanted:
            piece = crop(image, xywh_to_xyxy(bbox), m)
            h, w = piece.shape[:2]
            if min(h, w) < MIN_CROP_PIXELS:
                why_not[f"crops smaller than {MIN_CROP_PIXELS} px on a side"] += 1
                continue
            ok, png = cv2.imencode(".png", np.ascontiguousarray(piece))
            if not ok:
                why_not["crops that could not be encoded"] += 1
                continue
            data = png.tobytes()
            plan.images.append(PlannedImage(f"{label}/{stem}_box{k}.png", None, int(w), int(h), None,
                                            hashlib.sha256(data).hexdigest(), data=data,
                                            what=f"box {k} of image {file_name}"))
            labels.append(label)
    for reason, count in sorted(why_not.items()):
        plan.report.skipped(reason, f"Skipped {count} box(es): {reason}.")
    names = sorted(set(labels))
    plan.categories = [PlannedCategory(n) for n in names]
    index = {n: i for i, n in enumerate(names)}
    for i, (im, label) in enumerate(zip(plan.images, labels)):
        plan.annotations.append(catalog.Annotation(
            id=None, image_id=i, category_id=index[label], bbox=(0.0, 0.0, float(im.width), float(im.height)),
            area=float(im.width * im.height), source=IMAGE_LABEL_SOURCE))
    if not plan.images:
        plan.report.rejected("boxes", "Nothing to import: no box of the source has a class for its crop; name the "
                                      "attribute holding each box's class (--attribute NAME) or map the box classes "
                                      "(--class-map hand=palm).")
    return plan
