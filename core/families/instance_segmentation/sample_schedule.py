"""The schedule that learns the built-in sample data (synthetic shapes) on a CPU in reasonable
time: the full demo's (`studio demo`: 2000 steps of batch 4, warmup 200, decay at 1400 and 1800;
measured segm AP 0.57 in 11 to 17 minutes on 2 cores, by CPU). Torch-free: the wizard applies it to the spec
it generates when a project starts from the sample data on a CPU, and the family's demo trains with it.

Named by the family's `INFO.sample_schedule`, found by `core.families.spec_lookup.sample_schedule_for`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Schedule:
    total_steps: int
    batch_size: int
    warmup_steps: int
    init_learning_rate: float
    learning_rate_steps: tuple[int, ...]
    learning_rate_decay_levels: tuple[float, ...]
    checkpoint_interval: int
    num_steps_per_eval: int


SAMPLE_SCHEDULE = Schedule(total_steps=2000, batch_size=4, warmup_steps=200, init_learning_rate=0.02,
                           learning_rate_steps=(1400, 1800), learning_rate_decay_levels=(0.1, 0.01),
                           checkpoint_interval=100, num_steps_per_eval=500)


def apply_schedule(spec: Any, s: Any) -> Any:
    """Set the training schedule of an instance-segmentation spec from `s` (a `Schedule`, or any
    object with its fields, such as the family demo's `DemoConfig`); warmup starts at 1/100 of the rate
    and about 20 loss lines are logged. Returns the spec."""
    t = spec.train
    t.total_steps, t.batch_size, t.warmup_steps = s.total_steps, s.batch_size, s.warmup_steps
    t.init_learning_rate, t.warmup_learning_rate = s.init_learning_rate, s.init_learning_rate / 100
    t.learning_rate_steps = list(s.learning_rate_steps)
    t.learning_rate_decay_levels = list(s.learning_rate_decay_levels)
    t.checkpoint_interval, t.num_steps_per_eval = s.checkpoint_interval, s.num_steps_per_eval
    t.log_interval = max(1, min(20, s.total_steps // 20))
    return spec


def sample_schedule(spec: Any) -> Any:
    """The spec with the schedule that learns the sample data on a CPU."""
    return apply_schedule(spec, SAMPLE_SCHEDULE)
