"""PCK (percentage of correct keypoints) of detected people: a quick reading beside OKS AP.

PCK@α: of every labeled ground-truth keypoint (v > 0) of a non-crowd person, the fraction whose
matched prediction places that keypoint within α × the longer side of the person's box
(MMPose's bbox normalization; α = 0.2 by default). Predictions scoring at least `score_threshold`
are matched to the people of their image and category greedily, best score first, each to the
unmatched person whose box it overlaps most, at a box IoU of at least `iou_threshold`; a person
left without a match counts all its labeled keypoints as misses. Extra predictions cost nothing
(PCK reads how well found people are posed; AP reads the rest).

Plain numpy over COCO-style dicts, so a test can recompute it by hand.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

import numpy as np


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two x, y, w, h boxes."""
    ax2, ay2, bx2, by2 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0.0, min(ax2, bx2) - max(a[0], b[0]))
    ih = max(0.0, min(ay2, by2) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return float(inter / union) if union > 0 else 0.0


def pck(gt_annotations: Iterable[dict[str, Any]], results: Iterable[dict[str, Any]], alpha: float = 0.2,
        score_threshold: float = 0.5, iou_threshold: float = 0.5) -> dict[str, float]:
    """{"PCK": fraction, "correct": n, "labeled": n, "matched_people": n, "people": n} of COCO ground
    truth annotations (with "keypoints") and COCO keypoint results (with "bbox", "score", "keypoints")."""
    people: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for a in gt_annotations:
        kps = a.get("keypoints")
        if a.get("iscrowd") or not kps or not any(v > 0 for v in kps[2::3]):
            continue
        people[(a["image_id"], a["category_id"])].append(a)
    found: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for r in results:
        if r["score"] >= score_threshold:
            found[(r["image_id"], r["category_id"])].append(r)
    correct = labeled = matched = total = 0
    for key, gts in people.items():
        total += len(gts)
        boxes = [np.asarray(g["bbox"], np.float64) for g in gts]
        taken = [False] * len(gts)
        pairs: dict[int, dict] = {}
        for r in sorted(found.get(key, []), key=lambda r: -r["score"]):
            box = np.asarray(r["bbox"], np.float64)
            best, best_iou = -1, iou_threshold
            for i, g in enumerate(boxes):
                if taken[i]:
                    continue
                iou = box_iou(box, g)
                if iou >= best_iou:
                    best, best_iou = i, iou
            if best >= 0:
                taken[best] = True
                pairs[best] = r
        for i, g in enumerate(gts):
            truth = np.asarray(g["keypoints"], np.float64).reshape(-1, 3)
            shown = truth[:, 2] > 0
            labeled += int(shown.sum())
            if i not in pairs:
                continue
            matched += 1
            guess = np.asarray(pairs[i]["keypoints"], np.float64).reshape(-1, 3)
            if guess.shape != truth.shape:
                raise ValueError(f"a prediction has {len(guess)} keypoints but the ground truth has {len(truth)}")
            limit = alpha * max(g["bbox"][2], g["bbox"][3])
            dist = np.hypot(guess[:, 0] - truth[:, 0], guess[:, 1] - truth[:, 1])
            correct += int((shown & (dist <= limit)).sum())
    return {"PCK": correct / labeled if labeled else 0.0, "correct": correct, "labeled": labeled,
            "matched_people": matched, "people": total}
