"""A Triton Inference Server model repository for an exported model:

    <repo>/<name>/config.pbtxt
    <repo>/<name>/1/model.onnx        (or model.plan for a TensorRT engine)

`config.pbtxt` says the platform (`onnxruntime_onnx` or `tensorrt_plan`), `max_batch_size`, each
input and output with its data type and dims, and `dynamic_batching` for graphs with a batch axis.
A graph without one (Mask R-CNN takes one image of any size) gets `max_batch_size: 0` and its full
dims, dynamic ones as -1. `parse_pbtxt` reads the text format back (what tests check it with).
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Mapping, Sequence

from core.fsutil import atomic_write_text

TYPES = {"float32": "TYPE_FP32", "float16": "TYPE_FP16", "int64": "TYPE_INT64", "int32": "TYPE_INT32",
         "int8": "TYPE_INT8", "uint8": "TYPE_UINT8", "bool": "TYPE_BOOL", "float64": "TYPE_FP64"}
PLATFORMS = {"onnx": ("onnxruntime_onnx", "model.onnx"), "engine": ("tensorrt_plan", "model.plan")}


def _dims(shape: Sequence[Any], batched: bool) -> list[int]:
    dims = list(shape[1:] if batched else shape)
    return [d if isinstance(d, int) and d > 0 else -1 for d in dims]


def config_text(name: str, kind: str, inputs: Sequence[Mapping[str, Any]], outputs: Sequence[Mapping[str, Any]],
                batched: bool, max_batch_size: int) -> str:
    platform, _ = PLATFORMS[kind]
    lines = [f'name: "{name}"', f'platform: "{platform}"', f"max_batch_size: {max_batch_size if batched else 0}"]
    for key, tensors in (("input", inputs), ("output", outputs)):
        entries = []
        for t in tensors:
            dims = _dims(t["shape"], batched)
            # a per-sample scalar of a batched graph: Triton wants dims [1], reshaped to nothing
            extra = ["    reshape: { shape: [ ] }"] if not dims else []
            entries.append(["  {", f'    name: "{t["name"]}"', f"    data_type: {TYPES.get(t['dtype'], 'TYPE_FP32')}",
                            f"    dims: [ {', '.join(str(d) for d in dims or [1])} ]", *extra, "  }"])
        lines.append(f"{key} [")
        for i, entry in enumerate(entries):
            lines += entry[:-1] + [entry[-1] + ("," if i < len(entries) - 1 else "")]
        lines.append("]")
    if batched:
        lines += ["dynamic_batching {", f"  max_queue_delay_microseconds: 100", "}"]
    lines += ["instance_group [", "  {", "    count: 1", "    kind: KIND_GPU", "  }", "]"]
    return "\n".join(lines) + "\n"


def write_repository(repo: Path, name: str, model_file: Path, kind: str, description: Mapping[str, Any],
                     max_batch_size: int) -> Path:
    """Copy the model into `repo/name/1/` and write its config.pbtxt; returns the model's folder."""
    folder = repo / name
    version = folder / "1"
    version.mkdir(parents=True, exist_ok=True)
    _, file_name = PLATFORMS[kind]
    shutil.copyfile(model_file, version / file_name)
    batched = bool(description.get("batched"))
    atomic_write_text(folder / "config.pbtxt", config_text(name, kind, description["inputs"], description["outputs"],
                                                           batched, max_batch_size))
    return folder


_TOKEN = re.compile(r'\s*(?:(\{)|(\})|(\[)|(\])|(,)|("(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_]*)\s*:?|(-?\d+(?:\.\d+)?))')


def parse_pbtxt(text: str) -> dict[str, Any]:
    """A small reader of protobuf text format (the subset config.pbtxt uses): messages, repeated
    fields (returned as lists), strings, numbers and enum names."""
    tokens = [m for m in _TOKEN.finditer(text.strip()) if m.group(0).strip()]
    pos = 0

    def value():
        nonlocal pos
        m = tokens[pos]
        if m.group(1):                      # {
            pos += 1
            return message("}")
        if m.group(3):                      # [
            pos += 1
            items = []
            while not tokens[pos].group(4):
                if tokens[pos].group(5):
                    pos += 1
                    continue
                items.append(value())
            pos += 1
            return items
        pos += 1
        if m.group(6):
            return m.group(6)[1:-1]
        if m.group(8):
            return float(m.group(8)) if "." in m.group(8) else int(m.group(8))
        return m.group(7)

    def message(end: str | None) -> dict[str, Any]:
        nonlocal pos
        out: dict[str, Any] = {}
        while pos < len(tokens):
            m = tokens[pos]
            if end == "}" and m.group(2):
                pos += 1
                return out
            key = m.group(7)
            if key is None:
                raise ValueError(f"unexpected {m.group(0)!r} in pbtxt")
            pos += 1
            v = value()
            if key in out:
                out[key] = (out[key] if isinstance(out[key], list) else [out[key]]) + (v if isinstance(v, list) else [v])
            else:
                out[key] = v
        return out

    return message(None)
