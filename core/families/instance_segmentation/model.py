"""Build torchvision's Mask R-CNN from a spec, freeze blocks, load local pretrained weights."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

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

from core.errors import CheckpointError
from core.families.instance_segmentation.spec import ModelSpec

log = logging.getLogger(__name__)

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
    if spec.pretrained:
        load_pretrained(model, spec.pretrained)
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


def load_pretrained(model: MaskRCNN, path: str | Path) -> dict[str, Any]:
    """Load local weights, untrusted: `weights_only=True`.

    Accepts a torchvision ResNet classification state dict (loaded into the backbone body; the
    classifier is ignored), a full Mask R-CNN state dict, or a Studio checkpoint
    (`{"model": state_dict, ...}`). Tensors whose shapes differ (e.g. a predictor trained for
    another number of classes) are skipped: that is transfer learning. Returns a summary.
    """
    p = Path(path).expanduser()
    if not p.is_file():
        raise CheckpointError(f"The pretrained weights file {p} does not exist.")
    try:
        state = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling problem means an unusable file
        raise CheckpointError(f"The pretrained weights file {p} cannot be loaded safely: {exc}") from exc
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{p} is not a state dict of tensors (nor a Studio checkpoint).")
    if any(k.startswith("backbone.") for k in state):
        target, kind = model, "mask_rcnn"
    elif "conv1.weight" in state or any(k.startswith("layer1.") for k in state):
        target, kind = model.backbone.body, "backbone"
    else:
        raise CheckpointError(f"{p} holds neither a ResNet backbone nor a Mask R-CNN state dict.")
    own = target.state_dict()
    usable = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    skipped = sorted(k for k, v in state.items() if k in own and own[k].shape != v.shape)
    ignored = sorted(k for k in state if k not in own)
    target.load_state_dict(usable, strict=False)
    if not usable:
        raise CheckpointError(f"No tensor of {p} fits this model (backbone {kind}); check the backbone choice.")
    summary = {"kind": kind, "loaded": len(usable), "skipped_shape": skipped, "ignored": ignored,
               "missing": len(own) - len(usable)}
    log.info("pretrained %s: loaded %d tensors, %d skipped for shape, %d ignored, %d left at init",
             kind, len(usable), len(skipped), len(ignored), summary["missing"])
    return summary
