"""Create a project with its first data, split and run in one go (what the new-project wizard's
Finish does), leaving nothing behind when a step fails.

Order: the project folder and database are created, the data is imported (one transaction: the
plan's format commits it, see `core.datasets.formats`; or the family's built-in sample data),
the images are split into train/val, and the first run is created with its spec. If any step fails, the folders this call
made are removed again (an empty folder that existed before is emptied, not removed) and the
error is raised: a half-made project never stays on disk.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.jobs.reporter import NullReporter, Reporter
from core.project.store import Project

DATA_KINDS = ("none", "sample", "plan", "videos")   # "videos": the same as "plan" (a plan says its format)


@dataclass
class DataSource:
    kind: str = "none"              # see DATA_KINDS: "plan" is a plan of any import format (images or videos)
    plan: Any = None
    copy: bool = True               # copy media into the project (False: reference them in place)
    sample_images: int = 200
    sample_size: int = 128
    val_fraction: float = 0.2       # of the images, for validation (0: no split)
    seed: int = 0


@dataclass
class NewProjectRequest:
    root: Path
    task: str
    name: str
    data: DataSource = field(default_factory=DataSource)
    spec: Any = None                # a validated spec: a run is created with it
    run_name: str = "run-001"


@dataclass
class NewProjectResult:
    root: Path
    images: int = 0
    annotations: int = 0
    videos: int = 0
    categories: list[str] = field(default_factory=list)
    split: dict[str, int] | None = None
    run: str | None = None
    report: Any = None


def _first_missing(path: Path) -> Path | None:
    """The outermost folder of `path` that does not exist yet (what creating it would make)."""
    missing = None
    for p in (path, *path.parents):
        if p.exists():
            break
        missing = p
    return missing


def _remove_made(root: Path, made: Path | None) -> None:
    if made is not None:
        shutil.rmtree(made, ignore_errors=True)
    elif root.is_dir():  # it existed (empty) before: empty it again
        for child in root.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)


def create_empty_project(root: str | Path, task: str, name: str | None = None) -> Project:
    """`Project.create` for a task a user named: an unknown family is refused with the known ones."""
    from core.families import family_info

    family_info(task)
    return Project.create(root, task, name)


def create_project(request: NewProjectRequest, reporter: Reporter | None = None) -> NewProjectResult:
    """Do every step of the request (see the module docstring); the project is closed on return."""
    from core.families import family_info

    reporter = reporter or NullReporter()
    family_info(request.task)   # an unknown family is refused before anything is made
    root = Path(request.root).expanduser().resolve()
    made = _first_missing(root)
    project = None
    try:
        reporter.log(f"Creating the project {request.name} in {root}...")
        project = Project.create(root, request.task, request.name)
        result = NewProjectResult(root)
        _import(project, request.data, result, reporter)
        if result.images and request.data.val_fraction > 0:
            from core.datasets.split import split_project

            reporter.log("Splitting the images into train and val...")
            result.split = split_project(project, val=request.data.val_fraction, seed=request.data.seed)
        if request.spec is not None:
            from core.setup.new_run import create_run_from_spec

            reporter.log(f"Creating the run {request.run_name}...")
            # without data (imported later) the run waits for it
            result.run = create_run_from_spec(project, request.run_name, request.spec, require_data=False)
        project.close()
        return result
    except BaseException:
        if project is not None:
            project.close()
        _remove_made(root, made)
        raise


def _import(project: Project, data: DataSource, result: NewProjectResult, reporter: Reporter) -> None:
    if data.kind not in DATA_KINDS:
        raise ValueError(f"unknown data kind {data.kind!r}")
    from core.datasets.formats import format_of

    if data.kind == "sample":
        r = _import_sample(project, data, reporter)
    elif data.kind in ("plan", "videos"):
        fmt = format_of(data.plan)
        what = "videos" if fmt.videos else "images"
        reporter.log(f"Importing {len(getattr(data.plan, what))} {what}...")
        r = fmt.commit(project, data.plan, copy=data.copy, reporter=reporter)
    else:
        return
    if format_of(r).videos:
        result.videos = r.videos
    else:
        result.images, result.annotations = r.images, r.annotations
    result.report, result.categories = r.report, r.categories_created


def _import_sample(project: Project, data: DataSource, reporter: Reporter):
    """The family's built-in sample data (`FamilyInfo.sample_data`, "module:function" called as
    fn(project, num_images=, size=, seed=, reporter=) -> an import result), imported into `project`."""
    from core.dotted import load
    from core.errors import DataError
    from core.families import family_info

    info = family_info(project.task)
    if not info.sample_data:
        raise DataError(f"{info.title} projects have no built-in sample data; import your own data instead.")
    reporter.log(f"Generating and importing {data.sample_images} sample images...")
    return load(info.sample_data)(project, num_images=data.sample_images, size=data.sample_size, seed=data.seed,
                                  reporter=reporter)
