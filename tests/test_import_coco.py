"""COCO import: ids, encodings, every validation case, transactions that leave no trace on failure."""
from __future__ import annotations

import json

import numpy as np
import pytest

import core.datasets.plan as plan_mod
from core.datasets import masks
from core.datasets.coco import export_coco, plan_coco_import
from core.datasets.plan import commit_import, reconcile, training_label_map
from core.datasets.report import ImportRejected
from core.errors import DataError
from core.project import Project, catalog
from data_fixtures import compressed_rle, data_cli, decode, snapshot, uncompressed_rle, write_json, write_png

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

W, H = 48, 40


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "proj", "instance_segmentation")
    yield p
    p.close()


def _blob(x0, y0, x1, y1) -> np.ndarray:
    m = np.zeros((H, W), bool)
    m[y0:y1, x0:x1] = True
    m[y0, x0] = False  # not a plain box
    return m


def good_coco(src, n_images=2, cat_ids=(0, 5, 9)):
    """Images with a polygon, a list-counts RLE (crowd) and a string RLE each; category ids as given."""
    images, anns = [], []
    for i in range(n_images):
        write_png(src / "img" / f"{i}.png", W, H, seed=i)
        images.append({"id": 100 + i, "file_name": f"{i}.png", "width": W, "height": H, "license": 3})
        anns += [
            {"id": 10 * i + 1, "image_id": 100 + i, "category_id": cat_ids[0], "iscrowd": 0, "area": 50.0,
             "bbox": [2, 3, 10, 10], "segmentation": [[2, 3, 12, 3, 12, 13, 2, 13]], "attributes": {"x": 1}},
            {"id": 10 * i + 2, "image_id": 100 + i, "category_id": cat_ids[1], "iscrowd": 1,
             "bbox": [20, 5, 10, 8], "area": 79.0, "segmentation": uncompressed_rle(_blob(20, 5, 30, 13))},
            {"id": 10 * i + 3, "image_id": 100 + i, "category_id": cat_ids[2], "iscrowd": 0,
             "bbox": [5, 20, 15, 12], "area": 179.0, "segmentation": compressed_rle(_blob(5, 20, 20, 32))},
        ]
    cats = [{"id": c, "name": n, "supercategory": "thing"} for c, n in zip(cat_ids, ("cat", "dog", "eel"))]
    doc = {"info": {"year": 2024}, "images": images, "annotations": anns, "categories": cats, "extra": [1, 2]}
    return write_json(src / "ann.json", doc), doc


def test_category_ids_with_gaps_and_zero_are_kept_as_source_ids(project, tmp_path):
    path, doc = good_coco(tmp_path / "src")
    plan = plan_coco_import(path, tmp_path / "src" / "img")
    assert plan.report.items == []
    result = commit_import(project, plan)
    cats = catalog.categories(project)
    assert [(c.name, c.source_id) for c in cats] == [("cat", 0), ("dog", 5), ("eel", 9)]
    assert training_label_map(project) == {cats[0].id: 1, cats[1].id: 2, cats[2].id: 3}
    by_id = {c.id: c.name for c in cats}
    anns = [a for lst in catalog.annotations(project).values() for a in lst]
    assert sorted((a.source_id, by_id[a.category_id]) for a in anns)[:3] == [(1, "cat"), (2, "dog"), (3, "eel")]
    assert result.images == 2 and result.annotations == 6
    assert result.categories_created == ["cat", "dog", "eel"]
    row = project.conn.execute("SELECT format, images, annotations, report FROM imports").fetchone()
    assert row[:3] == ("coco", 2, 6) and json.loads(row[3])["counts"]["rejected"] == 0


def test_rle_list_and_string_decode_to_the_source_masks_and_crowd_is_kept(project, tmp_path):
    path, doc = good_coco(tmp_path / "src")
    commit_import(project, plan_coco_import(path, tmp_path / "src" / "img"))
    stored = {a.source_id: a for lst in catalog.annotations(project).values() for a in lst}
    for src in doc["annotations"]:
        a = stored[src["id"]]
        assert np.array_equal(masks.annotation_mask(a, H, W), decode(src["segmentation"], H, W))
        assert a.iscrowd == src["iscrowd"]
        if isinstance(src["segmentation"], dict):
            assert a.seg_kind == "rle" and isinstance(a.segmentation["counts"], str)
        else:
            assert a.seg_kind == "polygon"
    stacked = masks.annotation_masks(list(stored.values())[:3], H, W)
    assert stacked.shape == (3, H, W) and stacked.dtype == bool


