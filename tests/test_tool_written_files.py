"""Files written the way other tools write them (labelme, labelme2coco, symlinked class folders):
the four defects of issue 8 — `__ignore__` shapes, the `_background_` category, an image only
inside the labelme JSON, a class folder of duplicates."""
from __future__ import annotations

import base64
import io
import json
import os

import numpy as np
import pytest
from PIL import Image

from core.datasets.coco import plan_coco_import
from core.datasets.image_folders import plan_image_folders_import
from core.datasets.labelme import plan_labelme_import
from core.datasets.plan import commit_import
from core.project import Project, catalog
from data_fixtures import write_png

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def labelme_file(image_path: str, shapes: list, w: int, h: int, image_data: str | None = None) -> dict:
    """A JSON as labelme 5 saves it (LabelFile.save): these keys, in this order."""
    return {"version": "5.5.0", "flags": {},
            "shapes": [{"label": label, "points": points, "group_id": None, "description": "", "shape_type": kind,
                        "flags": {}, "mask": None} for label, points, kind in shapes],
            "imagePath": image_path, "imageData": image_data, "imageHeight": h, "imageWidth": w}


def encoded(w: int, h: int, fmt: str = "JPEG", seed: int = 0) -> bytes:
    rgb = np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, fmt)
    return buf.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("utf-8")       # labelme: utils.img_data_to_b64 / LabelFile


@pytest.fixture
def detection_project(tmp_path):
    p = Project.create(tmp_path / "proj", "detection")
    yield p
    p.close()


# ------------------------------------------------------------------------------ labelme __ignore__

def test_labelme_ignore_shapes_become_ignore_regions_not_a_class(detection_project, tmp_path):
    root = tmp_path / "lm"
    write_png(root / "a.png", 64, 48, seed=1)
    (root / "a.json").write_text(json.dumps(labelme_file("a.png", [
        ("hand", [[2, 2], [20, 18]], "rectangle"),
        ("__ignore__", [[30, 5], [50, 5], [50, 30], [30, 30]], "polygon"),     # a crowd of far-away hands
        ("__ignore__", [[52, 30], [60, 40]], "rectangle"),
    ], 64, 48)))
    plan = plan_labelme_import(root)
    assert [c.name for c in plan.categories] == ["hand"]
    ignore = [a for a in plan.annotations if a.category_id is None]
    assert len(ignore) == 2 and all(a.iscrowd == 1 for a in ignore)
    assert ignore[0].seg_kind == "polygon" and ignore[0].bbox == (30.0, 5.0, 20.0, 25.0)
    result = commit_import(detection_project, plan)
    assert result.ignore_regions == 2 and [c.name for c in catalog.categories(detection_project)] == ["hand"]
    stored = [a for group in catalog.annotations(detection_project).values() for a in group]
    assert sorted((a.category_id is None, a.iscrowd) for a in stored) == [(False, 0), (True, 1), (True, 1)]
    # left out of training targets
    from core.families.detection.data import DetectionDataset

    catalog.set_splits(detection_project, {im.id: "train" for im in catalog.images(detection_project)})
    (cid,) = [c.id for c in catalog.categories(detection_project)]
    _, target, _ = DetectionDataset(detection_project, "train", {cid: 1}, train=True)[0]
    assert target["boxes"].tolist() == [[2.0, 2.0, 20.0, 18.0]] and target["labels"].tolist() == [1]


# ------------------------------------------------------------------------------ _background_

def labelme2coco(images: list[tuple[str, int, int]], annotations: list[dict]) -> dict:
    """A COCO file as labelme's examples/instance_segmentation/labelme2coco.py writes it: labels.txt
    `__ignore__` (skipped), `_background_` (id 0), then the classes."""
    return {
        "info": {"description": None, "url": None, "version": None, "year": 2026, "contributor": None,
                 "date_created": "2026-12-01 10:00:00.000000"},
        "licenses": [{"url": None, "id": 0, "name": None}],
        "images": [{"license": 0, "url": None, "file_name": name, "height": h, "width": w, "date_captured": None,
                    "id": i} for i, (name, w, h) in enumerate(images)],
        "type": "instances", "annotations": annotations,
        "categories": [{"supercategory": None, "id": 0, "name": "_background_"},
                       {"supercategory": None, "id": 1, "name": "hand"}],
    }


def test_a_background_category_without_annotations_is_reported_and_not_trained(detection_project, tmp_path):
    write_png(tmp_path / "JPEGImages" / "0.png", 40, 30, seed=3)
    doc = labelme2coco([("JPEGImages/0.png", 40, 30)], [
        {"id": 0, "image_id": 0, "category_id": 1, "segmentation": [[2, 2, 20, 2, 20, 20, 2, 20]], "area": 324.0,
         "bbox": [2.0, 2.0, 18.0, 18.0], "iscrowd": 0}])
    (tmp_path / "annotations.json").write_text(json.dumps(doc))
    plan = plan_coco_import(tmp_path / "annotations.json")
    assert [c.name for c in plan.categories] == ["hand"]
    (item,) = plan.report.find("category 0")
    assert item.action == "skipped" and "'_background_' names the background and no annotation uses it" in item.reason
    commit_import(detection_project, plan)
    from core.families.base import Family

    cats = catalog.categories(detection_project)
    assert [c.name for c in cats] == ["hand"] and Family.label_map(cats)[0] == {cats[0].id: 1}   # hand is class 1


