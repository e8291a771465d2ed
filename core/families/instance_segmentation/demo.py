"""The instance-segmentation demo: Mask R-CNN (ResNet18-FPN, CPU-sized heads) learns the built-in
synthetic shapes; `core.demo` runs it (`studio demo --task instance_segmentation`)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.families.instance_segmentation.sample_schedule import SAMPLE_SCHEDULE, apply_schedule

TASK = "instance_segmentation"


@dataclass(frozen=True)
class DemoConfig:
    """Sizes of the demo. `full` aims at segm AP >= 0.5 in about 20 minutes on 2 CPU cores (measured:
    0.57 in 11 to 17 minutes, by CPU); `quick` proves the plumbing in under 3 (measured: 2 minutes)."""

    name: str
    train_images: int
    val_images: int
    image_size: int
    total_steps: int
    batch_size: int
    warmup_steps: int
    init_learning_rate: float
    learning_rate_steps: tuple[int, ...]
    learning_rate_decay_levels: tuple[float, ...]
    checkpoint_interval: int
    num_steps_per_eval: int
    video_frames: int


# the sample data's CPU schedule (the wizard offers the same one for a project of sample data)
FULL = DemoConfig("full", train_images=400, val_images=100, image_size=128, video_frames=72,
                  **asdict(SAMPLE_SCHEDULE))
# ~2 minutes on 2 cores and a segm AP near 0.1: little, but a model that visibly learned
QUICK = DemoConfig("quick", train_images=120, val_images=30, image_size=96, total_steps=400, batch_size=4,
                   warmup_steps=50, init_learning_rate=0.02, learning_rate_steps=(300, 360),
                   learning_rate_decay_levels=(0.1, 0.01), checkpoint_interval=100, num_steps_per_eval=0,
                   video_frames=24)


def demo_spec(config: DemoConfig):
    from core.families.spec_lookup import default_spec_for

    spec = default_spec_for(TASK, "cpu")
    spec.data.image_size = config.image_size
    return apply_schedule(spec, config)


class SegmentationDemo:
    task = TASK
    configs = {"full": FULL, "quick": QUICK}
    # (metric as the family reports it, its name in the report) — the first is the headline
    report_metrics = (("mask_AP", "segm AP"), ("AP", "bbox AP"), ("mask_AP50", "segm AP50"), ("AP50", "bbox AP50"),
                      ("mask_AP75", "segm AP75"), ("AP75", "bbox AP75"))

    def prepare(self, project, config: DemoConfig) -> dict[str, Any]:
        """Import the synthetic shapes and split them; returns what the report says about the data."""
        from core.datasets.sample import import_sample_data
        from core.datasets.split import split_project

        total = config.train_images + config.val_images
        imported = import_sample_data(project, num_images=total, size=config.image_size, seed=0)
        split_project(project, val=config.val_images / total, seed=0)
        return {"images": imported.images, "annotations": imported.annotations,
                "train_images": config.train_images, "val_images": config.val_images,
                "image_size": config.image_size}

    def spec(self, config: DemoConfig):
        return demo_spec(config)

    def video(self, out: Path, config: DemoConfig) -> Path:
        from core.datasets.sample import sample_video

        return sample_video(out / "input.mp4", num_frames=config.video_frames, size=config.image_size * 2)

    def describe(self, report: dict[str, Any]) -> str:
        d = report["data"]
        return (f"Instance segmentation (Mask R-CNN, ResNet18-FPN, CPU-sized heads) trained from scratch on "
                f"{d['train_images']} synthetic {d['image_size']} px images for {report['train']['steps']} steps, "
                f"evaluated on {d['val_images']} held-out images with pycocotools.")


DEMO = SegmentationDemo()
