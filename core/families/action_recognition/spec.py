"""The action-recognition experiment spec (ActionRecognitionNet's field names where it has them).

Torch-free, like every family's spec module: the GUI builds specs from it without importing torch.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.specs.base import param
from core.specs.sections import ExportSpec, TrainSpec

INPUT_TYPES = ("2d", "3d")
MODEL_TYPES = ("rgb", "rgb_diff")
BACKBONES_2D = ("resnet18", "resnet34")
BACKBONES_3D = ("resnet18", "resnet34", "r3d_18", "mc3_18", "r2plus1d_18")   # resnet18/34 in 3D: r3d
BACKBONES = ("resnet18", "resnet34", "r3d_18", "mc3_18", "r2plus1d_18")
SAMPLE_STRATEGIES = ("consecutive", "random_interval")
EVAL_MODES = ("center", "conv")


@dataclass
class ActionTrainSpec(TrainSpec):
    """The shared schedule in steps, plus ActionRecognitionNet's epoch schedule: with `epochs` set,
    the run lasts that many passes over the training clips and the learning rate drops by
    `lr_decay` at each of `lr_steps` (epochs); the step fields above are then derived from the
    training split's size and the batch size when the run starts."""

    epochs: int = param(0, "Passes over the training clips; 0 uses total_steps and learning_rate_steps instead.",
                        unit="epochs", min=0, max=100000)
    lr_scheduler: str = param("MultiStep", "Learning-rate schedule of an epoch-based run.", choices=("MultiStep",))
    lr_steps: list[int] = param([], "Epochs at which the learning rate is multiplied by lr_decay (with epochs set; "
                                    "an epoch at or past the end never applies).", unit="epochs")
    lr_decay: float = param(0.1, "Factor applied to the learning rate at each of lr_steps.", min=0.0, max=1.0)
    checkpoint_interval_epochs: int = param(1, "With epochs set: a checkpoint (and an evaluation) every this many "
                                               "epochs, kept as epoch-NNN-val_loss-X.pt.", unit="epochs", min=1)

    def total_steps_errors(self) -> list[str]:
        """With `epochs` set, total_steps and learning_rate_steps are derived when the run starts
        (`schedule.steps_from_epochs`), so they cannot contradict the warmup yet."""
        return [] if self.epochs else super().total_steps_errors()

    def check(self) -> list[str]:
        errors = super().check()
        if list(self.lr_steps) != sorted(self.lr_steps) or any(s < 0 for s in self.lr_steps):
            errors.append(f"train.lr_steps must be increasing epochs >= 0, got {self.lr_steps}")
        if self.lr_steps and not self.epochs:
            errors.append("train.lr_steps are epochs: set train.epochs too (or use learning_rate_steps in steps)")
        return errors


@dataclass
class ActionDataSpec:
    input_width: int = param(224, "Frames are resized to this width.", unit="px", min=16, max=1024)
    input_height: int = param(224, "Frames are resized to this height.", unit="px", min=16, max=1024)
    sample_strategy: str = param("consecutive", "How a training clip's frames are taken: consecutive (every "
                                 "sample_rate-th frame) or random_interval (a random step between frames, so the "
                                 "whole window still fits in the clip).", choices=SAMPLE_STRATEGIES)
    sample_rate: int = param(1, "Take every this-many-th frame (1: consecutive frames).", min=1, max=64)
    label_map: list[str] = param([], "The classes in the model's output order (index = position, as TAO's label_map); "
                                     "empty: every class of the project, by id.")
    short_clips: str = param("pad", "Training clips shorter than the window: pad (repeat the last frame) or skip.",
                             choices=("pad", "skip"))
    horizontal_flip: float = param(0.0, "Probability of flipping a training clip left-right (off by default: it "
                                        "turns move_left into move_right).", min=0.0, max=1.0)
    random_crop_scale: float = param(1.0, "Training clips are cut to a random window of at least this fraction of "
                                          "each side (the same for all its frames); 1 keeps whole frames.",
                                     min=0.3, max=1.0)
    color_jitter: float = param(0.0, "Training clips get random per-channel gains and a brightness shift of up to "
                                     "this fraction (the same for all its frames); 0 turns it off.", min=0.0, max=0.8)
    train_split: str = param("train", "Split used for training.")
    val_split: str = param("val", "Split used for evaluation during and after training.")


