"""The action-recognition family: windows of frames, the 2D and 3D networks (and the first
convolution inflated from ImageNet-style weights), tiny trainings on an epoch schedule, fine-tuning
from a checkpoint of another class set, center and conv metrics against a direct computation, the
ONNX export against PyTorch, and the sliding window over a generated video."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from core.errors import CheckpointError, SpecError  # noqa: E402
from core.families import get_family  # noqa: E402
from core.families.action_recognition import frames as fr  # noqa: E402
from core.jobs.reporter import RecordingReporter  # noqa: E402
from core.metrics.classification import classification_metrics, confusion_picture  # noqa: E402
from core.models import checkpoint_files as files  # noqa: E402
from core.project import catalog  # noqa: E402
from core.setup.new_run import create_run_from_spec  # noqa: E402
from core.specs import spec_from_dict  # noqa: E402
from core.training.trainer import train_run  # noqa: E402
from action_fixtures import ACTIONS3, action_project, tiny_action_spec  # noqa: E402


@pytest.fixture(scope="module")
def family():
    torch.set_num_threads(2)
    return get_family("action_recognition")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    p = action_project(tmp_path_factory.mktemp("act"), per_class=4, size=24, frames=10)
    yield p
    p.close()


# --- windows and layouts -------------------------------------------------------------------------

def test_windows_follow_the_reference_sampling():
    assert fr.consecutive_indices(20, 4, 2, 3) == [3, 5, 7, 9]
    assert fr.consecutive_indices(5, 4, 2, 0) == [0, 2, 4, 4]               # short: the last frame repeats
    assert fr.center_start(20, fr.span(4, 2)) == (20 - 7) // 2
    assert fr.conv_starts(30, 7, 3) == [0, 12, 23] and fr.conv_starts(5, 7, 4) == [0, 0, 0, 0]
    rng = np.random.default_rng(0)
    for _ in range(50):
        w = fr.random_window(30, 4, 1, "random_interval", rng)
        steps = {b - a for a, b in zip(w, w[1:])}
        assert len(steps) == 1 and 1 <= steps.pop() <= 9 and w[-1] <= 29


def test_inputs_are_laid_out_for_2d_and_3d(family):
    clip = np.stack([np.full((10, 12, 3), (i, 100 + i, 200 + i), np.uint8) for i in range(4)])
    spec = tiny_action_spec("3d", frames=4, size=8)
    x3 = family.preprocess(clip, spec)[0]["input_rgb"]
    assert x3.shape == (3, 4, 8, 8) and x3[1, 2, 0, 0] == pytest.approx(102 / 255)
    x2 = family.preprocess(clip, tiny_action_spec("2d", frames=4, size=8))[0]["input_rgb"]
    assert x2.shape == (12, 8, 8) and x2[3 * 2 + 1, 0, 0] == pytest.approx(102 / 255)   # frame 2, G
    with pytest.raises(ValueError, match="clips of 4 frames"):
        family.preprocess(clip[:3], spec)


def test_spec_fields_and_checks():
    from core.families.action_recognition.spec import ActionRecognitionSpec

    spec = spec_from_dict(ActionRecognitionSpec, {
        "model": {"model_type": "rgb", "input_type": "3d", "backbone": "r2plus1d_18", "rgb_seq_length": 32,
                  "rgb_pretrained_num_classes": 5},
        "data": {"sample_strategy": "random_interval", "sample_rate": 2, "label_map": ["pushup", "pullup", "situp"]},
        "train": {"epochs": 20, "lr_steps": [5, 15, 25], "lr_decay": 0.1, "momentum": 0.9,
                  "l2_weight_decay": 0.0001, "init_learning_rate": 0.001, "lr_scheduler": "MultiStep"}})
    assert spec.train.epochs == 20 and spec.data.label_map == ["pushup", "pullup", "situp"]
    with pytest.raises(SpecError, match="r3d_18 is a 3D network: with input_type 2d choose resnet18 or resnet34"):
        spec_from_dict(ActionRecognitionSpec, {"model": {"input_type": "2d", "backbone": "r3d_18"}})
    with pytest.raises(SpecError, match="lr_steps are epochs: set train.epochs"):
        spec_from_dict(ActionRecognitionSpec, {"train": {"lr_steps": [3]}})
    # an epoch schedule derives total_steps when the run starts: a warmup longer than the spec's
    # total_steps is no error then (the demo's spec, shown in the Train page's form, had one)
    epochs = spec_from_dict(ActionRecognitionSpec, {"train": {"epochs": 8, "total_steps": 300, "warmup_steps": 378}})
    assert epochs.train.check() == []
    with pytest.raises(SpecError, match=r"warmup_steps \(378\) must not exceed train.total_steps \(300\)"):
        spec_from_dict(ActionRecognitionSpec, {"train": {"total_steps": 300, "warmup_steps": 378}})


def test_an_epoch_schedule_says_when_the_warmup_outlasts_the_run():
    from core.families.action_recognition.schedule import steps_from_epochs
    from core.families.action_recognition.spec import ActionRecognitionSpec

    spec = spec_from_dict(ActionRecognitionSpec, {"train": {"epochs": 2, "warmup_steps": 50}})
    resolved, said = steps_from_epochs(spec.train, 10)
    assert resolved.total_steps == 20 and resolved.warmup_steps == 20
    assert any("warmup_steps (50) is longer than the run" in line for line in said)
    _, fits = steps_from_epochs(spec.train, 40)
    assert not any("warmup" in line for line in fits)


# --- networks ------------------------------------------------------------------------------------

@pytest.mark.parametrize("input_type,backbone", [("2d", "resnet18"), ("2d", "resnet34"), ("3d", "resnet18"),
                                                 ("3d", "mc3_18"), ("3d", "r2plus1d_18")])
def test_every_network_builds_and_classifies_a_batch(family, input_type, backbone):
    spec = tiny_action_spec(input_type, frames=4, size=16)
    spec.model.backbone = backbone
    cats = [catalog.Category(id=i, name=n) for i, n in enumerate(ACTIONS3, 1)]
    model = family.build_model(spec, cats).eval()
    x = torch.from_numpy(family.example_inputs(spec)["input_rgb"])
    assert tuple(x.shape) == ((2, 3, 4, 16, 16) if input_type == "3d" else (2, 12, 16, 16))
    with torch.no_grad():
        scores = family.graph_module(model, spec)(x)
    assert tuple(scores.shape) == (2, 3) and torch.allclose(scores.sum(1), torch.ones(2))
    assert family.weight_layout(spec).heads == ("net.fc.",)


@pytest.mark.parametrize("input_type,backbone", [("2d", "resnet18"), ("3d", "mc3_18")])
def test_rgb_diff_sees_what_moves_and_not_what_stands_still(family, input_type, backbone):
    from core.families.action_recognition.spec import ActionRecognitionSpec

    cats = [catalog.Category(id=i, name=n) for i, n in enumerate(ACTIONS3, 1)]
    rng = np.random.default_rng(0)
    still_a, still_b = (np.repeat(rng.random((1, 16, 16, 3), dtype=np.float32), 4, axis=0) for _ in range(2))
    moving = np.stack([np.roll(still_a[0], 3 * t, axis=1) for t in range(4)])

    def scores(model_type, clip):
        spec = tiny_action_spec(input_type, frames=4, size=16)
        spec.model.backbone, spec.model.model_type = backbone, model_type
        torch.manual_seed(0)
        model = family.build_model(spec, cats).eval()
        x = clip.transpose(3, 0, 1, 2) if input_type == "3d" else clip.transpose(0, 3, 1, 2).reshape(12, 16, 16)
        with torch.no_grad():
            return model(torch.from_numpy(np.ascontiguousarray(x))[None])[0]

    # two different still clips: the same scores over their differences (zero), different over the frames
    assert torch.allclose(scores("rgb_diff", still_a), scores("rgb_diff", still_b), atol=1e-6)
    assert not torch.allclose(scores("rgb", still_a), scores("rgb", still_b), atol=1e-3)
    assert not torch.allclose(scores("rgb_diff", still_a), scores("rgb_diff", moving), atol=1e-3)
    if input_type == "2d":                                           # 3 differences of 4 frames: 9 channels
        spec = tiny_action_spec("2d", frames=4, size=16)
        spec.model.model_type = "rgb_diff"
        assert family.build_model(spec, cats).net.conv1.in_channels == 9
        assert family.model_name(spec) == "2D ResNet over the 3 differences of 4 frames, stacked"
    with pytest.raises(SpecError, match="rgb_diff needs at least 2 frames"):
        spec_from_dict(ActionRecognitionSpec, {"model": {"model_type": "rgb_diff", "rgb_seq_length": 1}})


def test_imagenet_style_weights_inflate_the_first_convolution(family, tmp_path):
    from torchvision.models import resnet18

    from core.models.weights import transfer_weights

    torch.manual_seed(0)
    imagenet = resnet18(weights=None)                        # stands in for ImageNet weights: a bare ResNet file
    torch.save(imagenet.state_dict(), tmp_path / "resnet18.pth")
    spec = tiny_action_spec("2d", frames=4, size=32)
    cats = [catalog.Category(id=i, name=n) for i, n in enumerate(ACTIONS3, 1)]
    model, report, _ = transfer_weights(family.build_model(spec, cats), family, spec, cats, tmp_path / "resnet18.pth")
    w = model.net.conv1.weight.detach()
    assert w.shape == (64, 12, 7, 7)
    assert torch.allclose(w, imagenet.conv1.weight.repeat(1, 4, 1, 1) / 4)
    assert torch.equal(model.net.layer3[1].conv2.weight, imagenet.layer3[1].conv2.weight)
    assert report.kind == "backbone" and "net.conv1.weight" not in report.skipped
    assert any("repeated over the 4 frames and scaled by 1/4" in s for s in report.sentences())
    frame = torch.rand(1, 3, 32, 32)                          # 4 equal frames answer like one frame did
    assert torch.allclose(model.net.conv1(frame.repeat(1, 4, 1, 1)), imagenet.conv1(frame), atol=1e-5)


# --- training ------------------------------------------------------------------------------------

def _train(project, name, spec):
    create_run_from_spec(project, name, spec)
    reporter = RecordingReporter()
    return train_run(project, name, reporter), reporter


def test_a_tiny_2d_training_on_an_epoch_schedule_keeps_a_checkpoint_per_epoch(family, project):
    spec = tiny_action_spec("2d", epochs=3, lr_steps=[2, 5], checkpoint_interval_epochs=1)
    result, rep = _train(project, "e2d", spec)
    n_train = len(family.dataset(project, spec, "train"))
    per_epoch = max(1, n_train // 4)
    assert result.status == "done" and result.step == 3 * per_epoch
    logs = " ".join(e["message"] for e in rep.of("log"))
    assert f"3 epochs of {per_epoch} steps = {3 * per_epoch} steps" in logs
    assert "train.lr_steps 5 lie at or past the last epoch (3) and never apply" in logs
    assert "Starting e2d: 2D ResNet over 4 stacked frames, backbone resnet18 (2d)" in logs, logs[:300]
    lrs = {e["step"]: e["values"]["lr"] for e in rep.of("metric") if e.get("phase") == "train"}
    assert lrs[2 * per_epoch + 1] == pytest.approx(0.001)        # x0.1 from epoch 2 on
    copies = files.epoch_checkpoints(project.run_dir("e2d"))
    assert [e for e, _, _ in copies] == [3, 2, 1]
    evals = {e["step"]: e["values"]["val_loss"] for e in rep.of("metric") if e.get("phase") == "eval"}
    for epoch, loss, path in copies:
        assert path.name == f"epoch-{epoch:03d}-val_loss-{evals[epoch * per_epoch]:.3f}.pt" and loss == pytest.approx(
            evals[epoch * per_epoch], abs=1e-3)
    assert [s for s, _ in files.step_checkpoints(project.run_dir("e2d"))][0] == 3 * per_epoch
    assert {e["epoch"] for e in rep.of("progress") if e.get("phase") == "train" and "epoch" in e} >= {0, 1, 2}
    assert result.metrics["accuracy"] >= 0 and "accuracy/grow" in result.metrics


@pytest.mark.slow
def test_a_tiny_3d_training_evaluates_and_writes_the_deepstream_preprocess(family, project):
    spec = tiny_action_spec("3d", steps=4, size=16)
    spec.model.backbone = "mc3_18"                   # the lightest 3D network (r3d_18 builds in the test above)
    result, rep = _train(project, "r3d", spec)
    assert result.status == "done" and result.step == 4
    assert any(e["message"].startswith("Starting r3d: 3D video ResNet over 4 frames, backbone mc3_18 (3d)")
               for e in rep.of("log"))
    out = project.run_dir("r3d") / "eval" / "step-4"
    confusion = json.loads((out / "confusion.json").read_text())
    assert confusion["classes"] == list(sorted(ACTIONS3)) and np.sum(confusion["matrix"]) == len(
        family.samples(project, "val"))
    assert cv2.imread(str(out / "confusion.png")) is not None
    pre = _deepstream_preprocess(project, "r3d")                         # nvdspreprocess: N;3;T;H;W
    assert pre["property"]["network-input-shape"] == "1;3;4;16;16" and pre["property"]["network-input-order"] == "2"
    assert (pre["user-configs"]["stride"], pre["user-configs"]["subsample"]) == ("1", "0")


def _deepstream_preprocess(project, run):
    from core.deploy.deepstream import read_config
    from core.deploy.export import ExportRequest, export_run

    result = export_run(project, ExportRequest(run=run, evaluate=False, latency_runs=1))
    app = read_config(next(result.deploy_dir.glob("deepstream_app_*.txt")))
    assert app["primary-gie"]["input-tensor-meta"] == "1"
    return read_config(result.deploy_dir / app["pre-process"]["config-file"])


def test_fine_tuning_from_a_checkpoint_of_another_class_set(family, project, tmp_path):
    source = action_project(tmp_path / "five", per_class=2, size=24, frames=8,
                            actions=("move_up", "move_down", "circle", "grow", "move_left"))
    spec5 = tiny_action_spec("2d", steps=2)
    _train(source, "five", spec5)
    five = files.final_checkpoint(source.run_dir("five"))
    source.close()
    spec = tiny_action_spec("2d", steps=2)
    spec.model.pretrained, spec.model.rgb_pretrained_num_classes = str(five), 5
    result, rep = _train(project, "ft", spec)
    logs = [e["message"] for e in rep.of("log")]
    loaded = next(m for m in logs if m.startswith("Pretrained weights from"))
    assert "(studio checkpoint)" in loaded and "tensors loaded" in loaded
    assert any("Re-initialized for this project's classes: net.fc.bias, net.fc.weight" in m for m in logs)
    assert any("The pretrained classifier has 5 classes; this model's 3 are learned from a fresh classifier" in m
               for m in logs)
    state = torch.load(five, weights_only=True)["model"]
    tuned = torch.load(files.final_checkpoint(project.run_dir("ft")), weights_only=True)["model"]
    assert tuned["net.fc.weight"].shape == (3, 512) and state["net.fc.weight"].shape == (5, 512)
    spec.model.rgb_pretrained_num_classes = 4
    create_run_from_spec(project, "ft-bad", spec)
    with pytest.raises(CheckpointError, match="rgb_pretrained_num_classes is 4 but the pretrained model's classifier "
                                              "has 5 classes"):
        train_run(project, "ft-bad", RecordingReporter())


# --- metrics -------------------------------------------------------------------------------------

def test_classification_metrics_equal_a_direct_computation(tmp_path):
    rng = np.random.default_rng(3)
    truth = rng.integers(1, 5, 200).tolist()
    pred = [t if rng.random() < 0.6 else int(rng.integers(1, 5)) for t in truth]
    probs = rng.uniform(0.01, 1, 200).tolist()
    m = classification_metrics(truth, pred, [1, 2, 3, 4], probs)
    t, p = np.array(truth), np.array(pred)
    assert m.accuracy == pytest.approx(np.mean(t == p))
    per = {c: np.mean(p[t == c] == c) for c in range(1, 5)}
    assert m.per_class == pytest.approx(per) and m.average_class_accuracy == pytest.approx(np.mean(list(per.values())))
    direct = np.zeros((4, 4), int)
    np.add.at(direct, (t - 1, p - 1), 1)
    assert np.array_equal(m.confusion, direct)
    assert m.loss == pytest.approx(-np.mean(np.log(probs)))
    picture = cv2.imread(str(confusion_picture(m, {1: "a", 2: "b", 3: "c", 4: "d"}, tmp_path / "c.png")))
    assert picture is not None and picture.shape[0] > 4 * 56


@pytest.mark.parametrize("mode", ["center", "conv"])
def test_center_and_conv_metrics_equal_a_direct_computation(family, project, mode):
    from core.evaluation.predict import evaluate_runner
    from core.runtime.torch_backend import TorchRunner
    from core.specs import spec_to_yaml

    spec = tiny_action_spec("2d", frames=4)
    spec.evaluate.video_eval_mode, spec.evaluate.video_num_clips = mode, 3
    cats = catalog.categories(project)
    torch.manual_seed(1)
    model = family.build_model(spec, cats).eval()
    runner = TorchRunner.from_model(family, model, spec_to_yaml(spec), cats)
    summary = evaluate_runner(runner, project, "val", project.root / f"eval-{mode}")
    order = sorted(c.id for c in cats)
    truth, hits = [], []
    for s in family.samples(project, "val"):
        width = fr.span(4, 1)
        starts = fr.conv_starts(s.num_frames, width, 3) if mode == "conv" else [fr.center_start(s.num_frames, width)]
        scores = []
        for start in starts:        # the windows cut and scored by hand
            clip = family._window(project, s, spec, start)
            x = torch.from_numpy(fr.to_input(clip, spec))[None]
            with torch.no_grad():
                scores.append(torch.softmax(model(x), 1)[0].numpy())
        label = order[int(np.argmax(np.mean(scores, 0)))]
        truth.append(s.category_id)
        hits.append(label == s.category_id)
    t, h = np.array(truth), np.array(hits)
    m = summary["metrics"]
    assert m["accuracy"] == pytest.approx(h.mean())
    assert m["average_class_accuracy"] == pytest.approx(np.mean([h[t == c].mean() for c in set(truth)]))
    for c in cats:
        assert m[f"accuracy/{c.name}"] == pytest.approx(h[t == c.id].mean())


# --- export and the sliding window ---------------------------------------------------------------

@pytest.mark.parametrize("input_type,model_type", [("2d", "rgb"), ("2d", "rgb_diff"),
                                                    pytest.param("3d", "rgb", marks=pytest.mark.slow)])
def test_the_onnx_export_scores_like_pytorch_with_a_dynamic_batch(family, project, tmp_path, input_type, model_type):
    import onnx

    from core.evaluation.predict import evaluate_runner
    from core.runtime import load_runner
    from core.runtime.convert import checkpoint_to_onnx

    spec = tiny_action_spec(input_type, steps=2, size=16)
    spec.model.model_type = model_type                  # rgb_diff: still T frames in, the differences inside
    result, _ = _train(project, f"x{input_type}{model_type}", spec)
    onnx_path = tmp_path / f"{input_type}.onnx"
    checkpoint_to_onnx(result.checkpoint, onnx_path)
    shape = [d.dim_param or d.dim_value for d in onnx.load(str(onnx_path)).graph.input[0].type.tensor_type.shape.dim]
    assert shape == (["batch", 3, 4, 16, 16] if input_type == "3d" else ["batch", 12, 16, 16])
    with load_runner(result.checkpoint) as pt, load_runner(onnx_path) as ox:
        a = evaluate_runner(pt, project, "val", tmp_path / "pt")["metrics"]
        b = evaluate_runner(ox, project, "val", tmp_path / "ox")["metrics"]
        clips = [family.load_input(project, s, pt.spec) for s in family.samples(project, "val")[:3]]
        sa, sb = pt(clips), ox(clips)                       # three clips: one batch of 3
    assert a == pytest.approx(b, abs=1e-4)
    for x, y in zip(sa, sb):
        assert x.label == y.label and np.allclose(x.scores, y.scores, atol=1e-4)


def test_the_sliding_window_over_a_generated_video_writes_every_frame(family, project, tmp_path):
    from core.datasets.synthetic_clips import generate_action_video
    from core.inference import iter_annotated, run_inference
    from core.runtime import load_runner

    spec = tiny_action_spec("2d", steps=1, frames=4)
    spec.inference.stride, spec.data.sample_rate = 3, 2
    result, _ = _train(project, "win", spec)
    video, labels = generate_action_video(tmp_path / "in.mp4", segments=2, segment_frames=10, size=24, scale=2)
    with load_runner(result.checkpoint) as runner:
        assert (runner.window.frames, runner.window.stride, runner.window.subsample) == (4, 3, 2)
        items = list(iter_annotated(runner, video, show_fps=False))
        out = run_inference(runner, None, video, tmp_path / "out.mp4", show_fps=False)
    assert [i.index for i in items] == list(range(len(labels)))
    span = (4 - 1) * 2 + 1
    assert all(i.prediction is None for i in items[:span - 1]) and all(i.prediction is not None for i in items[span - 1:])
    changed = [k for k in range(span, len(items)) if items[k].prediction is not items[k - 1].prediction]
    assert changed == list(range(span - 1 + 3, len(items), 3))          # a new prediction every stride frames
    assert not np.array_equal(items[0].image, cv2.resize(cv2.VideoCapture(str(video)).read()[1], (48, 48)))  # 'filling'
    assert out["frames"] == len(labels) and out["total"] == len(labels)
    pre = _deepstream_preprocess(project, "win")                         # 2D: N;3T;H;W, the same walk
    assert pre["property"]["network-input-shape"] == "1;12;24;24" and pre["property"]["network-input-order"] == "0"
    assert (pre["user-configs"]["stride"], pre["user-configs"]["subsample"]) == ("3", "1")   # every 2nd: skip 1
    cap = cv2.VideoCapture(out["out_path"])
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == len(labels)
    cap.release()
