"""The PyTorch back end: a Studio checkpoint (`.pt`) rebuilt through its family and run eagerly.

A checkpoint is untrusted input: it is read with `torch.load(weights_only=True)`, so a pickle
that would run code or build arbitrary objects is refused, never executed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from core.errors import CheckpointError, RuntimeUnavailableError
from core.runtime.base import Artifact, Runner, categories_from_payload

CHECKPOINT_FORMAT = "studio-checkpoint/1"


def read_checkpoint(path: str | Path) -> tuple[Artifact, dict[str, Any]]:
    """(its Artifact description, the model state dict) of a Studio checkpoint."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"The checkpoint {path} does not exist.")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - truncated zip, unsafe global, bad pickle ...
        raise CheckpointError(f"The checkpoint {path.name} cannot be loaded safely (weights only): {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path.name} is not a Studio checkpoint (no {CHECKPOINT_FORMAT!r} format tag).")
    missing = [k for k in ("task", "spec", "categories", "model") if k not in data]
    if missing:
        raise CheckpointError(f"The checkpoint {path.name} lacks {', '.join(missing)}; it cannot be used for "
                              "inference.")
    state = data["model"]
    if not isinstance(state, dict):
        raise CheckpointError(f"The checkpoint {path.name} has no model state dict.")
    header = {k: v for k, v in data.items() if k in ("format", "task", "step", "torch_version", "categories")}
    artifact = Artifact(path=path, kind="checkpoint", task=str(data["task"]),
                        categories=categories_from_payload(data["categories"], path.name),
                        spec_yaml=str(data["spec"]), meta=header)
    return artifact, state


def torch_device(device: str):
    import torch

    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeUnavailableError(f"The PyTorch back end was asked for {device!r} but no CUDA GPU is "
                                      "available here; use device 'cpu'.")
    return torch.device(device)


def image_to_tensor(image_rgb: np.ndarray):
    """RGB uint8 (H, W, 3) -> float CHW tensor in [0, 1] (the Family.predict input contract)."""
    import torch

    chw = torch.from_numpy(np.ascontiguousarray(image_rgb.transpose(2, 0, 1)))
    return chw.float().div_(255.0) if chw.dtype == torch.uint8 else chw.float()


class TorchRunner(Runner):
    backend = "pytorch"

    def __init__(self, path: str | Path, device: str = "cpu",
                 loaded: tuple[Artifact, dict[str, Any]] | None = None) -> None:
        artifact, state = loaded or read_checkpoint(path)
        super().__init__(artifact, device)
        self._device = torch_device(device)
        model_spec = getattr(self.spec, "model", None)
        if getattr(model_spec, "pretrained", None):
            # Every weight comes from the checkpoint; the original pretrained file may not exist here.
            model_spec.pretrained = ""
        model = self.family.build_model(self.spec, self.categories)
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError as exc:
            raise CheckpointError(f"The weights in {artifact.path.name} do not fit the model its spec describes: "
                                  f"{str(exc).splitlines()[0]}") from exc
        self.model = model.to(self._device).eval()

    def __call__(self, images_rgb: Sequence[np.ndarray]) -> list[dict[str, Any]]:
        import torch

        if len(images_rgb) == 0:
            return []
        tensors = [image_to_tensor(im).to(self._device) for im in images_rgb]
        with torch.inference_mode():
            return self.family.predict(self.model, tensors, self.spec)

    def close(self) -> None:
        self.model = None
