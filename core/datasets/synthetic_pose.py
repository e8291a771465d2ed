"""Synthetic 2D pose data: stick figures (head, torso, arms and legs with joints) in varied poses,
scales and rotations on cluttered backgrounds, some partly hidden behind other figures or
occluding blobs, some leaving the frame.

The keypoint set is CrowdPose's 14 joints (`JOINTS`, in CrowdPose's order) with the skeleton
`SKELETON` (COCO style: 1-based index pairs). A figure faces the camera, so its left side is on
the image's right, as for a person seen from the front; that keeps left and right learnable and
makes a horizontal flip (with left and right swapped) a valid augmentation.

Keypoints and visibility flags are exact, by construction: a joint's (x, y) is where the figure's
limbs meet (drawn there); its flag is 2 when the pixel under it shows its own figure, 1 when
something painted later hides it (another figure or an occluder), 0 with (0, 0) when it lies
outside the image (COCO's convention for unlabeled). `bbox` is the figure's painted pixels inside
the image (hidden parts included) and `area` their count: what a segmentation of the whole figure
would cover, which COCO's OKS uses as the object's scale.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np

from core.datasets.synthetic import _background, _random_color, _texture

CATEGORY = "figure"
JOINTS: tuple[str, ...] = (
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "head", "neck")
J = {name: i for i, name in enumerate(JOINTS)}
# COCO style (1-based): head-neck, shoulders, arms, torso sides, hips, legs
SKELETON: tuple[tuple[int, int], ...] = tuple((J[a] + 1, J[b] + 1) for a, b in (
    ("head", "neck"), ("neck", "left_shoulder"), ("neck", "right_shoulder"),
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"), ("left_hip", "right_hip"),
    ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"), ("right_knee", "right_ankle")))

_MIN_PIXELS = 30            # figures with fewer painted pixels inside the image are not kept
_MIN_CONTRAST = 80.0


def _shape(size) -> tuple[int, int]:
    """(height, width) from an int (square) or a (height, width) pair."""
    if isinstance(size, (tuple, list)):
        h, w = int(size[0]), int(size[1])
    else:
        h = w = int(size)
    if min(h, w) < 32:
        raise ValueError(f"images must be at least 32 px on each side, got {h}x{w}")
    return h, w


# ---------------------------------------------------------------------------- one figure

def pose_joints(rng: np.random.Generator, cx: float, cy: float, height: float, angle: float,
                phase: float | None = None) -> np.ndarray:
    """(14, 2) joint positions of a figure whose pelvis is at (cx, cy), `height` px tall, turned by
    `angle` radians. Limb angles are random, or (with `phase`, for videos) a walking swing."""
    w = float(rng.uniform(0.85, 1.2))              # build: broader or narrower shoulders and hips

    def rnd(lo: float, hi: float) -> float:
        return float(rng.uniform(lo, hi))

    if phase is None:
        arm = {s: (math.radians(rnd(-25, 165)), math.radians(rnd(-10, 120))) for s in (1, -1)}
        leg = {s: (math.radians(rnd(-15, 50)), math.radians(rnd(-40, 80))) for s in (1, -1)}
    else:
        swing = math.sin(phase)
        arm = {s: (math.radians(25 + 35 * s * swing), math.radians(30 + 20 * s * swing)) for s in (1, -1)}
        leg = {s: (math.radians(12 + 18 * s * swing), math.radians(15 + 15 * max(0.0, s * swing))) for s in (1, -1)}
    p = np.zeros((len(JOINTS), 2))
    p[J["neck"]] = (0.0, -0.33)
    p[J["head"]] = (0.0, -0.45)
    for s, side in ((1, "left"), (-1, "right")):    # the figure's left is at +x (the image's right)
        shoulder = p[J["neck"]] + (s * 0.11 * w, 0.025)
        hip = np.array((s * 0.075 * w, 0.0))
        a1, a2 = arm[s]
        elbow = shoulder + 0.17 * np.array((s * math.sin(a1), math.cos(a1)))
        wrist = elbow + 0.16 * np.array((s * math.sin(a1 + a2), math.cos(a1 + a2)))
        l1, l2 = leg[s]
        knee = hip + 0.22 * np.array((s * math.sin(l1), math.cos(l1)))
        ankle = knee + 0.21 * np.array((s * math.sin(l1 - l2), math.cos(l1 - l2)))
        for name, value in (("shoulder", shoulder), ("hip", hip), ("elbow", elbow), ("wrist", wrist),
                            ("knee", knee), ("ankle", ankle)):
            p[J[f"{side}_{name}"]] = value
    c, s_ = math.cos(angle), math.sin(angle)
    rot = np.array([[c, -s_], [s_, c]])
    return (p * height) @ rot.T + (cx, cy)


def paint_figure(canvas: np.ndarray, owner: np.ndarray, index: int, joints: np.ndarray, height: float,
                 fill: np.ndarray) -> np.ndarray:
    """Paint one figure (limbs as thick lines, a filled torso, a round head) onto `canvas` (float
    BGR) from `fill` (its texture), mark its pixels `index` in `owner`; returns its own mask."""
    h, w = owner.shape
    mask = np.zeros((h, w), np.uint8)
    shift = 4                                    # sub-pixel drawing: joints are exactly where the limbs meet
    pts = np.round(joints * (1 << shift)).astype(np.int64)
    thick = max(2, int(round(0.05 * height)))
    torso = pts[[J["left_shoulder"], J["right_shoulder"], J["right_hip"], J["left_hip"]]].astype(np.int32)
    cv2.fillPoly(mask, [torso], 1, lineType=cv2.LINE_8, shift=shift)
    for a, b in SKELETON:
        pa, pb = pts[a - 1], pts[b - 1]
        cv2.line(mask, (int(pa[0]), int(pa[1])), (int(pb[0]), int(pb[1])), 1, thick, lineType=cv2.LINE_8,
                 shift=shift)
    head = pts[J["head"]]
    cv2.circle(mask, (int(head[0]), int(head[1])), int(round(0.085 * height * (1 << shift))), 1, -1,
               lineType=cv2.LINE_8, shift=shift)
    m = mask.astype(bool)
    canvas[m] = fill[m]
    owner[m] = index
    return m


def _pick_color(rng: np.random.Generator, canvas: np.ndarray) -> np.ndarray:
    under = canvas.reshape(-1, 3).mean(axis=0)
    best, best_d = None, -1.0
    for _ in range(10):
        c = _random_color(rng)
        d = float(np.linalg.norm(c - under))
        if d >= _MIN_CONTRAST:
            return c
        if d > best_d:
            best, best_d = c, d
    return best


def _bbox(mask: np.ndarray) -> list[float]:
    ys, xs = np.nonzero(mask)
    x0, y0 = int(xs.min()), int(ys.min())
    return [float(x0), float(y0), float(xs.max() - x0 + 1), float(ys.max() - y0 + 1)]


def figure_keypoints(joints: np.ndarray, owner: np.ndarray, index: int) -> list[float]:
    """COCO keypoints [x1, y1, v1, ...] of figure `index`: 2 shown, 1 hidden by something painted
    over it, (0, 0, 0) outside the image."""
    h, w = owner.shape
    out: list[float] = []
    for x, y in joints:
        xi, yi = int(math.floor(x)), int(math.floor(y))
        if not (0 <= x < w and 0 <= y < h):
            out += [0.0, 0.0, 0]
            continue
        out += [round(float(x), 2), round(float(y), 2), 2 if owner[yi, xi] == index else 1]
    return out


# ---------------------------------------------------------------------------- scenes

def render_pose_scene(rng: np.random.Generator, size, max_people: int = 3, min_people: int = 1,
                      occluders: float = 0.4) -> tuple[np.ndarray, list[dict]]:
    """One image (uint8 BGR, `size` = side or (height, width)) with stick figures; returns (image,
    people), each {"keypoints": COCO flat list, "bbox", "area", "num_keypoints"} (see the module
    docstring). With probability `occluders` a blob or bar is painted over part of the scene."""
    h, w = _shape(size)
    side = max(h, w)
    canvas = _background(rng, side)[:h, :w].copy()
    owner = np.full((h, w), -1, np.int32)
    wanted = int(rng.integers(min_people, max_people + 1))
    placed: list[dict] = []
    for index in range(wanted):
        height = float(rng.uniform(0.35, 0.95) * h)
        angle = float(rng.normal(0, 0.35))
        leave = rng.random() < 0.2                   # some figures reach out of the frame
        margin = 0.0 if leave else 0.45 * height
        for _attempt in range(10):
            cx = float(rng.uniform(min(margin * 0.6, w / 2), max(w - margin * 0.6, w / 2)))
            cy = float(rng.uniform(min(margin, h / 2), max(h - margin, h / 2)))
            box = (cx - 0.3 * height, cy - 0.55 * height, cx + 0.3 * height, cy + 0.45 * height)
            if all(_overlap(box, p["box"]) < 0.35 for p in placed):
                break
        joints = pose_joints(rng, cx, cy, height, angle)
        fill = np.clip(_texture(rng, side, _pick_color(rng, canvas))[:h, :w], 0, 255)
        mask = paint_figure(canvas, owner, index, joints, height, fill)
        placed.append({"joints": joints, "mask": mask, "box": box, "index": index})
    if rng.random() < occluders:
        _paint_occluder(rng, canvas, owner, h, w)
    canvas += rng.normal(0, 2.0, canvas.shape)
    people = []
    for p in placed:
        if p["mask"].sum() < _MIN_PIXELS:
            continue
        kps = figure_keypoints(p["joints"], owner, p["index"])
        people.append({"keypoints": kps, "bbox": _bbox(p["mask"]), "area": float(p["mask"].sum()),
                       "num_keypoints": sum(1 for v in kps[2::3] if v > 0)})
    return np.clip(canvas, 0, 255).astype(np.uint8), people


def _overlap(a, b) -> float:
    """Intersection over the smaller box."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / max(small, 1e-6)


