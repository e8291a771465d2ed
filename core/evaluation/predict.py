"""Run a model over a split and score it with the family's metrics (used by training's
periodic evaluation and by the evaluate job)."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader

from core.errors import DataError, JobStopped
from core.fsutil import atomic_write_text
from core.jobs.reporter import NullReporter, Reporter


def predict_split(family, model: torch.nn.Module, project, spec: Any, split: str, device: torch.device,
                  reporter: Reporter | None = None) -> dict[int, dict]:
    """Predictions (family Prediction dicts) for every image of `split`, keyed by image id.

    Raises `JobStopped` when the reporter asks to stop before every image is predicted."""
    reporter = reporter or NullReporter()
    dataset = family.dataset(project, spec, split, train=False)
    if len(dataset) == 0:
        raise DataError(f"The {split!r} split has no images; run `studio data split` first.")
    loader = DataLoader(dataset, batch_size=spec.evaluate.batch_size, shuffle=False,
                        collate_fn=family.collate, num_workers=0)
    model.eval()
    out: dict[int, dict] = {}
    with torch.inference_mode():
        for images, _targets, image_ids in loader:
            if reporter.should_stop():
                # partial predictions would score the missing images as misses: store nothing
                raise JobStopped(f"Evaluation on the {split!r} split was stopped before it finished; "
                                 "no metrics were stored.")
            preds = family.predict(model, [im.to(device) for im in images], spec)
            out.update(zip(image_ids, preds))
            reporter.progress(len(out), len(dataset), phase="evaluate")
    return out


def evaluate_model(family, model: torch.nn.Module, project, spec: Any, split: str, out_dir: Path,
                   device: torch.device, reporter: Reporter | None = None) -> dict[str, float]:
    """Predict over `split`, compute metrics, write `out_dir/metrics.json`; return the metrics."""
    t0 = time.perf_counter()
    predictions = predict_split(family, model, project, spec, split, device, reporter)
    t1 = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics = family.evaluate(project, split, predictions, spec, out_dir)
    summary = {"split": split, "images": len(predictions), "predict_s": round(t1 - t0, 3),
               "metrics_s": round(time.perf_counter() - t1, 3), "metrics": metrics}
    atomic_write_text(out_dir / "metrics.json", json.dumps(summary, indent=2))
    return metrics
