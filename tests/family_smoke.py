"""Every trainable family, on its own tiny sample data with its smoke profile — the fixtures of the
tests that run each family through the optimize and deploy stages. A family added later joins
by declaring `FamilyInfo.sample_data` and `FamilyInfo.smoke_profile`; the toy family from
tests/ joins through STUDIO_FAMILIES."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from core.families import EXTRA_FAMILIES_ENV, family_infos

TOY = "tests.toy_family"


@contextmanager
def with_toy():
    before = os.environ.get(EXTRA_FAMILIES_ENV)
    os.environ[EXTRA_FAMILIES_ENV] = TOY
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(EXTRA_FAMILIES_ENV, None)
        else:
            os.environ[EXTRA_FAMILIES_ENV] = before


def trainable_tasks() -> list[str]:
    with with_toy():
        return [i.name for i in family_infos() if i.trainable]


def smoke_project(tmp_path: Path, task: str, images: int = 12, name: str = "p"):
    """(project, run name) of a tiny project of `task` trained in process with its smoke profile."""
    from core.datasets.split import split_project
    from core.families import family_info, resolve
    from core.families.spec_lookup import default_spec_for
    from core.jobs.reporter import RecordingReporter
    from core.setup.new_project import create_empty_project
    from core.setup.new_run import create_run_from_spec
    from core.training.trainer import train_run

    info = family_info(task)
    assert info.sample_data and info.smoke_profile, (
        f"{task} must declare FamilyInfo.sample_data and FamilyInfo.smoke_profile so that every optimize and "
        "deploy test runs it too")
    project = create_empty_project(tmp_path / name, task)
    resolve(info.sample_data)(project, num_images=images, size=64, seed=0)
    split_project(project, val=0.25, seed=0)
    spec = resolve(info.smoke_profile)(default_spec_for(task, "cpu"))
    create_run_from_spec(project, "r", spec)
    result = train_run(project, "r", RecordingReporter())
    assert result.status == "done", result
    return project, "r"
