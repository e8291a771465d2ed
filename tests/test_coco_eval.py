"""COCO metrics equal pycocotools called directly on the same files, on predictions that are
neither perfect nor empty."""
import json

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from core.datasets.masks import annotation_mask
from core.metrics.coco import STAT_NAMES, evaluate_coco
from core.predictions import Instances
from core.project import catalog


def _noisy_predictions(project, split, rng):
    preds = {}
    for im in catalog.images(project, split):
        anns = catalog.annotations(project, [im.id])[im.id]
        boxes, scores, labels, masks = [], [], [], []
        for a in anns:
            x, y, w, h = a.bbox
            jitter = rng.normal(0, 1.5, 4)
            boxes.append([x + jitter[0], y + jitter[1], x + w + jitter[2], y + h + jitter[3]])
            scores.append(rng.uniform(0.3, 1.0))
            # every third object gets the wrong class
            labels.append(a.category_id if len(labels) % 3 else (a.category_id % 4) + 1)
            m = annotation_mask(a, im.height, im.width)
            masks.append(np.roll(m, int(rng.integers(-2, 3)), axis=1))
        # one false positive per image
        boxes.append([1, 1, 20, 20]); scores.append(0.2); labels.append(1)
        fp = np.zeros((im.height, im.width), bool); fp[1:20, 1:20] = True; masks.append(fp)
        preds[im.id] = Instances(np.array(boxes, np.float32), np.array(scores, np.float32), np.array(labels),
                                 np.array(masks))
    return preds


def test_metrics_equal_direct_pycocotools(make_seg_project, tmp_path):
    project = make_seg_project(num_images=10, size=64, val=0.5)
    preds = _noisy_predictions(project, "val", np.random.default_rng(0))
    metrics = evaluate_coco(project, "val", preds, tmp_path, {"bbox": "", "segm": "mask_"})
    assert 0.05 < metrics["AP"] < 0.95 and 0.05 < metrics["mask_AP"] < 0.95
    gt = COCO(str(tmp_path / "gt.json"))
    dt = gt.loadRes(str(tmp_path / "predictions.json"))
    for iou_type, prefix in (("bbox", ""), ("segm", "mask_")):
        ev = COCOeval(gt, dt, iou_type)
        ev.evaluate(); ev.accumulate(); ev.summarize()
        assert [metrics[prefix + n] for n in STAT_NAMES] == [float(v) for v in ev.stats]


def test_no_detections_scores_zero(make_seg_project, tmp_path):
    project = make_seg_project(num_images=6, size=64, val=0.5)
    empty = {im.id: Instances.empty(64, 64) for im in catalog.images(project, "val")}
    metrics = evaluate_coco(project, "val", empty, tmp_path, {"bbox": "", "segm": "mask_"})
    assert metrics["AP"] == 0.0 and metrics["mask_ARmax100"] == 0.0
    assert json.loads((tmp_path / "predictions.json").read_text()) == []
