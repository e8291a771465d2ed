"""`python -m workers evaluate --project P --run R [--artifact FILE] [--split val] [--backend auto]`;
with `--sizes 224x320,288x384`, the run's checkpoint at each input size (`core.evaluation.sizes`)."""
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
    p.add_argument("--sizes", help="HEIGHTxWIDTH,...: evaluate the checkpoint at each input size, with its latency")


def events_path(project: Project, args):
    from workers.job import job_events_path

    return job_events_path(project, args, "evaluate")


def run(project: Project, args, reporter) -> dict:
    from core.evaluation.artifact import choose_checkpoint, evaluate_artifact

    if getattr(args, "sizes", None):
        return _sizes(project, args, reporter)
    from core.specs.overrides import parse_overrides

    artifact = args.artifact or (choose_checkpoint(project, args.run, args.checkpoint) if args.checkpoint else None)
    summary = evaluate_artifact(project, args.run, artifact, args.split, args.backend, reporter,
                                overrides=parse_overrides(args.overrides or []))
    reporter.metrics(summary["metrics"], phase="evaluate", artifact=summary["artifact"])
    return {"metrics": summary["metrics"], "delta": summary["delta"], "artifact": summary["artifact"],
            "backend": summary["backend"]}


def _sizes(project: Project, args, reporter) -> dict:
    from core.errors import StudioError
    from core.evaluation.artifact import choose_checkpoint
    from core.evaluation.sizes import evaluate_sizes, parse_sizes, sizes_path

    if args.artifact:
        raise StudioError("--sizes evaluates a checkpoint at other input sizes; an exported --artifact has one fixed "
                          "size. Use --checkpoint best|last|FILE instead.")
    sizes = parse_sizes(args.sizes)
    summary = evaluate_sizes(project, args.run, sizes, choose_checkpoint(project, args.run, args.checkpoint),
                             args.split, reporter)
    return {"sizes": summary["sizes"], "headline": summary["headline"], "path": str(sizes_path(project, args.run)),
            "checkpoint": summary["checkpoint"], "backend": summary["backend"], "latency": summary["latency"]}
