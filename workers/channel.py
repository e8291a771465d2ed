"""The worker's side of the protocol: a private event channel, stop requests, the events file.

`reserve_event_channel()` must run before anything else can print: it keeps a duplicate of
fd 1 for JSON events and points fd 1 at stderr, so library prints land in the log and never
corrupt the event stream.
"""
from __future__ import annotations

import logging
import os
import signal
import stat
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from core.jobs.events import EventLog
from core.jobs.protocol import encode_event, is_stop_command
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
            line = encode_event(event)
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
        """Read stop lines (`core.jobs.protocol`) from stdin on a daemon thread; SIGTERM and SIGHUP
        also ask to stop, and so does the end of a stdin pipe (the launcher is gone: killed, or
        its GUI crashed), so a worker never trains on alone holding its run's lock.

        A second signal ends the process at once (the launcher's last resort before SIGKILL).
        """
        stream = stream if stream is not None else sys.stdin

        def read() -> None:
            try:
                for line in stream:
                    if is_stop_command(line):
                        self.request_stop()
            except (OSError, ValueError):
                return
            if _is_pipe(stream) and not self.should_stop():
                self.log("The launcher went away (its end of the pipe closed); stopping.", level="warning")
                self.request_stop()

        if stream is not None:
            threading.Thread(target=read, name="stop-listener", daemon=True).start()
        if threading.current_thread() is threading.main_thread():
            for name in STOP_SIGNALS:
                signal.signal(getattr(signal, name), self._on_stop_signal)

    def _on_stop_signal(self, signum, frame) -> None:  # noqa: ARG002
        self._stop_signals += 1
        if self._stop_signals > 1:
            raise SystemExit(128 + signum)
        self.request_stop()


STOP_SIGNALS = tuple(name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _is_pipe(stream) -> bool:
    try:
        return stat.S_ISFIFO(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return False
