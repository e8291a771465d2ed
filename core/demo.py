"""The main job, end to end on the built-in sample data: project -> import -> split -> train ->
evaluate -> export ONNX (+ guardrail) -> inference over a generated video -> report.

Each long step runs as a worker process through the same launcher the CLI uses; this module
only orchestrates and writes `report.json` / `report.md`.
"""
from __future__ import annotations

import json
import platform
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

from core.errors import StudioError
from core.families.instance_segmentation.sample_schedule import SAMPLE_SCHEDULE, apply_schedule
from core.fsutil import atomic_write_text

MARKER = ".studio-demo"
STOPS_HERE = "the demo stops here and writes no report (run it again to start over)"
EventFn = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class DemoConfig:
    """Sizes of the demo. `full` aims at segm AP >= 0.5 in about 20 minutes on 2 CPU cores (measured:
    0.570 in 11 minutes); `quick` proves the plumbing in under 3 (measured: 2 minutes)."""

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


TASK = "instance_segmentation"
# the sample data's CPU schedule (the wizard offers the same one for a project of sample data)
FULL = DemoConfig("full", train_images=400, val_images=100, image_size=128, video_frames=72,
                  **asdict(SAMPLE_SCHEDULE))
# ~2 minutes on 2 cores and a segm AP near 0.1: little, but a model that visibly learned
QUICK = DemoConfig("quick", train_images=120, val_images=30, image_size=96, total_steps=400, batch_size=4,
                   warmup_steps=50, init_learning_rate=0.02, learning_rate_steps=(300, 360),
                   learning_rate_decay_levels=(0.1, 0.01), checkpoint_interval=100, num_steps_per_eval=0,
                   video_frames=24)


def demo_spec(config: DemoConfig):
    from core.families import get_family

    spec = get_family(TASK).default_spec("cpu")
    spec.data.image_size = config.image_size
    return apply_schedule(spec, config)


