"""Where a run's checkpoints live and what they are called — no torch needed, so run tables,
model pickers and the GUI can list them.

    runs/<run>/checkpoints/step-0000100.pt   resumable step checkpoints (the newest few are kept)
    runs/<run>/checkpoints/best.pt           the model at its best evaluation (family's headline metric)
    runs/<run>/checkpoints/model.pt          the model when training finished ("last")
    runs/<run>/checkpoints/epoch-003-val_loss-0.412.pt   an epoch-based run's model after epoch 3
                                             (a slim copy; resuming always uses the step checkpoints)

Every file is a dict tagged ``format: FORMAT`` (see `core.models.checkpoint`).
"""
from __future__ import annotations

import re
import time
from pathlib import Path

FORMAT = "studio-checkpoint/1"
FOLDER = "checkpoints"
MODEL_FILE = "model.pt"    # the slim, deployable checkpoint written when a run completes ("last")
BEST_FILE = "best.pt"      # the model at the run's best evaluation so far
CHOICES = ("best", "last")
_STEP_RE = re.compile(r"^step-(\d+)\.pt$")
_EPOCH_RE = re.compile(r"^epoch-(\d+)-val_loss-([0-9.]+|nan|inf)\.pt$")
_TEMP_RE = re.compile(r"^\..+\.tmp$")      # what `core.fsutil.atomic_path` writes before the rename


def checkpoint_dir(run_dir: Path) -> Path:
    return Path(run_dir) / FOLDER


def step_path(run_dir: Path, step: int) -> Path:
    return checkpoint_dir(run_dir) / f"step-{step:07d}.pt"


def step_of(path: Path) -> int | None:
    m = _STEP_RE.match(Path(path).name)
    return int(m.group(1)) if m else None


def step_checkpoints(run_dir: Path) -> list[tuple[int, Path]]:
    """(step, path) of a run's step checkpoints, newest first."""
    folder = checkpoint_dir(run_dir)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _STEP_RE.match(p.name))]
    return sorted(found, reverse=True)


def epoch_checkpoint(run_dir: Path, epoch: int, val_loss: float) -> Path:
    return checkpoint_dir(run_dir) / f"epoch-{epoch:03d}-val_loss-{val_loss:.3f}.pt"


def epoch_checkpoints(run_dir: Path) -> list[tuple[int, float, Path]]:
    """(epoch, validation loss, path) of a run's epoch copies, newest epoch first."""
    folder = checkpoint_dir(run_dir)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), float(m.group(2)), p) for p in folder.iterdir() if (m := _EPOCH_RE.match(p.name))]
    return sorted(found, key=lambda e: (-e[0], e[2].name))


def final_checkpoint(run_dir: Path) -> Path:
    return checkpoint_dir(run_dir) / MODEL_FILE


def best_checkpoint(run_dir: Path) -> Path:
    return checkpoint_dir(run_dir) / BEST_FILE


def remove_stale_temps(run_dir: Path, older_than_s: float = 0.0) -> list[tuple[Path, int]]:
    """Delete the temporary files a killed save left in the checkpoints folder (`.step-….pt.x.tmp`).

    Only called by the run's one trainer (it holds the run's lock), so no save is in flight.
    Returns (path, size in bytes) of each file removed."""
    folder = checkpoint_dir(run_dir)
    if not folder.is_dir():
        return []
    now, removed = time.time(), []
    for p in folder.iterdir():
        if _TEMP_RE.match(p.name) and p.is_file():
            try:
                st = p.stat()
                if now - st.st_mtime >= older_than_s:
                    p.unlink()
                    removed.append((p, st.st_size))
            except OSError:
                continue
    return removed
