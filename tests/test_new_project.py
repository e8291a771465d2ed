"""Project location checks and the wizard's one-go project creation (import, split, run; nothing left on failure)."""
from __future__ import annotations

import os

import pytest

from core.datasets.report import ImportRejected
from core.errors import DataError
from core.project import Project, catalog, runs
from core.project.location import check_location, name_problem, suggest_name
from core.setup.new_project import DataSource, NewProjectRequest, create_project


@pytest.mark.parametrize("name, sentence", [
    ("", "Give the project a name."), ("a/b", "cannot contain '/'"), ("x" * 65, "keep it to 64"),
    (".hidden", "cannot start or end"), ("con", "reserved device name"), ("ok name-1 (v2)", None)])
def test_names(name, sentence):
    problem = name_problem(name)
    assert (problem is None) if sentence is None else sentence in problem


def test_locations(tmp_path):
    assert check_location(tmp_path, "new").note.endswith("will be created.")
    assert check_location(tmp_path / "a" / "b", "p").ok
    assert "full path" in check_location("relative/dir", "p").problem
    assert check_location("", "p").problem == "Choose the folder the project goes in."
    (tmp_path / "file").write_text("x")
    assert "is a file, not a folder" in check_location(tmp_path / "file", "p").problem
    assert "exists and is a file" in check_location(tmp_path, "file").problem
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    assert "not empty" in check_location(tmp_path, "full").problem
    (tmp_path / "empty").mkdir()
    assert "empty folder" in check_location(tmp_path, "empty").note
    Project.create(tmp_path / "proj", "detection").close()
    assert "already holds a Studio project" in check_location(tmp_path, "proj").problem
    assert suggest_name(tmp_path, "proj") == "proj-2"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_parent(tmp_path):
    (tmp_path / "ro").mkdir()
    os.chmod(tmp_path / "ro", 0o500)
    try:
        assert "not writable" in check_location(tmp_path / "ro", "p").problem
    finally:
        os.chmod(tmp_path / "ro", 0o700)


def test_sample_data_split_and_run(tmp_path):
    from conftest import tiny_spec

    spec = tiny_spec()
    req = NewProjectRequest(tmp_path / "deep" / "p", "instance_segmentation", "My project",
                            DataSource("sample", sample_images=10, sample_size=64, val_fraction=0.2), spec, "first")
    result = create_project(req)
    assert (result.images, result.split, result.run) == (10, {"train": 8, "val": 2, "test": 0}, "first")
    with Project.open(result.root) as project:
        assert project.name == "My project" and len(catalog.categories(project)) == len(result.categories) > 0
        run = runs.get_run(project, "first")
        assert run.total_steps == spec.train.total_steps and "total_steps: 6" in run.spec
        assert (project.run_dir("first") / "spec.yaml").is_file()


def test_failures_leave_nothing_behind(tmp_path):
    from core.datasets.coco import plan_coco_import
    from data_fixtures import write_json

    write_json(tmp_path / "src" / "ann.json", {"images": [], "annotations": [], "categories": []})
    plan = plan_coco_import(tmp_path / "src" / "ann.json")
    with pytest.raises(ImportRejected):
        create_project(NewProjectRequest(tmp_path / "new" / "p", "instance_segmentation", "p",
                                         DataSource("plan", plan)))
    assert not (tmp_path / "new").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="too few"):  # one image cannot be split 80/20
        create_project(NewProjectRequest(tmp_path / "empty", "instance_segmentation", "p",
                                         DataSource("sample", sample_images=1, sample_size=64, val_fraction=0.5)))
    assert (tmp_path / "empty").is_dir() and not any((tmp_path / "empty").iterdir())


def test_peek_reads_name_task_and_counts_without_writing(tmp_path):
    from core.project.peek import peek_project

    with Project.create(tmp_path / "p", "detection", name="Cars") as project:
        runs.create_run(project, "r1", "detection", "task: detection\n")
    before = (tmp_path / "p" / "project.db").stat().st_mtime_ns
    peek = peek_project(tmp_path / "p")
    assert (peek.exists, peek.name, peek.task, peek.images, peek.runs, peek.problem) == (
        True, "Cars", "detection", 0, 1, None)
    assert (tmp_path / "p" / "project.db").stat().st_mtime_ns == before
    gone = peek_project(tmp_path / "gone")
    assert not gone.exists and "no longer exists" in gone.problem
    (tmp_path / "plain").mkdir()
    assert "no longer holds a Studio project" in peek_project(tmp_path / "plain").problem
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "project.db").write_text("not sqlite")
    assert "cannot be read" in peek_project(tmp_path / "bad").problem
