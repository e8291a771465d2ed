"""Build torchvision's Mask R-CNN from a spec and freeze blocks (pretrained weights are loaded by the
shared trainer, `core.models.weights.transfer_weights`, with this family's `weight_layout`)."""
from __future__ import annotations

from torchvision.models.detection import MaskRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor

from core.families.instance_segmentation.spec import ModelSpec
from core.models.resnet_fpn import build_backbone, freeze_blocks

__all__ = ["build_model", "build_backbone", "freeze_blocks"]


def build_model(spec: ModelSpec, num_classes: int, image_size: int) -> MaskRCNN:
    """Mask R-CNN for `num_classes` object classes (background is added here).

    `image_size` is the longer side images are resized to; inputs are float images in [0, 1].
    """
    backbone = build_backbone(spec.backbone, spec.fpn_channels, frozen_bn=spec.freeze_bn)
    c = backbone.out_channels
    anchors = AnchorGenerator(tuple((s,) for s in spec.anchor_sizes),
                              (tuple(spec.anchor_aspect_ratios),) * len(spec.anchor_sizes))
    res = spec.mrcnn_resolution
    model = MaskRCNN(
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
        mask_roi_pool=_mask_pool(res),
        mask_head=MaskRCNNHeads(c, [spec.mask_head_channels] * 4, 1),
        mask_predictor=MaskRCNNPredictor(spec.mask_head_channels, spec.mask_head_channels, num_classes + 1),
    )
    freeze_blocks(model, spec.freeze_blocks)
    return model


def _mask_pool(resolution: int):
    from torchvision.ops import MultiScaleRoIAlign

    # The mask head upsamples its pooled features 2x, so pool at half the output resolution.
    return MultiScaleRoIAlign(featmap_names=["0", "1", "2", "3"], output_size=resolution // 2, sampling_ratio=2)
