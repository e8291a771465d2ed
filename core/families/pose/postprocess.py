"""2D pose: the graph's input from an image (letterboxed to the spec's input size), and its outputs
as `Instances` with keypoints.

The graph (eager `KeypointRCNNGraph` and the exported ONNX alike) takes `image`, float32
(3, input_height, input_width) in [0, 1] — the image scaled to fit (keeping its aspect) and padded
with black at the right and bottom — and returns `boxes` (N, 4) x1y1x2y2 and `keypoints` (N, K, 3)
in the padded input's pixels, `labels` (N,) int64 training indices 1..C, `scores` (N,) and
`keypoint_scores` (N, K) (the heatmap's peak logit per keypoint). The score threshold, NMS and the
detection limit are inside the graph.

`to_instances` divides by the letterbox scale (back to the image's pixels), clips to the image,
maps training indices to project category ids (an index without a category is dropped), and
turns keypoint scores into COCO visibility flags: 2 (drawn as seen) at or above
`visible_score`, else 1 (drawn as uncertain, like an occluded keypoint).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import cv2
import numpy as np

from core.predictions import Instances

INPUT_NAME = "image"
OUTPUT_NAMES = ("boxes", "labels", "scores", "keypoints", "keypoint_scores")
DYNAMIC_AXES = {name: {0: "detections"} for name in OUTPUT_NAMES}


def letterbox_scale(height: int, width: int, input_height: int, input_width: int) -> float:
    """The factor that fits a height x width image inside the input (the one rule for data and inference)."""
    return min(input_height / height, input_width / width)


def letterbox(image_rgb: np.ndarray, input_height: int, input_width: int) -> tuple[np.ndarray, float]:
    """(the image scaled to fit input_height x input_width and padded black at the right and bottom,
    the scale): a point (x, y) of the image is at (x * scale, y * scale) in the result."""
    h, w = image_rgb.shape[:2]
    scale = letterbox_scale(h, w, input_height, input_width)
    nh, nw = min(input_height, max(1, round(h * scale))), min(input_width, max(1, round(w * scale)))
    out = np.zeros((input_height, input_width, 3), image_rgb.dtype)
    if (nh, nw) == (h, w):
        out[:h, :w] = image_rgb
    else:
        out[:nh, :nw] = cv2.resize(image_rgb, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return out, scale


def preprocess_rgb(image_rgb: np.ndarray, input_height: int, input_width: int) -> tuple[np.ndarray, float]:
    """An RGB uint8 (H, W, 3) image as the graph's float32 CHW input in [0, 1], and its scale."""
    if image_rgb.ndim != 3 or image_rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB image of shape (H, W, 3), got {image_rgb.shape}")
    boxed, scale = letterbox(image_rgb, input_height, input_width)
    chw = np.transpose(boxed, (2, 0, 1))
    if chw.dtype == np.uint8:
        return np.ascontiguousarray(chw, dtype=np.float32) * np.float32(1.0 / 255.0), scale
    return np.ascontiguousarray(chw, dtype=np.float32), scale


def to_instances(outputs: Mapping[str, np.ndarray], index_to_category: Mapping[int, int], scale: float,
                 image_shape: tuple[int, int], num_keypoints: int, visible_score: float,
                 skeleton: Sequence[tuple[int, int]] = ()) -> Instances:
    """One image's graph outputs (by name) as Instances in the image's pixels with project category ids."""
    missing = [n for n in OUTPUT_NAMES if n not in outputs]
    if missing:
        raise ValueError(f"the Keypoint R-CNN graph returned no {', '.join(missing)}")
    h, w = image_shape
    boxes = np.asarray(outputs["boxes"], np.float32).reshape(-1, 4) / np.float32(scale)
    labels = np.asarray(outputs["labels"]).reshape(-1).astype(np.int64)
    scores = np.asarray(outputs["scores"], np.float32).reshape(-1)
    n = len(boxes)
    kps = np.asarray(outputs["keypoints"], np.float32).reshape(n, -1, 3).copy()
    kscores = np.asarray(outputs["keypoint_scores"], np.float32).reshape(n, -1)
    if kps.shape[1] != num_keypoints:
        raise ValueError(f"the graph predicts {kps.shape[1]} keypoints per person but the model's keypoint set has "
                         f"{num_keypoints}")
    limbs = tuple(tuple(p) for p in skeleton)
    if n == 0:
        empty = Instances.empty(keypoints=num_keypoints)
        empty.skeleton = limbs
        return empty
    boxes[:, 0::2] = boxes[:, 0::2].clip(0, w)
    boxes[:, 1::2] = boxes[:, 1::2].clip(0, h)
    kps[..., 0] = (kps[..., 0] / scale).clip(0, w)
    kps[..., 1] = (kps[..., 1] / scale).clip(0, h)
    kps[..., 2] = np.where(kscores >= visible_score, 2.0, 1.0)
    lookup = np.array([index_to_category.get(int(i), -1) for i in labels], np.int64)
    keep = lookup >= 0
    return Instances(boxes[keep], scores[keep], lookup[keep], keypoints=kps[keep], skeleton=limbs)
