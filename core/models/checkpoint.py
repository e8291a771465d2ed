"""Reading and writing Studio checkpoints (the file names live in `core.models.checkpoint_files`).

A step checkpoint holds everything to continue exactly: model, optimizer, scaler, step, RNG
states, plus what makes it self-describing for inference (task, spec YAML, categories, the
model transforms to replay before the weights load). Files are written atomically.

Every file from outside is untrusted: `safe_load` reads it with ``torch.load(weights_only=True)``
and turns torch's multi-paragraph refusals into one sentence. A checkpoint that fails to load
(truncated, corrupt) is skipped when resuming, never used, and the skip is reported.
"""
from __future__ import annotations

import logging
import pickle
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from core.errors import CheckpointError
from core.fsutil import atomic_path, storage_failure
from core.models.checkpoint_files import (FORMAT, checkpoint_dir, final_checkpoint, step_checkpoints,  # noqa: F401
                                          step_path)

log = logging.getLogger(__name__)


def safe_load(path: str | Path, what: str = "checkpoint") -> Any:
    """`torch.load(path, weights_only=True)` on the CPU, with one sentence for each way it fails."""
    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"The {what} {p} does not exist.")
    try:
        return torch.load(p, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "weights_only" in str(exc) or "Unsupported global" in str(exc) or "Weights only" in str(exc):
            raise CheckpointError(f"{p.name} holds code (pickled Python objects), not only weights; Studio will not "
                                  "load it, because loading it could run that code.") from None
        raise CheckpointError(f"{p.name} is not a PyTorch weights file Studio can read ({_first_line(exc)}).") \
            from None
    except (KeyError, AssertionError, TypeError, IndexError) as exc:   # raw errors of the unpickler on other files
        raise CheckpointError(f"{p.name} is not a PyTorch weights file Studio can read.") from exc
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as exc:
        text = str(exc)
        if "central directory" in text or "zip archive" in text or isinstance(exc, (EOFError, zipfile.BadZipFile)):
            raise CheckpointError(f"{p.name} is truncated or damaged: it is not a complete PyTorch file.") from None
        raise CheckpointError(f"{p.name} cannot be read as a PyTorch file ({_first_line(exc)}).") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


def load_checkpoint(path: Path) -> dict[str, Any]:
    """A Studio checkpoint (a dict tagged with FORMAT holding a model state dict)."""
    state = safe_load(path)
    if not isinstance(state, dict) or state.get("format") != FORMAT or not isinstance(state.get("model"), dict):
        raise CheckpointError(f"{Path(path).name} is not a Studio checkpoint (no {FORMAT!r} format tag).")
    return state


def state_dict_of(path: str | Path, what: str = "weights file") -> dict[str, torch.Tensor]:
    """The tensors of a weights file: a plain state dict, or the model of a Studio checkpoint."""
    state = safe_load(path, what)
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]
    if not isinstance(state, dict) or not state or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{Path(path).name} is not a state dict of tensors (nor a Studio checkpoint): it cannot "
                              "initialize a model.")
    return state


def rng_state() -> dict[str, Any]:
    np_state = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "numpy_keys": torch.from_numpy(np_state[1].astype(np.int64)),
        "numpy_pos": int(np_state[2]),
        "numpy_gauss": (int(np_state[3]), float(np_state[4])),
        "python": random.getstate(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(("MT19937", state["numpy_keys"].numpy().astype(np.uint32), state["numpy_pos"],
                         *state["numpy_gauss"]))
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def write_checkpoint(path: Path, payload: dict[str, Any]) -> Path:
    """Write a checkpoint file atomically; a full or read-only disk raises StorageError with a sentence
    and leaves the previous file (if any) as it was."""
    path = Path(path)
    try:
        with atomic_path(path) as tmp:
            torch.save({"format": FORMAT, **payload}, tmp)
    except (OSError, RuntimeError) as exc:
        error = storage_failure(path, exc, "save the checkpoint")
        if error is None:
            raise
        raise error from exc
    return path


def save_checkpoint(run_dir: Path, step: int, state: dict[str, Any], keep: int) -> Path:
    """Write `step-<step>.pt` atomically, then drop all but the newest `keep`."""
    path = write_checkpoint(step_path(run_dir, step), {"step": step, **state})
    for _, old in step_checkpoints(run_dir)[keep:]:
        old.unlink(missing_ok=True)
    return path


@dataclass
class ResumePoint:
    """The newest step checkpoint that loads, and those passed over on the way (newest first)."""

    path: Path | None = None
    state: dict[str, Any] | None = None
    skipped: list[tuple[Path, str]] = field(default_factory=list)   # (file, why)

    @property
    def step(self) -> int:
        return int(self.state["step"]) if self.state else 0


def find_resume_point(run_dir: Path, on_skip: Callable[[Path, str], None] | None = None) -> ResumePoint:
    """The one resume rule: the newest step checkpoint that loads; broken ones are skipped and named."""
    point = ResumePoint()
    for _, path in step_checkpoints(run_dir):
        try:
            point.path, point.state = path, load_checkpoint(path)
            return point
        except CheckpointError as exc:
            log.warning("skipping checkpoint: %s", exc)
            point.skipped.append((path, str(exc)))
            if on_skip is not None:
                on_skip(path, str(exc))
    return point


def latest_valid_checkpoint(run_dir: Path) -> tuple[Path, dict[str, Any]] | None:
    """(path, state) of the newest checkpoint that loads, or None."""
    point = find_resume_point(run_dir)
    return (point.path, point.state) if point.state is not None else None
