"""labelme JSON (one file beside each image): plan an import.

Every ``*.json`` under the folder (recursively) that has a ``shapes`` list is a labelme file.
Its image is ``imagePath`` resolved against the JSON's folder; when that file is missing, a
sibling image with the JSON's name is tried, then the embedded ``imageData`` (stored into the
project's media even with ``--link``). The embedded image is used too when the file exists but
cannot be read, and it is decoded the way labelme does (base64, a ``data:`` URI prefix allowed,
any format PIL opens; one PIL knows but Studio does not store, such as MPO, is re-encoded as
PNG). Shapes:

- ``polygon`` (3+ points) and ``mask`` (labelme >= 5.3 bitmaps) are regions;
- ``rectangle`` (two corners) is a box; alone it stays box-only, grouped it becomes 4 corners;
- ``circle`` (centre and a point on the rim) becomes a 32-vertex polygon;
- ``point``, ``line``, ``linestrip``, ``points`` are not regions: skipped with a report item.

Shapes with the same ``group_id`` and label form one instance (parts of one object). Labels
become categories (sorted by name, no source id), through the class map when one is given
(`core.datasets.class_map`). The label ``__ignore__`` (labelme's own, which labelme2coco drops)
is not a class: its shapes become ignore regions of every class (``iscrowd`` 1, no category;
left out of training and evaluation, drawn hatched). Images in the folder that no JSON names
are not imported (they are not labeled yet); one report item counts them.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import io
import math
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from core.datasets import masks
from core.datasets.class_map import apply_class_map, is_ignore_name, parse_class_map
from core.datasets.plan import ImportPlan, PlannedCategory, PlannedImage
from core.datasets.report import ImportReport
from core.datasets.sources import IMAGE_SUFFIXES, ImageProblem, clip_box, fmt_box, image_sha256, probe_image, read_json
from core.errors import DataError
from core.jobs.reporter import NullReporter, Reporter
from core.project import catalog

CIRCLE_VERTICES = 32
_NOT_REGIONS = ("point", "points", "line", "linestrip")


def plan_labelme_import(images_dir: str | Path, class_map: str | None = None, unmapped: str | None = None,
                        reporter: Reporter | None = None) -> ImportPlan:
    """Read every labelme JSON under `images_dir` and check images and shapes; nothing is written."""
    reporter = reporter or NullReporter()
    mapping = parse_class_map(class_map, unmapped)
    root = Path(images_dir).expanduser().resolve()
    if not root.is_dir():
        raise DataError(f"The labelme folder {root} does not exist.")
    files = sorted(p for p in root.rglob("*.json") if not any(s.startswith(".") for s in p.relative_to(root).parts))
    if not files:
        raise DataError(f"{root} holds no labelme .json files.")
    plan = ImportPlan(format="labelme", source=str(root), report=ImportReport(source=root.name))
    instances: list[tuple[int, str, dict]] = []   # (image index, label, annotation fields)
    used: set[Path] = set()
    for n, jf in enumerate(files):
        reporter.progress(n + 1, len(files), stage="check files")
        rel = jf.relative_to(root).as_posix()
        doc = read_json(jf, what=rel)
        if not isinstance(doc, dict) or not isinstance(doc.get("shapes"), list):
            plan.report.skipped(rel, "Skipped because it is not a labelme file (it has no 'shapes' list).")
            continue
        image = _plan_image(doc, jf, root, rel, plan.report)
        if image is None:
            continue
        if image.source_path is not None:
            used.add(image.source_path)
        plan.images.append(image)
        for label, fields in _instances(doc["shapes"], image.width, image.height, rel, plan.report):
            instances.append((len(plan.images) - 1, label, fields))
    labels = sorted({label for _, label, _ in instances if not is_ignore_name(label)})
    plan.categories = [PlannedCategory(name) for name in labels]
    index = {name: i for i, name in enumerate(labels)}
    for image_idx, label, fields in instances:
        if is_ignore_name(label):     # an ignore region of every class
            fields = {**fields, "iscrowd": 1}
        plan.annotations.append(catalog.Annotation(id=None, image_id=image_idx, category_id=index.get(label),
                                                   source="labelme", **fields))
    apply_class_map(plan, mapping)
    unlabeled = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.resolve() not in used)
    if unlabeled:
        names = ", ".join(p.relative_to(root).as_posix() for p in unlabeled[:3])
        plan.report.skipped("folder images", f"{len(unlabeled)} image(s) have no labelme JSON naming them and were "
                            f"not imported (e.g. {names}).")
    if not plan.images:
        plan.report.rejected("images", f"Nothing to import: none of the {len(files)} JSON file(s) has a usable image.")
    return plan


def _plan_image(doc: dict, jf: Path, root: Path, rel: str, report: ImportReport) -> PlannedImage | None:
    what = f"image {rel}"
    image_path = doc.get("imagePath") if isinstance(doc.get("imagePath"), str) else ""
    candidates = [jf.parent / image_path.replace("\\", "/")] if image_path else []
    candidates += [jf.with_suffix(s) for s in IMAGE_SUFFIXES]
    found = next((c.resolve() for c in candidates if c.is_file()), None)
    embedded = doc.get("imageData") if isinstance(doc.get("imageData"), str) and doc.get("imageData") else None
    shapes = len(doc["shapes"])
    image: PlannedImage | None = None
    unreadable = ""
    if found is not None:
        try:
            width, height = probe_image(found)
            sha = image_sha256(found)
        except ImageProblem as exc:
            if embedded is None:
                report.skipped(what, f"Skipped because {exc}; its {shapes} shape(s) are skipped too.")
                return None
            unreadable = str(exc)
        else:
            try:
                name = found.relative_to(root).as_posix()
            except ValueError:
                name = found.name
            image = PlannedImage(name, found, width, height, None, sha, what=f"image {name}")
            if image_path and found != (jf.parent / image_path.replace("\\", "/")).resolve():
                report.repaired(image.what, f"{rel} names {image_path!r}, which does not exist; {name} beside it "
                                "was used.")
    if image is None:
        if embedded is None:
            report.skipped(what, f"Skipped because its image {image_path or '(unnamed)'} does not exist and "
                           f"{rel} has no imageData; its {shapes} shape(s) are skipped too.")
            return None
        try:
            data, suffix, width, height, note = decode_image_data(embedded)
        except ImageProblem as exc:
            report.skipped(what, f"Skipped because {exc}; its {shapes} shape(s) are skipped too.")
            return None
        name = Path(rel).with_suffix(suffix).as_posix()
        image = PlannedImage(name, None, width, height, None, hashlib.sha256(data).hexdigest(), data,
                             what=f"image {name}")
        why = (f"the image file {found.name} cannot be read ({unreadable})" if unreadable else
               f"the image file {image_path or '(unnamed)'} is missing")
        report.repaired(image.what, f"{why[:1].upper()}{why[1:]}; the image embedded in {rel} (imageData) is stored "
                        f"in the project instead{note}.")
    jw, jh = doc.get("imageWidth"), doc.get("imageHeight")
    if isinstance(jw, int) and isinstance(jh, int) and (jw, jh) != (image.width, image.height):
        report.repaired(image.what, f"{rel} says {jw}x{jh} but the image is {image.width}x{image.height}; the "
                        "image's size is used.")
    return image


_STORED_FORMATS = {"PNG": ".png", "JPEG": ".jpg", "BMP": ".bmp", "TIFF": ".tif", "WEBP": ".webp"}


def decode_image_data(text: str) -> tuple[bytes, str, int, int, str]:
    """labelme's ``imageData`` as (encoded bytes to store, their suffix, width, height, a note for the
    report); ImageProblem with the reason when it is not an image. Decoded as labelme decodes it
    (base64, then whatever PIL opens); a ``data:image/...;base64,`` prefix is allowed."""
    s = text.strip()
    if s.startswith("data:") and "," in s:
        s = s.split(",", 1)[1]
    try:
        data = base64.b64decode("".join(s.split()), validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ImageProblem(f"its imageData is not base64 ({exc})") from None
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            fmt, (width, height) = im.format, im.size
            if fmt not in _STORED_FORMATS:     # e.g. MPO (a phone's JPEG) or GIF: stored as PNG
                out = io.BytesIO()
                im.convert("RGBA" if im.mode in ("RGBA", "LA", "P") else "RGB").save(out, "PNG")
                return out.getvalue(), ".png", width, height, f" (re-encoded from {fmt or 'an unnamed format'} as PNG)"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageProblem(f"its imageData is not an image PIL can open ({type(exc).__name__}: {exc})") from None
    if width < 1 or height < 1:
        raise ImageProblem("its imageData has no pixels")
    return data, _STORED_FORMATS[fmt], width, height, ""


def _points(value: Any) -> list[tuple[float, float]] | None:
    if not isinstance(value, list):
        return None
    out = []
    for p in value:
        if not (isinstance(p, (list, tuple)) and len(p) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in p)):
            return None
        out.append((float(p[0]), float(p[1])))
    return out


def _shape_part(s: dict, w: int, h: int) -> tuple[str, Any]:
    """("polygon", flat) | ("box", (x, y, w, h)) | ("mask", bool array); raises ValueError(reason)."""
    kind = s.get("shape_type") or "polygon"
    pts = _points(s.get("points"))
    if kind in _NOT_REGIONS:
        raise ValueError(f"a {kind!r} shape is not a region")
    if pts is None:
        raise ValueError("its points are not a list of [x, y] pairs")
    if kind == "polygon":
        if len(pts) < 3:
            raise ValueError(f"its polygon has {len(pts)} point(s), fewer than 3")
        return "polygon", [v for p in pts for v in p]
    if kind == "rectangle":
        if len(pts) < 2:
            raise ValueError("a rectangle needs two corners")
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return "box", (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
    if kind == "circle":
        if len(pts) != 2:
            raise ValueError("a circle needs its centre and a point on its rim")
        (cx, cy), (px, py) = pts
        r = math.hypot(px - cx, py - cy)
        if r <= 0:
            raise ValueError("its circle has zero radius")
        t = np.linspace(0.0, 2 * math.pi, CIRCLE_VERTICES, endpoint=False)
        return "polygon", np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], 1).round(2).ravel().tolist()
    if kind == "mask":
        if len(pts) != 2 or not isinstance(s.get("mask"), str):
            raise ValueError("a mask shape needs two corners and its base64 'mask' bitmap")
        bits = np.asarray(Image.open(io.BytesIO(base64.b64decode(s["mask"])))).astype(bool)
        if bits.ndim == 3:
            bits = bits.any(axis=2)
        full = np.zeros((h, w), bool)
        x0, y0 = int(round(min(pts[0][0], pts[1][0]))), int(round(min(pts[0][1], pts[1][1])))
        ys, xs = np.nonzero(bits)
        ys, xs = ys + y0, xs + x0
        ok = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
        full[ys[ok], xs[ok]] = True
        return "mask", full
    raise ValueError(f"its shape type {kind!r} is not one Studio knows")


def _instances(shapes: list, w: int, h: int, rel: str, report: ImportReport):
    """Yield (label, Annotation fields) per instance (shapes merged by label and group_id)."""
    groups: dict[Any, list] = {}
    for k, s in enumerate(shapes):
        what = f"{rel} shape {k + 1}"
        label = s.get("label") if isinstance(s, dict) else None
        if not isinstance(label, str) or not label.strip():
            report.skipped(what, "Skipped because it has no label.")
            continue
        try:
            part = _shape_part(s, w, h)
        except (ValueError, OSError, binascii.Error) as exc:
            report.skipped(f"{what} ({label})", f"Skipped because {exc}.")
            continue
        gid = s.get("group_id")
        key = (label.strip(), gid) if gid is not None else (label.strip(), None, k)
        groups.setdefault(key, []).append((k, part))
    for key, parts in groups.items():
        label = key[0]
        what = f"{rel} shape {parts[0][0] + 1} ({label})"
        fields = _merge(parts, w, h, what, report)
        if fields is not None:
            yield label, fields


def _merge(parts: list, w: int, h: int, what: str, report: ImportReport) -> dict | None:
    if len(parts) == 1 and parts[0][1][0] == "box":
        kind, seg, box = None, None, parts[0][1][1]
    else:
        polys, bitmaps = [], []
        for _, (pk, pv) in parts:
            if pk == "mask":
                bitmaps.append(pv)
            elif pk == "box":
                x, y, bw, bh = pv
                polys.append([x, y, x + bw, y, x + bw, y + bh, x, y + bh])
            else:
                polys.append(pv)
        if bitmaps:  # any bitmap part: the instance is the union of every part, as an RLE
            if polys:
                bitmaps.append(masks.annotation_mask({"segmentation": polys}, h, w))
            kind, seg = "rle", masks.encode_mask(np.logical_or.reduce(bitmaps))
        else:
            kind, seg = "polygon", polys
        box = masks.segmentation_bbox(kind, seg, h, w) if kind == "rle" else _extent(polys)
    clipped = clip_box(box, w, h)
    if clipped[2] <= 0 or clipped[3] <= 0:
        report.skipped(what, f"Skipped because its box {fmt_box(box)} has zero area inside the {w}x{h} image.")
        return None
    if any(abs(u - v) > 1e-6 for u, v in zip(box, clipped)):
        report.repaired(what, f"Its box {fmt_box(box)} reaches outside the {w}x{h} image; clipped to {fmt_box(clipped)}.")
    area = masks.segmentation_area(kind, seg, h, w, clipped)
    if area <= 0:
        report.skipped(what, "Skipped because its region covers no pixel of the image.")
        return None
    return {"bbox": clipped, "area": area, "iscrowd": 0, "seg_kind": kind, "segmentation": seg}


def _extent(polys: list[list[float]]) -> tuple[float, float, float, float]:
    xs = [v for p in polys for v in p[0::2]]
    ys = [v for p in polys for v in p[1::2]]
    return (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
