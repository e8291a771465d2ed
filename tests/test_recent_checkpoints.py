"""Studio checkpoints found in recent projects for the wizard's weights list: the trained models
(best.pt, model.pt) of the same family's runs, newest first, a few at most, labelled with project,
run and classes; found without torch, from read-only looks at the project databases."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.project import Project, runs
from core.project.peek import peek_project
from core.setup.recent_checkpoints import studio_checkpoints


def _project(root: Path, task: str, classes=("cat", "dog")) -> Project:
    project = Project.create(root, task, name=root.name)
    with project.transaction() as db:
        db["categories"].insert_all([{"name": n} for n in classes])
    return project


def _run(project: Project, name: str, files: dict[str, float], backbone="resnet34") -> None:
    runs.create_run(project, name, project.task, f"task: {project.task}\nmodel:\n  backbone: {backbone}\n")
    for file, mtime in files.items():
        path = project.run_dir(name) / "checkpoints" / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"weights")
        os.utime(path, (mtime, mtime))


def test_newest_first_same_family_only_a_few_at_most(tmp_path):
    with _project(tmp_path / "pets", "instance_segmentation") as pets:
        _run(pets, "r1", {"model.pt": 1000, "best.pt": 900, "step-0000010.pt": 5000})
        _run(pets, "r2", {"best.pt": 3000})                         # still training: only its best so far
        _run(pets, "r3", {})                                        # nothing trained yet
    with _project(tmp_path / "hands", "instance_segmentation", classes=("hand",)) as hands:
        _run(hands, "big", {"model.pt": 2000}, backbone="resnet50")
    with _project(tmp_path / "people", "pose") as people:           # another family
        _run(people, "k", {"model.pt": 9000})
    roots = [tmp_path / "pets", tmp_path / "missing", tmp_path / "people", tmp_path / "hands", tmp_path / "pets"]
    found = studio_checkpoints(roots, "instance_segmentation")
    assert [(c.project, c.run, c.which) for c in found] == [("pets", "r2", "best"), ("hands", "big", "last"),
                                                            ("pets", "r1", "last"), ("pets", "r1", "best")]
    assert found[0].path == tmp_path / "pets" / "runs" / "r2" / "checkpoints" / "best.pt"
    assert found[0].label() == "pets / r2 (best): resnet34, 2 classes (cat, dog)"
    assert found[1].label() == "hands / big (last): resnet50, 1 class (hand)"
    assert len(studio_checkpoints(roots, "instance_segmentation", most=2)) == 2
    assert [c.run for c in studio_checkpoints(roots, "pose")] == ["k"]
    assert peek_project(tmp_path / "pets").categories == ("cat", "dog")


def test_found_without_importing_torch(tmp_path):
    with _project(tmp_path / "p", "instance_segmentation") as p:
        _run(p, "r", {"model.pt": 1000})
    code = ("import sys\nfrom core.setup.recent_checkpoints import studio_checkpoints\n"
            f"found = studio_checkpoints([{str(tmp_path / 'p')!r}], 'instance_segmentation')\n"
            "print(len(found), 'torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "False"]
