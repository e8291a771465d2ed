"""Learning-rate schedule: linear warmup, then step decay (TAO's soft-start + step schedule) or,
with `train.learning_rate_schedule: cosine`, a cosine from init_learning_rate down to 0 at the
last step (learning_rate_steps then do not apply)."""
from __future__ import annotations

import math

from core.specs.sections import TrainSpec


def learning_rate_at(step: int, spec: TrainSpec) -> float:
    """Learning rate for optimizer step `step` (0-based)."""
    if spec.warmup_steps > 0 and step < spec.warmup_steps:
        frac = step / spec.warmup_steps
        return spec.warmup_learning_rate + (spec.init_learning_rate - spec.warmup_learning_rate) * frac
    if getattr(spec, "learning_rate_schedule", "step") == "cosine":
        span = max(1, spec.total_steps - spec.warmup_steps)
        frac = min(1.0, max(0.0, (step - spec.warmup_steps) / span))
        return spec.init_learning_rate * 0.5 * (1.0 + math.cos(math.pi * frac))
    lr = spec.init_learning_rate
    for boundary, level in zip(spec.learning_rate_steps, spec.learning_rate_decay_levels):
        if step >= boundary:
            lr = spec.init_learning_rate * level
    return lr
