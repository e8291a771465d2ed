"""The TensorRT back end — for now only its availability check and the checks that must pass
before an engine is loaded (sidecar, TensorRT version, GPU). Running engines arrives with the
TensorRT export; until then loading one raises `RuntimeUnavailableError` with the reason.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from core.errors import RuntimeUnavailableError


def tensorrt_environment() -> tuple[dict[str, Any] | None, str]:
    """(what this machine offers TensorRT engines: versions, GPU name, compute capability; or
    None) and a sentence saying why TensorRT can or cannot be used here."""
    try:
        import tensorrt as trt  # noqa: F401 - optional dependency
    except Exception as exc:  # noqa: BLE001 - ImportError, or a broken install raising OSError
        return None, (f"TensorRT is not installed here ({type(exc).__name__}); install Studio's 'tensorrt' extra "
                      "(tensorrt and pycuda) on a machine with an NVIDIA GPU to build and run engines.")
    try:
        import pycuda.driver as cuda
    except Exception as exc:  # noqa: BLE001
        return None, (f"TensorRT {trt.__version__} is installed but pycuda is not ({type(exc).__name__}); "
                      "install pycuda to run engines.")
    try:
        cuda.init()
        count = cuda.Device.count()
    except Exception as exc:  # noqa: BLE001 - no driver, no device
        return None, f"TensorRT {trt.__version__} is installed but no CUDA GPU is usable here: {exc}."
    if count == 0:
        return None, f"TensorRT {trt.__version__} is installed but this machine has no NVIDIA GPU."
    device = cuda.Device(0)
    major, minor = device.compute_capability()
    env = {"tensorrt_version": trt.__version__, "gpu_name": device.name(),
           "compute_capability": f"{major}.{minor}",
           "cuda_version": ".".join(str(v) for v in cuda.get_driver_version_tuple())
           if hasattr(cuda, "get_driver_version_tuple") else str(cuda.get_driver_version())}
    return env, f"TensorRT {trt.__version__} on {env['gpu_name']}"


def tensorrt_available() -> tuple[bool, str]:
    """(whether TensorRT engines can run here, a sentence saying why or why not)."""
    env, reason = tensorrt_environment()
    return env is not None, reason


def load_tensorrt_runner(path: str | Path, device: str = "cuda"):
    """Refuse clearly: TensorRT missing, a sidecar that does not fit this machine, or (for now)
    the engine runner not being part of this version."""
    from core.runtime.sidecar import ENGINE_FORMAT, check_environment, read_sidecar

    env, reason = tensorrt_environment()
    if env is None:
        raise RuntimeUnavailableError(reason)
    meta = read_sidecar(path, expect_format=ENGINE_FORMAT)
    check_environment(meta, env)
    raise RuntimeUnavailableError(f"{Path(path).name} fits this machine ({reason}), but running TensorRT engines "
                                  "is not part of this version of Studio yet; use the ONNX model meanwhile.")
