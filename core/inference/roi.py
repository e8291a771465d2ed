"""A region of interest per source: the model looks only inside it (DeepStream's `roi-params-src-N`).

A ROI is (x, y, width, height) in the source's pixels. `crop` cuts it out of a frame (clipped to
the frame); `to_frame` puts a prediction made on the crop back into the frame's pixels (boxes and
keypoints shifted, masks pasted into a frame-sized array; a whole-frame classification is the
same); `draw_roi` outlines it on the frame so what the model sees is visible.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import cv2
import numpy as np

from core.errors import DataError
from core.predictions import Instances

Roi = tuple[int, int, int, int]
ROI_COLOR = (0, 215, 255)      # BGR amber


def parse_roi(text: str) -> Roi:
    """"x,y,w,h" (pixels) as a ROI; DataError with a sentence otherwise."""
    try:
        values = [int(round(float(v))) for v in text.replace(" ", "").split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or values[2] <= 0 or values[3] <= 0 or values[0] < 0 or values[1] < 0:
        raise DataError(f"A region of interest is x,y,width,height in pixels with a positive width and height "
                        f"(e.g. 40,20,320,240); got {text!r}.")
    return values[0], values[1], values[2], values[3]


def clip_roi(roi: Sequence[int] | None, width: int, height: int) -> Roi | None:
    """The ROI inside a width x height frame (None: the whole frame, or no overlap at all)."""
    if roi is None:
        return None
    x, y, w, h = (int(v) for v in roi)
    x1, y1, x2, y2 = max(0, x), max(0, y), min(width, x + w), min(height, y + h)
    if x2 - x1 < 2 or y2 - y1 < 2:
        return None
    if (x1, y1, x2, y2) == (0, 0, width, height):
        return None
    return x1, y1, x2 - x1, y2 - y1


def crop(image: np.ndarray, roi: Roi | None) -> np.ndarray:
    if roi is None:
        return image
    x, y, w, h = roi
    return np.ascontiguousarray(image[y:y + h, x:x + w])


def to_frame(prediction, roi: Roi | None, frame_shape: tuple[int, ...]):
    """`prediction` (made on the ROI's crop) in the frame's pixels."""
    if roi is None or not isinstance(prediction, Instances):
        return prediction
    x, y, w, h = roi
    boxes = prediction.boxes + np.array([x, y, x, y], np.float32)
    keypoints = None
    if prediction.keypoints is not None:
        keypoints = prediction.keypoints.copy()
        keypoints[..., 0] += x
        keypoints[..., 1] += y
    masks = None
    if prediction.masks is not None:
        masks = np.zeros((len(prediction), frame_shape[0], frame_shape[1]), bool)
        masks[:, y:y + h, x:x + w] = prediction.masks[:, :h, :w]
    return replace(prediction, boxes=boxes, keypoints=keypoints, masks=masks)


def draw_roi(frame_bgr: np.ndarray, roi: Roi | None) -> np.ndarray:
    if roi is not None:
        x, y, w, h = roi
        thickness = max(1, int(round(min(frame_bgr.shape[:2]) / 240)))
        cv2.rectangle(frame_bgr, (x, y), (x + w - 1, y + h - 1), ROI_COLOR, thickness, cv2.LINE_AA)
    return frame_bgr
