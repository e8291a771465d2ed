"""Epoch-based schedules (ActionRecognitionNet's `epochs`, MultiStep `lr_steps` in epochs,
`checkpoint_interval` in epochs) as the shared trainer's steps, and the trainer callback that
applies them when a run starts and keeps a checkpoint per epoch named with its validation loss.

The conversion needs the training split's size, known only when the run starts: with
`train.epochs` set, `EpochSchedule.on_train_start` replaces the trainer's schedule by
`steps_from_epochs(train, steps_per_epoch)` — total_steps = epochs x steps per epoch, a decay
step at each of lr_steps (an epoch at or past the end never applies and is said so), a step
checkpoint and an evaluation every `checkpoint_interval_epochs` epochs — so resuming, progress,
ETA and the learning-rate curve all follow the shared rules. After each of those evaluations it
writes `epoch-NNN-val_loss-X.pt` beside the step checkpoints (`core.models.checkpoint_files`);
the newest `keep_checkpoints` of them and the one with the lowest validation loss are kept.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

from core.specs.sections import steps_per_epoch


def steps_from_epochs(train: Any, per_epoch: int) -> tuple[Any, list[str]]:
    """(a copy of the train spec with its step fields derived from its epoch fields, what was
    derived as sentences). `train.epochs` must be set."""
    epochs = int(train.epochs)
    total = epochs * per_epoch
    kept = [e for e in train.lr_steps if e < epochs]
    late = [e for e in train.lr_steps if e >= epochs]
    every = per_epoch * int(train.checkpoint_interval_epochs)
    resolved = dataclasses.replace(
        train, total_steps=total, learning_rate_steps=[e * per_epoch for e in kept],
        learning_rate_decay_levels=[float(train.lr_decay) ** (i + 1) for i in range(len(kept))],
        warmup_steps=min(int(train.warmup_steps), total), checkpoint_interval=min(every, total),
        num_steps_per_eval=every, log_interval=max(1, min(int(train.log_interval), per_epoch)))
    decays = ", ".join(f"epoch {e} (step {e * per_epoch})" for e in kept)
    cosine = getattr(train, "learning_rate_schedule", "step") == "cosine"
    said = [f"{epochs} epochs of {per_epoch} steps = {total} steps" + (
        "; after warmup the learning rate follows a cosine to 0 at the last step" if cosine else
        f"; the learning rate is multiplied by {train.lr_decay:g} at {decays}" if kept else "") + "."]
    if int(train.warmup_steps) > total:
        said.append(f"train.warmup_steps ({train.warmup_steps}) is longer than the run: the warmup lasts all "
                    f"{total} steps.")
    if late and not cosine:
        said.append(f"train.lr_steps {', '.join(map(str, late))} lie at or past the last epoch ({epochs}) and never "
                    "apply.")
    return resolved, said


class EpochSchedule:
    """Trainer callback (duck-typed: `core.families` sits below `core.training`)."""

    def __init__(self) -> None:
        self.per_epoch = 0

    def on_train_start(self, trainer) -> None:
        from core.project import runs

        spec = trainer.spec
        dataset = trainer.family.dataset(trainer.project, spec, spec.data.train_split, train=True)
        for note in getattr(dataset, "notes", []):
            trainer.reporter.log(note, level="warning")
        if not getattr(trainer.tspec, "epochs", 0) or len(dataset) == 0:
            return
        self.per_epoch = steps_per_epoch(len(dataset), trainer.tspec.batch_size)
        resolved, said = steps_from_epochs(trainer.tspec, self.per_epoch)
        trainer.tspec = spec.train = resolved
        runs.update_run(trainer.project, trainer.run.name, total_steps=resolved.total_steps)
        trainer.reporter.log(f"Epoch schedule over {len(dataset)} training clips in batches of {resolved.batch_size}: "
                             + " ".join(said) + " train.total_steps and learning_rate_steps are derived from it.")

    def on_step_end(self, trainer, losses) -> None:
        pass

    def on_eval_end(self, trainer, metrics: dict[str, float]) -> None:
        if not self.per_epoch or trainer.step % self.per_epoch:
            return
        epoch = trainer.step // self.per_epoch
        every = int(trainer.tspec.checkpoint_interval_epochs)
        if epoch % every and trainer.step < trainer.tspec.total_steps:
            return
        self._write(trainer, epoch, float(metrics.get("val_loss", math.nan)))

    def on_checkpoint(self, trainer, path) -> None:
        pass

    def on_train_end(self, trainer, result) -> None:
        pass

    @staticmethod
    def _write(trainer, epoch: int, val_loss: float) -> None:
        from core.models import checkpoint_files as files
        from core.models.checkpoint import write_checkpoint

        path = files.epoch_checkpoint(trainer.run_dir, epoch, val_loss)
        write_checkpoint(path, {**trainer.model_payload("epoch"), "epoch": epoch, "val_loss": val_loss})
        trainer.reporter.log(f"Epoch {epoch}: validation loss {val_loss:.4f}; kept {path.name}.")
        copies = files.epoch_checkpoints(trainer.run_dir)
        keep = {p for _, _, p in copies[:max(1, int(trainer.tspec.keep_checkpoints))]}
        finite = [c for c in copies if math.isfinite(c[1])]
        if finite:
            keep.add(min(finite, key=lambda c: (c[1], -c[0]))[2])
        for _, _, p in copies:
            if p not in keep:
                p.unlink(missing_ok=True)
