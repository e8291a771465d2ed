"""Curves of a run as numpy series, built from its events (live or replayed from events.jsonl).

`CurveStore.add_event` turns worker events into named series:
- train metrics (`phase: "train"`): every value under its own name (`loss`, `loss_mask`, `lr`,
  `samples_per_s`, ...);
- evaluation metrics (`phase: "eval"`/`"evaluate"`): under `eval/<name>` (`eval/AP`, `eval/mask_AP`),
  leaving out COCO's -1 ("no objects of that size");
- progress events update `progress` (done, total, eta_s, phase, and epoch of epochs when given); a
  done event's step is where the job ended (a stop saves a checkpoint at a step after the last
  progress event).

A point whose step is not after the series' last step rewinds the series to before that
step first: a resumed run that lost some steps reports them again, and the curve shows each
step once. Qt-free: the GUI's plots read the buffers; `studio runs` could too.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

EVAL_PREFIX = "eval/"
_EVAL_PHASES = ("eval", "evaluate")


class Series:
    """A growing (step, value) buffer with amortized appends; `steps`/`values` are views."""

    __slots__ = ("name", "_x", "_y", "n", "version", "rewinds", "_last")

    def __init__(self, name: str, capacity: int = 256):
        self.name = name
        self._x = np.empty(capacity, dtype=np.float64)
        self._y = np.empty(capacity, dtype=np.float64)
        self.n = 0
        self.version = 0      # bumps on every change: plots redraw a series only when it moved
        self.rewinds = 0      # bumps when points were dropped (caches of derived arrays start over)
        self._last = -math.inf

    def __len__(self) -> int:
        return self.n

    @property
    def steps(self) -> np.ndarray:
        return self._x[:self.n]

    @property
    def values(self) -> np.ndarray:
        return self._y[:self.n]

    def last(self) -> tuple[float, float] | None:
        return (float(self._x[self.n - 1]), float(self._y[self.n - 1])) if self.n else None

    def _reserve(self, extra: int) -> None:
        need = self.n + extra
        if need <= len(self._x):
            return
        cap = max(need, 2 * len(self._x))
        for attr in ("_x", "_y"):
            old = getattr(self, attr)
            new = np.empty(cap, dtype=np.float64)
            new[:self.n] = old[:self.n]
            setattr(self, attr, new)

    def append(self, step: float, value: float) -> None:
        """One point: the fast path of live events."""
        if step <= self._last:
            self._rewind(step)
        n = self.n
        if n == len(self._x):
            self._reserve(1)
        self._x[n] = step
        self._y[n] = value
        self.n = n + 1
        self._last = step
        self.version += 1

    def _rewind(self, step: float) -> None:
        """Drop the points at `step` and after."""
        self.n = int(np.searchsorted(self._x[:self.n], step, side="left"))
        self._last = float(self._x[self.n - 1]) if self.n else -math.inf
        self.rewinds += 1

    def extend(self, steps: Iterable[float] | np.ndarray, values: Iterable[float] | np.ndarray) -> None:
        xs = np.asarray(steps, dtype=np.float64).ravel()
        ys = np.asarray(values, dtype=np.float64).ravel()
        if xs.shape != ys.shape:
            raise ValueError(f"{self.name}: {xs.size} steps but {ys.size} values")
        if xs.size == 0:
            return
        if xs.size > 1 and np.any(np.diff(xs) <= 0):   # rare: a batch that itself rewinds
            for x, y in zip(xs.tolist(), ys.tolist()):
                self.append(x, y)
            return
        if xs[0] <= self._last:
            self._rewind(float(xs[0]))
        self._reserve(xs.size)
        self._x[self.n:self.n + xs.size] = xs
        self._y[self.n:self.n + ys.size] = ys
        self.n += xs.size
        self._last = float(xs[-1])
        self.version += 1


@dataclass
class Progress:
    done: int | None = None   # training steps done / total (phase "train")
    total: int | None = None
    eta_s: float | None = None
    phase: str = ""           # the phase of the newest progress event ("train", "evaluate", ...)
    phase_done: int | None = None
    phase_total: int | None = None
    status: str = ""          # from a done/error event: done, stopped, failed
    message: str = ""
    epoch: int | None = None  # the epoch being trained (1-based) and how many the run has
    epochs: int | None = None


@dataclass
class CurveStore:
    """Named series of one run plus its latest progress. Cheap to feed at any rate."""

    series: dict[str, Series] = field(default_factory=dict)
    progress: Progress = field(default_factory=Progress)
    version: int = 0          # bumps on any change (series added or extended, progress)

    def get(self, name: str) -> Series:
        s = self.series.get(name)
        if s is None:
            s = self.series[name] = Series(name)
        return s

    def names(self) -> list[str]:
        return list(self.series)

    def add_points(self, name: str, steps, values) -> None:
        self.get(name).extend(steps, values)
        self.version += 1

    def clear(self) -> None:
        self.series.clear()
        self.progress = Progress()
        self.version += 1

    def add_events(self, events: Iterable[dict[str, Any]]) -> None:
        for event in events:
            self.add_event(event)

    def add_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "metric":
            self._add_metric(event)
        elif kind == "progress":
            p = self.progress
            p.phase = str(event.get("phase") or "")
            p.phase_done, p.phase_total = event.get("done"), event.get("total")
            if p.phase == "train" or "step" in event:
                p.done, p.total, p.eta_s = event.get("done"), event.get("total", p.total), event.get("eta_s")
                if event.get("epoch") is not None:
                    p.epoch, p.epochs = int(event["epoch"]) + 1, event.get("epochs", p.epochs)
            if p.status:          # a resumed run is running again
                p.status, p.message = "", ""
            self.version += 1
        elif kind == "done":
            self.progress.status = str(event.get("status") or "done")
            self.progress.eta_s = None
            step = event.get("step")
            if isinstance(step, int) and not isinstance(step, bool):   # where it stopped (its checkpoint's
                self.progress.done = step                               # step), after the last progress event
            self.version += 1
        elif kind == "error":
            self.progress.status, self.progress.message = "failed", str(event.get("message") or "")
            self.version += 1

    def _add_metric(self, event: dict[str, Any]) -> None:
        step = event.get("step")
        if not isinstance(step, (int, float)) or isinstance(step, bool):
            return
        values = event.get("values")
        if not isinstance(values, dict):
            name = event.get("name")
            values = {name: event.get("value")} if isinstance(name, str) else {}
        prefix = EVAL_PREFIX if event.get("phase") in _EVAL_PHASES else ""
        series = self.series
        for name, value in values.items():
            if value.__class__ is not float:   # fast path: JSON numbers are floats
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    continue
                value = float(value)
            if not math.isfinite(value) or (prefix and value < 0):   # COCO's -1: no objects of that size
                continue
            key = prefix + name if prefix else name
            s = series.get(key)
            if s is None:
                s = self.get(key)
            s.append(step, value)
        self.version += 1

    # -- reading ----------------------------------------------------------------------------
    def latest(self, name: str) -> float | None:
        s = self.series.get(name)
        last = s.last() if s is not None else None
        return last[1] if last else None

    def best(self, name: str) -> float | None:
        s = self.series.get(name)
        return float(np.max(s.values)) if s is not None and len(s) else None

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "CurveStore":
        from core.jobs.event_tail import EventFileTail

        store = cls()
        store.add_events(EventFileTail(path).read_new()[0])
        return store
