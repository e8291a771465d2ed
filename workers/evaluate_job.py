"""`python -m workers evaluate --project P --run R [--artifact FILE] [--split val] [--backend auto]`."""
from __future__ import annotations

import argparse

from core.project import Project


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", required=True)
    p.add_argument("--artifact", help="checkpoint, ONNX or engine to evaluate (default: the run's trained model)")
    p.add_argument("--checkpoint", help="best, last (default) or a .pt file: the checkpoint to evaluate when no "
                                        "--artifact is given")
    p.add_argument("--split", default="val")
    p.add_argument("--backend", default="auto")
    p.add_argument("--set", action="append", dest="overrides", metavar="KEY=VALUE",
                   help="change a setting of the model's spec for this evaluation (evaluate.video_eval_mode=conv)")


def events_path(project: Project, args):
    from workers.job import job_events_path

    return job_events_path(project, args, "evaluate")


def run(project: Project, args, reporter) -> dict:
    from core.evaluation.artifact import choose_checkpoint, evaluate_artifact

    from core.specs.overrides import parse_overrides

    artifact = args.artifact or (choose_checkpoint(project, args.run, args.checkpoint) if args.checkpoint else None)
    summary = evaluate_artifact(project, args.run, artifact, args.split, args.backend, reporter,
                                overrides=parse_overrides(args.overrides or []))
    reporter.metrics(summary["metrics"], phase="evaluate", artifact=summary["artifact"])
    return {"metrics": summary["metrics"], "delta": summary["delta"], "artifact": summary["artifact"],
            "backend": summary["backend"]}
