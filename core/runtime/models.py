"""The deployable models of a project — what a preview or an inference job can run: each run's
registered artifacts (final checkpoint, ONNX exports, engines) plus its step checkpoints still
on disk, newest run first. Reads the database and lists folders; loads nothing (no torch).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.models.checkpoint_files import MODEL_FILE, step_checkpoints
from core.project import Project, runs
from core.runtime.base import KIND_BY_SUFFIX

MODEL_KINDS = ("checkpoint", "onnx", "engine")
KIND_LABELS = {"checkpoint": "PyTorch checkpoint", "onnx": "ONNX", "engine": "TensorRT engine"}


@dataclass(frozen=True)
class ModelChoice:
    path: Path              # absolute
    run: str | None         # the run it belongs to (None for a file from elsewhere)
    kind: str               # checkpoint | onnx | engine
    label: str              # "r1 · model.onnx (ONNX FP32)"
    step: int | None = None  # a step checkpoint's step
    source: Path | None = None   # an export's checkpoint (the weights it holds); a checkpoint's own path


def describe_file(path: str | Path, run: str | None = None) -> ModelChoice | None:
    """A ModelChoice for any file with a model suffix (None for other files)."""
    p = Path(path)
    kind = KIND_BY_SUFFIX.get(p.suffix.lower())
    if kind is None:
        return None
    prefix = f"{run} · " if run else ""
    return ModelChoice(p, run, kind, f"{prefix}{p.name} ({KIND_LABELS[kind]})")


def deployable_models(project: Project) -> list[ModelChoice]:
    """Every model file of the project that exists, newest run first; within a run the final
    checkpoint, then exports, then step checkpoints (newest step first)."""
    out: list[ModelChoice] = []
    for run in reversed(runs.list_runs(project)):
        seen: set[Path] = set()
        registered = [a for a in runs.artifacts(project, run.id) if a.kind in MODEL_KINDS]
        registered.sort(key=lambda a: (MODEL_KINDS.index(a.kind), -a.id))
        for a in registered:
            path = project.resolve(a.path)
            if not path.is_file() or path in seen:
                continue
            seen.add(path)
            extra = f" {a.precision.upper()}" if a.precision and a.kind != "checkpoint" else ""
            role = " best" if a.meta.get("role") == "best" else ""
            source = path if a.kind == "checkpoint" else (
                Path(a.meta["source"]).resolve() if a.meta.get("source") else None)
            out.append(ModelChoice(path, run.name, a.kind,
                                   f"{run.name} · {path.name} ({KIND_LABELS[a.kind]}{extra}{role})", source=source))
        for step, path in step_checkpoints(project.run_dir(run.name)):
            if path not in seen:
                out.append(ModelChoice(path, run.name, "checkpoint", f"{run.name} · step {step} checkpoint", step))
    return out


def siblings(models: list[ModelChoice], choice: ModelChoice) -> list[ModelChoice]:
    """The chosen model and the other artifacts holding the same weights (a checkpoint and its
    exports) — the candidates a 'fastest back end' measurement compares. Step checkpoints, and
    the run's best checkpoint beside its last one, hold other weights: they are not compared.
    An export that does not say which checkpoint it came from counts as the run's last model's."""
    if choice.run is None or choice.step is not None:
        return [choice]
    final = next((m.path for m in models if m.run == choice.run and m.kind == "checkpoint"
                  and m.path.name == MODEL_FILE), None)

    def weights(m: ModelChoice) -> Path | None:
        return m.source or (final if m.kind != "checkpoint" else m.path)

    mine = weights(choice)
    same = [m for m in models if m.run == choice.run and m.step is None and m.path != choice.path
            and mine is not None and weights(m) == mine]
    return [choice, *same]
