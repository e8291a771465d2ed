"""Export a torchvision Mask R-CNN to ONNX: one float RGB image in, four tensors out.

The graph takes `image`, float32 [3, H, W] in [0, 1] with H and W dynamic (any size: the
graph resizes to the trained size, normalizes, and pastes masks back at the input size), and
returns `boxes` [N, 4] (x1y1x2y2, input pixels), `labels` [N] int64 (training indices 1..K),
`scores` [N] and `masks` [N, 1, H, W] probabilities. N is dynamic and may be 0; the score
threshold, NMS and the detection limit of the model are baked into the graph.

Uses the TorchScript-based exporter (`dynamo=False`): the dynamo exporter needs onnxscript,
which Studio does not ship. The file is written atomically and checked with `onnx.checker`
before it replaces `path`.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import torch

from core.errors import ExportError
from core.families.instance_segmentation.postprocess import ONNX_OUTPUT_NAMES
from core.fsutil import atomic_path

INPUT_NAME = "image"
_DYNAMIC_AXES = {
    INPUT_NAME: {1: "height", 2: "width"},
    "boxes": {0: "detections"},
    "labels": {0: "detections"},
    "scores": {0: "detections"},
    "masks": {0: "detections", 2: "height", 3: "width"},
}


def export_onnx(model: torch.nn.Module, image_size: int, path: Path, opset: int = 17) -> dict[str, Any]:
    """Write `model` (a torchvision MaskRCNN) as ONNX to `path`; return the graph's description.

    The model is traced on the CPU with one `image_size` x `image_size` image; its device and
    train/eval mode are restored afterwards. Raises `ExportError` with a sentence on failure.
    """
    import onnx

    path = Path(path)
    device = next(model.parameters()).device
    was_training = model.training
    sample = torch.rand(3, image_size, image_size, generator=torch.Generator().manual_seed(0))
    model.to("cpu").eval()
    try:
        with atomic_path(path) as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            warnings.simplefilter("ignore", UserWarning)  # torchvision's tracing notes, not user problems
            warnings.simplefilter("ignore", FutureWarning)  # torch.jit.script deprecation inside torchvision
            warnings.simplefilter("ignore", DeprecationWarning)  # the TorchScript exporter is chosen on purpose
            try:
                with torch.no_grad():
                    torch.onnx.export(model, ([sample],), str(tmp), opset_version=opset, dynamo=False,
                                      input_names=[INPUT_NAME], output_names=list(ONNX_OUTPUT_NAMES),
                                      dynamic_axes=_DYNAMIC_AXES, do_constant_folding=True)
            except Exception as exc:  # noqa: BLE001 - any exporter failure is an export error for the user
                raise ExportError(f"Exporting the Mask R-CNN model to ONNX (opset {opset}) failed: {exc}") from exc
            try:
                onnx.checker.check_model(str(tmp))
            except onnx.checker.ValidationError as exc:
                raise ExportError(f"The exported ONNX graph does not pass onnx.checker: {exc}") from exc
            description = describe_onnx(tmp)
    finally:
        model.to(device).train(was_training)
    description.update({"opset": opset, "trace_image_size": image_size, "dynamic_axes": True})
    return description


def describe_onnx(path: Path) -> dict[str, Any]:
    """Names, shapes (ints, or names of dynamic axes) and element types of a graph's inputs/outputs."""
    import onnx
    from onnx import helper

    graph = onnx.load(str(path), load_external_data=False).graph
    initializers = {i.name for i in graph.initializer}

    def entries(values) -> list[dict[str, Any]]:
        out = []
        for v in values:
            if v.name in initializers:
                continue
            t = v.type.tensor_type
            shape = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in t.shape.dim]
            out.append({"name": v.name, "shape": shape,
                        "dtype": str(helper.tensor_dtype_to_np_dtype(t.elem_type))})
        return out

    return {"inputs": entries(graph.input), "outputs": entries(graph.output)}
