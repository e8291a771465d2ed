"""`studio bench [--out DIR] [--quick] [--task T ...]` — speed ratios measured side by side in one run."""
from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure back ends, pruning, the video pipeline and the trainer, as ratios")
    p.add_argument("--out", default="bench_out", help="folder for results.json and results.md")
    p.add_argument("--quick", action="store_true", help="fewer repeats and frames (a few minutes)")
    p.add_argument("--task", action="append", help="only this family (repeatable; default: every trainable one)")
    p.set_defaults(func=_bench)


def _bench(args: argparse.Namespace) -> int:
    from core.bench import run_bench

    report = run_bench(Path(args.out), quick=args.quick, tasks=args.task)
    print(f"Wrote {Path(args.out) / 'results.json'} and results.md ({report['seconds']:.0f} s on "
          f"{report['machine']['cpu']}).")
    return 0
