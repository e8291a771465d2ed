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
        summary["guardrail"] = _guardrail_rows(project, run)
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
    _print_guardrail(summary["guardrail"])
    return 0


def _guardrail_rows(project, run) -> list[dict]:
    """Each model artifact with its headline metric, the delta against the trained model and the
    latency its export measured — the accuracy guardrail, as the Optimize page shows it."""
    from core.evaluation.guardrail import artifact_summaries
    from core.families import family_info

    try:
        headline = family_info(run.task).headline_metric
    except KeyError:
        headline = None
    rows = []
    for s in artifact_summaries(project, run.name):
        rows.append({"path": s.record.path, "kind": s.record.kind, "precision": s.record.precision,
                     "role": "trained" if s.is_reference else s.record.meta.get("role") or s.record.kind,
                     "metric": headline, "value": s.metrics.get(headline) if headline else None,
                     "delta": s.delta.get(headline) if headline else None, "metrics": s.metrics, "deltas": s.delta,
                     "latency_ms": s.latency_ms, "machine": s.machine,
                     "card": str(s.card) if s.card else None,
                     "deploy_dir": str(s.deploy_dir) if s.deploy_dir else None})
    return rows


def _print_guardrail(rows: list[dict]) -> None:
    if not rows:
        return
    metric = rows[0]["metric"] or "metric"
    print(f"\n{'model':<44} {'precision':<9} {metric:>9} {'delta':>11} {'ms/sample':>10}")
    for r in rows:
        value = metric_text(r["value"], 3) if r["value"] is not None else "not evaluated"
        delta = "(reference)" if r["role"] == "trained" else (
            f"{100 * r['delta']:+.1f} pt" if r["delta"] is not None else "")
        latency = f"{r['latency_ms']:.1f}" if r["latency_ms"] is not None else "-"
        print(f"{r['path'][-44:]:<44} {r['precision'] or '':<9} {value:>9} {delta:>11} {latency:>10}")
    machines = {r["machine"] for r in rows if r["machine"]}
    if machines:
        print("latency: p50 at batch 1, measured by each export on " + "; ".join(sorted(machines)))
