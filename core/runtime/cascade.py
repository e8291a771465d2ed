"""A cascade: a runner that runs after another one — a gesture classifier on each hand a hand
detector finds. `CascadeRunner` composes two runners: the first finds instances in a frame, each
instance of the stage's classes is cut out with its box expanded by the stage's margin and
clipped to the frame (`core.datasets.crops`), all crops of a batch of frames are classified in
one call, and each instance keeps its original box with the classification as `secondary`.

It is a Runner for everything downstream (evaluation of cascades, `studio infer`, the preview):
`__call__`, `draw`, `class_names`, `window`, `close`.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

import numpy as np

from core.datasets.crops import crop
from core.errors import RuntimeUnavailableError
from core.predictions import Classification, Instances, Prediction
from core.video.overlay import draw_instances


class CascadeRunner:
    def __init__(self, first, second, margin: float = 0.0, classes: Sequence[int] | None = None) -> None:
        self.first, self.second = first, second
        self.margin = float(margin)
        self.classes = tuple(classes) if classes is not None else None
        self.artifact = second.artifact
        self.task = second.task
        self.family = second.family
        self.spec = second.spec
        self.categories = second.categories
        self.class_names = second.class_names            # what a class filter chooses from: the second stage's
        self.device = second.device
        self.backend = f"{first.backend}+{second.backend}" if first.backend != second.backend else second.backend

    @property
    def window(self):
        return self.first.window

    def __call__(self, frames: Sequence[np.ndarray]) -> list[Prediction]:
        found = self.first(frames)
        crops, where = [], []
        for f, (frame, pred) in enumerate(zip(frames, found)):
            if not isinstance(pred, Instances):
                raise RuntimeUnavailableError(f"The first stage ({self.first.task}) of this cascade does not find "
                                              "instances, so there is nothing to classify.")
            for k in range(len(pred)):
                if self.classes is None or int(pred.labels[k]) in self.classes:
                    crops.append(np.ascontiguousarray(crop(frame, pred.boxes[k], self.margin)))
                    where.append((f, k))
        labels = self.second(crops) if crops else []
        secondary: list[list[Classification | None]] = [[None] * len(p) for p in found]
        for (f, k), c in zip(where, labels):
            secondary[f][k] = c if isinstance(c, Classification) else None
        return [replace(p, secondary=s) for p, s in zip(found, secondary)]

    def draw(self, frame_bgr: np.ndarray, prediction: Prediction | None, score_threshold: float = 0.5,
             classes: set[int] | None = None) -> np.ndarray:
        """The first stage's boxes (every instance it found above the threshold), each tagged with
        its own class and the second stage's; a class filter keeps instances of those second-stage
        classes."""
        if not isinstance(prediction, Instances):
            return frame_bgr
        if classes is not None and prediction.secondary is not None:
            keep = [k for k, c in enumerate(prediction.secondary) if c is not None and c.label in classes]
            prediction = prediction.select(np.asarray(keep, np.int64))
        return draw_instances(frame_bgr, prediction, self.first.class_names, score_threshold,
                              secondary_names=self.second.class_names)

    def describe(self) -> dict[str, Any]:
        return {**self.second.describe(), "backend": self.backend, "after": self.first.describe(),
                "margin": self.margin}

    def close(self) -> None:
        self.first.close()
        self.second.close()

    def __enter__(self) -> "CascadeRunner":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
