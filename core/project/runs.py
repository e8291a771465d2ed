"""Runs, jobs, metrics and artifacts rows. Workers write their own; the GUI and CLI read.

A run is one experiment folder (`runs/<name>/`); a job is one worker process acting on a run
(train, evaluate, export, infer). A job whose process died without saying so (kill -9, power
loss) still reads "running" in the table; `job_is_alive` and `job_status` tell the truth from its
pid (by the rule of `core.jobs.state`).
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import RunError
from core.fsutil import sha256_file
from core.jobs.state import job_alive, recorded_status
from core.project.store import Project, utcnow

RUN_STATUSES = ("created", "running", "stopped", "failed", "done")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class RunRecord:
    id: int
    name: str
    task: str
    kind: str
    status: str
    spec: str
    parent_run: str | None
    created_at: str
    started_at: str | None
    ended_at: str | None
    message: str | None
    step: int | None
    total_steps: int | None


_RUN_COLUMNS = ("id, name, task, kind, status, spec, parent_run, created_at, started_at, ended_at, message, "
                "step, total_steps")


def check_run_name(name: str) -> str:
    if not _NAME_RE.match(name or ""):
        raise RunError(f"{name!r} is not a usable run name: use letters, digits, '.', '_' or '-' "
                       "(at most 64, starting with a letter or digit).")
    return name


def create_run(project: Project, name: str, task: str, spec_yaml: str, kind: str = "train",
               parent_run: str | None = None, total_steps: int | None = None) -> RunRecord:
    check_run_name(name)
    with project.transaction() as db:
        if project.conn.execute("SELECT 1 FROM runs WHERE name = ?", (name,)).fetchone():
            raise RunError(f"A run named {name!r} already exists in this project.")
        db["runs"].insert({"name": name, "task": task, "kind": kind, "status": "created", "spec": spec_yaml,
                           "parent_run": parent_run, "created_at": utcnow(), "step": 0,
                           "total_steps": total_steps})
    project.run_dir(name).mkdir(parents=True, exist_ok=True)
    return get_run(project, name)


def find_run(project: Project, name: str) -> RunRecord | None:
    row = project.conn.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE name = ?", (name,)).fetchone()
    return RunRecord(*row) if row else None


def get_run(project: Project, name: str) -> RunRecord:
    run = find_run(project, name)
    if run is None:
        known = [r.name for r in list_runs(project)]
        hint = f" Known runs: {', '.join(known)}." if known else " This project has no runs yet."
        raise RunError(f"There is no run named {name!r}.{hint}")
    return run


def list_runs(project: Project) -> list[RunRecord]:
    rows = project.conn.execute(f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY id").fetchall()
    return [RunRecord(*r) for r in rows]


def update_run(project: Project, name: str, **fields: Any) -> None:
    if "status" in fields and fields["status"] not in RUN_STATUSES:
        raise ValueError(f"unknown run status {fields['status']!r}")
    with project.transaction() as db:
        db["runs"].update(get_run(project, name).id, fields)


def delete_run(project: Project, name: str) -> None:
    """Remove a run's rows (metrics, artifacts, jobs); the caller removes its folder."""
    run = get_run(project, name)
    with project.transaction():
        for table in ("metrics", "artifacts", "jobs"):
            project.conn.execute(f"DELETE FROM {table} WHERE run_id = ?", (run.id,))
        project.conn.execute("DELETE FROM runs WHERE id = ?", (run.id,))


def next_run_name(project: Project, prefix: str = "run") -> str:
    taken = {r.name for r in list_runs(project)}
    i = 1
    while f"{prefix}-{i:03d}" in taken:
        i += 1
    return f"{prefix}-{i:03d}"


# --- metrics -----------------------------------------------------------------------------
def record_metrics(project: Project, run_id: int, values: dict[str, float], step: int | None = None,
                   split: str | None = None, artifact_id: int | None = None) -> None:
    now = utcnow()
    with project.transaction() as db:
        db["metrics"].insert_all(
            {"run_id": run_id, "artifact_id": artifact_id, "name": k, "value": float(v), "step": step,
             "split": split, "created_at": now} for k, v in values.items())


def latest_metrics(project: Project, run_id: int, artifact_id: int | None = None) -> dict[str, float]:
    """The newest value of each metric of a run (for one artifact, or the run's own evaluations)."""
    cond = "artifact_id = ?" if artifact_id is not None else "artifact_id IS NULL"
    args: tuple = (run_id, artifact_id) if artifact_id is not None else (run_id,)
    rows = project.conn.execute(
        f"SELECT name, value FROM metrics WHERE run_id = ? AND {cond} ORDER BY id", args).fetchall()
    return {name: value for name, value in rows}


