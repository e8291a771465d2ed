"""COCO keypoints in and out: the schema checks (wrong length, another K under a known name, all-zero
keypoints, keypoints outside the image, a skeleton naming a missing joint, bad visibility), the
stats that count labeled keypoints, and an export that round-trips exactly."""
from __future__ import annotations

import json

import pytest

from core.datasets.coco import export_coco, plan_coco_import
from core.datasets.plan import commit_import, reconcile
from core.datasets.report import ImportRejected
from core.datasets.stats import dataset_stats, format_stats
from core.project import Project, catalog
from data_fixtures import data_cli, snapshot, write_json, write_png

W, H = 64, 48
COCO17 = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
          "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
          "right_ankle"]
SKELETON17 = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8], [7, 9], [8, 10],
              [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]]


def person(k: int = 17, names=None, skeleton=None, cid: int = 1, name: str = "person") -> dict:
    names = names or (COCO17 if k == 17 else [f"joint_{i}" for i in range(k)])
    return {"id": cid, "name": name, "supercategory": "person", "keypoints": names,
            "skeleton": SKELETON17 if skeleton is None and k == 17 else (skeleton or [[1, 2]])}


def kps(k: int = 17, labeled: int | None = None, v: int = 2) -> list:
    """k keypoints inside the image, the first `labeled` of them labeled (default all)."""
    labeled = k if labeled is None else labeled
    out = []
    for i in range(k):
        out += [float(5 + 3 * i % (W - 10)), float(4 + 2 * i % (H - 8)), v] if i < labeled else [0, 0, 0]
    return out


def coco(src, annotations, categories, n_images=1, seed=0) -> str:
    for i in range(n_images):
        write_png(src / f"{i}.png", W, H, seed=seed + i)
    images = [{"id": i + 1, "file_name": f"{i}.png", "width": W, "height": H} for i in range(n_images)]
    anns = [{"id": n + 1, "image_id": 1, "category_id": 1, "bbox": [2, 2, 40, 40], "area": 900.0, "iscrowd": 0,
             **a} for n, a in enumerate(annotations)]
    return str(write_json(src / "ann.json", {"images": images, "annotations": anns, "categories": categories}))


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "proj", "pose")
    yield p
    p.close()


