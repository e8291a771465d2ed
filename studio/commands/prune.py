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
    p.add_argument("--sweep", metavar="PTH,PTH,...",
                   help="sensitivity sweep instead: prune at each threshold, fine-tune briefly, evaluate, and write "
                        "prune_sweep.json and .png in the run's folder")
    p.add_argument("--sweep-steps", type=int, default=20, help="fine-tune steps per sweep point (default 20)")
    p.set_defaults(func=_prune)


def _prune(args: argparse.Namespace) -> int:
    from core.optimize.prune import PruneSettings

    PruneSettings(args.pth, args.equalization, args.granularity, args.min_filters).check()   # a sentence, before a job
    if args.sweep:
        from core.optimize.prune import parse_thresholds

        parse_thresholds(args.sweep)
    with Project.open(args.dir) as project:
        runs.get_run(project, args.run)
        root, task = project.root, project.task
    code, events = run_job("prune", root, event_printer(task), run=args.run, checkpoint=args.checkpoint,
                           pth=args.pth, equalization=args.equalization, granularity=args.granularity,
                           min_filters=args.min_filters, exclude=args.exclude or None, out_run=args.out_run,
                           no_eval=args.no_eval, sweep=args.sweep, sweep_steps=args.sweep_steps if args.sweep else None)
    last = completed_event(events)
    if last is None:
        return code or 1
    if "sweep" in last:
        return _print_sweep(last["sweep"])
    p = last["prune"]
    speed = (f"; eager latency {p['latency_ms_before']:.1f} -> {p['latency_ms_after']:.1f} ms at batch 1"
             if p.get("latency_ms_before") and p.get("latency_ms_after") else "")
    print(f"New run {last['run']}: parameters {p['params_before']:,} -> {p['params_after']:,}{speed}")
    changed = [g for g in p.get("groups", []) if g["kept"] < g["channels"]]
    for g in changed[:20]:
        print(f"  {g['layer']}: {g['channels']} -> {g['kept']} channels")
    if len(changed) > 20:
        print(f"  ... and {len(changed) - 20} more layers (all in the prune job's events)")
    if last.get("metrics"):
        print("The pruned model before retraining:")
        print_metrics(last["metrics"], last.get("delta"))
    return 0


def _print_sweep(sweep: dict) -> int:
    metric = sweep["metric"]
    ref = sweep.get("reference")
    print(f"Sensitivity of {sweep['run']} ({metric} of the trained model: "
          f"{'n/a' if ref is None else f'{ref:.3f}'}; {sweep['fine_tune_steps']} fine-tune steps per point):")
    print(f"{'pth':>7} {'params kept':>12} {metric:>12} {'ms/sample':>10}")
    for p in sweep["points"]:
        value = "n/a" if p["metric"] is None else f"{p['metric']:.3f}"
        latency = "-" if p.get("latency_ms") is None else f"{p['latency_ms']:.1f}"
        print(f"{p['pth']:>7g} {100 * p['params_ratio']:>11.1f}% {value:>12} {latency:>10}")
    print("Plot and numbers: " + ", ".join(sweep["files"]))
    return 0
