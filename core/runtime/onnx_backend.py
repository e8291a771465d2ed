"""The ONNX Runtime back end: an `.onnx` graph plus its sidecar, on the CPU execution provider
(or CUDA's when installed and asked for). It only runs the graph (`run_graph`); the family's
pre- and post-processing around it are the `Runner`'s, the same for every back end. At load the
graph's inputs and outputs are checked against the sidecar and the family's graph description,
so a graph of another model under a sidecar fails with a sentence saying what differs.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from core.errors import RuntimeUnavailableError
from core.runtime.base import Artifact, Runner, categories_from_payload
from core.runtime.graph_check import TensorInfo, check_graph_io
from core.runtime.sidecar import ONNX_FORMAT, ArtifactError, read_sidecar


def onnxruntime_available() -> tuple[bool, str]:
    try:
        import onnxruntime as ort
    except ImportError:
        return False, "ONNX Runtime is not installed (pip install onnxruntime)."
    return True, f"ONNX Runtime {ort.__version__} ({', '.join(ort.get_available_providers())})"


def providers_for(device: str) -> list[str]:
    import onnxruntime as ort

    available = ort.get_available_providers()
    if device.startswith("cuda"):
        if "CUDAExecutionProvider" not in available:
            raise RuntimeUnavailableError("ONNX Runtime here has no CUDA execution provider (install "
                                          "onnxruntime-gpu on a machine with an NVIDIA GPU), so it can only run "
                                          "on the CPU.")
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def read_onnx_artifact(path: str | Path, verify_hash: bool = True) -> Artifact:
    path = Path(path)
    meta = read_sidecar(path, expect_format=ONNX_FORMAT, verify_hash=verify_hash)
    return Artifact(path=path, kind="onnx", task=str(meta["task"]),
                    categories=categories_from_payload(meta["categories"], f"The sidecar of {path.name}"),
                    spec_yaml=str(meta["spec"]), meta=meta)


class OnnxRunner(Runner):
    backend = "onnxruntime"

    def __init__(self, path: str | Path, device: str = "cpu", threads: int | None = None) -> None:
        ok, reason = onnxruntime_available()
        if not ok:
            raise RuntimeUnavailableError(reason)
        import onnxruntime as ort

        artifact = read_onnx_artifact(path)
        super().__init__(artifact, device)
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3  # warnings about unused initializers etc. are not the user's concern
        try:
            self.session = ort.InferenceSession(str(artifact.path), options, providers=providers_for(device))
        except Exception as exc:  # noqa: BLE001 - ORT raises its own exception types for bad graphs
            raise ArtifactError(f"ONNX Runtime cannot load {artifact.path.name}: {exc}") from exc
        inputs = [_info(i) for i in self.session.get_inputs()]
        check_graph_io(artifact.path.name, self.task, self.graph, artifact.meta, inputs,
                       [_info(o) for o in self.session.get_outputs()])
        self._dtypes = {t.name: np.dtype(t.dtype) for t in inputs if t.dtype in _ORT_TYPES.values()}

    def run_graph(self, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
        feeds = {n: np.ascontiguousarray(arrays[n], dtype=self._dtypes.get(n, np.float32)) for n in self.graph.inputs}
        results = self.session.run(list(self.graph.outputs), feeds)
        return dict(zip(self.graph.outputs, results))

    def close(self) -> None:
        self.session = None


_ORT_TYPES = {"tensor(float)": "float32", "tensor(float16)": "float16", "tensor(int64)": "int64",
              "tensor(int32)": "int32", "tensor(uint8)": "uint8", "tensor(bool)": "bool", "tensor(double)": "float64"}


def _info(node) -> TensorInfo:
    return TensorInfo(node.name, len(node.shape), _ORT_TYPES.get(node.type, node.type))
