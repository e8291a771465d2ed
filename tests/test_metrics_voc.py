"""VOC-style AP per class (core.metrics.voc) against a case computed by hand, and the detection
metrics against pycocotools called directly, ignore regions included."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core.metrics import voc
from core.metrics.coco import coco_results, evaluate_coco, ground_truth, run_cocoeval
from core.predictions import Instances
from core.project import Project, catalog

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def hand_case():
    """Two images of class 1: image 1 has boxes A, B and a class-less ignore region R; image 2 has C.
    Class 2 has no box at all."""
    gt = {"images": [{"id": 1}, {"id": 2}], "categories": [{"id": 1, "name": "hand"}, {"id": 2, "name": "foot"}],
          "annotations": [
              {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "iscrowd": 0},     # A
              {"id": 2, "image_id": 1, "category_id": 1, "bbox": [20, 20, 10, 10], "iscrowd": 0},   # B (missed)
              {"id": 3, "image_id": 1, "category_id": None, "bbox": [40, 0, 10, 10], "iscrowd": 1},  # R
              {"id": 4, "image_id": 2, "category_id": 1, "bbox": [0, 0, 10, 10], "iscrowd": 0}]}    # C
    results = [
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9},    # TP (A)
        {"image_id": 1, "category_id": 1, "bbox": [1, 1, 10, 10], "score": 0.8},    # FP: A again (IoU 0.68)
        {"image_id": 1, "category_id": 1, "bbox": [41, 1, 8, 8], "score": 0.7},     # in R: neither
        {"image_id": 2, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.6},    # TP (C)
        {"image_id": 2, "category_id": 1, "bbox": [50, 50, 10, 10], "score": 0.5},  # FP
        {"image_id": 2, "category_id": 2, "bbox": [0, 0, 5, 5], "score": 0.9}]      # class 2: nothing to find
    return gt, results


def test_voc_ap_equals_the_hand_computed_case():
    gt, results = hand_case()
    per_class = voc.voc_per_class(gt, results, 0.5)
    # in score order, without the ignored one: TP FP TP FP of 3 boxes -> recall 1/3 1/3 2/3 2/3,
    # precision 1 1/2 2/3 1/2; interpolated: 1 on (0, 1/3], 2/3 on (1/3, 2/3], 0 after -> 1/3 + 2/9
    assert per_class[1]["ap"] == pytest.approx(5 / 9, abs=1e-12)
    assert (per_class[1]["positives"], per_class[1]["tp"], per_class[1]["fp"], per_class[1]["ignored"]) == (3, 2, 2, 1)
    assert per_class[2]["ap"] == voc.NOT_MEASURED                       # no box of class 2: not measured
    assert voc.voc_map(per_class) == pytest.approx(5 / 9)               # ... and left out of the mean
    table = voc.format_table(per_class, {1: "hand", 2: "foot"})
    assert "hand" in table and "0.5556" in table and "n/a" in table and table.endswith("mAP@0.5 = 0.5556")


def test_without_the_ignore_region_its_detection_is_a_false_positive():
    gt, results = hand_case()
    gt["annotations"] = [a for a in gt["annotations"] if a["id"] != 3]
    per_class = voc.voc_per_class(gt, results, 0.5)
    # TP FP FP TP FP -> precision 1 1/2 1/3 1/2 2/5; interpolated 1 then 1/2 -> 1/3 + 1/6
    assert per_class[1]["ap"] == pytest.approx(1 / 3 + 1 / 6, abs=1e-12)
    assert per_class[1]["fp"] == 3 and per_class[1]["ignored"] == 0


def test_a_crowd_region_of_a_class_ignores_only_that_class():
    gt, results = hand_case()
    gt["annotations"][2]["category_id"] = 2      # R now belongs to class 2
    results.append({"image_id": 1, "category_id": 2, "bbox": [41, 1, 8, 8], "score": 0.95})
    per_class = voc.voc_per_class(gt, results, 0.5)
    assert per_class[1]["ignored"] == 0 and per_class[1]["fp"] == 3   # class 1's detection in R counts against it
    assert per_class[2]["ignored"] == 1 and per_class[2]["ap"] == voc.NOT_MEASURED


def test_perfect_and_empty_detections():
    gt, _ = hand_case()
    perfect = [{"image_id": a["image_id"], "category_id": 1, "bbox": a["bbox"], "score": 1.0}
               for a in gt["annotations"] if a["category_id"] == 1]
    assert voc.voc_per_class(gt, perfect)[1]["ap"] == pytest.approx(1.0)
    assert voc.voc_per_class(gt, [])[1]["ap"] == 0.0
    assert voc.average_precision(np.array([0.5, 1.0]), np.array([1.0, 1.0])) == pytest.approx(1.0)


def _project_with_an_ignore_region(tmp_path):
    from core.datasets.plan import ImportPlan, PlannedCategory, PlannedImage, commit_import
    from data_fixtures import write_png

    project = Project.create(tmp_path / "p", "detection")
    plan = ImportPlan("kitti", "test")
    plan.categories = [PlannedCategory("hand"), PlannedCategory("foot")]
    for i in range(2):
        path = write_png(tmp_path / f"{i}.png", 64, 64, seed=i)
        plan.images.append(PlannedImage(f"{i}.png", path, 64, 64, sha256=f"sha{i}"))
    boxes = [(0, 0, (2, 2, 20, 20)), (0, 1, (30, 30, 20, 20)), (1, 0, (10, 10, 30, 30)), (0, None, (40, 0, 20, 20))]
    for image, cat, box in boxes:
        plan.annotations.append(catalog.Annotation(None, image, cat, box, area=box[2] * box[3],
                                                   iscrowd=int(cat is None)))
    commit_import(project, plan)
    catalog.set_splits(project, {im.id: "val" for im in catalog.images(project)})
    return project


def test_class_less_ignore_regions_reach_pycocotools_as_crowd_regions_of_every_class(tmp_path):
    project = _project_with_an_ignore_region(tmp_path)
    gt = ground_truth(project, "val")
    crowd = [a for a in gt["annotations"] if a["iscrowd"]]
    assert sorted(a["category_id"] for a in crowd) == sorted(c.id for c in catalog.categories(project))
    assert len({a["id"] for a in gt["annotations"]}) == len(gt["annotations"])      # ids stay unique
    ids = {im.file_name: im.id for im in catalog.images(project)}
    hand, foot = (c.id for c in catalog.categories(project))
    truth = {ids["0.png"]: Instances([[2, 2, 22, 22], [30, 30, 50, 50]], [0.9, 0.8], [hand, foot]),
             ids["1.png"]: Instances([[10, 10, 40, 40]], [0.7], [hand])}
    in_region = {k: Instances(np.concatenate([v.boxes, [[42, 2, 58, 18]] * 2]),
                              np.concatenate([v.scores, [0.99, 0.98]]), np.concatenate([v.labels, [hand, foot]]))
                 if k == ids["0.png"] else v for k, v in truth.items()}
    clean = evaluate_coco(project, "val", truth, tmp_path / "a", {"bbox": ""})
    with_ignored = evaluate_coco(project, "val", in_region, tmp_path / "b", {"bbox": ""})
    assert clean["AP"] == pytest.approx(1.0)
    # detections in R are not false positives: every metric is the same, but AR@1 (pycocotools keeps the
    # best detection of each image before it ignores any, and the best one here lies in R)
    assert {k: v for k, v in with_ignored.items() if k != "ARmax1"} == {k: v for k, v in clean.items() if k != "ARmax1"}
    # what was compared is on disk: pycocotools called directly on it gives the same numbers
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    coco = COCO(str(tmp_path / "b" / "gt.json"))
    ev = COCOeval(coco, coco.loadRes(str(tmp_path / "b" / "predictions.json")), "bbox")
    ev.evaluate(), ev.accumulate(), ev.summarize()
    assert with_ignored["AP"] == float(ev.stats[0]) and with_ignored["AR" + "max100"] == float(ev.stats[8])
    assert run_cocoeval(gt, coco_results(in_region, False), "bbox")[0] == pytest.approx(1.0)
    project.close()


def test_the_detection_family_scores_with_pycocotools_and_voc_from_the_same_files(tmp_path):
    from core.families.detection.family import FAMILY
    from core.families.detection.spec import DetectionSpec

    project = _project_with_an_ignore_region(tmp_path)
    ids = {im.file_name: im.id for im in catalog.images(project)}
    hand, foot = (c.id for c in catalog.categories(project))
    predictions = {ids["0.png"]: Instances([[2, 2, 22, 22], [31, 31, 50, 50], [42, 2, 58, 18], [0, 40, 10, 50]],
                                           [0.9, 0.8, 0.99, 0.3], [hand, foot, hand, hand]),
                   ids["1.png"]: Instances([[12, 10, 40, 40]], [0.7], [hand])}
    metrics = FAMILY.evaluate(project, "val", predictions, DetectionSpec(), tmp_path / "eval")
    gt = json.loads((tmp_path / "eval" / "gt.json").read_text())
    results = json.loads((tmp_path / "eval" / "predictions.json").read_text())
    direct = voc.voc_per_class(gt, results, 0.5)
    assert metrics["voc_AP/hand"] == direct[hand]["ap"] and metrics["voc_AP/foot"] == direct[foot]["ap"]
    assert metrics["voc_mAP"] == pytest.approx((direct[hand]["ap"] + direct[foot]["ap"]) / 2)
    # hand: TP (0.9), TP (0.7), FP (0.3); the 0.99 one lies in the ignore region -> AP 1.0
    assert direct[hand]["ap"] == pytest.approx(1.0) and direct[hand]["ignored"] == 1
    assert metrics["AP"] == run_cocoeval(gt, results, "bbox")[0]
    written = json.loads((tmp_path / "eval" / "voc.json").read_text())
    assert written["classes"]["hand"]["ap"] == metrics["voc_AP/hand"] and "mAP@0.5" in \
        (tmp_path / "eval" / "voc.txt").read_text()
    project.close()
