"""The 2D pose (Keypoint R-CNN) experiment spec."""
from __future__ import annotations

from dataclasses import dataclass

from core.specs.base import param
from core.specs.sections import ExportSpec, TrainSpec

BACKBONES = ("resnet18", "resnet34", "resnet50", "resnet101")
STRIDE = 32     # the backbone halves the input five times: the input's sides must be multiples of this


def size_problem(name: str, value: int) -> str | None:
    """A sentence when an input side is not a positive multiple of 32 (with the nearest ones)."""
    if value > 0 and value % STRIDE == 0:
        return None
    low = max(STRIDE, value // STRIDE * STRIDE)
    high = low + STRIDE if low < value or value <= 0 else low
    near = f"{low} or {high}" if low != high else f"{low}"
    return (f"{name} must be a multiple of {STRIDE} (the backbone halves the image five times), got {value}; "
            f"use {near}")


@dataclass
class DataSpec:
    input_height: int = param(288, "Height of the network input: images are resized to fit inside "
                                   "input_height x input_width (keeping their aspect) and padded. A multiple of 32.",
                              unit="px", min=32, max=4096)
    input_width: int = param(384, "Width of the network input. A multiple of 32.", unit="px", min=32, max=4096)
    train_split: str = param("train", "Split used for training.")
    val_split: str = param("val", "Split used for evaluation during and after training.")
    horizontal_flip: float = param(0.5, "Probability of flipping a training image left-right (left and right "
                                        "keypoints swap, by name).", min=0.0, max=1.0)

    def check(self) -> list[str]:
        return [p for p in (size_problem("data.input_height", self.input_height),
                            size_problem("data.input_width", self.input_width)) if p]


@dataclass
class ModelSpec:
    """Keypoint R-CNN with a ResNet + FPN backbone. The defaults are sized for GPUs (as torchvision's)."""

    backbone: str = param("resnet50", "Backbone network (ResNet + FPN).", choices=BACKBONES)
    pretrained: str = param("", "Local weights: a torchvision ResNet backbone .pth or a Studio pose checkpoint. "
                                "Empty trains from scratch.")
    freeze_blocks: list[int] = param([], "ResNet blocks to freeze: 0 is the stem, 1-4 the residual stages.")
    freeze_bn: bool = param(False, "Freeze BatchNorm statistics and affine parameters (use with pretrained weights).")
    fpn_channels: int = param(256, "Channels of the feature pyramid.", min=8, max=1024, advanced=True)
    anchor_sizes: list[int] = param([32, 64, 128, 256, 512], "Anchor size per pyramid level (5 levels).",
                                    unit="px", advanced=True)
    anchor_aspect_ratios: list[float] = param([0.5, 1.0, 2.0], "Anchor height/width ratios.", advanced=True)
    rpn_pre_nms_top_n_train: int = param(2000, "RPN proposals kept before NMS, per level, in training.", min=1,
                                         advanced=True)
    rpn_post_nms_top_n_train: int = param(2000, "RPN proposals kept after NMS in training.", min=1, advanced=True)
    rpn_pre_nms_top_n_test: int = param(1000, "RPN proposals kept before NMS, per level, at test time.", min=1,
                                        advanced=True)
    rpn_post_nms_top_n_test: int = param(1000, "RPN proposals kept after NMS at test time.", min=1, advanced=True)
    rpn_nms_threshold: float = param(0.7, "IoU threshold of the RPN's NMS.", min=0.0, max=1.0, advanced=True)
    rpn_batch_size_per_im: int = param(256, "Anchors sampled per image for the RPN loss.", min=1, advanced=True)
    box_batch_size_per_im: int = param(512, "RoIs sampled per image for the box head (the keypoint head "
                                            "trains on the positive ones).", min=1, advanced=True)
    box_positive_fraction: float = param(0.25, "Fraction of positive RoIs in that sample.", min=0.0, max=1.0,
                                         advanced=True)
    box_head_dim: int = param(1024, "Width of the box head's two fully connected layers.", min=8, advanced=True)
    keypoint_head_layers: int = param(8, "Convolutions of the keypoint head.", min=1, max=16, advanced=True)
    keypoint_head_channels: int = param(512, "Channels of each keypoint-head convolution.", min=8, max=1024,
                                        advanced=True)
    keypoint_roi_size: int = param(14, "Side of the features pooled per person for the keypoint head (its heatmaps "
                                       "are 4x this).", unit="px", min=7, max=28, advanced=True)
    test_detections_per_image: int = param(100, "Most people kept per image.", min=1, max=1000)
    test_score_threshold: float = param(0.05, "People below this score are dropped.", min=0.0, max=1.0)
    test_nms: float = param(0.5, "IoU threshold of the NMS at test time.", min=0.0, max=1.0, advanced=True)

    def check(self) -> list[str]:
        errors = []
        if len(self.anchor_sizes) != 5:
            errors.append(f"model.anchor_sizes must list 5 sizes (one per pyramid level), got {len(self.anchor_sizes)}")
        if any(s <= 0 for s in self.anchor_sizes):
            errors.append("model.anchor_sizes must be positive")
        if not self.anchor_aspect_ratios or any(r <= 0 for r in self.anchor_aspect_ratios):
            errors.append("model.anchor_aspect_ratios must be positive numbers")
        bad = [b for b in self.freeze_blocks if b < 0 or b > 4]
        if bad:
            errors.append(f"model.freeze_blocks must be between 0 and 4, got {bad}")
        return errors


@dataclass
class EvaluateSpec:
    batch_size: int = param(4, "Images per forward pass during evaluation.", unit="images", min=1)
    keypoint_sigmas: list[float] = param([], "Per-keypoint OKS sigmas, one per keypoint; empty: COCO's for the "
                                             "17-point person, else by joint kind from the keypoint names.",
                                         advanced=True)
    pck_alpha: float = param(0.2, "PCK counts a keypoint correct within this fraction of the person's longer box "
                                  "side.", min=0.01, max=1.0, advanced=True)
    visible_score: float = param(2.0, "A predicted keypoint whose heatmap score is below this is drawn as uncertain "
                                      "(hollow, like an occluded one).", advanced=True)


@dataclass
class PoseSpec:
    task: str = param("pose", "Model family of this spec.", choices=("pose",))
    train: TrainSpec = param(TrainSpec, "Optimizer, schedule and checkpoints.")
    data: DataSpec = param(DataSpec, "Which data, at which input size, with which augmentation.")
    model: ModelSpec = param(ModelSpec, "Network architecture and detection settings.")
    evaluate: EvaluateSpec = param(EvaluateSpec, "COCO keypoint evaluation (OKS) and PCK.")
    export: ExportSpec = param(ExportSpec, "Deployment export.")


def cpu_sized(spec: PoseSpec) -> PoseSpec:
    """Shrink what dominates a CPU step: ResNet18, a narrow FPN and box head, a keypoint head of 4
    convolutions of 64 channels (torchvision's: 8 of 512), fewer sampled RoIs and proposals, anchors
    for small inputs, and a 128x160 input."""
    m = spec.model
    m.backbone = "resnet18"
    m.fpn_channels = 64
    m.box_head_dim = 256
    m.keypoint_head_layers, m.keypoint_head_channels = 4, 64
    m.box_batch_size_per_im = 64
    m.rpn_pre_nms_top_n_train, m.rpn_post_nms_top_n_train = 300, 150
    m.rpn_pre_nms_top_n_test, m.rpn_post_nms_top_n_test = 300, 150
    m.anchor_sizes = [16, 32, 64, 128, 256]
    spec.data.input_height, spec.data.input_width = 128, 160
    return spec


def smoke_sized(spec: PoseSpec) -> PoseSpec:
    """The CPU profile shrunk to train in seconds on 64 px sample data (tests, quick benchmarks):
    a 64x64 input, a keypoint head of 2 convolutions of 32 channels on 7x7 RoIs, 4 steps of 2 images."""
    spec = cpu_sized(spec)
    m = spec.model
    spec.data.input_height, spec.data.input_width = 64, 64
    m.anchor_sizes = [8, 16, 32, 64, 128]
    m.keypoint_head_layers, m.keypoint_head_channels, m.keypoint_roi_size = 2, 32, 7
    m.box_batch_size_per_im = 32
    m.test_score_threshold, m.test_detections_per_image = 0.0, 4
    m.rpn_pre_nms_top_n_test, m.rpn_post_nms_top_n_test = 50, 20
    t = spec.train
    t.total_steps, t.batch_size, t.warmup_steps = 4, 2, 1
    t.init_learning_rate, t.warmup_learning_rate = 0.01, 0.001
    t.learning_rate_steps, t.learning_rate_decay_levels = [3], [0.1]
    t.checkpoint_interval, t.log_interval, t.num_steps_per_eval = 2, 1, 0
    spec.evaluate.batch_size = 4
    return spec
