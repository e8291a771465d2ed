"""Typed predictions: what every back end returns for one sample, what metrics score and what
overlays draw. Plain numpy, no torch, so metrics, drawing and the GUI can use them anywhere.

- `Instances`: things found in an image (detection, instance segmentation, pose): boxes in the
  input's pixels (x1, y1, x2, y2), scores, labels as *project category ids*, and optionally masks
  (N, H, W bool at the input's size) and keypoints (N, K, 3: x, y, visibility 0/1/2) with the
  skeleton that joins them (0-based keypoint pairs). A cascade adds one `Classification` per
  instance (`secondary`), e.g. the gesture of each hand.
- `Classification`: one label for the whole sample (an image, a crop, a clip) with the scores of
  every class, in the order of `category_ids`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence, Union

import numpy as np


@dataclass
class Classification:
    label: int                     # project category id of the best class
    score: float                   # its probability
    scores: np.ndarray             # (C,) float32 probabilities, in the order of `category_ids`
    category_ids: np.ndarray       # (C,) int64 project category ids

    kind = "classification"

    @classmethod
    def from_scores(cls, scores: np.ndarray, category_ids: Sequence[int]) -> "Classification":
        """The classification whose best class is the arg-max of `scores` (probabilities)."""
        scores = np.asarray(scores, np.float32).reshape(-1)
        ids = np.asarray(list(category_ids), np.int64).reshape(-1)
        if scores.shape != ids.shape or scores.size == 0:
            raise ValueError(f"{scores.size} scores for {ids.size} categories")
        best = int(np.argmax(scores))
        return cls(int(ids[best]), float(scores[best]), scores, ids)

    def score_of(self, category_id: int) -> float:
        hit = np.flatnonzero(self.category_ids == category_id)
        return float(self.scores[hit[0]]) if hit.size else 0.0

    def top(self, k: int = 3) -> list[tuple[int, float]]:
        order = np.argsort(-self.scores, kind="stable")[:k]
        return [(int(self.category_ids[i]), float(self.scores[i])) for i in order]


@dataclass
class Instances:
    boxes: np.ndarray                          # (N, 4) float32 x1y1x2y2, pixels of the input
    scores: np.ndarray                         # (N,) float32
    labels: np.ndarray                         # (N,) int64 project category ids
    masks: np.ndarray | None = None            # (N, H, W) bool, at the input's size
    keypoints: np.ndarray | None = None        # (N, K, 3) float32: x, y, visibility (0 none, 1 hidden/unsure, 2 seen)
    secondary: list[Classification | None] | None = field(default=None)   # one per instance (cascades)
    # how the keypoints join into limbs when drawn: 0-based keypoint index pairs (the pose family's
    # skeleton; empty when keypoints are drawn as dots only)
    skeleton: tuple[tuple[int, int], ...] = ()

    kind = "instances"

    def __post_init__(self) -> None:
        self.boxes = np.asarray(self.boxes, np.float32).reshape(-1, 4)
        self.scores = np.asarray(self.scores, np.float32).reshape(-1)
        self.labels = np.asarray(self.labels, np.int64).reshape(-1)
        n = len(self.boxes)
        if len(self.scores) != n or len(self.labels) != n:
            raise ValueError(f"{n} boxes but {len(self.scores)} scores and {len(self.labels)} labels")
        if self.masks is not None:
            self.masks = np.asarray(self.masks)
            if self.masks.ndim != 3 or len(self.masks) != n:
                raise ValueError(f"masks must be (N, H, W) for {n} instances, got {self.masks.shape}")
        if self.keypoints is not None:
            self.keypoints = np.asarray(self.keypoints, np.float32)
            if self.keypoints.ndim != 3 or len(self.keypoints) != n or self.keypoints.shape[2] != 3:
                raise ValueError(f"keypoints must be (N, K, 3) for {n} instances, got {self.keypoints.shape}")
        if self.secondary is not None and len(self.secondary) != n:
            raise ValueError(f"{len(self.secondary)} secondary classifications for {n} instances")

    def __len__(self) -> int:
        return len(self.boxes)

    @classmethod
    def empty(cls, height: int | None = None, width: int | None = None, keypoints: int | None = None
              ) -> "Instances":
        """No instance; with a size, an empty (0, H, W) mask array; with K, empty keypoints."""
        masks = np.zeros((0, height, width), bool) if height is not None and width is not None else None
        kps = np.zeros((0, keypoints, 3), np.float32) if keypoints is not None else None
        return cls(np.zeros((0, 4), np.float32), np.zeros((0,), np.float32), np.zeros((0,), np.int64), masks, kps)

    def select(self, index: np.ndarray | Sequence[int]) -> "Instances":
        """The instances at `index` (an index array or a boolean mask), in that order."""
        idx = np.asarray(index)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.int64)
        return replace(self, boxes=self.boxes[idx], scores=self.scores[idx], labels=self.labels[idx],
                       masks=None if self.masks is None else self.masks[idx],
                       keypoints=None if self.keypoints is None else self.keypoints[idx],
                       secondary=None if self.secondary is None else [self.secondary[i] for i in idx])

    def shown(self, score_threshold: float = 0.5, classes: Iterable[int] | None = None) -> np.ndarray:
        """Indices of the instances to show: score >= threshold and (optionally) of `classes`, best first."""
        keep = self.scores >= score_threshold
        if classes is not None:
            wanted = np.fromiter(classes, np.int64)
            keep &= np.isin(self.labels, wanted)
        idx = np.flatnonzero(keep)
        return idx[np.argsort(-self.scores[idx], kind="stable")]


Prediction = Union[Instances, Classification]


def count_shown(prediction: Prediction, score_threshold: float = 0.5, classes: Iterable[int] | None = None) -> int:
    """How many things a prediction shows at this threshold: instances kept, or 1 for a
    classification whose class is wanted (and scores at least the threshold)."""
    if isinstance(prediction, Instances):
        return int(len(prediction.shown(score_threshold, classes)))
    if isinstance(prediction, Classification):
        wanted = classes is None or prediction.label in set(classes)
        return int(wanted and prediction.score >= score_threshold)
    return 0
