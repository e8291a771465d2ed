"""The main job, end to end on a family's built-in sample data: project -> import -> split ->
train -> evaluate -> export ONNX (+ guardrail) -> inference over a generated video -> report.

What is family-specific comes from the family's demo (named by `FamilyInfo.demo`: its data, its
spec, its input video, the metrics its report leads with); the stages are the same for every
family. Each long step runs as a worker process through the same launcher the CLI uses; this
module only orchestrates and writes `report.json` / `report.md`.
"""
from __future__ import annotations

import json
import platform
import shutil
import time
from pathlib import Path
from typing import Any, Callable

from core.errors import StudioError
from core.families import family_info, family_infos, resolve
from core.fsutil import atomic_write_text

DEFAULT_TASK = "instance_segmentation"
MARKER = ".studio-demo"
STOPS_HERE = "the demo stops here and writes no report (run it again to start over)"
EventFn = Callable[[dict[str, Any]], None]


def demo_for(task: str):
    """The family's demo (what `FamilyInfo.demo` names); a sentence when it has none."""
    info = family_info(task)
    if not info.demo:
        having = [i.name for i in family_infos() if i.demo]
        raise StudioError(f"{info.title} has no demo in this version; demos exist for {', '.join(having)}.")
    return resolve(info.demo)


def demo_config(demo, quick: bool, variant: str | None = None):
    """The demo's "quick" or "full" configuration, of `variant` when given (the action demo's
    input types "2d" and "3d": `demo.variants`)."""
    key = "quick" if quick else "full"
    if variant is None:
        return demo.configs[key]
    variants = getattr(demo, "variants", {})
    if variant not in variants:
        offered = f"it offers {', '.join(variants)}" if variants else "it has no variants"
        raise StudioError(f"The {demo.task} demo has no variant {variant!r}: {offered}.")
    return variants[variant][key]


