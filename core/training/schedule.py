"""Learning-rate schedule: linear warmup, then step decay (TAO's soft-start + step schedule)."""
from __future__ import annotations

from core.specs.sections import TrainSpec


def learning_rate_at(step: int, spec: TrainSpec) -> float:
    """Learning rate for optimizer step `step` (0-based)."""
    if spec.warmup_steps > 0 and step < spec.warmup_steps:
        frac = step / spec.warmup_steps
        return spec.warmup_learning_rate + (spec.init_learning_rate - spec.warmup_learning_rate) * frac
    lr = spec.init_learning_rate
    for boundary, level in zip(spec.learning_rate_steps, spec.learning_rate_decay_levels):
        if step >= boundary:
            lr = spec.init_learning_rate * level
    return lr
