"""The events file of a job (`events.jsonl`): append, replay, and trim on resume.

Each line is one JSON event: {"event": "progress"|"metric"|"log"|"artifact"|"done"|"error",
"time": unix seconds, ...}. The same records go over the worker's event channel, so a
reopened GUI (or `studio runs show`) replays a run's curves from this file. A process killed
mid-write leaves a partial last line; readers skip it.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Iterator

from core.fsutil import atomic_write_text
from core.jobs.protocol import encode_event, parse_event


class EventLog:
    """Append-only JSON-lines writer, safe to call from several threads."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._repair_tail()
        self._file = open(self.path, "a", encoding="utf-8", buffering=1)

    def _repair_tail(self) -> None:
        """Drop a partial last line (a killed writer) so the next append starts a fresh line."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with open(self.path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            if f.read(1) == b"\n":
                return
        data = self.path.read_bytes()
        cut = data.rfind(b"\n") + 1
        atomic_write_text(self.path, data[:cut].decode("utf-8", errors="replace"))

    def append(self, event: dict[str, Any]) -> None:
        line = encode_event(event)
        with self._lock:
            self._file.write(line + "\n")

    def trim_after_step(self, step: int) -> int:
        """Drop events of steps after `step` (a resumed run replays from its checkpoint)."""
        with self._lock:
            self._file.close()
            try:
                return trim_after_step(self.path, step)
            finally:
                self._file = open(self.path, "a", encoding="utf-8", buffering=1)

    def close(self) -> None:
        with self._lock:
            self._file.close()


def iter_events(path: str | os.PathLike) -> Iterator[dict[str, Any]]:
    """Events of a file in order; malformed or partial lines are skipped."""
    p = Path(path)
    if not p.exists():
        return
    with open(p, "r", encoding="utf-8", errors="replace") as f:
        for line in f:
            event = parse_event(line)
            if event is not None:
                yield event


def read_events(path: str | os.PathLike) -> list[dict[str, Any]]:
    return list(iter_events(path))


def superseded(event: dict[str, Any], step: int) -> bool:
    """Whether a run resuming at `step` replaces `event`: every event of a later step, and the
    progress event of `step` itself (the resumed trainer reports its progress there again). A
    restart from 0 thus keeps no step of the earlier attempt."""
    s = event.get("step")
    if not isinstance(s, int) or isinstance(s, bool):
        return False
    return s > step or (s == step and event.get("event") == "progress")


def trim_after_step(path: str | os.PathLike, step: int) -> int:
    """Rewrite the file without the events a run resuming at `step` replaces (`superseded`).

    Returns how many events were dropped. Events without a step are kept.
    """
    p = Path(path)
    if not p.exists():
        return 0
    kept, dropped = [], 0
    for event in iter_events(p):
        if superseded(event, step):
            dropped += 1
            continue
        kept.append(encode_event(event))
    atomic_write_text(p, "".join(line + "\n" for line in kept))
    return dropped
