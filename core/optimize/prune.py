"""Structured channel pruning, TAO-style: a layer's output channels whose normalized L1 norm is
below a threshold (`pth`) go; coupled channels (residual adds, FPN inputs) are decided together
by an equalization rule; Torch-Pruning's dependency graph does the surgery, so every layer that
reads a pruned channel follows.

- normalized L1: the L1 norm of each output channel's weights divided by the largest one in that
  layer (so 1.0 is the layer's strongest channel);
- equalization of a coupled group: `union` keeps a channel that any member keeps (the group's
  score is the members' largest), `intersection` keeps it only where every member keeps it (the
  smallest), `arithmetic` compares their mean;
- a group keeps at least `min_filters` channels and a multiple of `granularity` (rounded up, never
  above what it had); layers named in `exclude` (prefixes) and the family's class-dependent heads
  are never pruned.

The family says what may be pruned (`Family.pruning_scope`: the module, example inputs and the
layers whose outputs must keep their width, e.g. Mask R-CNN's backbone with its FPN outputs kept).
The result is recorded as a `resize_layers` model transform (`core.models.transforms`), so the
pruned model loads, resumes, evaluates and exports from its checkpoint alone.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import torch
from torch import nn

from core.errors import StudioError

EQUALIZATIONS = ("union", "intersection", "arithmetic")


class PruneError(StudioError):
    kind = "prune"


@dataclass(frozen=True)
class PruneSettings:
    pth: float = 0.1
    equalization: str = "union"
    granularity: int = 8
    min_filters: int = 16
    exclude: tuple[str, ...] = ()

    def check(self) -> None:
        if not 0.0 <= self.pth < 1.0:
            raise PruneError(f"--pth is a threshold on normalized L1 norms, between 0 and 1 (e.g. 0.1); got {self.pth}.")
        if self.equalization not in EQUALIZATIONS:
            raise PruneError(f"--equalization must be one of {', '.join(EQUALIZATIONS)}; got {self.equalization!r}.")
        if self.granularity < 1 or self.min_filters < 1:
            raise PruneError("--granularity and --min-filters must be at least 1.")


def parse_thresholds(text: str) -> list[float]:
    """`0.05,0.1,0.2` -> thresholds for a sensitivity sweep, each checked like --pth."""
    try:
        values = [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise PruneError(f"--sweep takes thresholds separated by commas, e.g. 0.05,0.1,0.2; got {text!r}.") from None
    for v in values:
        if not 0.0 <= v < 1.0:
            raise PruneError(f"--sweep thresholds lie between 0 and 1 (e.g. 0.05,0.1,0.2); got {v:g}.")
    return values


@dataclass
class PruningScope:
    """What a family lets the pruner touch: `module` (a part of the model), called on
    `example_inputs` (through `forward_fn` when given), and `keep_width`: layers whose output
    channels must stay (their outputs leave the scope or are classes)."""

    module: nn.Module
    example_inputs: tuple
    keep_width: Sequence[nn.Module] = ()
    forward_fn: Callable[[nn.Module, tuple], Any] | None = None
    output_transform: Callable[[Any], torch.Tensor] | None = None


@dataclass
class PruneReport:
    params_before: int
    params_after: int
    macs_before: float | None
    macs_after: float | None
    groups: list[dict[str, Any]] = field(default_factory=list)   # {"layer", "channels", "kept"}
    settings: dict[str, Any] = field(default_factory=dict)
    latency_ms_before: float | None = None      # eager, batch 1, measured by the caller
    latency_ms_after: float | None = None

    @property
    def params_ratio(self) -> float:
        return self.params_after / max(1, self.params_before)

    def sentence(self) -> str:
        macs = (f"; MACs of the pruned part {self.macs_before / 1e6:.1f} M -> {self.macs_after / 1e6:.1f} M"
                if self.macs_before and self.macs_after else "")
        changed = sum(1 for g in self.groups if g["kept"] < g["channels"])
        speed = (f"; eager latency {self.latency_ms_before:.1f} ms -> {self.latency_ms_after:.1f} ms at batch 1"
                 if self.latency_ms_before and self.latency_ms_after else "")
        return (f"Pruned {changed} of {len(self.groups)} channel groups: parameters {self.params_before:,} -> "
                f"{self.params_after:,} ({100 * (1 - self.params_ratio):.1f}% fewer){macs}{speed}.")

    def to_dict(self) -> dict[str, Any]:
        return {"params_before": self.params_before, "params_after": self.params_after,
                "macs_before": self.macs_before, "macs_after": self.macs_after, "groups": self.groups,
                "settings": self.settings, "latency_ms_before": self.latency_ms_before,
                "latency_ms_after": self.latency_ms_after}


def normalized_l1(weight: torch.Tensor) -> torch.Tensor:
    """Per output channel: L1 norm of its weights / the layer's largest (1.0 = strongest)."""
    norms = weight.detach().abs().flatten(1).sum(dim=1)
    top = norms.max()
    return norms / top if float(top) > 0 else torch.zeros_like(norms)


