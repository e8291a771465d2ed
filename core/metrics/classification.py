"""Classification metrics computed directly: total accuracy, per-class accuracy (recall of each
class), average class accuracy (their mean over the classes present in the truth), the confusion
matrix (rows: true class, columns: predicted class), the mean negative log-likelihood of the
true class (the validation loss), and a picture of the confusion matrix.

    m = classification_metrics(truth, predicted, classes, true_probabilities)
    m.accuracy, m.average_class_accuracy, m.per_class[cid], m.confusion, m.loss
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import cv2
import numpy as np

from core.fsutil import atomic_write_bytes

_EPS = 1e-7


@dataclass
class ClassificationMetrics:
    classes: list[int]                        # category ids, the matrix's order
    confusion: np.ndarray                     # (K, K) int: [true, predicted]
    accuracy: float
    average_class_accuracy: float
    per_class: dict[int, float] = field(default_factory=dict)   # classes with at least one true sample
    loss: float | None = None                 # mean -log p(true class), when probabilities are given
    samples: int = 0


def classification_metrics(truth: Sequence[int], predicted: Sequence[int], classes: Sequence[int],
                           true_probabilities: Sequence[float] | None = None) -> ClassificationMetrics:
    """Metrics of `predicted` labels against `truth` (category ids, pairwise); `classes` fixes the
    matrix's order (a predicted id outside it is counted wrong and lands in no column)."""
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} true labels for {len(predicted)} predictions")
    order = list(classes)
    at = {c: i for i, c in enumerate(order)}
    matrix = np.zeros((len(order), len(order)), np.int64)
    for t, p in zip(truth, predicted):
        if t in at and p in at:
            matrix[at[t], at[p]] += 1
    n = len(truth)
    correct = sum(int(t == p) for t, p in zip(truth, predicted))
    per_class: dict[int, float] = {}
    for c in order:
        total = sum(1 for t in truth if t == c)
        if total:
            per_class[c] = sum(1 for t, p in zip(truth, predicted) if t == c and p == c) / total
    loss = None
    if true_probabilities is not None:
        if len(true_probabilities) != n:
            raise ValueError(f"{len(true_probabilities)} probabilities for {n} samples")
        loss = float(np.mean([-math.log(max(float(p), _EPS)) for p in true_probabilities])) if n else 0.0
    return ClassificationMetrics(order, matrix, correct / n if n else 0.0,
                                 float(np.mean(list(per_class.values()))) if per_class else 0.0, per_class, loss, n)


def confusion_picture(metrics: ClassificationMetrics, names: Mapping[int, str], path: str | Path,
                      cell: int = 56) -> Path:
    """The confusion matrix as a PNG: counts in cells shaded by their share of the true class,
    true classes down the side, predicted ones across, per-class accuracy on the right."""
    k = len(metrics.classes)
    labels = [names.get(c, str(c)) for c in metrics.classes]
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.45
    left = 16 + max((cv2.getTextSize(s, font, scale, 1)[0][0] for s in labels), default=40)
    top, right = 12 + left, 90
    h, w = top + k * cell + 40, left + k * cell + right
    img = np.full((h, w, 3), 255, np.uint8)
    rows = metrics.confusion.sum(axis=1, keepdims=True).clip(min=1)
    share = metrics.confusion / rows
    for i in range(k):
        for j in range(k):
            x0, y0 = left + j * cell, top + i * cell
            v = float(share[i, j])
            color = (255 - int(200 * v), 255 - int(120 * v), 255 - int(40 * v)) if i == j else \
                (255 - int(40 * v), 255 - int(140 * v), 255 - int(200 * v))
            cv2.rectangle(img, (x0, y0), (x0 + cell, y0 + cell), color, -1)
            cv2.rectangle(img, (x0, y0), (x0 + cell, y0 + cell), (200, 200, 200), 1)
            text = str(int(metrics.confusion[i, j]))
            (tw, th), _ = cv2.getTextSize(text, font, 0.5, 1)
            cv2.putText(img, text, (x0 + (cell - tw) // 2, y0 + (cell + th) // 2), font, 0.5, (20, 20, 20), 1,
                        cv2.LINE_AA)
        cv2.putText(img, labels[i], (8, top + i * cell + cell // 2 + 5), font, scale, (20, 20, 20), 1, cv2.LINE_AA)
        acc = metrics.per_class.get(metrics.classes[i])
        cv2.putText(img, "-" if acc is None else f"{acc:.2f}", (left + k * cell + 10, top + i * cell + cell // 2 + 5),
                    font, scale, (20, 20, 20), 1, cv2.LINE_AA)
    for j in range(k):   # predicted class names, bottom to top above their columns
        (tw, th), base = cv2.getTextSize(labels[j], font, scale, 1)
        strip = np.full((th + base + 4, tw + 4, 3), 255, np.uint8)
        cv2.putText(strip, labels[j], (2, th + 2), font, scale, (20, 20, 20), 1, cv2.LINE_AA)
        strip = cv2.rotate(strip, cv2.ROTATE_90_COUNTERCLOCKWISE)[-(top - 6):]
        sh, sw = strip.shape[:2]
        x0 = left + j * cell + max(0, (cell - sw) // 2)
        img[top - 2 - sh:top - 2, x0:x0 + min(sw, cell)] = strip[:, :cell]
    cv2.putText(img, f"true (rows) vs predicted (columns); accuracy {metrics.accuracy:.3f}, average class accuracy "
                     f"{metrics.average_class_accuracy:.3f}", (8, h - 14), font, 0.4, (60, 60, 60), 1, cv2.LINE_AA)
    path = Path(path)
    ok, data = cv2.imencode(".png", img)
    if not ok:
        raise OSError(f"cannot encode {path.name}")
    atomic_write_bytes(path, data.tobytes())
    return path
