"""COCO metrics with pycocotools, shared by every box/mask/keypoint family.

`evaluate_coco` writes the exact ground truth and results it scores (`gt.json`,
`predictions.json`) so that calling pycocotools directly on those files gives the same
numbers. Metric names follow TAO: AP, AP50, ..., ARl for boxes, the same with a prefix
(`mask_`) for masks; keypoints (OKS, per-keypoint sigmas from `core.metrics.keypoint_sigmas`) are
AP, AP50, AP75, APm, APl, AR, ... with the prefix `keypoints_`, and the sigmas are written to
`gt.json` (`info.kpt_oks_sigmas`) beside the ground truth they score.
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
# COCOeval's 10 keypoint statistics (no small objects: COCO does not label keypoints of small people)
KEYPOINT_STAT_NAMES = ("AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl")


def stat_names(iou_type: str) -> tuple[str, ...]:
    return KEYPOINT_STAT_NAMES if iou_type == "keypoints" else STAT_NAMES


def ground_truth(project: Project, split: str, keypoints: int = 0) -> dict[str, Any]:
    """The split as a COCO dataset dict (project category and image ids). With `keypoints` = K,
    an annotation without keypoints gets K unlabeled ones (COCOeval ignores it for keypoint AP).
    An ignore region without a class (KITTI DontCare, labelme __ignore__) applies to every class:
    it is written as one crowd annotation per category (ids after the project's own), which
    pycocotools ignores as it does any crowd region of that class."""
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
            if a.keypoints is not None:
                entry["keypoints"] = [float(v) for v in a.keypoints]
                entry["num_keypoints"] = sum(1 for v in a.keypoints[2::3] if v > 0)
            elif keypoints:
                entry["keypoints"], entry["num_keypoints"] = [0.0] * (3 * keypoints), 0
            out_anns.append(entry)
    return {
        "info": {"description": f"{project.name} / {split}"},
        "images": [{"id": im.id, "file_name": im.file_name, "width": im.width, "height": im.height}
                   for im in images],
        "categories": [{"id": c.id, "name": c.name} for c in categories],
        "annotations": out_anns,
    }


def coco_results(predictions: dict[int, Instances], with_masks: bool, with_keypoints: bool = False
                 ) -> list[dict[str, Any]]:
    """COCO result entries (boxes as x, y, w, h; masks as RLE; keypoints as x, y, v) from Instances
    keyed by image id."""
    results = []
    for image_id, pred in predictions.items():
        boxes = pred.boxes.astype(np.float64)
        if with_masks and pred.masks is None and len(pred):
            raise ValueError(f"segm evaluation needs masks, but the prediction for image {image_id} has none")
        if with_keypoints and pred.keypoints is None and len(pred):
            raise ValueError(f"keypoint evaluation needs keypoints, but the prediction for image {image_id} has none")
        for k in range(len(boxes)):
            x1, y1, x2, y2 = boxes[k]
            entry = {"image_id": int(image_id), "category_id": int(pred.labels[k]),
                     "bbox": [round(float(x1), 2), round(float(y1), 2), round(float(x2 - x1), 2),
                              round(float(y2 - y1), 2)],
                     "score": round(float(pred.scores[k]), 5)}
            if with_masks:
                entry["segmentation"] = encode_mask(pred.masks[k])
            if with_keypoints:
                entry["keypoints"] = [round(float(v), 2) for v in pred.keypoints[k].reshape(-1)]
            results.append(entry)
    return results


def run_cocoeval(gt: dict[str, Any], results: list[dict[str, Any]], iou_type: str,
                 sigmas: Any = None) -> list[float]:
    """COCO's summary statistics (`stat_names(iou_type)`: 12, or 10 for keypoints, scored with the
    per-keypoint `sigmas`); all zeros when there is no detection at all."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    if not results:
        return [0.0] * len(stat_names(iou_type))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # pycocotools prints its progress and tables
        coco_gt = COCO()
        coco_gt.dataset = json.loads(json.dumps(gt))
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(json.loads(json.dumps(results)))
        evaluator = COCOeval(coco_gt, coco_dt, iou_type)
        if sigmas is not None:
            evaluator.params.kpt_oks_sigmas = np.asarray(sigmas, np.float64)
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    log.debug("pycocotools %s:\n%s", iou_type, printed.getvalue())
    return [float(v) for v in evaluator.stats]


def evaluate_coco(project: Project, split: str, predictions: dict[int, Instances], out_dir: Path,
                  iou_types: dict[str, str], sigmas: Any = None, sigmas_rule: str = "") -> dict[str, float]:
    """Score predictions for each IoU type ({"bbox": "", "segm": "mask_"} -> AP, mask_AP, ...;
    "keypoints" needs one OKS sigma per keypoint in `sigmas`, recorded in gt.json with `sigmas_rule`)."""
    k = len(sigmas) if sigmas is not None else 0
    if "keypoints" in iou_types and not k:
        raise ValueError("keypoint evaluation needs the per-keypoint OKS sigmas")
    gt = ground_truth(project, split, keypoints=k if "keypoints" in iou_types else 0)
    if "keypoints" in iou_types:
        gt["info"].update({"kpt_oks_sigmas": [float(v) for v in sigmas], "kpt_oks_sigmas_rule": sigmas_rule})
    results = coco_results(predictions, with_masks="segm" in iou_types, with_keypoints="keypoints" in iou_types)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_dir / "gt.json", json.dumps(gt))
    atomic_write_text(out_dir / "predictions.json", json.dumps(results))
    metrics: dict[str, float] = {}
    for iou_type, prefix in iou_types.items():
        stats = run_cocoeval(gt, results, iou_type, sigmas if iou_type == "keypoints" else None)
        metrics.update({f"{prefix}{name}": value for name, value in zip(stat_names(iou_type), stats)})
    return metrics
