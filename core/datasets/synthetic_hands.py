"""Synthetic hands: the built-in sample data of the detection family, and the source of the
gesture family's crops (one generator feeds both stages of the hand -> gesture cascade).

A hand is a palm, a short wrist, and fingers: the extended ones long capsules, the curled ones
knuckle bumps; the thumb sticks out to one side or folds across the palm. Which fingers are
extended is the hand's *gesture*, one of `GESTURES`:

    fist   no finger extended          one    the index finger
    two    index and middle, spread (V) three  index, middle and ring
    palm   all five, spread (open palm) thumb  only the thumb (thumbs up)

Hands vary in skin tone (a palette from very light to very dark, jittered, shaded along the
hand), size, rotation (up to `TILT` either way from upright, as hands showing a gesture to a
camera are) and side (left or right hand); several per image, painted over
a cluttered background (`core.datasets.synthetic`'s gradients, blobs and lines, plus random
textured shapes), and partly occluded by later hands and by foreground shapes (each hand keeps
at least `MIN_VISIBLE_FRACTION` of its pixels, and `MIN_VISIBLE_DIGITS` of its fingers, knuckles
and thumb, so its gesture stays visible). Touching fingers are kept apart by darker creases, as the
shadow between real fingers does. Every box is exact: the extent of the hand's *visible* pixels.

Where the gesture lives: each hand's annotation carries ``{"gesture": NAME}`` in its
attributes — in the COCO file written here as the annotation's ``"attributes"`` object (CVAT's
convention), imported into the annotation's `extra` (the ``extra`` JSON column of the
annotations table, `core.project.catalog.Annotation.extra`). The detector trains on the single
class `HAND`; the gesture half reads ``annotation.extra["gesture"]``.

`import_sample_hands` generates a set and imports it through the real COCO importer (the
family's `FamilyInfo.sample_data`); `write_kitti` writes the same scenes as KITTI labels (the
gesture is not a KITTI field and is lost there); `generate_hands_video` writes a video of hands
moving and turning.
"""
from __future__ import annotations

import json
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

# the shape generator's background and textures: one owner for the clutter both data sets share
from core.datasets.synthetic import _background, _texture, _vertices

HAND = "hand"
GESTURES: tuple[str, ...] = ("fist", "one", "two", "three", "palm", "thumb")
# which fingers are extended: thumb, index, middle, ring, pinky
_EXTENDED = {
    "fist": (False, False, False, False, False),
    "one": (False, True, False, False, False),
    "two": (False, True, True, False, False),
    "three": (False, True, True, True, False),
    "palm": (True, True, True, True, True),
    "thumb": (True, False, False, False, False),
}
# skin tones (RGB), very light to very dark
SKIN_TONES = ((255, 224, 196), (241, 194, 160), (234, 192, 134), (224, 172, 105), (198, 134, 66),
              (161, 102, 54), (141, 85, 36), (110, 66, 34), (92, 51, 23), (70, 40, 22))
TILT = math.radians(40)      # hands face the camera upright, turned at most this far either way (as a hand
                             # showing a gesture is; a thumb up stays up)
MIN_VISIBLE_FRACTION = 0.6   # a hand keeps at least this much of itself in view
MIN_VISIBLE_DIGITS = 0.85    # ... and this much of its fingers, knuckles and thumb: the gesture stays visible
_MIN_VISIBLE_PIXELS = 40
GESTURE_KEY = "gesture"      # the annotation attribute holding the gesture name


@dataclass
class Hand:
    gesture: str
    box: tuple[float, float, float, float]   # x, y, w, h of the visible pixels
    mask: np.ndarray                         # bool (H, W): visible pixels
    occluded: float                          # fraction of the hand hidden
    digits_hidden: float = 0.0               # fraction of its fingers, knuckles and thumb hidden
    angle: float = 0.0                       # radians from upright, counter-clockwise


# ---------------------------------------------------------------------------- geometry

def _rot(theta: float) -> np.ndarray:
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[c, -s], [s, c]])


def _capsule(mask: np.ndarray, a: np.ndarray, b: np.ndarray, width: float) -> None:
    """A finger: a thick segment with round ends, from a to b (pixels)."""
    t = max(1, int(round(width)))
    cv2.line(mask, tuple(int(round(v)) for v in a), tuple(int(round(v)) for v in b), 1, t, cv2.LINE_8)
    for p in (a, b):
        cv2.circle(mask, tuple(int(round(v)) for v in p), max(1, int(round(width / 2))), 1, -1)


