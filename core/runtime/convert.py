"""Turn a Studio checkpoint into a self-describing ONNX artifact: the family's `export_onnx`
writes the graph, then the sidecar records task, categories, spec, shapes and versions."""
from __future__ import annotations

from pathlib import Path

from core.runtime.base import Artifact
from core.runtime.onnx_backend import read_onnx_artifact
from core.runtime.sidecar import onnx_meta, write_sidecar


def checkpoint_to_onnx(checkpoint: str | Path, out_path: str | Path, opset: int | None = None) -> Artifact:
    """Export `checkpoint` to `out_path` (+ `out_path.json`); return the ONNX artifact.

    `opset` overrides the spec's `export.opset` when given."""
    from core.runtime.torch_backend import TorchRunner

    runner = TorchRunner(checkpoint, device="cpu")
    try:
        spec = runner.spec
        if opset is not None and hasattr(spec, "export"):
            spec.export.opset = opset
        description = runner.family.export_onnx(runner.model, spec, Path(out_path))
        from core.models.quantize import is_quantized

        transforms = runner.artifact.meta.get("transforms") or []
        precision = "int8" if is_quantized(transforms) else getattr(getattr(spec, "export", None), "precision",
                                                                    "fp32")
        meta = onnx_meta(task=runner.task, categories=runner.categories, spec_yaml=runner.artifact.spec_yaml,
                         description=description, precision=precision, source_checkpoint=Path(checkpoint).resolve())
        meta["transforms"] = [t.get("name") for t in transforms]
    finally:
        runner.close()
    write_sidecar(out_path, meta)
    return read_onnx_artifact(out_path)
