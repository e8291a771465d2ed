"""Which images make up the batch of optimizer step s — a pure function of (seed, s).

Every epoch is a fresh permutation seeded by (seed, epoch); step s takes the next slice. Each
item also carries an augmentation seed derived from (seed, s, position), so a resumed run sees
exactly the batches (and flips) the uninterrupted run would have seen.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from core.specs.sections import steps_per_epoch


class StepBatchSampler:
    """Yields, for steps start..total-1, a list of (dataset index, augmentation seed)."""

    def __init__(self, num_items: int, batch_size: int, seed: int, start_step: int, total_steps: int):
        if num_items <= 0:
            raise ValueError("no items to sample from")
        self.n = num_items
        self.batch_size = batch_size
        self.seed = seed
        self.start_step = start_step
        self.total_steps = total_steps
        self.steps_per_epoch = steps_per_epoch(num_items, batch_size)

    def batch_at(self, step: int) -> list[tuple[int, int]]:
        epoch, pos = divmod(step, self.steps_per_epoch)
        order = np.random.default_rng([self.seed, epoch]).permutation(self.n)
        if self.n < self.batch_size:  # tiny datasets: repeat to fill a batch
            order = np.resize(order, self.batch_size)
        idx = order[pos * self.batch_size:(pos + 1) * self.batch_size]
        return [(int(i), int(np.random.SeedSequence([self.seed, step, k]).generate_state(1)[0]))
                for k, i in enumerate(idx)]

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        for step in range(self.start_step, self.total_steps):
            yield self.batch_at(step)

    def __len__(self) -> int:
        return max(0, self.total_steps - self.start_step)

    def epoch_of(self, step: int) -> int:
        return step // self.steps_per_epoch
