"""labelme import: shape kinds, group_id merging, imagePath resolution, imageData, report items."""
from __future__ import annotations

import base64
import io
import math

import numpy as np
import pytest
from PIL import Image

from core.datasets import masks
from core.datasets.labelme import CIRCLE_VERTICES, plan_labelme_import
from core.datasets.plan import commit_import
from core.errors import DataError
from core.project import Project, catalog
from data_fixtures import data_cli, snapshot, write_json, write_png

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

W, H = 64, 48


def shape(label, points, kind="polygon", group_id=None, **extra):
    return {"label": label, "points": points, "group_id": group_id, "shape_type": kind, "flags": {}, **extra}


def lm(image_path, shapes, w=W, h=H, image_data=None):
    return {"version": "5.4.1", "flags": {}, "shapes": shapes, "imagePath": image_path,
            "imageData": image_data, "imageHeight": h, "imageWidth": w}


def _png_b64(w, h, seed=7) -> str:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "labelme"
    write_png(root / "a.png", W, H, seed=1)
    bits = np.zeros((4, 5), np.uint8)
    bits[1:3, 1:4] = 255
    buf = io.BytesIO()
    Image.fromarray(bits).save(buf, "PNG")
    write_json(root / "a.json", lm("a.png", [
        shape("cat", [[2, 2], [20, 2], [20, 20], [2, 20]]),                      # 1 polygon
        shape("dog", [[30, 30], [40, 44]], "rectangle"),                          # 2 box only
        shape("ball", [[50, 10], [50, 16]], "circle"),                            # 3 circle r=6
        shape("cat", [[30, 2], [36, 2], [36, 8]], group_id=1),                    # 4 } one instance
        shape("cat", [[40, 2], [46, 2], [46, 8]], group_id=1),                    # 5 }
        shape("cat", [[0, 0], [10, 10]], "line"),                                 # 6 not a region
        shape("cat", [[1, 1], [5, 5]]),                                           # 7 two points
        shape("", [[1, 1], [5, 5], [1, 5]]),                                      # 8 no label
        shape("dog", [[55, 40], [80, 60]], "rectangle"),                          # 9 clipped
        shape("blob", [[10, 30], [14, 33]], "mask", mask=base64.b64encode(buf.getvalue()).decode()),  # 10
    ]))
    write_png(root / "pics" / "b.png", 32, 32, seed=2)
    write_json(root / "sub" / "b.json", lm("..\\pics\\b.png", [shape("dog", [[1, 1], [9, 1], [9, 9]])], 40, 40))
    write_json(root / "c.json", lm("c_missing.png", [shape("cat", [[1, 1], [9, 1], [9, 9]])], 24, 16,
                                   image_data=_png_b64(24, 16)))
    write_json(root / "other.json", {"not": "labelme"})
    write_png(root / "unlabeled.png", 16, 16, seed=3)
    return root


