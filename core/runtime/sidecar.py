"""Sidecars: the JSON file `X.onnx.json` / `X.engine.json` beside an exported artifact that
makes it self-describing (task, categories, spec, precision, shapes, versions) and ties it to
its file (size and SHA-256), so a runner can refuse a missing, corrupt or mismatched one with
a clear sentence before loading anything.

Validation is table-driven: `REQUIRED` lists the keys each format must carry, and
`ENVIRONMENT_KEYS` the ones that must match the machine (a TensorRT engine only runs with the
TensorRT version and GPU it was built for); `check_environment` compares them.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from core.errors import CheckpointError, RuntimeUnavailableError
from core.fsutil import atomic_write_text, sha256_file

ONNX_FORMAT = "studio-onnx/1"
ENGINE_FORMAT = "studio-engine/1"
FORMAT_BY_KIND = {"onnx": ONNX_FORMAT, "engine": ENGINE_FORMAT}
_COMMON = ("task", "categories", "spec", "precision", "inputs", "outputs")
REQUIRED: dict[str, tuple[str, ...]] = {
    ONNX_FORMAT: _COMMON + ("opset",),
    ENGINE_FORMAT: _COMMON + ("tensorrt_version", "cuda_version", "gpu_name", "compute_capability"),
}
ENVIRONMENT_KEYS: dict[str, tuple[str, ...]] = {
    ONNX_FORMAT: (),
    ENGINE_FORMAT: ("tensorrt_version", "gpu_name", "compute_capability"),
}


class ArtifactError(CheckpointError):
    """An exported artifact or its sidecar is missing, corrupt, or does not belong together."""

    kind = "artifact"


def sidecar_path(artifact_path: str | Path) -> Path:
    p = Path(artifact_path)
    return p.with_name(p.name + ".json")


def versions() -> dict[str, str]:
    """Versions of the libraries that produced an export (those that are importable)."""
    import importlib

    out = {}
    for key, module in (("torch_version", "torch"), ("torchvision_version", "torchvision"),
                        ("onnx_version", "onnx"), ("onnxruntime_version", "onnxruntime")):
        try:
            out[key] = importlib.import_module(module).__version__
        except ImportError:
            pass
    return out


def onnx_meta(*, task: str, categories: Sequence[Any], spec_yaml: str, description: Mapping[str, Any],
              precision: str = "fp32", source_checkpoint: str | Path | None = None) -> dict[str, Any]:
    """The sidecar content of an ONNX export (`description` is what the family's export returned)."""
    cats = [{"id": c.id, "name": c.name} if hasattr(c, "id") else {"id": c["id"], "name": c["name"]}
            for c in categories]
    return {"format": ONNX_FORMAT, "task": task, "categories": cats, "spec": spec_yaml, "precision": precision,
            "opset": description.get("opset"), **dict(description),
            "source_checkpoint": str(source_checkpoint) if source_checkpoint else None, **versions()}


def write_sidecar(artifact_path: str | Path, meta: Mapping[str, Any]) -> Path:
    """Write the sidecar of an existing artifact atomically, adding its size, hash and date."""
    from core.runtime.base import artifact_kind

    path = Path(artifact_path)
    if not path.is_file():
        raise ArtifactError(f"Cannot describe {path}: the file does not exist.")
    data = dict(meta)
    data.setdefault("format", FORMAT_BY_KIND.get(artifact_kind(path), ""))
    missing = [k for k in REQUIRED.get(data["format"], ()) if k not in data]
    if missing:
        raise ArtifactError(f"The sidecar of {path.name} would lack {', '.join(missing)}.")
    data.update({"file": path.name, "size": path.stat().st_size, "sha256": sha256_file(path),
                 "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    target = sidecar_path(path)
    atomic_write_text(target, json.dumps(data, indent=2, default=str))
    return target


def read_sidecar(artifact_path: str | Path, expect_format: str | None = None, verify_hash: bool = True) -> dict:
    """The validated sidecar of `artifact_path`; `ArtifactError` says what is wrong otherwise."""
    path = Path(artifact_path)
    side = sidecar_path(path)
    if not path.is_file():
        raise ArtifactError(f"The model file {path} does not exist.")
    if not side.is_file():
        raise ArtifactError(f"{path.name} has no sidecar {side.name} describing its task, classes and spec; "
                            f"export it again with Studio (or copy the .json file along with it).")
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"The sidecar {side} is not readable JSON ({exc}); export the model again.") from exc
    if not isinstance(data, dict):
        raise ArtifactError(f"The sidecar {side} does not hold a JSON object; export the model again.")
    fmt = data.get("format")
    if fmt not in REQUIRED:
        raise ArtifactError(f"The sidecar {side.name} has an unknown format {fmt!r} (expected one of "
                            f"{', '.join(REQUIRED)}); it may come from a newer Studio.")
    if expect_format and fmt != expect_format:
        raise ArtifactError(f"The sidecar {side.name} describes a {fmt} artifact, not {expect_format}.")
    missing = [k for k in REQUIRED[fmt] if k not in data]
    if missing:
        raise ArtifactError(f"The sidecar {side.name} lacks {', '.join(missing)}; export the model again.")
    if "size" in data and data["size"] != path.stat().st_size:
        raise ArtifactError(f"{side.name} describes a file of {data['size']} bytes but {path.name} has "
                            f"{path.stat().st_size}: the sidecar belongs to another export, or the file is truncated.")
    if verify_hash and data.get("sha256") and data["sha256"] != sha256_file(path):
        raise ArtifactError(f"{path.name} does not match the SHA-256 recorded in {side.name}: the sidecar "
                            f"belongs to another export, or the file was modified.")
    return data


def check_environment(meta: Mapping[str, Any], current: Mapping[str, Any]) -> None:
    """Refuse an artifact built for another machine: every `ENVIRONMENT_KEYS` entry of its
    format must equal the value `current` reports (keys `current` lacks are not checked)."""
    keys = ENVIRONMENT_KEYS.get(meta.get("format", ""), ())
    diffs = [f"{k.replace('_', ' ')} {meta.get(k)!r} (here {current[k]!r})"
             for k in keys if k in current and str(meta.get(k)) != str(current[k])]
    if diffs:
        name = meta.get("file", "This artifact")
        source = meta.get("source_onnx")
        fix = (f"Rebuild it on this machine from its ONNX {source}: `studio rebuild-engine {name}`."
               if source else "Rebuild it on this machine.")
        raise RuntimeUnavailableError(f"{name} was built for another environment: {'; '.join(diffs)}. {fix}")
