"""How long-running core code reports progress and learns it should stop.

Core functions take a `Reporter` (like Orange's `state`): they call `progress`, `metric`,
`log`, `artifact` and poll `should_stop()`. A worker process passes one that writes JSON
events; tests pass a `RecordingReporter`; quick CLI paths may pass `NullReporter`.
"""
from __future__ import annotations

import threading
import time
from typing import Any


class Reporter:
    """Base reporter: subclasses override `emit`. Progress events are paced (~10 per second)."""

    min_progress_interval_s = 0.1

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._last_progress = 0.0

    # -- what core code calls -------------------------------------------------------------------
    def progress(self, done: int, total: int | None = None, *, phase: str = "main", force: bool = False,
                 **fields: Any) -> None:
        """Report how much of the work is done. Paced: calls closer than 0.1 s apart are dropped
        unless forced or the work is complete (done == total). A trainer also passes `step=`,
        which is what a resumed run trims its events by; other phases leave it out."""
        now = time.monotonic()
        complete = total is not None and done >= total
        if not (force or complete) and now - self._last_progress < self.min_progress_interval_s:
            return
        self._last_progress = now
        self.emit({"event": "progress", "done": done, "total": total, "phase": phase, **fields})

    def metric(self, name: str, value: float, step: int | None = None, **fields: Any) -> None:
        self.emit({"event": "metric", "name": name, "value": value, "step": step, **fields})

    def metrics(self, values: dict[str, float], step: int | None = None, **fields: Any) -> None:
        """Several metrics at once (one event): e.g. every loss term of a step."""
        self.emit({"event": "metric", "values": values, "step": step, **fields})

    def log(self, message: str, level: str = "info") -> None:
        self.emit({"event": "log", "level": level, "message": message})

    def artifact(self, kind: str, path: str, **fields: Any) -> None:
        self.emit({"event": "artifact", "kind": kind, "path": path, **fields})

    def should_stop(self) -> bool:
        return self._stop.is_set()

    def rewind(self, step: int) -> int:
        """A resumed job forgets what it reported after `step`; returns how many events went."""
        return 0

    # -- what the owner calls -------------------------------------------------------------------
    def request_stop(self) -> None:
        self._stop.set()

    def emit(self, event: dict[str, Any]) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class NullReporter(Reporter):
    def emit(self, event: dict[str, Any]) -> None:
        pass


class RecordingReporter(Reporter):
    """Keeps every event (no pacing) — for tests."""

    min_progress_interval_s = 0.0

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict[str, Any]] = []

    def emit(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    def rewind(self, step: int) -> int:
        from core.jobs.events import superseded

        before = len(self.events)
        self.events = [e for e in self.events if not superseded(e, step)]
        return before - len(self.events)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == kind]
