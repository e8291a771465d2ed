"""The frame every worker verb runs in: parse, open the project, record the job, run, report.

A verb module supplies `add_arguments(parser)`, `events_path(project, args)` and
`run(project, args, reporter) -> dict`, and optionally `lock_path(project, args)` (a lock held
for the whole job, taken before anything is written: a second trainer of the same run is
refused without touching the first one's files) and `on_failure(project, args, message)` (called
when a job that started fails).

Exit status: 0 when the job finished or was stopped on request (the `done` event says which; a
`JobStopped` from core is such a stop), 1 on a typed error (an `error` event carries the
sentence), 2 on bad arguments, 70 on an unexpected crash (with the traceback in the log).
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import traceback
from pathlib import Path
from typing import IO, Any

from core.errors import JobStopped, StudioError
from core.jobs.lock import exclusive_lock
from core.project import Project
from core.project import runs
from workers import VERBS
from workers.channel import WorkerReporter

log = logging.getLogger("workers")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workers")
    sub = parser.add_subparsers(dest="verb", required=True)
    for verb in VERBS:
        module = importlib.import_module(f"workers.{verb}_job")
        p = sub.add_parser(verb)
        p.add_argument("--project", required=True)
        p.add_argument("--log", help="the log file the launcher captures stderr into (recorded on the job)")
        module.add_arguments(p)
    return parser


def main(argv: list[str], channel: IO[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 2)
    module = importlib.import_module(f"workers.{args.verb}_job")
    reporter = WorkerReporter(args.verb, channel)
    project: Project | None = None
    job_id: int | None = None
    held = contextlib.ExitStack()
    try:
        project = Project.open(args.project)
        run = runs.get_run(project, args.run) if getattr(args, "run", None) else None
        lock_path = getattr(module, "lock_path", None)
        if lock_path is not None:
            held.enter_context(exclusive_lock(
                lock_path(project, args),
                f"Run {getattr(args, 'run', None)!r} already has a {args.verb} job running (process {{pid}}); "
                "stop it first, or wait for it to end."))
        events_path = module.events_path(project, args)
        if events_path is not None:
            reporter = WorkerReporter(args.verb, channel, events_path)
        job_id = runs.start_job(project, run.id if run else None, args.verb, argv,
                                events_path=str(events_path) if events_path else None,
                                log_path=getattr(args, "log", None))
        reporter.listen_for_stop()
        result: dict[str, Any] = module.run(project, args, reporter) or {}
        status = result.pop("status", "done")
        runs.finish_job(project, job_id, status)
        reporter.emit({"event": "done", "status": status, **result})
        return 0
    except JobStopped as exc:
        log.info("%s", exc)
        if job_id is not None:
            runs.finish_job(project, job_id, "stopped", str(exc))
        reporter.emit({"event": "done", "status": "stopped", "message": str(exc)})
        return 0
    except StudioError as exc:
        log.error("%s", exc)
        _fail(project, job_id, args, module, reporter, str(exc), exc.kind)
        return 1
    except Exception as exc:  # noqa: BLE001 - a crash must still reach the GUI as an event
        log.error("unexpected failure:\n%s", traceback.format_exc())
        _fail(project, job_id, args, module, reporter, f"The {args.verb} job crashed: {exc!r}. See the log.",
              "crash")
        return 70
    finally:
        reporter.close()
        held.close()
        if project is not None:
            project.close()


def job_events_path(project: Project, args, verb: str):
    """Events of a non-training job: beside its log (runs/R/logs/VERB-STAMP.events.jsonl)."""
    from core.jobs.launch import log_path_for

    log = Path(args.log) if getattr(args, "log", None) else log_path_for(project.root, verb, getattr(args, "run", None))
    return log.with_suffix(".events.jsonl")


def _fail(project, job_id, args, module, reporter, message: str, kind: str) -> None:
    reporter.emit({"event": "error", "kind": kind, "message": message})
    if project is None or job_id is None:   # refused before it started (unknown run, busy lock)
        return
    try:
        runs.finish_job(project, job_id, "failed", message)
        on_failure = getattr(module, "on_failure", None)
        if on_failure is not None:
            on_failure(project, args, message)
    except Exception:  # noqa: BLE001 - never mask the original error
        log.exception("could not record the failure")