@dataclass
class HandShape:
    """One hand's pixels: `mask` all of it, `digits` the fingers, knuckles and thumb (what tells
    the gesture), `creases` the skin where one part meets another (drawn darker, so touching
    fingers stay apart, as the shadow between real fingers keeps them)."""

    mask: np.ndarray      # bool (H, W)
    digits: np.ndarray    # bool (H, W)
    creases: np.ndarray   # bool (H, W)

    def outlines(self) -> np.ndarray:
        """The pixels painted darker: the hand's rim and its creases."""
        inner = cv2.erode(self.mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        return (self.mask & ~inner) | self.creases


def hand_shape(size: tuple[int, int], gesture: str, center: tuple[float, float], palm: float, angle: float,
               mirror: bool, rng: np.random.Generator) -> HandShape:
    """The full (unoccluded) shape of one hand: palm width `palm` px, pointing up when `angle` is
    0 (radians, counter-clockwise on screen), a right hand unless `mirror`."""
    h, w = size
    r = _rot(-angle)
    sx = -1.0 if mirror else 1.0

    def px(x: float, y: float) -> np.ndarray:       # hand frame (palm widths, y up) -> pixels
        v = r @ np.array([sx * x * palm, -y * palm])
        return np.array(center) + v

    def layer() -> np.ndarray:
        return np.zeros((h, w), np.uint8)

    # palm: a rounded quadrilateral, a bit taller than wide; the wrist below it
    body = layer()
    outline = [(-0.5, -0.45), (0.5, -0.45), (0.52, 0.35), (0.4, 0.55), (-0.4, 0.55), (-0.52, 0.3)]
    cv2.fillPoly(body, [np.round(np.array([px(x, y) for x, y in outline])).astype(np.int32)], 1)
    wrist = [(-0.34, -0.45), (0.34, -0.45), (0.3, -0.95), (-0.3, -0.95)]
    cv2.fillPoly(body, [np.round(np.array([px(x, y) for x, y in wrist])).astype(np.int32)], 1)
    extended = _EXTENDED[gesture]
    jitter = lambda s: float(rng.uniform(-s, s))  # noqa: E731
    digits: list[np.ndarray] = []
    # fingers: index, middle, ring, pinky along the palm's top edge, a little narrower than their
    # share of it; extended ones fan out (as a hand holding up fingers does), curled ones are knuckles
    bases = (-0.33, -0.11, 0.11, 0.32)
    lengths = (0.95, 1.05, 0.95, 0.72)
    spread = {"palm": (-0.3, -0.1, 0.1, 0.3), "two": (-0.22, 0.22, 0.1, 0.2),
              "three": (-0.2, 0.0, 0.2, 0.2)}.get(gesture, (-0.07, 0.0, 0.07, 0.12))
    fw = 0.19 + jitter(0.02)
    for k in range(4):
        finger = layer()
        base = (bases[k], 0.5)
        if extended[k + 1]:
            t = spread[k] + jitter(0.05)
            length = lengths[k] * (1 + jitter(0.08))
            tip = (base[0] + math.sin(t) * length, base[1] + math.cos(t) * length)
            _capsule(finger, px(*base), px(*tip), fw * palm)
        else:   # curled: a knuckle bump
            _capsule(finger, px(base[0], 0.52), px(base[0], 0.6), fw * palm)
        digits.append(finger)
    # thumb: out to the side (the right hand's thumb is on the left, x < 0), or folded across the palm
    thumb = layer()
    tw = 0.25 * palm
    tb = (-0.45, 0.05)
    if extended[0]:
        t = (-1.05 if gesture == "palm" else -0.35) + jitter(0.12)
        length = (0.7 if gesture == "palm" else 0.85) * (1 + jitter(0.08))
        mid = (tb[0] + math.sin(t) * length * 0.5, tb[1] + math.cos(t) * length * 0.5)
        tip = (tb[0] + math.sin(t) * length, tb[1] + math.cos(t) * length)
        _capsule(thumb, px(*tb), px(*mid), tw)
        _capsule(thumb, px(*mid), px(*tip), tw * 0.9)
    else:
        _capsule(thumb, px(*tb), px(0.05, 0.2), tw)
    digits.append(thumb)
    parts = [body.astype(bool)] + [d.astype(bool) for d in digits]
    mask = np.logical_or.reduce(parts)
    creases = np.zeros((h, w), bool)
    kernel = np.ones((3, 3), np.uint8)
    for part in parts[1:]:     # the skin just beside each digit (on the hand, so on another part)
        creases |= cv2.dilate(part.astype(np.uint8), kernel).astype(bool) & mask & ~part
    return HandShape(mask, np.logical_or.reduce(parts[1:]) & ~parts[0], creases)


def hand_mask(size: tuple[int, int], gesture: str, center: tuple[float, float], palm: float, angle: float,
              mirror: bool, rng: np.random.Generator) -> np.ndarray:
    """The full (unoccluded) mask of one hand (`hand_shape`'s)."""
    return hand_shape(size, gesture, center, palm, angle, mirror, rng).mask


# ---------------------------------------------------------------------------- painting

def _skin(rng: np.random.Generator) -> np.ndarray:
    rgb = np.array(SKIN_TONES[int(rng.integers(0, len(SKIN_TONES)))], np.float32)
    rgb = np.clip(rgb * rng.uniform(0.88, 1.08) + rng.uniform(-10, 10, 3), 0, 255)
    return rgb[::-1].copy()   # BGR


def _paint_hand(canvas: np.ndarray, shape: HandShape, rng: np.random.Generator) -> None:
    """Skin with shading across the hand, a darker rim and creases, and a little noise."""
    mask = shape.mask
    ys, xs = np.nonzero(mask)
    color = _skin(rng)
    theta = rng.uniform(0, 2 * math.pi)
    x0, y0 = xs.min(), ys.min()
    extent = max(int(xs.max() - x0), int(ys.max() - y0), 1)
    g = (math.cos(theta) * (xs - x0) + math.sin(theta) * (ys - y0)) / extent
    shade = 1.0 - 0.3 * np.clip(g, 0, 1)[:, None]
    pixels = color[None, :] * shade + rng.normal(0, 5, (len(xs), 3))
    canvas[ys, xs] = pixels
    canvas[shape.outlines()] *= 0.75


def _clutter_shape(rng: np.random.Generator, size: tuple[int, int], scale: float) -> np.ndarray:
    """A random shape's mask (a polygon of the shape generator, or an ellipse) for clutter."""
    h, w = size
    kind = ("circle", "square", "triangle", "star")[int(rng.integers(0, 4))]
    radius = float(rng.uniform(0.3, 1.0)) * scale
    cx, cy = float(rng.uniform(0, w)), float(rng.uniform(0, h))
    mask = np.zeros((h, w), np.uint8)
    if rng.random() < 0.3:
        cv2.ellipse(mask, (int(cx), int(cy)), (int(radius), max(1, int(radius * rng.uniform(0.2, 0.6)))),
                    float(rng.uniform(0, 180)), 0, 360, 1, -1)
    else:
        pts = _vertices(kind, cx, cy, radius, float(rng.uniform(0, 2 * math.pi)))
        cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1)
    return mask.astype(bool)


