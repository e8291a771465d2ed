"""Pose metrics: OKS keypoint AP equals pycocotools called directly (with the sigmas the rule chose)
and a direct computation of OKS; PCK@0.2 equals a count by hand; the sigma rule."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from core.datasets.synthetic_pose import JOINTS
from core.metrics.coco import KEYPOINT_STAT_NAMES, STAT_NAMES, evaluate_coco
from core.metrics.keypoint_sigmas import COCO_PERSON_KEYPOINTS, COCO_PERSON_SIGMAS, DEFAULT_SIGMA, sigmas_for
from core.metrics.pck import pck
from core.predictions import Instances
from core.project import catalog
from pose_fixtures import make_pose_project, tiny_pose_spec

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    p = make_pose_project(tmp_path_factory.mktemp("pose") / "p", num_images=10, size=96, val=0.5)
    yield p
    p.close()


def noisy_predictions(project, split: str, rng) -> dict[int, Instances]:
    """Each person found with jittered box and keypoints, one person in four missed, one false positive per image."""
    preds = {}
    for im in catalog.images(project, split):
        boxes, scores, labels, kps = [], [], [], []
        for n, a in enumerate(catalog.annotations(project, [im.id])[im.id]):
            if n % 4 == 3:
                continue
            x, y, w, h = a.bbox
            boxes.append(np.array([x, y, x + w, y + h]) + rng.normal(0, 1.5, 4))
            truth = np.asarray(a.keypoints, np.float32).reshape(-1, 3)
            guess = truth.copy()
            guess[:, :2] += rng.normal(0, rng.uniform(0.5, 6.0), (len(truth), 2))
            guess[:, 2] = 2
            kps.append(guess)
            scores.append(rng.uniform(0.3, 1.0))
            labels.append(a.category_id)
        boxes.append([1, 1, 30, 40]); scores.append(0.4); labels.append(labels[0] if labels else 1)
        kps.append(rng.uniform(1, 30, (len(JOINTS), 3)))
        preds[im.id] = Instances(np.array(boxes, np.float32), np.array(scores), np.array(labels),
                                 keypoints=np.array(kps, np.float32))
    return preds


def test_keypoint_ap_equals_pycocotools_called_directly(project, tmp_path):
    from core.families import get_family

    preds = noisy_predictions(project, "val", np.random.default_rng(0))
    metrics = get_family("pose").evaluate(project, "val", preds, tiny_pose_spec(), tmp_path)
    assert 0.05 < metrics["keypoints_AP"] < 0.95 and 0.0 < metrics["PCK"] < 1.0
    sigmas, _ = sigmas_for(JOINTS)
    gt = COCO(str(tmp_path / "gt.json"))
    assert gt.dataset["info"]["kpt_oks_sigmas"] == list(sigmas)
    dt = gt.loadRes(str(tmp_path / "predictions.json"))
    ev = COCOeval(gt, dt, "keypoints")
    ev.params.kpt_oks_sigmas = np.array(sigmas)
    ev.evaluate(); ev.accumulate(); ev.summarize()
    assert [metrics["keypoints_" + n] for n in KEYPOINT_STAT_NAMES] == [float(v) for v in ev.stats]
    ev = COCOeval(gt, dt, "bbox")
    ev.evaluate(); ev.accumulate(); ev.summarize()
    assert [metrics[n] for n in STAT_NAMES] == [float(v) for v in ev.stats]
    reading = json.loads((tmp_path / "pck.json").read_text())
    assert reading["PCK"] == metrics["PCK"] and reading["alpha"] == 0.2


def test_keypoint_ap_equals_a_direct_oks_computation(project, tmp_path):
    """One person, one prediction whose every keypoint is off by the distance that makes its
    similarity 0.78: OKS 0.78 passes the thresholds 0.50 ... 0.75 (6 of 10), so AP is 0.6."""
    im = catalog.images(project, "val")[0]
    people = [a for a in catalog.annotations(project, [im.id])[im.id] if a.keypoints]
    target = 0.78
    sigmas, _ = sigmas_for(JOINTS)
    preds = {}
    for other in catalog.images(project, "val"):
        preds[other.id] = Instances.empty(keypoints=len(JOINTS))
    boxes, kps = [], []
    for a in people:
        truth = np.asarray(a.keypoints, np.float64).reshape(-1, 3)
        d = np.sqrt(-2 * math.log(target) * (2 * np.asarray(sigmas)) ** 2 * a.area)   # pycocotools' e = d²/(2 s² κ²)
        guess = truth.copy()
        guess[:, 0] += d
        guess[:, 2] = 2
        x, y, w, h = a.bbox
        boxes.append([x, y, x + w, y + h])
        kps.append(guess)
    preds[im.id] = Instances(np.array(boxes), np.linspace(0.9, 0.8, len(people)), [people[0].category_id] * len(people),
                             keypoints=np.array(kps, np.float32))
    only = {im.id: preds[im.id]}
    sub = evaluate_coco(project, "val", only, tmp_path, {"keypoints": "keypoints_"}, sigmas=sigmas)
    # images without predictions still hold people: score only this image's people against its predictions
    gt = json.loads((tmp_path / "gt.json").read_text())
    gt["images"] = [i for i in gt["images"] if i["id"] == im.id]
    gt["annotations"] = [a for a in gt["annotations"] if a["image_id"] == im.id]
    from core.metrics.coco import coco_results, run_cocoeval

    stats = run_cocoeval(gt, coco_results(only, with_masks=False, with_keypoints=True), "keypoints", sigmas)
    assert stats[0] == pytest.approx(0.6, abs=1e-6)           # AP
    assert stats[1] == pytest.approx(1.0) and stats[2] == pytest.approx(1.0)   # AP50, AP75
    assert stats[5] == pytest.approx(0.6, abs=1e-6)           # AR
    assert sub["keypoints_AP"] < stats[0]                      # the split's other people were missed


def test_pck_equals_a_count_by_hand():
    truth = lambda pts: [v for x, y in pts for v in (x, y, 2)]   # noqa: E731
    p1 = [(10.0 + i, 10.0 + 2 * i) for i in range(10)]
    gt = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 50, 100], "keypoints": truth(p1)},       # limit 20 px
          {"image_id": 1, "category_id": 1, "bbox": [200, 0, 20, 20], "keypoints": truth(p1[:5]) + [0, 0, 0] * 5},
          {"image_id": 1, "category_id": 1, "bbox": [300, 0, 20, 20], "iscrowd": 1, "keypoints": truth(p1)}]
    offsets = [0, 5, 19.9, 20.0, 25, 0, 3, 40, 0, 21]            # 20.0 counts (<=), 7 within
    guess = [v for (x, y), dx in zip(p1, offsets) for v in (x + dx, y, 2)]
    results = [{"image_id": 1, "category_id": 1, "bbox": [1, 1, 50, 100], "score": 0.9, "keypoints": guess},
               {"image_id": 1, "category_id": 1, "bbox": [260, 0, 20, 20], "score": 0.8, "keypoints": guess},   # IoU 0
               {"image_id": 1, "category_id": 1, "bbox": [200, 0, 20, 20], "score": 0.3, "keypoints": guess},   # low
               {"image_id": 1, "category_id": 2, "bbox": [200, 0, 20, 20], "score": 0.9, "keypoints": guess}]   # class
    correct = sum(1 for d in offsets if d <= 0.2 * 100)
    assert pck(gt, results) == {"PCK": correct / 15, "correct": 7, "labeled": 15, "matched_people": 1, "people": 2}
    assert pck(gt, results, score_threshold=0.2)["matched_people"] == 2


def test_the_sigma_rule():
    assert sigmas_for(COCO_PERSON_KEYPOINTS) == (COCO_PERSON_SIGMAS, "COCO's sigmas for its 17-point person")
    sigmas, how = sigmas_for(JOINTS)                            # CrowdPose's 14
    assert dict(zip(JOINTS, sigmas))["left_wrist"] == 0.062 and dict(zip(JOINTS, sigmas))["head"] == 0.079
    assert dict(zip(JOINTS, sigmas))["right_hip"] == 0.107 and "by joint kind" in how
    sigmas, how = sigmas_for(["L_Knee", "tail_tip", "eyes"])
    assert sigmas == (0.087, DEFAULT_SIGMA, 0.025) and "tail_tip got the mean COCO sigma 0.0669" in how
    assert sigmas_for(["a", "b"], [0.1, 0.2]) == ((0.1, 0.2), "given in the spec (evaluate.keypoint_sigmas)")
    with pytest.raises(ValueError, match="lists 1 sigmas but the keypoint set has 2 keypoints"):
        sigmas_for(["a", "b"], [0.1])