def _validation_doc(src):
    write_png(src / "ok.png", W, H, seed=1)
    write_png(src / "small.png", 32, 24, seed=2)            # the JSON claims 48x40
    (src / "broken.png").write_bytes(b"this is not a png")
    poly = [2, 2, 20, 2, 20, 20, 2, 20]
    images = [
        {"id": 1, "file_name": "ok.png", "width": W, "height": H},
        {"id": 2, "file_name": "missing.png", "width": W, "height": H},
        {"id": 3, "file_name": "broken.png", "width": W, "height": H},
        {"id": 4, "file_name": "small.png", "width": W, "height": H},
        {"id": 1, "file_name": "ok.png", "width": W, "height": H},   # duplicate image id
    ]
    a = lambda i, **kw: {"id": i, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 100.0,  # noqa: E731
                         "bbox": [2, 2, 18, 18], "segmentation": [poly], **kw}
    anns = [
        a(1),                                                          # fine
        a(2, segmentation=[poly, [1, 1, 3, 3]]),                       # degenerate part: repaired
        a(3, segmentation=[[1, 1, 5, 5]]),                             # only polygon degenerate: skipped
        a(4, bbox=[40, 30, 20, 20], segmentation=[]),                  # outside: clipped (repaired)
        a(5, bbox=[5, 5, 0, 7], segmentation=[]),                      # zero area: skipped
        a(6, category_id=77),                                          # unknown category: skipped
        a(7, image_id=999),                                            # unknown image: skipped
        a(8), a(8),                                                    # identical duplicate: skipped
        a(9, image_id=2), a(10, image_id=2),                           # on the missing image
        a(11, image_id=3),                                             # on the unreadable image
        a(12, area=None),                                              # missing area: recomputed
        a(13, segmentation={"size": [10, 10], "counts": [100]}),       # RLE of another size: skipped
        a(14, image_id=4, bbox=[20, 10, 20, 10], segmentation=[]),     # clipped to the real 32x24
    ]
    cats = [{"id": 1, "name": "thing"}, {"id": 1, "name": "thing"}]  # harmless duplicate category
    return write_json(src / "ann.json", {"images": images, "annotations": anns, "categories": cats})


def test_every_validation_case_has_its_item_and_action(tmp_path, project):
    plan = plan_coco_import(_validation_doc(tmp_path / "src"))
    r = plan.report

    def only(what):
        items = r.find(what)
        assert len(items) == 1, (what, items)
        return items[0]

    assert only("annotation 2").action == "repaired"
    assert "fewer than 3" in only("annotation 2").reason
    assert only("annotation 3").action == "skipped" and "fewer than 3 points" in only("annotation 3").reason
    assert only("annotation 4").action == "repaired" and "clipped to [40, 30, 8, 10]" in only("annotation 4").reason
    assert only("annotation 5").action == "skipped" and "zero area" in only("annotation 5").reason
    assert only("annotation 6").action == "skipped" and "category id 77" in only("annotation 6").reason
    assert only("annotation 7").action == "skipped" and "image id 999" in only("annotation 7").reason
    assert only("annotation 8").action == "skipped" and "listed twice" in only("annotation 8").reason
    missing = only("image 2")
    assert missing.action == "skipped" and "does not exist" in missing.reason and "2 annotation(s)" in missing.reason
    broken = only("image 3")
    assert broken.action == "skipped" and "not an image" in broken.reason and "1 annotation(s)" in broken.reason
    assert only("annotation 12").action == "repaired" and "recomputed" in only("annotation 12").reason
    assert only("annotation 13").action == "skipped" and "does not match the image" in only("annotation 13").reason
    assert only("annotation 14").action == "repaired" and "32x24" in only("annotation 14").reason
    assert only("category 1").action == "skipped"
    dup = [i for i in r.find("image 1") if "more than once" in i.reason]
    assert len(dup) == 1 and dup[0].action == "skipped"
    size = only("image 4")
    assert size.action == "repaired" and "48x40" in size.reason and "32x24" in size.reason
    assert not r.has_rejections and "annotation 1" not in [i.what for i in r.items]

    result = commit_import(project, plan)
    assert result.images == 2  # ok.png and small.png
    kept = {a.source_id: a for lst in catalog.annotations(project).values() for a in lst}
    assert sorted(kept) == [1, 2, 4, 8, 12, 14]
    assert kept[2].segmentation == [[2.0, 2.0, 20.0, 2.0, 20.0, 20.0, 2.0, 20.0]]
    assert kept[4].bbox == (40.0, 30.0, 8.0, 10.0)
    assert kept[12].area == 324.0
    assert kept[14].bbox == (20.0, 10.0, 12.0, 10.0)
    assert {i.file_name: (i.width, i.height) for i in catalog.images(project)}["small.png"] == (32, 24)


