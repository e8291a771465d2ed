"""`studio demo [--task FAMILY] --out DIR [--quick] [--input-type 2d|3d]` — the whole pipeline on a
family's sample data."""
from __future__ import annotations

import argparse

from core.demo import DEFAULT_TASK, run_demo
from core.families import family_infos
from studio.commands.progress import event_printer
from studio.metric_text import metric_text


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="sample data -> train -> evaluate -> export -> annotated video, with a report")
    p.add_argument("--task", default=DEFAULT_TASK, choices=[i.name for i in family_infos() if i.demo],
                   help=f"the model family whose demo runs (default: {DEFAULT_TASK})")
    p.add_argument("--out", default="demo_out", help="output folder (replaced if it holds an earlier demo)")
    p.add_argument("--quick", action="store_true", help="a small run that proves the plumbing in a few minutes")
    p.add_argument("--input-type", choices=("2d", "3d"),
                   help="action_recognition: a 2D ResNet18 over stacked frames (default) or the 3D mc3_18")
    p.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    report = run_demo(args.out, quick=args.quick, on_event=event_printer(args.task), task=args.task,
                      variant=args.input_type)
    shown = "  ".join(f"{label} {metric_text(report['metrics']['all'].get(key), 3)}"
                      for key, label in report["report_metrics"][:2])
    print(f"\n{shown}  (total {report['timings']['total']:.0f} s)")
    print(f"Report: {args.out}/report.md   Annotated video: {report['artifacts']['video']}")
    return 0