def _paint_shape(canvas: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> None:
    size = canvas.shape[0]
    fill = _texture(rng, size, rng.uniform(0, 255, 3))[: canvas.shape[0], : canvas.shape[1]]
    canvas[mask] = fill[mask]


def render_hands(rng: np.random.Generator, size: int = 128, min_hands: int = 1, max_hands: int = 4,
                 occluders: int = 2, tilt: float = TILT) -> tuple[np.ndarray, list[Hand]]:
    """One scene (uint8 BGR, size x size) and its hands, in painting order; each hand turned from
    upright by a random angle within +-`tilt` radians (pi: any angle)."""
    if size < 32:
        raise ValueError(f"size must be >= 32, got {size}")
    shape = (size, size)
    canvas = _background(rng, size).astype(np.float32)
    for _ in range(int(rng.integers(1, 4))):          # background clutter, under the hands
        _paint_shape(canvas, _clutter_shape(rng, shape, size * 0.12), rng)
    placed: list[dict] = []
    wanted = int(rng.integers(min_hands, max_hands + 1))
    for _ in range(wanted):
        for _attempt in range(15):
            gesture = GESTURES[int(rng.integers(0, len(GESTURES)))]
            palm = float(rng.uniform(0.075, 0.15)) * size
            margin = palm * 0.8
            center = (float(rng.uniform(margin, size - margin)), float(rng.uniform(margin, size - margin)))
            angle = float(rng.uniform(-tilt, tilt))
            hand = hand_shape(shape, gesture, center, palm, angle, bool(rng.random() < 0.5), rng)
            full = hand.mask
            if full.sum() < _MIN_VISIBLE_PIXELS:
                continue
            if all(_still_shows(p, full) for p in placed):
                break
        else:
            continue
        _paint_hand(canvas, hand, rng)
        for p in placed:
            p["visible"] &= ~full
        placed.append({"gesture": gesture, "full": full, "visible": full.copy(), "digits": hand.digits,
                       "angle": angle})
    for _ in range(int(rng.integers(0, occluders + 1))):   # foreground shapes, partly over hands
        for _attempt in range(10):
            m = _clutter_shape(rng, shape, size * 0.1)
            if all(_still_shows(p, m) for p in placed):
                break
        else:
            continue
        _paint_shape(canvas, m, rng)
        for p in placed:
            p["visible"] &= ~m
    canvas += rng.normal(0, 2.0, canvas.shape)
    image = np.clip(canvas, 0, 255).astype(np.uint8)
    hands = []
    for p in placed:
        vis = p["visible"]
        if vis.sum() < _MIN_VISIBLE_PIXELS:
            continue
        hands.append(Hand(p["gesture"], _box(vis), vis, 1.0 - float(vis.sum()) / float(p["full"].sum()),
                          1.0 - float((vis & p["digits"]).sum()) / max(1.0, float(p["digits"].sum())), p["angle"]))
    return image, hands


def _still_shows(placed: dict, cover: np.ndarray) -> bool:
    """Whether a placed hand, with `cover` painted over it, keeps `MIN_VISIBLE_FRACTION` of itself
    and `MIN_VISIBLE_DIGITS` of its fingers, knuckles and thumb in view (its gesture stays visible)."""
    visible = placed["visible"] & ~cover
    digits = placed["digits"]
    return (visible.sum() >= MIN_VISIBLE_FRACTION * placed["full"].sum()
            and (visible & digits).sum() >= MIN_VISIBLE_DIGITS * digits.sum())


def _box(mask: np.ndarray) -> tuple[float, float, float, float]:
    ys, xs = np.nonzero(mask)
    x0, y0 = int(xs.min()), int(ys.min())
    return (float(x0), float(y0), float(xs.max() - x0 + 1), float(ys.max() - y0 + 1))


# ---------------------------------------------------------------------------- files

def generate_hands(out_dir: str | Path, num_images: int, size: int = 128, seed: int = 0, max_hands: int = 4
                   ) -> Path:
    """Write out_dir/images/000000.png ... and out_dir/annotations.json: COCO, one category
    `hand`, boxes only, each annotation's ``attributes`` holding its gesture. Deterministic per seed."""
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    images, annotations = [], []
    for i in range(num_images):
        image, hands = render_hands(rng, size, max_hands=max_hands)
        name = f"{i:06d}.png"
        if not cv2.imwrite(str(out / "images" / name), image):
            raise OSError(f"could not write {out / 'images' / name}")
        images.append({"id": i + 1, "file_name": f"images/{name}", "width": size, "height": size})
        for hand in hands:
            annotations.append({"id": len(annotations) + 1, "image_id": i + 1, "category_id": 1,
                                "bbox": list(hand.box), "area": float(hand.mask.sum()), "iscrowd": 0,
                                "segmentation": [], "attributes": {GESTURE_KEY: hand.gesture,
                                                                   "occluded": round(hand.occluded, 3)}})
    doc = {"info": {"description": f"Studio synthetic hands (seed {seed}, {size} px)", "version": "1.0"},
           "licenses": [], "images": images, "annotations": annotations,
           "categories": [{"id": 1, "name": HAND, "supercategory": "person"}]}
    path = out / "annotations.json"
    path.write_text(json.dumps(doc))
    return path


def write_kitti(coco_json: str | Path, out_dir: str | Path) -> tuple[Path, Path]:
    """The scenes of a `generate_hands` file as KITTI: out_dir/image_2/*.png (links to the images)
    and out_dir/label_2/*.txt, one `hand` line per box. Returns (images folder, labels folder)."""
    doc = json.loads(Path(coco_json).read_text())
    root = Path(coco_json).parent
    images_dir, labels_dir = Path(out_dir) / "image_2", Path(out_dir) / "label_2"
    images_dir.mkdir(parents=True, exist_ok=True)
    labels_dir.mkdir(parents=True, exist_ok=True)
    boxes: dict[int, list] = {im["id"]: [] for im in doc["images"]}
    for a in doc["annotations"]:
        boxes[a["image_id"]].append(a["bbox"])
    for im in doc["images"]:
        src = root / im["file_name"]
        stem = Path(im["file_name"]).stem
        (images_dir / src.name).write_bytes(src.read_bytes())
        lines = [f"{HAND} 0.00 0 0.00 {x:.2f} {y:.2f} {x + w:.2f} {y + h:.2f} 0.00 0.00 0.00 0.00 0.00 0.00 0.00"
                 for x, y, w, h in boxes[im["id"]]]
        (labels_dir / f"{stem}.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
    return images_dir, labels_dir


def import_sample_hands(project, num_images: int = 200, size: int = 128, seed: int = 0, reporter=None):
    """Generate `num_images` hand scenes and import them through the COCO importer (one
    transaction): the detection family's built-in sample data."""
    from core.datasets.coco import plan_coco_import
    from core.datasets.plan import commit_import
    from core.jobs.reporter import NullReporter

    reporter = reporter or NullReporter()
    with tempfile.TemporaryDirectory(prefix="studio-hands-") as tmp:
        reporter.log(f"Generating {num_images} synthetic hand images ({size} px)...")
        ann = generate_hands(Path(tmp) / "hands", num_images, size=size, seed=seed)
        plan = plan_coco_import(ann, ann.parent, reporter=reporter)
        return commit_import(project, plan, copy=True, reporter=reporter)


def generate_hands_video(path: str | Path, num_frames: int = 48, size: int = 128, seed: int = 1, fps: int = 12,
                         hands: int = 3) -> Path:
    """An .mp4 (fourcc 'mp4v') of hands drifting and turning over a cluttered background."""
    if num_frames < 1:
        raise ValueError(f"num_frames must be >= 1, got {num_frames}")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    background = _background(rng, size).astype(np.float32)
    movers = []
    for _ in range(hands):
        palm = float(rng.uniform(0.09, 0.14)) * size
        movers.append({"gesture": GESTURES[int(rng.integers(0, len(GESTURES)))], "palm": palm,
                       "pos": rng.uniform(palm, size - palm, 2), "vel": rng.uniform(-1, 1, 2) * size / 96.0,
                       "angle": float(rng.uniform(-TILT, TILT)), "spin": float(rng.uniform(-0.06, 0.06)),
                       "mirror": bool(rng.random() < 0.5), "seed": int(rng.integers(0, 2**31))})
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), float(fps), (size, size))
    if not writer.isOpened():
        raise OSError(f"cannot open a video writer for {out}")
    try:
        for _ in range(num_frames):
            frame = background.copy()
            for m in movers:
                local = np.random.default_rng(m["seed"])     # the same fingers and skin in every frame
                hand = hand_shape((size, size), m["gesture"], tuple(m["pos"]), m["palm"], m["angle"], m["mirror"],
                                  local)
                _paint_hand(frame, hand, local)
                m["pos"] += m["vel"]
                for k in range(2):
                    if not m["palm"] <= m["pos"][k] <= size - m["palm"]:
                        m["vel"][k] = -m["vel"][k]
                        m["pos"][k] = np.clip(m["pos"][k], m["palm"], size - m["palm"])
                m["angle"] += m["spin"]
                if abs(m["angle"]) > TILT:                    # turning back, as a hand waving does
                    m["spin"] = -m["spin"]
                    m["angle"] = float(np.clip(m["angle"], -TILT, TILT))
            frame += rng.normal(0, 2.0, frame.shape)
            writer.write(np.clip(frame, 0, 255).astype(np.uint8))
    finally:
        writer.release()
    return out


def import_sample_gestures(project, num_images: int = 200, size: int = 128, seed: int = 0, margin: float = 0.25,
                           reporter=None):
    """Generate `num_images` hand scenes and import the crop of every hand (its box grown by
    `margin`, class from its gesture attribute) through the detection-crops importer: the gesture
    family's built-in sample data, from the same generator as the detector's."""
    from core.datasets.detection_crops import plan_detection_crops_import
    from core.datasets.plan import commit_import
    from core.jobs.reporter import NullReporter

    reporter = reporter or NullReporter()
    with tempfile.TemporaryDirectory(prefix="studio-gestures-") as tmp:
        reporter.log(f"Generating {num_images} synthetic hand images ({size} px) and cutting their hands...")
        ann = generate_hands(Path(tmp) / "hands", num_images, size=size, seed=seed)
        plan = plan_detection_crops_import(ann, margin=margin, attribute=GESTURE_KEY, reporter=reporter)
        return commit_import(project, plan, copy=True, reporter=reporter)
