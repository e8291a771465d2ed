"""What the Train page needs from the project, without Qt: run choices, creating a run from a
spec (the same steps as `studio train`), the live state of a run's train job."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.errors import RunError, SpecError
from core.project import Project, runs
from core.project.run_summary import effective_status, latest_train_job
from core.specs import save_spec_file, spec_to_yaml


@dataclass(frozen=True)
class RunChoice:
    name: str
    status: str               # effective: created, running, interrupted, stopped, failed, done
    step: int | None
    total_steps: int | None

    @property
    def text(self) -> str:
        steps = f"{self.step or 0}/{self.total_steps}" if self.total_steps else ""
        return f"{self.name}   ·   {self.status}" + (f"   ·   {steps}" if steps else "")

    @property
    def resumable(self) -> bool:
        return self.status in ("created", "stopped", "interrupted", "failed")


def run_choices(project: Project) -> list[RunChoice]:
    return [RunChoice(r.name, effective_status(project, r), r.step, r.total_steps)
            for r in runs.list_runs(project) if r.kind == "train"]


def check_new_run_name(project: Project, name: str) -> str | None:
    """A sentence saying why `name` cannot name a new run, or None."""
    try:
        runs.check_run_name(name)
    except RunError as exc:
        return str(exc)
    if runs.find_run(project, name) is not None:
        return f"A run named {name!r} already exists; choose another name."
    return None


def split_size(project: Project, split: str) -> int:
    row = project.conn.execute("SELECT COUNT(*) FROM splits WHERE split = ?", (split,)).fetchone()
    return int(row[0]) if row else 0


def create_run_from_spec(project: Project, name: str, spec: Any, parent_run: str | None = None) -> str:
    """Create the run row and runs/NAME/spec.yaml (what `studio train --spec` does). Checks first,
    so a refusal leaves nothing behind."""
    problem = check_new_run_name(project, name)
    if problem:
        raise RunError(problem)
    if getattr(spec, "task", project.task) != project.task:
        raise SpecError(f"The spec is for {spec.task} but the project is {project.task}.")
    data = getattr(spec, "data", None)
    for split in (getattr(data, "train_split", None),):
        if split and split_size(project, split) == 0:
            raise RunError(f"The {split!r} split has no images: import data and split it on the Data page "
                           "first (or pick another data.train_split).")
    train = getattr(spec, "train", None)
    runs.create_run(project, name, project.task, spec_to_yaml(spec), parent_run=parent_run,
                    total_steps=getattr(train, "total_steps", None))
    save_spec_file(spec, project.run_dir(name) / "spec.yaml")
    return name


def foreign_live_job(project: Project, name: str, own_pids: set[int]) -> runs.JobRecord | None:
    """The train job of a run still alive in a process this GUI did not start (CLI, another GUI)."""
    run = runs.find_run(project, name)
    if run is None:
        return None
    job = latest_train_job(project, run)
    if job is None or job.pid in own_pids or not runs.job_is_alive(job):
        return None
    return job
