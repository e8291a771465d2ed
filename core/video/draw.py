"""Drawing helpers every family's overlay shares: a stable color per class id, vectorized
alpha-blended masks, boxes, label tags with a filled background, and the FPS readout.

All functions take and return BGR uint8 frames (OpenCV's order) and draw in place. Sizes follow
one rule, `overlay_style(frame)`: text, line widths, padding and points scale with the frame's
shorter side, so a 192x192 video keeps its objects visible under their tags and a 1080p one
gets tags that can be read.
"""
from __future__ import annotations

import colorsys
import functools
from dataclasses import dataclass
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


@dataclass(frozen=True)
class OverlayStyle:
    font_scale: float        # cv2.putText scale (Hershey simplex)
    text_thickness: int
    line_width: int          # boxes and skeleton lines
    pad: int                 # around a tag's text
    point_radius: int        # keypoints


REFERENCE_SIDE = 1000.0      # a frame whose shorter side is this draws at font scale 1.0


def overlay_style(frame_or_shape) -> OverlayStyle:
    """The sizes every overlay draws with on a frame (or a shape (h, w, ...)): 192 px -> text at
    scale 0.3 with 1 px lines; 720 px -> 0.72 and 2 px; 1080 px -> 1.0 and 3 px."""
    shape = getattr(frame_or_shape, "shape", frame_or_shape)
    side = float(min(shape[0], shape[1]))
    return OverlayStyle(font_scale=round(min(1.0, max(0.3, side / REFERENCE_SIDE)), 3),
                        text_thickness=max(1, int(round(side / 720))),
                        line_width=max(1, int(round(side / 360))),
                        pad=max(1, int(round(side / 240))),
                        point_radius=max(2, int(round(side / 160))))


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


def draw_box(frame: np.ndarray, box: Sequence[float], color: tuple[int, int, int],
             thickness: int | None = None) -> None:
    """A box outline; `thickness` defaults to the frame's `overlay_style` line width."""
    x1, y1, x2, y2 = (int(round(float(v))) for v in box)
    thickness = overlay_style(frame).line_width if thickness is None else thickness
    cv2.rectangle(frame, (x1, y1), (x2, y2), color, thickness, lineType=cv2.LINE_AA)


def _text_color(bg: tuple[int, int, int]) -> tuple[int, int, int]:
    b, g, r = bg
    return (0, 0, 0) if 0.114 * b + 0.587 * g + 0.299 * r > 140 else (255, 255, 255)


def draw_label(frame: np.ndarray, text: str, x: float, y: float, color: tuple[int, int, int],
               scale: float | None = None, thickness: int | None = None) -> tuple[int, int, int, int]:
    """A text tag on a filled `color` background whose bottom-left corner is at (x, y), moved to
    stay inside the frame (below y when there is no room above). Text size, thickness and padding
    default to the frame's `overlay_style`. Returns the tag's x1, y1, x2, y2."""
    style = overlay_style(frame)
    scale = style.font_scale if scale is None else scale
    thickness = style.text_thickness if thickness is None else thickness
    (tw, th), base = cv2.getTextSize(text, FONT, scale, thickness)
    h, w = frame.shape[:2]
    pad = style.pad
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
    style = overlay_style(frame)
    (_, th), base = cv2.getTextSize(text, FONT, style.font_scale, style.text_thickness)
    margin = style.pad * 2
    draw_label(frame, text, margin, margin + th + base + 2 * style.pad, (32, 32, 32))
    return frame


def score_text(name: str, score: float | None) -> str:
    """'name 0.93' (or just the name without a score)."""
    return name if score is None else f"{name} {float(score):.2f}"
