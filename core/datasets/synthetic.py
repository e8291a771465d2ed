"""Synthetic instance-segmentation data: textured shapes on cluttered backgrounds.

Used by the demo (train a Mask R-CNN on 2 CPU cores in minutes) and by the tests (a COCO file
with all three segmentation encodings, and a short video). The class of an object is decided
by its outline only: colors, textures and sizes are drawn independently of the class.

Object masks are rasterized with pycocotools from the shape's polygon, so a polygon stored in
the COCO file decodes to exactly the pixels that were painted; occluded objects are stored as
RLE of their visible pixels.
"""
from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import cv2
import numpy as np
from pycocotools import mask as mask_utils

CLASSES: tuple[str, ...] = ("circle", "square", "triangle", "star")

_MIN_VISIBLE = 20           # objects with fewer visible pixels are dropped
_MIN_VISIBLE_FRACTION = 0.4  # a new object may hide at most 60% of an earlier one
_MIN_CONTRAST = 70.0        # least BGR distance between an object's color and what it covers
_CIRCLE_VERTICES = 48


# ---------------------------------------------------------------------------- geometry

def _vertices(category: str, cx: float, cy: float, radius: float, angle: float) -> np.ndarray:
    """(N, 2) float vertices of a shape whose circumscribed circle has `radius`."""
    if category == "circle":
        t = np.linspace(0.0, 2 * math.pi, _CIRCLE_VERTICES, endpoint=False)
        r = np.full_like(t, radius)
    elif category == "square":
        t = angle + math.pi / 4 + np.arange(4) * (math.pi / 2)
        r = np.full(4, radius)
    elif category == "triangle":
        t = angle + np.arange(3) * (2 * math.pi / 3)
        r = np.full(3, radius)
    elif category == "star":
        t = angle + np.arange(10) * (math.pi / 5)
        r = np.where(np.arange(10) % 2 == 0, radius, radius * 0.45)
    else:
        raise ValueError(f"unknown shape class {category!r}")
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], axis=1)


def _rasterize(flat: list[float], h: int, w: int) -> np.ndarray:
    """Bool mask of a flat xy polygon, exactly as COCO tools decode it."""
    rle = mask_utils.merge(mask_utils.frPyObjects([flat], h, w))
    with warnings.catch_warnings():
        # pycocotools 2.0.x under numpy 2 warns about `copy=False` on every decode; harmless.
        warnings.simplefilter("ignore", DeprecationWarning)
        return mask_utils.decode(rle).astype(bool)


def _radius_range(size: int) -> tuple[float, float]:
    s = size / 128.0
    return 7.0 * s, 28.0 * s  # circumscribed diameter 14-56 px at 128 px


# ---------------------------------------------------------------------------- painting

