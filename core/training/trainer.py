"""The training loop every family shares: warmup + step decay SGD, gradient clipping, AMP on
CUDA, periodic evaluation, atomic resumable checkpoints, stop requests, clear failures.

The family supplies the dataset, the model and the loss terms (`core.families.base.Family`).
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader

from core.errors import DataError, JobStopped, NonFiniteLossError
from core.evaluation.predict import evaluate_model
from core.fsutil import atomic_path
from core.families import get_family
from core.jobs.reporter import Reporter
from core.project import Project
from core.project import catalog, runs
from core.specs import spec_from_yaml, spec_to_yaml
from core.models import checkpoint as ckpt
from core.training.device import pick_device
from core.training.sampler import StepBatchSampler
from core.training.schedule import learning_rate_at

log = logging.getLogger(__name__)

from core.models.checkpoint_files import MODEL_FILE  # noqa: E402


@dataclass
class TrainResult:
    status: str                      # "done" or "stopped"
    step: int
    checkpoint: Path | None
    metrics: dict[str, float] = field(default_factory=dict)


def categories_payload(categories: list[catalog.Category]) -> list[dict[str, Any]]:
    return [{"id": c.id, "name": c.name, "source_id": c.source_id} for c in categories]


def train_run(project: Project, run_name: str, reporter: Reporter) -> TrainResult:
    run = runs.get_run(project, run_name)
    family = get_family(run.task)
    spec = spec_from_yaml(family.spec_class, run.spec, source=f"the spec of run {run_name}")
    tspec = spec.train
    run_dir = project.run_dir(run_name)
    categories = catalog.categories(project)
    if not categories:
        raise DataError("The project has no categories; import labeled data before training.")

    device = pick_device(tspec.device)
    torch.manual_seed(tspec.seed)
    model = family.build_model(spec, categories).to(device)
    optimizer = torch.optim.SGD(family.param_groups(model, tspec.l2_weight_decay),
                                lr=learning_rate_at(0, tspec), momentum=tspec.momentum)
    use_amp = bool(tspec.amp and device.type == "cuda")
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)

    start_step = 0
    found = ckpt.latest_valid_checkpoint(run_dir)
    if found is not None:
        path, state = found
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scaler.load_state_dict(state["scaler"])
        ckpt.restore_rng(state["rng"])
        start_step = int(state["step"])
        dropped = reporter.rewind(start_step)
        reporter.log(f"Resuming {run_name} from {path.name} at step {start_step} "
                     f"({dropped} later events discarded).")
    else:
        reporter.log(f"Starting {run_name}: {family.info.model}, {spec_summary(family, spec)} on {device}.")

    def state_at(step: int) -> dict[str, Any]:
        return {"task": run.task, "spec": spec_to_yaml(spec), "categories": categories_payload(categories),
                "model": model.state_dict(), "optimizer": optimizer.state_dict(), "scaler": scaler.state_dict(),
                "schedule": {"step": step}, "rng": ckpt.rng_state(), "torch_version": str(torch.__version__)}

    def save(step: int) -> Path:
        path = ckpt.save_checkpoint(run_dir, step, state_at(step), keep=tspec.keep_checkpoints)
        runs.update_run(project, run_name, step=step)
        return path

    total = tspec.total_steps
    metrics: dict[str, float] = {}
    if start_step >= total:
        return _finish(project, run, run_dir, model, spec, categories, family, reporter, start_step, device)

    dataset = family.dataset(project, spec, spec.data.train_split, train=True)
    if len(dataset) == 0:
        raise DataError(f"The {spec.data.train_split!r} split has no images; run `studio data split` first.")
    sampler = StepBatchSampler(len(dataset), tspec.batch_size, tspec.seed, start_step, total)
    # Its own generator: creating the iterator must not draw from the global RNG, or a resumed
    # run would sample RoIs differently from the uninterrupted one.
    loader = DataLoader(dataset, batch_sampler=sampler, collate_fn=family.collate,
                        num_workers=tspec.num_workers, generator=torch.Generator().manual_seed(tspec.seed))

    model.train()
    step = start_step
    t_start = time.perf_counter()
    window_t, window_images = time.perf_counter(), 0
    reporter.progress(step, total, phase="train", force=True, step=step, eta_s=None)

    def stopped(step: int) -> TrainResult:
        path = save(step)
        reporter.log(f"Stopped at step {step}; checkpoint {path.name} saved. Run train again to resume.")
        return TrainResult("stopped", step, path, metrics)

    for batch in loader:
        if reporter.should_stop():
            return stopped(step)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate_at(step, tspec)
        with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
            losses = family.training_losses(model, batch, device)
        loss = sum(losses.values())
        if not math.isfinite(float(loss.detach())):
            terms = ", ".join(f"{k}={float(v.detach()):.4g}" for k, v in losses.items())
            last = ckpt.step_checkpoints(run_dir)
            resume = f" The last checkpoint is at step {last[0][0]}." if last else ""
            raise NonFiniteLossError(
                f"Training stopped: the loss became {float(loss.detach())} at step {step + 1} ({terms}). Lower "
                f"train.init_learning_rate, lengthen train.warmup_steps or set train.gradient_clip_norm.{resume}")
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        if tspec.gradient_clip_norm > 0:
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), tspec.gradient_clip_norm)
        scaler.step(optimizer)
        scaler.update()
        step += 1
        window_images += tspec.batch_size

        if step % tspec.log_interval == 0 or step == total:
            now = time.perf_counter()
            rate = window_images / max(now - window_t, 1e-9)
            window_t, window_images = now, 0
            per_step = (now - t_start) / (step - start_step)
            values = {k: float(v.detach()) for k, v in losses.items()}
            values.update(loss=float(loss.detach()), lr=optimizer.param_groups[0]["lr"], samples_per_s=rate)
            reporter.metrics(values, step=step, phase="train")
            reporter.progress(step, total, phase="train", force=True, step=step,
                              eta_s=round(per_step * (total - step), 1), epoch=sampler.epoch_of(step - 1))
        if step % tspec.checkpoint_interval == 0 and step < total:
            save(step)
        if tspec.num_steps_per_eval and step % tspec.num_steps_per_eval == 0 and step < total:
            try:
                metrics = _evaluate(project, run, run_dir, model, spec, family, reporter, step, device)
            except JobStopped:
                return stopped(step)
            model.train()
    save(step)
    return _finish(project, run, run_dir, model, spec, categories, family, reporter, step, device)


def spec_summary(family, spec: Any) -> str:
    facts = family.describe(spec)
    return ", ".join(f"{k} {v}" for k, v in facts.items())


def _evaluate(project, run, run_dir, model, spec, family, reporter, step, device) -> dict[str, float]:
    reporter.log(f"Evaluating on the {spec.data.val_split!r} split at step {step}.")
    metrics = evaluate_model(family, model, project, spec, spec.data.val_split, run_dir / "eval" / f"step-{step}",
                             device, reporter)
    reporter.metrics(metrics, step=step, phase="eval")
    runs.record_metrics(project, run.id, metrics, step=step, split=spec.data.val_split)
    return metrics


def _finish(project, run, run_dir, model, spec, categories, family, reporter, step, device) -> TrainResult:
    """Final evaluation and the slim deployable checkpoint. A stop during the evaluation leaves
    the run stopped at its last checkpoint; training it again finishes here."""
    metrics: dict[str, float] = {}
    if _has_split(project, spec.data.val_split):
        try:
            metrics = _evaluate(project, run, run_dir, model, spec, family, reporter, step, device)
        except JobStopped:
            reporter.log(f"Stopped during the final evaluation at step {step}; run train again to finish it.")
            return TrainResult("stopped", step, ckpt.step_checkpoints(run_dir)[0][1], metrics)
    path = ckpt.checkpoint_dir(run_dir) / MODEL_FILE
    with atomic_path(path) as tmp:
        torch.save({"format": ckpt.FORMAT, "step": step, "task": run.task, "spec": spec_to_yaml(spec),
                    "categories": categories_payload(categories), "model": model.state_dict(),
                    "torch_version": str(torch.__version__)}, tmp)
    artifact_id = runs.add_artifact(project, run.id, "checkpoint", path, fmt="pytorch", precision="fp32",
                                    meta={"step": step})
    reporter.artifact("checkpoint", str(path), artifact_id=artifact_id)
    return TrainResult("done", step, path, metrics)


def _has_split(project: Project, split: str) -> bool:
    return bool(project.conn.execute("SELECT 1 FROM splits WHERE split = ? LIMIT 1", (split,)).fetchone())