def prepare_out_dir(out: Path) -> None:
    """The demo owns `out`: a previous demo there is replaced; anything else is refused."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise StudioError(f"{out} is not empty and does not hold an earlier demo; choose another --out.")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by `studio demo`; the next demo run replaces this folder\n")


def run_demo(out: str | Path, quick: bool = False, on_event: EventFn | None = None, config: Any = None,
             runner: Callable[..., tuple[int, list]] | None = None, task: str = DEFAULT_TASK,
             variant: str | None = None) -> dict[str, Any]:
    """The demo of `task` in `out` (`config`: one of the family demo's configs, default its
    "quick" or "full", of `variant` when given). `runner` runs one job (default:
    `core.jobs.launch.run_job`)."""
    from core.jobs.launch import run_job
    from core.jobs.state import ended_status, final_event
    from core.project import Project
    from core.setup.new_run import create_run_from_spec

    runner = runner or run_job
    demo = demo_for(task)
    config = config or demo_config(demo, quick, variant)
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
        code, events = runner(verb, project_dir, lambda e: say({**e, "task": task}), again=STOPS_HERE, **options)
        last = final_event(events)
        status = ended_status(last)
        if status == "stopped":
            raise StudioError(f"The demo's {verb} step was stopped before it finished; {STOPS_HERE}.")
        if code != 0 or status != "done":
            raise StudioError(f"The demo's {verb} step failed: {(last or {}).get('message', f'exit code {code}')}")
        return last

    prepare_out_dir(out)
    # a cascade's earlier stages (a hand detector before the gesture classifier): each is its own
    # family's demo in a subfolder, and this demo's data and spec see their reports
    before: dict[str, Any] = {}
    for name, first_task in getattr(demo, "runs_after", ()):
        done = stage(name)
        first_config = (getattr(config, "before", None) or {}).get(name)     # default: its quick or full
        before[name] = run_demo(out / name, quick=config.name == "quick", on_event=on_event, config=first_config,
                                runner=runner, task=first_task)
        done()
    extra = {"before": before} if before else {}
    project_dir = out / "project"
    done = stage("data")
    with Project.create(project_dir, task, name="demo") as project:
        data = demo.prepare(project, config, **extra)
        create_run_from_spec(project, "demo", demo.spec(config, **extra))
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
    video_in = demo.video(out, config)
    inferred = job("infer", run="demo", artifact=exported["artifact"], source=str(video_in),
                   out=str(out / "annotated.mp4"))
    done()

    m = dict(evaluated["metrics"])
    if before:
        done = stage("cascade")
        m.update(_cascade_metrics(demo, before, Path(exported["artifact"]), out))
        done()
    report = {
        "task": task,
        "config": config.name,
        "data": data,
        "metrics": {**{label.replace(" ", "_"): m.get(key) for key, label in demo.report_metrics}, "all": m},
        "report_metrics": [list(pair) for pair in demo.report_metrics],
        "onnx_metrics": exported.get("metrics", {}),
        "onnx_delta": exported.get("delta", {}),
        "artifacts": {"project": str(project_dir), "checkpoint": trained["checkpoint"],
                      "onnx": exported["artifact"], "video": inferred["out_path"], "input_video": str(video_in)},
        "inference": {k: inferred[k] for k in ("frames", "fps", "timings_ms", "backend")},
        "train": {"steps": trained["step"], "batch_size": getattr(config, "batch_size", None)},
        "timings": {**timings, "total": round(sum(timings.values()), 2)},
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
    }
    if before:
        report["before"] = {k: {"metrics": v["metrics"], "timings": v["timings"]} for k, v in before.items()}
    report["summary"] = demo.describe(report)
    atomic_write_text(out / "report.json", json.dumps(report, indent=2))
    atomic_write_text(out / "report.md", render_markdown(report))
    return report


def _cascade_metrics(demo, before: dict[str, Any], artifact: Path, out: Path) -> dict[str, float]:
    """The cascade scored on the first stage's held-out frames (their boxes carry this stage's
    class in `demo.cascade_attribute`), see `core.evaluation.cascade`."""
    from core.evaluation.cascade import evaluate_cascade, labeled_frames
    from core.project import Project
    from core.runtime import load_runner

    first = before[demo.runs_after[0][0]]
    with Project.open(first["artifacts"]["project"]) as project:
        frames = labeled_frames(project, "val", demo.cascade_attribute)
    with load_runner(artifact) as runner:
        return evaluate_cascade(runner, frames, score_threshold=demo.cascade_score, out_dir=out)


def render_markdown(r: dict[str, Any]) -> str:
    m, t = r["metrics"], r["timings"]
    lines = [
        f"# Studio demo report: {r['task']} ({r['config']})", "", r["summary"], "",
        "| metric | PyTorch checkpoint | ONNX export | delta |", "|---|---|---|---|",
    ]
    for key, name in r["report_metrics"]:
        value, onnx, delta = m["all"].get(key), r["onnx_metrics"].get(key), r["onnx_delta"].get(key)
        lines.append(f"| {name} | {'-' if value is None else f'{value:.3f}'} | {'-' if onnx is None else f'{onnx:.3f}'} "
                     f"| {'-' if delta is None else f'{delta:+.4f}'} |")
    inf = r["inference"]
    lines += ["", f"Inference over {inf['frames']} video frames on {inf['backend']}: {inf['fps']:.1f} FPS "
              f"(per frame: decode {inf['timings_ms']['decode']:.1f} ms, inference {inf['timings_ms']['inference']:.1f} ms, "
              f"draw {inf['timings_ms']['draw']:.1f} ms, encode {inf['timings_ms']['encode']:.1f} ms).", "",
              "| stage | seconds |", "|---|---|"]
    lines += [f"| {k} | {v:.1f} |" for k, v in t.items()]
    lines += ["", "Artifacts:", ""] + [f"- {k}: `{v}`" for k, v in r["artifacts"].items()]
    return "\n".join(lines) + "\n"
