"""What the Train page needs from the project, without Qt: run choices and the live state of a
run's train job (runs are created by `core.setup.new_run`, as `studio train` creates them)."""
from __future__ import annotations

from dataclasses import dataclass

from core.project import Project, runs
from core.project.run_summary import effective_status, latest_train_job


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


def foreign_live_job(project: Project, name: str, own_pids: set[int]) -> runs.JobRecord | None:
    """The train job of a run still alive in a process this GUI did not start (CLI, another GUI)."""
    run = runs.find_run(project, name)
    if run is None:
        return None
    job = latest_train_job(project, run)
    if job is None or job.pid in own_pids or not runs.job_is_alive(job):
        return None
    return job
