"""Helpers of the pose tests: a project of synthetic stick figures and a spec that trains in seconds."""
from __future__ import annotations

from pathlib import Path

from core.project import Project


def make_pose_project(root: Path, num_images: int = 12, size: int = 64, val: float = 0.25, seed: int = 0) -> Project:
    """A pose project with `num_images` stick-figure images `size` px high (4:5), split train/val."""
    from core.datasets.sample_pose import import_pose_sample_data
    from core.datasets.split import split_project

    project = Project.create(root, "pose")
    import_pose_sample_data(project, num_images=num_images, size=size, seed=seed)
    split_project(project, val=val, seed=0)
    return project


def tiny_pose_spec(total_steps: int = 6, height: int = 64, width: int = 96, **train):
    """A Keypoint R-CNN spec that trains in seconds on 2 CPU cores."""
    from core.families.pose.spec import PoseSpec, cpu_sized

    spec = cpu_sized(PoseSpec())
    spec.data.input_height, spec.data.input_width = height, width
    spec.model.anchor_sizes = [8, 16, 32, 64, 128]
    spec.model.keypoint_head_layers, spec.model.keypoint_head_channels = 2, 32
    spec.model.rpn_post_nms_top_n_test, spec.model.test_detections_per_image = 50, 10
    t = spec.train
    t.total_steps, t.batch_size, t.warmup_steps = total_steps, 2, 2
    t.init_learning_rate, t.warmup_learning_rate = 0.01, 0.001
    t.learning_rate_steps, t.learning_rate_decay_levels = [max(total_steps - 2, 0)], [0.1]
    t.checkpoint_interval, t.log_interval, t.num_steps_per_eval = 2, 1, 0
    for k, v in train.items():
        setattr(t, k, v)
    spec.evaluate.batch_size = 4
    return spec
