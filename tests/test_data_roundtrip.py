"""import → export → import gives the same images, categories, boxes and masks."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core.datasets import masks
from core.datasets.coco import export_coco, plan_coco_import
from core.datasets.labelme import plan_labelme_import
from core.datasets.plan import commit_import
from core.datasets.split import split_project
from core.datasets.synthetic import generate_coco
from core.errors import DataError
from core.fsutil import sha256_file
from core.project import Project, catalog
from data_fixtures import data_cli, decode, write_json, write_png

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic")
    return generate_coco(out, num_images=8, size=64, seed=5)


def contents(project: Project) -> dict:
    """What must survive a round trip, keyed by things that do not depend on project ids."""
    cats = {c.id: (c.name, c.source_id, c.supercategory) for c in catalog.categories(project)}
    images = {}
    anns = catalog.annotations(project)
    for im in catalog.images(project):
        key = sha256_file(project.resolve(im.path))
        objs = []
        for a in anns.get(im.id, []):
            objs.append({"cat": cats[a.category_id][0], "bbox": np.round(a.bbox, 2).tolist(), "area": a.area,
                         "iscrowd": a.iscrowd, "kind": a.seg_kind,
                         "mask": masks.annotation_mask(a, im.height, im.width)})
        objs.sort(key=lambda o: (o["cat"], o["bbox"]))
        images[key] = {"size": (im.width, im.height), "source_id": im.source_id, "objects": objs}
    return {"categories": sorted(cats.values()), "images": images}


def assert_same(a: dict, b: dict) -> None:
    assert a["categories"] == b["categories"]
    assert a["images"].keys() == b["images"].keys()
    for key, ia in a["images"].items():
        ib = b["images"][key]
        assert ia["size"] == ib["size"] and ia["source_id"] == ib["source_id"]
        assert len(ia["objects"]) == len(ib["objects"])
        for oa, ob in zip(ia["objects"], ib["objects"]):
            assert {k: v for k, v in oa.items() if k != "mask"} == {k: v for k, v in ob.items() if k != "mask"}
            assert np.array_equal(oa["mask"], ob["mask"])


def test_coco_round_trip(tmp_path, synthetic):
    src = json.loads(synthetic.read_text())
    with Project.create(tmp_path / "a", "instance_segmentation") as a:
        first = commit_import(a, plan_coco_import(synthetic))
        assert first.report.items == [] and first.annotations == len(src["annotations"])
        # masks equal the generator's, whatever the source encoding (polygon, RLE list, RLE string)
        stored = {x.source_id: x for lst in catalog.annotations(a).values() for x in lst}
        kinds = set()
        for s in src["annotations"]:
            seg = s["segmentation"]
            kinds.add("polygon" if isinstance(seg, list) else f"rle-{type(seg['counts']).__name__}")
            assert np.array_equal(masks.annotation_mask(stored[s["id"]], 64, 64), decode(s["segmentation"], 64, 64))
        assert kinds == {"polygon", "rle-list", "rle-str"}
        summary = export_coco(a, tmp_path / "out" / "export.json")
        assert summary["images"] == 8 and summary["images_root"] == str(a.media_dir.resolve())
        exported = json.loads((tmp_path / "out" / "export.json").read_text())
        assert [c["id"] for c in exported["categories"]] == [1, 2, 3, 4]  # the source ids
        assert exported["images"][0]["file_name"] == "import-1/images/000000.png"
        with Project.create(tmp_path / "b", "instance_segmentation") as b:
            second = commit_import(b, plan_coco_import(tmp_path / "out" / "export.json", summary["images_root"]))
            assert second.report.items == []
            assert_same(contents(a), contents(b))


def test_labelme_round_trip_through_coco(tmp_path):
    root = tmp_path / "lm"
    write_png(root / "x.png", 40, 30)
    write_json(root / "x.json", {"shapes": [
        {"label": "a", "points": [[1, 1], [20, 1], [20, 15]], "shape_type": "polygon"},
        {"label": "b", "points": [[5, 5], [30, 25]], "shape_type": "rectangle"},
        {"label": "a", "points": [[30, 5], [30, 9]], "shape_type": "circle"}], "imagePath": "x.png"})
    with Project.create(tmp_path / "a", "instance_segmentation") as a:
        commit_import(a, plan_labelme_import(root))
        out = tmp_path / "export.json"
        summary = export_coco(a, out)
        assert [c["id"] for c in json.loads(out.read_text())["categories"]] == [1, 2]  # project ids
        with Project.create(tmp_path / "b", "instance_segmentation") as b:
            commit_import(b, plan_coco_import(out, summary["images_root"]))
            ca, cb = contents(a), contents(b)
            # labelme categories have no source id; after the COCO trip they carry the exported id
            assert [c[0] for c in ca["categories"]] == [c[0] for c in cb["categories"]]
            for im in cb["images"].values():
                im["source_id"] = None
            ca["categories"] = cb["categories"]
            assert_same(ca, cb)


def test_export_split_and_linked_images(tmp_path, synthetic):
    with Project.create(tmp_path / "a", "instance_segmentation") as a:
        commit_import(a, plan_coco_import(synthetic), copy=False)
        with pytest.raises(DataError, match="'val' split has no images"):
            export_coco(a, tmp_path / "val.json", split="val")
        split_project(a, val=0.25, seed=0)
        s = export_coco(a, tmp_path / "val.json", split="val", images_root=synthetic.parent)
        doc = json.loads((tmp_path / "val.json").read_text())
        val_ids = {i.source_id for i in catalog.images(a, "val")}
        assert s["images"] == 2 and {i["id"] for i in doc["images"]} == val_ids
        assert all(i["file_name"].startswith("images/") for i in doc["images"])
        assert {x["image_id"] for x in doc["annotations"]} <= val_ids
        with pytest.raises(DataError, match="Unknown split"):
            export_coco(a, tmp_path / "x.json", split="holdout")


def test_cli_round_trip(tmp_path, synthetic, capsys):
    for name in ("a", "b"):
        Project.create(tmp_path / name, "instance_segmentation").close()
    assert data_cli("import", str(tmp_path / "a"), "--format", "coco", "--annotations", str(synthetic),
                    "--images", str(synthetic.parent)) == 0
    out = tmp_path / "exp.json"
    assert data_cli("export", str(tmp_path / "a"), "--format", "coco", str(out)) == 0
    printed = capsys.readouterr().out
    root = str((tmp_path / "a" / "media").resolve())
    assert f"--images {root}" in printed
    assert data_cli("import", str(tmp_path / "b"), "--format", "coco", "--annotations", str(out),
                    "--images", root) == 0
    with Project.open(tmp_path / "a") as a, Project.open(tmp_path / "b") as b:
        assert_same(contents(a), contents(b))
