"""The one interface every inference back end implements (`Runner`), and the self-description
of a deployable artifact (`Artifact`: task, categories, spec, and the sidecar or checkpoint
header it came from).

The runtime is family-agnostic and runs one inference path: `Runner.__call__` takes the
family's inputs (RGB images, or clips of frames), runs the family's `preprocess`, hands the
graph's named inputs to the back end (`run_graph`: PyTorch eager, ONNX Runtime or TensorRT),
and turns the named outputs into typed predictions with the family's `postprocess`. A back end
only implements `run_graph`; batching (for graphs with a batch axis) happens here.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from core.errors import CheckpointError
from core.predictions import Prediction
from core.project.catalog import Category, category_dict, category_from_dict

BACKENDS = ("tensorrt", "onnxruntime", "pytorch")
KIND_BY_SUFFIX = {".pt": "checkpoint", ".pth": "checkpoint", ".onnx": "onnx", ".engine": "engine",
                  ".plan": "engine", ".trt": "engine"}
BACKEND_BY_KIND = {"checkpoint": "pytorch", "onnx": "onnxruntime", "engine": "tensorrt"}


def artifact_kind(path: str | Path) -> str:
    """"checkpoint", "onnx" or "engine", from the file suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in KIND_BY_SUFFIX:
        raise CheckpointError(f"{Path(path).name} is not a model artifact Studio can run: expected a .pt "
                              f"checkpoint, an .onnx graph or a TensorRT .engine.")
    return KIND_BY_SUFFIX[suffix]


def family_for(task: str):
    """The `Family` implementing `task` (one place, so tests can substitute a stand-in)."""
    from core.families import get_family

    return get_family(task)


def categories_from_payload(payload: Any, source: str) -> list[Category]:
    """Categories from their stored form `[{"id": int, "name": str, ...}, ...]`."""
    if not isinstance(payload, list) or not payload:
        raise CheckpointError(f"{source} lists no categories; it cannot be used for inference.")
    out = []
    for item in payload:
        if not isinstance(item, dict) or not isinstance(item.get("id"), int) or not isinstance(item.get("name"), str):
            raise CheckpointError(f"{source} has a malformed category entry {item!r} (expected an id and a name).")
        out.append(category_from_dict(item))
    return out


def categories_payload(categories: Sequence[Category]) -> list[dict[str, Any]]:
    """The stored form of categories (checkpoints, sidecars): `core.project.catalog.category_dict`."""
    return [category_dict(c) for c in categories]


@dataclass
class Artifact:
    """What an artifact says about itself: enough to rebuild its pre/post-processing."""

    path: Path
    kind: str                      # checkpoint | onnx | engine
    task: str
    categories: list[Category]
    spec_yaml: str
    meta: dict[str, Any] = field(default_factory=dict)   # the sidecar, or the checkpoint's non-tensor header

    @property
    def class_names(self) -> dict[int, str]:
        return {c.id: c.name for c in self.categories}

    def spec(self, family: Any | None = None) -> Any:
        """The experiment spec the model was trained with, parsed by its family's spec class."""
        from core.specs import spec_from_yaml

        family = family or family_for(self.task)
        return spec_from_yaml(family.spec_class, self.spec_yaml, source=f"the spec stored with {self.path.name}",
                              stored=True)


def _split_rows(outputs: dict[str, np.ndarray], n: int) -> list[dict[str, np.ndarray]]:
    for name, value in outputs.items():
        if np.ndim(value) == 0 or np.shape(value)[0] != n:
            raise ValueError(f"the graph's output {name!r} has shape {np.shape(value)}, not a batch of {n}")
    return [{name: value[i] for name, value in outputs.items()} for i in range(n)]


class Runner(ABC):
    """A loaded model on one back end. Call it with the family's inputs (RGB uint8 images
    (H, W, 3) of any size, or clips (T, H, W, 3)); get one typed prediction per input, in the
    input's pixels with project category ids."""

    backend: str = ""

    def __init__(self, artifact: Artifact, device: str = "cpu") -> None:
        self.artifact = artifact
        self.task = artifact.task
        self.categories: list[Category] = list(artifact.categories)
        self.class_names: dict[int, str] = artifact.class_names
        self.device = device
        self.family = family_for(artifact.task)
        self.spec = artifact.spec(self.family)
        self.graph = self.family.graph(self.spec)

    # -- the one inference path ----------------------------------------------------------------
    def __call__(self, inputs: Sequence[np.ndarray]) -> list[Prediction]:
        prepared = [self.family.preprocess(x, self.spec) for x in inputs]
        outputs = self._run_all([arrays for arrays, _ in prepared])
        return [self.family.postprocess(out, meta, self.spec, self.categories)
                for out, (_, meta) in zip(outputs, prepared)]

    def _run_all(self, arrays: list[dict[str, np.ndarray]]) -> list[dict[str, np.ndarray]]:
        if not self.graph.batched:
            return [self.run_graph(a) for a in arrays]
        out: list[dict[str, np.ndarray]] = []
        start = 0
        while start < len(arrays):   # consecutive samples with equal shapes go in one call
            shapes = {n: np.shape(v) for n, v in arrays[start].items()}
            end = start + 1
            while end < len(arrays) and all(np.shape(arrays[end][n]) == s for n, s in shapes.items()):
                end += 1
            stacked = {n: np.stack([a[n] for a in arrays[start:end]]) for n in self.graph.inputs}
            out += _split_rows(self.run_graph(stacked), end - start)
            start = end
        return out

    @abstractmethod
    def run_graph(self, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The graph's outputs (by name, numpy) for its inputs (by name, numpy)."""

    # -- around it -------------------------------------------------------------------------------
    @property
    def window(self):
        return self.family.window(self.spec)

    def close(self) -> None:
        """Release the model / session (the Runner is unusable afterwards)."""

    def draw(self, frame_bgr: np.ndarray, prediction: Prediction | None, score_threshold: float = 0.5,
             classes: set[int] | None = None) -> np.ndarray:
        """Draw a prediction with this task's overlay and these class names."""
        return self.family.draw(frame_bgr, prediction, self.class_names, score_threshold=score_threshold,
                                classes=classes)

    def describe(self) -> dict[str, Any]:
        return {"backend": self.backend, "device": self.device, "task": self.task,
                "artifact": str(self.artifact.path), "kind": self.artifact.kind}

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.backend}/{self.device} {self.artifact.path.name}>"
