"""Draw instance-segmentation predictions over a video frame: tinted masks, boxes, labels.

Uses the shared helpers of `core.video.draw` (stable class colors, vectorized mask blending,
label tags), so every family's overlay looks alike.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from core.video.draw import blend_masks, color_for, colors_for, draw_box, draw_label, score_text


def select_instances(prediction: Mapping, score_threshold: float = 0.5, classes: set[int] | None = None) -> np.ndarray:
    """Indices of the instances to show: score >= threshold and (optionally) in `classes`,
    best score first."""
    scores = np.asarray(prediction.get("scores", ()), np.float32).reshape(-1)
    labels = np.asarray(prediction.get("labels", ()), np.int64).reshape(-1)
    keep = scores >= score_threshold
    if classes is not None:
        keep &= np.isin(labels, np.fromiter(classes, np.int64, len(classes)))
    idx = np.flatnonzero(keep)
    return idx[np.argsort(-scores[idx], kind="stable")]


def draw_instances(frame_bgr: np.ndarray, prediction: Mapping, class_names: Mapping[int, str],
                   score_threshold: float = 0.5, classes: set[int] | None = None,
                   alpha: float = 0.45) -> np.ndarray:
    """Draw a Prediction (project category ids, pixels of this frame) over `frame_bgr`, in place.

    Masks are alpha-blended in one pass, highest score on top; each instance gets a box and a
    "name 0.93" tag in its class color. Returns the frame.
    """
    idx = select_instances(prediction, score_threshold, classes)
    if len(idx) == 0:
        return frame_bgr
    h, w = frame_bgr.shape[:2]
    labels = np.asarray(prediction["labels"], np.int64)[idx]
    scores = np.asarray(prediction["scores"], np.float32)[idx]
    boxes = np.asarray(prediction["boxes"], np.float32).reshape(-1, 4)[idx]
    masks = prediction.get("masks")
    if masks is not None and len(masks):
        masks = np.asarray(masks)
        if masks.shape[1:] != (h, w):
            raise ValueError(f"prediction masks are {masks.shape[1]}x{masks.shape[2]} but the frame is {h}x{w}; "
                             "draw on the frame the prediction was made for, then scale")
        blend_masks(frame_bgr, masks[idx], colors_for(labels), alpha)
    for box, label, score in zip(boxes[::-1], labels[::-1], scores[::-1]):  # best tag drawn last, on top
        color = color_for(int(label))
        draw_box(frame_bgr, box, color)
        name = class_names.get(int(label), str(int(label)))
        draw_label(frame_bgr, score_text(name, score), box[0], box[1], color)
    return frame_bgr
