"""The gesture family's spec (torch-free, so the GUI builds its form without torch)."""
from __future__ import annotations

from dataclasses import dataclass

from core.specs.base import param
from core.specs.sections import ExportSpec, TrainSpec

BACKBONES = ("resnet18", "resnet34", "mobilenet_v3")   # mobilenet_v3: torchvision's MobileNetV3-Small


@dataclass
class DataSpec:
    image_size: int = param(160, "Crops are resized to this square size (GestureNet: 3x160x160).", unit="px",
                            min=16, max=1024)
    crop_margin: float = param(0.0, "Margin around each training box before it is cut: pixels when >= 1, else a "
                                    "fraction of the box (crops imported with their margin already cut need 0).",
                               min=0.0)
    balanced_sampling: bool = param(False, "Draw training crops class-balanced (each class equally often).")
    horizontal_flip: float = param(0.5, "Probability of flipping a training crop left-right.", min=0.0, max=1.0)
    rotate90: bool = param(False, "Turn each training crop by a random multiple of 90 degrees (for hands seen at any "
                                  "angle, as from above; off when they are always upright).")
    rotation: float = param(0.0, "Turn each training crop by a random angle of up to this many degrees either way "
                                 "(the corners filled by reflection; 180: any angle). Replaces rotate90 when set.",
                            unit="deg", min=0.0, max=180.0)
    random_crop_scale: float = param(1.0, "Cut each training crop to a random window of at least this fraction of "
                                          "each side (a detector's box is never exactly the labeled one; 1: off).",
                                     min=0.3, max=1.0)
    train_split: str = param("train", "Split used for training.")
    val_split: str = param("val", "Split used for evaluation.")


@dataclass
class ModelSpec:
    backbone: str = param("resnet18", "Classifier network.", choices=BACKBONES)
    pretrained: str = param("", "Local weights: a torchvision classifier .pth of the backbone, or a Studio gesture "
                                "checkpoint with other classes. Empty trains from scratch.")
    detector: str = param("", "The hand detector this classifier runs after (an artifact of a detection run: .pt, "
                              ".onnx or .engine); empty: it classifies whole images.")
    margin: float = param(0.25, "Margin around each detected box before it is classified: pixels when >= 1, else a "
                                "fraction of the box (the reference used 200 px on full-HD frames).", min=0.0)
    detector_classes: list[int] = param([], "Detector class ids whose boxes are classified (empty: every box).")


@dataclass
class EvaluateSpec:
    batch_size: int = param(32, "Crops per forward pass during evaluation.", unit="crops", min=1)


@dataclass
class GestureSpec:
    task: str = param("gesture", "Model family of this spec.", choices=("gesture",))
    train: TrainSpec = param(TrainSpec, "Optimizer, schedule and checkpoints.")
    data: DataSpec = param(DataSpec, "Data and augmentation.")
    model: ModelSpec = param(ModelSpec, "Network and cascade.")
    evaluate: EvaluateSpec = param(EvaluateSpec, "Evaluation.")
    export: ExportSpec = param(ExportSpec, "Deployment export.")


def cpu_sized(spec: GestureSpec) -> GestureSpec:
    """A ResNet18 on 64 px crops trains a few thousand crops in minutes on a CPU, with the recipe the
    gesture demo uses: AdamW, a warmup over the first 30% of the steps from 1/25 of the rate, then
    a cosine to 0. From scratch on 1,813 crops of the detection demo's hands, its 600 steps reached
    accuracy 0.967 where SGD at 0.05 with decay steps reached 0.938 (README)."""
    spec.data.image_size = 64
    t = spec.train
    t.batch_size, t.total_steps, t.warmup_steps = 32, 600, 180
    t.optimizer, t.learning_rate_schedule = "adamw", "cosine"
    t.init_learning_rate, t.warmup_learning_rate = 0.002, 0.00008
    t.learning_rate_steps, t.learning_rate_decay_levels = [], []
    t.checkpoint_interval, t.log_interval, t.num_steps_per_eval = 100, 10, 200
    return spec


def smoke_sized(spec: GestureSpec) -> GestureSpec:
    """The CPU profile shrunk to train in seconds on 32 px crops (tests)."""
    spec = cpu_sized(spec)
    spec.data.image_size = 32
    t = spec.train
    t.total_steps, t.batch_size, t.warmup_steps = 4, 4, 1
    t.init_learning_rate, t.warmup_learning_rate = 0.01, 0.001
    t.learning_rate_steps, t.learning_rate_decay_levels = [3], [0.1]
    t.checkpoint_interval, t.log_interval, t.num_steps_per_eval = 2, 1, 0
    spec.evaluate.batch_size = 8
    return spec
