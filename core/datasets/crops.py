"""Cutting a box out of an image with a margin — the crop samples of classifier families and the
cascade that classifies a detector's boxes use the same rule.

The margin is in pixels when it is 1 or more, else a fraction of the box's size on each side
(0.25: a quarter of the width left and right, of the height above and below). The expanded box
is clipped to the image; an empty result keeps at least one pixel.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def expand_box(box_xyxy: Sequence[float], margin: float, width: int, height: int) -> tuple[int, int, int, int]:
    """The integer pixel box (x1, y1, x2, y2, exclusive end) of `box_xyxy` grown by `margin`, clipped."""
    x1, y1, x2, y2 = (float(v) for v in box_xyxy)
    if margin >= 1:
        mx = my = float(margin)
    else:
        mx, my = max(0.0, margin) * (x2 - x1), max(0.0, margin) * (y2 - y1)
    ix1 = int(np.floor(max(0.0, x1 - mx)))
    iy1 = int(np.floor(max(0.0, y1 - my)))
    ix2 = int(np.ceil(min(float(width), x2 + mx)))
    iy2 = int(np.ceil(min(float(height), y2 + my)))
    ix1, iy1 = min(ix1, max(0, width - 1)), min(iy1, max(0, height - 1))
    return ix1, iy1, max(ix2, ix1 + 1), max(iy2, iy1 + 1)


def crop(image: np.ndarray, box_xyxy: Sequence[float], margin: float = 0.0) -> np.ndarray:
    """The pixels of `box_xyxy` grown by `margin` and clipped to `image` (a view, not a copy)."""
    h, w = image.shape[:2]
    x1, y1, x2, y2 = expand_box(box_xyxy, margin, w, h)
    return image[y1:y2, x1:x2]


def random_window(height: int, width: int, min_scale: float, rng: np.random.Generator,
                  keep_aspect: bool = True) -> tuple[int, int, int, int]:
    """A training augmentation's window (y, x, h, w) of at least `min_scale` of each side (at least
    2 px), at a random place: one scale for both sides with `keep_aspect`, else one per side."""
    if keep_aspect:
        fh = fw = rng.uniform(min_scale, 1.0)
    else:
        fh, fw = rng.uniform(min_scale, 1.0, 2)
    ch, cw = max(2, int(round(height * fh))), max(2, int(round(width * fw)))
    y, x = int(rng.integers(0, height - ch + 1)), int(rng.integers(0, width - cw + 1))
    return y, x, ch, cw


def xywh_to_xyxy(box: Sequence[float]) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in box)
    return x, y, x + w, y + h
