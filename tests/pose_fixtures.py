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
    """A Keypoint R-CNN spec that trains in seconds on 2 CPU cores: the family's smoke profile at
    64x96 with 14x14 keypoint RoIs, up to 10 people of score 0.05 or more, `total_steps` steps."""
    from core.families.pose.spec import PoseSpec, smoke_sized

    spec = smoke_sized(PoseSpec())
    spec.data.input_height, spec.data.input_width = height, width
    m = spec.model
    m.keypoint_roi_size, m.box_batch_size_per_im = 14, 64
    m.rpn_pre_nms_top_n_test, m.rpn_post_nms_top_n_test = 300, 50
    m.test_score_threshold, m.test_detections_per_image = 0.05, 10
    t = spec.train
    t.total_steps, t.warmup_steps = total_steps, 2
    t.learning_rate_steps = [max(total_steps - 2, 0)]
    for k, v in train.items():
        setattr(t, k, v)
    return spec
