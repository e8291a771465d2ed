"""The family contract, proven with a family that lives outside core: `tests/toy_family` (a
colour classifier of a few hundred parameters) reaches Studio only through `STUDIO_FAMILIES`.

- it is found one way (its INFO) and goes through the real command line — project, import,
  split, train, a stop and a resume, evaluate (best and last), export ONNX, infer, runs show —
  in worker processes, with no shared code knowing it;
- a model transform (a convolution pruned to fewer channels) is recorded in the checkpoint and
  replayed by every loader: the pruned model trains, resumes, evaluates and exports;
- weights transfer across class sets and say what loaded and what was re-initialized;
- batched graphs stack samples; a cascade runs the toy classifier on each box a detector finds.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from core.families import EXTRA_FAMILIES_ENV, family_infos  # noqa: E402
from core.predictions import Classification, Instances  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOY = "tests.toy_family"


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setenv(EXTRA_FAMILIES_ENV, TOY)
    from core.families import get_family

    return get_family("toy_colors")


def studio(*args, env=None, check=True, timeout=300) -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, "-m", "studio.cli", *map(str, args)], capture_output=True, text=True,
                         cwd=ROOT, env=env, timeout=timeout)
    if check and out.returncode != 0:
        raise AssertionError(f"studio {' '.join(map(str, args))} exited {out.returncode}:\n{out.stdout}\n{out.stderr}")
    return out


def toy_env() -> dict[str, str]:
    return {**os.environ, EXTRA_FAMILIES_ENV: TOY, "PYTHONPATH": str(ROOT)}


def make_project(tmp_path: Path, per_class: int = 12, name: str = "p"):
    """A toy project with image folders imported and split (in process, through the same core)."""
    from core.datasets.image_folders import plan_image_folders_import
    from core.datasets.plan import commit_import
    from core.datasets.split import split_project
    from core.setup.new_project import create_empty_project
    from tests.toy_family.data import write_folders

    project = create_empty_project(tmp_path / name, "toy_colors")
    commit_import(project, plan_image_folders_import(write_folders(tmp_path / f"{name}-src", per_class)))
    split_project(project, val=0.25, seed=0)
    return project


def test_a_family_outside_core_is_found_through_its_info(toy, monkeypatch):
    from core.families.spec_lookup import default_spec_for, is_trainable, spec_class_for

    assert "toy_colors" in [i.name for i in family_infos()]
    assert is_trainable("toy_colors") and toy.info.sample_kind == "image"
    assert spec_class_for("toy_colors").__module__ == "tests.toy_family.spec"
    assert default_spec_for("toy_colors", "cpu").train.total_steps == 40 == toy.default_spec("cpu").train.total_steps
    monkeypatch.delenv(EXTRA_FAMILIES_ENV)
    assert "toy_colors" not in [i.name for i in family_infos()]


@pytest.mark.slow
def test_the_toy_family_goes_through_the_command_line(tmp_path):
    from tests.toy_family.data import write_folders, write_video

    env = toy_env()
    project, src = tmp_path / "p", write_folders(tmp_path / "src", per_class=12)
    studio("project", "new", project, "--task", "toy_colors", env=env)
    studio("data", "import", project, "--format", "image_folders", "--images", src, env=env)
    assert "train 27" in studio("data", "split", project, "--val", "0.25", env=env).stdout

    # train, stopped with Ctrl+C once it is past step 10 ...
    proc = subprocess.Popen([sys.executable, "-m", "studio.cli", "train", str(project), "--run", "r"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("step ") and int(line.split()[1].split("/")[0]) >= 10:
            proc.send_signal(signal.SIGINT)
            break
    lines += proc.stdout.readlines()
    assert proc.wait(120) == 130, "".join(lines)              # Ctrl+C: stopped, with a checkpoint, and said so
    assert any("Stopped at step 10; checkpoint step-0000010.pt saved" in ln for ln in lines), "".join(lines)
    assert any("ce " in ln for ln in lines), "the loss term is printed under the family's label"
    # ... and resumed by the same command
    resumed = studio("train", project, "--run", "r", env=env).stdout
    assert "Resuming r from step-" in resumed and "done at step 40" in resumed
    events = [json.loads(ln) for ln in (project / "runs" / "r" / "events.jsonl").read_text().splitlines()]
    train_steps = [e["step"] for e in events if e["event"] == "metric" and e.get("phase") == "train"]
    assert train_steps == sorted(set(train_steps)) and train_steps[-1] == 40    # each step once, in order

    shown = studio("runs", "show", project, "r", env=env).stdout
    assert "best: step" in shown and "accuracy" in shown
    best = studio("evaluate", project, "--run", "r", "--checkpoint", "best", env=env).stdout
    assert "best.pt" in best and "accuracy" in best
    last = studio("evaluate", project, "--run", "r", env=env).stdout
    accuracy = float(next(ln.split()[1] for ln in last.splitlines() if ln.strip().startswith("accuracy")))
    assert accuracy >= 0.9, last
    written = json.loads((project / "runs" / "r" / "eval" / "predictions.json").read_text())
    assert accuracy == pytest.approx(np.mean([p["truth"] == p["label"] for p in written]), abs=1e-4)

    exported = studio("export", project, "--run", "r", env=env).stdout
    assert "model.onnx" in exported and "(+0.0000 vs trained model)" in exported     # the accuracy guardrail
    onnx_path = project / "runs" / "r" / "exports" / "model.onnx"
    video = write_video(tmp_path / "in.mp4", frames=12)
    out = tmp_path / "out.mp4"
    inferred = studio("infer", project, "--artifact", onnx_path, "--video", video, "--out", out, env=env).stdout
    assert "Wrote 12 frames" in inferred and out.is_file()


def _prune_first_conv(model: torch.nn.Module, keep: int) -> torch.nn.Module:
    """A stand-in structured pruning: conv1 keeps its `keep` strongest filters (L1), and what
    follows (bn1, conv2's inputs) follows it."""
    idx = torch.argsort(model.conv1.weight.abs().sum(dim=(1, 2, 3)), descending=True)[:keep].sort().values
    with torch.no_grad():
        conv1 = torch.nn.Conv2d(3, keep, 3, stride=2, padding=1)
        conv1.weight.copy_(model.conv1.weight[idx])
        conv1.bias.copy_(model.conv1.bias[idx])
        bn = torch.nn.BatchNorm2d(keep)
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(bn, name).copy_(getattr(model.bn1, name)[idx])
        conv2 = torch.nn.Conv2d(keep, model.conv2.out_channels, 3, stride=2, padding=1)
        conv2.weight.copy_(model.conv2.weight[:, idx])
        conv2.bias.copy_(model.conv2.bias)
    model.conv1, model.bn1, model.conv2 = conv1, bn, conv2
    return model


def test_a_pruned_model_trains_resumes_evaluates_and_exports(toy, tmp_path):
    from core.evaluation.artifact import evaluate_artifact
    from core.jobs.reporter import RecordingReporter
    from core.models import checkpoint as ckpt
    from core.models.transforms import resize_record
    from core.project import catalog
    from core.runtime import load_runner
    from core.runtime.convert import checkpoint_to_onnx
    from core.runtime.torch_backend import TorchRunner
    from core.setup.new_run import create_run_from_spec, start_from_model
    from core.training.trainer import train_run

    project = make_project(tmp_path)
    spec = toy.default_spec("cpu")
    spec.train.total_steps, spec.train.num_steps_per_eval = 20, 0
    create_run_from_spec(project, "dense", spec)
    assert train_run(project, "dense", RecordingReporter()).status == "done"
    dense = TorchRunner(project.run_dir("dense") / "checkpoints" / "model.pt").model

    pruned = _prune_first_conv(dense, keep=2)
    record = resize_record(pruned, toy.build_model(spec, catalog.categories(project)))
    assert record["params"]["layers"] == {
        "conv1": {"type": "conv", "in_channels": 3, "out_channels": 2, "groups": 1},
        "bn1": {"type": "norm", "num_features": 2},
        "conv2": {"type": "conv", "in_channels": 2, "out_channels": 8, "groups": 1}}
    retrain = toy.default_spec("cpu")
    retrain.train.total_steps, retrain.train.checkpoint_interval, retrain.train.num_steps_per_eval = 12, 4, 0
    retrain.train.log_interval = 1
    start_from_model(project, "pruned", retrain, pruned.state_dict(), [record], parent_run="dense")

    class StopAt6(RecordingReporter):
        def should_stop(self):
            return any(e.get("step") == 6 for e in self.of("metric"))

    first = train_run(project, "pruned", StopAt6())
    assert first.status == "stopped" and first.step == 6
    state = ckpt.load_checkpoint(ckpt.step_checkpoints(project.run_dir("pruned"))[0][1])
    assert state["transforms"] == [record] and state["model"]["conv1.weight"].shape[0] == 2
    rep = RecordingReporter()
    second = train_run(project, "pruned", rep)                                      # resume: replayed, then loaded
    assert second.status == "done" and second.step == 12
    assert any("Resuming pruned from step-0000006.pt" in e["message"] for e in rep.of("log"))

    final = project.run_dir("pruned") / "checkpoints" / "model.pt"
    with load_runner(final) as runner:                                              # the PyTorch runner replays it
        assert runner.model.conv1.out_channels == 2
        prediction = runner([np.full((24, 24, 3), (0, 0, 255), np.uint8)])[0]
        assert isinstance(prediction, Classification)
    assert "accuracy" in evaluate_artifact(project, "pruned")["metrics"]            # evaluate
    onnx_artifact = checkpoint_to_onnx(final, project.run_dir("pruned") / "exports" / "model.onnx")   # export
    import onnx

    graph = onnx.load(str(onnx_artifact.path)).graph
    dims = {i.name: list(i.dims) for i in graph.initializer}
    convs = [n for n in graph.node if n.op_type == "Conv"]
    assert [dims[n.input[1]][:2] for n in convs] == [[2, 3], [8, 2]]    # the exported graph is the pruned one
    with load_runner(onnx_artifact.path) as ox, load_runner(final) as pt:
        images = [np.random.default_rng(i).integers(0, 255, (30, 20, 3), dtype=np.uint8) for i in range(3)]
        for a, b in zip(ox(images), pt(images)):
            np.testing.assert_allclose(a.scores, b.scores, atol=1e-5)


def test_weights_transfer_across_class_sets_and_say_what_loaded(toy, tmp_path):
    from core.jobs.reporter import RecordingReporter
    from core.project import catalog
    from core.runtime.torch_backend import TorchRunner
    from core.setup.new_run import create_run_from_spec
    from core.training.trainer import train_run

    donor_project = make_project(tmp_path, name="three")
    spec = toy.default_spec("cpu")
    spec.train.total_steps, spec.train.num_steps_per_eval = 10, 0
    create_run_from_spec(donor_project, "d", spec)
    train_run(donor_project, "d", RecordingReporter())
    donor_file = donor_project.run_dir("d") / "checkpoints" / "model.pt"
    donor = TorchRunner(donor_file).model

    project = make_project(tmp_path, name="two")
    with project.transaction():            # two classes: drop "red"
        red = next(c.id for c in catalog.categories(project) if c.name == "red")
        ids = [r[0] for r in project.conn.execute("SELECT image_id FROM annotations WHERE category_id = ?", (red,))]
        marks = ",".join("?" * len(ids))
        project.conn.execute("DELETE FROM annotations WHERE category_id = ?", (red,))
        project.conn.execute(f"DELETE FROM sample_splits WHERE unit = 'image' AND sample_id IN ({marks})", ids)
        project.conn.execute(f"DELETE FROM images WHERE id IN ({marks})", ids)
        project.conn.execute("DELETE FROM categories WHERE id = ?", (red,))
    frozen = toy.default_spec("cpu")
    frozen.model.pretrained = str(donor_file)
    frozen.train.total_steps, frozen.train.num_steps_per_eval = 1, 0
    frozen.train.init_learning_rate = frozen.train.warmup_learning_rate = 0.0    # weights stay as loaded
    create_run_from_spec(project, "t", frozen)
    rep = RecordingReporter()
    train_run(project, "t", rep)
    logs = " ".join(e["message"] for e in rep.of("log"))
    assert "Pretrained weights from" in logs and "studio checkpoint" in logs
    assert "Re-initialized for this project's classes: head.bias, head.weight" in logs
    model = TorchRunner(project.run_dir("t") / "checkpoints" / "model.pt").model
    assert torch.equal(model.conv1.weight, donor.conv1.weight) and model.head.out_features == 2


def test_a_batched_graph_stacks_samples_and_agrees_with_single_calls(toy, tmp_path):
    from core.jobs.reporter import RecordingReporter
    from core.runtime import load_runner
    from core.setup.new_run import create_run_from_spec
    from core.training.trainer import train_run

    project = make_project(tmp_path, per_class=4)
    spec = toy.default_spec("cpu")
    spec.train.total_steps, spec.train.num_steps_per_eval = 2, 0
    create_run_from_spec(project, "r", spec)
    train_run(project, "r", RecordingReporter())
    with load_runner(project.run_dir("r") / "checkpoints" / "model.pt") as runner:
        calls = []
        run_graph = runner.run_graph
        runner.run_graph = lambda arrays: calls.append(arrays["image"].shape) or run_graph(arrays)
        images = [np.random.default_rng(i).integers(0, 255, (20 + i, 30, 3), dtype=np.uint8) for i in range(5)]
        together = runner(images)
        assert calls == [(5, 3, 24, 24)]                       # one call for five images of other sizes
        one_by_one = [runner([im])[0] for im in images]
    for a, b in zip(together, one_by_one):
        assert a.label == b.label and np.allclose(a.scores, b.scores, atol=1e-6)


def _detector_checkpoint(path: Path) -> Path:
    """A random Mask R-CNN that keeps every detection: boxes for the cascade to classify."""
    from core.families.instance_segmentation.model import build_model
    from core.families.instance_segmentation.spec import InstanceSegmentationSpec, cpu_sized
    from core.specs import spec_to_yaml

    torch.manual_seed(0)
    spec = cpu_sized(InstanceSegmentationSpec())
    spec.data.image_size = 64
    spec.model.test_score_threshold, spec.model.test_detections_per_image = 0.0, 3
    torch.save({"format": "studio-checkpoint/1", "task": "instance_segmentation", "spec": spec_to_yaml(spec),
                "categories": [{"id": 1, "name": "hand"}], "model": build_model(spec.model, 1, 64).state_dict()}, path)
    return path


def test_a_cascade_classifies_each_detected_box(toy, tmp_path):
    from core.errors import CheckpointError
    from core.jobs.reporter import RecordingReporter
    from core.runtime import load_runner
    from core.runtime.cascade import CascadeRunner
    from core.setup.new_run import create_run_from_spec
    from core.training.trainer import train_run

    detector = _detector_checkpoint(tmp_path / "hands.pt")
    project = make_project(tmp_path, per_class=4)
    spec = toy.default_spec("cpu")
    spec.train.total_steps, spec.train.num_steps_per_eval = 2, 0
    spec.model.after, spec.model.margin = str(detector), 0.25
    create_run_from_spec(project, "g", spec)
    train_run(project, "g", RecordingReporter())
    classifier = project.run_dir("g") / "checkpoints" / "model.pt"

    frames = [np.random.default_rng(i).integers(0, 255, (48, 64, 3), dtype=np.uint8) for i in range(2)]
    with load_runner(classifier) as cascade:
        assert isinstance(cascade, CascadeRunner) and cascade.first.task == "instance_segmentation"
        found = cascade(frames)
        for pred in found:
            assert isinstance(pred, Instances) and len(pred) == 3
            assert all(isinstance(c, Classification) and c.label in cascade.class_names for c in pred.secondary)
        drawn = cascade.draw(frames[0][:, :, ::-1].copy(), found[0], score_threshold=0.0)
        assert (drawn != frames[0][:, :, ::-1]).any()
    with load_runner(classifier, stages=False) as alone:                  # evaluation uses the classifier alone
        assert isinstance(alone([frames[0]])[0], Classification)

    other = toy.default_spec("cpu")
    other.model.after = str(tmp_path / "gone.pt")
    other.train.total_steps, other.train.num_steps_per_eval = 1, 0
    create_run_from_spec(project, "lost", other)
    train_run(project, "lost", RecordingReporter())
    with pytest.raises(CheckpointError, match="runs after .*gone.pt, which does not exist"):
        load_runner(project.run_dir("lost") / "checkpoints" / "model.pt")
    wrong = toy.default_spec("cpu")
    wrong.model.after = str(classifier)        # a classifier is not a detector
    wrong.train.total_steps, wrong.train.num_steps_per_eval = 1, 0
    create_run_from_spec(project, "wrong", wrong)
    train_run(project, "wrong", RecordingReporter())
    with pytest.raises(CheckpointError, match="does not find boxes to classify"):
        load_runner(project.run_dir("wrong") / "checkpoints" / "model.pt")
