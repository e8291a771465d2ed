"""The measured time of one training step for the wizard's time estimates.

A step is measured by a child process (`core.setup.step_timing.measure_in_subprocess`: torch is
never imported in the GUI) on a background thread, once per sizing of a spec (its
`sizing_key`: the model, input size, batch and device on this machine): the answer is kept in
the settings for `MAX_AGE_DAYS`, so a second wizard with the same sizing shows its estimates at
once; "measure again" (a busy computer measures slow steps) forgets it.
"""
from __future__ import annotations

import copy
import time

from PySide6.QtCore import QObject, Signal

from core.setup.step_timing import measure_in_subprocess, sizing_key
from studio.settings import settings
from studio.wizard.background import TaskSlot

CACHE_GROUP = "step_seconds"
MAX_AGE_DAYS = 14


def measure(task: str, spec, reporter=None) -> float:
    """Seconds per training step of `spec` here (in a child process; blocks: call it off the GUI thread).
    A stop requested on `reporter` ends the child."""
    return measure_in_subprocess(task, spec, reporter=reporter).seconds_per_step


def cached_seconds(key: str) -> float | None:
    """A step time measured here for this sizing in the last MAX_AGE_DAYS days, or None."""
    s = settings()
    try:
        value, when = s.value(f"{CACHE_GROUP}/{key}"), s.value(f"{CACHE_GROUP}/{key}_at")
        if value is None or when is None or time.time() - float(when) > MAX_AGE_DAYS * 86400:
            return None
        return float(value)
    except (TypeError, ValueError):
        return None


def forget(key: str) -> None:
    s = settings()
    s.remove(f"{CACHE_GROUP}/{key}")
    s.remove(f"{CACHE_GROUP}/{key}_at")


class StepEstimator(QObject):
    changed = Signal()       # a measurement arrived, or failed

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.slot = TaskSlot(self)
        self.measuring: str | None = None       # the key being measured now
        self.problems: dict[str, str] = {}
        self.measured_here: list[str] = []      # keys measured by this estimator (not from the cache)

    def key(self, task: str, spec) -> str:
        return sizing_key(task, spec)

    def seconds(self, task: str, spec) -> float | None:
        return cached_seconds(self.key(task, spec))

    def problem(self, task: str, spec) -> str | None:
        return self.problems.get(self.key(task, spec))

    def busy(self, task: str, spec) -> bool:
        return self.measuring == self.key(task, spec)

    def request(self, task: str, spec) -> None:
        """Measure `spec`'s step unless it is known, failed before, or being measured."""
        key = self.key(task, spec)
        if cached_seconds(key) is not None or key in self.problems or self.measuring == key:
            return
        self.measuring = key
        spec = copy.deepcopy(spec)
        self.slot.start(lambda reporter: measure(task, spec, reporter=reporter),
                        on_done=lambda seconds: self._done(key, seconds),
                        on_error=lambda sentence: self._failed(key, sentence))

    def cancel(self) -> None:
        """Stop a measurement in flight (its child process ends); nothing is kept of it."""
        self.slot.forget()
        self.measuring = None

    def measure_again(self, task: str, spec) -> None:
        key = self.key(task, spec)
        forget(key)
        self.problems.pop(key, None)
        self.request(task, spec)
        self.changed.emit()

    def _done(self, key: str, seconds: float) -> None:
        s = settings()                          # settings are written on the GUI thread
        s.setValue(f"{CACHE_GROUP}/{key}", float(seconds))
        s.setValue(f"{CACHE_GROUP}/{key}_at", time.time())
        self.measured_here.append(key)
        self.measuring = None
        self.changed.emit()

    def _failed(self, key: str, sentence: str) -> None:
        self.problems[key] = sentence
        self.measuring = None
        self.changed.emit()
