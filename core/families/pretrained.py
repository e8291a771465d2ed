"""Checking a local pretrained-weights file before a run uses it (the wizard's model step).

Weights are untrusted: they are read with ``torch.load(..., weights_only=True)``. A usable file
is a state dict of tensors (or a Studio checkpoint ``{"model": state_dict}``) holding either a
torchvision ResNet (``conv1.weight``, ``layer1.0...``: a classification backbone) or a whole
detection model whose backbone is a ResNet (``backbone.body.layer1.0...``). Which ResNet it is
follows from its keys alone (blocks per stage, basic or bottleneck blocks), so a file for
another depth is caught without building a model. Nothing is ever downloaded.

A GUI must not import torch (it blocks its thread for seconds): it calls
`check_weights_in_subprocess`, which runs ``python -m core.families.pretrained FILE BACKBONE``
and reads its one line of JSON. `hub_checkpoints_dir` and `cached_weights` need no torch.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

from core.errors import CheckpointError

# torchvision ResNets: (bottleneck?, blocks in layer1..4)
RESNETS = {
    "resnet18": (False, (2, 2, 2, 2)),
    "resnet34": (False, (3, 4, 6, 3)),
    "resnet50": (True, (3, 4, 6, 3)),
    "resnet101": (True, (3, 4, 23, 3)),
    "resnet152": (True, (3, 8, 36, 3)),
}
WEIGHT_SUFFIXES = (".pth", ".pt")
_BLOCK = re.compile(r"^layer([1-4])\.(\d+)\.")


@dataclass(frozen=True)
class WeightsInfo:
    path: Path
    kind: str                 # "backbone" (a ResNet classifier) or "full_model" (detector with a ResNet body)
    architecture: str | None  # "resnet50", or None when the ResNet layout is not a torchvision one
    tensors: int

    def describe(self) -> str:
        what = "a ResNet backbone" if self.kind == "backbone" else "a whole model with a ResNet backbone"
        arch = f" ({self.architecture})" if self.architecture else ""
        return f"{self.path.name}: {what}{arch}, {self.tensors} tensors."


def resnet_architecture(keys: Iterable[str]) -> str | None:
    """The torchvision ResNet a backbone state dict's keys describe, or None."""
    blocks: dict[int, set[int]] = {1: set(), 2: set(), 3: set(), 4: set()}
    bottleneck = False
    for k in keys:
        m = _BLOCK.match(k)
        if m:
            blocks[int(m.group(1))].add(int(m.group(2)))
            bottleneck = bottleneck or ".conv3." in k
    layout = (bottleneck, tuple(len(blocks[i]) for i in range(1, 5)))
    return next((name for name, value in RESNETS.items() if value == layout), None)


def load_state_dict(path: str | Path) -> dict:
    """The state dict in a weights file (weights_only); CheckpointError with a sentence otherwise."""
    import torch

    p = Path(path).expanduser()
    if not p.is_file():
        raise CheckpointError(f"The weights file {p} does not exist.")
    try:
        state = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling problem means an unusable file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{p.name} cannot be loaded safely as PyTorch weights ({first[:200]}).") from exc
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]
    if not isinstance(state, dict) or not state or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{p.name} is not a state dict of tensors (nor a Studio checkpoint): it cannot "
                              "initialize a model.")
    return state


def inspect_weights(path: str | Path) -> WeightsInfo:
    state = load_state_dict(path)
    keys = list(state)
    if any(k.startswith("backbone.body.") for k in keys):
        kind, body = "full_model", [k[len("backbone.body."):] for k in keys if k.startswith("backbone.body.")]
    elif "conv1.weight" in state or any(k.startswith("layer1.") for k in keys):
        kind, body = "backbone", keys
    else:
        raise CheckpointError(f"{Path(path).name} holds neither a ResNet backbone nor a detection model with a "
                              f"ResNet backbone (its first keys: {', '.join(keys[:3])}).")
    return WeightsInfo(Path(path).expanduser(), kind, resnet_architecture(body), len(keys))


def check_weights(path: str | Path, backbone: str) -> WeightsInfo:
    """Inspect a weights file and refuse it when it is for another backbone than `backbone`."""
    info = inspect_weights(path)
    if info.architecture is None:
        raise CheckpointError(f"{info.path.name} holds ResNet-like weights, but not of a torchvision ResNet layout "
                              f"Studio knows; it would not fit {backbone}.")
    if info.architecture != backbone:
        raise CheckpointError(f"{info.path.name} holds {info.architecture} weights but the backbone is {backbone}: "
                              f"choose {info.architecture} as the backbone, or another file.")
    return info


def hub_checkpoints_dir() -> Path:
    """torch hub's checkpoint folder, found as torch does it (TORCH_HOME, else XDG_CACHE_HOME/torch,
    else ~/.cache/torch) without importing torch; never created here."""
    home = os.environ.get("TORCH_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache"), "torch")
    return Path(os.path.expanduser(home)) / "hub" / "checkpoints"


def cached_weights(folder: str | Path | None = None) -> list[Path]:
    """Weights files already in the torch hub cache (nothing is downloaded), sorted by name."""
    root = Path(folder) if folder is not None else hub_checkpoints_dir()
    try:
        entries = list(os.scandir(root))
    except OSError:
        return []
    return sorted((Path(e.path) for e in entries if e.is_file() and e.name.lower().endswith(WEIGHT_SUFFIXES)),
                  key=lambda p: p.name.lower())


# ------------------------------------------------------------------------------ out of process

def check_weights_in_subprocess(path: str | Path, backbone: str, timeout_s: float = 600) -> WeightsInfo:
    """`check_weights` run by a child Python (torch is imported there, not here)."""
    from core.jobs.child_env import child_env

    try:
        out = subprocess.run([sys.executable, "-m", "core.families.pretrained", str(path), backbone],
                             capture_output=True, text=True, env=child_env(), timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise CheckpointError(f"Checking {Path(path).name} took longer than {timeout_s:.0f} s; is it on a slow "
                              "drive?") from None
    lines = out.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = " ".join(out.stderr.strip().splitlines()[-2:])
        raise CheckpointError(f"Checking {Path(path).name} failed (exit code {out.returncode}): {tail}") from None
    if not result.get("ok"):
        raise CheckpointError(result.get("message") or f"{Path(path).name} cannot be used.")
    return WeightsInfo(Path(result["path"]), result["kind"], result["architecture"], result["tensors"])


def main(argv: list[str]) -> int:
    """`python -m core.families.pretrained FILE BACKBONE`: one JSON line, {"ok": ...}."""
    try:
        info = check_weights(argv[0], argv[1])
    except CheckpointError as exc:
        print(json.dumps({"ok": False, "message": str(exc)}))
        return 0
    print(json.dumps({"ok": True, **{k: str(v) if isinstance(v, Path) else v for k, v in asdict(info).items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
