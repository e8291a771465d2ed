"""The built-in sample data of the pose family: synthetic stick figures generated and imported
through the real COCO keypoints path (so the demo, the wizard and the tests exercise its checks)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from core.datasets.coco import plan_coco_import
from core.datasets.plan import ImportResult, commit_import
from core.datasets.synthetic_pose import generate_pose_coco, generate_pose_video
from core.jobs.reporter import NullReporter, Reporter
from core.project import Project


def sample_image_shape(size: int) -> tuple[int, int]:
    """(height, width) of the sample images for a size (their height; 4:5, the CPU input's aspect)."""
    return int(size), int(round(size * 1.25))


def import_pose_sample_data(project: Project, num_images: int = 200, size: int = 128, seed: int = 0,
                            reporter: Reporter | None = None) -> ImportResult:
    """Generate `num_images` stick-figure scenes `size` px high (4:5) and import them (one transaction)."""
    reporter = reporter or NullReporter()
    h, w = sample_image_shape(size)
    with tempfile.TemporaryDirectory(prefix="studio-sample-") as tmp:
        reporter.log(f"Generating {num_images} sample stick-figure images ({h}x{w} px)...")
        ann = generate_pose_coco(Path(tmp) / "figures", num_images, size=(h, w), seed=seed)
        plan = plan_coco_import(ann, ann.parent, reporter=reporter)
        return commit_import(project, plan, copy=True, reporter=reporter)


def pose_sample_video(path: str | Path, num_frames: int = 48, size: int = 192, seed: int = 1) -> Path:
    return generate_pose_video(path, num_frames=num_frames, size=sample_image_shape(size), seed=seed)


__all__ = ["import_pose_sample_data", "pose_sample_video", "sample_image_shape"]
