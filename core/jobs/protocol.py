"""The job protocol between a launcher (the CLI's `run_job`, the GUI's QProcess jobs) and a worker:
the stop command and its grace periods, and the JSON-line events both ways.

Stopping: the launcher writes `STOP_LINE` on the worker's stdin; a worker that has not ended
after `STOP_GRACE_S` gets SIGTERM (the worker treats a first SIGTERM as one more stop request and
a second one as "end now"), and after `TERM_GRACE_S` more, SIGKILL. A stopping trainer saves a
checkpoint first.

Events: one JSON object per line, with an `"event"` key (progress, metric, log, artifact, done,
error). `encode_event` writes one, `parse_event` reads one (None for anything else: library
noise, a partial line), `parse_event_lines` reads a chunk of complete lines. The events file
(`core.jobs.events`), its tail (`core.jobs.event_tail`), the launcher and the GUI all use these.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

STOP_COMMAND = {"cmd": "stop"}
STOP_LINE = json.dumps(STOP_COMMAND) + "\n"
STOP_GRACE_S = 30.0     # stop line -> SIGTERM
TERM_GRACE_S = 10.0     # SIGTERM -> SIGKILL

RESUMING_VERBS = ("train",)   # run again, these continue from their newest checkpoint


def is_stop_command(line: str | bytes) -> bool:
    """True for a line that asks the worker to stop (`{"cmd": "stop"}`)."""
    try:
        cmd = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return isinstance(cmd, dict) and cmd.get("cmd") == STOP_COMMAND["cmd"]


def _json_default(value: Any) -> Any:
    """numpy / torch scalars as numbers; anything else JSON cannot write (a Path ...) as text."""
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def encode_event(event: dict[str, Any]) -> str:
    """One event as a compact JSON line (without the newline)."""
    return json.dumps(event, separators=(",", ":"), default=_json_default)


def parse_event(line: str | bytes) -> dict[str, Any] | None:
    """The event a line holds, or None (not JSON, not an object, no "event" key, a partial line)."""
    if isinstance(line, bytes):
        line = line.decode("utf-8", errors="replace")
    line = line.strip()
    if not line:
        return None
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) and "event" in event else None


def parse_event_lines(lines: Iterable[str | bytes]) -> list[dict[str, Any]]:
    """The events of several lines, in order; other lines are skipped."""
    return [e for e in map(parse_event, lines) if e is not None]
