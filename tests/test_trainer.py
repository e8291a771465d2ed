"""The shared trainer on a tiny Mask R-CNN, in process."""
import json
from pathlib import Path

import pytest
import torch

from conftest import create_run, tiny_spec
from core.errors import NonFiniteLossError
from core.jobs.reporter import RecordingReporter
from core.project import runs
from core.models import checkpoint as ckpt
from core.training.trainer import train_run


def test_train_reports_losses_checkpoints_and_evaluates(make_seg_project):
    project = make_seg_project()
    create_run(project, "r1", tiny_spec(total_steps=4))
    rep = RecordingReporter()
    result = train_run(project, "r1", rep)
    assert result.status == "done" and result.step == 4
    steps = [e["step"] for e in rep.of("metric") if e.get("phase") == "train"]
    assert steps == [1, 2, 3, 4]
    terms = rep.of("metric")[0]["values"]
    assert {"loss_classifier", "loss_box_reg", "loss_mask", "loss_objectness", "loss_rpn_box_reg", "loss", "lr",
            "samples_per_s"} <= set(terms)
    # checkpoints every 2 steps, then the slim deployable model
    assert [s for s, _ in ckpt.step_checkpoints(project.run_dir("r1"))] == [4, 2]
    final = torch.load(result.checkpoint, weights_only=True)
    assert final["task"] == "instance_segmentation" and len(final["categories"]) >= 3
    # the final evaluation is stored in the project, with COCO names
    stored = runs.latest_metrics(project, runs.get_run(project, "r1").id)
    assert {"AP", "AP50", "mask_AP", "mask_ARl"} <= set(stored)
    assert json.loads((project.run_dir("r1") / "eval" / "step-4" / "metrics.json").read_text())["samples"] == 3
    # best (by the family's headline metric, here after the only evaluation) and last, both registered
    assert [(a.kind, a.meta["role"], Path(a.path).name) for a in runs.artifacts(project)] == [
        ("checkpoint", "best", "best.pt"), ("checkpoint", "last", "model.pt")]
    best = torch.load(project.run_dir("r1") / "checkpoints" / "best.pt", weights_only=True)
    assert best["metric"] == {"metric": "mask_AP", "value": stored["mask_AP"], "step": 4}


def test_stop_request_saves_a_checkpoint_and_resume_continues(make_seg_project):
    project = make_seg_project()
    create_run(project, "r2", tiny_spec(total_steps=6, checkpoint_interval=100))

    class StopAfter(RecordingReporter):
        def should_stop(self):
            return len([e for e in self.of("metric") if e.get("phase") == "train"]) >= 3

    first = StopAfter()
    result = train_run(project, "r2", first)
    assert result.status == "stopped" and result.step == 3
    assert [s for s, _ in ckpt.step_checkpoints(project.run_dir("r2"))] == [3]
    second = RecordingReporter()
    result = train_run(project, "r2", second)
    assert result.status == "done" and result.step == 6
    assert [e["step"] for e in second.of("metric") if e.get("phase") == "train"] == [4, 5, 6]
    assert "Resuming r2 from step-0000003.pt at step 3" in second.of("log")[0]["message"]


def test_resumed_weights_equal_uninterrupted_weights(make_seg_project):
    project = make_seg_project()
    spec = tiny_spec(total_steps=4, checkpoint_interval=2)
    create_run(project, "full", spec)
    create_run(project, "cut", spec)
    train_run(project, "full", RecordingReporter())

    class StopAt2(RecordingReporter):
        def should_stop(self):
            return any(e.get("step") == 2 for e in self.of("metric"))

    train_run(project, "cut", StopAt2())
    train_run(project, "cut", RecordingReporter())
    a = torch.load(project.run_dir("full") / "checkpoints" / "model.pt", weights_only=True)["model"]
    b = torch.load(project.run_dir("cut") / "checkpoints" / "model.pt", weights_only=True)["model"]
    worst = max(float((a[k].float() - b[k].float()).abs().max()) for k in a)
    assert worst < 1e-4


