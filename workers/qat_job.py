"""`python -m workers qat --project P --run R [--checkpoint best|last|FILE] [--steps N] [--out-run NAME]`:
make the quantization-aware-training run of a trained run (its model, weights and transforms, with
`train.enable_qat` and a short schedule). Training it is a `train` job of the new run, which the
Optimize page starts as soon as this one ends (`studio qat` does the same in one command)."""
from __future__ import annotations

import argparse

from core.project import Project


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", required=True)
    p.add_argument("--checkpoint", default="last", help="best, last (default) or a .pt file of the run")
    p.add_argument("--steps", type=int, help="length of the QAT run (default: a tenth of the run's, at least 20)")
    p.add_argument("--out-run", help="the new run (default: R-qat)")


def events_path(project: Project, args):
    from workers.job import job_events_path

    return job_events_path(project, args, "qat")


def run(project: Project, args, reporter) -> dict:
    from core.evaluation.artifact import choose_checkpoint
    from core.setup.qat_run import qat_into_run

    source = choose_checkpoint(project, args.run, args.checkpoint)
    reporter.progress(0, 1, phase="qat", force=True)
    reporter.log(f"Making the quantization-aware training run of {args.run} from {source.name}...")
    made = qat_into_run(project, args.run, source, args.steps, args.out_run)
    reporter.artifact("qat-run", str(made["start"]), run=made["run"])
    reporter.log(f"Run {made['run']} is ready ({made['steps']} steps with fake INT8 quantization); train it to "
                 "calibrate and fine-tune the quantizers.")
    reporter.progress(1, 1, phase="qat", force=True)
    return {"run": made["run"], "start": str(made["start"]), "steps": made["steps"]}
