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
    video_frames: int
    optimizer: str = "adamw"         # SGD stayed near chance on these crops from scratch (README)
    schedule: str = "cosine"
    warmup_start: float = 0.04       # the warmup's first rate, as a fraction of init_learning_rate
    rotate90: bool = False           # the hands face the camera upright (synthetic_hands.TILT): flips only
    from_detector: bool = True       # start from the hand detector's ResNet body (transfer, as in the reference)
    before: dict | None = None   # configs of the stages demoed first, by subfolder (None: their quick or full)


# measured with benchmarks/gesture_learnability.py (README): 2,400 scenes at 48 px learn far better
# than 800 at 64 px, 8 epochs of their crops reach 0.937, and the detector's backbone gives a head start
FULL = DemoConfig("full", scenes=2400, val_fraction=0.2, crop_margin=0.25, image_size=48, total_steps=1200,
                  batch_size=32, warmup_steps=360, init_learning_rate=0.002, video_frames=72)
QUICK = DemoConfig("quick", scenes=160, val_fraction=0.25, crop_margin=0.25, image_size=48, total_steps=150,
                   batch_size=32, warmup_steps=45, init_learning_rate=0.002, video_frames=24)


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
                "val_crops": sizes.get("val", 0), "image_size": config.image_size,
                "from_detector": bool(before) and config.from_detector}

    def spec(self, config: DemoConfig, before: dict[str, Any] | None = None):
        from core.families.spec_lookup import default_spec_for

        spec = default_spec_for(TASK, "cpu")
        spec.data.image_size, spec.data.rotate90 = config.image_size, config.rotate90
        t = spec.train
        t.total_steps, t.batch_size, t.warmup_steps = config.total_steps, config.batch_size, config.warmup_steps
        t.init_learning_rate, t.optimizer, t.learning_rate_schedule = (config.init_learning_rate, config.optimizer,
                                                                       config.schedule)
        t.warmup_learning_rate = config.init_learning_rate * config.warmup_start
        t.checkpoint_interval, t.num_steps_per_eval = max(1, config.total_steps // 4), 0
        if before:
            spec.model.detector = str(before["detector"]["artifacts"]["onnx"])
            if config.from_detector:
                spec.model.pretrained = str(before["detector"]["artifacts"]["checkpoint"])
        spec.model.margin = config.crop_margin
        return spec

    def video(self, out: Path, config: DemoConfig) -> Path:
        from core.datasets.synthetic_hands import generate_hands_video

        return generate_hands_video(out / "input.mp4", num_frames=config.video_frames, size=256)

    def describe(self, report: dict[str, Any]) -> str:
        d = report["data"]
        start = ("started from the hand detector's ResNet18 backbone" if d.get("from_detector")
                 else "trained from scratch")
        return (f"Gestures (ResNet18 on {d['image_size']} px hand crops) {start}, on {d['train_crops']} "
                f"crops cut from synthetic scenes for {report['train']['steps']} steps, evaluated on "
                f"{d['val_crops']} held-out crops; the cascade after the demo's hand detector is scored on the "
                "detector's held-out frames (a hand counts end to end when it is found at IoU 0.5 and named right).")


DEMO = GestureDemo()
