"""The TensorRT back end: a serialized engine plus its sidecar, run through the `tensorrt` Python
API (10.x names: I/O tensors by name, `set_input_shape`, `set_tensor_address`,
`execute_async_v3`) with `pycuda` buffers. It only runs the graph (`run_graph`); the family's
pre- and post-processing are the `Runner`'s, as for every back end.

Before anything is deserialized the sidecar is checked against this machine (TensorRT version,
GPU, compute capability: an engine only runs where it was built) and the engine's tensors
against the family's graph. Outputs whose shape depends on the data (a detector's N detections)
get their memory from an `IOutputAllocator` that TensorRT calls once it knows the size.

This path needs an NVIDIA GPU with TensorRT and pycuda installed; `tensorrt_available()` says in a
sentence why it cannot run elsewhere. The pure parts (shape planning, dtype mapping, the checks)
are plain functions tested without a GPU.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from core.errors import RuntimeUnavailableError
from core.runtime.base import Artifact, Runner, categories_from_payload
from core.runtime.graph_check import TensorInfo, check_graph_io

_NP_BY_TRT = {"FLOAT": "float32", "HALF": "float16", "INT32": "int32", "INT64": "int64", "INT8": "int8",
              "UINT8": "uint8", "BOOL": "bool"}


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


def numpy_dtype(trt_dtype: Any) -> np.dtype:
    """The numpy type of a TensorRT DataType (by its name, so this works without TensorRT)."""
    name = getattr(trt_dtype, "name", str(trt_dtype)).split(".")[-1]
    if name not in _NP_BY_TRT:
        raise RuntimeUnavailableError(f"TensorRT tensors of type {name} are not supported by Studio's runner.")
    return np.dtype(_NP_BY_TRT[name])


def fits_profile(shape: Sequence[int], profile: tuple[Sequence[int], Sequence[int], Sequence[int]]) -> str | None:
    """Why `shape` is outside an optimization profile (min, opt, max), or None when it fits."""
    lo, _, hi = profile
    if len(shape) != len(lo):
        return f"rank {len(shape)} instead of {len(lo)}"
    for axis, (v, a, b) in enumerate(zip(shape, lo, hi)):
        if not a <= v <= b:
            return f"axis {axis} is {v}, outside the engine's profile {a}..{b}"
    return None


def load_tensorrt_runner(path: str | Path, device: str = "cuda") -> "TensorRTRunner":
    """Refuse clearly (TensorRT missing, a sidecar that does not fit this machine), else load."""
    from core.runtime.sidecar import ENGINE_FORMAT, check_environment, read_sidecar

    env, reason = tensorrt_environment()
    if env is None:
        raise RuntimeUnavailableError(reason)
    meta = read_sidecar(path, expect_format=ENGINE_FORMAT)
    check_environment(meta, env)
    return TensorRTRunner(path, meta, device)


class TensorRTRunner(Runner):
    backend = "tensorrt"

    def __init__(self, path: str | Path, meta: dict[str, Any], device: str = "cuda") -> None:
        import pycuda.autoinit  # noqa: F401 - creates the CUDA context
        import pycuda.driver as cuda
        import tensorrt as trt

        path = Path(path)
        artifact = Artifact(path, "engine", str(meta["task"]), categories_from_payload(meta["categories"], path.name),
                            str(meta["spec"]), meta)
        super().__init__(artifact, device)
        self._cuda, self._trt = cuda, trt
        self._logger = trt.Logger(trt.Logger.WARNING)
        with open(path, "rb") as f, trt.Runtime(self._logger) as runtime:
            self.engine = runtime.deserialize_cuda_engine(f.read())
        if self.engine is None:
            raise RuntimeUnavailableError(f"TensorRT could not deserialize {path.name}; rebuild it from its ONNX on "
                                          "this machine.")
        self.context = self.engine.create_execution_context()
        self.stream = cuda.Stream()
        names = [self.engine.get_tensor_name(i) for i in range(self.engine.num_io_tensors)]
        self._inputs = [n for n in names if self.engine.get_tensor_mode(n) == trt.TensorIOMode.INPUT]
        self._outputs = [n for n in names if n not in self._inputs]
        info = {n: TensorInfo(n, len(self.engine.get_tensor_shape(n)), str(numpy_dtype(self.engine.get_tensor_dtype(n))))
                for n in names}
        check_graph_io(path.name, self.task, self.graph, meta, [info[n] for n in self._inputs],
                       [info[n] for n in self._outputs])
        self._dtypes = {n: np.dtype(info[n].dtype) for n in names}
        self._allocator = _make_allocator(trt, cuda)
        self._device_inputs: dict[str, Any] = {}

    def _profile(self, name: str):
        return self.engine.get_tensor_profile_shape(name, 0)

    def run_graph(self, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        cuda = self._cuda
        for name in self._inputs:
            host = np.ascontiguousarray(arrays[name], dtype=self._dtypes[name])
            problem = fits_profile(host.shape, self._profile(name))
            if problem:
                raise RuntimeUnavailableError(f"Input {name!r} of shape {tuple(host.shape)} does not fit the engine "
                                              f"{self.artifact.path.name}: {problem}. Rebuild it with a wider "
                                              "optimization profile.")
            self.context.set_input_shape(name, tuple(host.shape))
            buf = cuda.mem_alloc(max(1, host.nbytes))
            cuda.memcpy_htod_async(buf, host, self.stream)
            self._device_inputs[name] = buf
            self.context.set_tensor_address(name, int(buf))
        for name in self._outputs:
            self.context.set_output_allocator(name, self._allocator)
        if not self.context.execute_async_v3(self.stream.handle):
            raise RuntimeUnavailableError(f"TensorRT failed to run {self.artifact.path.name}.")
        out = {}
        for name in self._outputs:
            shape = tuple(self._allocator.shapes[name])
            host = np.empty(shape, dtype=self._dtypes[name])
            if host.nbytes:
                cuda.memcpy_dtoh_async(host, self._allocator.buffers[name], self.stream)
            out[name] = host
        self.stream.synchronize()
        return out

    def close(self) -> None:
        self.context = None
        self.engine = None
        self._device_inputs.clear()


def _make_allocator(trt, cuda):
    """An IOutputAllocator handing out (and growing) one device buffer per output tensor."""

    class OutputAllocator(trt.IOutputAllocator):
        def __init__(self) -> None:
            trt.IOutputAllocator.__init__(self)
            self.buffers: dict[str, Any] = {}
            self.sizes: dict[str, int] = {}
            self.shapes: dict[str, tuple[int, ...]] = {}

        def reallocate_output(self, tensor_name: str, memory: int, size: int, alignment: int) -> int:
            if self.sizes.get(tensor_name, -1) < size:
                self.buffers[tensor_name] = cuda.mem_alloc(max(1, size))
                self.sizes[tensor_name] = size
            return int(self.buffers[tensor_name])

        def reallocate_output_async(self, tensor_name: str, memory: int, size: int, alignment: int,
                                    stream: int) -> int:   # TensorRT >= 10 calls this one
            return self.reallocate_output(tensor_name, memory, size, alignment)

        def notify_shape(self, tensor_name: str, shape) -> None:
            self.shapes[tensor_name] = tuple(shape)

    return OutputAllocator()
