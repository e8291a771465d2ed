"""The object-detection experiment spec: Faster R-CNN (ResNet18/34/50 + FPN) or the light CPU option.
Torch-free (the GUI builds specs from it)."""
from __future__ import annotations

from dataclasses import dataclass

from core.specs.base import param
from core.specs.sections import ExportSpec, TrainSpec

BACKBONES = ("resnet18", "resnet34", "resnet50")
ARCHITECTURES = ("faster_rcnn", "fcos")


@dataclass
class DataSpec:
    image_size: int = param(512, "Images are resized so the longer side is this long (padding keeps the ratio).",
                            unit="px", min=32, max=4096)
    train_split: str = param("train", "Split used for training.")
    val_split: str = param("val", "Split used for evaluation during and after training.")
    horizontal_flip: float = param(0.5, "Probability of flipping a training image left-right.", min=0.0, max=1.0)


@dataclass
class ModelSpec:
    """A two-stage Faster R-CNN (or the one-stage FCOS) over a ResNet + FPN. The defaults are sized
    for GPUs (as torchvision's); `cpu_sized` shrinks them."""

    architecture: str = param("faster_rcnn", "Detector: Faster R-CNN (two stages, the most accurate per CPU "
                                             "second measured), or FCOS (one stage, faster at inference).",
                              choices=ARCHITECTURES)
    backbone: str = param("resnet50", "Backbone network (ResNet + FPN).", choices=BACKBONES)
    pretrained: str = param("", "Local weights: a torchvision ResNet backbone .pth, a torchvision detection "
                                "checkpoint, or a Studio detection checkpoint with other classes. Empty trains "
                                "from scratch.")
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
    rpn_positive_fraction: float = param(0.5, "Fraction of positive anchors in the RPN sample.", min=0.0, max=1.0,
                                         advanced=True)
    box_batch_size_per_im: int = param(512, "RoIs sampled per image for the box head.", min=1, advanced=True)
    box_head_dim: int = param(1024, "Width of the box head's two fully connected layers.", min=8, advanced=True)
    head_convs: int = param(4, "Convolutions in each tower of FCOS's head.", min=1, max=8, advanced=True)
    test_detections_per_image: int = param(100, "Most detections kept per image.", min=1, max=1000)
    test_score_threshold: float = param(0.05, "Detections below this score are dropped.", min=0.0, max=1.0)
    test_nms: float = param(0.5, "IoU threshold of the per-class NMS at test time.", min=0.0, max=1.0,
                            advanced=True)

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
    voc_iou_threshold: float = param(0.5, "IoU a detection needs with a box to count as found in the VOC-style "
                                          "per-class AP (mAP@0.5).", min=0.05, max=0.95)


@dataclass
class DetectionSpec:
    task: str = param("detection", "Model family of this spec.", choices=("detection",))
    train: TrainSpec = param(TrainSpec, "Optimizer, schedule and checkpoints.")
    data: DataSpec = param(DataSpec, "Which data, at which size, with which augmentation.")
    model: ModelSpec = param(ModelSpec, "Network architecture and detection settings.")
    evaluate: EvaluateSpec = param(EvaluateSpec, "COCO and VOC evaluation.")
    export: ExportSpec = param(ExportSpec, "Deployment export.")


def cpu_sized(spec: DetectionSpec) -> DetectionSpec:
    """Shrink what dominates a CPU step: ResNet18, a narrow FPN and box head, fewer sampled RoIs
    and proposals, anchors for small images, 128 px. Of the light detectors measured for the same
    CPU time on the synthetic hands (`benchmarks/detection_candidates.py`), this Faster R-CNN
    reached the highest AP (see the README)."""
    m = spec.model
    m.backbone = "resnet18"
    m.fpn_channels = 64
    m.box_head_dim = 256
    m.head_convs = 2
    m.box_batch_size_per_im = 64
    m.rpn_pre_nms_top_n_train, m.rpn_post_nms_top_n_train = 300, 150
    m.rpn_pre_nms_top_n_test, m.rpn_post_nms_top_n_test = 300, 150
    m.anchor_sizes = [16, 32, 64, 128, 256]
    spec.data.image_size = 128
    return spec


def smoke_sized(spec: DetectionSpec) -> DetectionSpec:
    """The CPU profile shrunk to train in seconds on 64 px sample data (tests, quick benchmarks)."""
    spec = cpu_sized(spec)
    spec.data.image_size = 64
    m = spec.model
    m.fpn_channels, m.box_head_dim, m.box_batch_size_per_im = 32, 64, 32
    m.anchor_sizes = [8, 16, 32, 64, 128]
    m.test_score_threshold, m.test_detections_per_image = 0.0, 4
    m.rpn_pre_nms_top_n_train, m.rpn_post_nms_top_n_train = 100, 50
    m.rpn_pre_nms_top_n_test, m.rpn_post_nms_top_n_test = 50, 20
    t = spec.train
    t.total_steps, t.batch_size, t.warmup_steps = 4, 2, 1
    t.init_learning_rate, t.warmup_learning_rate = 0.01, 0.001
    t.learning_rate_steps, t.learning_rate_decay_levels = [3], [0.1]
    t.checkpoint_interval, t.log_interval, t.num_steps_per_eval = 2, 1, 0
    spec.evaluate.batch_size = 4
    return spec
