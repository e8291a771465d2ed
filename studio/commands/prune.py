"""`studio prune DIR --run R [--pth 0.1] [--equalization union|intersection|arithmetic]
[--granularity 8] [--min-filters 16] [--exclude LAYERS] [--checkpoint best|last|FILE] [--out-run NAME]`
— structured channel pruning into a new run that retrains the pruned model."""
from __future__ import annotations

import argparse

from core.jobs.launch import run_job
from core.optimize.prune import EQUALIZATIONS
from core.project import Project, runs
from studio.commands.evaluate import print_metrics
from studio.commands.progress import completed_event, event_printer


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prune", help="prune a trained run's channels into a new run that retrains it")
    p.add_argument("dir", help="project folder")
    p.add_argument("--run", required=True)
    p.add_argument("--checkpoint", default="last", help="best, last (default) or a .pt file")
    p.add_argument("--pth", type=float, default=0.1, help="normalized L1 threshold: weaker channels go (default 0.1)")
    p.add_argument("--equalization", default="union", choices=EQUALIZATIONS,
                   help="how coupled channels (residual adds, FPN inputs) are decided together")
    p.add_argument("--granularity", type=int, default=8, help="channels kept per layer: a multiple of this")
    p.add_argument("--min-filters", type=int, default=16, help="channels a layer keeps at least")
    p.add_argument("--exclude", default="", help="comma-separated layer names never pruned")
    p.add_argument("--out-run", help="name of the new run (default: RUN-pruned)")
    p.add_argument("--no-eval", action="store_true", help="skip evaluating the pruned model before retraining")
    p.set_defaults(func=_prune)


def _prune(args: argparse.Namespace) -> int:
    with Project.open(args.dir) as project:
        runs.get_run(project, args.run)
        root, task = project.root, project.task
    code, events = run_job("prune", root, event_printer(task), run=args.run, checkpoint=args.checkpoint,
                           pth=args.pth, equalization=args.equalization, granularity=args.granularity,
                           min_filters=args.min_filters, exclude=args.exclude or None, out_run=args.out_run,
                           no_eval=args.no_eval)
    last = completed_event(events)
    if last is None:
        return code or 1
    p = last["prune"]
    print(f"New run {last['run']}: parameters {p['params_before']:,} -> {p['params_after']:,}")
    if last.get("metrics"):
        print("The pruned model before retraining:")
        print_metrics(last["metrics"], last.get("delta"))
    return 0
