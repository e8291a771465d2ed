"""Export a family's graph module to ONNX: the inputs and outputs the family names, traced on its
example inputs, written atomically and checked with `onnx.checker` before it replaces the file.

Uses the TorchScript-based exporter (`dynamo=False`): the dynamo exporter needs onnxscript, which
Studio does not ship, and torchvision's detection models export with the TorchScript one.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from core.errors import ExportError
from core.fsutil import atomic_path, storage_failure


def export_graph(module: torch.nn.Module, graph, example_inputs: Mapping[str, np.ndarray], path: Path,
                 opset: int = 17, what: str = "model") -> dict[str, Any]:
    """Trace `module` (a `Family.graph_module`) on the CPU with `example_inputs` and write ONNX to
    `path`; returns the graph's description (names, shapes, dtypes, opset). The module's device and
    train/eval mode are restored afterwards. Raises ExportError with a sentence on failure."""
    import onnx

    path = Path(path)
    missing = [n for n in graph.inputs if n not in example_inputs]
    if missing:
        raise ExportError(f"The example inputs lack {', '.join(missing)}; cannot export {what}.")
    params = list(module.parameters())
    device = params[0].device if params else torch.device("cpu")
    modes = [(m, m.training) for m in module.modules()]   # restored exactly: a wrapper's own flag says nothing
    module.to("cpu").eval()
    args = tuple(torch.from_numpy(np.ascontiguousarray(example_inputs[n])) for n in graph.inputs)
    dynamic = {k: dict(v) for k, v in graph.dynamic_axes.items()}
    try:
        with atomic_path(path) as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            warnings.simplefilter("ignore", UserWarning)        # torchvision's tracing notes, not user problems
            warnings.simplefilter("ignore", FutureWarning)      # torch.jit.script deprecation inside torchvision
            warnings.simplefilter("ignore", DeprecationWarning)  # the TorchScript exporter is chosen on purpose
            try:
                with torch.no_grad():
                    torch.onnx.export(module, args, str(tmp), opset_version=opset, dynamo=False,
                                      input_names=list(graph.inputs), output_names=list(graph.outputs),
                                      dynamic_axes=dynamic or None, do_constant_folding=True)
            except OSError as exc:
                raise storage_failure(path, exc, "write the ONNX file") or exc
            except Exception as exc:  # noqa: BLE001 - any exporter failure is an export error for the user
                raise ExportError(f"Exporting the {what} to ONNX (opset {opset}) failed: {exc}") from exc
            try:
                onnx.checker.check_model(str(tmp))
            except onnx.checker.ValidationError as exc:
                raise ExportError(f"The exported ONNX graph does not pass onnx.checker: {exc}") from exc
            description = describe_onnx(tmp)
    finally:
        module.to(device)
        for m, training in modes:
            m.training = training
    description.update({"opset": opset, "batched": bool(graph.batched),
                        "example_shapes": {n: list(np.shape(example_inputs[n])) for n in graph.inputs}})
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
            out.append({"name": v.name, "shape": shape, "dtype": str(helper.tensor_dtype_to_np_dtype(t.elem_type))})
        return out

    return {"inputs": entries(graph.input), "outputs": entries(graph.output)}