def _paint_occluder(rng: np.random.Generator, canvas: np.ndarray, owner: np.ndarray, h: int, w: int) -> None:
    mask = np.zeros((h, w), np.uint8)
    cx, cy = int(rng.uniform(0.15, 0.85) * w), int(rng.uniform(0.15, 0.85) * h)
    if rng.random() < 0.5:
        cv2.ellipse(mask, (cx, cy), (int(rng.uniform(0.06, 0.18) * w), int(rng.uniform(0.06, 0.18) * h)),
                    float(rng.uniform(0, 180)), 0, 360, 1, -1)
    else:                                            # a pole or a bar
        bw = int(rng.uniform(0.05, 0.12) * w)
        cv2.rectangle(mask, (cx - bw // 2, 0), (cx + bw // 2, h), 1, -1)
    m = mask.astype(bool)
    fill = np.clip(_texture(rng, max(h, w), _random_color(rng))[:h, :w], 0, 255)
    canvas[m] = fill[m]
    owner[m] = -2


def pose_category() -> dict:
    """The COCO category entry of the synthetic figures (id 1)."""
    return {"id": 1, "name": CATEGORY, "supercategory": "person", "keypoints": list(JOINTS),
            "skeleton": [list(p) for p in SKELETON]}


def generate_pose_coco(out_dir, num_images: int, size=(128, 160), seed: int = 0, max_people: int = 3) -> Path:
    """Write out_dir/images/000000.png ... and out_dir/annotations.json (COCO person_keypoints style,
    one category `figure` with 14 keypoints). Deterministic for a seed."""
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    h, w = _shape(size)
    rng = np.random.default_rng(seed)
    images, annotations = [], []
    for i in range(num_images):
        image, people = render_pose_scene(rng, (h, w), max_people=max_people)
        name = f"{i:06d}.png"
        if not cv2.imwrite(str(out / "images" / name), image):
            raise OSError(f"could not write {out / 'images' / name}")
        images.append({"id": i + 1, "file_name": f"images/{name}", "width": w, "height": h})
        for p in people:
            annotations.append({"id": len(annotations) + 1, "image_id": i + 1, "category_id": 1, "iscrowd": 0,
                                "bbox": p["bbox"], "area": p["area"], "keypoints": p["keypoints"],
                                "num_keypoints": p["num_keypoints"]})
    doc = {"info": {"description": f"Studio synthetic stick figures (seed {seed}, {h}x{w} px)", "version": "1.0"},
           "licenses": [], "images": images, "annotations": annotations, "categories": [pose_category()]}
    path = out / "annotations.json"
    path.write_text(json.dumps(doc))
    return path


# ---------------------------------------------------------------------------- video

def generate_pose_video(path, num_frames: int = 48, size=(192, 256), seed: int = 0, fps: int = 12,
                        people: int = 2) -> Path:
    """An .mp4 (fourcc 'mp4v') of stick figures walking across a textured background, swinging
    their arms and legs, one of them passing behind a pole."""
    if num_frames < 1:
        raise ValueError(f"num_frames must be >= 1, got {num_frames}")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    h, w = _shape(size)
    rng = np.random.default_rng(seed)
    background = _background(rng, max(h, w))[:h, :w].copy()
    walkers = []
    for k in range(people):
        height = float(rng.uniform(0.5, 0.8) * h)
        walkers.append({"x": float(rng.uniform(0.15, 0.85) * w), "y": float(h * rng.uniform(0.5, 0.6)),
                        "vx": float(rng.choice([-1, 1]) * rng.uniform(0.6, 1.4) * w / 128), "height": height,
                        "angle": float(rng.normal(0, 0.1)), "phase": float(rng.uniform(0, 2 * math.pi)),
                        "fill": np.clip(_texture(rng, max(h, w), _pick_color(rng, background))[:h, :w], 0, 255),
                        "seed": int(rng.integers(1 << 30))})
    pole_x, pole_w = int(0.5 * w), max(4, w // 20)
    pole = np.clip(_texture(rng, max(h, w), _random_color(rng))[:h, :w], 0, 255)
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), float(fps), (w, h))
    if not writer.isOpened():
        raise OSError(f"cannot open a video writer for {out}")
    try:
        for _ in range(num_frames):
            frame = background.copy()
            owner = np.full((h, w), -1, np.int32)
            for i, m in enumerate(walkers):
                joints = pose_joints(np.random.default_rng(m["seed"]), m["x"], m["y"], m["height"], m["angle"],
                                     phase=m["phase"])
                paint_figure(frame, owner, i, joints, m["height"], m["fill"])
                m["x"] += m["vx"]
                m["phase"] += 0.35
                if not 0.1 * w <= m["x"] <= 0.9 * w:
                    m["vx"] = -m["vx"]
            frame[:, pole_x:pole_x + pole_w] = pole[:, pole_x:pole_x + pole_w]
            frame += rng.normal(0, 2.0, frame.shape)
            writer.write(np.clip(frame, 0, 255).astype(np.uint8))
    finally:
        writer.release()
    return out
