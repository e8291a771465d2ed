"""Detection: the graph's input from an image, and its outputs as `Instances` (no masks).

The graph (eager `DetectorGraph` and the exported ONNX alike) takes `image`, float32 (3, H, W) in
[0, 1] at any size — it resizes to the trained size and normalizes inside, and maps boxes back to
the input's pixels — and returns `boxes` (N, 4) x1y1x2y2, `labels` (N,) int64 training indices
1..K and `scores` (N,). N may be 0; the score threshold, NMS and the detection limit are inside
the graph.

`to_instances` maps training indices to project category ids (through `index_to_category`); a
detection whose index has no category (0 = background, or beyond K) is dropped rather than guessed.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from core.predictions import Instances

INPUT_NAME = "image"
OUTPUT_NAMES = ("boxes", "labels", "scores")
DYNAMIC_AXES = {
    INPUT_NAME: {1: "height", 2: "width"},
    "boxes": {0: "detections"},
    "labels": {0: "detections"},
    "scores": {0: "detections"},
}


def preprocess_rgb(image_rgb: np.ndarray) -> np.ndarray:
    """An RGB uint8 (H, W, 3) image (or float in [0, 1]) as float32 CHW in [0, 1], contiguous."""
    if image_rgb.ndim != 3 or image_rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB image of shape (H, W, 3), got {image_rgb.shape}")
    chw = np.transpose(image_rgb, (2, 0, 1))
    if chw.dtype == np.uint8:
        return np.ascontiguousarray(chw, dtype=np.float32) * np.float32(1.0 / 255.0)
    return np.ascontiguousarray(chw, dtype=np.float32)


def to_instances(outputs: Mapping[str, np.ndarray], index_to_category: Mapping[int, int]) -> Instances:
    """One image's graph outputs (by name) as Instances with project category ids."""
    missing = [n for n in OUTPUT_NAMES if n not in outputs]
    if missing:
        raise ValueError(f"the detection graph returned no {', '.join(missing)}")
    boxes = np.asarray(outputs["boxes"], np.float32).reshape(-1, 4)
    labels = np.asarray(outputs["labels"]).reshape(-1).astype(np.int64)
    scores = np.asarray(outputs["scores"], np.float32).reshape(-1)
    if len(boxes) == 0:
        return Instances.empty()
    lookup = np.array([index_to_category.get(int(i), -1) for i in labels], np.int64)
    keep = lookup >= 0
    return Instances(boxes[keep], scores[keep], lookup[keep])
