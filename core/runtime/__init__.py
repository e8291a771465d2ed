"""Inference runtimes: one `Runner` interface over PyTorch, ONNX Runtime and TensorRT.

    runner = load_runner("model.onnx")            # back end chosen by artifact type
    predictions = runner([image_rgb, ...])        # typed predictions, project category ids
    runner, timings = fastest_runner([ckpt, onnx], samples)   # chosen by measured latency

Everything task-specific goes through the artifact's family (`core.families.get_family`): its
pre- and post-processing wrap every back end's graph. An artifact whose family names stages it
runs after (a gesture classifier after a hand detector) loads as a `CascadeRunner`.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from core.errors import CheckpointError, RuntimeUnavailableError, StudioError
from core.runtime.base import BACKEND_BY_KIND, BACKENDS, Artifact, Runner, artifact_kind

__all__ = ["Artifact", "Runner", "BACKENDS", "load_runner", "read_artifact", "available_backends",
           "fastest_runner"]


def read_artifact(path: str | Path) -> Artifact:
    """An artifact's self-description without loading a back end (checkpoints are read fully)."""
    kind = artifact_kind(path)
    if kind == "checkpoint":
        from core.runtime.torch_backend import read_checkpoint

        return read_checkpoint(path)[0]
    from core.runtime.sidecar import read_sidecar
    from core.runtime.onnx_backend import read_onnx_artifact

    if kind == "onnx":
        return read_onnx_artifact(path)
    meta = read_sidecar(path)
    from core.runtime.base import categories_from_payload

    return Artifact(Path(path), kind, str(meta["task"]), categories_from_payload(meta["categories"], str(path)),
                    str(meta["spec"]), meta)


def _check_pair(path: Path, backend: str) -> None:
    if backend not in BACKENDS:
        raise RuntimeUnavailableError(f"Unknown back end {backend!r}; choose one of: auto, {', '.join(BACKENDS)}.")
    kind = artifact_kind(path)
    if BACKEND_BY_KIND[kind] != backend:
        hint = {"checkpoint": "export it to ONNX first", "onnx": "build a TensorRT engine from it first",
                "engine": "engines only run on TensorRT"}[kind]
        raise RuntimeUnavailableError(f"{path.name} is a {kind} and runs on the {BACKEND_BY_KIND[kind]} back end, "
                                      f"not {backend}; {hint}.")


def load_runner(path: str | Path, backend: str = "auto", device: str = "cpu", stages: bool = True):
    """Load an artifact on a back end ("auto": the one its type calls for: .pt -> pytorch,
    .onnx -> onnxruntime, .engine -> tensorrt) and device ("cpu", "cuda", or "auto": the GPU
    when this back end can use one here). With `stages`, an artifact that runs after another
    one comes back as a CascadeRunner over both; without, the artifact alone."""
    runner = _load_one(Path(path), backend, device)
    if not stages:
        return runner
    chain = runner.family.stages(runner.spec)
    if not chain:
        return runner
    from core.runtime.cascade import CascadeRunner

    try:
        for stage in reversed(chain):
            first = _load_stage(stage, runner, device)
            runner = CascadeRunner(first, runner, stage.margin, stage.classes)
    except BaseException:
        runner.close()
        raise
    return runner


def _load_stage(stage, runner, device: str):
    path = Path(stage.artifact)
    if not path.is_file():
        raise CheckpointError(f"{runner.artifact.path.name} runs after {path}, which does not exist; export that "
                              "model again or choose another one in the run's spec.")
    first = load_runner(path, "auto", device)
    if getattr(first.family.info, "sample_kind", "image") != "image" or "box" not in first.family.info.annotation_kinds:
        task = first.task
        first.close()
        raise CheckpointError(f"{runner.artifact.path.name} runs after {path.name}, a {task} model, which does not "
                              "find boxes to classify; choose a detector.")
    return first


