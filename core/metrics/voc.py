"""VOC-style detection AP per class at one IoU threshold (mAP@0.5), as TAO's detector evaluation
prints it: a table of classes with their AP, then the mean.

Computed directly (no library) on the same COCO-format ground truth and results that
`core.metrics.coco` scores with pycocotools (`gt.json`, `predictions.json`), so both can be
recomputed from those files:

- per class, detections of all images are sorted by score (highest first, ties in file order);
- a detection is a true positive when its best-IoU ground-truth box of its class in its image has
  IoU >= the threshold and was not matched yet; a second detection of a matched box is a false
  positive (VOC's duplicate rule);
- ignore regions (``iscrowd`` 1 — COCO crowd regions, KITTI DontCare, labelme ``__ignore__``, the
  VOC ``difficult`` boxes' role) are not objects: they are not counted in the class's positives,
  and a detection that matches no box but lies in one (its intersection with the region over its
  own area >= the threshold: pycocotools' crowd rule) is neither a hit nor a false positive;
- AP is the area under the all-point interpolated precision/recall curve (VOC 2010 and later:
  precision made monotonically decreasing, summed over each change of recall);
- a class with no ground-truth box has AP -1 (as pycocotools reports "nothing to measure") and is
  left out of the mean.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

import numpy as np

NOT_MEASURED = -1.0


def iou_xywh(box: Iterable[float], others: np.ndarray) -> np.ndarray:
    """IoU of one (x, y, w, h) box with each row of `others` (M, 4)."""
    x, y, w, h = box
    if len(others) == 0:
        return np.zeros((0,))
    ix = np.clip(np.minimum(x + w, others[:, 0] + others[:, 2]) - np.maximum(x, others[:, 0]), 0, None)
    iy = np.clip(np.minimum(y + h, others[:, 1] + others[:, 3]) - np.maximum(y, others[:, 1]), 0, None)
    inter = ix * iy
    union = w * h + others[:, 2] * others[:, 3] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def ioa_xywh(box: Iterable[float], regions: np.ndarray) -> np.ndarray:
    """Intersection of one (x, y, w, h) box with each region (M, 4), over the box's own area."""
    x, y, w, h = box
    if len(regions) == 0:
        return np.zeros((0,))
    ix = np.clip(np.minimum(x + w, regions[:, 0] + regions[:, 2]) - np.maximum(x, regions[:, 0]), 0, None)
    iy = np.clip(np.minimum(y + h, regions[:, 1] + regions[:, 3]) - np.maximum(y, regions[:, 1]), 0, None)
    return ix * iy / max(w * h, 1e-12)


def average_precision(recall: np.ndarray, precision: np.ndarray) -> float:
    """All-point interpolated AP (VOC 2010+) of a precision/recall curve in score order."""
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[0.0], precision, [0.0]])
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    changes = np.flatnonzero(mrec[1:] != mrec[:-1])
    return float(np.sum((mrec[changes + 1] - mrec[changes]) * mpre[changes + 1]))


def class_ap(gt_boxes: dict[Any, np.ndarray], ignore: dict[Any, np.ndarray],
             detections: list[tuple[Any, float, tuple]], iou_threshold: float = 0.5) -> dict[str, float]:
    """AP of one class: `gt_boxes` and `ignore` per image (M, 4) xywh; detections (image, score, xywh).
    Returns {"ap", "positives", "detections", "tp", "fp", "ignored"}."""
    positives = int(sum(len(b) for b in gt_boxes.values()))
    order = sorted(range(len(detections)), key=lambda k: -detections[k][1])
    used = {image: np.zeros(len(b), bool) for image, b in gt_boxes.items()}
    tp, fp = [], []
    ignored = 0
    for k in order:
        image, _score, box = detections[k]
        boxes = gt_boxes.get(image, np.zeros((0, 4)))
        overlaps = iou_xywh(box, boxes)
        best = int(np.argmax(overlaps)) if len(overlaps) else -1
        if best >= 0 and overlaps[best] >= iou_threshold:
            if not used[image][best]:
                used[image][best] = True
                tp.append(1)
                fp.append(0)
            else:
                tp.append(0)
                fp.append(1)
            continue
        regions = ignore.get(image, np.zeros((0, 4)))
        if len(regions) and float(np.max(ioa_xywh(box, regions))) >= iou_threshold:
            ignored += 1
            continue
        tp.append(0)
        fp.append(1)
    summary = {"positives": positives, "detections": len(detections), "tp": int(sum(tp)), "fp": int(sum(fp)),
               "ignored": ignored}
    if positives == 0:
        return {"ap": NOT_MEASURED, **summary}
    ctp, cfp = np.cumsum(tp, dtype=np.float64), np.cumsum(fp, dtype=np.float64)
    recall = ctp / positives
    precision = ctp / np.maximum(ctp + cfp, np.finfo(np.float64).eps)
    return {"ap": average_precision(recall, precision) if len(tp) else 0.0, **summary}


def voc_per_class(gt: dict[str, Any], results: list[dict[str, Any]], iou_threshold: float = 0.5
                  ) -> dict[int, dict[str, float]]:
    """Per category id of `gt` (a COCO dataset dict), the VOC AP of `results` (COCO result entries)."""
    cats = [c["id"] for c in gt.get("categories", [])]
    boxes: dict[int, dict[Any, list]] = {c: defaultdict(list) for c in cats}
    regions: dict[int, dict[Any, list]] = {c: defaultdict(list) for c in cats}
    for a in gt.get("annotations", []):
        cid = a.get("category_id")
        targets = cats if cid is None else [cid]
        for c in targets:
            if c not in boxes:
                continue
            (regions if a.get("iscrowd") or cid is None else boxes)[c][a["image_id"]].append(a["bbox"])
    dets: dict[int, list] = defaultdict(list)
    images = {im["id"] for im in gt.get("images", [])}
    for r in results:
        if r["image_id"] in images:
            dets[r["category_id"]].append((r["image_id"], float(r["score"]), tuple(r["bbox"])))
    as_array = lambda d: {k: np.asarray(v, np.float64).reshape(-1, 4) for k, v in d.items()}  # noqa: E731
    return {c: class_ap(as_array(boxes[c]), as_array(regions[c]), dets.get(c, []), iou_threshold) for c in cats}


def voc_map(per_class: dict[int, dict[str, float]]) -> float:
    """The mean AP over the classes that have ground truth (-1 when none has)."""
    measured = [v["ap"] for v in per_class.values() if v["ap"] >= 0]
    return float(np.mean(measured)) if measured else NOT_MEASURED


def format_table(per_class: dict[int, dict[str, float]], names: dict[int, str], iou_threshold: float = 0.5) -> str:
    """The per-class table TAO prints after a detector's evaluation, then the mean."""
    width = max([len("Class"), *(len(n) for n in names.values())]) + 2
    lines = [f"{'Class':<{width}}{'AP':>8}{'boxes':>8}{'TP':>7}{'FP':>7}", "-" * (width + 30)]
    for cid, v in per_class.items():
        ap = "n/a" if v["ap"] < 0 else f"{v['ap']:.4f}"
        lines.append(f"{names.get(cid, str(cid)):<{width}}{ap:>8}{v['positives']:>8}{v['tp']:>7}{v['fp']:>7}")
    m = voc_map(per_class)
    lines.append(f"mAP@{iou_threshold:g} = " + ("n/a" if m < 0 else f"{m:.4f}"))
    return "\n".join(lines)
