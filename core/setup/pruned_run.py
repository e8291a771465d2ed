"""Pruning a trained run into a new run that retrains the pruned model (TAO's prune, then retrain
with `load_graph`): the trained model is loaded with its transforms, pruned, recorded as a
`resize_layers` transform, and becomes the new run's `checkpoints/start.pt`. The new run's spec
is the trained run's, with no pretrained file (its weights come from the start checkpoint)."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from core.errors import RunError
from core.project import Project, runs


def pruned_run_name(project: Project, run: str) -> str:
    from core.setup.qat_run import derived_run_name

    return derived_run_name(project, run, "pruned")


def prune_into_run(project: Project, run: str, checkpoint: Path, settings, out_run: str | None = None,
                   latency_runs: int = 5, steps: int | None = None) -> dict[str, Any]:
    """Prune `checkpoint` of `run` into a new run; returns {"run", "start", "report"}. The report
    carries the eager latency at batch 1 before and after (median of `latency_runs`; 0 skips it).
    `steps` sets the new run's length (default: the trained run's)."""
    from core.models.transforms import resize_record
    from core.models.weights import restore_model
    from core.optimize.latency import eager_ms
    from core.optimize.prune import prune
    from core.runtime.base import family_for
    from core.runtime.torch_backend import read_checkpoint
    from core.setup.new_run import check_new_run_name, start_from_model
    from core.training.trainer import start_checkpoint

    name = out_run or pruned_run_name(project, run)
    problem = check_new_run_name(project, name)
    if problem:
        raise RunError(problem)
    artifact, payload = read_checkpoint(checkpoint)
    family = family_for(artifact.task)
    spec = artifact.spec(family)
    model = restore_model(family, spec, artifact.categories, payload, checkpoint.name)
    before_ms = eager_ms(family, spec, model, repeats=latency_runs) if latency_runs else None
    report = prune(model, family.pruning_scope(model, spec), settings)
    if latency_runs:
        report.latency_ms_before, report.latency_ms_after = before_ms, eager_ms(family, spec, model,
                                                                                repeats=latency_runs)
    record = resize_record(model, family.build_model(spec, artifact.categories))
    transforms = [record] + [t for t in payload.get("transforms") or [] if t.get("name") != "resize_layers"]
    if getattr(getattr(spec, "model", None), "pretrained", None):
        spec = dataclasses.replace(spec, model=dataclasses.replace(spec.model, pretrained=""))
    if steps:
        spec = dataclasses.replace(spec, train=dataclasses.replace(spec.train.with_total_steps(steps),
                                                                   num_steps_per_eval=0))
    start_from_model(project, name, spec, model.state_dict(), transforms, parent_run=run)
    return {"run": name, "start": start_checkpoint(project.run_dir(name)), "report": report}
