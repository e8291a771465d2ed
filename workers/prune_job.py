"""`python -m workers prune --project P --run R [--checkpoint best|last|FILE] [--pth 0.1]
[--equalization union] [--granularity 8] [--min-filters 16] [--exclude L1,L2] [--out-run NAME]`:
prune a trained run into a new run that retrains it, and evaluate the pruned model on the way
(the accuracy guardrail: its metric delta against the trained model)."""
from __future__ import annotations

import argparse

from core.project import Project


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", required=True)
    p.add_argument("--checkpoint", default="last", help="best, last (default) or a .pt file of the run")
    p.add_argument("--pth", type=float, default=0.1)
    p.add_argument("--equalization", default="union")
    p.add_argument("--granularity", type=int, default=8)
    p.add_argument("--min-filters", type=int, default=16)
    p.add_argument("--exclude", default="", help="comma-separated layer names (prefixes) never pruned")
    p.add_argument("--out-run", help="the new run (default: R-pruned)")
    p.add_argument("--no-eval", action="store_true")
    p.add_argument("--sweep", help="comma-separated thresholds: a sensitivity sweep instead of one pruning")
    p.add_argument("--sweep-steps", type=int, default=20, help="fine-tune steps per sweep point")


def events_path(project: Project, args):
    from workers.job import job_events_path

    return job_events_path(project, args, "prune")


def run(project: Project, args, reporter) -> dict:
    from core.evaluation.artifact import choose_checkpoint, evaluate_artifact
    from core.optimize.prune import PruneSettings
    from core.setup.pruned_run import prune_into_run

    settings = PruneSettings(args.pth, args.equalization, args.granularity, args.min_filters,
                             tuple(e.strip() for e in args.exclude.split(",") if e.strip()))
    settings.check()
    source = choose_checkpoint(project, args.run, args.checkpoint)
    if args.sweep:
        from core.optimize.prune import parse_thresholds
        from core.setup.prune_sweep import prune_sweep

        return {"sweep": prune_sweep(project, args.run, source, parse_thresholds(args.sweep), settings,
                                     args.sweep_steps, reporter)}
    reporter.log(f"Pruning {source.name} of {args.run} (pth {settings.pth}, {settings.equalization})...")
    reporter.progress(0, 2, phase="prune", force=True)
    made = prune_into_run(project, args.run, source, settings, args.out_run)
    report = made["report"]
    reporter.log(report.sentence())
    from core.project import runs

    runs.add_artifact(project, runs.get_run(project, args.run).id, "checkpoint", made["start"], fmt="pytorch",
                      precision="fp32", meta={"role": "pruned", "run": made["run"], "source": str(source),
                                              "params_before": report.params_before,
                                              "params_after": report.params_after})
    reporter.artifact("pruned", str(made["start"]), run=made["run"], **report.to_dict())
    result = {"run": made["run"], "start": str(made["start"]), "prune": report.to_dict()}
    if not args.no_eval:
        reporter.progress(1, 2, phase="prune", force=True)
        reporter.log("Evaluating the pruned model before retraining (accuracy guardrail)...")
        summary = evaluate_artifact(project, args.run, made["start"], reporter=reporter)
        reporter.metrics(summary["metrics"], phase="evaluate", artifact=str(made["start"]))
        result.update(metrics=summary["metrics"], delta=summary["delta"])
    reporter.progress(2, 2, phase="prune", force=True)
    reporter.log(f"Retrain it with `studio train {project.root} --run {made['run']}` (or Resume it on the Train "
                 "page).")
    return result