def prepare_out_dir(out: Path) -> None:
    """The demo owns `out`: a previous demo there is replaced; anything else is refused."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise StudioError(f"{out} is not empty and does not hold an earlier demo; choose another --out.")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by `studio demo`; the next demo run replaces this folder\n")


def run_demo(out: str | Path, quick: bool = False, on_event: EventFn | None = None,
             config: DemoConfig | None = None, runner: Callable[..., tuple[int, list]] | None = None) -> dict[str, Any]:
    """The demo in `out`. `runner` runs one job (default: `core.jobs.launch.run_job`)."""
    from core.datasets.sample import import_sample_data, sample_video
    from core.datasets.split import split_project
    from core.jobs.launch import run_job
    from core.jobs.state import ended_status, final_event
    from core.project import Project
    from core.setup.new_run import create_run_from_spec

    runner = runner or run_job

    config = config or (QUICK if quick else FULL)
    out = Path(out).resolve()
    say = on_event or (lambda e: None)
    timings: dict[str, float] = {}

    def stage(name: str) -> Callable[[], None]:
        t0 = time.perf_counter()
        say({"event": "log", "message": f"== {name}"})
        return lambda: timings.__setitem__(name, round(time.perf_counter() - t0, 2))

    def job(verb: str, **options: Any) -> dict[str, Any]:
        """A stage's `done` event; a stage that failed or stopped ends the demo (no later stage,
        no report), and so does a Ctrl+C (`JobInterrupted`, after the worker stopped)."""
        code, events = runner(verb, project_dir, say, again=STOPS_HERE, **options)
        last = final_event(events)
        status = ended_status(last)
        if status == "stopped":
            raise StudioError(f"The demo's {verb} step was stopped before it finished; {STOPS_HERE}.")
        if code != 0 or status != "done":
            raise StudioError(f"The demo's {verb} step failed: {(last or {}).get('message', f'exit code {code}')}")
        return last

    prepare_out_dir(out)
    project_dir = out / "project"
    done = stage("data")
    total_images = config.train_images + config.val_images
    with Project.create(project_dir, TASK, name="demo") as project:
        imported = import_sample_data(project, num_images=total_images, size=config.image_size, seed=0)
        split_project(project, val=config.val_images / total_images, seed=0)
        create_run_from_spec(project, "demo", demo_spec(config))
    done()

    done = stage("train")
    trained = job("train", run="demo")
    done()
    done = stage("evaluate")
    evaluated = job("evaluate", run="demo")
    done()
    done = stage("export")
    exported = job("export", run="demo")
    done()
    done = stage("infer")
    video_in = sample_video(out / "input.mp4", num_frames=config.video_frames, size=config.image_size * 2)
    inferred = job("infer", run="demo", artifact=exported["artifact"], source=str(video_in),
                   out=str(out / "annotated.mp4"))
    done()

    m = evaluated["metrics"]
    report = {
        "task": TASK,
        "config": config.name,
        "data": {"images": imported.images, "annotations": imported.annotations,
                 "train_images": config.train_images, "val_images": config.val_images,
                 "image_size": config.image_size},
        "metrics": {"bbox_AP": m["AP"], "segm_AP": m["mask_AP"], "bbox_AP50": m["AP50"], "segm_AP50": m["mask_AP50"],
                    "bbox_AP75": m["AP75"], "segm_AP75": m["mask_AP75"], "all": m},
        "onnx_metrics": exported.get("metrics", {}),
        "onnx_delta": exported.get("delta", {}),
        "artifacts": {"project": str(project_dir), "checkpoint": trained["checkpoint"],
                      "onnx": exported["artifact"], "video": inferred["out_path"], "input_video": str(video_in)},
        "inference": {k: inferred[k] for k in ("frames", "fps", "timings_ms", "backend")},
        "train": {"steps": trained["step"], "batch_size": config.batch_size},
        "timings": {**timings, "total": round(sum(timings.values()), 2)},
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
    }
    atomic_write_text(out / "report.json", json.dumps(report, indent=2))
    atomic_write_text(out / "report.md", render_markdown(report))
    return report


def render_markdown(r: dict[str, Any]) -> str:
    m, t = r["metrics"], r["timings"]
    lines = [
        f"# Studio demo report ({r['config']})", "",
        f"Instance segmentation (Mask R-CNN, ResNet18-FPN, CPU-sized heads) trained from scratch on "
        f"{r['data']['train_images']} synthetic {r['data']['image_size']} px images for {r['train']['steps']} steps, "
        f"evaluated on {r['data']['val_images']} held-out images with pycocotools.", "",
        "| metric | PyTorch checkpoint | ONNX export | delta |", "|---|---|---|---|",
    ]
    for key, name in (("AP", "bbox AP"), ("AP50", "bbox AP50"), ("mask_AP", "segm AP"), ("mask_AP50", "segm AP50")):
        onnx = r["onnx_metrics"].get(key)
        delta = r["onnx_delta"].get(key)
        lines.append(f"| {name} | {m['all'][key]:.3f} | {'-' if onnx is None else f'{onnx:.3f}'} | "
                     f"{'-' if delta is None else f'{delta:+.4f}'} |")
    inf = r["inference"]
    lines += ["", f"Inference over {inf['frames']} video frames on {inf['backend']}: {inf['fps']:.1f} FPS "
              f"(per frame: decode {inf['timings_ms']['decode']:.1f} ms, inference {inf['timings_ms']['inference']:.1f} ms, "
              f"draw {inf['timings_ms']['draw']:.1f} ms, encode {inf['timings_ms']['encode']:.1f} ms).", "",
              "| stage | seconds |", "|---|---|"]
    lines += [f"| {k} | {v:.1f} |" for k, v in t.items()]
    lines += ["", "Artifacts:", ""] + [f"- {k}: `{v}`" for k, v in r["artifacts"].items()]
    return "\n".join(lines) + "\n"
