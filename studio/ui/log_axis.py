"""A y axis whose log-mode labels never pile up.

pyqtgraph's log axis labels every minor tick (2..9 times a power of ten) when the view spans less
than a few decades, and on a short plot the labels near the top of each decade (0.6, 0.7, 0.8,
0.9, 1) overlap. `LogLabelAxis` keeps every tick but labels the powers of ten, then the other
ticks in the order 5, 2, 3, 4, 6, 7, 8, 9 (times a power of ten), each only where it stands at
least `min_gap_px` from every label already placed; the others are drawn as ticks without text.
"""
from __future__ import annotations

import math

import pyqtgraph as pg

# which ticks of a decade get a label first (the mantissa), when there is room for some only; the
# powers of ten themselves are in pyqtgraph's minor level when the view spans under a few decades
_LABEL_ORDER = (1, 5, 2, 3, 4, 6, 7, 8, 9)


def spaced_labels(values: list[float], fixed: list[float], lo: float, hi: float, size_px: float,
                  min_gap_px: float) -> set[float]:
    """Which of `values` (log10 of minor ticks) get a label: by `_LABEL_ORDER`, each at least
    `min_gap_px` on screen from `fixed` (labels placed already) and from those chosen before it."""
    if hi <= lo or size_px <= 0:
        return set()
    px = size_px / (hi - lo)
    placed = [v * px for v in fixed]
    rank = {m: i for i, m in enumerate(_LABEL_ORDER)}

    def mantissa(v: float) -> int:
        return int(round(10 ** (v - math.floor(v + 1e-9))))

    chosen = set()
    for v in sorted(values, key=lambda v: (rank.get(mantissa(v), len(rank)), v)):
        y = v * px
        if all(abs(y - p) >= min_gap_px for p in placed):
            placed.append(y)
            chosen.add(v)
    return chosen


class LogLabelAxis(pg.AxisItem):
    def __init__(self, *args, min_gap_px: float = 15.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.min_gap_px = min_gap_px
        self._quiet: set[float] = set()      # minor ticks drawn without a label (rounded log10 values)

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802 - pyqtgraph override
        levels = super().logTickValues(minVal, maxVal, size, stdTicks)
        self._quiet = set()
        fixed = [v for spacing, values in levels if spacing is not None for v in values]
        for spacing, values in levels:
            if spacing is None:      # pyqtgraph's level of minor ticks
                keep = spaced_labels(list(values), fixed, minVal, maxVal, size, self.min_gap_px)
                self._quiet.update(round(v, 6) for v in values if v not in keep)
        return levels

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph override
        strings = super().logTickStrings(values, scale, spacing)
        return ["" if round(float(v), 6) in self._quiet else s for v, s in zip(values, strings)]
