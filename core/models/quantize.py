"""Fake quantization in TensorRT's scheme (symmetric INT8, per-channel weights, per-tensor
activations) with NVIDIA Model Optimizer (`modelopt.torch.quantization`), as a model transform:

- `quantize(model, forward_loop)` inserts quantizers into every convolution and linear layer and
  calibrates their ranges on the batches `forward_loop` runs; it returns the transform record
  (`{"name": "quantize", "params": {"modelopt_state": ...}}`) that the checkpoint keeps;
- replaying the record (`core.models.transforms.replay`) rebuilds the quantizers before the weights
  — and the calibrated ranges, which are buffers of the state dict — load.

Operations that are not layers (RoI align, NMS, the proposal logic of two-stage detectors) stay
FP32. A model exported after this holds QuantizeLinear/DequantizeLinear pairs (a Q/DQ ONNX), which
ONNX Runtime runs on the CPU and TensorRT builds as explicit INT8.

Model Optimizer is an optional dependency (it brings requests and huggingface_hub): without it the
transform and QAT refuse with a sentence naming the package.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable

from torch import nn

from core.errors import RuntimeUnavailableError
from core.models.transforms import register

NAME = "quantize"
SCHEME = "int8: symmetric, per-channel weights, per-tensor activations (TensorRT's explicit quantization)"


def _modelopt():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import modelopt.torch.opt as mto
            import modelopt.torch.quantization as mtq
    except Exception as exc:  # noqa: BLE001 - ImportError, or a broken install
        raise RuntimeUnavailableError(
            f"Quantization-aware training needs NVIDIA Model Optimizer (pip install nvidia-modelopt, which also "
            f"installs requests and huggingface_hub); it cannot be imported here ({type(exc).__name__}: {exc}).") \
            from None
    return mto, mtq


def is_quantized(records: list[dict[str, Any]] | None) -> bool:
    return any(r.get("name") == NAME for r in records or ())


def quantize(model: nn.Module, forward_loop: Callable[[nn.Module], None]) -> dict[str, Any]:
    """Insert and calibrate INT8 quantizers in `model` (in place); returns the transform record."""
    mto, mtq = _modelopt()
    was_training = model.training
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mtq.quantize(model, mtq.INT8_DEFAULT_CFG, forward_loop=forward_loop)
    model.train(was_training)
    return {"name": NAME, "params": {"modelopt_state": mto.modelopt_state(model), "scheme": SCHEME}}


@register(NAME)
def _replay(model: nn.Module, params: dict) -> nn.Module:
    mto, _ = _modelopt()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mto.restore_from_modelopt_state(model, params["modelopt_state"])
    return model


def quantizer_count(model: nn.Module) -> int:
    return sum(1 for name, _ in model.named_modules() if name.endswith(("input_quantizer", "weight_quantizer")))
