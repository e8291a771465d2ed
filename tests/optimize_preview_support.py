"""A trained tiny instance-segmentation project for the Optimize and Preview page tests.

Training (in-process, ~10-20 s on 2 cores) happens once per pytest process; every test module
gets its own copy of the folder, so one module's exports never show up in another's table.
The model keeps every detection (score threshold 0, at most 4 per image, few proposals), so a
barely trained Mask R-CNN still draws something and inference stays fast.
"""
from __future__ import annotations

import shutil
from pathlib import Path

_CACHE: dict[str, Path] = {}


def _train(root: Path) -> Path:
    from conftest import create_run, tiny_spec
    from core.datasets.sample import import_sample_data
    from core.datasets.split import split_project
    from core.jobs.reporter import RecordingReporter
    from core.project import Project
    from core.training.trainer import train_run

    project = Project.create(root, "instance_segmentation")
    try:
        import_sample_data(project, num_images=8, size=64, seed=0)
        split_project(project, val=0.25, seed=0)
        spec = tiny_spec(total_steps=2)
        m = spec.model
        m.test_score_threshold, m.test_detections_per_image = 0.0, 4
        m.rpn_pre_nms_top_n_test, m.rpn_post_nms_top_n_test = 50, 20
        create_run(project, "r", spec)
        train_run(project, "r", RecordingReporter())
    finally:
        project.close()
    return root


def trained_project_copy(tmp_path_factory) -> Path:
    """The folder of a fresh copy of the trained project (run "r", final checkpoint evaluated)."""
    if "root" not in _CACHE:
        from conftest import SESSION_PREFIX

        _CACHE["root"] = _train(tmp_path_factory.mktemp(f"{SESSION_PREFIX}trained") / "p")
    copy = tmp_path_factory.mktemp("trained-copy") / "p"
    shutil.copytree(_CACHE["root"], copy)
    return copy
