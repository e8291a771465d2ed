"""Helpers of the live plots: the scheduler that redraws visible plots in turn, and the cache of
log10 values that grows with a series instead of being recomputed on every redraw."""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QTimer

from core.jobs.curves import Series

REFRESH_MS = 100      # each plot redraws at most ~10 times a second
TICK_MS = 20          # the scheduler redraws one due plot per tick


class Log10Cache:
    """log10 of a series' positive points, extended as the series grows (recomputed on a rewind)."""

    def __init__(self):
        self.buf, self.src_n, self.rewinds = Series("log10"), 0, -1

    def update(self, series: Series) -> tuple[np.ndarray, np.ndarray]:
        if series.rewinds != self.rewinds or series.n < self.src_n:
            self.buf, self.src_n, self.rewinds = Series("log10"), 0, series.rewinds
        if series.n > self.src_n:
            xs, ys = series.steps[self.src_n:], series.values[self.src_n:]
            keep = ys > 0          # log10 of 0 or less is not drawable: those points are left out
            if keep.any():
                self.buf.extend(xs[keep], np.log10(ys[keep]))
            self.src_n = series.n
        return self.buf.steps, self.buf.values


class PlotScheduler(QObject):
    """Refreshes the visible plots in turn, one per tick, each about 10 times a second.

    One at a time keeps each repaint short: plots refreshed together would be painted together,
    one long stall of the GUI thread instead of several short ones."""

    _instance: "PlotScheduler | None" = None

    @classmethod
    def instance(cls) -> "PlotScheduler":
        if cls._instance is None:
            cls._instance = cls(QCoreApplication.instance())
        return cls._instance

    def __init__(self, parent: QObject | None):
        super().__init__(parent)
        self.plots: list = []
        self._next = 0
        self._timer = QTimer(self, timeout=self._tick)

    def add(self, plot) -> None:
        if plot not in self.plots:
            self.plots.append(plot)
            plot.destroyed.connect(lambda *_a, p=plot: self.remove(p))
        self._timer.start(TICK_MS)

    def remove(self, plot) -> None:
        if plot in self.plots:
            self.plots.remove(plot)
        if self.plots:
            self._timer.start(TICK_MS)
        else:
            self._timer.stop()

    def _tick(self) -> None:
        """Refresh the next due plot with something new (a quiet plot costs one comparison).

        A plot is due REFRESH_MS after its last redraw, or later when its redraws are slow
        (four times what the last one cost), so that drawing never takes over the GUI thread."""
        n = len(self.plots)
        now = time.perf_counter()
        for i in range(n):
            plot = self.plots[(self._next + i) % n]
            if now < plot.next_due or not plot.dirty:
                continue
            try:
                plot.refresh()
            except RuntimeError:        # deleted under us
                self.remove(plot)
                return
            cost = time.perf_counter() - now + plot.paint_s
            plot.next_due = now + max(REFRESH_MS / 1000, 4 * cost)
            self._next = (self._next + i + 1) % max(1, len(self.plots))
            return
