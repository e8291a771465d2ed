"""Evaluate any deployable artifact (checkpoint, ONNX, engine) of a run on a split, through the
same Runner interface the preview uses, and compare it with the trained model (the accuracy
guardrail: every export carries its metric delta)."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from core.errors import CheckpointError, DataError
from core.evaluation.predict import evaluate_runner
from core.fsutil import atomic_write_text
from core.jobs.reporter import NullReporter, Reporter
from core.models import checkpoint_files as files
from core.project import Project, catalog, runs
from core.runtime import load_runner


def default_checkpoint(project: Project, run_name: str) -> Path:
    """The run's "last" model: `model.pt` once training finished, else its newest valid checkpoint."""
    return choose_checkpoint(project, run_name, "last")


def choose_checkpoint(project: Project, run_name: str, choice: str | None = "last") -> Path:
    """`best` (the model at the run's best evaluation), `last` (the finished model, else the
    newest valid step checkpoint) or a file path — what `evaluate` and `export` run on."""
    from core.models.checkpoint import latest_valid_checkpoint

    run_dir = project.run_dir(run_name)
    choice = choice or "last"
    if choice == "best":
        best = files.best_checkpoint(run_dir)
        if not best.is_file():
            raise CheckpointError(f"Run {run_name!r} has no best checkpoint yet: it is written at the run's first "
                                  "evaluation (train.num_steps_per_eval, or the end of training).")
        return best
    if choice == "last":
        final = files.final_checkpoint(run_dir)
        if final.is_file():
            return final
        found = latest_valid_checkpoint(run_dir)
        if found is None:
            raise CheckpointError(f"Run {run_name!r} has no checkpoint yet; train it first.")
        return found[0]
    path = Path(choice).expanduser()
    if not path.is_file():
        raise CheckpointError(f"The checkpoint {path} does not exist (choose best, last or a .pt file).")
    return path.resolve()


def _check_fits_project(project: Project, runner) -> None:
    if runner.task != project.task:
        raise DataError(f"{runner.artifact.path.name} is a {runner.task} model but the project is {project.task}.")
    ours = {c.id: c.name for c in catalog.categories(project)}
    theirs = runner.class_names
    if any(ours.get(cid) != name for cid, name in theirs.items()):
        raise DataError(f"The categories of {runner.artifact.path.name} ({', '.join(theirs.values())}) do not match "
                        f"this project's ({', '.join(ours.values())}).")


def evaluate_artifact(project: Project, run_name: str, artifact: str | Path | None = None, split: str = "val",
                      backend: str = "auto", reporter: Reporter | None = None,
                      overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Metrics of an artifact on `split`, stored (metrics rows + `metrics.json`) with the delta
    against the run's trained model. `overrides` change settings of the artifact's spec for this
    evaluation (`evaluate.video_eval_mode: conv`); its files then go to their own folder and no
    delta is computed (the reference was evaluated otherwise). Returns the written summary."""
    reporter = reporter or NullReporter()
    run = runs.get_run(project, run_name)
    reference_path = default_checkpoint(project, run_name)
    path = Path(artifact).resolve() if artifact else reference_path
    if not path.is_file():
        raise CheckpointError(f"The artifact {path} does not exist.")
    is_reference = path == reference_path.resolve()
    out_dir = project.run_dir(run_name) / "eval" if is_reference else project.run_dir(run_name) / "eval" / path.name
    if overrides:
        out_dir = out_dir / ("with-" + "-".join(f"{k}={v}" for k, v in sorted(overrides.items())).replace("/", "_"))

    t0 = time.perf_counter()
    runner = load_runner(path, backend, stages=False)
    try:
        if overrides:
            from core.specs.overrides import apply_overrides

            runner.spec = apply_overrides(runner.spec, overrides)
        _check_fits_project(project, runner)
        result = evaluate_runner(runner, project, split, out_dir, reporter)
        metrics = result["metrics"]
        backend_used = runner.backend
    finally:
        runner.close()

    kind = {"pytorch": "checkpoint", "onnxruntime": "onnx", "tensorrt": "engine"}[backend_used]
    known = [a for a in runs.artifacts(project, run.id) if project.resolve(a.path).resolve() == path]
    artifact_id = known[0].id if known else runs.add_artifact(project, run.id, kind, path, fmt=kind)
    runs.record_metrics(project, run.id, metrics, split=split, artifact_id=artifact_id)
    reference = {} if is_reference or overrides else _reference_metrics(project, run.id, reference_path, split)
    summary = {
        "run": run_name, "artifact": str(path), "backend": backend_used, "split": split,
        "samples": result["samples"], "metrics": metrics, "reference": reference, "overrides": dict(overrides or {}),
        "delta": {k: metrics[k] - reference[k] for k in metrics if k in reference},
        "timings_s": {"predict": result["predict_s"], "metrics": result["metrics_s"],
                      "total": round(time.perf_counter() - t0, 3)},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_dir / "metrics.json", json.dumps(summary, indent=2))
    return summary


def _reference_metrics(project: Project, run_id: int, reference_path: Path, split: str) -> dict[str, float]:
    """The trained model's metrics on `split` (from its own evaluation, or the run's last one)."""
    for a in runs.artifacts(project, run_id, kind="checkpoint"):
        if project.resolve(a.path).resolve() == reference_path.resolve():
            found = runs.latest_metrics(project, run_id, artifact_id=a.id)
            if found:
                return found
    return runs.latest_metrics(project, run_id)
