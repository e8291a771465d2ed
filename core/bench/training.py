"""The shared trainer against a bare loop: the same model, the same batches, the same optimizer —
forward, backward, step — timed per step after a warm-up. The ratio (bare / trainer step time) says
how much the trainer's bookkeeping costs (callbacks, progress events, learning-rate schedule)."""
from __future__ import annotations

import time
from typing import Any

from core.bench.timing import p, record


def trainer_overhead(setup, quick: bool) -> dict[str, Any]:
    import torch
    from torch.utils.data import DataLoader

    from core.jobs.reporter import NullReporter
    from core.setup.new_run import create_run_from_spec
    from core.training.callbacks import Callback
    from core.training.optimizer import build_optimizer
    from core.training.sampler import StepBatchSampler
    from core.training.trainer import Trainer

    steps, warm = (8, 3) if quick else (20, 5)
    spec = setup.family.default_spec("cpu")
    t = spec.train
    t.total_steps, t.warmup_steps, t.num_steps_per_eval, t.checkpoint_interval = steps, 0, 0, 10_000
    t.learning_rate_steps, t.learning_rate_decay_levels, t.batch_size = [], [], 2
    name = "bench-trainer"
    create_run_from_spec(setup.project, name, spec)
    stamps: list[float] = []

    class Clock(Callback):
        def on_step_end(self, trainer, losses):
            stamps.append(time.perf_counter())

    trainer = Trainer(setup.project, name, NullReporter(), callbacks=[Clock()])
    trainer.fit()
    trainer_ms = p([1000 * (b - a) for a, b in zip(stamps[warm:], stamps[warm + 1:])], 50)

    torch.manual_seed(t.seed)
    model = setup.family.build_model(spec, setup.categories).to(trainer.device).train()
    optimizer = build_optimizer(setup.family, model, t, t.init_learning_rate)
    dataset = setup.family.dataset(setup.project, spec, spec.data.train_split, train=True)
    loader = DataLoader(dataset, batch_sampler=StepBatchSampler(len(dataset), t.batch_size, t.seed, 0, steps),
                        collate_fn=setup.family.collate)
    bare: list[float] = []
    for batch in loader:
        losses = setup.family.training_losses(model, batch, trainer.device)
        optimizer.zero_grad(set_to_none=True)
        sum(losses.values()).backward()
        if t.gradient_clip_norm > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), t.gradient_clip_norm)
        optimizer.step()
        bare.append(time.perf_counter())
    bare_ms = p([1000 * (b - a) for a, b in zip(bare[warm:], bare[warm + 1:])], 50)
    return record(f"trainer step vs a bare loop ({setup.info.title}, batch {t.batch_size})", "bare loop", bare_ms,
                  "shared trainer", trainer_ms, "ms per step (p50)", bare_ms / trainer_ms if trainer_ms else None,
                  0.9, family=setup.task)
