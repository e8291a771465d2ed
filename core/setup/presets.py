"""A new run's length, chosen as a preset, and what it costs on this computer.

- quick look: about `QUICK_LOOK_S` (two minutes) of training steps at the measured step time —
  enough to see the curves move and the whole pipeline work;
- standard: the length the family's spec (or its sample-data schedule) comes with;
- long: `LONG_FACTOR` times standard.

Every preset changes only `train.total_steps`, through `TrainSpec.with_total_steps`: warmup,
decay steps and the intervals that would not fit keep their fractions of the run.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

PRESETS = ("quick", "standard", "long")
TITLES = {"quick": "Quick look", "standard": "Standard", "long": "Long"}
QUICK_LOOK_S = 120.0
LONG_FACTOR = 3
MIN_STEPS = 10


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    total_steps: int
    seconds: float | None        # estimated training time (None: no measured step yet)


def preset_steps(name: str, standard_steps: int, step_s: float | None) -> int:
    """The total steps of preset `name` for a spec that comes with `standard_steps`."""
    if name == "standard":
        return standard_steps
    if name == "long":
        return standard_steps * LONG_FACTOR
    if name != "quick":
        raise ValueError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}")
    if step_s is None or step_s <= 0:            # not measured yet: a twentieth of the standard run
        return max(MIN_STEPS, standard_steps // 20)
    return max(MIN_STEPS, min(standard_steps, int(round(QUICK_LOOK_S / step_s))))


def presets(standard_steps: int, step_s: float | None) -> list[Preset]:
    out = []
    for name in PRESETS:
        n = preset_steps(name, standard_steps, step_s)
        out.append(Preset(name, TITLES[name], n, None if step_s is None else n * step_s))
    return out


def apply_preset(spec: Any, name: str, step_s: float | None) -> Any:
    """A copy of `spec` (its total_steps taken as the standard length) sized by preset `name`."""
    sized = copy.deepcopy(spec)
    sized.train = spec.train.with_total_steps(preset_steps(name, spec.train.total_steps, step_s))
    return sized


def duration_text(seconds: float | None) -> str:
    """'about 2 min', 'about 1 h 40 min', 'under a minute' ('' when unknown)."""
    if seconds is None:
        return ""
    if seconds < 60:
        return "under a minute"
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"about {minutes} min"
    h, m = divmod(minutes, 60)
    return f"about {h} h {m:02d} min" if m else f"about {h} h"
