"""The accuracy guardrail, read back: each deployable artifact of a run with its newest metrics
and their delta against the trained model — what the Optimize page's table shows.

The reference is the run's trained model (`checkpoints/model.pt`, else its newest checkpoint
artifact): its own evaluation when it has one, else the run's last evaluation (the trainer's
final one), exactly as `core.evaluation.artifact.evaluate_artifact` computes stored deltas.
Reads the project database only (no torch).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.models.checkpoint_files import MODEL_FILE as FINAL_CHECKPOINT
from core.project import Project, runs
from core.project.artifact_files import card_paths, deploy_folder, read_card
from core.project.runs import ArtifactRecord, RunRecord

MODEL_KINDS = ("checkpoint", "onnx", "engine")


@dataclass(frozen=True)
class ArtifactSummary:
    record: ArtifactRecord
    path: Path                       # absolute
    exists: bool
    is_reference: bool               # the trained model the others are compared with
    metrics: dict[str, float] = field(default_factory=dict)
    delta: dict[str, float] = field(default_factory=dict)
    card: Path | None = None         # the model card (Markdown), when the export wrote one
    deploy_dir: Path | None = None   # DeepStream / Triton / labels, when the export wrote them
    latency_ms: float | None = None  # p50 at batch 1, measured by the export on `machine`
    machine: str | None = None

    @property
    def evaluated(self) -> bool:
        return bool(self.metrics)


def reference_artifact(project: Project, run: RunRecord) -> ArtifactRecord | None:
    """The run's trained-model artifact: the final `model.pt` checkpoint ("last"), else the newest
    checkpoint that is not the best one."""
    checkpoints = runs.artifacts(project, run.id, kind="checkpoint")
    finals = [a for a in checkpoints if Path(a.path).name == FINAL_CHECKPOINT]
    pick = finals or [a for a in checkpoints if a.meta.get("role") != "best"] or checkpoints
    return pick[-1] if pick else None


def reference_metrics(project: Project, run: RunRecord, reference: ArtifactRecord | None = None) -> dict[str, float]:
    """The trained model's metrics: its own evaluation, else the run's last evaluation."""
    reference = reference if reference is not None else reference_artifact(project, run)
    if reference is not None:
        own = runs.latest_metrics(project, run.id, artifact_id=reference.id)
        if own:
            return own
    return runs.latest_metrics(project, run.id)


def trained_runs(project: Project) -> list[RunRecord]:
    """Runs that have a deployable model (a checkpoint artifact), oldest first."""
    with_models = {a.run_id for a in runs.artifacts(project, kind="checkpoint")}
    return [r for r in runs.list_runs(project) if r.id in with_models]


def artifact_metrics(project: Project, run: RunRecord, record: ArtifactRecord) -> dict[str, float]:
    """An artifact's newest metrics: its own evaluation, else — for the run's best checkpoint — the
    run's evaluation at the step it was taken."""
    own = runs.latest_metrics(project, run.id, artifact_id=record.id)
    if own or record.meta.get("role") != "best" or record.meta.get("step") is None:
        return own
    return runs.metrics_at(project, run.id, int(record.meta["step"]))


def _deployment_facts(path: Path) -> dict:
    """The model card, deployment folder and measured latency that an export left beside `path`."""
    card_md, _ = card_paths(path)
    folder = deploy_folder(path)
    card = read_card(path) or {}
    speed = card.get("throughput") or {}
    latency = speed.get("latency_ms_p50")
    return {"card": card_md if card_md.is_file() else None, "deploy_dir": folder if folder.is_dir() else None,
            "latency_ms": float(latency) if isinstance(latency, (int, float)) else None,
            "machine": speed.get("machine")}


def artifact_summaries(project: Project, run_name: str, kinds: tuple[str, ...] = MODEL_KINDS) -> list[ArtifactSummary]:
    """Every artifact of `run_name` of these kinds with metrics and deltas: the trained model (the
    reference) first, then the others oldest first."""
    run = runs.get_run(project, run_name)
    reference = reference_artifact(project, run)
    ref_metrics = reference_metrics(project, run, reference)
    out = []
    for record in runs.artifacts(project, run.id):
        if record.kind not in kinds:
            continue
        path = project.resolve(record.path)
        is_ref = reference is not None and record.id == reference.id
        metrics = ref_metrics if is_ref else artifact_metrics(project, run, record)
        delta = {} if is_ref else {k: v - ref_metrics[k] for k, v in metrics.items() if k in ref_metrics}
        out.append(ArtifactSummary(record, Path(path), Path(path).is_file(), is_ref, metrics, delta,
                                   **_deployment_facts(Path(path))))
    return sorted(out, key=lambda s: not s.is_reference)
