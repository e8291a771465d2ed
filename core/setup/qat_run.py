"""Quantization-aware training of a trained (or pruned and retrained) run: a new run that starts
from its model — weights and transforms — with `train.enable_qat`, a short schedule at a tenth of
the learning rate, and no pretrained file. Training it (`studio train`, or the Train page) inserts
and calibrates the INT8 quantizers first; its export is a Q/DQ ONNX."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from core.errors import RunError
from core.project import Project, runs


def derived_run_name(project: Project, run: str, suffix: str) -> str:
    base, i = f"{run}-{suffix}", 1
    name = base
    while runs.find_run(project, name) is not None:
        i += 1
        name = f"{base}-{i}"
    return name


def qat_spec(spec: Any, steps: int | None = None, lr_factor: float = 0.1) -> Any:
    """The parent's spec for fine-tuning with fake quantization: `steps` long (default a tenth of the
    parent's run, at least 20), `lr_factor` of its learning rate, no warmup, no pretrained file."""
    train = spec.train
    total = steps or max(20, train.total_steps // 10)
    train = train.with_total_steps(total)
    train = dataclasses.replace(train, enable_qat=True, warmup_steps=0,
                                init_learning_rate=train.init_learning_rate * lr_factor,
                                learning_rate_steps=[], learning_rate_decay_levels=[])
    model = getattr(spec, "model", None)
    if model is not None and getattr(model, "pretrained", None):
        model = dataclasses.replace(model, pretrained="")
    return dataclasses.replace(spec, train=train, **({"model": model} if model is not None else {}))


def qat_into_run(project: Project, run: str, checkpoint: Path, steps: int | None = None,
                 out_run: str | None = None) -> dict[str, Any]:
    from core.runtime.base import family_for
    from core.runtime.torch_backend import read_checkpoint
    from core.setup.new_run import check_new_run_name, start_from_model
    from core.training.trainer import start_checkpoint

    name = out_run or derived_run_name(project, run, "qat")
    problem = check_new_run_name(project, name)
    if problem:
        raise RunError(problem)
    artifact, payload = read_checkpoint(checkpoint)
    spec = qat_spec(artifact.spec(family_for(artifact.task)), steps)
    start_from_model(project, name, spec, payload["model"], list(payload.get("transforms") or []), parent_run=run)
    return {"run": name, "start": start_checkpoint(project.run_dir(name)), "steps": spec.train.total_steps}
