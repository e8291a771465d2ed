"""Image folders per class: image-level labels stored as whole-image annotations, report items, one transaction."""
from __future__ import annotations

import pytest

import core.datasets.plan as plan_mod
from core.datasets.image_folders import IMAGE_LABEL_SOURCE, plan_image_folders_import
from core.datasets.plan import commit_import
from core.datasets.report import ImportRejected
from core.errors import DataError
from core.project import Project, catalog
from data_fixtures import snapshot, write_png


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "proj", "gesture")
    yield p
    p.close()


def folders(root, spec: dict[str, int]):
    seed = 0
    for cls, n in spec.items():
        (root / cls).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            seed += 1
            write_png(root / cls / f"{i}.png", 30 + seed, 20, seed=seed)
    return root


def test_each_image_gets_one_whole_image_label(project, tmp_path):
    root = folders(tmp_path / "g", {"palm": 2, "fist": 3})
    write_png(root / "palm" / "more" / "deep.png", 16, 12, seed=99)  # nested: still palm
    plan = plan_image_folders_import(root)
    assert plan.report.items == []
    assert [c.name for c in plan.categories] == ["fist", "palm"]
    result = commit_import(project, plan)
    assert (result.images, result.annotations) == (6, 6)
    anns = catalog.annotations(project)
    cats = {c.id: c.name for c in catalog.categories(project)}
    for im in catalog.images(project):
        (a,) = anns[im.id]
        assert a.bbox == (0.0, 0.0, float(im.width), float(im.height))
        assert a.area == im.width * im.height
        assert a.seg_kind is None and a.segmentation is None and a.source == IMAGE_LABEL_SOURCE
        assert cats[a.category_id] == im.file_name.split("/")[0]
    assert any(i.file_name == "palm/more/deep.png" for i in catalog.images(project))


def test_loose_empty_and_unreadable_are_reported(tmp_path):
    root = folders(tmp_path / "g", {"palm": 1, "empty": 0})
    write_png(root / "loose.png", seed=5)
    (root / "palm" / "bad.jpg").write_bytes(b"nope")
    (root / ".hidden").mkdir()
    plan = plan_image_folders_import(root)
    assert [c.name for c in plan.categories] == ["palm"]
    assert len(plan.images) == 1
    assert "lie directly in g" in plan.report.find("root images")[0].reason
    assert "holds no images" in plan.report.find("class empty")[0].reason
    assert plan.report.find("image palm/bad.jpg")[0].action == "skipped"
    assert not plan.report.has_rejections


def test_no_usable_image_is_rejected_and_writes_nothing(project, tmp_path):
    root = folders(tmp_path / "g", {"a": 0})
    (root / "a" / "x.png").write_bytes(b"broken")
    plan = plan_image_folders_import(root)
    assert plan.report.has_rejections
    assert "none of its 1 image(s) can be read" in plan.report.of("rejected")[0].reason
    before = snapshot(project)
    with pytest.raises(ImportRejected):
        commit_import(project, plan)
    assert snapshot(project) == before


def test_not_this_format_raises_a_sentence(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        plan_image_folders_import(tmp_path / "missing")
    write_png(tmp_path / "flat" / "a.png")
    with pytest.raises(DataError, match="has no class subfolders"):
        plan_image_folders_import(tmp_path / "flat")


def test_reimport_skips_what_the_project_has_and_failures_roll_back(project, tmp_path, monkeypatch):
    root = folders(tmp_path / "g", {"palm": 2})
    commit_import(project, plan_image_folders_import(root))
    again = commit_import(project, plan_image_folders_import(root))
    assert again.images == 0 and len(again.report.of("skipped")) == 2
    folders(tmp_path / "h", {"fist": 1})
    before = snapshot(project)
    monkeypatch.setattr(plan_mod, "_write_categories", lambda *a: (_ for _ in ()).throw(RuntimeError("x")))
    with pytest.raises(RuntimeError):
        commit_import(project, plan_image_folders_import(tmp_path / "h"))
    assert snapshot(project) == before
