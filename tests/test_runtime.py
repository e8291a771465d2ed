"""Inference runtimes: checkpoints and ONNX exports load into runners that agree; checkpoints
are read weights-only; the fastest back end is chosen by measurement; TensorRT's absence is
reported with a sentence."""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

import core.runtime as runtime  # noqa: E402
from core.errors import CheckpointError, RuntimeUnavailableError  # noqa: E402
from core.families.instance_segmentation.model import build_model  # noqa: E402
from core.families.instance_segmentation.spec import InstanceSegmentationSpec, cpu_sized  # noqa: E402
from core.predictions import Instances  # noqa: E402
from core.runtime import available_backends, fastest_runner, load_runner, read_artifact  # noqa: E402
from core.runtime.convert import checkpoint_to_onnx  # noqa: E402
from core.runtime.onnx_backend import OnnxRunner  # noqa: E402
from core.runtime.tensorrt_backend import tensorrt_available  # noqa: E402
from core.runtime.torch_backend import TorchRunner  # noqa: E402
from core.specs import spec_to_yaml  # noqa: E402

CATEGORIES = [{"id": 3, "name": "circle"}, {"id": 8, "name": "square"}, {"id": 12, "name": "triangle"}]


def save_checkpoint(path: Path, **overrides) -> Path:
    torch.manual_seed(0)
    spec = cpu_sized(InstanceSegmentationSpec())
    spec.data.image_size = 64
    spec.model.test_detections_per_image = 8
    model = build_model(spec.model, len(CATEGORIES), 64)
    data = {"format": "studio-checkpoint/1", "task": "instance_segmentation", "spec": spec_to_yaml(spec),
            "categories": CATEGORIES, "model": model.state_dict(), "step": 1}
    data.update(overrides)
    torch.save(data, path)
    return path


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    torch.set_num_threads(2)
    folder = tmp_path_factory.mktemp("artifacts")
    ckpt = save_checkpoint(folder / "model.pt")
    onnx_artifact = checkpoint_to_onnx(ckpt, folder / "model.onnx")
    return ckpt, onnx_artifact.path


def sample(h: int = 48, w: int = 64, seed: int = 0) -> np.ndarray:
    return (np.random.RandomState(seed).rand(h, w, 3) * 255).astype(np.uint8)


def test_artifacts_describe_themselves(artifacts):
    ckpt, onnx_path = artifacts
    a, b = read_artifact(ckpt), read_artifact(onnx_path)
    assert (a.kind, b.kind) == ("checkpoint", "onnx")
    assert a.task == b.task == "instance_segmentation"
    assert a.class_names == b.class_names == {3: "circle", 8: "square", 12: "triangle"}
    assert b.meta["source_checkpoint"] == str(ckpt.resolve())
    assert b.meta["torch_version"] == torch.__version__ and "onnxruntime_version" in b.meta
    assert b.spec().data.image_size == 64


def test_pytorch_and_onnxruntime_runners_agree(artifacts):
    ckpt, onnx_path = artifacts
    images = [sample(48, 64, 0), sample(64, 40, 1)]
    with load_runner(ckpt) as pt, load_runner(onnx_path) as ox:
        assert (pt.backend, ox.backend) == ("pytorch", "onnxruntime")
        assert isinstance(pt, TorchRunner) and isinstance(ox, OnnxRunner)
        assert pt.class_names == ox.class_names and [c.id for c in pt.categories] == [3, 8, 12]
        for p, o, im in zip(pt(images), ox(images), images):
            assert isinstance(p, Instances) and isinstance(o, Instances)
            assert len(p) == len(o) > 0
            np.testing.assert_allclose(p.boxes, o.boxes, atol=1e-2)
            np.testing.assert_allclose(p.scores, o.scores, atol=1e-4)
            np.testing.assert_array_equal(p.labels, o.labels)
            assert set(p.labels.tolist()) <= {3, 8, 12}   # project ids, not training indices
            assert p.masks.shape == o.masks.shape == (len(p), *im.shape[:2])
            assert (p.masks == o.masks).mean() > 0.999


def test_runner_draw_uses_family_overlay(artifacts):
    with load_runner(artifacts[0]) as runner:
        frame = np.zeros((48, 64, 3), np.uint8)
        pred = runner([frame])[0]
        out = runner.draw(frame.copy(), pred, score_threshold=0.0)
        assert out.shape == frame.shape and out.any()


