"""The toy family's spec (torch-free, like every family's spec module)."""
from __future__ import annotations

from dataclasses import dataclass

from core.specs.base import param
from core.specs.sections import ExportSpec, TrainSpec


@dataclass
class ToyData:
    image_size: int = param(24, "Images are resized to this square size.", unit="px", min=8, max=256)
    train_split: str = param("train", "Split used for training.")
    val_split: str = param("val", "Split used for evaluation.")


@dataclass
class ToyModel:
    backbone: str = param("tiny", "The only architecture.", choices=("tiny",))
    pretrained: str = param("", "Weights to start from (a toy checkpoint).")
    width: int = param(4, "Channels of the first convolution.", min=1, max=64)
    after: str = param("", "A detector artifact this classifier runs after (a cascade); empty: none.")
    margin: float = param(0.0, "Margin around each detected box: pixels when >= 1, else a fraction of the box.",
                          min=0.0)


@dataclass
class ToyEvaluate:
    batch_size: int = param(8, "Images per forward pass during evaluation.", min=1)


@dataclass
class ToySpec:
    task: str = param("toy_colors", "Model family of this spec.", choices=("toy_colors",))
    train: TrainSpec = param(TrainSpec, "Optimizer, schedule and checkpoints.")
    data: ToyData = param(ToyData, "Data.")
    model: ToyModel = param(ToyModel, "Network.")
    evaluate: ToyEvaluate = param(ToyEvaluate, "Evaluation.")
    export: ExportSpec = param(ExportSpec, "Export.")


def cpu_sized(spec: ToySpec) -> ToySpec:
    t = spec.train
    t.total_steps, t.batch_size, t.warmup_steps = 40, 8, 4
    t.init_learning_rate, t.warmup_learning_rate = 0.1, 0.01
    t.learning_rate_steps, t.learning_rate_decay_levels = [30], [0.1]
    t.checkpoint_interval, t.log_interval, t.num_steps_per_eval = 10, 5, 20
    return spec


def smoke_sized(spec: ToySpec) -> ToySpec:
    spec = cpu_sized(spec)
    spec.train.total_steps, spec.train.num_steps_per_eval, spec.train.checkpoint_interval = 12, 0, 6
    return spec
