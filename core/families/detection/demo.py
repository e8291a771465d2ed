"""The detection demo: a hand detector (the light CPU option, from scratch) learns the synthetic
hands; `core.demo` runs it (`studio demo --task detection [--quick]`)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.families.detection.sample_schedule import SAMPLE_SCHEDULE, apply_schedule

TASK = "detection"


@dataclass(frozen=True)
class DemoConfig:
    """Sizes of the demo. `full` aims at bbox AP >= 0.6 in at most 10 minutes on 2 CPU cores;
    `quick` proves the plumbing in a few minutes (see the README for what was measured)."""

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


# 800 training images: with 400 the detector took textured clutter for hands more often (bbox AP 0.560
# against 0.587 with the same 1,600 steps, README)
FULL = DemoConfig("full", train_images=800, val_images=100, image_size=128, video_frames=72,
                  **asdict(SAMPLE_SCHEDULE))
QUICK = DemoConfig("quick", train_images=120, val_images=30, image_size=128, total_steps=300, batch_size=4,
                   warmup_steps=40, init_learning_rate=0.02, learning_rate_steps=(220, 270),
                   learning_rate_decay_levels=(0.1, 0.01), checkpoint_interval=100, num_steps_per_eval=0,
                   video_frames=24)


def demo_spec(config: DemoConfig):
    from core.families.spec_lookup import default_spec_for

    spec = default_spec_for(TASK, "cpu")
    spec.data.image_size = config.image_size
    return apply_schedule(spec, config)


class DetectionDemo:
    task = TASK
    configs = {"full": FULL, "quick": QUICK}
    # (metric as the family reports it, its name in the report) — the first is the headline
    report_metrics = (("AP", "bbox AP"), ("AP50", "bbox AP50"), ("AP75", "bbox AP75"), ("voc_mAP", "VOC mAP@0.5"),
                      ("ARmax100", "bbox AR@100"))

    def prepare(self, project, config: DemoConfig) -> dict[str, Any]:
        """Generate the synthetic hands, import them (COCO, gestures as attributes) and split them."""
        from core.datasets.split import split_project
        from core.datasets.synthetic_hands import import_sample_hands

        total = config.train_images + config.val_images
        imported = import_sample_hands(project, num_images=total, size=config.image_size, seed=0)
        split_project(project, val=config.val_images / total, seed=0)
        return {"images": imported.images, "annotations": imported.annotations,
                "train_images": config.train_images, "val_images": config.val_images,
                "image_size": config.image_size}

    def spec(self, config: DemoConfig):
        return demo_spec(config)

    def video(self, out: Path, config: DemoConfig) -> Path:
        from core.datasets.synthetic_hands import generate_hands_video

        return generate_hands_video(out / "input.mp4", num_frames=config.video_frames, size=config.image_size * 2)

    def describe(self, report: dict[str, Any]) -> str:
        d = report["data"]
        return (f"Hand detection (Faster R-CNN, ResNet18-FPN, CPU-sized) trained from scratch on "
                f"{d['train_images']} synthetic {d['image_size']} px images for {report['train']['steps']} steps, "
                f"evaluated on {d['val_images']} held-out images (COCO bbox AP by pycocotools, VOC mAP@0.5).")


DEMO = DetectionDemo()
