"""Instance segmentation: image preprocessing and the conversion of Mask R-CNN outputs
(PyTorch or ONNX Runtime) into Prediction dicts (see `core.families.base`).

Both back ends end in the same place: boxes float32 (N, 4) x1y1x2y2 in original image pixels,
scores float32 (N,), labels int64 (N,) *project category ids* (the graph's training indices
1..K are mapped through `index_to_category`), masks bool (N, H, W) thresholded at
`mask_threshold`. Detections whose training index has no category (0 = background, or an
index beyond K) are dropped rather than guessed.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

ONNX_OUTPUT_NAMES = ("boxes", "labels", "scores", "masks")


def preprocess_rgb(image_rgb: np.ndarray) -> np.ndarray:
    """An RGB uint8 (H, W, 3) image (or float in [0, 1]) as float32 CHW in [0, 1], contiguous."""
    if image_rgb.ndim != 3 or image_rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB image of shape (H, W, 3), got {image_rgb.shape}")
    chw = np.transpose(image_rgb, (2, 0, 1))
    if chw.dtype == np.uint8:
        return np.ascontiguousarray(chw, dtype=np.float32) * np.float32(1.0 / 255.0)
    return np.ascontiguousarray(chw, dtype=np.float32)


def empty_prediction(height: int, width: int) -> dict[str, np.ndarray]:
    """A Prediction with no instance, for an image of the given size."""
    return {"boxes": np.zeros((0, 4), np.float32), "scores": np.zeros((0,), np.float32),
            "labels": np.zeros((0,), np.int64), "masks": np.zeros((0, height, width), bool)}


def _to_prediction(boxes: np.ndarray, labels: np.ndarray, scores: np.ndarray, masks: np.ndarray | None,
                   index_to_category: Mapping[int, int], mask_threshold: float,
                   image_shape: tuple[int, int] | None) -> dict[str, np.ndarray]:
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    scores = np.asarray(scores, np.float32).reshape(-1)
    if masks is not None:
        masks = np.asarray(masks)
        if masks.ndim == 4:  # (N, 1, H, W) probabilities from the mask head
            masks = masks[:, 0]
    if image_shape is None:
        image_shape = tuple(masks.shape[-2:]) if masks is not None and masks.ndim == 3 else (0, 0)
    if len(boxes) == 0:
        return empty_prediction(*image_shape)
    lookup = np.array([index_to_category.get(int(i), -1) for i in labels], np.int64)
    keep = lookup >= 0
    out = {"boxes": boxes[keep], "scores": scores[keep], "labels": lookup[keep]}
    if masks is not None:
        m = masks[keep]
        out["masks"] = m if m.dtype == bool else m > mask_threshold
    else:
        out["masks"] = np.zeros((int(keep.sum()), *image_shape), bool)
    return out


def torch_output_to_prediction(output: Mapping[str, Any], index_to_category: Mapping[int, int],
                               mask_threshold: float, image_shape: tuple[int, int] | None = None) -> dict:
    """One image's torchvision MaskRCNN eval output (tensors) as a Prediction of numpy arrays.

    `output` holds boxes (N, 4), labels (N,) training indices 1..K, scores (N,) and masks
    (N, 1, H, W) probabilities at the original image size. `image_shape` (H, W) is only needed
    to shape the empty mask array when `output` has no masks.
    """
    def arr(key: str):
        v = output.get(key)
        return None if v is None else v.detach().to("cpu").numpy()

    return _to_prediction(arr("boxes"), arr("labels"), arr("scores"), arr("masks"), index_to_category,
                          mask_threshold, image_shape)


def onnx_outputs_to_prediction(outputs: Sequence[np.ndarray], index_to_category: Mapping[int, int],
                               mask_threshold: float, image_shape: tuple[int, int] | None = None) -> dict:
    """The exported graph's outputs for one image, in `ONNX_OUTPUT_NAMES` order, as a Prediction."""
    if len(outputs) != len(ONNX_OUTPUT_NAMES):
        raise ValueError(f"expected {len(ONNX_OUTPUT_NAMES)} ONNX outputs {ONNX_OUTPUT_NAMES}, got {len(outputs)}")
    boxes, labels, scores, masks = outputs
    return _to_prediction(boxes, labels, scores, masks, index_to_category, mask_threshold, image_shape)
