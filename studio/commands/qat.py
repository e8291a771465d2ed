"""`studio qat DIR --run R [--steps N] [--checkpoint best|last|FILE] [--out-run NAME]` — fine-tune a
trained run with fake INT8 quantization (TensorRT's scheme) in a new run, then export it as Q/DQ ONNX."""
from __future__ import annotations

import argparse
import shlex

from core.jobs.launch import run_job
from core.jobs.state import ended_status, final_event
from core.project import Project, runs
from studio.commands.progress import event_printer


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("qat", help="quantization-aware training of a trained run, in a new run")
    p.add_argument("dir", help="project folder")
    p.add_argument("--run", required=True, help="the trained (or pruned and retrained) run")
    p.add_argument("--checkpoint", default="last", help="best, last (default) or a .pt file")
    p.add_argument("--steps", type=int, help="length of the QAT run (default: a tenth of the run's, at least 20)")
    p.add_argument("--out-run", help="name of the new run (default: RUN-qat)")
    p.set_defaults(func=_qat)


def _qat(args: argparse.Namespace) -> int:
    from core.evaluation.artifact import choose_checkpoint
    from core.setup.qat_run import qat_into_run

    with Project.open(args.dir) as project:
        runs.get_run(project, args.run)
        made = qat_into_run(project, args.run, choose_checkpoint(project, args.run, args.checkpoint), args.steps,
                            args.out_run)
        root, task = project.root, project.task
    name = made["run"]
    resume = f"studio train {shlex.quote(str(args.dir))} --run {name}"
    print(f"Quantization-aware training of {args.run} in run {name} ({made['steps']} steps; Ctrl+C stops it, "
          f"`{resume}` resumes it)")
    code, events = run_job("train", root, event_printer(task), run=name,
                           again=f"run `{resume}` to resume from its last checkpoint")
    last = final_event(events)
    if ended_status(last) == "done":
        print(f"Run {name} done. Export its Q/DQ ONNX with: studio export {shlex.quote(str(args.dir))} --run {name}")
        return 0
    return code or 1
