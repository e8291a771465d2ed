"""Drawing helpers every family's overlay shares: a stable color per class id, vectorized
alpha-blended masks, boxes, label tags with a filled background, and the FPS readout.

All functions take and return BGR uint8 frames (OpenCV's order) and draw in place.
"""
from __future__ import annotations

import colorsys
import functools
from typing import Sequence

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX
_GOLDEN = 0.618033988749895


@functools.lru_cache(maxsize=4096)
def color_for(class_id: int) -> tuple[int, int, int]:
    """A saturated BGR color for a class id: the same id always gets the same color, and
    neighbouring ids get well separated hues (golden-ratio steps around the color wheel)."""
    hue = (0.13 + int(class_id) * _GOLDEN) % 1.0
    value = 0.95 if int(class_id) % 2 == 0 else 0.8
    r, g, b = colorsys.hsv_to_rgb(hue, 0.85, value)
    return int(b * 255), int(g * 255), int(r * 255)


def colors_for(class_ids: Sequence[int] | np.ndarray) -> np.ndarray:
    """(N, 3) uint8 BGR colors, one per id."""
    return np.array([color_for(int(c)) for c in class_ids], dtype=np.uint8).reshape(-1, 3)


def blend_masks(frame: np.ndarray, masks: np.ndarray, colors: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    """Alpha-blend K boolean masks (K, H, W) into `frame` with one color each, in one numpy pass.

    Where masks overlap, the first mask in `masks` wins (pass them sorted best first)."""
    if len(masks) == 0:
        return frame
    masks = np.asarray(masks, dtype=bool)
    covered = masks.any(axis=0)
    if not covered.any():
        return frame
    owner = masks.argmax(axis=0)[covered]               # index of the first mask covering each pixel
    tint = np.asarray(colors, np.float32)[owner]        # (P, 3)
    pixels = frame[covered].astype(np.float32)
    frame[covered] = (pixels * (1.0 - alpha) + tint * alpha + 0.5).astype(np.uint8)
    return frame


def draw_box(frame: np.ndarray, box: Sequence[float], color: tuple[int, int, int], thickness: int = 2) -> None:
    x1, y1, x2, y2 = (int(round(float(v))) for v in box)
    cv2.rectangle(frame, (x1, y1), (x2, y2), color, thickness, lineType=cv2.LINE_AA)


def _text_color(bg: tuple[int, int, int]) -> tuple[int, int, int]:
    b, g, r = bg
    return (0, 0, 0) if 0.114 * b + 0.587 * g + 0.299 * r > 140 else (255, 255, 255)


def draw_label(frame: np.ndarray, text: str, x: float, y: float, color: tuple[int, int, int],
               scale: float = 0.4, thickness: int = 1) -> tuple[int, int, int, int]:
    """A text tag on a filled `color` background whose bottom-left corner is at (x, y), moved to
    stay inside the frame (below y when there is no room above). Returns the tag's x1, y1, x2, y2."""
    (tw, th), base = cv2.getTextSize(text, FONT, scale, thickness)
    h, w = frame.shape[:2]
    pad = 2
    bw, bh = tw + 2 * pad, th + base + 2 * pad
    x1 = int(min(max(0, round(x)), max(0, w - bw)))
    y2 = int(round(y))
    if y2 - bh < 0:
        y2 = min(h, y2 + bh)
    y1 = max(0, y2 - bh)
    cv2.rectangle(frame, (x1, y1), (x1 + bw - 1, y2 - 1), color, thickness=-1)
    cv2.putText(frame, text, (x1 + pad, y2 - base - pad + 1), FONT, scale, _text_color(color), thickness,
                lineType=cv2.LINE_AA)
    return x1, y1, x1 + bw, y2


def draw_fps(frame: np.ndarray, fps: float, extra: str = "") -> np.ndarray:
    """'12.3 FPS' (and `extra`) in the top-left corner on a dark tag."""
    text = f"{fps:.1f} FPS" + (f"  {extra}" if extra else "")
    scale = max(0.4, min(1.0, frame.shape[1] / 1280))
    (_, th), base = cv2.getTextSize(text, FONT, scale, 1)
    draw_label(frame, text, 4, 4 + th + base + 4, (32, 32, 32), scale=scale)
    return frame


def score_text(name: str, score: float | None) -> str:
    """'name 0.93' (or just the name without a score)."""
    return name if score is None else f"{name} {float(score):.2f}"