def _load_one(path: Path, backend: str, device: str) -> Runner:
    backend = BACKEND_BY_KIND[artifact_kind(path)] if backend == "auto" else backend
    _check_pair(path, backend)
    if device == "auto":
        device = "cuda" if _gpu_usable(backend) else "cpu"
    if backend == "pytorch":
        from core.runtime.torch_backend import TorchRunner

        return TorchRunner(path, device=device)
    if backend == "onnxruntime":
        from core.runtime.onnx_backend import OnnxRunner

        return OnnxRunner(path, device=device)
    from core.runtime.tensorrt_backend import load_tensorrt_runner

    return load_tensorrt_runner(path, device=device)


def _gpu_usable(backend: str) -> bool:
    if backend == "pytorch":
        import torch

        return torch.cuda.is_available()
    if backend == "onnxruntime":
        import onnxruntime as ort

        return "CUDAExecutionProvider" in ort.get_available_providers()
    return True  # TensorRT runs on the GPU only


def available_backends(path: str | Path) -> list[str]:
    """The back ends that can run this artifact on this machine (maybe none)."""
    backend = BACKEND_BY_KIND[artifact_kind(path)]
    if backend == "onnxruntime":
        from core.runtime.onnx_backend import onnxruntime_available

        return [backend] if onnxruntime_available()[0] else []
    if backend == "tensorrt":
        from core.runtime.tensorrt_backend import tensorrt_available

        return [backend] if tensorrt_available()[0] else []
    return [backend]


def measure_ms(runner, inputs: Sequence[np.ndarray], repeats: int) -> list[float]:
    """Milliseconds of `repeats` calls of `runner(inputs)`, after one warm-up call (first-call
    allocations, lazy initialisation) — the one timing rule of back-end choice, cards and benchmarks."""
    runner(inputs)
    runs = []
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        runner(inputs)
        runs.append((time.perf_counter() - t0) * 1000.0)
    return runs


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if len(values) else 0.0


def fastest_runner(paths: str | Path | Iterable[str | Path], sample_images: Sequence[np.ndarray],
                   candidates: Sequence[str] | None = None, repeats: int = 5,
                   device: str = "cpu") -> tuple[Runner, dict[str, dict[str, Any]]]:
    """Load every (artifact, back end) pair that can run here, time each on `sample_images`
    (one warm-up, then `repeats` calls), keep the one with the lowest median and close the rest.

    `paths`: one artifact or several (e.g. a checkpoint and its ONNX export); `candidates`
    limits the back ends tried. Returns (runner, timings) with timings keyed by back end (by
    "backend:file" when two artifacts share one): median_ms, runs_ms, per_image_ms, load_s,
    or error for a candidate that could not run.
    """
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    if len(sample_images) == 0:
        raise ValueError("fastest_runner needs at least one sample image to time")
    pairs = [(p, BACKEND_BY_KIND[artifact_kind(p)]) for p in paths]
    if candidates is not None:
        pairs = [(p, b) for p, b in pairs if b in candidates]
    shared = {b for _, b in pairs if sum(1 for _, o in pairs if o == b) > 1}
    timings: dict[str, dict[str, Any]] = {}
    best: tuple[float, Runner] | None = None
    for path, backend in pairs:
        key = f"{backend}:{path.name}" if backend in shared else backend
        entry: dict[str, Any] = {"backend": backend, "artifact": str(path)}
        timings[key] = entry
        t0 = time.perf_counter()
        try:
            runner = load_runner(path, backend, device)
        except StudioError as exc:
            entry["error"] = str(exc)
            continue
        entry["load_s"] = round(time.perf_counter() - t0, 3)
        runs = measure_ms(runner, sample_images, repeats)
        median = statistics.median(runs)
        entry.update(median_ms=round(median, 3), runs_ms=[round(r, 3) for r in runs],
                     per_image_ms=round(median / len(sample_images), 3))
        if best is None or median < best[0]:
            if best is not None:
                best[1].close()
            best = (median, runner)
        else:
            runner.close()
    if best is None:
        reasons = "; ".join(f"{k}: {v.get('error', 'not tried')}" for k, v in timings.items()) or "no candidate"
        raise RuntimeUnavailableError(f"No back end can run these artifacts here ({reasons}).")
    return best[1], timings