def _random_color(rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(0, 255, 3)


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """Float HxWx3 background: a gradient, soft blobs, thin lines and noise."""
    h = w = size
    c0, c1 = _random_color(rng), _random_color(rng)
    c0 = 0.6 * c0 + 0.4 * 128
    c1 = 0.6 * c1 + 0.4 * 128
    theta = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) / max(size - 1, 1)
    g = (np.cos(theta) * xx + np.sin(theta) * yy)
    g = (g - g.min()) / max(float(g.max() - g.min()), 1e-6)
    img = c0[None, None, :] * (1 - g[..., None]) + c1[None, None, :] * g[..., None]

    # Soft blobs: blurred ellipses of low contrast.
    blobs = np.zeros((h, w, 3), np.float32)
    for _ in range(int(rng.integers(2, 6))):
        center = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        axes = (int(rng.uniform(0.05, 0.3) * size), int(rng.uniform(0.05, 0.3) * size))
        cv2.ellipse(blobs, center, axes, float(rng.uniform(0, 180)), 0, 360,
                    tuple(float(v) for v in rng.uniform(-60, 60, 3)), -1)
    k = max(3, (size // 16) | 1)
    img += cv2.GaussianBlur(blobs, (k, k), 0)

    # Thin straight lines and polylines (clutter with edges, but no closed shapes).
    lines = img.copy()
    for _ in range(int(rng.integers(2, 7))):
        pts = rng.uniform(-0.1 * size, 1.1 * size, (int(rng.integers(2, 4)), 2)).astype(np.int32)
        cv2.polylines(lines, [pts], False, tuple(float(v) for v in _random_color(rng)),
                      int(rng.integers(1, 3)), cv2.LINE_AA)
    a = rng.uniform(0.3, 0.8)
    img = (1 - a) * img + a * lines

    img += rng.normal(0, rng.uniform(4, 14), (h, w, 3))
    return img


def _texture(rng: np.random.Generator, size: int, color: np.ndarray) -> np.ndarray:
    """Float HxWx3 fill: flat, striped, two-tone gradient or speckled, always with noise."""
    h = w = size
    kind = int(rng.integers(0, 4))
    base = np.broadcast_to(color, (h, w, 3)).astype(np.float32)
    if kind == 0:
        fill = base.copy()
    elif kind == 1:  # stripes in a second color
        other = np.clip(color + rng.uniform(-90, 90, 3), 0, 255)
        theta = rng.uniform(0, math.pi)
        period = rng.uniform(3, 9) * size / 128.0
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        s = (np.sin((np.cos(theta) * xx + np.sin(theta) * yy) * (2 * math.pi / period)) > 0)
        fill = np.where(s[..., None], base, other[None, None, :]).astype(np.float32)
    elif kind == 2:  # shading
        other = np.clip(color * rng.uniform(0.4, 0.8), 0, 255)
        theta = rng.uniform(0, 2 * math.pi)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) / max(size - 1, 1)
        g = np.clip(0.5 + np.cos(theta) * (xx - 0.5) + np.sin(theta) * (yy - 0.5), 0, 1)[..., None]
        fill = base * (1 - g) + other[None, None, :] * g
    else:  # speckles
        fill = base + rng.normal(0, 30, (h, w, 1)).astype(np.float32)
    return fill + rng.normal(0, rng.uniform(3, 10), (h, w, 3)).astype(np.float32)


def _pick_color(rng: np.random.Generator, canvas: np.ndarray, mask: np.ndarray) -> np.ndarray:
    under = canvas[mask].mean(axis=0) if mask.any() else np.full(3, 128.0)
    best, best_d = None, -1.0
    for _ in range(8):
        c = _random_color(rng)
        d = float(np.linalg.norm(c - under))
        if d >= _MIN_CONTRAST:
            return c
        if d > best_d:
            best, best_d = c, d
    return best


# ---------------------------------------------------------------------------- scenes

def render_scene(rng: np.random.Generator, size: int, max_objects: int = 5,
                 min_objects: int = 1) -> tuple[np.ndarray, list[dict]]:
    """One image (H=W=size, uint8 BGR) on a textured background with overlapping shapes.

    Returns (image, objects); each object is {"category", "mask": bool HxW array of its
    VISIBLE pixels (later objects occlude earlier ones), "polygon": flat xy list, or None when
    the object is partly hidden}. Objects with fewer than ~20 visible pixels are dropped.
    """
    image, placed = _compose(rng, size, max_objects, min_objects)
    objects = []
    for o in placed:
        if o["visible"].sum() < _MIN_VISIBLE:
            continue
        occluded = bool((o["full"] & ~o["visible"]).any())
        polygon = None if occluded else [round(v, 2) for v in o["flat"]]
        # Rounding the stored polygon must not move a pixel; if it ever does, store RLE instead.
        if polygon is not None and not np.array_equal(_rasterize(polygon, size, size), o["visible"]):
            polygon = None
        objects.append({"category": o["category"], "mask": o["visible"], "polygon": polygon})
    return image, objects


def _compose(rng: np.random.Generator, size: int, max_objects: int,
             min_objects: int) -> tuple[np.ndarray, list[dict]]:
    """Paint a scene; returns the image and, per painted object in painting order,
    {"category", "full": its whole shape's mask, "visible": what is left in view, "flat"}."""
    if size < 16:
        raise ValueError(f"size must be >= 16, got {size}")
    if min_objects < 0 or max_objects < min_objects:
        raise ValueError(f"need 0 <= min_objects <= max_objects, got {min_objects}, {max_objects}")
    canvas = _background(rng, size)
    r_lo, r_hi = _radius_range(size)
    wanted = int(rng.integers(min_objects, max_objects + 1))
    placed: list[dict] = []
    for _ in range(wanted):
        for _attempt in range(12):
            category = CLASSES[int(rng.integers(0, len(CLASSES)))]
            radius = float(rng.uniform(r_lo, r_hi))
            cx = float(rng.uniform(radius, size - radius))
            cy = float(rng.uniform(radius, size - radius))
            angle = float(rng.uniform(0, 2 * math.pi))
            flat = _vertices(category, cx, cy, radius, angle).ravel().tolist()
            full = _rasterize(flat, size, size)
            if full.sum() < _MIN_VISIBLE:
                continue
            if all(((o["visible"] & ~full).sum() >= max(_MIN_VISIBLE, _MIN_VISIBLE_FRACTION * o["full"].sum()))
                   for o in placed):
                break
        else:
            continue  # no placement that leaves earlier objects recognizable
        color = _pick_color(rng, canvas, full)
        fill = _texture(rng, size, color)
        canvas[full] = fill[full]
        for o in placed:
            o["visible"] &= ~full
        placed.append({"category": category, "full": full, "visible": full.copy(), "flat": flat})

    canvas += rng.normal(0, 2.0, canvas.shape)
    return np.clip(canvas, 0, 255).astype(np.uint8), placed


# ---------------------------------------------------------------------------- COCO

def _uncompressed_rle(mask: np.ndarray) -> dict:
    """COCO RLE with a list of run lengths (column-major, starting with a run of zeros)."""
    flat = np.asfortranarray(mask).ravel(order="F").astype(np.uint8)
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0] == 1:
        counts = [0] + counts
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": [int(c) for c in counts]}


