"""Build a TensorRT engine from an exported ONNX graph (FP32, FP16 or Q/DQ INT8) through the
`tensorrt` Python API, with an optimization profile (min / opt / max shapes) from the spec, and
write its sidecar: TensorRT and CUDA versions, GPU name and compute capability, precision, the
profile, and the hash of the source ONNX — what `core.runtime.tensorrt_backend` checks before it
loads an engine.

Precision follows the graph: a Q/DQ graph is explicitly quantized and an FP16 graph carries FP16
types. TensorRT 11 builds them strongly typed (its FP16/INT8 builder flags are gone); on TensorRT
10 and older the matching builder flag is set as well. Only machines with an NVIDIA GPU, TensorRT
and pycuda build engines; elsewhere `build_engine` refuses with the availability sentence. The
pure parts (`optimization_profile`, `engine_meta`) run and are tested anywhere.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

from core.errors import ExportError
from core.fsutil import atomic_path, sha256_file


def optimization_profile(graph, example_inputs: Mapping[str, np.ndarray], export_spec) -> dict[str, tuple]:
    """Input name -> (min, opt, max) shapes. Batched graphs vary the batch from 1 through
    `export.opt_batch_size` to `export.max_batch_size`; a graph without a batch axis and with
    dynamic image sides (Mask R-CNN's one image) takes half to twice the trained size."""
    opt_batch = int(getattr(export_spec, "opt_batch_size", 1))
    max_batch = int(getattr(export_spec, "max_batch_size", 8))
    out = {}
    for name in graph.inputs:
        shape = tuple(int(d) for d in np.shape(example_inputs[name]))
        if graph.batched:
            rest = shape[1:]
            out[name] = ((1, *rest), (opt_batch, *rest), (max_batch, *rest))
        else:
            dynamic = set(graph.dynamic_axes.get(name, {}))
            lo = tuple(max(1, d // 2) if i in dynamic else d for i, d in enumerate(shape))
            hi = tuple(d * 2 if i in dynamic else d for i, d in enumerate(shape))
            out[name] = (lo, shape, hi)
    return out


def profile_text(profile: Mapping[str, tuple]) -> str:
    """`input_1,1x3x160x160,1x3x160x160,2x3x160x160`: the profile as trtexec and TAO write it."""
    return " ".join(f"{n}," + ",".join("x".join(str(d) for d in s) for s in shapes) for n, shapes in profile.items())


def engine_meta(onnx_meta: Mapping[str, Any], source_onnx: Path, precision: str, profile: Mapping[str, tuple],
                environment: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's sidecar: the ONNX sidecar's description plus what ties the engine to its machine."""
    from core.runtime.sidecar import ENGINE_FORMAT

    keep = {k: v for k, v in onnx_meta.items() if k not in ("format", "file", "size", "sha256", "created")}
    return {**keep, "format": ENGINE_FORMAT, "precision": precision,
            "profile": {n: [list(s) for s in shapes] for n, shapes in profile.items()},
            "source_onnx": source_onnx.name, "source_onnx_sha256": sha256_file(source_onnx),
            **{k: environment[k] for k in ("tensorrt_version", "cuda_version", "gpu_name", "compute_capability")}}


def rebuild_source(engine_path: Path) -> tuple[Path, str, dict[str, tuple]]:
    """(source ONNX, precision, profile) of an engine built elsewhere, read from its sidecar; the
    ONNX must lie beside the engine with the hash the engine recorded."""
    from core.runtime.sidecar import ENGINE_FORMAT, read_sidecar

    engine_path = Path(engine_path)
    meta = read_sidecar(engine_path, expect_format=ENGINE_FORMAT, verify_hash=False)
    name = meta.get("source_onnx")
    if not name:
        raise ExportError(f"{engine_path.name}'s sidecar does not name the ONNX it was built from; export the run "
                          "again with --format engine.")
    source = engine_path.with_name(str(name))
    if not source.is_file():
        raise ExportError(f"{engine_path.name} was built from {name}, which is not beside it in {engine_path.parent}; "
                          "copy it there or export the run again with --format engine.")
    if meta.get("source_onnx_sha256") and sha256_file(source) != meta["source_onnx_sha256"]:
        raise ExportError(f"{source.name} is not the ONNX {engine_path.name} was built from (its SHA-256 differs); "
                          "export the run again with --format engine.")
    profile = {n: tuple(tuple(int(d) for d in s) for s in shapes) for n, shapes in (meta.get("profile") or {}).items()}
    return source, str(meta.get("precision", "fp32")), profile


def rebuild_engine(engine_path: Path) -> Path:
    """Build `engine_path` again on this machine from its source ONNX, with the precision and
    optimization profile it was built with (an engine only runs on the TensorRT and GPU it was
    built for)."""
    source, precision, profile = rebuild_source(engine_path)
    return build_engine(source, Path(engine_path), precision, spec=None, profile=profile)


def build_engine(onnx_path: Path, engine_path: Path, precision: str, spec, workspace_mb: int = 2048,
                 profile: Mapping[str, tuple] | None = None) -> Path:
    """Parse `onnx_path`, build, serialize to `engine_path` atomically, write the sidecar. The
    profile comes from the spec unless given."""
    from core.runtime.base import family_for
    from core.runtime.sidecar import read_sidecar, write_sidecar
    from core.runtime.tensorrt_backend import tensorrt_environment

    env, reason = tensorrt_environment()
    if env is None:
        raise ExportError(f"A TensorRT engine cannot be built here: {reason}")
    import tensorrt as trt

    meta = read_sidecar(onnx_path)
    if profile is None:
        family = family_for(str(meta["task"]))
        profile = optimization_profile(family.graph(spec), family.example_inputs(spec), getattr(spec, "export", None))
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    flags = 0
    typed = getattr(trt.NetworkDefinitionCreationFlag, "STRONGLY_TYPED", None)
    if typed is not None and precision != "fp32":
        flags |= 1 << int(typed)
    network = builder.create_network(flags)
    parser = trt.OnnxParser(network, logger)
    if not parser.parse(Path(onnx_path).read_bytes()):
        errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise ExportError(f"TensorRT cannot parse {onnx_path.name}: {errors}")
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, workspace_mb << 20)
    if not flags:
        for wanted, flag in (("fp16", "FP16"), ("int8", "INT8")):
            if precision == wanted and hasattr(trt.BuilderFlag, flag):
                config.set_flag(getattr(trt.BuilderFlag, flag))
    trt_profile = builder.create_optimization_profile()
    for name, (lo, opt, hi) in profile.items():
        trt_profile.set_shape(name, lo, opt, hi)
    config.add_optimization_profile(trt_profile)
    serialized = builder.build_serialized_network(network, config)
    if serialized is None:
        raise ExportError(f"TensorRT could not build an engine from {onnx_path.name} (see the log for its reasons).")
    with atomic_path(engine_path) as tmp:
        Path(tmp).write_bytes(bytes(serialized))
    write_sidecar(engine_path, engine_meta(meta, onnx_path, precision, profile, env))
    return engine_path