def test_a_keypoints_list_of_another_length_is_skipped_with_a_sentence(tmp_path, project, capsys):
    path = coco(tmp_path / "src", [{"keypoints": kps(17)}, {"keypoints": kps(16), "num_keypoints": 16}], [person()])
    plan = plan_coco_import(path)
    (item,) = plan.report.items
    assert (item.action, item.what) == ("skipped", "annotation 2")
    assert item.reason == ("Skipped because its keypoints list has 48 values, but category 'person' has 17 keypoints "
                           "(51 values: x, y and visibility of each).")
    assert len(plan.annotations) == 1
    assert data_cli("import", str(project.root), "--format", "coco", "--annotations", path, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "Validation: no problems found" not in out and "has 48 values" in out


def test_a_known_name_with_another_keypoint_set_is_refused(tmp_path, project):
    commit_import(project, plan_coco_import(coco(tmp_path / "a", [{"keypoints": kps(17)}], [person()])))
    before = snapshot(project)
    other = coco(tmp_path / "b", [{"keypoints": kps(14)}], [person(14)], n_images=2)
    plan = reconcile(project, plan_coco_import(other))
    (item,) = plan.report.of("rejected")
    assert item.what == "category 'person'"
    assert item.reason.startswith("This file's 'person' has 14 keypoints (joint_0, joint_1, joint_2, ...) but the "
                                  "project's 'person' has 17 keypoints (nose, left_eye, right_eye, ...); merging them "
                                  "would mix two keypoint sets under one name. Rename the category in the file (say "
                                  "'person_14')")
    with pytest.raises(ImportRejected, match="two keypoint sets"):
        commit_import(project, plan_coco_import(other))
    assert snapshot(project) == before
    renamed = coco(tmp_path / "c", [{"keypoints": kps(14)}], [person(14, name="person_14")], n_images=3,
                   seed=100)                                        # new images (a duplicate's class is not made)
    commit_import(project, plan_coco_import(renamed))          # as a separate category it is welcome
    assert {c.name: c.keypoints.size for c in catalog.categories(project)} == {"person": 17, "person_14": 14}


def test_one_file_naming_two_keypoint_sets_alike_is_refused(tmp_path):
    path = coco(tmp_path / "src", [{"keypoints": kps(17)}], [person(), person(14, cid=2)])
    plan = plan_coco_import(path)
    (item,) = plan.report.of("rejected")
    assert item.what == "category 2" and "cannot be merged into one category" in item.reason
    assert "ids 1 (17 keypoints (nose, left_eye, right_eye, ...)) and 2 (14 keypoints" in item.reason


def test_stats_and_num_keypoints_count_labeled_keypoints(tmp_path, project):
    anns = [{"keypoints": kps(17, labeled=5), "num_keypoints": 5} for _ in range(11)]
    anns += [{"keypoints": kps(17, labeled=3), "num_keypoints": 17}]                   # a wrong count
    anns += [{"keypoints": [0] * 51, "num_keypoints": 0}, {"keypoints": [0] * 51}]   # none labeled
    plan = plan_coco_import(coco(tmp_path / "src", anns, [person()]))
    (item,) = plan.report.items
    assert item.reason == "Its num_keypoints says 17 but 3 keypoint(s) are labeled (visibility > 0); 3 is stored."
    commit_import(project, plan)
    stats = dataset_stats(project)
    assert stats["annotations"] == 14
    assert stats["keypoint_annotations"] == 12 and stats["labeled_keypoints"] == 11 * 5 + 3
    assert "keypoints: 12 annotation(s) with labeled keypoints, 58 labeled keypoint(s)" in format_stats(stats)
    stored = [n for (n,) in project.conn.execute("SELECT num_keypoints FROM annotations ORDER BY id")]
    assert stored == [5] * 11 + [3, 0, 0]


def test_keypoints_outside_the_image_become_unlabeled(tmp_path, project):
    points = kps(17)
    points[0:3] = [W + 5.0, 10.0, 2]        # nose right of the image
    points[9:12] = [-1.0, 3.0, 1]           # left_ear left of it
    points[12:15] = [0.0, float(H), 2]      # on the border: inside
    plan = plan_coco_import(coco(tmp_path / "src", [{"keypoints": points, "num_keypoints": 17}], [person()]))
    reasons = [i.reason for i in plan.report.items]
    assert reasons[0] == ("Its keypoint(s) nose at (69, 10), left_ear at (-1, 3) lie outside the 64x48 image; they "
                          "are stored as not labeled.")
    assert reasons[1] == "Its num_keypoints says 17 but 15 keypoint(s) are labeled (visibility > 0); 15 is stored."
    commit_import(project, plan)
    (ann,) = catalog.annotations(project)[1]
    assert ann.keypoints[0:3] == [0, 0, 0] and ann.keypoints[9:12] == [0, 0, 0]
    assert ann.keypoints[12:15] == [0.0, float(H), 2]


def test_a_skeleton_naming_a_missing_joint_loses_that_pair(tmp_path, project):
    cat = person(skeleton=None)
    cat["skeleton"] = SKELETON17 + [[17, 18], [0, 1], [3, 3], "x"]
    plan = plan_coco_import(coco(tmp_path / "src", [{"keypoints": kps(17)}], [cat]))
    reasons = [i.reason for i in plan.report.items if i.what == "category 1"]
    assert reasons == [
        "In its skeleton, the skeleton pair [17, 18] names keypoint 18, but the category has 17 keypoint(s) (numbered "
        "1 to 17); the pair was dropped.",
        "In its skeleton, the skeleton pair [0, 1] names keypoint 0, but the category has 17 keypoint(s) (numbered 1 "
        "to 17); the pair was dropped.",
        "In its skeleton, the skeleton pair [3, 3] joins keypoint 3 to itself; the pair was dropped.",
        "In its skeleton, the skeleton entry 'x' is not a pair of keypoint numbers; the pair was dropped."]
    commit_import(project, plan)
    (c,) = catalog.categories(project)
    assert c.keypoints.coco_skeleton() == SKELETON17 and c.keypoints.names == tuple(COCO17)


def test_bad_visibility_and_keypoints_without_a_schema(tmp_path, project):
    bad = kps(17)
    bad[5] = 3
    path = coco(tmp_path / "src", [{"keypoints": bad}, {"keypoints": ["a"] * 51}, {"keypoints": kps(3)}],
                [person(), {"id": 2, "name": "box"}])
    doc = json.loads(open(path).read())
    doc["annotations"][2]["category_id"] = 2
    write_json(tmp_path / "src" / "ann.json", doc)
    items = {i.what: i for i in plan_coco_import(path).report.items}
    assert items["annotation 1"].reason == ("Skipped because keypoint 2 (left_eye) has visibility 3; COCO's are 0 (not "
                                            "labeled), 1 (labeled, hidden) and 2 (labeled, visible).")
    assert items["annotation 2"].reason == "Skipped because its keypoints are not a list of numbers."
    assert items["annotation 3"].action == "repaired" and "category 'box' names no keypoints" in \
        items["annotation 3"].reason


def test_coco_keypoints_round_trip_exactly(tmp_path, project):
    hidden = kps(17, labeled=9, v=1)
    anns = [{"keypoints": kps(17), "num_keypoints": 17, "segmentation": [[2, 2, 40, 2, 40, 40, 2, 40]]},
            {"keypoints": hidden, "num_keypoints": 9, "bbox": [10.5, 3.25, 20, 30], "area": 321.5},
            {"keypoints": [0] * 51, "num_keypoints": 0, "iscrowd": 1, "bbox": [0, 0, 8, 8], "area": 64.0}]
    path = coco(tmp_path / "src", anns, [person()])
    source = json.loads(open(path).read())
    plan = plan_coco_import(path)
    assert plan.report.items == []
    commit_import(project, plan)
    export_coco(project, tmp_path / "out.json")
    out = json.loads((tmp_path / "out.json").read_text())
    keys = ("id", "category_id", "bbox", "area", "iscrowd", "keypoints", "num_keypoints", "segmentation")
    assert [{k: a[k] for k in keys} for a in out["annotations"]] == \
        [{k: a.get(k, []) for k in keys} for a in source["annotations"]]
    assert out["categories"] == source["categories"]
    assert json.dumps(out["annotations"][0]["keypoints"]) == json.dumps(source["annotations"][0]["keypoints"])
    # and once more through a fresh project: the same file again
    with Project.create(tmp_path / "again", "pose") as again:
        commit_import(again, plan_coco_import(tmp_path / "out.json", tmp_path / "src"))
        export_coco(again, tmp_path / "out2.json")
    twice = json.loads((tmp_path / "out2.json").read_text())
    assert twice["annotations"] == out["annotations"] and twice["categories"] == out["categories"]
