"""Checking a local pretrained-weights file before a run uses it (the wizard's model step).

Weights are untrusted: they are read with `core.models.checkpoint.safe_load` (tensors and plain
containers only, never pickled code; one sentence for each way a file fails). A usable file is
- a Studio checkpoint (``{"format": "studio-checkpoint/1", "task", "categories", "spec", "model"}``)
  of the project's family and backbone, possibly trained on other classes: the matching tensors
  load and the class-dependent head is re-initialized;
- or a state dict of tensors holding a torchvision ResNet (``conv1.weight``, ``layer1.0...``: a
  classification backbone) or a whole detection model whose backbone is a ResNet
  (``backbone.body.layer1.0...``). Which ResNet it is follows from its keys alone (blocks per
  stage, basic or bottleneck blocks), so a file for another depth is caught without building a
  model.
Nothing is ever downloaded.

A GUI must not import torch (it blocks its thread for seconds): it calls
`check_weights_in_subprocess`, which runs ``python -m core.families.pretrained FILE BACKBONE
[TASK]`` and reads its one line of JSON. `hub_checkpoints_dir` and `cached_weights` need no torch.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Iterable

from core.errors import CheckpointError, StudioError
from core.families import family_info
from core.models.checkpoint_files import FORMAT

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
SHOWN_CLASSES = 6          # a description names at most this many of a checkpoint's classes


@dataclass(frozen=True)
class WeightsInfo:
    path: Path
    kind: str                 # "backbone" (a ResNet classifier), "full_model" (detector with a ResNet body)
                              # or "studio_checkpoint" (a Studio run's model)
    architecture: str | None  # "resnet50", or None when the ResNet layout is not a torchvision one
    tensors: int
    task: str | None = None   # studio_checkpoint: the family it was trained for
    classes: tuple[str, ...] = ()   # studio_checkpoint: the classes it was trained on
    backbone_only: bool = False     # studio_checkpoint of another family: only its ResNet body is used

    def describe(self) -> str:
        if self.kind == "studio_checkpoint":
            arch = f", {self.architecture}" if self.architecture else ""
            names = ", ".join(self.classes[:SHOWN_CLASSES]) + (", ..." if len(self.classes) > SHOWN_CLASSES else "")
            trained = (f"{len(self.classes)} {'class' if len(self.classes) == 1 else 'classes'} ({names})"
                       if self.classes else "classes it does not name")
            use = ("Its ResNet backbone starts this model; its heads are not used." if self.backbone_only else
                   "Its weights load; the class-dependent head is re-initialized when the project's classes differ.")
            return (f"{self.path.name}: a Studio checkpoint of {family_title(self.task)}{arch}, trained on "
                    f"{trained}. {use}")
        what = "a ResNet backbone" if self.kind == "backbone" else "a whole model with a ResNet backbone"
        arch = f" ({self.architecture})" if self.architecture else ""
        return f"{self.path.name}: {what}{arch}, {self.tensors} tensors."


def _family_takes_backbone(task: str, source_task: str | None) -> bool:
    try:
        return family_info(task).takes_backbone_from(source_task)
    except StudioError:
        return False


def family_title(task: str | None) -> str:
    """"Instance segmentation" for "instance_segmentation"; the name itself for a family this
    version does not know."""
    try:
        return family_info(task or "").title
    except StudioError:
        return repr(task)


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


def read_weights(path: str | Path) -> tuple[dict, dict[str, Any] | None]:
    """(state dict, Studio checkpoint header or None) of a weights file, read safely; CheckpointError
    with a sentence when it is not usable weights."""
    import torch

    from core.models.checkpoint import safe_load

    p = Path(path).expanduser()
    try:
        data = safe_load(p, "weights file")
    except CheckpointError:
        raise
    except Exception as exc:  # noqa: BLE001 - safe_load lets a few unpickler errors through (KeyError on text)
        raise CheckpointError(f"{p.name} is not a PyTorch weights file Studio can read "
                              f"({type(exc).__name__}).") from None
    header = data if isinstance(data, dict) and data.get("format") == FORMAT else None
    state = data["model"] if isinstance(data, dict) and isinstance(data.get("model"), dict) else data
    if not isinstance(state, dict) or not state or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{p.name} is not a state dict of tensors (nor a Studio checkpoint): it cannot "
                              "initialize a model.")
    return state, header


def load_state_dict(path: str | Path) -> dict:
    """The state dict in a weights file (weights_only); CheckpointError with a sentence otherwise."""
    return read_weights(path)[0]


def _studio_checkpoint_info(p: Path, state: dict, header: dict[str, Any]) -> WeightsInfo:
    from core.project.run_summary import spec_facts

    task = header.get("task")
    if not isinstance(task, str) or not task:
        raise CheckpointError(f"{p.name} is a Studio checkpoint that does not say which model family it is for; "
                              "Studio cannot check that it fits.")
    categories = header.get("categories") if isinstance(header.get("categories"), list) else []
    classes = tuple(str(c["name"]) for c in categories if isinstance(c, dict) and c.get("name") is not None)
    backbone = spec_facts(header.get("spec") if isinstance(header.get("spec"), str) else "").get("backbone")
    body = [k[len("backbone.body."):] for k in state if k.startswith("backbone.body.")]
    architecture = str(backbone) if backbone else (resnet_architecture(body) if body else None)
    return WeightsInfo(p, "studio_checkpoint", architecture, len(state), task, classes)


def inspect_weights(path: str | Path) -> WeightsInfo:
    state, header = read_weights(path)
    p = Path(path).expanduser()
    if header is not None:
        return _studio_checkpoint_info(p, state, header)
    keys = list(state)
    if any(k.startswith("backbone.body.") for k in keys):
        kind, body = "full_model", [k[len("backbone.body."):] for k in keys if k.startswith("backbone.body.")]
    elif "conv1.weight" in state or any(k.startswith("layer1.") for k in keys):
        kind, body = "backbone", keys
    else:
        raise CheckpointError(f"{p.name} holds neither a ResNet backbone nor a detection model with a "
                              f"ResNet backbone (its first keys: {', '.join(keys[:3])}).")
    return WeightsInfo(p, kind, resnet_architecture(body), len(keys))


def check_weights(path: str | Path, backbone: str, task: str | None = None) -> WeightsInfo:
    """Inspect a weights file and refuse it when it is for another backbone than `backbone` or, for a
    Studio checkpoint, for another family than `task` (when given)."""
    info = inspect_weights(path)
    if info.kind == "studio_checkpoint":
        if task and _family_takes_backbone(task, info.task):
            info = replace(info, backbone_only=True)
        elif task and info.task != task:
            raise CheckpointError(f"{info.path.name} is a Studio checkpoint of {family_title(info.task)}, not of "
                                  f"{family_title(task)}: its layers do not fit this project's model. Choose a "
                                  f"checkpoint of a {family_title(task).lower()} run, or torchvision weights.")
        if info.architecture and info.architecture != backbone:
            raise CheckpointError(f"{info.path.name} was trained with the {info.architecture} backbone but the "
                                  f"backbone is {backbone}: choose {info.architecture} as the backbone, or another "
                                  "file.")
        return info
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

def check_weights_in_subprocess(path: str | Path, backbone: str, task: str | None = None,
                                timeout_s: float = 600) -> WeightsInfo:
    """`check_weights` run by a child Python (torch is imported there, not here)."""
    from core.jobs.child_env import child_env

    try:
        out = subprocess.run([sys.executable, "-m", "core.families.pretrained", str(path), backbone,
                              *([task] if task else [])],
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
    return WeightsInfo(Path(result["path"]), result["kind"], result["architecture"], result["tensors"],
                       result.get("task"), tuple(result.get("classes") or ()), bool(result.get("backbone_only")))


def main(argv: list[str]) -> int:
    """`python -m core.families.pretrained FILE BACKBONE [TASK]`: one JSON line, {"ok": ...}."""
    try:
        info = check_weights(argv[0], argv[1], argv[2] if len(argv) > 2 else None)
    except CheckpointError as exc:
        print(json.dumps({"ok": False, "message": str(exc)}))
        return 0
    print(json.dumps({"ok": True, **{k: str(v) if isinstance(v, Path) else v for k, v in asdict(info).items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
