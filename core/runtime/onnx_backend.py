"""The ONNX Runtime back end: an `.onnx` graph plus its sidecar, on the CPU execution provider
(or CUDA's when installed and asked for). Pre- and post-processing come from the family
(`onnx_preprocess`, `onnx_postprocess`), so the graph's outputs become the same Prediction
dicts the PyTorch back end returns.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from core.errors import RuntimeUnavailableError
from core.runtime.base import Artifact, Runner, categories_from_payload
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
    """Runs the graph once per image (Studio's graphs take one image of any size)."""

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
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.output_names = [o.name for o in self.session.get_outputs()]
        # What the family's pre/post-processing gets: the sidecar, with categories as objects.
        self.meta: dict[str, Any] = {**artifact.meta, "categories": self.categories}

    def __call__(self, images_rgb: Sequence[np.ndarray]) -> list[dict[str, Any]]:
        out = []
        for image in images_rgb:
            inputs = self.family.onnx_preprocess(image, self.meta)
            outputs = self.session.run(self.output_names, dict(zip(self.input_names, inputs)))
            out.append(self.family.onnx_postprocess(outputs, self.meta, tuple(image.shape[:2]), self.spec))
        return out

    def close(self) -> None:
        self.session = None