def test_shapes_groups_and_images(folder, tmp_path):
    plan = plan_labelme_import(folder)
    r = plan.report
    assert [c.name for c in plan.categories] == ["ball", "blob", "cat", "dog"]
    assert all(c.source_id is None for c in plan.categories)
    names = sorted(im.file_name for im in plan.images)
    assert names == ["a.png", "c.png", "pics/b.png"]
    assert r.find("a.json shape 6 (cat)")[0].action == "skipped" and "'line'" in r.find("a.json shape 6")[0].reason
    assert "fewer than 3" in r.find("a.json shape 7 (cat)")[0].reason
    assert r.find("a.json shape 8")[0].reason == "Skipped because it has no label."
    clip = r.find("a.json shape 9 (dog)")[0]
    assert clip.action == "repaired" and "clipped to [55, 40, 9, 8]" in clip.reason
    assert r.find("other.json")[0].action == "skipped"
    assert r.find("image c.png")[0].action == "repaired" and "imageData" in r.find("image c.png")[0].reason
    unl = r.find("folder images")[0]
    assert unl.action == "skipped" and "1 image(s)" in unl.reason and "unlabeled.png" in unl.reason
    assert not r.has_rejections

    with Project.create(tmp_path / "proj", "instance_segmentation") as project:
        commit_import(project, plan)
        cats = {c.id: c.name for c in catalog.categories(project)}
        imgs = {i.file_name: i for i in catalog.images(project)}
        anns = catalog.annotations(project)
        a = sorted(anns[imgs["a.png"].id], key=lambda x: x.id)
        assert [cats[x.category_id] for x in a] == ["cat", "dog", "ball", "cat", "dog", "blob"]
        poly, box, circle, group, clipped, bitmap = a
        assert poly.seg_kind == "polygon" and poly.bbox == (2, 2, 18, 18)
        assert box.seg_kind is None and box.bbox == (30, 30, 10, 14) and box.area == 140
        assert circle.seg_kind == "polygon" and len(circle.segmentation[0]) == 2 * CIRCLE_VERTICES
        m = masks.annotation_mask(circle, H, W)
        assert abs(m.sum() - math.pi * 36) < 12
        assert group.seg_kind == "polygon" and len(group.segmentation) == 2 and group.bbox == (30, 2, 16, 6)
        assert clipped.bbox == (55, 40, 9, 8)
        assert bitmap.seg_kind == "rle"
        bm = masks.annotation_mask(bitmap, H, W)
        assert bm.sum() == 6 and bm[31:33, 11:14].all()
        # imagePath with backslashes, relative to the json in sub/; embedded imageData stored in media.
        assert project.resolve(imgs["pics/b.png"].path).read_bytes() == (folder / "pics" / "b.png").read_bytes()
        c_img = project.resolve(imgs["c.png"].path)
        assert c_img.is_file() and c_img.is_relative_to(project.media_dir)
        assert (imgs["c.png"].width, imgs["c.png"].height) == (24, 16)


def test_size_in_json_differs_from_image(tmp_path):
    root = tmp_path / "lm"
    write_png(root / "x.png", 30, 20)
    write_json(root / "x.json", lm("x.png", [shape("a", [[1, 1], [9, 1], [9, 9]])], w=300, h=200))
    item = plan_labelme_import(root).report.find("image x.png")[0]
    assert item.action == "repaired" and "300x200" in item.reason and "30x20" in item.reason


def test_missing_image_without_data_is_skipped_and_nothing_usable_is_rejected(tmp_path):
    root = tmp_path / "lm"
    write_json(root / "x.json", lm("gone.png", [shape("a", [[1, 1], [9, 1], [9, 9]])]))
    plan = plan_labelme_import(root)
    item = plan.report.find("image x.json")[0]
    assert item.action == "skipped" and "gone.png" in item.reason and "1 shape(s)" in item.reason
    assert plan.report.has_rejections


def test_garbage_json_fails_and_leaves_project_unchanged(folder, tmp_path):
    (folder / "zz.json").write_text('{"shapes": [\n  {"label": "a",,}\n]}')
    with Project.create(tmp_path / "proj", "instance_segmentation") as project:
        before = snapshot(project)
        with pytest.raises(DataError, match=r"^zz.json is not valid JSON \(line 2, column 17\)"):
            data_cli("import", str(project.root), "--format", "labelme", "--images", str(folder))
        assert snapshot(project) == before


def test_empty_folder_and_missing_folder(tmp_path):
    with pytest.raises(DataError, match="holds no labelme .json files"):
        plan_labelme_import(tmp_path)
    with pytest.raises(DataError, match="does not exist"):
        plan_labelme_import(tmp_path / "nope")


def test_cli_labelme_import(folder, tmp_path, capsys):
    with Project.create(tmp_path / "proj", "detection") as project:
        assert data_cli("import", str(project.root), "--format", "labelme", "--images", str(folder)) == 0
        assert len(catalog.images(project)) == 3
    out = capsys.readouterr().out
    assert "Imported 3 image(s)" in out and "categories new: ball, blob, cat, dog" in out