def test_conflicting_category_ids_are_rejected_and_nothing_is_written(tmp_path, project):
    src = tmp_path / "src"
    write_png(src / "a.png")
    path = write_json(src / "ann.json", {
        "images": [{"id": 1, "file_name": "a.png"}], "annotations": [],
        "categories": [{"id": 1, "name": "cat"}, {"id": 1, "name": "dog"}]})
    plan = plan_coco_import(path)
    assert plan.report.has_rejections and plan.report.of("rejected")[0].what == "category 1"
    before = snapshot(project)
    with pytest.raises(ImportRejected) as err:
        commit_import(project, plan)
    assert isinstance(err.value, DataError) and "nothing was written" in str(err.value)
    assert err.value.report is plan.report
    assert snapshot(project) == before


def test_no_usable_image_is_rejected(tmp_path):
    path = write_json(tmp_path / "ann.json", {
        "images": [{"id": 1, "file_name": "gone.png"}], "annotations": [], "categories": []})
    plan = plan_coco_import(path)
    assert [i.what for i in plan.report.of("rejected")] == ["images"]


@pytest.mark.parametrize("content, words", [
    ('{"images": [],\n  "annotations": [\n    {"id": 1,, }\n', "is not valid JSON (line 3, column"),
    ("[1, 2, 3]", "is not a COCO file"),
    ('{"images": [], "categories": []}', "has no 'annotations' list"),
    (b"\xff\xfe\x00garbage", "is not a UTF-8 text file"),
])
def test_unreadable_file_fails_with_a_sentence_and_changes_nothing(tmp_path, project, content, words):
    bad = tmp_path / "annotations.json"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    commit_import(project, plan_coco_import(*good_coco(tmp_path / "src")[:1], tmp_path / "src" / "img"))
    before = snapshot(project)
    with pytest.raises(DataError) as err:
        data_cli("import", str(project.root), "--format", "coco", "--annotations", str(bad))
    assert str(err.value).startswith("annotations.json ") and words in str(err.value)
    assert snapshot(project) == before


def test_failure_in_the_middle_of_commit_rolls_back_and_removes_copied_files(tmp_path, project, monkeypatch):
    path, _ = good_coco(tmp_path / "src", n_images=3)
    plan = plan_coco_import(path, tmp_path / "src" / "img")
    before = snapshot(project)
    calls = {"n": 0}
    real = plan_mod.annotation_row

    def flaky(ann):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("disk on fire")
        return real(ann)

    monkeypatch.setattr(plan_mod, "annotation_row", flaky)
    with pytest.raises(RuntimeError, match="disk on fire"):
        commit_import(project, plan)
    assert calls["n"] == 5
    assert snapshot(project) == before
    assert list(project.media_dir.iterdir()) == []
    monkeypatch.setattr(plan_mod, "annotation_row", real)
    assert commit_import(project, plan).images == 3  # and the same plan commits cleanly afterwards


def test_copy_failure_removes_staged_files(tmp_path, project, monkeypatch):
    path, _ = good_coco(tmp_path / "src", n_images=3)
    plan = plan_coco_import(path, tmp_path / "src" / "img")
    before = snapshot(project)
    real = plan_mod.shutil.copyfile
    state = {"n": 0}

    def copy(a, b):
        state["n"] += 1
        if state["n"] == 2:
            raise PermissionError(13, "Permission denied")
        return real(a, b)

    monkeypatch.setattr(plan_mod.shutil, "copyfile", copy)
    with pytest.raises(DataError, match="Could not copy .*1.png into the project: Permission denied"):
        commit_import(project, plan)
    assert snapshot(project) == before


def test_second_import_merges_categories_and_skips_known_images(tmp_path, project):
    path, _ = good_coco(tmp_path / "src", n_images=2)
    commit_import(project, plan_coco_import(path, tmp_path / "src" / "img"))
    # A second source: one image already imported (same bytes, other name), one new; categories overlap.
    src2 = tmp_path / "src2"
    (src2).mkdir()
    (src2 / "copy.png").write_bytes((tmp_path / "src" / "img" / "0.png").read_bytes())
    write_png(src2 / "new.png", W, H, seed=42)
    path2 = write_json(src2 / "ann.json", {
        "images": [{"id": 1, "file_name": "copy.png"}, {"id": 2, "file_name": "new.png"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 3, "bbox": [1, 1, 5, 5]},
                        {"id": 2, "image_id": 2, "category_id": 3, "bbox": [1, 1, 5, 5]},
                        {"id": 3, "image_id": 2, "category_id": 4, "bbox": [2, 2, 5, 5]}],
        "categories": [{"id": 3, "name": "dog"}, {"id": 4, "name": "fox"}]})
    plan = reconcile(project, plan_coco_import(path2))
    assert plan.new_categories == ["fox"] and plan.reused_categories == ["dog"]
    result = commit_import(project, plan_coco_import(path2))
    assert result.images == 1 and result.annotations == 2
    skipped = result.report.find("image 1")
    assert skipped[0].action == "skipped" and "same content" in skipped[0].reason
    cats = {c.name: c for c in catalog.categories(project)}
    assert set(cats) == {"cat", "dog", "eel", "fox"} and cats["dog"].source_id == 5
    assert len(catalog.images(project)) == 3
    assert [p.name for p in sorted(project.media_dir.iterdir())] == ["import-1", "import-2"]


