"""The one interface every inference back end implements (`Runner`), and the self-description
of a deployable artifact (`Artifact`: task, categories, spec, and the sidecar or checkpoint
header it came from).

The runtime is family-agnostic: a Runner turns RGB images into Prediction dicts (see
`core.families.base`) by calling the family of the artifact's task — `predict` for PyTorch,
`onnx_preprocess` / `onnx_postprocess` for ONNX Runtime, `draw` for overlays. A new family
plugs in by implementing those methods; nothing here changes.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from core.errors import CheckpointError
from core.project.catalog import Category

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
        out.append(Category(id=item["id"], name=item["name"], source_id=item.get("source_id"),
                            supercategory=item.get("supercategory")))
    return out


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
        return spec_from_yaml(family.spec_class, self.spec_yaml, source=f"the spec stored with {self.path.name}")


class Runner(ABC):
    """A loaded model on one back end. Call it with RGB uint8 images (H, W, 3), any sizes; get
    one Prediction per image in original pixel coordinates with project category ids."""

    backend: str = ""

    def __init__(self, artifact: Artifact, device: str = "cpu") -> None:
        self.artifact = artifact
        self.task = artifact.task
        self.categories: list[Category] = list(artifact.categories)
        self.class_names: dict[int, str] = artifact.class_names
        self.device = device
        self.family = family_for(artifact.task)
        self.spec = artifact.spec(self.family)

    @abstractmethod
    def __call__(self, images_rgb: Sequence[np.ndarray]) -> list[dict[str, Any]]:
        ...

    def close(self) -> None:
        """Release the model / session (the Runner is unusable afterwards)."""

    def draw(self, frame_bgr: np.ndarray, prediction: dict[str, Any], score_threshold: float = 0.5,
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
