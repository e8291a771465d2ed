"""`python -m workers evaluate --project P --run R [--artifact FILE] [--split val] [--backend auto]`."""
from __future__ import annotations

import argparse

from core.project import Project


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", required=True)
    p.add_argument("--artifact", help="checkpoint, ONNX or engine to evaluate (default: the run's trained model)")
    p.add_argument("--split", default="val")
    p.add_argument("--backend", default="auto")


def events_path(project: Project, args):
    from workers.job import job_events_path

    return job_events_path(project, args, "evaluate")


def run(project: Project, args, reporter) -> dict:
    from core.evaluation.artifact import evaluate_artifact

    summary = evaluate_artifact(project, args.run, args.artifact, args.split, args.backend, reporter)
    reporter.metrics(summary["metrics"], phase="evaluate", artifact=summary["artifact"])
    return {"metrics": summary["metrics"], "delta": summary["delta"], "artifact": summary["artifact"],
            "backend": summary["backend"]}
