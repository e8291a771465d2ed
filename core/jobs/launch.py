"""Start a worker process and talk to it — the one way the CLI and the tests start jobs (the GUI
uses the same `worker_command` with QProcess).

Events arrive as JSON lines on the worker's stdout; its stderr (library output, logging) goes
to a log file. Stopping: a `{"cmd": "stop"}` line on stdin, SIGTERM after a grace period,
then kill.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

STOP_LINE = json.dumps({"cmd": "stop"}) + "\n"


def worker_command(verb: str, project: str | Path, **options: Any) -> list[str]:
    """`python -m workers VERB --project P --key value ...` (None options are left out, True is a flag)."""
    cmd = [sys.executable, "-m", "workers", verb, "--project", str(project)]
    for key, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        cmd += [flag] if value is True else [flag, str(value)]
    return cmd


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    root = str(Path(__file__).resolve().parents[2])  # so `-m workers` resolves without an install
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def log_path_for(project_root: str | Path, verb: str, run: str | None = None) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    base = Path(project_root) / "runs" / run / "logs" if run else Path(project_root) / "logs"
    return base / f"{verb}-{stamp}.log"


def parse_event(line: str) -> dict[str, Any] | None:
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) and "event" in event else None


class JobProcess:
    """A running worker. Iterate `events()`; `stop()` asks it to stop; `wait()` returns its status."""

    def __init__(self, cmd: list[str], log_path: Path):
        self.cmd = cmd
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                     env=worker_env(), text=True, bufsize=1,
                                     # its own session: a Ctrl+C in the terminal reaches only the launcher,
                                     # which then stops the worker gracefully (checkpoint first)
                                     start_new_session=True)
        self._stop_lock = threading.Lock()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def events(self) -> Iterator[dict[str, Any]]:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            event = parse_event(line)
            if event is not None:
                yield event

    def request_stop(self) -> None:
        with self._stop_lock:
            if self.proc.poll() is None and self.proc.stdin and not self.proc.stdin.closed:
                try:
                    self.proc.stdin.write(STOP_LINE)
                    self.proc.stdin.flush()
                except (BrokenPipeError, OSError):
                    pass

    def stop(self, grace_s: float = 30.0, term_s: float = 10.0) -> int:
        """Stop line, then SIGTERM after `grace_s`, then kill after `term_s` more."""
        self.request_stop()
        try:
            return self.proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
        try:
            return self.proc.wait(term_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def wait(self) -> int:
        code = self.proc.wait()
        self._log.close()
        return code


def run_job(verb: str, project: str | Path, on_event: Callable[[dict[str, Any]], None] | None = None,
            run: str | None = None, **options: Any) -> tuple[int, list[dict[str, Any]]]:
    """Run a worker to the end (Ctrl+C stops it gracefully). Returns (exit code, events)."""
    log_path = log_path_for(project, verb, run)
    job = JobProcess(worker_command(verb, project, run=run, log=log_path, **options), log_path)
    seen: list[dict[str, Any]] = []
    try:
        for event in job.events():
            seen.append(event)
            if on_event is not None:
                on_event(event)
    except KeyboardInterrupt:
        on_event and on_event({"event": "log", "message": "Stopping (saving a checkpoint first)..."})
        job.stop()
        for event in job.events():
            seen.append(event)
            if on_event is not None:
                on_event(event)
    return job.wait(), seen
