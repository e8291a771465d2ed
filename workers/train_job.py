"""`python -m workers train --project P --run R`: train (or resume) a run."""
from __future__ import annotations

import argparse

from core.project import Project, runs, utcnow


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", required=True)


def lock_path(project: Project, args):
    return project.run_dir(args.run) / ".train.lock"


def events_path(project: Project, args):
    return project.run_dir(args.run) / "events.jsonl"


def run(project: Project, args, reporter) -> dict:
    from core.training.trainer import train_run

    run = runs.get_run(project, args.run)
    # started_at is when the run first trained: a resume keeps it (train_seconds sums the jobs)
    runs.update_run(project, args.run, status="running", started_at=run.started_at or utcnow(), ended_at=None,
                    message=None)
    result = train_run(project, args.run, reporter)
    runs.update_run(project, args.run, status=result.status, ended_at=utcnow(), step=result.step)
    return {"status": result.status, "step": result.step,
            "checkpoint": str(result.checkpoint) if result.checkpoint else None, "metrics": result.metrics}


def on_failure(project: Project, args, message: str) -> None:
    runs.update_run(project, args.run, status="failed", ended_at=utcnow(), message=message)
