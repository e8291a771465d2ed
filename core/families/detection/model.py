"""Build the detector a spec describes, untrained (weights are put in by the shared trainer through
`core.models.weights.transfer_weights` with this family's `weight_layout`; nothing is downloaded).

- ``faster_rcnn``: torchvision's Faster R-CNN over a ResNet18/34/50 + FPN (the R-CNN backbone
  Mask R-CNN uses, `core.models.resnet_fpn`); with `cpu_sized` it is the CPU profile;
- ``fcos``: torchvision's one-stage FCOS over a ResNet + FPN of levels P3-P7, the light option for
  inference (fewer operations per image, no RoI stage).

Which one a CPU trains best was measured (`benchmarks/detection_candidates.py`, the README's table:
MobileNetV3-FPN Faster R-CNN and RetinaNet were measured too and lost; they are not offered).

Every model takes float images in [0, 1] (any size; it resizes the longer side to `image_size`
and normalizes inside) and, in eval mode, returns torchvision's per-image dicts of boxes, labels
(1..K) and scores. Training labels are 1..K as well: class 0 is the background.
"""
from __future__ import annotations

from torch import nn
from torchvision.models import resnet
from torchvision.models.detection import FCOS, FasterRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.fcos import FCOSHead
from torchvision.ops import misc as misc_nn_ops
from torchvision.ops.feature_pyramid_network import LastLevelP6P7

from core.families.detection.spec import ModelSpec
from core.models.resnet_fpn import build_backbone, freeze_blocks


def build_model(spec: ModelSpec, num_classes: int, image_size: int) -> nn.Module:
    """The detector for `num_classes` object classes (the background is added here)."""
    if spec.architecture == "faster_rcnn":
        model = faster_rcnn(spec, num_classes, image_size)
    elif spec.architecture == "fcos":
        model = _fcos(spec, num_classes, image_size)
    else:
        raise ValueError(f"unknown detection architecture {spec.architecture!r}")
    if spec.freeze_blocks:
        freeze_blocks(model, spec.freeze_blocks)
    return model


def norm_layer(spec: ModelSpec):
    return misc_nn_ops.FrozenBatchNorm2d if spec.freeze_bn else nn.BatchNorm2d


def faster_rcnn(spec: ModelSpec, num_classes: int, image_size: int, backbone: nn.Module | None = None) -> FasterRCNN:
    """Faster R-CNN over `backbone` (default: the spec's ResNet + FPN)."""
    backbone = backbone or build_backbone(spec.backbone, spec.fpn_channels, frozen_bn=spec.freeze_bn)
    c = backbone.out_channels
    anchors = AnchorGenerator(tuple((s,) for s in spec.anchor_sizes),
                              (tuple(spec.anchor_aspect_ratios),) * len(spec.anchor_sizes))
    return FasterRCNN(
        backbone,
        num_classes=None,
        min_size=image_size,
        max_size=image_size,
        rpn_anchor_generator=anchors,
        rpn_pre_nms_top_n_train=spec.rpn_pre_nms_top_n_train,
        rpn_post_nms_top_n_train=spec.rpn_post_nms_top_n_train,
        rpn_pre_nms_top_n_test=spec.rpn_pre_nms_top_n_test,
        rpn_post_nms_top_n_test=spec.rpn_post_nms_top_n_test,
        rpn_nms_thresh=spec.rpn_nms_threshold,
        rpn_batch_size_per_image=spec.rpn_batch_size_per_im,
        rpn_positive_fraction=spec.rpn_positive_fraction,
        box_batch_size_per_image=spec.box_batch_size_per_im,
        box_score_thresh=spec.test_score_threshold,
        box_nms_thresh=spec.test_nms,
        box_detections_per_img=spec.test_detections_per_image,
        box_head=TwoMLPHead(c * 7 * 7, spec.box_head_dim),
        box_predictor=FastRCNNPredictor(spec.box_head_dim, num_classes + 1),
    )


def p3_p7_backbone(spec: ModelSpec) -> BackboneWithFPN:
    """ResNet layer2-4 under an FPN with two extra levels (P3-P7), as torchvision's FCOS and RetinaNet."""
    body = getattr(resnet, spec.backbone)(weights=None, norm_layer=norm_layer(spec))
    last = body.inplanes
    c = spec.fpn_channels
    return BackboneWithFPN(body, {"layer2": "0", "layer3": "1", "layer4": "2"}, [last // 4, last // 2, last], c,
                           extra_blocks=LastLevelP6P7(c, c))


def one_stage_sizes(spec: ModelSpec) -> list[int]:
    """Object sizes of P3-P7: the anchor sizes of the two-stage levels P2-P6 halved (a one-stage
    level sees objects about half its anchor size up to twice it)."""
    return [max(4, s // 2) for s in spec.anchor_sizes]


def _fcos(spec: ModelSpec, num_classes: int, image_size: int) -> FCOS:
    backbone = p3_p7_backbone(spec)
    anchors = AnchorGenerator(tuple((s,) for s in one_stage_sizes(spec)), ((1.0,),) * 5)
    head = FCOSHead(backbone.out_channels, 1, num_classes + 1, num_convs=spec.head_convs)
    return FCOS(backbone, num_classes + 1, min_size=image_size, max_size=image_size, anchor_generator=anchors,
                head=head, score_thresh=spec.test_score_threshold, nms_thresh=spec.test_nms,
                detections_per_img=spec.test_detections_per_image)
