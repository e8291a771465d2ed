"""Evaluating a detector -> classifier cascade on labeled frames: images whose boxes carry the
second stage's class (a detection project whose hand boxes hold a ``gesture`` attribute, as the
synthetic hands do).

Per frame, the cascade's instances at or above `score_threshold` are matched to the true boxes
greedily by score (each true box and each prediction used once, IoU >= `iou_threshold`, the
first stage's own class ignored). It reports

- ``detection_recall``: true boxes matched / true boxes;
- ``gesture_accuracy``: matched boxes whose second-stage class is right / matched boxes;
- ``end_to_end_accuracy``: true boxes both found and named right / true boxes;

and writes every match to ``cascade.json`` when given an output folder.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from core.fsutil import atomic_write_text


@dataclass(frozen=True)
class LabeledFrame:
    name: str
    image_rgb: np.ndarray
    boxes: Sequence[tuple[float, float, float, float]]   # x, y, w, h
    classes: Sequence[str]                               # the second stage's class name of each box


@dataclass
class CascadeScore:
    truths: int = 0
    found: int = 0
    named: int = 0
    matches: list = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        return {"detection_recall": self.found / max(1, self.truths),
                "gesture_accuracy": self.named / max(1, self.found),
                "end_to_end_accuracy": self.named / max(1, self.truths)}


def iou_xywh(a: Sequence[float], b: Sequence[float]) -> float:
    ax2, ay2, bx2, by2 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    w = max(0.0, min(ax2, bx2) - max(a[0], b[0]))
    h = max(0.0, min(ay2, by2) - max(a[1], b[1]))
    inter = w * h
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def score_frame(score: CascadeScore, frame: LabeledFrame, prediction, second_names: dict[int, str],
                score_threshold: float, iou_threshold: float) -> None:
    score.truths += len(frame.boxes)
    order = [k for k in np.argsort(-np.asarray(prediction.scores, np.float64)) if prediction.scores[k] >= score_threshold]
    used: set[int] = set()
    for k in order:
        x1, y1, x2, y2 = (float(v) for v in prediction.boxes[k])
        box = (x1, y1, x2 - x1, y2 - y1)
        best, best_iou = None, iou_threshold
        for t, truth in enumerate(frame.boxes):
            if t not in used:
                iou = iou_xywh(box, truth)
                if iou >= best_iou:
                    best, best_iou = t, iou
        if best is None:
            continue
        used.add(best)
        second = prediction.secondary[k] if prediction.secondary is not None else None
        named = second_names.get(second.label) if second is not None else None
        score.found += 1
        score.named += int(named == frame.classes[best])
        score.matches.append({"frame": frame.name, "truth": frame.classes[best], "predicted": named,
                              "iou": round(best_iou, 4), "score": float(prediction.scores[k])})


def evaluate_cascade(runner, frames: Iterable[LabeledFrame], score_threshold: float = 0.5,
                     iou_threshold: float = 0.5, batch_size: int = 4, out_dir: Path | None = None
                     ) -> dict[str, float]:
    """The three numbers of a `CascadeRunner` over `frames` (see the module's doc)."""
    score = CascadeScore()
    names = dict(runner.second.class_names)
    batch: list[LabeledFrame] = []

    def flush():
        for frame, pred in zip(batch, runner([f.image_rgb for f in batch])):
            score_frame(score, frame, pred, names, score_threshold, iou_threshold)
        batch.clear()

    for frame in frames:
        batch.append(frame)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    metrics = score.metrics()
    if out_dir is not None:
        atomic_write_text(Path(out_dir) / "cascade.json", json.dumps({"metrics": metrics, "truths": score.truths,
                                                                      "matches": score.matches}, indent=1))
    return metrics


def labeled_frames(project, split: str | None = None, attribute: str = "gesture") -> list[LabeledFrame]:
    """The images of a detection project (of `split`, or all) with the boxes whose `attribute` is set."""
    from core.datasets.images import read_rgb
    from core.project import catalog

    records = catalog.images(project, split)
    anns = catalog.annotations(project, [r.id for r in records])
    out = []
    for r in records:
        keep = [a for a in anns.get(r.id, []) if not a.iscrowd and (a.extra or {}).get(attribute)]
        out.append(LabeledFrame(r.file_name, read_rgb(str(project.resolve(r.path))), [a.bbox for a in keep],
                                [str(a.extra[attribute]) for a in keep]))
    return out
