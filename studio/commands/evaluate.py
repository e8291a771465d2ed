"""`studio evaluate DIR --run NAME [--artifact FILE]` — COCO metrics on the validation split."""
from __future__ import annotations

import argparse

from core.jobs.launch import run_job
from core.project import Project, runs
from studio.commands.progress import completed_event, event_printer


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="evaluate a run's model (or an exported artifact) on a split")
    p.add_argument("dir", help="project folder")
    p.add_argument("--run", required=True)
    p.add_argument("--artifact", help="checkpoint, ONNX or engine (default: the run's trained model)")
    p.add_argument("--split", default="val")
    p.add_argument("--backend", default="auto", choices=("auto", "pytorch", "onnxruntime", "tensorrt"))
    p.set_defaults(func=_evaluate)


def print_metrics(metrics: dict[str, float], delta: dict[str, float] | None = None) -> None:
    """One line a metric; COCO's -1 (no object of that size in the split) reads n/a."""
    width = max((len(n) for n in metrics), default=0)
    for name, value in metrics.items():
        d = (delta or {}).get(name)
        shown = "     n/a" if value == -1 else f"{value:8.4f}"
        print(f"  {name:<{width}} {shown}" + (f"   ({d:+.4f} vs trained model)" if d is not None and value != -1
                                              else ""))


def _evaluate(args: argparse.Namespace) -> int:
    with Project.open(args.dir) as project:
        runs.get_run(project, args.run)
        root, task = project.root, project.task
    code, events = run_job("evaluate", root, event_printer(task, quiet=True), run=args.run, artifact=args.artifact,
                           split=args.split, backend=args.backend)
    last = completed_event(events)
    if last is None:
        return code or 1
    print(f"{last['artifact']} on {last['backend']}, split {args.split!r}:")
    print_metrics(last["metrics"], last.get("delta"))
    return 0