def test_truncated_newest_checkpoint_is_skipped(make_seg_project):
    project = make_seg_project()
    create_run(project, "r3", tiny_spec(total_steps=4, checkpoint_interval=1, keep_checkpoints=5))

    class StopAt3(RecordingReporter):
        def should_stop(self):
            return any(e.get("step") == 3 for e in self.of("metric"))

    train_run(project, "r3", StopAt3())
    newest = ckpt.step_checkpoints(project.run_dir("r3"))[0][1]
    newest.write_bytes(newest.read_bytes()[:1000])  # a torn write
    path, state = ckpt.latest_valid_checkpoint(project.run_dir("r3"))
    assert state["step"] == 2
    rep = RecordingReporter()
    train_run(project, "r3", rep)
    assert [e["step"] for e in rep.of("metric") if e.get("phase") == "train"] == [3, 4]


def test_non_finite_loss_stops_with_a_sentence(make_seg_project, monkeypatch):
    from core.families import get_family

    project = make_seg_project()
    create_run(project, "nan", tiny_spec(total_steps=6, checkpoint_interval=2))
    family = get_family("instance_segmentation")
    real = family.training_losses
    calls = []

    def exploding(model, batch, device):
        losses = real(model, batch, device)
        calls.append(1)
        if len(calls) == 3:
            losses["loss_mask"] = losses["loss_mask"] * float("nan")
        return losses

    monkeypatch.setattr(family, "training_losses", exploding)
    with pytest.raises(NonFiniteLossError) as err:
        train_run(project, "nan", RecordingReporter())
    msg = str(err.value)
    assert "the loss became nan at step 3" in msg and "loss_mask=nan" in msg
    assert "Lower train.init_learning_rate" in msg and "The last checkpoint is at step 2." in msg


class StopDuringEvaluation(RecordingReporter):
    """Asks to stop as soon as an evaluation has predicted its first batch."""

    def should_stop(self):
        return any(e.get("phase") == "evaluate" for e in self.of("progress"))


def test_a_stop_during_evaluation_stores_no_partial_metrics_and_resumes(make_seg_project):
    project = make_seg_project(num_images=16, val=0.5)
    spec = tiny_spec(total_steps=4, num_steps_per_eval=2, checkpoint_interval=100)
    spec.evaluate.batch_size = 1            # 8 validation images: the stop lands after the first
    create_run(project, "ev", spec)
    run_id = runs.get_run(project, "ev").id
    result = train_run(project, "ev", StopDuringEvaluation())
    assert result.status == "stopped" and result.step == 2
    assert result.checkpoint.name == "step-0000002.pt"
    assert runs.latest_metrics(project, run_id) == {}          # 1 of 8 images scored would be a lie
    assert not (project.run_dir("ev") / "eval" / "step-2" / "metrics.json").exists()

    rep = RecordingReporter()
    result = train_run(project, "ev", rep)
    assert result.status == "done" and result.step == 4
    assert [e["step"] for e in rep.of("metric") if e.get("phase") == "train"] == [3, 4]
    assert json.loads((project.run_dir("ev") / "eval" / "step-4" / "metrics.json").read_text())["samples"] == 8


def test_a_stop_during_the_final_evaluation_finishes_on_the_next_train(make_seg_project):
    project = make_seg_project(num_images=16, val=0.5)
    spec = tiny_spec(total_steps=2, checkpoint_interval=100)
    spec.evaluate.batch_size = 1
    create_run(project, "fin", spec)
    result = train_run(project, "fin", StopDuringEvaluation())
    assert result.status == "stopped" and result.step == 2
    assert not (project.run_dir("fin") / "checkpoints" / "model.pt").exists()
    assert runs.artifacts(project) == []
    rep = RecordingReporter()
    result = train_run(project, "fin", rep)
    assert result.status == "done" and result.checkpoint.name == "model.pt"
    assert rep.of("metric") and not [e for e in rep.of("metric") if e.get("phase") == "train"]
    assert {"AP", "mask_AP"} <= set(runs.latest_metrics(project, runs.get_run(project, "fin").id))
