"""core.evaluation.guardrail (artifact metrics and deltas against the trained model, as the
Optimize page shows them) and core.runtime.models (the deployable models a preview can run)."""
from __future__ import annotations

import pytest

from core.evaluation.guardrail import artifact_summaries, reference_artifact, trained_runs
from core.project import Project, runs
from core.runtime.models import deployable_models, describe_file, siblings


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "p", "instance_segmentation")
    yield p
    p.close()


def _file(project, rel: str) -> str:
    path = project.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * 10)
    return str(path)


def _run(project, name: str):
    return runs.create_run(project, name, project.task, "task: instance_segmentation\n")


def test_deltas_against_the_trained_model(project):
    run = _run(project, "r")
    runs.record_metrics(project, run.id, {"AP": 0.40, "mask_AP": 0.30}, step=10, split="val")   # trainer's eval
    ckpt = runs.add_artifact(project, run.id, "checkpoint", _file(project, "runs/r/checkpoints/model.pt"))
    onnx = runs.add_artifact(project, run.id, "onnx", _file(project, "runs/r/exports/model.onnx"), precision="fp32")
    runs.record_metrics(project, run.id, {"AP": 0.38, "mask_AP": 0.30}, split="val", artifact_id=onnx)
    engine = runs.add_artifact(project, run.id, "engine", _file(project, "runs/r/exports/model.engine"))
    runs.add_artifact(project, run.id, "annotated_video", _file(project, "runs/r/preview/a.mp4"))

    rows = artifact_summaries(project, "r")
    assert [s.record.kind for s in rows] == ["checkpoint", "onnx", "engine"]     # models only
    ref, exported, unevaluated = rows
    assert ref.is_reference and ref.record.id == ckpt and ref.metrics["AP"] == pytest.approx(0.40)
    assert ref.delta == {}
    assert exported.delta["AP"] == pytest.approx(-0.02) and exported.delta["mask_AP"] == pytest.approx(0.0)
    assert unevaluated.record.id == engine and not unevaluated.evaluated and unevaluated.delta == {}
    assert all(s.exists for s in rows)

    # once the checkpoint has its own evaluation, that is the reference
    runs.record_metrics(project, run.id, {"AP": 0.50, "mask_AP": 0.30}, split="val", artifact_id=ckpt)
    exported = artifact_summaries(project, "r")[1]
    assert exported.delta["AP"] == pytest.approx(-0.12)


def test_reference_prefers_the_final_checkpoint_and_trained_runs(project):
    run = _run(project, "r")
    _run(project, "untrained")
    final = runs.add_artifact(project, run.id, "checkpoint", _file(project, "runs/r/checkpoints/model.pt"))
    runs.add_artifact(project, run.id, "checkpoint", _file(project, "runs/r/elsewhere/other.pt"))
    assert reference_artifact(project, run).id == final
    assert [r.name for r in trained_runs(project)] == ["r"]


def test_deployable_models_list_artifacts_and_step_checkpoints(project):
    old, new = _run(project, "old"), _run(project, "new")
    runs.add_artifact(project, old.id, "checkpoint", _file(project, "runs/old/checkpoints/model.pt"))
    runs.add_artifact(project, new.id, "onnx", _file(project, "runs/new/exports/model.onnx"), precision="fp32")
    runs.add_artifact(project, new.id, "checkpoint", _file(project, "runs/new/checkpoints/model.pt"))
    _file(project, "runs/new/checkpoints/step-0000004.pt")
    _file(project, "runs/new/checkpoints/step-0000008.pt")
    gone = runs.add_artifact(project, new.id, "onnx", _file(project, "runs/new/exports/gone.onnx"))
    (project.root / "runs/new/exports/gone.onnx").unlink()
    assert gone

    models = deployable_models(project)
    assert [m.label for m in models] == [
        "new · model.pt (PyTorch checkpoint)", "new · model.onnx (ONNX FP32)", "new · step 8 checkpoint",
        "new · step 4 checkpoint", "old · model.pt (PyTorch checkpoint)"]
    assert all(m.path.is_absolute() for m in models)
    by_label = {m.label: m for m in models}
    pair = siblings(models, by_label["new · model.onnx (ONNX FP32)"])
    assert [m.path.name for m in pair] == ["model.onnx", "model.pt"]             # same weights: compared
    assert siblings(models, by_label["new · step 8 checkpoint"]) == [by_label["new · step 8 checkpoint"]]


def test_describe_file():
    assert describe_file("/x/model.onnx").kind == "onnx"
    assert describe_file("/x/net.engine").label == "net.engine (TensorRT engine)"
    assert describe_file("/x/notes.txt") is None


def test_replacing_an_evaluated_artifact_drops_its_old_metrics(project):
    """Exporting twice to the same file: the second row replaces the first and its stale metrics."""
    run = _run(project, "r")
    path = _file(project, "runs/r/exports/model.onnx")
    first = runs.add_artifact(project, run.id, "onnx", path)
    runs.record_metrics(project, run.id, {"AP": 0.3}, artifact_id=first)
    second = runs.add_artifact(project, run.id, "onnx", path)
    assert [a.id for a in runs.artifacts(project, run.id)] == [second]
    assert runs.latest_metrics(project, run.id, artifact_id=first) == {}
    assert runs.latest_metrics(project, run.id, artifact_id=second) == {}
