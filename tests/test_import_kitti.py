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


def test_dont_care_rows_become_ignore_regions_not_a_class(project, tmp_path):
    images, labels = kitti(tmp_path / "k", {
        "a": [line("DontCare", 1, 1, 5, 5), line("Car", 2, 2, 9, 9), line("DontCare", 6, 6, 60, 9)],
        "b": [line("DontCare", 1, 1, 5, 5)]})
    plan = plan_kitti_import(images, labels, class_map="*=hand")    # no rule maps DontCare
    assert [c.name for c in plan.categories] == ["hand"]
    ignore = [a for a in plan.annotations if a.category_id is None]
    assert len(ignore) == 3 and all(a.iscrowd == 1 and a.seg_kind is None for a in ignore)
    assert ignore[1].bbox == (6.0, 6.0, 42.0, 3.0)                  # clipped to the 48 px wide image
    assert plan.report.find("label_2/a.txt:3")[0].action == "repaired"
    result = commit_import(project, plan)
    assert (result.annotations, result.ignore_regions) == (4, 3)
    assert [c.name for c in catalog.categories(project)] == ["hand"]
    stored = [a for group in catalog.annotations(project).values() for a in group]
    assert sorted((a.category_id is None, a.iscrowd) for a in stored) == [(False, 0)] + [(True, 1)] * 3


def test_sixteen_columns_and_wrong_column_counts(tmp_path):
    images, labels = kitti(tmp_path / "k", {"x": [
        line("Car", 1, 1, 9, 9, score=0.87),                 # 16 columns: a results file's score, not stored
        line("Car", 1, 1, 9, 9) + " 0.5 7",                  # 17
        " ".join(line("Car", 1, 1, 9, 9).split()[:14]),      # 14
        "Car",                                               # 1
        line("Car", 1, 1, 9, 9, score="high")]})             # a score that is not a number
    plan = plan_kitti_import(images, labels)
    assert len(plan.annotations) == 1 and plan.annotations[0].bbox == (1.0, 1.0, 8.0, 8.0)
    bad = {i.what: i.reason for i in plan.report.of("skipped")}
    assert bad["label_2/x.txt:2"].startswith("Skipped because it has 17 fields; KITTI lines have 15")
    assert "it has 14 fields" in bad["label_2/x.txt:3"] and "it has 1 fields" in bad["label_2/x.txt:4"]
    assert "'high' is not a number" in bad["label_2/x.txt:5"]


def test_an_unknown_class_is_kept_or_dropped_as_asked(tmp_path):
    labels_of = {"a": [line("Car", 1, 1, 9, 9), line("Tram", 10, 1, 19, 9)], "b": [line("Van", 2, 2, 8, 8)]}
    images, labels = kitti(tmp_path / "k", labels_of)
    kept = plan_kitti_import(images, labels, class_map="Car=vehicle,Van=vehicle")
    assert [c.name for c in kept.categories] == ["Tram", "vehicle"]
    assert sorted(kept.categories[a.category_id].name for a in kept.annotations) == ["Tram", "vehicle", "vehicle"]
    assert "Mapped to 'vehicle' by the class map (1 annotation(s))" in kept.report.find("class Car")[0].reason
    dropped = plan_kitti_import(images, labels, class_map="Car=vehicle,Van=vehicle", unmapped="drop")
    assert [c.name for c in dropped.categories] == ["vehicle"] and len(dropped.annotations) == 2
    (item,) = dropped.report.find("class Tram")
    assert item.action == "skipped" and "Dropped with its 1 annotation(s): no class map rule names it" in item.reason
    typo = plan_kitti_import(images, labels, class_map="Cars=vehicle")
    assert "No class of the data is named 'Cars'" in typo.report.find("class map rule Cars=vehicle")[0].reason


def test_the_class_map_merges_everything_into_one_class_or_into_ignore_regions(project, tmp_path):
    images, labels = kitti(tmp_path / "k", {"a": [line("Car", 1, 1, 9, 9), line("Misc", 10, 1, 19, 9),
                                                  line("Pedestrian", 20, 1, 29, 9)]})
    plan = plan_kitti_import(images, labels, class_map="Misc=DontCare, *=hand")
    assert [c.name for c in plan.categories] == ["hand"]
    assert sorted((a.category_id, a.iscrowd) for a in plan.annotations if a.category_id is not None) == [(0, 0)] * 2
    assert [a.bbox for a in plan.annotations if a.category_id is None] == [(10.0, 1.0, 9.0, 8.0)]
    commit_import(project, plan)
    assert [c.name for c in catalog.categories(project)] == ["hand"]


@pytest.mark.parametrize("text, message", [
    ("Car", "is not SOURCE=TARGET"), ("Car=", "needs a class on both sides"), ("Car=a,Car=b", "both 'a' and 'b'"),
    ("DontCare=hand", "marks ignore regions, not a class"), ("Car=*", "'*' may only stand on the left"),
])
def test_a_bad_class_map_is_refused_with_a_sentence_before_reading(tmp_path, text, message):
    from core.datasets.formats import import_format

    with pytest.raises(DataError, match=message):
        plan_kitti_import(tmp_path / "missing", tmp_path / "missing", class_map=text)
    images, labels = kitti(tmp_path / "k", {"a": []})
    fmt = import_format("kitti")
    assert message.replace("\\", "") in fmt.problem({"images": str(images), "labels": str(labels), "class_map": text})
    assert "must be one of keep, drop" in fmt.problem({"images": str(images), "labels": str(labels),
                                                       "unmapped": "maybe"})


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
    assert data_cli("import", str(root), "--format", "kitti", "--images", str(images), "--labels", str(labels),
                    "--class-map", "Car=vehicle", "--unmapped", "drop") == 0
    out = capsys.readouterr().out
    assert "repaired: class Car: Mapped to 'vehicle' by the class map" in out
    assert "Imported 1 image(s) and 1 annotation(s)" in out and "categories new: vehicle" in out
    with pytest.raises(DataError, match=r"needs --images DIR and --labels DIR; missing: --labels \(the folder"):
        data_cli("import", str(root), "--format", "kitti", "--images", str(images))
