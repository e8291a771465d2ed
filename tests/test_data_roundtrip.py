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
    extra = {r[0]: (r[1], r[2]) for r in project.conn.execute("SELECT id, keypoints, skeleton FROM categories")}
    cats = {c.id: (c.name, c.source_id, c.supercategory, *extra[c.id]) for c in catalog.categories(project)}
    images = {}
    anns = catalog.annotations(project)
    for im in catalog.images(project):
        key = sha256_file(project.resolve(im.path))
        objs = []
        for a in anns.get(im.id, []):
            objs.append({"cat": cats[a.category_id][0], "bbox": np.round(a.bbox, 2).tolist(), "area": a.area,
                         "iscrowd": a.iscrowd, "kind": a.seg_kind, "keypoints": a.keypoints,
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


def file_names(project: Project) -> list[str]:
    return [im.file_name for im in catalog.images(project)]


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
        assert summary["images"] == 8 and summary["file_names"] == "source"
        assert summary["source_roots"] == [str(synthetic.parent)]
        exported = json.loads((tmp_path / "out" / "export.json").read_text())
        assert [c["id"] for c in exported["categories"]] == [1, 2, 3, 4]  # the source ids
        assert [i["file_name"] for i in exported["images"]] == [i["file_name"] for i in src["images"]]
        with Project.create(tmp_path / "b", "instance_segmentation") as b:   # the original images folder
            second = commit_import(b, plan_coco_import(tmp_path / "out" / "export.json", synthetic.parent))
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
        assert summary["names"] == f"The file_names are the names the data came with (re-import with --images {root})."
        with Project.create(tmp_path / "b", "instance_segmentation") as b:
            commit_import(b, plan_coco_import(out, root))
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
    root = str(synthetic.parent)
    assert f"The file_names are the names the data came with (re-import with --images {root})." in printed
    assert data_cli("import", str(tmp_path / "b"), "--format", "coco", "--annotations", str(out),
                    "--images", root) == 0
    with Project.open(tmp_path / "a") as a, Project.open(tmp_path / "b") as b:
        assert_same(contents(a), contents(b))
        assert file_names(a) == file_names(b)


def voc_like(folder, seed: int = 5, n: int = 3):
    """A VOC-style source: the images under <folder>/JPEGImages, the COCO file kept elsewhere
    (so re-importing needs the images folder, as in the field)."""
    ann = generate_coco(folder / "gen", num_images=n, size=48, seed=seed)
    doc = json.loads(ann.read_text())
    (folder / "VOC" / "JPEGImages").mkdir(parents=True)
    for im in doc["images"]:
        name = f"JPEGImages/2011_{im['id']:06d}.png"
        (ann.parent / im["file_name"]).rename(folder / "VOC" / name)
        im["file_name"] = name
    return write_json(folder / "annotations" / "instances.json", doc), folder / "VOC"


def test_export_keeps_the_source_names_and_re_imports_from_the_original_folder(tmp_path, capsys):
    ann, voc = voc_like(tmp_path / "src")
    a, b = tmp_path / "a", tmp_path / "b"
    for p in (a, b):
        Project.create(p, "instance_segmentation").close()
    assert data_cli("import", str(a), "--format", "coco", "--annotations", str(ann), "--images", str(voc)) == 0
    out = tmp_path / "elsewhere" / "export.json"
    assert data_cli("export", str(a), "--format", "coco", str(out)) == 0
    assert f"re-import with --images {voc})." in capsys.readouterr().out
    exported = json.loads(out.read_text())
    assert [i["file_name"] for i in exported["images"]] == [f"JPEGImages/2011_{i:06d}.png" for i in (1, 2, 3)]
    assert exported["info"]["studio"]["file_names"] == "source"
    assert data_cli("import", str(b), "--format", "coco", "--annotations", str(out), "--images", str(voc)) == 0
    assert "Imported 3 image(s)" in capsys.readouterr().out
    with Project.open(a) as pa, Project.open(b) as pb:
        assert_same(contents(pa), contents(pb))
        assert file_names(pa) == file_names(pb) == [f"JPEGImages/2011_{i:06d}.png" for i in (1, 2, 3)]


def test_export_with_images_copies_them_and_re_imports_from_there(tmp_path, capsys):
    ann, voc = voc_like(tmp_path / "src")
    a, b = tmp_path / "a", tmp_path / "b"
    for p in (a, b):
        Project.create(p, "instance_segmentation").close()
    assert data_cli("import", str(a), "--format", "coco", "--annotations", str(ann), "--images", str(voc)) == 0
    out, images = tmp_path / "export" / "annotations.json", tmp_path / "export" / "images"
    assert data_cli("export", str(a), "--format", "coco", str(out), "--with-images", str(images)) == 0
    assert f"The 3 image(s) were copied into {images} and the file_names are relative to it" in capsys.readouterr().out
    assert sorted(p.relative_to(images).as_posix() for p in images.rglob("*") if p.is_file()) == \
        [f"JPEGImages/2011_{i:06d}.png" for i in (1, 2, 3)]
    assert data_cli("import", str(b), "--format", "coco", "--annotations", str(out), "--images", str(images)) == 0
    with Project.open(a) as pa, Project.open(b) as pb:
        assert_same(contents(pa), contents(pb))
        assert file_names(pa) == file_names(pb)


def test_same_source_names_from_two_imports_never_collide(tmp_path):
    (ann1, voc1), (ann2, voc2) = voc_like(tmp_path / "one", seed=1), voc_like(tmp_path / "two", seed=2)
    with Project.create(tmp_path / "a", "instance_segmentation") as a:
        commit_import(a, plan_coco_import(ann1, voc1))
        commit_import(a, plan_coco_import(ann2, voc2))          # the same three names, other pictures
        assert len(catalog.images(a)) == 6
        with pytest.raises(DataError, match=r"Images 1 and 4 \(from imports 1 and 2\) both came as "
                                            r"'JPEGImages/2011_000001.png', so the export cannot keep the names .* "
                                            r"export with --with-images DIR"):
            export_coco(a, tmp_path / "x.json")
        assert not (tmp_path / "x.json").exists()
        export_coco(a, tmp_path / "ok" / "a.json", with_images=tmp_path / "ok" / "images")
        names = [i["file_name"] for i in json.loads((tmp_path / "ok" / "a.json").read_text())["images"]]
        assert names == [f"JPEGImages/2011_{i:06d}.png" for i in (1, 2, 3)] + \
            [f"JPEGImages/2011_{i:06d}_1.png" for i in (1, 2, 3)]   # the later image of a name gets _1
        with Project.create(tmp_path / "b", "instance_segmentation") as b:
            result = commit_import(b, plan_coco_import(tmp_path / "ok" / "a.json", tmp_path / "ok" / "images"))
            assert result.images == 6 and result.report.items == []
            ca, cb = contents(a), contents(b)
            for im in (*ca["images"].values(), *cb["images"].values()):
                im["source_id"] = None       # the two imports reuse ids 1-3: the export numbers them anew
            assert_same(ca, cb)


def test_a_failed_copy_leaves_the_folder_as_it_was(tmp_path, synthetic, monkeypatch):
    import shutil

    import core.datasets.export_names as export_names

    with Project.create(tmp_path / "a", "instance_segmentation") as a:
        commit_import(a, plan_coco_import(synthetic))
        target = tmp_path / "export" / "images"
        target.mkdir(parents=True)
        (target / "keep.txt").write_text("mine")
        calls = []

        def flaky(src, dst):
            calls.append(dst)
            if len(calls) == 3:
                raise OSError(28, "No space left on device")
            return shutil.copyfile(src, dst)

        monkeypatch.setattr(export_names.shutil, "copyfile", flaky)
        with pytest.raises(DataError, match=f"Could not copy the images into {target}: No space left on device"):
            export_coco(a, tmp_path / "export" / "a.json", with_images=target)
        assert [p.name for p in target.iterdir()] == ["keep.txt"] and not (tmp_path / "export" / "a.json").exists()
