"""What structured pruning may touch in a torchvision detector built over a backbone + FPN (Mask
R-CNN, Faster R-CNN, FCOS): the backbone. The FPN's inner convolutions follow the pruned body's
outputs, and its output convolutions keep their width (the RPN, the RoI heads or a one-stage head
read them), so the heads need no surgery."""
from __future__ import annotations


def fpn_backbone_scope(model, height: int, width: int | None = None):
    """The scope on an example input of height x width (square when no width)."""
    import torch

    from core.optimize.prune import PruningScope

    example = (torch.rand(1, 3, height, width or height, generator=torch.Generator().manual_seed(0)),)
    return PruningScope(model.backbone, example, keep_width=list(model.backbone.fpn.layer_blocks.modules()),
                        output_transform=lambda out: sum(v.sum() for v in out.values()))