class Payload:
    """Unpickling this would run a shell command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_checkpoint_is_loaded_weights_only(tmp_path):
    marker = tmp_path / "pwned"
    evil = save_checkpoint(tmp_path / "evil.pt", extra=Payload(marker))
    with pytest.raises(CheckpointError, match="holds code"):
        load_runner(evil)
    assert not marker.exists()


def test_bad_checkpoints_are_refused_clearly(tmp_path):
    with pytest.raises(CheckpointError, match="not a Studio checkpoint"):
        load_runner(save_checkpoint(tmp_path / "a.pt", format="something-else"))
    with pytest.raises(CheckpointError, match="do not fit"):
        load_runner(save_checkpoint(tmp_path / "b.pt", categories=CATEGORIES[:2]))
    truncated = tmp_path / "c.pt"
    truncated.write_bytes(save_checkpoint(tmp_path / "full.pt").read_bytes()[:1000])
    with pytest.raises(CheckpointError):
        load_runner(truncated)
    with pytest.raises(CheckpointError, match="not a model artifact"):
        load_runner(tmp_path / "notes.txt")


def test_backend_must_fit_the_artifact(artifacts):
    with pytest.raises(RuntimeUnavailableError, match="export it to ONNX first"):
        load_runner(artifacts[0], backend="onnxruntime")
    with pytest.raises(RuntimeUnavailableError, match="Unknown back end"):
        load_runner(artifacts[1], backend="openvino")
    assert available_backends(artifacts[0]) == ["pytorch"]
    assert available_backends(artifacts[1]) == ["onnxruntime"]


def _pace(monkeypatch, slow_cls, seconds: float) -> None:
    """Replace inference by a sleep: `slow_cls` takes `seconds`, the others ~nothing, so the
    measured winner is known whatever else this machine is doing."""
    for cls in (OnnxRunner, TorchRunner):
        delay = seconds if cls is slow_cls else 0.0
        monkeypatch.setattr(cls, "__call__", lambda self, images, d=delay: time.sleep(d) or [None for _ in images])


@pytest.mark.parametrize("slowed, winner", [(OnnxRunner, "pytorch"), (TorchRunner, "onnxruntime")])
def test_fastest_runner_follows_the_measurement(artifacts, monkeypatch, tmp_path, slowed, winner):
    _pace(monkeypatch, slowed, 0.2)
    engine = tmp_path / "model.engine"
    engine.write_bytes(b"not really an engine")
    runner, timings = fastest_runner([*artifacts, engine], [sample()], repeats=3)
    try:
        assert runner.backend == winner
        assert set(timings) == {"pytorch", "onnxruntime", "tensorrt"}
        assert "error" in timings["tensorrt"] and "TensorRT" in timings["tensorrt"]["error"]
        measured = {k: v["median_ms"] for k, v in timings.items() if "median_ms" in v}
        assert min(measured, key=measured.get) == winner
        assert all(len(timings[k]["runs_ms"]) == 3 for k in measured)
        assert measured[slowed.backend] >= 200.0
    finally:
        runner.close()


def test_fastest_runner_times_real_inference(artifacts):
    runner, timings = fastest_runner(artifacts, [sample()], repeats=2)
    try:
        medians = {k: v["median_ms"] for k, v in timings.items()}
        assert runner.backend == min(medians, key=medians.get)
        assert all(m > 0 for m in medians.values())
        assert len(runner([sample()])[0]) > 0
    finally:
        runner.close()


def test_tensorrt_unavailable_is_a_sentence(tmp_path):
    ok, reason = tensorrt_available()
    if ok:
        pytest.skip("TensorRT is available on this machine")
    assert reason.endswith(".") and "TensorRT" in reason
    engine = tmp_path / "m.engine"
    engine.write_bytes(b"x")
    with pytest.raises(RuntimeUnavailableError) as err:
        load_runner(engine)
    assert str(err.value) == reason
    assert available_backends(engine) == []


def test_runtime_modules_hold_no_family_specifics():
    """Families plug in through core.families; the runtime never names one."""
    folder = Path(runtime.__file__).parent
    for module in folder.glob("*.py"):
        text = module.read_text()
        assert not re.search(r"instance_segmentation|mask_?rcnn|keypoint", text, re.I), module.name


def _other_graph(path: Path) -> None:
    """A small ONNX graph of another model: input x (N, 4) -> y (N, 4)."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "other",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))


def test_a_graph_that_does_not_match_its_sidecar_is_refused_with_what_differs(artifacts, tmp_path):
    import json
    import shutil

    from core.fsutil import sha256_file
    from core.runtime.sidecar import ArtifactError, sidecar_path

    onnx_path = tmp_path / "model.onnx"
    shutil.copy(artifacts[1], onnx_path)
    shutil.copy(sidecar_path(artifacts[1]), sidecar_path(onnx_path))
    _other_graph(onnx_path)
    meta = json.loads(sidecar_path(onnx_path).read_text())
    meta.update(size=onnx_path.stat().st_size, sha256=sha256_file(onnx_path))   # the sidecar "fits" the file
    sidecar_path(onnx_path).write_text(json.dumps(meta))
    with pytest.raises(ArtifactError) as err:
        load_runner(onnx_path)
    message = str(err.value)
    assert "model.onnx does not match its sidecar" in message
    assert "inputs image, but the graph's inputs are x" in message and "export it again" in message

    meta["inputs"] = [{"name": "image", "shape": [1, 3, "h", "w"], "dtype": "float32"}]   # right name, wrong rank
    shutil.copy(artifacts[1], onnx_path)
    meta.update(size=onnx_path.stat().st_size, sha256=sha256_file(onnx_path))
    sidecar_path(onnx_path).write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match="input 'image' has rank 3 in the graph but 4 in the sidecar"):
        load_runner(onnx_path)


def test_tensorrt_shape_and_type_rules_without_a_gpu():
    """The pure parts of the TensorRT runner: optimization-profile fit and type mapping."""
    import types

    from core.runtime.tensorrt_backend import fits_profile, numpy_dtype

    profile = ((1, 3, 160, 160), (1, 3, 160, 160), (2, 3, 160, 160))
    assert fits_profile((2, 3, 160, 160), profile) is None
    assert fits_profile((3, 3, 160, 160), profile) == "axis 0 is 3, outside the engine's profile 1..2"
    assert fits_profile((1, 3, 160), profile) == "rank 3 instead of 4"
    assert numpy_dtype(types.SimpleNamespace(name="FLOAT")) == np.float32
    assert numpy_dtype("DataType.INT64") == np.int64
    with pytest.raises(RuntimeUnavailableError, match="FP8 are not supported"):
        numpy_dtype(types.SimpleNamespace(name="FP8"))
