"""Spec sections shared by every model family (training schedule, evaluation, export)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from core.errors import SpecError
from core.specs.base import param


def steps_per_epoch(num_items: int, batch_size: int) -> int:
    """Optimizer steps in one pass over `num_items` training samples (the last partial batch is
    dropped; at least one). The step sampler and epoch-based schedules both count epochs so."""
    return max(1, int(num_items) // max(1, int(batch_size)))


@dataclass
class TrainSpec:
    """Optimizer, schedule and bookkeeping of a training run (names follow TAO's specs)."""

    total_steps: int = param(2000, "Number of optimizer steps in the whole run.", unit="steps", min=1)
    batch_size: int = param(4, "Images per optimizer step.", unit="images", min=1, max=1024)
    init_learning_rate: float = param(0.02, "Learning rate reached at the end of warmup.", min=0.0, max=10.0)
    warmup_steps: int = param(200, "Steps of linear warmup from warmup_learning_rate to init_learning_rate.",
                              unit="steps", min=0)
    warmup_learning_rate: float = param(0.0002, "Learning rate at step 0 of warmup.", min=0.0, max=10.0)
    learning_rate_schedule: str = param("step", "After warmup: step (multiplied by each decay level from its step on, "
                                                "TAO's schedule) or cosine (a cosine from init_learning_rate to 0 at the "
                                                "last step; learning_rate_steps are then not used).",
                                        choices=("step", "cosine"))
    learning_rate_steps: list[int] = param(
        [1400, 1800], "Steps at which the learning rate is multiplied by the next decay level.", unit="steps")
    learning_rate_decay_levels: list[float] = param(
        [0.1, 0.01], "Multipliers of init_learning_rate applied from each of learning_rate_steps on.")
    optimizer: str = param("sgd", "sgd: SGD with momentum. adamw: AdamW (momentum is its beta1, l2_weight_decay its "
                                  "decoupled decay); it learns small models from scratch where SGD stalls.",
                           choices=("sgd", "adamw"))
    momentum: float = param(0.9, "SGD momentum (AdamW's beta1).", min=0.0, max=0.999)
    l2_weight_decay: float = param(0.0001, "L2 weight decay on weights (not on norms and biases).", min=0.0, max=1.0)
    gradient_clip_norm: float = param(10.0, "Clip the gradient's global norm to this value; 0 turns clipping off.",
                                      min=0.0)
    amp: bool = param(True, "Mixed precision (float16 autocast) when a CUDA GPU is used; ignored on CPU.")
    num_steps_per_eval: int = param(500, "Evaluate on the validation split every this many steps; 0 = only at the end.",
                                    unit="steps", min=0)
    checkpoint_interval: int = param(100, "Save a resumable checkpoint every this many steps.", unit="steps", min=1)
    keep_checkpoints: int = param(3, "How many of the newest step checkpoints to keep.", min=1, max=1000,
                                  advanced=True)
    log_interval: int = param(10, "Report losses every this many steps.", unit="steps", min=1, advanced=True)
    seed: int = param(0, "Seed of sampling, augmentation and initialization.", min=0, advanced=True)
    num_workers: int = param(0, "Data loading processes (0 loads in the training process).", min=0, max=64,
                             advanced=True)
    device: str = param("auto", "Where to train: auto picks CUDA when present, else CPU.",
                        choices=("auto", "cpu", "cuda"), advanced=True)
    enable_qat: bool = param(False, "Quantization-aware training: train with fake INT8 quantization (TensorRT's "
                                    "scheme) so that an INT8 export keeps the accuracy.", advanced=True)
    qat_calibration_samples: int = param(16, "Training samples that set the quantizers' first ranges in QAT.",
                                         min=1, max=10_000, advanced=True)

    # fields whose values are steps of the run: they follow total_steps (`with_total_steps`)
    SCHEDULE_FIELDS: ClassVar[tuple[str, ...]] = ("warmup_steps", "learning_rate_steps")
    INTERVAL_FIELDS: ClassVar[tuple[str, ...]] = ("num_steps_per_eval", "checkpoint_interval", "log_interval")

    def with_total_steps(self, total_steps: int) -> "TrainSpec":
        """A copy for a run of `total_steps` steps: warmup and decay steps keep their fractions of
        the run, and so do the eval, checkpoint and log intervals that would not fit in it (an
        interval that fits stays as it is; 0 stays 0)."""
        if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps < 1:
            raise SpecError(f"train.total_steps must be an integer >= 1, got {total_steps!r}.")
        old, new = self.total_steps, total_steps

        def scaled(step: int) -> int:
            return round(step * new / old) if old > 0 else step

        last = new - 1   # the last step a decay can still apply to (steps count from 0)
        decays, floor = [], 0
        for step in self.learning_rate_steps:
            floor = min(max(scaled(step), floor), last)
            decays.append(floor)
        intervals = {name: getattr(self, name) for name in self.INTERVAL_FIELDS}
        for name, value in intervals.items():
            if value > new:
                intervals[name] = max(1, scaled(value))
        return dataclasses.replace(self, total_steps=new, warmup_steps=min(scaled(self.warmup_steps), new),
                                   learning_rate_steps=decays, **intervals)

    @classmethod
    def derived_defaults(cls, given: dict[str, Any], base: "TrainSpec | None" = None) -> dict[str, Any]:
        """With total_steps given, the schedule fields left out follow it (`with_total_steps` of
        `base`, default: this class's defaults)."""
        if "total_steps" not in given or not isinstance(given["total_steps"], int) or given["total_steps"] < 1:
            return {}
        sized = (base if base is not None else cls()).with_total_steps(given["total_steps"])
        return {name: getattr(sized, name) for name in cls.SCHEDULE_FIELDS + cls.INTERVAL_FIELDS}

    def check(self) -> list[str]:
        errors = []
        if len(self.learning_rate_steps) != len(self.learning_rate_decay_levels):
            errors.append(
                "train.learning_rate_steps and train.learning_rate_decay_levels must have the same length, "
                f"got {len(self.learning_rate_steps)} and {len(self.learning_rate_decay_levels)}")
        if list(self.learning_rate_steps) != sorted(self.learning_rate_steps):
            errors.append(f"train.learning_rate_steps must be increasing, got {self.learning_rate_steps}")
        if any(s < 0 for s in self.learning_rate_steps):
            errors.append("train.learning_rate_steps must be >= 0")
        return errors + self.total_steps_errors()

    def total_steps_errors(self) -> list[str]:
        """What contradicts total_steps (a schedule derived from epochs when the run starts has no
        such errors: `core.families.action_recognition.spec.ActionTrainSpec`)."""
        errors = []
        if self.warmup_steps > self.total_steps:
            errors.append(f"train.warmup_steps ({self.warmup_steps}) must not exceed train.total_steps "
                          f"({self.total_steps})")
        late = [s for s in self.learning_rate_steps if s >= self.total_steps]
        if late:
            steps = ", ".join(str(s) for s in late)
            errors.append(f"train.learning_rate_steps must be below train.total_steps ({self.total_steps}), got "
                          f"{steps}: a decay at or past the end of the run never applies")
        return errors


@dataclass
class ExportSpec:
    """How `studio export` writes deployable artifacts."""

    format: str = param("onnx", "Artifact format.", choices=("onnx",))
    precision: str = param("fp32", "Numeric precision of the exported graph: fp32, fp16 (GPU back ends) or int8 "
                                   "(post-training quantization, calibrated).", choices=("fp32", "fp16", "int8"))
    opset: int = param(17, "ONNX opset version.", min=11, max=21, advanced=True)
    cal_batch_size: int = param(8, "INT8 calibration: samples per calibration batch.", min=1, max=1024)
    cal_batches: int = param(4, "INT8 calibration: number of batches (cal_batch_size x cal_batches samples are "
                                "needed).", min=1, max=10_000)
    cal_split: str = param("train", "INT8 calibration: the split the samples come from.", advanced=True)
    opt_batch_size: int = param(1, "Batch size TensorRT optimizes for (the optimization profile's opt).", min=1,
                                max=256, advanced=True)
    max_batch_size: int = param(8, "Largest batch a TensorRT engine and a Triton model take (the profile's max).",
                                min=1, max=256, advanced=True)

    def check(self) -> list[str]:
        if self.opt_batch_size > self.max_batch_size:
            return [f"export.opt_batch_size ({self.opt_batch_size}) must not exceed export.max_batch_size "
                    f"({self.max_batch_size})"]
        return []
