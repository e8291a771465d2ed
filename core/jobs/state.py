"""The state of a job, decided in one place for the CLI, the GUI and the run tables.

- A job that ended says how in its last `done` or `error` event: `done` carries its status
  ("done", or "stopped" when it stopped on request), `error` means "failed".
- A worker that ended without either (killed by a signal, or dead before it could speak) gets an
  `error` event made here (`ended_without_word`), with a sentence that says what happened and
  how to go on.
- A job row still marked "running" whose process is gone was killed without a word (kill -9,
  power loss): it reads "interrupted" (`recorded_status`), and so does its run.
"""
from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any, Iterable

from core.jobs.protocol import RESUMING_VERBS

ACTIVE = ("starting", "running", "stopping")
FINAL_EVENTS = ("done", "error")


def final_event(events: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The last `done` or `error` event of a job (None while it has none)."""
    last = None
    for event in events:
        if event.get("event") in FINAL_EVENTS:
            last = event
    return last


def ended_status(final: dict[str, Any] | None) -> str:
    """"done" or "stopped" (from a `done` event), else "failed"."""
    if final is not None and final.get("event") == "done":
        return str(final.get("status") or "done")
    return "failed"


def completed(final: dict[str, Any] | None) -> bool:
    """The job did all its work (not stopped, not failed)."""
    return ended_status(final) == "done"


def process_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process reuses the pid
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """An ended process its parent has not reaped yet (Linux; elsewhere: False)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def job_alive(status: str, pid: int | None) -> bool:
    """A job row marked running whose process still exists."""
    return status == "running" and process_alive(pid)


def recorded_status(status: str, pid: int | None) -> str:
    """A job row's status as a user should read it: "running" whose process is gone -> "interrupted"."""
    if status == "running" and not process_alive(pid):
        return "interrupted"
    return status


def run_status(status: str, train_job: tuple[str, int | None] | None) -> str:
    """A run's status: one marked running whose newest train job is not alive reads "interrupted"."""
    if status != "running":
        return status
    return "running" if train_job is not None and job_alive(*train_job) else "interrupted"


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


_AGAIN = {  # (a resuming verb, any other) by where the sentence is read
    "cli": ("run the same command to resume from its last checkpoint", "run the same command to start it again"),
    "gui": ("press Resume to continue from its last checkpoint", "start it again"),
}


def _again(verb: str, ui: str) -> str:
    resume, retry = _AGAIN[ui]
    return resume if verb in RESUMING_VERBS else retry


def ended_without_word(verb: str, exit_code: int | None = None, signum: int | None = None,
                       pid: int | None = None, log_path: str | Path | None = None, ui: str = "cli",
                       again: str | None = None) -> dict[str, Any]:
    """The `error` event of a worker that ended without a `done` or `error` event of its own.

    `signum`: the signal that killed it (a negative `subprocess` return code is one too); `ui`:
    "cli" or "gui", where the sentence is read (it says how to go on there), or `again` says it
    ("run `studio train P --run R` to resume ...")."""
    again = again or _again(verb, ui)
    if signum is None and exit_code is not None and exit_code < 0:
        signum = -exit_code
    who = f"The {verb} worker" + (f" (process {pid})" if pid else "")
    log = f" Its log: {log_path}." if log_path else ""
    if signum:
        name = signal_name(signum)
        cause = " (sent by another program, or by the system when memory ran out)" if signum == signal.SIGKILL else ""
        message = f"{who} was killed by {name}{cause} before it finished; {again}.{log}"
        return {"event": "error", "kind": "killed", "signal": name, "message": message}
    message = f"{who} ended with exit code {exit_code} without saying why; {again}.{log}"
    return {"event": "error", "kind": "crash", "exit_code": exit_code, "message": message}


def interrupted_message(verb: str, signum: int, final: dict[str, Any] | None, again: str | None = None) -> str:
    """What the launcher says after a signal (Ctrl+C, SIGTERM, SIGHUP) stopped its worker."""
    again = again or _again(verb, "cli")
    name = "Ctrl+C" if signum == signal.SIGINT else signal_name(signum)
    status = ended_status(final)
    step = (final or {}).get("step")
    at = f" at step {step}" if isinstance(step, int) else ""
    if status == "done":
        return f"Interrupted by {name} after the {verb} job finished{at}."
    if status == "stopped":
        saved = " (a checkpoint was saved)" if verb in RESUMING_VERBS and (final or {}).get("checkpoint") else ""
        return f"Stopped the {verb} job{at} on {name}{saved}; {again}."
    detail = (final or {}).get("message")
    return f"Interrupted by {name}; the {verb} job did not finish" + (f". {detail}" if detail else ".")
