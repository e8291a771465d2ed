"""The training loop every family shares: warmup + step decay SGD, gradient clipping, AMP on
CUDA, periodic evaluation, atomic resumable checkpoints, best and last models, stop requests,
clear failures. Behaviour hooks in through callbacks (`core.training.callbacks`).

The family supplies the dataset, the model and the loss terms (`core.families.base.Family`).
Where the model's weights come from, in order: the run's newest valid step checkpoint (resume:
model transforms replayed, optimizer, scaler, RNG and step restored); the run's start checkpoint
`checkpoints/start.pt` (a model another job made, e.g. a pruned one, transforms included); the
spec's `model.pretrained` file (transfer learning, `core.models.weights.transfer_weights`); or a
fresh initialization.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader

from core.errors import DataError, JobStopped, NonFiniteLossError
from core.evaluation.predict import evaluate_model
from core.families import get_family
from core.jobs.reporter import Reporter
from core.models import checkpoint as ckpt
from core.models import checkpoint_files as files
from core.models.weights import build_with_transforms, load_exact, restore_model, transfer_weights
from core.project import Project, catalog, runs
from core.project.samples import UNIT_OF_KIND
from core.runtime.base import categories_payload
from core.specs import spec_from_yaml, spec_to_yaml
from core.training.callbacks import BestCheckpoint, Callback, PeriodicCheckpoint, PeriodicEvaluation, ProgressReport
from core.training.device import pick_device
from core.training.optimizer import build_optimizer
from core.training.sampler import StepBatchSampler
from core.training.schedule import learning_rate_at

log = logging.getLogger(__name__)

START_FILE = "start.pt"   # a model a run starts from (written by another job, e.g. prune)


@dataclass
class TrainResult:
    status: str                      # "done" or "stopped"
    step: int
    checkpoint: Path | None
    metrics: dict[str, float] = field(default_factory=dict)


def start_checkpoint(run_dir: Path) -> Path:
    return files.checkpoint_dir(run_dir) / START_FILE


class Trainer:
    """One run's training. `fit()` trains (or resumes) to `train.total_steps` and finishes."""

    def __init__(self, project: Project, run_name: str, reporter: Reporter, callbacks: list[Callback] | None = None):
        self.project, self.reporter = project, reporter
        self.run = runs.get_run(project, run_name)
        self.family = get_family(self.run.task)
        self.spec = spec_from_yaml(self.family.spec_class, self.run.spec, source=f"the spec of run {run_name}",
                                   stored=True)
        self.spec_yaml = spec_to_yaml(self.spec)
        self.tspec = self.spec.train
        self.run_dir = project.run_dir(run_name)
        self.categories = catalog.categories(project)
        if not self.categories:
            raise DataError("The project has no categories; import labeled data before training.")
        self.device = pick_device(self.tspec.device)
        self.use_amp = bool(self.tspec.amp and self.device.type == "cuda")
        self.model: torch.nn.Module | None = None
        self.optimizer: torch.optim.Optimizer | None = None
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp)
        self.transforms: list[dict[str, Any]] = []
        self.best: dict[str, Any] | None = None      # {"metric", "value", "step"}
        self.metrics: dict[str, float] = {}          # of the newest evaluation
        self.step = self.start_step = 0
        self.sampler: StepBatchSampler | None = None
        shared: list[Callback] = [ProgressReport(), PeriodicCheckpoint(), PeriodicEvaluation(), BestCheckpoint()]
        if getattr(self.tspec, "enable_qat", False):
            from core.training.qat import QuantizationAwareTraining

            shared.insert(0, QuantizationAwareTraining())
        self.callbacks: list[Callback] = [*shared, *self.family.callbacks(self.spec), *(callbacks or [])]

    # -- callbacks --------------------------------------------------------------------------------
    def _fire(self, hook: str, *args: Any) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(self, *args)

    # -- setting up -------------------------------------------------------------------------------
    def _tidy(self) -> None:
        removed = files.remove_stale_temps(self.run_dir)
        if removed:
            mb = sum(size for _, size in removed) / 1e6
            self.reporter.log(f"Removed {len(removed)} temporary file(s) ({mb:.1f} MB) an interrupted save had left "
                              f"in {files.checkpoint_dir(self.run_dir)}.", level="warning")

    def _resume_point(self) -> ckpt.ResumePoint:
        point = ckpt.find_resume_point(self.run_dir)
        for path, why in point.skipped:
            self.reporter.log(f"Skipped the checkpoint {path.name}: {why}", level="warning")
        if point.skipped and point.state is None:
            self.reporter.log(f"No checkpoint of {self.run.name} could be read, so it starts again from step 0.",
                              level="warning")
        return point

    def _build(self, point: ckpt.ResumePoint) -> None:
        torch.manual_seed(self.tspec.seed)
        run = self.run.name
        if point.state is not None:
            state = point.state
            self.transforms = list(state.get("transforms") or [])
            self.model = build_with_transforms(self.family, self.spec, self.categories, self.transforms,
                                               point.path.name)
            load_exact(self.model, state["model"], point.path.name)
            self.start_step = int(state["step"])
            self.best = state.get("best")
            return
        start = start_checkpoint(self.run_dir)
        if start.is_file():
            payload = ckpt.load_checkpoint(start)
            self.transforms = list(payload.get("transforms") or [])
            self.model = restore_model(self.family, self.spec, self.categories, payload, start.name)
            what = f" (model transforms: {', '.join(t['name'] for t in self.transforms)})" if self.transforms else ""
            self.reporter.log(f"Starting {run} from {start.name}{what}.")
            return
        self.model = self.family.build_model(self.spec, self.categories)
        pretrained = getattr(getattr(self.spec, "model", None), "pretrained", "")
        if pretrained:
            self.model, report, self.transforms = transfer_weights(self.model, self.family, self.spec,
                                                                   self.categories, pretrained)
            for sentence in report.sentences():
                self.reporter.log(sentence)

    def _optimizer(self, point: ckpt.ResumePoint) -> None:
        self.optimizer = build_optimizer(self.family, self.model, self.tspec, learning_rate_at(0, self.tspec))
        if point.state is not None:
            self.optimizer.load_state_dict(point.state["optimizer"])
            self.scaler.load_state_dict(point.state["scaler"])
            ckpt.restore_rng(point.state["rng"])

    # -- saving -----------------------------------------------------------------------------------
    def _header(self) -> dict[str, Any]:
        return {"task": self.run.task, "spec": self.spec_yaml, "categories": categories_payload(self.categories),
                "transforms": self.transforms, "torch_version": str(torch.__version__)}

    def save_checkpoint(self) -> Path:
        state = {**self._header(), "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                 "scaler": self.scaler.state_dict(), "schedule": {"step": self.step}, "rng": ckpt.rng_state(),
                 "best": self.best}
        path = ckpt.save_checkpoint(self.run_dir, self.step, state, keep=self.tspec.keep_checkpoints)
        runs.update_run(self.project, self.run.name, step=self.step)
        self._fire("on_checkpoint", path)
        return path

    def model_payload(self, role: str) -> dict[str, Any]:
        """The slim checkpoint of the model as it is now (what model.pt and best.pt hold)."""
        return {**self._header(), "step": self.step, "role": role, "model": self.model.state_dict()}

    def write_model_file(self, role: str) -> Path:
        """The slim, deployable checkpoint: `model.pt` ("last") or `best.pt` ("best"), registered."""
        path = files.best_checkpoint(self.run_dir) if role == "best" else files.final_checkpoint(self.run_dir)
        payload = self.model_payload(role)
        if role == "best" and self.best:
            payload["metric"] = dict(self.best)
        ckpt.write_checkpoint(path, payload)
        meta = {"step": self.step, "role": role, **({"metric": self.best} if role == "best" and self.best else {})}
        artifact_id = runs.add_artifact(self.project, self.run.id, "checkpoint", path, fmt="pytorch",
                                        precision="fp32", meta=meta)
        self.reporter.artifact("checkpoint", str(path), artifact_id=artifact_id, role=role)
        return path

    # -- evaluating -------------------------------------------------------------------------------
    def evaluate(self) -> dict[str, float]:
        split = self.spec.data.val_split
        self.reporter.log(f"Evaluating on the {split!r} split at step {self.step}.")
        metrics = evaluate_model(self.family, self.model, self.project, self.spec_yaml, self.categories, split,
                                 self.run_dir / "eval" / f"step-{self.step}", self.device, self.reporter)
        self.reporter.metrics(metrics, step=self.step, phase="eval")
        runs.record_metrics(self.project, self.run.id, metrics, step=self.step, split=split)
        self.metrics = metrics
        self._fire("on_eval_end", metrics)
        return metrics

    def _has_val(self) -> bool:
        unit = UNIT_OF_KIND[self.family.info.sample_kind]
        return catalog.has_split(self.project, self.spec.data.val_split, unit)

    def epoch_of(self, step: int) -> int:
        return self.sampler.epoch_of(step) if self.sampler is not None else 0

    # -- the loop ---------------------------------------------------------------------------------
    def fit(self) -> TrainResult:
        self._tidy()
        point = self._resume_point()
        self._build(point)
        self.model.to(self.device)
        self._fire("on_train_start")
        self.model.to(self.device)
        self._optimizer(point)
        self.step = self.start_step
        dropped = self.reporter.rewind(self.start_step)
        if point.state is not None:
            self.reporter.log(f"Resuming {self.run.name} from {point.path.name} at step {self.start_step} "
                              f"({dropped} later events discarded).")
        else:
            facts = ", ".join(f"{k} {v}" for k, v in self.family.describe(self.spec).items())
            self.reporter.log(f"Starting {self.run.name}: {self.family.model_name(self.spec)}, {facts} on {self.device}.")
        total = self.tspec.total_steps
        if self.start_step >= total:
            return self._finish()
        dataset = self.family.dataset(self.project, self.spec, self.spec.data.train_split, train=True)
        if len(dataset) == 0:
            raise DataError(f"The {self.spec.data.train_split!r} split has no samples to train on; run "
                            "`studio data split` first.")
        self.sampler = StepBatchSampler(len(dataset), self.tspec.batch_size, self.tspec.seed, self.start_step, total)
        # Its own generator: creating the iterator must not draw from the global RNG, or a resumed
        # run would sample differently from the uninterrupted one.
        loader = DataLoader(dataset, batch_sampler=self.sampler, collate_fn=self.family.collate,
                            num_workers=self.tspec.num_workers,
                            generator=torch.Generator().manual_seed(self.tspec.seed))
        self.model.train()
        self.reporter.progress(self.step, total, phase="train", force=True, step=self.step, eta_s=None)
        for batch in loader:
            if self.reporter.should_stop():
                return self._stopped()
            losses = self._train_step(batch)
            self.step += 1
            try:
                self._fire("on_step_end", losses)
            except JobStopped:
                return self._stopped()
        self.save_checkpoint()
        return self._finish()

    def _train_step(self, batch) -> dict[str, torch.Tensor]:
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate_at(self.step, self.tspec)
        with torch.autocast(device_type=self.device.type, dtype=torch.float16, enabled=self.use_amp):
            losses = self.family.training_losses(self.model, batch, self.device)
        loss = sum(losses.values())
        value = float(loss.detach())
        if not math.isfinite(value):
            terms = ", ".join(f"{k}={float(v.detach()):.4g}" for k, v in losses.items())
            last = files.step_checkpoints(self.run_dir)
            resume = f" The last checkpoint is at step {last[0][0]}." if last else ""
            raise NonFiniteLossError(
                f"Training stopped: the loss became {value} at step {self.step + 1} ({terms}). Lower "
                f"train.init_learning_rate, lengthen train.warmup_steps or set train.gradient_clip_norm.{resume}")
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        if self.tspec.gradient_clip_norm > 0:
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.tspec.gradient_clip_norm)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return losses

    def _stopped(self) -> TrainResult:
        path = self.save_checkpoint()
        # neutral wording: the GUI names its Resume button, the CLI prints the command that resumes
        self.reporter.log(f"Stopped at step {self.step}; checkpoint {path.name} saved. Resume the run to continue.")
        result = TrainResult("stopped", self.step, path, self.metrics)
        self._fire("on_train_end", result)
        return result

    def _finish(self) -> TrainResult:
        """Final evaluation and the slim deployable checkpoint. A stop during the evaluation leaves
        the run stopped at its last checkpoint; training it again finishes here."""
        metrics: dict[str, float] = {}
        if self._has_val():
            try:
                metrics = self.evaluate()
            except JobStopped:
                self.reporter.log(f"Stopped during the final evaluation at step {self.step}; resume the run to "
                                  "finish it.")
                newest = files.step_checkpoints(self.run_dir)
                result = TrainResult("stopped", self.step, newest[0][1] if newest else None, metrics)
                self._fire("on_train_end", result)
                return result
        path = self.write_model_file("last")
        result = TrainResult("done", self.step, path, metrics)
        self._fire("on_train_end", result)
        return result


def train_run(project: Project, run_name: str, reporter: Reporter, callbacks: list[Callback] | None = None
              ) -> TrainResult:
    return Trainer(project, run_name, reporter, callbacks).fit()
