"""Helpers for the action-recognition tests: tiny synthetic clip folders, an imported and split
project, and a spec that trains in seconds."""
from __future__ import annotations

from pathlib import Path

from core.datasets.split import split_project
from core.datasets.synthetic_clips import generate_action_folders
from core.datasets.video_folders import commit_video_import, plan_video_folders_import
from core.project import Project

ACTIONS3 = ("move_left", "move_right", "grow")


def action_project(root: Path, per_class: int = 4, size: int = 24, frames: int = 8, actions=ACTIONS3,
                   val: float = 0.34, seed: int = 0, frame_folders: bool = False) -> Project:
    """A project of `per_class` synthetic clips per action, imported as video folders and split."""
    src = generate_action_folders(root / "src", per_class, size=size, num_frames=frames, seed=seed, actions=actions,
                                  frame_folders=frame_folders)
    project = Project.create(root / "proj", "action_recognition")
    commit_video_import(project, plan_video_folders_import(src))
    split_project(project, val=val, seed=0, unit="clip")
    return project


def tiny_action_spec(input_type: str = "2d", steps: int = 4, size: int = 24, frames: int = 4, **train):
    from core.families.action_recognition.spec import ActionRecognitionSpec, cpu_sized

    spec = cpu_sized(ActionRecognitionSpec())
    spec.model.input_type = input_type
    spec.model.backbone = "resnet18"
    spec.model.rgb_seq_length = frames
    spec.data.input_width = spec.data.input_height = size
    t = spec.train
    t.total_steps, t.batch_size, t.warmup_steps = steps, 4, 1
    t.init_learning_rate, t.warmup_learning_rate = 0.01, 0.001
    t.learning_rate_steps, t.learning_rate_decay_levels = [max(steps - 1, 1)], [0.1]
    t.checkpoint_interval, t.log_interval, t.num_steps_per_eval = 2, 1, 0
    for k, v in train.items():
        setattr(t, k, v)
    spec.evaluate.batch_size = 8
    return spec
