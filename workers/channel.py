"""The worker's side of the protocol: a private event channel, stop requests, the events file.

`reserve_event_channel()` must run before anything else can print: it keeps a duplicate of
fd 1 for JSON events and points fd 1 at stderr, so library prints land in the log and never
corrupt the event stream.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from core.jobs.events import EventLog
from core.jobs.reporter import Reporter

_channel: IO[str] | None = None


def reserve_event_channel() -> IO[str]:
    global _channel
    if _channel is None:
        sys.stdout.flush()
        _channel = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
        os.dup2(2, 1)
        sys.stdout = sys.stderr
    return _channel


class WorkerReporter(Reporter):
    """Writes each event as a JSON line to the event channel and to the events file."""

    def __init__(self, verb: str, channel: IO[str] | None = None, events_path: str | Path | None = None):
        super().__init__()
        self.verb = verb
        self.channel = channel
        self.log_file: EventLog | None = EventLog(events_path) if events_path else None
        self._lock = threading.Lock()
        self._stop_signals = 0

    def emit(self, event: dict[str, Any]) -> None:
        event = {**event, "time": round(time.time(), 3), "job": self.verb}
        if self.log_file is not None:
            try:
                self.log_file.append(event)
            except OSError as exc:   # a full or read-only disk: the live channel still carries the events
                logging.getLogger("workers").error("cannot append to %s: %s", self.log_file.path, exc)
                self.log_file = None
        if self.channel is not None:
            line = json.dumps(event, separators=(",", ":"), default=str)
            with self._lock:
                try:
                    self.channel.write(line + "\n")
                    self.channel.flush()
                except (BrokenPipeError, ValueError, OSError):
                    self.channel = None  # the parent went away: keep working, keep the file

    def rewind(self, step: int) -> int:
        """Forget events after `step` in the events file (resume from a checkpoint)."""
        return self.log_file.trim_after_step(step) if self.log_file else 0

    def close(self) -> None:
        if self.log_file is not None:
            self.log_file.close()

    # -- stop requests ----------------------------------------------------------------------
    def listen_for_stop(self, stream: IO[str] | None = None) -> None:
        """Read `{"cmd": "stop"}` lines from stdin on a daemon thread; SIGTERM also asks to stop.

        A second SIGTERM ends the process at once (the launcher's last resort before SIGKILL).
        """
        stream = stream if stream is not None else sys.stdin

        def read() -> None:
            try:
                for line in stream:
                    try:
                        cmd = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    if isinstance(cmd, dict) and cmd.get("cmd") == "stop":
                        self.request_stop()
            except (OSError, ValueError):
                pass

        if stream is not None:
            threading.Thread(target=read, name="stop-listener", daemon=True).start()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._on_sigterm)

    def _on_sigterm(self, signum, frame) -> None:  # noqa: ARG002
        self._stop_signals += 1
        if self._stop_signals > 1:
            raise SystemExit(143)
        self.request_stop()
