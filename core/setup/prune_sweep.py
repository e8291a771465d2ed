"""The pruning sensitivity sweep: for each threshold, prune the trained model, fine-tune it briefly
with the shared trainer, and evaluate it — parameters and the family's headline metric against pth,
written as `prune_sweep.json` and drawn as `prune_sweep.png` in the trained run's folder, so the
user can choose pth before the real prune and retrain. Each point trains in a scratch run that is
removed afterwards (the sweep leaves only its report)."""
from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any, Sequence

from core.errors import RunError
from core.fsutil import atomic_path, atomic_write_text
from core.jobs.reporter import Reporter
from core.project import Project, runs

SWEEP_JSON, SWEEP_PNG = "prune_sweep.json", "prune_sweep.png"


class _Quiet(Reporter):
    """A scratch run's reporter: its events are dropped; a stop of the sweep stops it."""

    def __init__(self, outer: Reporter):
        super().__init__()
        self.outer = outer

    def should_stop(self) -> bool:
        return self.outer.should_stop()

    def emit(self, event: dict[str, Any]) -> None:
        pass


def prune_sweep(project: Project, run: str, checkpoint: Path, pths: Sequence[float], settings, steps: int,
                reporter: Reporter) -> dict[str, Any]:
    """Prune at each of `pths` (the other settings as given), fine-tune `steps` steps, evaluate."""
    from core.families import family_info
    from core.setup.pruned_run import prune_into_run
    from core.training.trainer import train_run

    if not pths:
        raise RunError("Give the sweep at least one threshold, e.g. --sweep 0.05,0.1,0.2.")
    trained = runs.get_run(project, run)
    headline = family_info(trained.task).headline_metric
    reference = runs.latest_metrics(project, trained.id)
    points = []
    for i, pth in enumerate(sorted(set(float(p) for p in pths))):
        reporter.progress(i, len(pths), phase="sweep", force=True)
        reporter.log(f"Sweep: pth {pth:g} — pruning, fine-tuning {steps} steps, evaluating...")
        name = f"{run}-sweep-{i + 1}"
        if runs.find_run(project, name) is not None:
            raise RunError(f"Run {name} exists; remove it (or rename it) before sweeping {run}.")
        try:
            made = prune_into_run(project, run, checkpoint, dataclasses.replace(settings, pth=pth), name,
                                  latency_runs=3, steps=max(1, steps))
            result = train_run(project, name, _Quiet(reporter))
            if result.status != "done":
                raise RunError(f"The sweep's fine-tune at pth {pth:g} ended {result.status}; the sweep stopped.")
            metrics = runs.latest_metrics(project, runs.get_run(project, name).id)
        finally:
            if runs.find_run(project, name) is not None:
                runs.delete_run(project, name)
            shutil.rmtree(project.run_dir(name), ignore_errors=True)
        report = made["report"]
        points.append({"pth": pth, "params": report.params_after, "params_ratio": round(report.params_ratio, 4),
                       "latency_ms": report.latency_ms_after, "metric": metrics.get(headline), "metrics": metrics})
        reporter.log(f"Sweep: pth {pth:g}: {100 * report.params_ratio:.0f}% of the parameters, {headline} "
                     f"{metrics.get(headline, float('nan')):.3f} after {steps} steps")
    reporter.progress(len(pths), len(pths), phase="sweep", force=True)
    sweep = {"run": run, "checkpoint": str(checkpoint), "metric": headline, "reference": reference.get(headline),
             "params_before": made["report"].params_before, "fine_tune_steps": steps,
             "settings": {"equalization": settings.equalization, "granularity": settings.granularity,
                          "min_filters": settings.min_filters}, "points": points}
    folder = project.run_dir(run)
    atomic_write_text(folder / SWEEP_JSON, json.dumps(sweep, indent=2))
    draw_sweep(sweep, folder / SWEEP_PNG)
    sweep["files"] = [str(folder / SWEEP_JSON), str(folder / SWEEP_PNG)]
    return sweep


def draw_sweep(sweep: dict[str, Any], path: Path, size: tuple[int, int] = (640, 400)) -> Path:
    """Parameters kept (blue) and the metric after the fine-tune (orange) against pth."""
    from PIL import Image, ImageDraw

    w, h = size
    left, right, top, bottom = 56, 20, 36, 48
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    pts = sweep["points"]
    xs = [p["pth"] for p in pts]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1e-3

    def X(v):
        return left + (v - x0) / (x1 - x0) * (w - left - right)

    def Y(v):
        return h - bottom - max(0.0, min(1.0, v)) * (h - top - bottom)

    d.rectangle([left, top, w - right, h - bottom], outline="#888888")
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        d.line([left, Y(t), w - right, Y(t)], fill="#e5e5e5")
        d.text((8, Y(t) - 6), f"{t:.2f}", fill="#444444")
    for v in xs:
        d.text((X(v) - 12, h - bottom + 6), f"{v:g}", fill="#444444")
    d.text((w // 2 - 20, h - 20), "pth", fill="#000000")
    series = (("#1f77b4", "parameters kept", [p["params_ratio"] for p in pts]),
              ("#ff7f0e", f"{sweep['metric']} after {sweep['fine_tune_steps']} steps",
               [p["metric"] if p["metric"] is not None else 0.0 for p in pts]))
    for i, (color, label, ys) in enumerate(series):
        line = [(X(x), Y(y)) for x, y in zip(xs, ys)]
        if len(line) > 1:
            d.line(line, fill=color, width=2)
        for px, py in line:
            d.ellipse([px - 3, py - 3, px + 3, py + 3], fill=color)
        d.text((left + 8 + i * 220, 12), label, fill=color)
    if sweep.get("reference") is not None:
        y = Y(sweep["reference"])
        d.line([left, y, w - right, y], fill="#ff7f0e", width=1)
        d.text((w - right - 150, y - 14), f"trained {sweep['reference']:.3f}", fill="#ff7f0e")
    with atomic_path(path) as tmp:
        img.save(tmp, format="PNG")
    return path
