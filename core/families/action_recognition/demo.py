"""The action-recognition demo: synthetic moving-shape clips (six actions, `core.datasets.synthetic_clips`)
written as video folders per class, imported through the real importer, split 70/30 by clip, and
learned from scratch by a 2D ResNet18 over stacked frames or torchvision's 3D mc3_18, on an epoch schedule;
`core.demo` runs it (`studio demo --task action_recognition [--input-type 2d|3d] [--quick]`).
"""
from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TASK = "action_recognition"


@dataclass(frozen=True)
class DemoConfig:
    """Sizes of the demo. `full` aims at an average class accuracy >= 0.9 on the held-out clips
    in under 10 minutes on 2 CPU cores, for each input type; `quick` proves the plumbing."""

    name: str
    input_type: str
    backbone: str
    clips_per_class: int
    clip_frames: int          # frames of each generated clip
    image_size: int           # generated frames and model input (square)
    seq_length: int           # T
    epochs: int
    lr_steps: tuple[int, ...]
    batch_size: int
    init_learning_rate: float
    warmup_steps: int
    optimizer: str = "adamw"  # SGD stalls on these from-scratch networks (measured: README)
    schedule: str = "cosine"  # a constant rate after warmup never left chance (README)
    warmup_start: float = 0.1   # the warmup's first rate, as a fraction of init_learning_rate
    sample_rate: int = 1      # every this many frames of a clip
    model_type: str = "rgb"   # or rgb_diff: the network sees the differences of consecutive frames
    eval_every_epochs: int = 1  # evaluation and an epoch checkpoint (the held-out clips take ~1/3 of an epoch)
    val_fraction: float = 0.3
    video_segments: int = 8   # actions in the demo's input video, one after another
    segment_frames: int = 24
    stride: int = 2           # a prediction every this many frames of the video


# Motion, not looks, tells the actions apart (every scene does every action), so the network needs
# many scenes before it stops memorizing them: 600 per action learn to ~0.95; 200 stay near 0.5.
# Over the frames themselves (rgb) it took 16 epochs (0.966 in 565 s); over their differences
# (rgb_diff: the still background cancels) 8 epochs reach 0.981 in 257 s (README).
FULL_2D = DemoConfig("full-2d", "2d", "resnet18", clips_per_class=600, clip_frames=16, image_size=32, seq_length=8,
                     model_type="rgb_diff", epochs=8, lr_steps=(), batch_size=16, init_learning_rate=0.001,
                     warmup_steps=378, warmup_start=0.04, eval_every_epochs=8)
QUICK_2D = dataclasses.replace(FULL_2D, name="quick-2d", clips_per_class=12, epochs=4, lr_steps=(3,),
                               warmup_steps=4, video_segments=3, eval_every_epochs=1)
# A 3D network costs 5-11x a 2D one per clip on a CPU (r3d_18 over 8 frames of 32 px: 80 ms a clip
# for forward and backward on 2 cores; mc3_18 over 4 frames: 33 ms), so the 3D demo takes 5 frames,
# every 2nd, at 24 px, and fewer scenes. Over the frames themselves (rgb) mc3_18 memorized the
# backgrounds and stayed at chance for 8 epochs; over their differences (rgb_diff, the still
# background cancels) it reached 0.97 in 5 epochs of 300 scenes (README, benchmarks.action_learnability).
FULL_3D = DemoConfig("full-3d", "3d", "mc3_18", clips_per_class=300, clip_frames=16, image_size=24, seq_length=5,
                     sample_rate=2, model_type="rgb_diff", epochs=5, lr_steps=(), batch_size=8,
                     init_learning_rate=0.001, warmup_steps=236, warmup_start=0.04, eval_every_epochs=5)
QUICK_3D = dataclasses.replace(FULL_3D, name="quick-3d", clips_per_class=12, epochs=3, lr_steps=(2,),
                               warmup_steps=4, video_segments=3, eval_every_epochs=1)


def demo_spec(config: DemoConfig):
    from core.families.spec_lookup import default_spec_for

    spec = default_spec_for(TASK, "cpu")
    m, d, t = spec.model, spec.data, spec.train
    m.input_type, m.backbone, m.rgb_seq_length = config.input_type, config.backbone, config.seq_length
    m.model_type = config.model_type
    d.sample_rate = config.sample_rate
    d.input_width = d.input_height = config.image_size
    t.epochs, t.lr_steps, t.lr_decay = config.epochs, list(config.lr_steps), 0.1
    t.batch_size, t.init_learning_rate, t.optimizer = config.batch_size, config.init_learning_rate, config.optimizer
    t.warmup_steps, t.warmup_learning_rate = config.warmup_steps, config.init_learning_rate * config.warmup_start
    t.checkpoint_interval_epochs, t.log_interval = config.eval_every_epochs, 5
    t.learning_rate_schedule = config.schedule
    spec.evaluate.batch_size = 16
    spec.inference.stride = config.stride
    return spec


class ActionDemo:
    task = TASK
    configs = {"full": FULL_2D, "quick": QUICK_2D}
    variants = {"2d": {"full": FULL_2D, "quick": QUICK_2D}, "3d": {"full": FULL_3D, "quick": QUICK_3D}}
    report_metrics = (("average_class_accuracy", "average class accuracy"), ("accuracy", "accuracy"),
                      ("val_loss", "validation loss"))

    def prepare(self, project, config: DemoConfig) -> dict[str, Any]:
        """Generate the clips as video folders per action, import them, split 70/30 by clip."""
        from core.datasets.split import split_project
        from core.datasets.synthetic_clips import ACTIONS, generate_action_folders
        from core.datasets.video_folders import commit_video_import, plan_video_folders_import

        with tempfile.TemporaryDirectory(prefix="studio-actions-") as tmp:
            root = generate_action_folders(Path(tmp) / "actions", config.clips_per_class, size=config.image_size,
                                           num_frames=config.clip_frames, seed=0)
            result = commit_video_import(project, plan_video_folders_import(root), copy=True)
        sizes = split_project(project, val=config.val_fraction, seed=0, unit="clip")
        return {"clips": result.clips, "classes": list(ACTIONS), "train_clips": sizes["train"],
                "val_clips": sizes["val"], "clip_frames": config.clip_frames, "image_size": config.image_size}

    def spec(self, config: DemoConfig):
        return demo_spec(config)

    def video(self, out: Path, config: DemoConfig) -> Path:
        from core.datasets.synthetic_clips import generate_action_video

        path, _ = generate_action_video(out / "input.mp4", segments=config.video_segments,
                                        segment_frames=config.segment_frames, size=config.image_size, seed=1,
                                        scale=4)
        return path

    def describe(self, report: dict[str, Any]) -> str:
        d = report["data"]
        config = next((c for v in self.variants.values() for c in v.values() if c.name == report["config"]), None)
        if config is None:
            what = f"the {report['config']} configuration"
        else:
            what = (f"a 2D {config.backbone} over {config.seq_length} stacked frames" if config.input_type == "2d"
                    else f"the 3D {config.backbone} over {config.seq_length} frames")
            if config.sample_rate > 1:
                what += f" (one frame in {config.sample_rate})"
            if config.model_type == "rgb_diff":
                what += ", seeing the differences of consecutive ones"
        return (f"Action recognition: {what} trained from scratch on {d['train_clips']} synthetic clips "
                f"({len(d['classes'])} actions of a moving shape, {d['clip_frames']} frames of {d['image_size']} px "
                f"each) for {report['train']['steps']} steps, evaluated on {d['val_clips']} held-out clips "
                f"(center windows).")


DEMO = ActionDemo()
