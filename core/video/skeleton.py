"""How a skeleton looks — the one owner of it, for video overlays (`draw_keypoints`, OpenCV) and the
Label and Data pages (which draw the same rules with Qt):

- each limb (a pair of the skeleton, by its index in the skeleton) keeps one colour, on every
  person and every frame (`limb_color`);
- a keypoint is drawn by its COCO visibility: 2 (seen) a filled dot, 1 (labeled but hidden, or a
  prediction the model is unsure of) a hollow ring, 0 nothing (`point_style`);
- a limb is drawn when both its keypoints are: solid when both are seen, dashed when one is hidden
  (`limb_style`), over a dark halo so it reads on any background.

BGR uint8 frames, drawn in place.
"""
from __future__ import annotations

import colorsys
import functools
from typing import Sequence

import cv2
import numpy as np

_GOLDEN = 0.618033988749895
HALO = (20, 20, 20)


@functools.lru_cache(maxsize=256)
def limb_color(index: int) -> tuple[int, int, int]:
    """The BGR colour of limb `index` of a skeleton (well separated hues, bright)."""
    hue = (0.02 + int(index) * _GOLDEN) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.75, 1.0)
    return int(b * 255), int(g * 255), int(r * 255)


def point_style(v: float) -> str | None:
    """"filled" (seen), "hollow" (hidden or unsure) or None (not labeled) for a visibility flag."""
    if v >= 2:
        return "filled"
    if v > 0:
        return "hollow"
    return None


def limb_style(va: float, vb: float) -> str | None:
    """"solid", "dashed" or None (not drawn) for a limb between keypoints of these visibilities."""
    if va <= 0 or vb <= 0:
        return None
    return "solid" if va >= 2 and vb >= 2 else "dashed"


def _dashed(frame: np.ndarray, a: tuple[float, float], b: tuple[float, float], color, thickness: int,
            dash: float) -> None:
    length = float(np.hypot(b[0] - a[0], b[1] - a[1]))
    if length < 1:
        return
    steps = max(1, int(length // dash))
    for k in range(0, steps, 2):
        t0, t1 = k / steps, min(1.0, (k + 1) / steps)
        p0 = (int(round(a[0] + (b[0] - a[0]) * t0)), int(round(a[1] + (b[1] - a[1]) * t0)))
        p1 = (int(round(a[0] + (b[0] - a[0]) * t1)), int(round(a[1] + (b[1] - a[1]) * t1)))
        cv2.line(frame, p0, p1, color, thickness, lineType=cv2.LINE_AA)


def draw_keypoints(frame_bgr: np.ndarray, keypoints: np.ndarray, skeleton: Sequence[tuple[int, int]] = (),
                   point_color: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    """One person's keypoints (K, 3: x, y, visibility) and skeleton (0-based pairs) over `frame_bgr`."""
    from core.video.draw import overlay_style

    style = overlay_style(frame_bgr)                  # the sizes every overlay draws with
    thick, radius = max(2, style.line_width), style.point_radius
    pts = np.asarray(keypoints, np.float32).reshape(-1, 3)
    for i, (a, b) in enumerate(skeleton):
        if a >= len(pts) or b >= len(pts):
            continue
        style = limb_style(pts[a, 2], pts[b, 2])
        if style is None:
            continue
        pa, pb = (float(pts[a, 0]), float(pts[a, 1])), (float(pts[b, 0]), float(pts[b, 1]))
        ia, ib = (int(round(pa[0])), int(round(pa[1]))), (int(round(pb[0])), int(round(pb[1])))
        if style == "solid":
            cv2.line(frame_bgr, ia, ib, HALO, thick + 2, lineType=cv2.LINE_AA)
            cv2.line(frame_bgr, ia, ib, limb_color(i), thick, lineType=cv2.LINE_AA)
        else:
            _dashed(frame_bgr, pa, pb, limb_color(i), max(1, thick - 1), dash=max(3.0, 2.5 * thick))
    for x, y, v in pts:
        style = point_style(v)
        if style is None:
            continue
        c = (int(round(x)), int(round(y)))
        if style == "filled":
            cv2.circle(frame_bgr, c, radius + 1, HALO, -1, lineType=cv2.LINE_AA)
            cv2.circle(frame_bgr, c, radius, point_color, -1, lineType=cv2.LINE_AA)
        else:
            cv2.circle(frame_bgr, c, radius + 1, HALO, 1, lineType=cv2.LINE_AA)
            cv2.circle(frame_bgr, c, radius, point_color, 1, lineType=cv2.LINE_AA)
    return frame_bgr