def test_a_background_category_that_has_annotations_is_a_class(tmp_path):
    write_png(tmp_path / "0.png", 40, 30, seed=3)
    doc = labelme2coco([("0.png", 40, 30)], [{"id": 0, "image_id": 0, "category_id": 0, "segmentation": [],
                                              "area": 100.0, "bbox": [1.0, 1.0, 10.0, 10.0], "iscrowd": 0}])
    (tmp_path / "a.json").write_text(json.dumps(doc))
    plan = plan_coco_import(tmp_path / "a.json")
    assert [c.name for c in plan.categories] == ["_background_", "hand"] and not plan.report.find("category 0")


# ------------------------------------------------------------------------------ image only in imageData

def test_a_labelme_json_whose_image_is_only_inside_is_decoded_and_stored_as_media(detection_project, tmp_path):
    root = tmp_path / "lm"
    root.mkdir()
    jpeg = encoded(50, 40, "JPEG")
    (root / "frame_001.json").write_text(json.dumps(labelme_file(
        "frame_001.jpg", [("hand", [[5, 5], [25, 30]], "rectangle")], 50, 40, b64(jpeg))))
    plan = plan_labelme_import(root)
    assert not plan.report.has_rejections and len(plan.images) == 1
    (image,) = plan.images
    assert (image.file_name, image.width, image.height, image.source_path, image.data) == (
        "frame_001.jpg", 50, 40, None, jpeg)
    assert "the image embedded in frame_001.json (imageData) is stored" in plan.report.find("image frame_001.jpg")[0]\
        .reason
    commit_import(detection_project, plan, copy=False)             # even when the others are linked
    (rec,) = catalog.images(detection_project)
    stored = detection_project.resolve(rec.path)
    assert stored.is_file() and stored.read_bytes() == jpeg and str(stored).startswith(str(detection_project.root))
    from core.datasets.images import read_rgb

    assert read_rgb(str(stored)).shape == (40, 50, 3)


def test_an_unreadable_image_file_falls_back_to_the_embedded_image(tmp_path):
    root = tmp_path / "lm"
    root.mkdir()
    (root / "a.jpg").write_bytes(encoded(30, 20, "JPEG")[:40])     # a truncated copy beside the json
    (root / "a.json").write_text(json.dumps(labelme_file("a.jpg", [("hand", [[1, 1], [9, 9]], "rectangle")], 30, 20,
                                                         "data:image/png;base64," + b64(encoded(30, 20, "PNG")))))
    plan = plan_labelme_import(root)
    (image,) = plan.images
    assert image.source_path is None and image.file_name == "a.png" and (image.width, image.height) == (30, 20)
    reason = plan.report.find("image a.png")[0].reason
    assert reason.startswith("The image file a.jpg cannot be read") and "(imageData) is stored" in reason


def test_an_embedded_image_of_a_format_studio_does_not_store_is_re_encoded(tmp_path):
    root = tmp_path / "lm"
    root.mkdir()
    (root / "a.json").write_text(json.dumps(labelme_file("gone.gif", [("hand", [[1, 1], [9, 9]], "rectangle")],
                                                         12, 10, b64(encoded(12, 10, "GIF")))))
    (image,) = plan_labelme_import(root).images
    assert image.file_name == "a.png" and Image.open(io.BytesIO(image.data)).format == "PNG"


# ------------------------------------------------------------------------------ duplicates

def test_a_class_folder_of_duplicates_says_what_was_kept_and_makes_no_category(tmp_path):
    root = tmp_path / "gestures"
    for i in range(2):
        write_png(root / "palm" / f"{i}.png", 30, 20, seed=i + 1)
    (root / "fist").mkdir()
    for i in range(2):                                   # every fist image is a link to a palm image
        os.symlink(root / "palm" / f"{i}.png", root / "fist" / f"f{i}.png")
    with Project.create(tmp_path / "p", "gesture") as project:
        result = commit_import(project, plan_image_folders_import(root))
        assert [c.name for c in catalog.categories(project)] == ["palm"]      # no empty "fist"
        assert result.images == 2 and result.categories_created == ["palm"]
        report = result.report
        for i in range(2):
            (item,) = report.find(f"image fist/f{i}.png")
            assert item.action == "skipped" and f"the same file as image palm/{i}.png, which is kept" in item.reason
        (cls,) = report.find("class fist")
        assert cls.action == "skipped" and "No category is made for it: every one of its 2 annotation(s)" in cls.reason
        stored = json.loads(project.conn.execute("SELECT report FROM imports").fetchone()[0])
        assert any(i["what"] == "class fist" for i in stored["items"])      # kept with the import
