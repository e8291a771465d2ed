"""`studio demo --out DIR [--quick]` — the whole pipeline on the built-in sample data."""
from __future__ import annotations

import argparse

from core.demo import TASK, run_demo
from studio.commands.progress import event_printer


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="sample data -> train -> evaluate -> export -> annotated video, with a report")
    p.add_argument("--out", default="demo_out", help="output folder (replaced if it holds an earlier demo)")
    p.add_argument("--quick", action="store_true", help="a small run that proves the plumbing in a few minutes")
    p.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    report = run_demo(args.out, quick=args.quick, on_event=event_printer(TASK))
    m = report["metrics"]
    print(f"\nbbox AP {m['bbox_AP']:.3f}  segm AP {m['segm_AP']:.3f}  (total {report['timings']['total']:.0f} s)")
    print(f"Report: {args.out}/report.md   Annotated video: {report['artifacts']['video']}")
    return 0
