"""Model transforms: what was done to a model after `Family.build_model` (a pruned structure,
fake quantization), recorded in every checkpoint and replayed by every loader — resume,
evaluate, export, the PyTorch runner — before the weights load.

A record is plain JSON-able data, ``{"name": "resize_layers", "params": {...}}``; a checkpoint
keeps the list under ``"transforms"``, oldest first. A transform is a function
``(model, params) -> model`` registered under its name; replaying an unknown one is refused with
a sentence (the checkpoint comes from a Studio that knows more).

Built in: ``resize_layers``, which gives convolutions, linear layers and norms the channel counts
a structured pruning left them with (Torch-Pruning or any other surgery only changes those):
`resize_record(model, reference)` records the difference between a pruned model and a fresh one,
and replaying it on a fresh model makes every parameter the shape the pruned weights need.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import torch
from torch import nn

from core.errors import CheckpointError

Transform = Callable[[nn.Module, dict], nn.Module]
_REGISTRY: dict[str, Transform] = {}
# transforms whose module imports an optional dependency: registered when first needed
_LAZY = {"quantize": "core.models.quantize"}


def _lookup(name: str) -> Transform | None:
    if name not in _REGISTRY and name in _LAZY:
        import importlib

        importlib.import_module(_LAZY[name])
    return _REGISTRY.get(name)


def register(name: str) -> Callable[[Transform], Transform]:
    def add(fn: Transform) -> Transform:
        _REGISTRY[name] = fn
        return fn
    return add


def known() -> list[str]:
    return sorted({*_REGISTRY, *_LAZY})


def record(name: str, params: dict[str, Any]) -> dict[str, Any]:
    if _lookup(name) is None:
        raise ValueError(f"unknown model transform {name!r}")
    return {"name": name, "params": params}


def replay(model: nn.Module, records: Iterable[dict[str, Any]] | None, source: str = "the checkpoint") -> nn.Module:
    """Apply recorded transforms to a freshly built model, oldest first; returns the model."""
    for rec in records or ():
        if not isinstance(rec, dict) or not isinstance(rec.get("name"), str):
            raise CheckpointError(f"{source} has a malformed model transform {rec!r}.")
        fn = _lookup(rec["name"])
        if fn is None:
            raise CheckpointError(f"{source} was made with a model transform this Studio does not know "
                                  f"({rec['name']!r}; known: {', '.join(known()) or 'none'}); update Studio.")
        model = fn(model, dict(rec.get("params") or {}))
    return model


def names(records: Iterable[dict[str, Any]] | None) -> list[str]:
    return [r.get("name", "?") for r in records or ()]


# ------------------------------------------------------------------------------ resize_layers

def _shape_of(module: nn.Module) -> dict[str, Any] | None:
    if isinstance(module, nn.modules.conv._ConvNd):
        return {"type": "conv", "in_channels": module.in_channels, "out_channels": module.out_channels,
                "groups": module.groups}
    if isinstance(module, nn.Linear):
        return {"type": "linear", "in_features": module.in_features, "out_features": module.out_features}
    if isinstance(module, (nn.modules.batchnorm._NormBase, nn.GroupNorm, nn.LayerNorm)) or \
            type(module).__name__ == "FrozenBatchNorm2d":
        size = _norm_size(module)
        return {"type": "norm", "num_features": size} if size is not None else None
    return None


def _norm_size(module: nn.Module) -> int | None:
    for name in ("weight", "running_mean", "bias"):
        t = getattr(module, name, None)
        if isinstance(t, torch.Tensor) and t.ndim == 1:
            return int(t.shape[0])
    return None


def resize_record(model: nn.Module, reference: nn.Module) -> dict[str, Any]:
    """The `resize_layers` record that turns `reference` (a freshly built model) into the shapes of
    `model` (the same architecture after structured pruning)."""
    ref = dict(reference.named_modules())
    layers = {}
    for name, module in model.named_modules():
        mine, theirs = _shape_of(module), _shape_of(ref[name]) if name in ref else None
        if mine is not None and mine != theirs:
            layers[name] = mine
    return record("resize_layers", {"layers": layers})


def _empty_like(t: torch.Tensor | None, shape: tuple[int, ...]):
    """A zero tensor of `shape` like `t` (a Parameter stays one): the weights that load next fill it."""
    if t is None:
        return None
    new = torch.zeros(shape, dtype=t.dtype, device=t.device)
    return nn.Parameter(new, requires_grad=t.requires_grad) if isinstance(t, nn.Parameter) else new


@register("resize_layers")
def _resize_layers(model: nn.Module, params: dict) -> nn.Module:
    modules = dict(model.named_modules())
    for name, shape in (params.get("layers") or {}).items():
        module = modules.get(name)
        if module is None:
            raise CheckpointError(f"The pruned structure names a layer {name!r} this model does not have; the "
                                  "checkpoint belongs to another architecture.")
        kind = shape.get("type")
        if kind == "conv":
            cin, cout, groups = int(shape["in_channels"]), int(shape["out_channels"]), int(shape["groups"])
            w = module.weight
            kernel = tuple(w.shape[2:])
            transposed = getattr(module, "transposed", False)
            wshape = (cin, cout // groups, *kernel) if transposed else (cout, cin // groups, *kernel)
            module.weight = _empty_like(w, wshape)
            if module.bias is not None:
                module.bias = _empty_like(module.bias, (cout,))
            module.in_channels, module.out_channels, module.groups = cin, cout, groups
        elif kind == "linear":
            fin, fout = int(shape["in_features"]), int(shape["out_features"])
            module.weight = _empty_like(module.weight, (fout, fin))
            if module.bias is not None:
                module.bias = _empty_like(module.bias, (fout,))
            module.in_features, module.out_features = fin, fout
        elif kind == "norm":
            n = int(shape["num_features"])
            for attr in ("weight", "bias", "running_mean", "running_var"):
                t = getattr(module, attr, None)
                if isinstance(t, torch.Tensor):
                    new = _empty_like(t, (n,))
                    if isinstance(t, nn.Parameter):
                        setattr(module, attr, new)
                    else:
                        module.register_buffer(attr, new)
            for attr in ("num_features", "num_channels"):
                if hasattr(module, attr):
                    setattr(module, attr, n)
            if isinstance(module, nn.LayerNorm):
                module.normalized_shape = (n,)
        else:
            raise CheckpointError(f"The pruned structure has a layer of unknown type {kind!r} ({name}).")
    return model
