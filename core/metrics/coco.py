"""COCO metrics with pycocotools, shared by every box/mask/keypoint family.

`evaluate_coco` writes the exact ground truth and results it scores (`gt.json`,
`predictions.json`) so that calling pycocotools directly on those files gives the same
numbers. Metric names follow TAO: AP, AP50, ..., ARl for boxes, the same with a prefix
(`mask_`) for masks.
"""
from __future__ import annotations

import contextlib
import io
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from core.datasets.masks import encode_mask, segmentation_area
from core.fsutil import atomic_write_text
from core.predictions import Instances
from core.project import Project
from core.project import catalog

log = logging.getLogger(__name__)

STAT_NAMES = ("AP", "AP50", "AP75", "APs", "APm", "APl", "ARmax1", "ARmax10", "ARmax100", "ARs", "ARm", "ARl")


def ground_truth(project: Project, split: str) -> dict[str, Any]:
    """The split as a COCO dataset dict (project category and image ids). An ignore region without a
    class (KITTI DontCare, labelme __ignore__) applies to every class: it is written as one crowd
    annotation per category (ids after the project's own), which pycocotools ignores as it does
    any crowd region of that class."""
    images = catalog.images(project, split)
    anns = catalog.annotations(project, [i.id for i in images])
    categories = catalog.categories(project)
    next_id = max([a.id for group in anns.values() for a in group] + [0]) + 1
    out_anns = []
    for im in images:
        for a in anns.get(im.id, []):
            if a.category_id is None:     # an ignore region of every class
                x, y, w, h = (float(v) for v in a.bbox)
                seg = a.segmentation if a.segmentation is not None else [[x, y, x + w, y, x + w, y + h, x, y + h]]
                for c in categories:
                    out_anns.append({"id": next_id, "image_id": im.id, "category_id": c.id, "bbox": [x, y, w, h],
                                     "iscrowd": 1, "area": w * h, "segmentation": seg, "ignore_region": a.id})
                    next_id += 1
                continue
            entry = {"id": a.id, "image_id": im.id, "category_id": a.category_id,
                     "bbox": [float(v) for v in a.bbox], "iscrowd": int(a.iscrowd),
                     "area": float(a.area) if a.area > 0 else float(a.bbox[2] * a.bbox[3])}
            if a.segmentation is not None:
                entry["segmentation"] = a.segmentation
                if a.area <= 0:
                    entry["area"] = float(segmentation_area(a.seg_kind, a.segmentation, im.height, im.width))
            out_anns.append(entry)
    return {
        "info": {"description": f"{project.name} / {split}"},
        "images": [{"id": im.id, "file_name": im.file_name, "width": im.width, "height": im.height}
                   for im in images],
        "categories": [{"id": c.id, "name": c.name} for c in categories],
        "annotations": out_anns,
    }


def coco_results(predictions: dict[int, Instances], with_masks: bool) -> list[dict[str, Any]]:
    """COCO result entries (boxes as x, y, w, h; masks as RLE) from Instances keyed by image id."""
    results = []
    for image_id, pred in predictions.items():
        boxes = pred.boxes.astype(np.float64)
        if with_masks and pred.masks is None and len(pred):
            raise ValueError(f"segm evaluation needs masks, but the prediction for image {image_id} has none")
        for k in range(len(boxes)):
            x1, y1, x2, y2 = boxes[k]
            entry = {"image_id": int(image_id), "category_id": int(pred.labels[k]),
                     "bbox": [round(float(x1), 2), round(float(y1), 2), round(float(x2 - x1), 2),
                              round(float(y2 - y1), 2)],
                     "score": round(float(pred.scores[k]), 5)}
            if with_masks:
                entry["segmentation"] = encode_mask(pred.masks[k])
            results.append(entry)
    return results


def run_cocoeval(gt: dict[str, Any], results: list[dict[str, Any]], iou_type: str) -> list[float]:
    """The 12 COCO summary statistics; all zeros when there is no detection at all."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    if not results:
        return [0.0] * len(STAT_NAMES)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # pycocotools prints its progress and tables
        coco_gt = COCO()
        coco_gt.dataset = json.loads(json.dumps(gt))
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(json.loads(json.dumps(results)))
        evaluator = COCOeval(coco_gt, coco_dt, iou_type)
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    log.debug("pycocotools %s:\n%s", iou_type, printed.getvalue())
    return [float(v) for v in evaluator.stats]


def evaluate_coco(project: Project, split: str, predictions: dict[int, Instances], out_dir: Path,
                  iou_types: dict[str, str]) -> dict[str, float]:
    """Score predictions for each IoU type ({"bbox": "", "segm": "mask_"} -> AP, mask_AP, ...)."""
    gt = ground_truth(project, split)
    results = coco_results(predictions, with_masks="segm" in iou_types)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_dir / "gt.json", json.dumps(gt))
    atomic_write_text(out_dir / "predictions.json", json.dumps(results))
    metrics: dict[str, float] = {}
    for iou_type, prefix in iou_types.items():
        stats = run_cocoeval(gt, results, iou_type)
        metrics.update({f"{prefix}{name}": value for name, value in zip(STAT_NAMES, stats)})
    return metrics
