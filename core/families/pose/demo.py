"""The pose demo: Keypoint R-CNN (ResNet18-FPN, CPU-sized heads) learns the built-in synthetic stick
figures from scratch; `core.demo` runs it (`studio demo --task pose [--quick]`)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.families.instance_segmentation.sample_schedule import apply_schedule
from core.families.pose.sample_schedule import SAMPLE_SCHEDULE

TASK = "pose"


@dataclass(frozen=True)
class DemoConfig:
    """Sizes of the demo. `full` aims at keypoint AP >= 0.5 on held-out images in at most 20 minutes
    on 2 CPU cores; `quick` proves the plumbing in a few minutes."""

    name: str
    train_images: int
    val_images: int
    image_size: int            # image height; images are 4:5 (128 -> 128x160), the CPU input's shape
    total_steps: int
    batch_size: int
    warmup_steps: int
    init_learning_rate: float
    learning_rate_steps: tuple[int, ...]
    learning_rate_decay_levels: tuple[float, ...]
    checkpoint_interval: int
    num_steps_per_eval: int
    video_frames: int


FULL = DemoConfig("full", train_images=400, val_images=100, image_size=128, video_frames=48,
                  **asdict(SAMPLE_SCHEDULE))
QUICK = DemoConfig("quick", train_images=96, val_images=24, image_size=128, total_steps=300, batch_size=4,
                   warmup_steps=50, init_learning_rate=0.02, learning_rate_steps=(220, 270),
                   learning_rate_decay_levels=(0.1, 0.01), checkpoint_interval=100, num_steps_per_eval=0,
                   video_frames=16)


def demo_spec(config: DemoConfig):
    from core.datasets.sample_pose import sample_image_shape
    from core.families.spec_lookup import default_spec_for

    spec = default_spec_for(TASK, "cpu")
    spec.data.input_height, spec.data.input_width = sample_image_shape(config.image_size)
    return apply_schedule(spec, config)


class PoseDemo:
    task = TASK
    configs = {"full": FULL, "quick": QUICK}
    # (metric as the family reports it, its name in the report) — the first is the headline
    report_metrics = (("keypoints_AP", "keypoint AP"), ("keypoints_AP50", "keypoint AP50"),
                      ("keypoints_AP75", "keypoint AP75"), ("keypoints_APm", "keypoint APm"),
                      ("keypoints_AR", "keypoint AR"), ("PCK", "PCK@0.2"), ("AP", "bbox AP"))

    def prepare(self, project, config: DemoConfig) -> dict[str, Any]:
        """Import the synthetic stick figures and split them; returns what the report says about the data."""
        from core.datasets.sample_pose import import_pose_sample_data, sample_image_shape
        from core.datasets.split import split_project

        total = config.train_images + config.val_images
        imported = import_pose_sample_data(project, num_images=total, size=config.image_size, seed=0)
        split_project(project, val=config.val_images / total, seed=0)
        h, w = sample_image_shape(config.image_size)
        return {"images": imported.images, "annotations": imported.annotations,
                "train_images": config.train_images, "val_images": config.val_images,
                "image_size": f"{h}x{w}"}

    def spec(self, config: DemoConfig):
        return demo_spec(config)

    def video(self, out: Path, config: DemoConfig) -> Path:
        from core.datasets.sample_pose import pose_sample_video

        return pose_sample_video(out / "input.mp4", num_frames=config.video_frames, size=config.image_size * 3 // 2)

    def describe(self, report: dict[str, Any]) -> str:
        d = report["data"]
        return (f"2D pose (Keypoint R-CNN, ResNet18-FPN, CPU-sized heads, 14 keypoints) trained from scratch on "
                f"{d['train_images']} synthetic {d['image_size']} px stick-figure images for "
                f"{report['train']['steps']} steps, evaluated on {d['val_images']} held-out images with pycocotools "
                "(OKS keypoint AP) and PCK@0.2.")


DEMO = PoseDemo()
