"""KITTI import: boxes, DontCare, malformed lines with file:line, clipping, missing pairs, one transaction."""
from __future__ import annotations

import pytest

import core.datasets.plan as plan_mod
from core.datasets.kitti import parse_kitti_line, plan_kitti_import
from core.datasets.plan import commit_import
from core.datasets.report import ImportRejected
from core.errors import DataError
from core.project import Project, catalog
from data_fixtures import snapshot, write_png

W, H = 48, 40


def line(kind, x1, y1, x2, y2, score=None):
    tail = f" {score}" if score is not None else ""
    return f"{kind} 0.00 0 -1.57 {x1} {y1} {x2} {y2} 1.5 1.6 3.9 1.0 1.7 8.4 0.01{tail}"


def kitti(root, labels: dict[str, list[str]], images=None):
    for i, stem in enumerate(images if images is not None else labels):
        write_png(root / "image_2" / f"{stem}.png", W, H, seed=i)
    for stem, lines in labels.items():
        p = root / "label_2" / f"{stem}.txt"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("\n".join(lines) + ("\n" if lines else ""))
    return root / "image_2", root / "label_2"


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "proj", "detection")
    yield p
    p.close()


def test_boxes_and_categories_are_imported(project, tmp_path):
    images, labels = kitti(tmp_path / "k", {
        "000000": [line("Car", 2, 3, 20, 13), line("Pedestrian", 30, 5, 40.5, 30, score=0.9)],
        "000001": [line("Car", 0, 0, 10, 10)],
        "000002": []})  # an empty label file: an image with no objects
    plan = plan_kitti_import(images, labels)
    assert plan.report.items == []
    assert [c.name for c in plan.categories] == ["Car", "Pedestrian"]
    result = commit_import(project, plan)
    assert (result.images, result.annotations) == (3, 3)
    assert [c.name for c in catalog.categories(project)] == ["Car", "Pedestrian"]
    imgs = {i.file_name: i for i in catalog.images(project)}
    anns = catalog.annotations(project)
    first = sorted(anns[imgs["000000.png"].id], key=lambda a: a.bbox[0])
    assert first[0].bbox == (2.0, 3.0, 18.0, 10.0) and first[0].area == 180.0
    assert first[0].seg_kind is None and first[0].source == "kitti"
    assert first[1].bbox == (30.0, 5.0, 10.5, 25.0)
    assert anns.get(imgs["000002.png"].id, []) == []
    assert (imgs["000000.png"].width, imgs["000000.png"].height) == (W, H)


def test_dont_care_is_ignored_and_reported_once(tmp_path):
    images, labels = kitti(tmp_path / "k", {
        "a": [line("DontCare", 1, 1, 5, 5), line("Car", 2, 2, 9, 9), line("DontCare", 6, 6, 9, 9)],
        "b": [line("DontCare", 1, 1, 5, 5)]})
    plan = plan_kitti_import(images, labels)
    assert [c.name for c in plan.categories] == ["Car"]
    assert len(plan.annotations) == 1
    (item,) = plan.report.find("DontCare")
    assert item.action == "skipped" and "3 DontCare region(s) in 2 file(s)" in item.reason
    assert "label_2/a.txt:1" in item.reason


def test_malformed_lines_are_named_by_file_and_line(tmp_path):
    images, labels = kitti(tmp_path / "k", {"x": [
        line("Car", 2, 2, 9, 9), "Car 0 0", "", line("Car", 2, 2, 9, 9).replace("9 9", "9 abc"),
        line("Van", 20, 2, 10, 9)]})
    plan = plan_kitti_import(images, labels)
    assert len(plan.annotations) == 1
    bad = {i.what: i.reason for i in plan.report.of("skipped")}
    assert "has 3 fields" in bad["label_2/x.txt:2"]
    assert "'abc' is not a number" in bad["label_2/x.txt:4"]
    assert "reversed" in bad["label_2/x.txt:5"]
    assert "Van" not in [c.name for c in plan.categories]  # its only box was skipped


