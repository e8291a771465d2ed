"""What a run table shows about a run: its effective status, facts from its spec, best metrics,
training time. Shared by `studio runs` and the GUI's Runs page (Qt-free, no torch)."""
from __future__ import annotations

import datetime as _dt
from typing import Any

import yaml

from core.jobs.state import run_status
from core.project import Project, runs


def effective_status(project: Project, run: runs.RunRecord) -> str:
    """'interrupted' for a run marked running whose process is gone (killed, crashed machine);
    the rule is `core.jobs.state.run_status`."""
    job = latest_train_job(project, run) if run.status == "running" else None
    return run_status(run.status, (job.status, job.pid) if job is not None else None)


def latest_train_job(project: Project, run: runs.RunRecord) -> runs.JobRecord | None:
    jobs = [j for j in runs.list_jobs(project, run.id) if j.verb == "train"]
    return jobs[-1] if jobs else None


def best_point(project: Project, run: runs.RunRecord) -> dict[str, Any] | None:
    """Where the run was best: {"step", "metric", "value", "path"} of its best checkpoint, or None."""
    for a in reversed(runs.artifacts(project, run.id, kind="checkpoint")):
        if a.meta.get("role") == "best" and isinstance(a.meta.get("metric"), dict):
            m = a.meta["metric"]
            return {"step": m.get("step"), "metric": m.get("metric"), "value": m.get("value"), "path": a.path}
    return None


def run_summary(project: Project, run: runs.RunRecord) -> dict:
    metrics = runs.latest_metrics(project, run.id)
    return {"name": run.name, "task": run.task, "status": effective_status(project, run), "step": run.step,
            "total_steps": run.total_steps, "parent_run": run.parent_run, "created_at": run.created_at,
            "started_at": run.started_at, "ended_at": run.ended_at, "message": run.message, "metrics": metrics,
            "best_point": best_point(project, run)}


def best_metrics(project: Project, run_id: int) -> dict[str, float]:
    """The best (highest) value of each metric of a run's own evaluations (AP-like metrics)."""
    rows = project.conn.execute(
        "SELECT name, MAX(value) FROM metrics WHERE run_id = ? AND artifact_id IS NULL GROUP BY name "
        "ORDER BY MIN(id)", (run_id,)).fetchall()
    return {name: value for name, value in rows}


def spec_facts(spec_yaml: str) -> dict[str, Any]:
    """A few facts from a run's spec text without building the spec (any family)."""
    try:
        data = yaml.safe_load(spec_yaml or "") or {}
    except yaml.YAMLError:
        return {}
    if not isinstance(data, dict):
        return {}
    model = data.get("model") if isinstance(data.get("model"), dict) else {}
    train = data.get("train") if isinstance(data.get("train"), dict) else {}
    dataset = data.get("data") if isinstance(data.get("data"), dict) else {}
    facts = {"backbone": model.get("backbone"), "pretrained": model.get("pretrained"),
             "batch_size": train.get("batch_size"), "init_learning_rate": train.get("init_learning_rate"),
             "image_size": dataset.get("image_size")}
    return {k: v for k, v in facts.items() if v is not None}


def _parse(ts: str | None) -> _dt.datetime | None:
    if not ts:
        return None
    try:
        return _dt.datetime.fromisoformat(ts)
    except ValueError:
        return None


def train_seconds(project: Project, run: runs.RunRecord, now: _dt.datetime | None = None) -> float | None:
    """Time spent training, summed over the run's train jobs (a live one counts up to now).

    A job killed without a word has no end time and counts nothing. None when it never ran."""
    now = now or _dt.datetime.now(_dt.timezone.utc)
    total, counted = 0.0, False
    for job in runs.list_jobs(project, run.id):
        if job.verb != "train":
            continue
        start = _parse(job.started_at)
        end = _parse(job.ended_at) or (now if runs.job_is_alive(job) else None)
        if start is not None and end is not None:
            total += max(0.0, (end - start).total_seconds())
            counted = True
    return total if counted else None


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 60}m {s % 60:02d}s" if s >= 60 else f"{s}s"


def run_row(project: Project, run: runs.RunRecord) -> dict[str, Any]:
    """Everything one line of a run table shows."""
    facts = spec_facts(run.spec)
    return {**run_summary(project, run), "backbone": facts.get("backbone", ""), "facts": facts,
            "best": best_metrics(project, run.id), "seconds": train_seconds(project, run)}
