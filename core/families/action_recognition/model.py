"""The action networks: a 2D ResNet over frames stacked as 3*T channels, or a torchvision 3D
ResNet (r3d_18, mc3_18, r2plus1d_18; resnet18/34 in 3D are r3d networks of that depth), every
one built with `weights=None` (nothing is downloaded).

`ActionNet` wraps the network with its input normalization, so training, evaluation and the
exported graph all take float RGB in [0, 1]: (N, 3, T, H, W) for 3D, (N, 3*T, H, W) for 2D
(frame after frame, each R, G, B). With `difference` (`model_type: rgb_diff`) it feeds the network
the T-1 differences of consecutive normalized frames instead (`network_frames`), so the input
stays T frames. Its state dict keys are the network's under `net.`; the classifier is `net.fc`
(re-initialized when the class set changes).

`inflate_conv1(weight, frames)`: ImageNet-style first-convolution weights (out, 3, k, k) as the
2D network's (out, 3*T, k, k): repeated over the T frames and scaled by 1/T, so a clip of T
equal frames gives the same response the original gives one frame.
"""
from __future__ import annotations

import torch
from torch import nn
from torchvision.models import resnet
from torchvision.models import video as video_models

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
KINETICS_MEAN, KINETICS_STD = (0.43216, 0.394666, 0.37645), (0.22803, 0.22145, 0.216989)  # torchvision's video


def network_frames(model_spec) -> int:
    """How many frames the network's layers see: T, or the T-1 differences of `rgb_diff`."""
    return model_spec.rgb_seq_length - (1 if model_spec.model_type == "rgb_diff" else 0)


class ActionNet(nn.Module):
    def __init__(self, net: nn.Module, input_type: str, frames: int, difference: bool = False) -> None:
        super().__init__()
        self.net, self.input_type, self.frames, self.difference = net, input_type, frames, difference
        mean, std = (KINETICS_MEAN, KINETICS_STD) if input_type == "3d" else (IMAGENET_MEAN, IMAGENET_STD)
        shape = (1, 3, 1, 1, 1) if input_type == "3d" else (1, 1, 3, 1, 1)
        self.register_buffer("mean", torch.tensor(mean).view(shape), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(shape), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.input_type == "3d":
            x = (x - self.mean) / self.std
            return self.net(x[:, :, 1:] - x[:, :, :-1] if self.difference else x)
        n, c, h, w = x.shape
        x = (x.view(n, c // 3, 3, h, w) - self.mean) / self.std
        if self.difference:
            x = x[:, 1:] - x[:, :-1]
        return self.net(x.reshape(n, -1, h, w))


def _head(in_features: int, num_classes: int, dropout: float) -> nn.Module:
    linear = nn.Linear(in_features, num_classes)
    return nn.Sequential(nn.Dropout(dropout), linear) if dropout > 0 else linear


def build_2d(backbone: str, num_classes: int, frames: int, dropout: float = 0.0) -> nn.Module:
    net = getattr(resnet, backbone)(weights=None, num_classes=num_classes)
    old = net.conv1
    net.conv1 = nn.Conv2d(3 * frames, old.out_channels, old.kernel_size, old.stride, old.padding, bias=False)
    nn.init.kaiming_normal_(net.conv1.weight, mode="fan_out", nonlinearity="relu")
    net.fc = _head(net.fc.in_features, num_classes, dropout)
    return net


def build_3d(backbone: str, num_classes: int, dropout: float = 0.0) -> nn.Module:
    if backbone in ("resnet18", "r3d_18"):
        net = video_models.r3d_18(weights=None, num_classes=num_classes)
    elif backbone == "resnet34":
        net = video_models.VideoResNet(video_models.resnet.BasicBlock, [video_models.resnet.Conv3DSimple] * 4,
                                       [3, 4, 6, 3], video_models.resnet.BasicStem, num_classes=num_classes)
    elif backbone == "mc3_18":
        net = video_models.mc3_18(weights=None, num_classes=num_classes)
    elif backbone == "r2plus1d_18":
        net = video_models.r2plus1d_18(weights=None, num_classes=num_classes)
    else:
        raise ValueError(f"unknown 3D backbone {backbone!r}")
    net.fc = _head(net.fc.in_features, num_classes, dropout)
    return net


def build_model(model_spec, num_classes: int) -> ActionNet:
    if model_spec.input_type == "3d":
        net = build_3d(model_spec.backbone, num_classes, model_spec.dropout)
    else:
        net = build_2d(model_spec.backbone, num_classes, network_frames(model_spec), model_spec.dropout)
    return ActionNet(net, model_spec.input_type, model_spec.rgb_seq_length,
                     difference=model_spec.model_type == "rgb_diff")


def inflate_conv1(weight: torch.Tensor, frames: int) -> torch.Tensor:
    """(out, 3, k, k) -> (out, 3*frames, k, k): repeated over the frames, scaled by 1/frames."""
    if weight.ndim != 4 or weight.shape[1] != 3:
        raise ValueError(f"expected a first convolution over RGB (out, 3, k, k), got {tuple(weight.shape)}")
    return weight.repeat(1, frames, 1, 1) / frames


class ActionGraph(nn.Module):
    """The exported graph: `input_rgb` in [0, 1] -> `scores` (N, classes), softmax probabilities."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.train(model.training)

    def forward(self, input_rgb: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(input_rgb), dim=1)
