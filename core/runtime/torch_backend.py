"""The PyTorch back end: a Studio checkpoint (`.pt`) rebuilt through its family — its model
transforms replayed, its weights loaded strictly — and run eagerly through the family's
`graph_module`, so it returns exactly the outputs the exported graph returns.

A checkpoint is untrusted input: it is read with `torch.load(weights_only=True)`
(`core.models.checkpoint.safe_load`), so a pickle that would run code is refused, never executed.
A model that is already in memory (the trainer's, during its evaluations) runs through
`TorchRunner.from_model`, the same path.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from core.errors import CheckpointError, RuntimeUnavailableError
from core.runtime.base import Artifact, Runner, categories_from_payload

HEADER_KEYS = ("format", "task", "step", "torch_version", "categories", "transforms", "metric", "role")


def read_checkpoint(path: str | Path) -> tuple[Artifact, dict[str, Any]]:
    """(its Artifact description, the checkpoint payload) of a Studio checkpoint."""
    from core.models.checkpoint import load_checkpoint

    path = Path(path)
    data = load_checkpoint(path)
    missing = [k for k in ("task", "spec", "categories", "model") if k not in data]
    if missing:
        raise CheckpointError(f"The checkpoint {path.name} lacks {', '.join(missing)}; it cannot be used for "
                              "inference.")
    header = {k: v for k, v in data.items() if k in HEADER_KEYS}
    artifact = Artifact(path=path, kind="checkpoint", task=str(data["task"]),
                        categories=categories_from_payload(data["categories"], path.name),
                        spec_yaml=str(data["spec"]), meta=header)
    return artifact, data


def torch_device(device: str):
    import torch

    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeUnavailableError(f"The PyTorch back end was asked for {device!r} but no CUDA GPU is "
                                      "available here; use device 'cpu'.")
    return torch.device(device)


class TorchRunner(Runner):
    backend = "pytorch"

    def __init__(self, path: str | Path, device: str = "cpu",
                 loaded: tuple[Artifact, dict[str, Any]] | None = None, model=None) -> None:
        from core.models.weights import restore_model

        artifact, payload = loaded or read_checkpoint(path)
        super().__init__(artifact, device)
        self._device = torch_device(device)
        if model is None:
            model = restore_model(self.family, self.spec, self.categories, payload, artifact.path.name)
        self.model = model.to(self._device).eval()
        self.module = self.family.graph_module(self.model, self.spec).to(self._device).eval()

    @classmethod
    def from_model(cls, family, model, spec_yaml: str, categories, device: str = "cpu", name: str = "model"
                   ) -> "TorchRunner":
        """A runner over an in-memory model (no file): the trainer's evaluations use it."""
        artifact = Artifact(Path(name), "checkpoint", family.info.name, list(categories), spec_yaml, {})
        runner = cls.__new__(cls)
        Runner.__init__(runner, artifact, str(device))
        runner._device = torch_device(str(device))
        runner.model = model
        runner.module = family.graph_module(model, runner.spec).eval()   # the caller puts it back in train mode
        return runner

    def run_graph(self, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        import torch

        tensors = [torch.from_numpy(np.ascontiguousarray(arrays[n])).to(self._device) for n in self.graph.inputs]
        with torch.inference_mode():
            out = self.module(*tensors)
        if not isinstance(out, (tuple, list)):
            out = (out,)
        if len(out) != len(self.graph.outputs):
            raise RuntimeError(f"{type(self.module).__name__} returned {len(out)} outputs for "
                               f"{len(self.graph.outputs)} names {self.graph.outputs}")
        return {name: t.detach().to("cpu").numpy() for name, t in zip(self.graph.outputs, out)}

    def close(self) -> None:
        self.model = None
        self.module = None