def test_boxes_are_clipped_or_skipped_outside_the_image(tmp_path):
    images, labels = kitti(tmp_path / "k", {"x": [line("Car", -5, 2, 20, 50), line("Car", 60, 2, 70, 9),
                                                   line("Car", 3, 3, 3, 9)]})
    plan = plan_kitti_import(images, labels)
    (ann,) = plan.annotations
    assert ann.bbox == (0.0, 2.0, 20.0, 38.0)
    assert plan.report.find("label_2/x.txt:1")[0].action == "repaired"
    assert "outside the 48x40 image" in plan.report.find("label_2/x.txt:2")[0].reason
    assert "zero area" in plan.report.find("label_2/x.txt:3")[0].reason


def test_missing_pairs_and_unreadable_images_are_skipped(tmp_path):
    images, labels = kitti(tmp_path / "k", {"a": [line("Car", 1, 1, 9, 9)], "orphan": [line("Car", 1, 1, 9, 9)]},
                           images=["a", "nolabel"])
    (images / "broken.png").write_bytes(b"not a png")
    (labels / "broken.txt").write_text(line("Car", 1, 1, 9, 9) + "\n")
    plan = plan_kitti_import(images, labels)
    assert [i.file_name for i in plan.images] == ["a.png"]
    assert "has no label file" in plan.report.find("image nolabel.png")[0].reason
    assert "no image named orphan" in plan.report.find("label_2/orphan.txt")[0].reason
    assert "not an image format" in plan.report.find("image broken.png")[0].reason


def test_nothing_usable_is_rejected_and_writes_nothing(project, tmp_path):
    images, labels = kitti(tmp_path / "k", {"a": [line("Car", 1, 1, 9, 9)]}, images=[])
    images.mkdir(parents=True, exist_ok=True)
    plan = plan_kitti_import(images, labels)
    assert plan.report.has_rejections
    before = snapshot(project)
    with pytest.raises(ImportRejected, match="Nothing to import"):
        commit_import(project, plan)
    assert snapshot(project) == before


def test_unreadable_source_folders_raise_sentences(tmp_path):
    with pytest.raises(DataError, match="images folder .* does not exist"):
        plan_kitti_import(tmp_path / "none", tmp_path)
    (tmp_path / "img").mkdir()
    (tmp_path / "lab").mkdir()
    with pytest.raises(DataError, match="holds no KITTI label files"):
        plan_kitti_import(tmp_path / "img", tmp_path / "lab")


def test_a_failure_during_commit_leaves_the_project_as_it_was(project, tmp_path, monkeypatch):
    images, labels = kitti(tmp_path / "k", {"a": [line("Car", 1, 1, 9, 9)], "b": [line("Car", 1, 1, 9, 9)]})
    plan = plan_kitti_import(images, labels)
    before = snapshot(project)

    def boom(*a, **k):
        raise RuntimeError("disk full")
    monkeypatch.setattr(plan_mod, "_write_images", boom)
    with pytest.raises(RuntimeError):
        commit_import(project, plan)
    assert snapshot(project) == before


def test_parse_line_accepts_15_or_16_fields():
    assert parse_kitti_line(line("Car", 1, 2, 3, 4)) == ("Car", (1.0, 2.0, 3.0, 4.0))
    assert parse_kitti_line(line("Car", 1, 2, 3, 4, score=0.5))[0] == "Car"
    with pytest.raises(ValueError, match="17 fields"):
        parse_kitti_line(line("Car", 1, 2, 3, 4, score=0.5) + " 1")


def test_cli_imports_kitti(project, tmp_path, capsys):
    from data_fixtures import data_cli

    images, labels = kitti(tmp_path / "k", {"a": [line("Car", 1, 1, 9, 9)]})
    root = project.root
    project.close()
    assert data_cli("import", str(root), "--format", "kitti", "--images", str(images), "--labels", str(labels)) == 0
    assert "Imported 1 image(s)" in capsys.readouterr().out
    with pytest.raises(DataError, match=r"needs --images DIR and --labels DIR; missing: --labels \(the folder"):
        data_cli("import", str(root), "--format", "kitti", "--images", str(images))
