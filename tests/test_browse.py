"""core.datasets.browse: the reads behind the Data and Label pages."""
from __future__ import annotations

import pytest

from core.datasets import browse
from core.datasets.browse import browse_snapshot, image_positions
from core.datasets.coco import plan_coco_import
from core.datasets.plan import commit_import
from core.project import Project, catalog
from data_fixtures import write_json, write_png


@pytest.fixture
def project(tmp_path):
    src = tmp_path / "src"
    for i in range(4):
        write_png(src / f"{i}.png", 20, 20, seed=i)
    kps = [2, 2, 2, 8, 8, 1, 0, 0, 0]
    doc = {"images": [{"id": i + 1, "file_name": f"{i}.png"} for i in range(4)],
           "annotations": [
               {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 5, 5], "area": 25, "segmentation": []},
               {"id": 2, "image_id": 1, "category_id": 1, "bbox": [9, 9, 5, 5], "area": 25, "segmentation": []},
               {"id": 3, "image_id": 2, "category_id": 2, "bbox": [1, 1, 9, 9], "area": 81, "segmentation": [],
                "keypoints": kps, "num_keypoints": 2},
               {"id": 4, "image_id": 3, "category_id": 1, "bbox": [1, 1, 5, 5], "area": 25, "segmentation": []}],
           "categories": [{"id": 1, "name": "box"},
                          {"id": 2, "name": "person", "keypoints": ["nose", "eye", "ear"],
                           "skeleton": [[1, 2], [2, 3], [3, 9], "bad"]},
                          {"id": 3, "name": "unused"}]}
    p = Project.create(tmp_path / "proj", "instance_segmentation")
    commit_import(p, plan_coco_import(write_json(src / "ann.json", doc)))
    yield p
    p.close()


def test_category_styles_turn_coco_skeletons_zero_based(project):
    styles = browse.category_styles(project)
    by_name = {s.name: s for s in styles.values()}
    assert by_name["person"].keypoints == ("nose", "eye", "ear")
    assert by_name["person"].skeleton == ((0, 1), (1, 2))   # [3, 9] points outside, "bad" is not a pair
    assert by_name["box"].keypoints == () and by_name["box"].skeleton == ()
    assert set(styles) == {c.id for c in catalog.categories(project)}


def test_images_holding_a_class(project):
    ids = {c.name: c.id for c in catalog.categories(project)}
    names = {i.id: i.file_name for i in catalog.images(project)}
    assert sorted(names[i] for i in browse.image_ids_with_category(project, ids["box"])) == ["0.png", "2.png"]
    assert browse.image_ids_with_category(project, ids["unused"]) == set()
    assert browse.images_per_category(project) == {ids["box"]: 2, ids["person"]: 1, ids["unused"]: 0}
    first = min(names)
    catalog.set_splits(project, {first: "val"})
    assert browse.images_per_category(project, "val") == {ids["box"]: 1, ids["person"]: 0, ids["unused"]: 0}


def test_clips_with_videos_and_labels(project):
    assert browse.clips(project) == [] and browse.video_count(project) == 0
    cat = catalog.categories(project)[0]
    with project.transaction() as db:
        v = db["videos"].insert({"file_name": "walk.mp4", "path": "media/walk.mp4", "fps": 25.0,
                                 "num_frames": 100}).last_pk
        db["clips"].insert_all([{"video_id": v, "start_frame": 50, "end_frame": 99, "category_id": None},
                                {"video_id": v, "start_frame": 0, "end_frame": 49, "category_id": cat.id}])
    rows = browse.clips(project)
    assert [(r.video_name, r.start_frame, r.end_frame, r.label) for r in rows] == [
        ("walk.mp4", 0, 49, cat.name), ("walk.mp4", 50, 99, None)]
    assert rows[0].fps == 25.0 and browse.video_count(project) == 1


def test_snapshot_rows_counts_and_positions(project):
    from core.datasets.stats import dataset_stats

    ids = {c.name: c.id for c in catalog.categories(project)}
    first = min(i.id for i in catalog.images(project))
    catalog.set_splits(project, {first: "val", first + 1: "train"})
    with project.transaction():     # an image referenced in place, by an absolute path
        project.conn.execute("UPDATE images SET path = '/elsewhere/x.png' WHERE id = ?", (first + 3,))
    snap = browse_snapshot(project)
    assert snap.stats == dataset_stats(project)
    rows = {r[0]: r for r in snap.rows}
    assert [r[0] for r in snap.rows] == sorted(rows) and len(rows) == 4
    assert rows[first][2] == f"{project.root}/{catalog.image(project, first).path}"
    assert rows[first + 3][2] == "/elsewhere/x.png"
    assert (rows[first][3], rows[first + 1][3], rows[first + 2][3]) == ("val", "train", None)
    assert rows[first][4:] == (20, 20)
    assert snap.ids_by_class[ids["box"]] == {first, first + 2} and snap.ids_by_class[ids["unused"]] == set()
    assert snap.images_per_class == {ids["box"]: 2, ids["person"]: 1, ids["unused"]: 0}
    assert set(snap.styles) == set(ids.values())
    assert image_positions(project) == [(first, "val"), (first + 1, "train"), (first + 2, None), (first + 3, None)]
    assert image_positions(project, "val") == [(first, "val")]
    assert image_positions(project, "unassigned") == [(first + 2, None), (first + 3, None)]
