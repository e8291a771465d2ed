"""The gesture demo: both stages of the hand -> gesture cascade on synthetic hands. `core.demo`
runs the detection demo first (`runs_after`), then trains this classifier on hand crops cut from
other scenes of the same generator, exports it, runs the cascade over a video and scores it on the
detector's held-out frames (`core.evaluation.cascade`): `studio demo --task gesture [--quick]`."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

TASK = "gesture"


@dataclass(frozen=True)
class DemoConfig:
    """`full` aims at classifier accuracy >= 0.95 and cascade end-to-end accuracy >= 0.85 on held-out
    frames in at most 15 minutes on 2 CPU cores (with the detector's demo); `quick` proves the plumbing."""

    name: str
    scenes: int              # synthetic scenes whose hands are cut (about 2.5 hands each)
    val_fraction: float
    crop_margin: float       # the margin of the training crops, and the cascade's
    image_size: int
    total_steps: int
    batch_size: int
    warmup_steps: int
    init_learning_rate: float
    learning_rate_steps: tuple[int, ...]
    learning_rate_decay_levels: tuple[float, ...]
    video_frames: int
    before: dict | None = None   # configs of the stages demoed first, by subfolder (None: their quick or full)


FULL = DemoConfig("full", scenes=800, val_fraction=0.2, crop_margin=0.25, image_size=64, total_steps=800,
                  batch_size=32, warmup_steps=40, init_learning_rate=0.05, learning_rate_steps=(550, 720),
                  learning_rate_decay_levels=(0.1, 0.01), video_frames=72)
QUICK = DemoConfig("quick", scenes=160, val_fraction=0.25, crop_margin=0.25, image_size=64, total_steps=150,
                   batch_size=32, warmup_steps=15, init_learning_rate=0.05, learning_rate_steps=(110, 135),
                   learning_rate_decay_levels=(0.1, 0.01), video_frames=24)


class GestureDemo:
    task = TASK
    configs = {"full": FULL, "quick": QUICK}
    runs_after = (("detector", "detection"),)     # (subfolder, task) of the stages demoed first
    cascade_attribute = "gesture"                  # what the detector's frames carry for this stage
    cascade_score = 0.5                            # detections at or above this score are classified
    report_metrics = (("accuracy", "gesture accuracy"), ("end_to_end_accuracy", "cascade end-to-end accuracy"),
                      ("average_class_accuracy", "average class accuracy"),
                      ("detection_recall", "detection recall @0.5"),
                      ("gesture_accuracy", "gesture accuracy on found hands"))

    def prepare(self, project, config: DemoConfig, before: dict[str, Any] | None = None) -> dict[str, Any]:
        """Cut the hands of synthetic scenes (another seed than the detector's) and split them."""
        from core.datasets.split import split_project
        from core.datasets.synthetic_hands import import_sample_gestures

        imported = import_sample_gestures(project, num_images=config.scenes, size=128, seed=11,
                                          margin=config.crop_margin)
        sizes = split_project(project, val=config.val_fraction, seed=0)
        return {"scenes": config.scenes, "crops": imported.images, "train_crops": sizes.get("train", 0),
                "val_crops": sizes.get("val", 0), "image_size": config.image_size}

    def spec(self, config: DemoConfig, before: dict[str, Any] | None = None):
        from core.families.spec_lookup import default_spec_for

        spec = default_spec_for(TASK, "cpu")
        spec.data.image_size = config.image_size
        t = spec.train
        t.total_steps, t.batch_size, t.warmup_steps = config.total_steps, config.batch_size, config.warmup_steps
        t.init_learning_rate = config.init_learning_rate
        t.warmup_learning_rate = config.init_learning_rate / 10
        t.learning_rate_steps = list(config.learning_rate_steps)
        t.learning_rate_decay_levels = list(config.learning_rate_decay_levels)
        t.checkpoint_interval, t.num_steps_per_eval = max(1, config.total_steps // 4), 0
        if before:
            spec.model.detector = str(before["detector"]["artifacts"]["onnx"])
        spec.model.margin = config.crop_margin
        return spec

    def video(self, out: Path, config: DemoConfig) -> Path:
        from core.datasets.synthetic_hands import generate_hands_video

        return generate_hands_video(out / "input.mp4", num_frames=config.video_frames, size=256)

    def describe(self, report: dict[str, Any]) -> str:
        d = report["data"]
        return (f"Gestures (ResNet18 on {d['image_size']} px hand crops) trained from scratch on {d['train_crops']} "
                f"crops cut from synthetic scenes for {report['train']['steps']} steps, evaluated on "
                f"{d['val_crops']} held-out crops; the cascade after the demo's hand detector is scored on the "
                "detector's held-out frames (a hand counts end to end when it is found at IoU 0.5 and named right).")


DEMO = GestureDemo()
