"""Predict over a split's samples and score them with the family's metrics — the one loop behind
the trainer's periodic evaluations, `studio evaluate` and every export's accuracy check.

It runs any Runner (a PyTorch checkpoint, the trainer's in-memory model, an ONNX graph, a
TensorRT engine) over `family.samples(project, split)`, each loaded by `family.eval_inputs`
(`load_input`, or several views of the sample that `family.combine` merges: an action clip's
evenly spaced windows), in batches of the spec's `evaluate.batch_size` samples; predictions are
keyed by sample id.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from core.errors import DataError, JobStopped
from core.fsutil import atomic_write_text
from core.jobs.reporter import NullReporter, Reporter
from core.predictions import Prediction


def eval_batch_size(spec: Any) -> int:
    return max(1, int(getattr(getattr(spec, "evaluate", None), "batch_size", 4) or 4))


def predict_split(runner, project, split: str, reporter: Reporter | None = None) -> dict[int, Prediction]:
    """Predictions for every sample of `split`, keyed by sample id.

    Raises `JobStopped` when the reporter asks to stop before every sample is predicted (partial
    predictions would score the missing samples as misses: nothing is stored)."""
    reporter = reporter or NullReporter()
    family, spec = runner.family, runner.spec
    samples = family.samples(project, split)
    if not samples:
        unit = "clips" if family.info.sample_kind == "clip" else (
            "labelled boxes" if family.info.sample_kind == "crop" else "images")
        raise DataError(f"The {split!r} split has no {unit}; run `studio data split` first.")
    batch = eval_batch_size(spec)
    out: dict[int, Prediction] = {}
    for start in range(0, len(samples), batch):
        if reporter.should_stop():
            raise JobStopped(f"Evaluation on the {split!r} split was stopped before it finished; no metrics were "
                             "stored.")
        chunk = samples[start:start + batch]
        views = [family.eval_inputs(project, s, spec) for s in chunk]     # one input per sample, or several
        flat = runner([x for v in views for x in v])
        at = 0
        for s, v in zip(chunk, views):
            out[s.id] = family.combine(flat[at:at + len(v)], spec)
            at += len(v)
        reporter.progress(len(out), len(samples), phase="evaluate")
    return out


def evaluate_runner(runner, project, split: str, out_dir: Path, reporter: Reporter | None = None) -> dict[str, Any]:
    """Predict over `split`, compute the family's metrics, write `out_dir/metrics.json`; returns
    {"metrics", "samples", "predict_s", "metrics_s"}."""
    t0 = time.perf_counter()
    predictions = predict_split(runner, project, split, reporter)
    t1 = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics = runner.family.evaluate(project, split, predictions, runner.spec, out_dir)
    summary = {"split": split, "samples": len(predictions), "predict_s": round(t1 - t0, 3),
               "metrics_s": round(time.perf_counter() - t1, 3), "metrics": metrics}
    atomic_write_text(out_dir / "metrics.json", json.dumps(summary, indent=2))
    return summary


def evaluate_model(family, model, project, spec_yaml: str, categories, split: str, out_dir: Path, device,
                   reporter: Reporter | None = None) -> dict[str, float]:
    """The trainer's evaluation of its in-memory model (same path as an artifact's)."""
    from core.runtime.torch_backend import TorchRunner

    runner = TorchRunner.from_model(family, model, spec_yaml, categories, device=str(device))
    return evaluate_runner(runner, project, split, out_dir, reporter)["metrics"]