def metrics_at(project: Project, run_id: int, step: int) -> dict[str, float]:
    """The run's own evaluation at `step` (empty when it did not evaluate there)."""
    rows = project.conn.execute(
        "SELECT name, value FROM metrics WHERE run_id = ? AND artifact_id IS NULL AND step = ? ORDER BY id",
        (run_id, step)).fetchall()
    return {name: value for name, value in rows}


# --- artifacts ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ArtifactRecord:
    id: int
    run_id: int
    kind: str
    path: str
    format: str | None
    precision: str | None
    size_bytes: int | None
    sha256: str | None
    device: str | None
    meta: dict
    created_at: str


def add_artifact(project: Project, run_id: int, kind: str, path: str | Path, fmt: str | None = None,
                 precision: str | None = None, device: str | None = None, meta: dict | None = None) -> int:
    p = Path(path)
    stored = project.relative(p)
    with project.transaction() as db:
        # One row per file: re-exporting to the same path replaces the old row, and the old file's
        # metrics go with it (they describe a file that no longer exists).
        project.conn.execute("DELETE FROM metrics WHERE artifact_id IN (SELECT id FROM artifacts WHERE run_id = ? "
                             "AND path = ?)", (run_id, stored))
        project.conn.execute("DELETE FROM artifacts WHERE run_id = ? AND path = ?", (run_id, stored))
        table = db["artifacts"]
        table.insert({"run_id": run_id, "kind": kind, "path": stored, "format": fmt, "precision": precision,
                      "size_bytes": p.stat().st_size if p.is_file() else None,
                      "sha256": sha256_file(p) if p.is_file() else None, "device": device,
                      "meta": json.dumps(meta or {}), "created_at": utcnow()})
        return table.last_pk


def artifacts(project: Project, run_id: int | None = None, kind: str | None = None) -> list[ArtifactRecord]:
    sql = ("SELECT id, run_id, kind, path, format, precision, size_bytes, sha256, device, meta, created_at "
           "FROM artifacts WHERE 1=1")
    args: list = []
    if run_id is not None:
        sql += " AND run_id = ?"
        args.append(run_id)
    if kind is not None:
        sql += " AND kind = ?"
        args.append(kind)
    rows = project.conn.execute(sql + " ORDER BY id", args).fetchall()
    return [ArtifactRecord(*r[:9], json.loads(r[9] or "{}"), r[10]) for r in rows]


# --- jobs --------------------------------------------------------------------------------
@dataclass(frozen=True)
class JobRecord:
    id: int
    run_id: int | None
    verb: str
    status: str
    pid: int | None
    args: str | None
    events_path: str | None
    log_path: str | None
    progress: float | None
    message: str | None
    started_at: str | None
    ended_at: str | None


def start_job(project: Project, run_id: int | None, verb: str, args: list[str] | None = None,
              events_path: str | None = None, log_path: str | None = None) -> int:
    with project.transaction() as db:
        table = db["jobs"]
        table.insert({"run_id": run_id, "verb": verb, "status": "running", "pid": os.getpid(),
                      "args": json.dumps(args or []), "events_path": events_path, "log_path": log_path,
                      "progress": 0.0, "started_at": utcnow()})
        return table.last_pk


def update_job(project: Project, job_id: int, **fields: Any) -> None:
    with project.transaction() as db:
        db["jobs"].update(job_id, fields)


def finish_job(project: Project, job_id: int, status: str, message: str | None = None) -> None:
    update_job(project, job_id, status=status, message=message, ended_at=utcnow())


def list_jobs(project: Project, run_id: int | None = None) -> list[JobRecord]:
    sql = ("SELECT id, run_id, verb, status, pid, args, events_path, log_path, progress, message, started_at, "
           "ended_at FROM jobs")
    rows = project.conn.execute(sql + (" WHERE run_id = ?" if run_id is not None else "") + " ORDER BY id",
                                (run_id,) if run_id is not None else ()).fetchall()
    return [JobRecord(*r) for r in rows]


def job_is_alive(job: JobRecord) -> bool:
    """True when the job's process still exists (a 'running' job whose pid is gone was killed);
    the rule is `core.jobs.state`'s."""
    return job_alive(job.status, job.pid)


def job_status(job: JobRecord) -> str:
    """The job's status as a user should read it: a running row whose process is gone reads interrupted."""
    return recorded_status(job.status, job.pid)