@dataclass
class ActionModelSpec:
    model_type: str = param("rgb", "Input stream: rgb (the frames), or rgb_diff (the network sees the T-1 "
                                   "differences between consecutive frames of the window, computed inside the "
                                   "graph, so the input stays T RGB frames; what stands still cancels out, as in "
                                   "TSN's RGB difference).", choices=MODEL_TYPES)
    input_type: str = param("2d", "2d: a ResNet over the frames stacked as 3*T channels; 3d: a 3D ResNet over "
                                  "(3, T, H, W).", choices=INPUT_TYPES)
    backbone: str = param("resnet18", "Network: resnet18/34 (2D, or r3d in 3D), or torchvision's r3d_18, mc3_18, "
                                      "r2plus1d_18 (3D).", choices=BACKBONES)
    rgb_seq_length: int = param(32, "Frames per clip (T).", unit="frames", min=1, max=256)
    pretrained: str = param("", "Local weights: a Studio action checkpoint (other classes are fine), or, for 2D, "
                                "ImageNet-style ResNet weights (.pth) whose first convolution is repeated over the "
                                "T frames and scaled by 1/T. Empty trains from scratch.")
    rgb_pretrained_num_classes: int = param(0, "Classes of the pretrained model (e.g. 5); checked against the file. "
                                               "The classifier is re-initialized for this project's classes, "
                                               "everything else loads. 0: do not check.", min=0)
    dropout: float = param(0.0, "Dropout before the classifier.", min=0.0, max=0.9, advanced=True)

    def check(self) -> list[str]:
        if self.model_type == "rgb_diff" and self.rgb_seq_length < 2:
            return [f"model.model_type rgb_diff needs at least 2 frames (rgb_seq_length is {self.rgb_seq_length}): "
                    f"it sees the differences between consecutive ones"]
        if self.input_type == "2d" and self.backbone not in BACKBONES_2D:
            return [f"model.backbone {self.backbone} is a 3D network: with input_type 2d choose "
                    f"{' or '.join(BACKBONES_2D)}, or set input_type to 3d"]
        return []


@dataclass
class ActionEvaluateSpec:
    batch_size: int = param(8, "Clips per forward pass during evaluation.", unit="clips", min=1)
    video_eval_mode: str = param("center", "center: the middle T frames of each clip; conv: video_num_clips windows "
                                           "evenly spaced over the clip, their scores averaged.", choices=EVAL_MODES)
    video_num_clips: int = param(10, "Windows per clip in conv mode.", min=1, max=100)


@dataclass
class ActionInferenceSpec:
    """How a video is walked (DeepStream nvdspreprocess's stride and subsample)."""

    stride: int = param(1, "A prediction every this many frames of a video.", unit="frames", min=1, max=1000)
    subsample: int = param(0, "Take every this-many-th frame into the window; 0: data.sample_rate, as in training.",
                           min=0, max=64)


@dataclass
class ActionRecognitionSpec:
    task: str = param("action_recognition", "Model family of this spec.", choices=("action_recognition",))
    train: ActionTrainSpec = param(ActionTrainSpec, "Optimizer, schedule and checkpoints.")
    data: ActionDataSpec = param(ActionDataSpec, "Frames, sampling and classes.")
    model: ActionModelSpec = param(ActionModelSpec, "Network.")
    evaluate: ActionEvaluateSpec = param(ActionEvaluateSpec, "Evaluation (center or conv).")
    inference: ActionInferenceSpec = param(ActionInferenceSpec, "Sliding window over videos.")
    export: ExportSpec = param(ExportSpec, "Deployment export.")


def cpu_sized(spec: ActionRecognitionSpec) -> ActionRecognitionSpec:
    """A CPU-sized start: ResNet18 over 8 frames of 64 px, a short schedule with warmup."""
    spec.data.input_width = spec.data.input_height = 64
    spec.model.rgb_seq_length = 8
    t = spec.train
    t.total_steps, t.batch_size, t.warmup_steps = 300, 8, 30
    t.init_learning_rate, t.warmup_learning_rate = 0.01, 0.001
    t.learning_rate_steps, t.learning_rate_decay_levels = [240], [0.1]
    t.checkpoint_interval, t.num_steps_per_eval, t.log_interval = 50, 100, 10
    return spec


def smoke_sized(spec: ActionRecognitionSpec) -> ActionRecognitionSpec:
    """Trains in seconds on the sample clips: a 2D ResNet18 over 4 frames of 32 px, 4 steps of 2 clips
    (the tests that run every family through prune, QAT, INT8 and deployment)."""
    spec = cpu_sized(spec)
    spec.model.input_type, spec.model.backbone, spec.model.rgb_seq_length = "2d", "resnet18", 4
    spec.data.input_width = spec.data.input_height = 32
    t = spec.train
    t.total_steps, t.batch_size, t.warmup_steps = 4, 2, 1
    t.learning_rate_steps, t.learning_rate_decay_levels = [3], [0.1]
    t.checkpoint_interval, t.num_steps_per_eval, t.log_interval = 2, 0, 1
    spec.evaluate.batch_size = 4
    return spec
