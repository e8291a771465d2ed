"""The optimizer a training run steps: `train.optimizer` picks SGD with momentum (TAO's choice, the
default) or AdamW (which learns small models from scratch where SGD stalls: the action demo).
One owner for the trainer and the training benchmark. Weight decay (`train.l2_weight_decay`) never
applies to norms and biases (`Family.param_groups`); for AdamW it is the decoupled decay."""
from __future__ import annotations

from typing import Any

import torch

OPTIMIZERS = ("sgd", "adamw")


def build_optimizer(family: Any, model: torch.nn.Module, tspec: Any, lr: float) -> torch.optim.Optimizer:
    groups = family.param_groups(model, tspec.l2_weight_decay)
    kind = getattr(tspec, "optimizer", "sgd")
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=tspec.momentum)
    if kind == "adamw":
        return torch.optim.AdamW(groups, lr=lr, betas=(tspec.momentum, 0.999))
    raise ValueError(f"train.optimizer is {kind!r}; one of {', '.join(OPTIMIZERS)}")
