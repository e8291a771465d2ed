"""The action-recognition family's built-in sample data: synthetic moving-shape clips
(`core.datasets.synthetic_clips`) written as video folders per action and imported through the real
video-folders importer, as a user's folders would be (torch-free)."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Sequence

from core.datasets.synthetic_clips import ACTIONS, generate_action_folders

SAMPLE_ACTIONS: tuple[str, ...] = ("move_left", "move_right", "grow")


def import_sample_data(project, num_images: int = 36, size: int = 64, seed: int = 0, reporter=None,
                       num_frames: int = 8, actions: Sequence[str] = SAMPLE_ACTIONS):
    """About `num_images` clips (the same number of each of `actions`) of `num_frames` frames of
    `size` px, imported into `project` (copied into its media folder). Returns the import result."""
    from core.datasets.video_folders import commit_video_import, plan_video_folders_import

    unknown = [a for a in actions if a not in ACTIONS]
    if unknown:
        raise ValueError(f"unknown action(s) {unknown}; choose from {ACTIONS}")
    with tempfile.TemporaryDirectory(prefix="clips-") as tmp:
        root = generate_action_folders(Path(tmp) / "actions", max(1, num_images // len(actions)), size=size,
                                       num_frames=num_frames, seed=seed, actions=tuple(actions))
        return commit_video_import(project, plan_video_folders_import(root), copy=True, reporter=reporter)
