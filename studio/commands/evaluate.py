"""`studio evaluate DIR --run NAME [--artifact FILE] [--set KEY=VALUE]` — the family's metrics on a split."""
from __future__ import annotations

import argparse

from core.jobs.launch import run_job
from core.project import Project, runs
from studio.commands.progress import completed_event, event_printer
from studio.metric_text import metric_text, not_applicable


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="evaluate a run's model (or an exported artifact) on a split")
    p.add_argument("dir", help="project folder")
    p.add_argument("--run", required=True)
    what = p.add_mutually_exclusive_group()
    what.add_argument("--artifact", help="checkpoint, ONNX or engine (default: the run's trained model)")
    what.add_argument("--checkpoint", help="best (the run's best evaluation), last (default: the finished model, "
                                           "else the newest checkpoint) or a .pt file")
    p.add_argument("--split", default="val")
    p.add_argument("--backend", default="auto", choices=("auto", "pytorch", "onnxruntime", "tensorrt"))
    p.add_argument("--set", action="append", dest="overrides", metavar="KEY=VALUE",
                   help="change a setting of the model's spec for this evaluation, e.g. "
                        "evaluate.video_eval_mode=conv or evaluate.video_num_clips=5 (repeatable)")
    p.set_defaults(func=_evaluate)


def print_metrics(metrics: dict[str, float], delta: dict[str, float] | None = None) -> None:
    """One line a metric (see studio.metric_text: COCO's -1 reads n/a, and has no delta)."""
    width = max((len(n) for n in metrics), default=0)
    for name, value in metrics.items():
        d = (delta or {}).get(name)
        tail = f"   ({d:+.4f} vs trained model)" if d is not None and not not_applicable(value) else ""
        print(f"  {name:<{width}} {metric_text(value):>8}" + tail)


def _evaluate(args: argparse.Namespace) -> int:
    from core.specs.overrides import parse_overrides

    parse_overrides(args.overrides or [])          # a malformed KEY=VALUE is refused before a worker starts
    with Project.open(args.dir) as project:
        runs.get_run(project, args.run)
        root, task = project.root, project.task
    code, events = run_job("evaluate", root, event_printer(task, quiet=True), run=args.run, artifact=args.artifact,
                           checkpoint=args.checkpoint, split=args.split, backend=args.backend,
                           set=args.overrides or None)
    last = completed_event(events)
    if last is None:
        return code or 1
    print(f"{last['artifact']} on {last['backend']}, split {args.split!r}:")
    print_metrics(last["metrics"], last.get("delta"))
    return 0
