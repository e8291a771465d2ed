"""Overlays of typed predictions (`core.predictions`) on BGR frames, shared by every family:
instances (tinted masks, boxes, keypoints, label tags, a cascade's second label) and whole-frame
classifications (a tag with the class and its score). Families draw through these, so every
overlay looks alike; a family with more to show (a skeleton) draws on top, with the same
`core.video.draw.overlay_style(frame)` sizes.
"""
from __future__ import annotations

from typing import Iterable, Mapping

import cv2
import numpy as np

from core.predictions import Classification, Instances
from core.video.draw import (FONT, blend_masks, color_for, colors_for, draw_box, draw_label, overlay_style,
                             score_text)
from core.video.skeleton import draw_keypoints


def _name(class_names: Mapping[int, str], label: int) -> str:
    return class_names.get(int(label), str(int(label)))


def draw_instances(frame_bgr: np.ndarray, prediction: Instances, class_names: Mapping[int, str],
                   score_threshold: float = 0.5, classes: Iterable[int] | None = None,
                   alpha: float = 0.45, secondary_names: Mapping[int, str] | None = None) -> np.ndarray:
    """Draw `prediction` (pixels of this frame) over `frame_bgr`, in place, and return it.

    Masks are alpha-blended in one pass, highest score on top; each instance gets a box and a
    "name 0.93" tag in its class color (with a cascade's "| gesture 0.88" after it); keypoints
    and the prediction's skeleton are drawn by `core.video.skeleton` (dots in the class color, hollow
    when hidden or unsure; a colour per limb, dashed to a hidden keypoint). `secondary_names` names a
    cascade's second labels when they come from another class set."""
    idx = prediction.shown(score_threshold, classes)
    if len(idx) == 0:
        return frame_bgr
    h, w = frame_bgr.shape[:2]
    shown = prediction.select(idx)
    if shown.masks is not None and len(shown.masks):
        if shown.masks.shape[1:] != (h, w):
            raise ValueError(f"prediction masks are {shown.masks.shape[1]}x{shown.masks.shape[2]} but the frame is "
                             f"{h}x{w}; draw on the frame the prediction was made for, then scale")
        blend_masks(frame_bgr, shown.masks, colors_for(shown.labels), alpha)
    for k in range(len(shown) - 1, -1, -1):          # best tag drawn last, on top
        box, label, score = shown.boxes[k], int(shown.labels[k]), float(shown.scores[k])
        color = color_for(label)
        draw_box(frame_bgr, box, color)
        text = score_text(_name(class_names, label), score)
        second = shown.secondary[k] if shown.secondary is not None else None
        if second is not None:
            text += " | " + score_text(_name(secondary_names or class_names, second.label), second.score)
        draw_label(frame_bgr, text, box[0], box[1], color)
    if shown.keypoints is not None:                  # skeletons on top: a tag must not hide a head
        for label, kps in zip(shown.labels, shown.keypoints):
            draw_keypoints(frame_bgr, kps, shown.skeleton, color_for(int(label)))
    return frame_bgr


def draw_classification(frame_bgr: np.ndarray, prediction: Classification, class_names: Mapping[int, str],
                        score_threshold: float = 0.0, classes: Iterable[int] | None = None,
                        top: int = 1) -> np.ndarray:
    """'name 0.93' (and the runners-up when `top` > 1) in the frame's top-left corner, below the FPS."""
    if classes is not None and prediction.label not in set(classes):
        return frame_bgr
    if prediction.score < score_threshold:
        return frame_bgr
    style = overlay_style(frame_bgr)
    (_, th), base = cv2.getTextSize("Ag", FONT, style.font_scale, style.text_thickness)
    tag = th + base + 2 * style.pad             # one tag's height
    margin = 2 * style.pad
    y = margin + 2 * tag + style.pad            # below the FPS tag (drawn at the top)
    for label, score in prediction.top(top):
        draw_label(frame_bgr, score_text(_name(class_names, label), score), margin, y, color_for(label))
        y += tag + style.pad
    return frame_bgr


def draw_prediction(frame_bgr: np.ndarray, prediction, class_names: Mapping[int, str], score_threshold: float = 0.5,
                    classes: Iterable[int] | None = None) -> np.ndarray:
    """Whichever of the two a prediction is (None draws nothing: a window still filling)."""
    if isinstance(prediction, Instances):
        return draw_instances(frame_bgr, prediction, class_names, score_threshold, classes)
    if isinstance(prediction, Classification):
        return draw_classification(frame_bgr, prediction, class_names, 0.0, classes)
    return frame_bgr
