"""Trainer callbacks: the named moments of a run where behaviour hooks in (Ultralytics-style).

    on_train_start(trainer)            model built, weights loaded, before the optimizer exists:
                                       a callback may replace `trainer.model` and append to
                                       `trainer.transforms` (fake quantization, pruning-aware wraps)
    on_step_end(trainer, losses)       after each optimizer step (`trainer.step` is the new count)
    on_eval_end(trainer, metrics)      after each evaluation on the validation split
    on_checkpoint(trainer, path)       after a step checkpoint is written
    on_train_end(trainer, result)      after the run finished or stopped

The shared behaviour of every run is written as callbacks too: `ProgressReport` (loss and
throughput events, ETA), `PeriodicCheckpoint`, `PeriodicEvaluation` and `BestCheckpoint` (keeps
`best.pt` by the family's headline metric).
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.training.trainer import Trainer, TrainResult


class Callback:
    def on_train_start(self, trainer: "Trainer") -> None:
        pass

    def on_step_end(self, trainer: "Trainer", losses: dict[str, Any]) -> None:
        pass

    def on_eval_end(self, trainer: "Trainer", metrics: dict[str, float]) -> None:
        pass

    def on_checkpoint(self, trainer: "Trainer", path) -> None:
        pass

    def on_train_end(self, trainer: "Trainer", result: "TrainResult") -> None:
        pass


class ProgressReport(Callback):
    """Every `log_interval` steps (and at the last): one metric event with each loss term, the
    total loss, the learning rate and samples/s, and a progress event with the ETA."""

    def on_train_start(self, trainer: "Trainer") -> None:
        self.t_start = self.window_t = time.perf_counter()
        self.window_samples = 0

    def on_step_end(self, trainer: "Trainer", losses: dict[str, Any]) -> None:
        t = trainer.tspec
        self.window_samples += t.batch_size
        step, total = trainer.step, t.total_steps
        if step % t.log_interval and step != total:
            return
        now = time.perf_counter()
        rate = self.window_samples / max(now - self.window_t, 1e-9)
        self.window_t, self.window_samples = now, 0
        per_step = (now - self.t_start) / max(1, step - trainer.start_step)
        values = {k: float(v.detach()) for k, v in losses.items()}
        values.update(loss=float(sum(losses.values()).detach()), lr=trainer.optimizer.param_groups[0]["lr"],
                      samples_per_s=rate)
        trainer.reporter.metrics(values, step=step, phase="train")
        per_epoch = trainer.sampler.steps_per_epoch if trainer.sampler is not None else 0
        trainer.reporter.progress(step, total, phase="train", force=True, step=step,
                                  eta_s=round(per_step * (total - step), 1), epoch=trainer.epoch_of(step - 1),
                                  epochs=-(-total // per_epoch) if per_epoch else None)


class PeriodicCheckpoint(Callback):
    def on_step_end(self, trainer: "Trainer", losses: dict[str, Any]) -> None:
        if trainer.step % trainer.tspec.checkpoint_interval == 0 and trainer.step < trainer.tspec.total_steps:
            trainer.save_checkpoint()


class PeriodicEvaluation(Callback):
    def on_step_end(self, trainer: "Trainer", losses: dict[str, Any]) -> None:
        n = trainer.tspec.num_steps_per_eval
        if n and trainer.step % n == 0 and trainer.step < trainer.tspec.total_steps:
            trainer.evaluate()
            trainer.model.train()


class BestCheckpoint(Callback):
    """`checkpoints/best.pt`: the model at the best value of the family's headline metric so far
    (higher is better); registered as a checkpoint artifact whose meta says role, step and value."""

    def on_eval_end(self, trainer: "Trainer", metrics: dict[str, float]) -> None:
        name = trainer.family.info.headline_metric
        value = metrics.get(name)
        if value is None:
            return
        best = trainer.best
        if best is not None and value <= best["value"]:
            return
        trainer.best = {"metric": name, "value": float(value), "step": trainer.step}
        path = trainer.write_model_file("best")
        trainer.reporter.log(f"New best {name} {value:.4f} at step {trainer.step}: {path.name}.")
