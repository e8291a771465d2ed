"""Split: deterministic, right sizes, stratified, refuses silly fractions. Stats: the numbers."""
from __future__ import annotations

import json

import pytest

from core.datasets.coco import plan_coco_import
from core.datasets.plan import commit_import
from core.datasets.split import plan_split, split_project
from core.datasets.stats import dataset_stats, format_stats
from core.errors import DataError
from core.project import Project, catalog
from data_fixtures import compressed_rle, data_cli, snapshot, uncompressed_rle, write_json, write_png

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def make_project(tmp_path, n_images=20, name="proj"):
    """n images; image i holds one annotation of class i % 2 ('a' or 'b'), plus a crowd RLE on every 5th."""
    import numpy as np

    src = tmp_path / f"src-{name}"
    images, anns = [], []
    blob = np.zeros((16, 16), bool)
    blob[2:9, 3:7] = True
    for i in range(n_images):
        write_png(src / f"{i}.png", 16, 16, seed=i)
        images.append({"id": i + 1, "file_name": f"{i}.png"})
        anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": 1 + i % 2, "bbox": [1, 1, 5, 5],
                     "area": 25, "segmentation": [[1, 1, 6, 1, 6, 6, 1, 6]] if i % 3 else []})
        if i % 5 == 0:
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": 2, "bbox": [3, 2, 4, 7],
                         "area": 28, "iscrowd": 1,
                         "segmentation": uncompressed_rle(blob) if i % 2 else compressed_rle(blob)})
    path = write_json(src / "ann.json", {"images": images, "annotations": anns,
                                         "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"},
                                                        {"id": 3, "name": "unused"}]})
    project = Project.create(tmp_path / name, "instance_segmentation")
    commit_import(project, plan_coco_import(path))
    return project


@pytest.fixture
def project(tmp_path):
    p = make_project(tmp_path)
    yield p
    p.close()


def test_split_is_deterministic_and_sized(project, tmp_path):
    a = plan_split(project, val=0.3, seed=0)
    assert a == plan_split(project, val=0.3, seed=0)
    assert a != plan_split(project, val=0.3, seed=1)
    assert sorted(a) == [i.id for i in catalog.images(project)]
    assert split_project(project, val=0.3, seed=0) == {"train": 14, "val": 6, "test": 0}
    assert {i.id: i.split for i in catalog.images(project)} == a
    assert split_project(project, val=0.2, test=0.1, seed=3) == {"train": 14, "val": 4, "test": 2}
    # the same images in another project give the same split (by position, not by chance)
    with make_project(tmp_path, name="other") as other:
        assert list(plan_split(other, 0.3, seed=0).values()) == list(a.values())


def test_split_is_stratified_by_main_class(project):
    a = plan_split(project, val=0.4, seed=7)
    per_class = {"a": 0, "b": 0}
    anns = catalog.annotations(project)
    cats = {c.id: c.name for c in catalog.categories(project)}
    for image_id, split in a.items():
        if split == "val":
            main = [cats[x.category_id] for x in anns[image_id] if not x.iscrowd][0]
            per_class[main] += 1
    assert per_class == {"a": 4, "b": 4}


def test_small_fractions_still_give_one_image(project):
    sizes = split_project(project, val=0.01, seed=0)
    assert sizes == {"train": 19, "val": 1, "test": 0}
    assert split_project(project, val=0.0, seed=0) == {"train": 20, "val": 0, "test": 0}


@pytest.mark.parametrize("val, test, words", [
    (1.0, 0.0, "--val must be a fraction"),
    (-0.1, 0.0, "--val must be a fraction"),
    (0.5, 0.5, "leave no images for training"),
    (0.3, float("nan"), "--test must be a fraction"),
    (0.9, 0.08, "too few"),
])
def test_silly_fractions_are_refused_and_nothing_changes(project, val, test, words):
    split_project(project, val=0.3, seed=0)
    before = snapshot(project)
    with pytest.raises(DataError, match=words):
        split_project(project, val=val, test=test, seed=0)
    assert snapshot(project) == before


def test_empty_project_cannot_be_split(tmp_path):
    with Project.create(tmp_path / "e", "detection") as p:
        with pytest.raises(DataError, match="no images to split"):
            split_project(p, 0.2)


def test_stats_numbers(project):
    split_project(project, val=0.3, seed=0)
    s = dataset_stats(project)
    assert s["images"] == 20 and s["annotations"] == 24
    assert [(c["name"], c["source_id"], c["training_id"]) for c in s["categories"]] == [
        ("a", 1, 1), ("b", 2, 2), ("unused", 3, 3)]
    assert s["per_class"]["all"] == {"a": 10, "b": 14, "unused": 0}
    assert s["splits"] == {"train": 14, "val": 6, "test": 0, "unassigned": 0}
    assert sum(s["per_class"]["val"].values()) == s["split_annotations"]["val"]
    assert s["split_annotations"]["train"] + s["split_annotations"]["val"] == 24
    assert {k: sum(s["per_class"][sp][k] for sp in ("train", "val")) for k in ("a", "b")} == {"a": 10, "b": 14}
    # i % 3 == 0 → box only (i = 0, 3, ..., 18: 7 images); 4 crowd RLEs (i = 0, 5, 10, 15)
    assert s["kinds"] == {"polygon": 13, "rle": 4, "box": 7}
    assert s["crowd"] == 4 and s["images_without_annotations"] == 0 and s["imports"] == 1
    text = format_stats(s)
    assert "images: 20" in text and "unused" in text


def test_cli_split_and_stats_json(project, capsys):
    assert data_cli("split", str(project.root), "--val", "0.3", "--seed", "0") == 0
    assert "train 14, val 6, test 0" in capsys.readouterr().out
    assert data_cli("stats", str(project.root), "--json") == 0
    s = json.loads(capsys.readouterr().out)
    assert s["splits"]["val"] == 6 and s["per_class"]["all"]["b"] == 14
    assert data_cli("stats", str(project.root)) == 0
    assert "class" in capsys.readouterr().out
