"""`studio runs list|show`."""
from __future__ import annotations

import argparse
import json

from core.jobs.events import read_events
from core.project import Project, runs
from core.project.run_summary import effective_status, run_summary  # noqa: F401 - also used by importers
from studio.metric_text import metric_text


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("runs", help="list runs or show one")
    psub = p.add_subparsers(dest="action", metavar="ACTION")
    psub.required = True
    ls = psub.add_parser("list", help="the runs of a project")
    ls.add_argument("dir")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)
    show = psub.add_parser("show", help="one run: spec facts, status, metrics, artifacts, loss curve summary")
    show.add_argument("dir")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_show)


def _list(args: argparse.Namespace) -> int:
    from studio.family_lookup import shown_metrics

    with Project.open(args.dir) as project:
        rows = [run_summary(project, r) for r in runs.list_runs(project)]
        names = shown_metrics(project.task)     # the family's metrics, headline first
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("No runs yet. Start one with: studio train DIR")
        return 0
    widths = [max(len(m), 6) for m in names]
    print(f"{'run':<16} {'status':<12} {'step':>12}  " + " ".join(f"{m:>{w}}" for m, w in zip(names, widths))
          + "  ended")
    for r in rows:
        values = " ".join(f"{metric_text(r['metrics'].get(m), 3):>{w}}" for m, w in zip(names, widths))
        print(f"{r['name']:<16} {r['status']:<12} {str(r['step']) + '/' + str(r['total_steps']):>12}  {values}  "
              f"{r['ended_at'] or ''}")
    return 0


def _show(args: argparse.Namespace) -> int:
    with Project.open(args.dir) as project:
        run = runs.get_run(project, args.name)
        summary = run_summary(project, run)
        summary["artifacts"] = [{"kind": a.kind, "path": a.path, "format": a.format, "precision": a.precision,
                                 "size_bytes": a.size_bytes} for a in runs.artifacts(project, run.id)]
        events = read_events(project.run_dir(run.name) / "events.jsonl")
    losses = [e for e in events if e.get("event") == "metric" and e.get("phase") == "train"]
    summary["curve"] = {"points": len(losses),
                        "first_loss": losses[0]["values"].get("loss") if losses else None,
                        "last_loss": losses[-1]["values"].get("loss") if losses else None}
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    for key in ("name", "task", "status", "step", "total_steps", "parent_run", "started_at", "ended_at", "message"):
        if summary.get(key) is not None:
            print(f"{key}: {summary[key]}")
    best = summary.get("best_point")
    if best:
        print(f"best: step {best['step']} ({best['metric']} {metric_text(best['value'])}), {best['path']}")
    c = summary["curve"]
    if c["points"]:
        print(f"loss: {c['first_loss']:.4f} -> {c['last_loss']:.4f} over {c['points']} logged steps")
    if summary["metrics"]:
        print("metrics: " + "  ".join(f"{k} {metric_text(v)}" for k, v in summary["metrics"].items()))
    for a in summary["artifacts"]:
        print(f"artifact: {a['kind']} {a['path']} ({a['format']}, {a['precision']}, {a['size_bytes']} bytes)")
    return 0