def test_link_keeps_images_in_place(tmp_path, project):
    path, _ = good_coco(tmp_path / "src")
    result = commit_import(project, plan_coco_import(path, tmp_path / "src" / "img"), copy=False)
    assert result.media_dir is None and list(project.media_dir.iterdir()) == []
    for im in catalog.images(project):
        assert project.resolve(im.path) == (tmp_path / "src" / "img" / im.file_name).resolve()


def test_cli_dry_run_writes_nothing_and_import_prints_the_report(tmp_path, project, capsys):
    path = _validation_doc(tmp_path / "src")
    before = snapshot(project)
    assert data_cli("import", str(project.root), "--format", "coco", "--annotations", str(path), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "Dry run: nothing written" in out and "skipped: annotation 5" in out
    assert snapshot(project) == before
    assert data_cli("import", str(project.root), "--format", "coco", "--annotations", str(path), "--link") == 0
    out = capsys.readouterr().out
    assert "Imported 2 image(s) and 6 annotation(s) (import 1, referenced in place)" in out


def test_a_refused_import_exits_2_with_or_without_dry_run(tmp_path, project, capsys):
    from studio.cli import main

    path = write_json(tmp_path / "ann.json", {
        "images": [{"id": 1, "file_name": "gone.png"}, {"id": 2, "file_name": "lost.png"}],
        "annotations": [], "categories": [{"id": 1, "name": "cat"}]})
    before = snapshot(project)
    root = str(project.root)
    for extra in (["--dry-run"], []):
        assert main(["data", "import", root, "--format", "coco", "--annotations", str(path), *extra]) == 2
        out, err = capsys.readouterr()
        assert "rejected: images: Nothing to import: none of its 2 images can be used." in out   # the report
        assert err.startswith("studio: The import of ann.json was refused and nothing was written: images: "
                              "Nothing to import: none of its 2 images can be used."), extra
        assert snapshot(project) == before
    good, _ = good_coco(tmp_path / "src")
    assert main(["data", "import", root, "--format", "coco", "--annotations", str(good), "--images",
                 str(tmp_path / "src" / "img"), "--dry-run"]) == 0
    assert "Dry run: nothing written. The import would add 2 image(s) and 6 annotation(s); new categories: cat, " \
        "dog, eel." in capsys.readouterr().out


def test_format_must_suit_the_family(tmp_path):
    with Project.create(tmp_path / "pose", "pose") as p:
        with pytest.raises(DataError, match="not labelme"):
            data_cli("import", str(p.root), "--format", "labelme", "--images", str(tmp_path))


def test_reused_annotation_ids_and_keypoints_are_kept(tmp_path, project):
    src = tmp_path / "src"
    write_png(src / "a.png", W, H)
    kps = [10, 10, 2, 0, 0, 0, 20, 15, 1]
    path = write_json(src / "ann.json", {
        "images": [{"id": 1, "file_name": "a.png"}],
        "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "bbox": [5, 5, 20, 20], "area": 400,
                         "keypoints": kps, "num_keypoints": 2},
                        {"id": 7, "image_id": 1, "category_id": 1, "bbox": [1, 1, 4, 4], "area": 16}],
        "categories": [{"id": 1, "name": "person", "keypoints": ["nose", "eye", "ear"], "skeleton": [[1, 2]]}]})
    plan = plan_coco_import(path)
    assert [(i.what, i.action) for i in plan.report.items] == [("annotation 7", "repaired")]
    commit_import(project, plan)
    anns = sorted(catalog.annotations(project)[1], key=lambda a: a.id)
    assert len(anns) == 2 and anns[0].keypoints == kps and anns[1].keypoints is None
    assert project.conn.execute("SELECT num_keypoints FROM annotations ORDER BY id").fetchall() == [(2,), (None,)]
    export_coco(project, tmp_path / "e.json")
    doc = json.loads((tmp_path / "e.json").read_text())
    assert doc["categories"][0]["keypoints"] == ["nose", "eye", "ear"] and doc["categories"][0]["skeleton"] == [[1, 2]]
    assert doc["annotations"][0]["keypoints"] == kps and doc["annotations"][0]["num_keypoints"] == 2
