"""`python -m workers export --project P --run R [--format onnx] [--out FILE] [--no-eval]`.

Exports the run's trained model, registers the artifact, then evaluates it on the validation
split (the accuracy guardrail) unless --no-eval."""
from __future__ import annotations

import argparse
from pathlib import Path

from core.project import Project


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", required=True)
    p.add_argument("--format", default="onnx", choices=("onnx",))
    p.add_argument("--checkpoint", help="best, last (default: the run's trained model) or a .pt file")
    p.add_argument("--out", help="output file (default: runs/R/exports/model.onnx, or best.onnx for the best "
                                 "checkpoint)")
    p.add_argument("--opset", type=int)
    p.add_argument("--no-eval", action="store_true", help="skip evaluating the export on the validation split")


def events_path(project: Project, args):
    from workers.job import job_events_path

    return job_events_path(project, args, "export")


def run(project: Project, args, reporter) -> dict:
    from core.evaluation.artifact import choose_checkpoint, evaluate_artifact
    from core.project import runs
    from core.runtime.convert import checkpoint_to_onnx

    run = runs.get_run(project, args.run)
    source = choose_checkpoint(project, args.run, args.checkpoint or "last")
    from core.models.checkpoint_files import BEST_FILE

    stem = "best" if source.name == BEST_FILE else "model"
    out = Path(args.out) if args.out else project.run_dir(args.run) / "exports" / f"{stem}.onnx"
    reporter.log(f"Exporting {source.name} to ONNX...")
    reporter.progress(0, 2 if not args.no_eval else 1, phase="export", force=True)
    artifact = checkpoint_to_onnx(source, out, opset=args.opset)
    artifact_id = runs.add_artifact(project, run.id, "onnx", out, fmt="onnx",
                                    precision=artifact.meta.get("precision", "fp32"),
                                    meta={"opset": artifact.meta.get("opset"), "source": str(source)})
    reporter.artifact("onnx", str(out), artifact_id=artifact_id)
    result = {"artifact": str(out)}
    if not args.no_eval:
        reporter.progress(1, 2, phase="export", force=True)
        reporter.log("Evaluating the export on the validation split (accuracy guardrail)...")
        spec_split = getattr(getattr(artifact.spec(), "data", None), "val_split", "val")
        summary = evaluate_artifact(project, args.run, out, spec_split, "auto", reporter)
        reporter.metrics(summary["metrics"], phase="evaluate", artifact=str(out))
        result.update(metrics=summary["metrics"], delta=summary["delta"])
    reporter.progress(1, 1, phase="export", force=True)
    return result
