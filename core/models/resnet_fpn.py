"""The ResNet + FPN backbone the R-CNN families share (Mask R-CNN, Faster R-CNN), and freezing its
blocks by TAO's `freeze_blocks` index. Built untrained: weights are put in by the shared trainer
(`core.models.weights.transfer_weights`), never downloaded."""
from __future__ import annotations

from torch import nn
from torchvision.models import resnet
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.ops import misc as misc_nn_ops
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool

# ResNet parts by freeze_blocks index: 0 is the stem, 1-4 the residual stages.
BLOCKS = {0: ("conv1", "bn1"), 1: ("layer1",), 2: ("layer2",), 3: ("layer3",), 4: ("layer4",)}


def build_backbone(name: str, fpn_channels: int, frozen_bn: bool) -> BackboneWithFPN:
    """ResNet body (all stages trainable; see freeze_blocks) under a feature pyramid with four
    levels from layer1-4 plus a max-pooled fifth ("0".."3", "pool")."""
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


def freeze_blocks(model: nn.Module, blocks: list[int]) -> None:
    """Stop training the ResNet blocks listed (by `BLOCKS` index) of `model.backbone.body`."""
    body = model.backbone.body
    for b in blocks:
        for name in BLOCKS[b]:
            module = getattr(body, name, None)
            if module is None:
                continue
            for p in module.parameters():
                p.requires_grad_(False)
