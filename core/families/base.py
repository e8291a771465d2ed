"""The contract a model family fulfils. Shared code (trainer, evaluator, exporter, runtimes,
video pipeline) talks to a family only through this class.

Predictions travel between the pieces as plain dicts of numpy arrays in original image
pixel coordinates, so that the PyTorch and ONNX Runtime back ends and the overlay drawing
agree: for detection-like families ``{"boxes": (N,4) x1y1x2y2 float32, "scores": (N,),
"labels": (N,) int category ids of the project, "masks": (N,H,W) bool (optional),
"keypoints": (N,K,3) (optional)}``; for classifiers ``{"label": int, "scores": (C,)}``.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from core.families.info import FamilyInfo

if TYPE_CHECKING:  # torch is imported lazily by implementations
    import torch
    from torch import nn
    from torch.utils.data import Dataset

    from core.project import Project
    from core.project.catalog import Category


Prediction = dict[str, Any]


class Family(ABC):
    info: FamilyInfo
    spec_class: type

    # --- spec ------------------------------------------------------------------------------
    @abstractmethod
    def default_spec(self, profile: str = "gpu") -> Any:
        """A complete spec with defaults. profile "cpu" shrinks what dominates a CPU step."""

    @abstractmethod
    def describe(self, spec: Any) -> dict[str, str]:
        """A few facts for run tables: {"backbone": ..., "input": ...}."""

    # --- data ------------------------------------------------------------------------------
    @abstractmethod
    def dataset(self, project: "Project", spec: Any, split: str, train: bool) -> "Dataset":
        """A torch Dataset over one split. Items are (image tensor, target dict, image_id)."""

    @abstractmethod
    def collate(self, items: list) -> Any:
        """Batch items from `dataset` (images may differ in size)."""

    # --- model -----------------------------------------------------------------------------
    @abstractmethod
    def build_model(self, spec: Any, categories: Sequence["Category"]) -> "nn.Module":
        ...

    @abstractmethod
    def training_losses(self, model: "nn.Module", batch: Any, device: "torch.device") -> dict[str, "torch.Tensor"]:
        """Forward one batch in train mode and return named loss terms (summed for backward)."""

    @abstractmethod
    def predict(self, model: "nn.Module", images: list["torch.Tensor"], spec: Any) -> list[Prediction]:
        """Eval-mode predictions for float CHW RGB images in [0, 1] (already on the model's device)."""

    def label_map(self, categories: Sequence["Category"] | Sequence[dict]) -> tuple[dict[int, int], dict[int, int]]:
        """(category id -> contiguous training index 1..K, index -> category id), by sorted id."""
        ids = sorted(c["id"] if isinstance(c, dict) else c.id for c in categories)
        to_index = {cid: i + 1 for i, cid in enumerate(ids)}
        return to_index, {i: cid for cid, i in to_index.items()}

    # --- metrics ---------------------------------------------------------------------------
    @abstractmethod
    def evaluate(self, project: "Project", split: str, predictions: dict[int, Prediction], spec: Any,
                 out_dir: Path) -> dict[str, float]:
        """Metrics of predictions (keyed by image id) against the split's ground truth.

        Writes what it compared (ground truth, predictions) to `out_dir` so the numbers can be
        recomputed independently."""

    # --- deployment ------------------------------------------------------------------------
    @abstractmethod
    def export_onnx(self, model: "nn.Module", spec: Any, path: Path) -> dict[str, Any]:
        """Write an ONNX graph; return its input/output description for the sidecar."""

    @abstractmethod
    def onnx_postprocess(self, outputs: list[np.ndarray], meta: dict[str, Any], image_shape: tuple[int, int],
                         spec: Any) -> Prediction:
        """Turn an ONNX graph's outputs for one image into a Prediction."""

    @abstractmethod
    def onnx_preprocess(self, image_rgb: np.ndarray, meta: dict[str, Any]) -> list[np.ndarray]:
        """Inputs of the ONNX graph for one RGB uint8 image."""

    @abstractmethod
    def draw(self, frame_bgr: np.ndarray, prediction: Prediction, class_names: dict[int, str],
             score_threshold: float = 0.5, classes: set[int] | None = None) -> np.ndarray:
        """Draw a prediction over a BGR frame (in place allowed) and return the frame."""

    # --- optional hooks for the trainer ------------------------------------------------------
    def param_groups(self, model: "nn.Module", weight_decay: float) -> list[dict]:
        """Optimizer parameter groups: no weight decay on norms and biases."""
        decay, no_decay = [], []
        for name, p in model.named_parameters():
            if not p.requires_grad:
                continue
            (no_decay if p.ndim <= 1 or name.endswith(".bias") else decay).append(p)
        return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
