"""The schedule that learns the built-in sample data (synthetic hands) on a CPU in reasonable time:
the full demo's (`studio demo --task detection`). Torch-free: the wizard applies it to the spec it
generates when a detection project starts from the sample data on a CPU, and the family's demo
trains with it. Named by the family's `INFO.sample_schedule`."""
from __future__ import annotations

from typing import Any

from core.families.instance_segmentation.sample_schedule import Schedule, apply_schedule

# On the upright hands of 800 images, 1,600 steps reached bbox AP 0.732 in 430 s end to end on a
# 2-core EPYC (AP 0.547 at step 800, before the rate decays); 1,200 leave room on slower hosts.
SAMPLE_SCHEDULE = Schedule(total_steps=1200, batch_size=4, warmup_steps=100, init_learning_rate=0.02,
                           learning_rate_steps=(900, 1100), learning_rate_decay_levels=(0.1, 0.01),
                           checkpoint_interval=100, num_steps_per_eval=600)


def sample_schedule(spec: Any) -> Any:
    """The spec with the schedule that learns the sample hands on a CPU."""
    return apply_schedule(spec, SAMPLE_SCHEDULE)
