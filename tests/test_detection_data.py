"""Detection data: the synthetic hands (exact boxes, a gesture per hand), COCO boxes and labelme
rectangles into a detection project, and KITTI / COCO exports that re-import to the same boxes,
classes, ignore regions and attributes."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from core.datasets.coco import export_coco, plan_coco_import
from core.datasets.kitti import export_kitti, plan_kitti_import
from core.datasets.plan import commit_import
from core.datasets.synthetic_hands import (GESTURE_KEY, GESTURES, HAND, generate_hands, generate_hands_video,
                                           import_sample_hands, render_hands, write_kitti)
from core.errors import DataError
from core.project import Project, catalog
from data_fixtures import data_cli, write_json, write_png

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def contents(project) -> list[tuple]:
    """Every annotation as (image file name, class name or None, box, iscrowd, extra), sorted."""
    names = {c.id: c.name for c in catalog.categories(project)}
    files = {im.id: im.file_name for im in catalog.images(project)}
    out = []
    for image_id, anns in catalog.annotations(project).items():
        for a in anns:
            out.append((files[image_id], names.get(a.category_id), tuple(round(v, 6) for v in a.bbox), a.iscrowd,
                        json.dumps(a.extra, sort_keys=True)))
    return sorted(out, key=lambda t: (t[0], t[1] or "", t[2]))


# ------------------------------------------------------------------------------ synthetic hands

def test_hands_have_exact_boxes_a_gesture_each_and_are_deterministic():
    image, hands = render_hands(np.random.default_rng(3), 128)
    again, hands2 = render_hands(np.random.default_rng(3), 128)
    assert np.array_equal(image, again) and [h.box for h in hands] == [h.box for h in hands2]
    assert image.shape == (128, 128, 3) and image.dtype == np.uint8 and 1 <= len(hands) <= 4
    for h in hands:
        ys, xs = np.nonzero(h.mask)
        assert h.box == (xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)   # the visible extent
        assert h.gesture in GESTURES and 0 <= h.occluded <= 0.4 + 1e-9


def test_gestures_differ_by_their_extended_fingers():
    from core.datasets.synthetic_hands import hand_mask

    areas = {g: hand_mask((96, 96), g, (48, 55), 20, 0.0, False, np.random.default_rng(0)).sum() for g in GESTURES}
    assert areas["fist"] < areas["one"] < areas["two"] < areas["three"] < areas["palm"]
    assert areas["thumb"] > areas["fist"]


def test_occlusion_hides_part_of_a_hand_but_never_its_gesture():
    from core.datasets.synthetic_hands import MIN_VISIBLE_DIGITS

    rng = np.random.default_rng(5)
    hands = [h for _ in range(60) for h in render_hands(rng, 128)[1]]
    assert any(h.occluded > 0.1 for h in hands)                      # hands are still partly hidden ...
    assert max(h.digits_hidden for h in hands) <= 1 - MIN_VISIBLE_DIGITS + 1e-9   # ... but not their fingers
    assert any(h.digits_hidden > 0 for h in hands)


def test_hands_face_the_camera_upright_unless_told_otherwise():
    import math

    from core.datasets.synthetic_hands import TILT

    upright = [h.angle for k in range(30) for h in render_hands(np.random.default_rng(k), 96)[1]]
    assert max(abs(a) for a in upright) <= TILT and min(upright) < -TILT / 2 and max(upright) > TILT / 2
    turned = [h.angle for k in range(30) for h in render_hands(np.random.default_rng(k), 96, tilt=math.pi)[1]]
    assert max(abs(a) for a in turned) > 2 * TILT


@pytest.mark.parametrize("gesture,fingers,touching", [("one", 1, False), ("two", 2, False), ("three", 3, True),
                                                      ("palm", 4, True)])
def test_touching_fingers_stay_apart(gesture, fingers, touching):
    """Across the extended fingers (an upright hand, a row above the palm) the skin breaks into one
    run per finger; where fingers touch, the creases between them (painted darker, as the shadow
    between real fingers) are what parts them."""
    from core.datasets.synthetic_hands import _paint_hand, hand_shape

    def runs(lit):
        return int(lit[0]) + int(np.count_nonzero(lit[1:] & ~lit[:-1]))

    rng = np.random.default_rng(0)
    shape = hand_shape((96, 96), gesture, (48, 60), 18, 0.0, False, rng)
    row = 60 - int(0.5 * 18) - 6                                      # 6 px above the palm's top edge
    cols = slice(48 - 9, 48 + 9)                                      # over the palm's width: not the thumb
    assert runs((shape.mask & ~shape.outlines())[row, cols]) == fingers
    rim_only = shape.mask & ~(shape.outlines() & ~shape.creases)
    assert (runs(rim_only[row, cols]) < fingers) == touching
    canvas = np.zeros((96, 96, 3), np.float32)
    _paint_hand(canvas, shape, rng)
    dark, inner = shape.outlines(), shape.mask & ~shape.outlines()
    assert canvas[dark].mean() < 0.85 * canvas[inner].mean()


def test_the_sample_hands_import_with_their_gestures(tmp_path):
    with Project.create(tmp_path / "p", "detection") as project:
        result = import_sample_hands(project, num_images=12, size=96, seed=1)
        assert result.images == 12 and result.annotations >= 12
        assert [c.name for c in catalog.categories(project)] == [HAND]
        anns = [a for group in catalog.annotations(project).values() for a in group]
        assert {a.extra[GESTURE_KEY] for a in anns} <= set(GESTURES) and len({a.extra[GESTURE_KEY] for a in anns}) > 2
        assert all(a.seg_kind is None and a.iscrowd == 0 for a in anns)


def test_a_hands_video_has_its_frames(tmp_path):
    path = generate_hands_video(tmp_path / "v.mp4", num_frames=9, size=64)
    cap = cv2.VideoCapture(str(path))
    frames = 0
    while cap.read()[0]:
        frames += 1
    assert frames == 9


# ------------------------------------------------------------------------------ other formats in

def test_coco_boxes_and_labelme_rectangles_and_polygons_import_into_a_detection_project(tmp_path):
    write_png(tmp_path / "c" / "a.png", 40, 30, seed=1)
    write_json(tmp_path / "c" / "ann.json", {
        "images": [{"id": 1, "file_name": "a.png", "width": 40, "height": 30}],
        "categories": [{"id": 3, "name": "hand"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 3, "bbox": [1, 2, 10, 12], "area": 120,
                         "iscrowd": 0}]})
    write_png(tmp_path / "lm" / "b.png", 40, 30, seed=2)
    write_json(tmp_path / "lm" / "b.json", {
        "version": "5.5.0", "flags": {}, "imagePath": "b.png", "imageData": None, "imageWidth": 40, "imageHeight": 30,
        "shapes": [{"label": "hand", "points": [[3, 4], [13, 20]], "shape_type": "rectangle", "group_id": None},
                   {"label": "hand", "points": [[20, 2], [30, 6], [25, 15]], "shape_type": "polygon",
                    "group_id": None}]})
    with Project.create(tmp_path / "p", "detection") as project:
        root = str(project.root)
    assert data_cli("import", root, "--format", "coco", "--annotations", str(tmp_path / "c" / "ann.json")) == 0
    assert data_cli("import", root, "--format", "labelme", "--images", str(tmp_path / "lm")) == 0
    with Project.open(root) as project:
        boxes = {(f, b) for f, _, b, _, _ in contents(project)}
        assert boxes == {("a.png", (1.0, 2.0, 10.0, 12.0)), ("b.png", (3.0, 4.0, 10.0, 16.0)),
                         ("b.png", (20.0, 2.0, 10.0, 13.0))}         # the polygon trains as its box
        assert [c.name for c in catalog.categories(project)] == ["hand"]


# ------------------------------------------------------------------------------ round trips

@pytest.fixture
def kitti_project(tmp_path):
    """A detection project from KITTI labels: two classes, a DontCare region, 16-column lines, a
    fractional box, an image without objects."""
    images, labels = tmp_path / "k" / "image_2", tmp_path / "k" / "label_2"
    for i, stem in enumerate(("000000", "000001", "000002")):
        write_png(images / f"{stem}.png", 60, 40, seed=i)
    labels.mkdir(parents=True)
    tail = "1.5 1.6 3.9 1.0 1.7 8.4 0.01"
    (labels / "000000.txt").write_text(f"Car 0.00 0 -1.57 2 3 20.5 13.25 {tail}\n"
                                       f"Pedestrian 0.00 0 0 30 5 40 30 {tail} 0.9\n"
                                       f"DontCare -1 -1 -10 41 1 59 10 -1 -1 -1 -1000 -1000 -1000 -10\n")
    (labels / "000001.txt").write_text(f"Car 0.50 1 0.3 0 0 10 10 {tail}\n")
    (labels / "000002.txt").write_text("")
    project = Project.create(tmp_path / "a", "detection")
    commit_import(project, plan_kitti_import(images, labels))
    yield project, images
    project.close()


def test_kitti_export_then_import_gives_the_same_boxes_classes_and_ignore_regions(kitti_project, tmp_path):
    project, images = kitti_project
    summary = export_kitti(project, tmp_path / "out")
    assert (summary["images"], summary["objects"], summary["dont_care"]) == (3, 3, 1)
    assert (tmp_path / "out" / "label_2" / "000002.txt").read_text() == ""
    line = (tmp_path / "out" / "label_2" / "000000.txt").read_text().splitlines()[0]
    assert line == "Car 0.00 0 0.00 2 3 20.5 13.25 0.00 0.00 0.00 0.00 0.00 0.00 0.00"
    assert f"--images {images}" in summary["names"] and f"--labels {tmp_path / 'out' / 'label_2'}" in summary["names"]
    with Project.create(tmp_path / "b", "detection") as again:
        commit_import(again, plan_kitti_import(images, tmp_path / "out" / "label_2"))
        assert contents(again) == contents(project)
        assert [c.name for c in catalog.categories(again)] == ["Car", "Pedestrian"]


def test_coco_export_then_import_gives_the_same_boxes_classes_ignore_regions_and_attributes(kitti_project, tmp_path):
    project, images = kitti_project
    ann = catalog.annotations(project)
    first = next(a for group in ann.values() for a in group if a.category_id is not None)
    project.conn.execute("UPDATE annotations SET extra = ? WHERE id = ?", ('{"gesture": "two"}', first.id))
    project.conn.commit()
    summary = export_coco(project, tmp_path / "out.json", with_images=tmp_path / "imgs")
    doc = json.loads((tmp_path / "out.json").read_text())
    ignore = next(c for c in doc["categories"] if c["name"] == "__ignore__")
    assert [a["iscrowd"] for a in doc["annotations"] if a["category_id"] == ignore["id"]] == [1]
    assert any(a.get("attributes") == {"gesture": "two"} for a in doc["annotations"])
    with Project.create(tmp_path / "b", "detection") as again:
        commit_import(again, plan_coco_import(tmp_path / "out.json", tmp_path / "imgs"))
        assert contents(again) == contents(project)
        assert [c.name for c in catalog.categories(again)] == ["Car", "Pedestrian"]     # __ignore__ is no class
    assert summary["images"] == 3


def test_the_cli_exports_kitti_and_refuses_names_that_would_collide(kitti_project, tmp_path, capsys):
    project, images = kitti_project
    root = str(project.root)
    assert data_cli("export", root, "--format", "kitti", str(tmp_path / "k2")) == 0
    out = capsys.readouterr().out
    assert "Wrote 3 KITTI label file(s) into" in out and "3 object(s), 1 DontCare region(s)" in out
    write_png(tmp_path / "x" / "000000.jpg", 20, 20, seed=9)           # another image with the stem 000000
    (tmp_path / "xl").mkdir()
    (tmp_path / "xl" / "000000.txt").write_text("")
    commit_import(project, plan_kitti_import(tmp_path / "x", tmp_path / "xl"))
    with pytest.raises(DataError, match="share the label file 000000.txt"):
        export_kitti(project, tmp_path / "k3")
    copied = export_kitti(project, tmp_path / "k4", with_images=tmp_path / "k4" / "image_2")
    assert copied["images"] == 4 and (tmp_path / "k4" / "image_2" / "000000_1.jpg").is_file()
    assert (tmp_path / "k4" / "label_2" / "000000_1.txt").is_file()


def test_sample_hands_as_kitti_import_with_a_class_map(tmp_path):
    ann = generate_hands(tmp_path / "h", 4, size=64, seed=2)
    images, labels = write_kitti(ann, tmp_path / "kitti")
    plan = plan_kitti_import(images, labels, class_map="hand=person")
    doc = json.loads(ann.read_text())
    assert [c.name for c in plan.categories] == ["person"] and len(plan.annotations) == len(doc["annotations"])
    boxes = sorted(tuple(a.bbox) for a in plan.annotations)
    assert boxes == sorted(tuple(float(v) for v in a["bbox"]) for a in doc["annotations"])