def _bbox(mask: np.ndarray) -> list[float]:
    ys, xs = np.nonzero(mask)
    x0, y0 = int(xs.min()), int(ys.min())
    return [float(x0), float(y0), float(xs.max() - x0 + 1), float(ys.max() - y0 + 1)]


def generate_coco(out_dir, num_images: int, size: int = 128, seed: int = 0, max_objects: int = 5) -> Path:
    """Write out_dir/images/000000.png ... and out_dir/annotations.json (COCO instances).

    Image `file_name`s are relative to the json's folder ("images/000000.png"). Unoccluded
    objects are polygons; occluded ones RLE of their visible pixels, alternately compressed
    (string counts) and uncompressed (list counts). Deterministic for a given seed.
    """
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    categories = [{"id": i + 1, "name": n, "supercategory": "shape"} for i, n in enumerate(CLASSES)]
    cat_id = {c["name"]: c["id"] for c in categories}
    images, annotations = [], []
    rle_count = 0
    for i in range(num_images):
        image, objects = render_scene(rng, size, max_objects=max_objects)
        name = f"{i:06d}.png"
        if not cv2.imwrite(str(out / "images" / name), image):
            raise OSError(f"could not write {out / 'images' / name}")
        image_id = i + 1
        images.append({"id": image_id, "file_name": f"images/{name}", "width": size, "height": size})
        for obj in objects:
            m = obj["mask"]
            if obj["polygon"] is not None:
                seg = [obj["polygon"]]
            elif rle_count % 2 == 0:
                rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
                seg = {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}
                rle_count += 1
            else:
                seg = _uncompressed_rle(m)
                rle_count += 1
            annotations.append({
                "id": len(annotations) + 1, "image_id": image_id, "category_id": cat_id[obj["category"]],
                "segmentation": seg, "area": float(m.sum()), "bbox": _bbox(m), "iscrowd": 0,
            })
    doc = {
        "info": {"description": f"Studio synthetic shapes (seed {seed}, {size} px)", "version": "1.0"},
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": categories,
    }
    path = out / "annotations.json"
    path.write_text(json.dumps(doc))
    return path


# ---------------------------------------------------------------------------- video

def generate_video(path, num_frames: int = 48, size: int = 128, seed: int = 0, fps: int = 12) -> Path:
    """An .mp4 (fourcc 'mp4v') of shapes moving and turning smoothly over a textured background."""
    if num_frames < 1:
        raise ValueError(f"num_frames must be >= 1, got {num_frames}")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    background = _background(rng, size)
    r_lo, r_hi = _radius_range(size)
    movers = []
    for _ in range(int(rng.integers(3, 6))):
        radius = float(rng.uniform(r_lo, r_hi))
        movers.append({
            "category": CLASSES[int(rng.integers(0, len(CLASSES)))],
            "radius": radius,
            "pos": rng.uniform(radius, size - radius, 2),
            "vel": rng.uniform(-1.0, 1.0, 2) * size / 64.0,
            "angle": float(rng.uniform(0, 2 * math.pi)),
            "spin": float(rng.uniform(-0.08, 0.08)),
            "fill": np.clip(_texture(rng, size, _random_color(rng)), 0, 255),
        })
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), float(fps), (size, size))
    if not writer.isOpened():
        raise OSError(f"cannot open a video writer for {out}")
    try:
        for _ in range(num_frames):
            frame = background.copy()
            for m in movers:
                flat = _vertices(m["category"], m["pos"][0], m["pos"][1], m["radius"], m["angle"]).ravel().tolist()
                mask = _rasterize(flat, size, size)
                frame[mask] = m["fill"][mask]
                m["pos"] += m["vel"]
                for k in range(2):  # bounce off the borders
                    if not m["radius"] <= m["pos"][k] <= size - m["radius"]:
                        m["vel"][k] = -m["vel"][k]
                        m["pos"][k] = np.clip(m["pos"][k], m["radius"], size - m["radius"])
                m["angle"] += m["spin"]
            frame += rng.normal(0, 2.0, frame.shape)
            writer.write(np.clip(frame, 0, 255).astype(np.uint8))
    finally:
        writer.release()
    return out
