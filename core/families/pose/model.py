"""Build torchvision's Keypoint R-CNN from a spec, sized to the project's keypoint set (pretrained
weights are loaded by the shared trainer with this family's `weight_layout`; nothing downloads).

The network takes images already letterboxed to the spec's input_height x input_width (see
`core.families.pose.postprocess.letterbox`): its own resizing is set so that such an image is
not resized again (min_size / max_size = the input's shorter / longer side)."""
from __future__ import annotations

import torch
from torchvision.models.detection import KeypointRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.keypoint_rcnn import KeypointRCNNHeads, KeypointRCNNPredictor
from torchvision.ops import MultiScaleRoIAlign

from core.models.resnet_fpn import build_backbone, freeze_blocks
from core.families.pose.spec import PoseSpec


def build_model(spec: PoseSpec, num_classes: int, num_keypoints: int, height: int | None = None,
                width: int | None = None) -> KeypointRCNN:
    """Keypoint R-CNN for `num_classes` classes (background is added here) of `num_keypoints`
    keypoints each, for inputs of `height` x `width` (default: the spec's input size)."""
    if num_keypoints < 1:
        raise ValueError("a keypoint model needs at least one keypoint")
    m = spec.model
    h, w = height or spec.data.input_height, width or spec.data.input_width
    backbone = build_backbone(m.backbone, m.fpn_channels, frozen_bn=m.freeze_bn)
    c = backbone.out_channels
    anchors = AnchorGenerator(tuple((s,) for s in m.anchor_sizes),
                              (tuple(m.anchor_aspect_ratios),) * len(m.anchor_sizes))
    channels = [m.keypoint_head_channels] * m.keypoint_head_layers
    model = KeypointRCNN(
        backbone,
        num_classes=None,
        min_size=min(h, w),
        max_size=max(h, w),
        rpn_anchor_generator=anchors,
        rpn_pre_nms_top_n_train=m.rpn_pre_nms_top_n_train,
        rpn_post_nms_top_n_train=m.rpn_post_nms_top_n_train,
        rpn_pre_nms_top_n_test=m.rpn_pre_nms_top_n_test,
        rpn_post_nms_top_n_test=m.rpn_post_nms_top_n_test,
        rpn_nms_thresh=m.rpn_nms_threshold,
        rpn_batch_size_per_image=m.rpn_batch_size_per_im,
        box_batch_size_per_image=m.box_batch_size_per_im,
        box_positive_fraction=m.box_positive_fraction,
        box_score_thresh=m.test_score_threshold,
        box_nms_thresh=m.test_nms,
        box_detections_per_img=m.test_detections_per_image,
        box_head=TwoMLPHead(c * 7 * 7, m.box_head_dim),
        box_predictor=FastRCNNPredictor(m.box_head_dim, num_classes + 1),
        keypoint_roi_pool=MultiScaleRoIAlign(featmap_names=["0", "1", "2", "3"], output_size=m.keypoint_roi_size,
                                             sampling_ratio=2),
        keypoint_head=KeypointRCNNHeads(c, channels),
        keypoint_predictor=KeypointRCNNPredictor(channels[-1], num_keypoints),
    )
    freeze_blocks(model, m.freeze_blocks)
    return model


def set_input_size(model: KeypointRCNN, height: int, width: int) -> KeypointRCNN:
    """The same weights for another input size (the only size-dependent part is the resize)."""
    model.transform.min_size = (min(height, width),)
    model.transform.max_size = max(height, width)
    return model


def count_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