def _combine(scores: list[torch.Tensor], rule: str) -> torch.Tensor:
    stack = torch.stack(scores)
    if rule == "union":
        return stack.max(dim=0).values
    if rule == "intersection":
        return stack.min(dim=0).values
    return stack.mean(dim=0)


def channels_to_keep(scores: torch.Tensor, settings: PruneSettings) -> int:
    """How many channels of a group stay: those at or above pth, at least min_filters, rounded up
    to a multiple of granularity, never more than the group has."""
    total = int(scores.numel())
    keep = int((scores >= settings.pth).sum())
    keep = max(keep, min(settings.min_filters, total))
    g = settings.granularity
    keep = min(total, ((keep + g - 1) // g) * g)
    return max(1, keep)


def _count(module: nn.Module, scope: PruningScope) -> float | None:
    import torch_pruning as tp

    if scope.forward_fn is not None:
        return None
    try:
        macs, _ = tp.utils.count_ops_and_params(module, scope.example_inputs[0] if len(scope.example_inputs) == 1
                                                else scope.example_inputs)
        return float(macs)
    except Exception:  # noqa: BLE001 - MAC counting is a nicety; pruning does not depend on it
        return None


def prune(model: nn.Module, scope: PruningScope, settings: PruneSettings) -> PruneReport:
    """Prune `model` in place (through `scope.module`, a part of it) and say what changed."""
    import torch_pruning as tp

    settings.check()
    names = {m: n for n, m in model.named_modules()}
    keep_width = list(scope.keep_width)
    excluded = [m for n, m in model.named_modules() if n and any(n == e or n.startswith(e + ".")
                                                                  for e in settings.exclude)]
    unknown = [e for e in settings.exclude if not any(n == e or n.startswith(e + ".") for n in names.values())]
    if unknown:
        raise PruneError(f"--exclude names layers this model does not have: {', '.join(unknown)} (layer names are "
                         "like backbone.body.layer1 or conv1).")
    params_before = sum(p.numel() for p in model.parameters())
    was_training = model.training
    model.eval()
    macs_before = _count(scope.module, scope)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = tp.DependencyGraph().build_dependency(
            scope.module, example_inputs=scope.example_inputs, forward_fn=scope.forward_fn,
            output_transform=scope.output_transform, verbose=False)
        groups = list(graph.get_all_groups(ignored_layers=keep_width + excluded,
                                           root_module_types=(nn.modules.conv._ConvNd, nn.Linear)))
    report_groups = []
    for group in groups:
        scores = []
        for item in group:
            layer, handler = item.dep.target.module, item.dep.handler
            if isinstance(layer, (nn.modules.conv._ConvNd, nn.Linear)) and graph.is_out_channel_pruning_fn(handler):
                scores.append(normalized_l1(layer.weight)[list(item.idxs)])
        if not scores:
            continue
        combined = _combine(scores, settings.equalization)
        keep = channels_to_keep(combined, settings)
        root = names.get(group[0].dep.target.module, "?")
        report_groups.append({"layer": root, "channels": int(combined.numel()), "kept": keep})
        if keep < combined.numel():
            order = torch.argsort(combined)                   # weakest first
            root_idxs = list(group[0].idxs)
            group.prune(idxs=sorted(int(root_idxs[int(i)]) for i in order[:combined.numel() - keep]))
    model.train(was_training)
    return PruneReport(params_before, sum(p.numel() for p in model.parameters()), macs_before,
                       _count(scope.module, scope), report_groups,
                       {"pth": settings.pth, "equalization": settings.equalization,
                        "granularity": settings.granularity, "min_filters": settings.min_filters,
                        "exclude": list(settings.exclude)})
