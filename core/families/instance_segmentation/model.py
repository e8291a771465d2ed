"""Build torchvision's Mask R-CNN from a spec and freeze blocks (pretrained weights are loaded by the
shared trainer, `core.models.weights.transfer_weights`, with this family's `weight_layout`)."""
from __future__ import annotations

import torch
from torch import nn
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models import resnet
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.ops import misc as misc_nn_ops
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool

from core.families.instance_segmentation.spec import ModelSpec

# ResNet parts by freeze_blocks index: 0 is the stem, 1-4 the residual stages.
_BLOCKS = {0: ("conv1", "bn1"), 1: ("layer1",), 2: ("layer2",), 3: ("layer3",), 4: ("layer4",)}


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


def build_backbone(name: str, fpn_channels: int, frozen_bn: bool) -> BackboneWithFPN:
    """ResNet body (all stages trainable; see freeze_blocks) under a feature pyramid."""
    norm_layer = misc_nn_ops.FrozenBatchNorm2d if frozen_bn else nn.BatchNorm2d
    body = getattr(resnet, name)(weights=None, norm_layer=norm_layer)
    last = body.inplanes  # channels out of layer4: 512 for resnet18/34, 2048 for 50/101
    return BackboneWithFPN(
        body,
        return_layers={"layer1": "0", "layer2": "1", "layer3": "2", "layer4": "3"},
        in_channels_list=[last // 8, last // 4, last // 2, last],
        out_channels=fpn_channels,
        extra_blocks=LastLevelMaxPool(),
    )


def backbone_pruning_scope(backbone: BackboneWithFPN, height: int, width: int):
    """What structured pruning may touch in an R-CNN (Mask R-CNN, Keypoint R-CNN): the backbone (ResNet
    body and FPN) on an example of the input size; the FPN's inner convolutions follow the pruned
    body's outputs, and its output convolutions keep their width (the RPN and the RoI heads read them)."""
    from core.optimize.prune import PruningScope

    example = (torch.rand(1, 3, height, width, generator=torch.Generator().manual_seed(0)),)
    return PruningScope(backbone, example, keep_width=list(backbone.fpn.layer_blocks.modules()),
                        output_transform=lambda out: sum(v.sum() for v in out.values()))


def _mask_pool(resolution: int):
    from torchvision.ops import MultiScaleRoIAlign

    # The mask head upsamples its pooled features 2x, so pool at half the output resolution.
    return MultiScaleRoIAlign(featmap_names=["0", "1", "2", "3"], output_size=resolution // 2, sampling_ratio=2)


def freeze_blocks(model: MaskRCNN, blocks: list[int]) -> None:
    body = model.backbone.body
    for b in blocks:
        for name in _BLOCKS[b]:
            module = getattr(body, name, None)
            if module is None:
                continue
            for p in module.parameters():
                p.requires_grad_(False)
