"""ONNX export of Mask R-CNN: the graph checks, ONNX Runtime agrees with PyTorch (with and
without detections, at several image sizes), and sidecars round-trip and refuse bad copies."""
from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from core.errors import CheckpointError, RuntimeUnavailableError  # noqa: E402
from core.families.instance_segmentation.family import FAMILY  # noqa: E402
from core.families.instance_segmentation.model import build_model  # noqa: E402
from core.families.instance_segmentation.postprocess import OUTPUT_NAMES, preprocess_rgb, to_instances  # noqa: E402
from core.families.instance_segmentation.spec import InstanceSegmentationSpec, cpu_sized  # noqa: E402
from core.project.catalog import Category  # noqa: E402
from core.runtime.sidecar import (  # noqa: E402
    ENGINE_FORMAT, ONNX_FORMAT, ArtifactError, check_environment, read_sidecar, sidecar_path, write_sidecar)

INDEX_TO_CATEGORY = {1: 11, 2: 22, 3: 33}
CATEGORIES = [Category(11, "a"), Category(22, "b"), Category(33, "c")]


def tiny_spec():
    spec = cpu_sized(InstanceSegmentationSpec())
    spec.data.image_size = 64
    spec.model.test_detections_per_image = 8
    return spec


def export_onnx(model, size, path):
    spec = tiny_spec()
    spec.data.image_size = size
    return FAMILY.export_onnx(model, spec, path)


def eager(model, x: np.ndarray, shape) -> object:
    """The eager graph's outputs through the family's one post-processing."""
    with torch.no_grad():
        outs = FAMILY.graph_module(model, tiny_spec())(torch.from_numpy(x))
    return FAMILY.postprocess(dict(zip(OUTPUT_NAMES, (o.numpy() for o in outs))), {"shape": shape}, tiny_spec(),
                              CATEGORIES)


def from_onnx(outputs, shape):
    return FAMILY.postprocess(dict(zip(OUTPUT_NAMES, outputs)), {"shape": shape}, tiny_spec(), CATEGORIES)


def tiny_model(score_thresh: float | None = None, seed: int = 0):
    torch.manual_seed(seed)
    spec = tiny_spec()
    model = build_model(spec.model, 3, 64).eval()
    if score_thresh is not None:
        model.roi_heads.score_thresh = score_thresh
    return model


def image(h: int, w: int, seed: int = 1) -> np.ndarray:
    return (np.random.RandomState(seed).rand(h, w, 3) * 255).astype(np.uint8)


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.set_num_threads(2)
    model = tiny_model()
    path = tmp_path_factory.mktemp("onnx") / "model.onnx"
    description = export_onnx(model, 64, path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return model, path, description, session


def test_export_passes_checker_and_describes_io(exported):
    _, path, description, _ = exported
    onnx.checker.check_model(str(path))
    assert [i["name"] for i in description["inputs"]] == ["image"]
    assert description["inputs"][0]["shape"] == [3, "height", "width"]
    assert description["inputs"][0]["dtype"] == "float32"
    assert [o["name"] for o in description["outputs"]] == ["boxes", "labels", "scores", "masks"]
    assert [o["dtype"] for o in description["outputs"]] == ["float32", "int64", "float32", "float32"]
    assert description["opset"] == 17
    assert not list(path.parent.glob(".model.onnx.*"))  # no temp file left behind


@pytest.mark.parametrize("size", [(48, 64), (64, 40), (90, 100)])
def test_onnxruntime_matches_pytorch(exported, size):
    model, _, _, session = exported
    x = preprocess_rgb(image(*size))
    expected = eager(model, x, size)
    got = from_onnx(session.run(None, {"image": x}), size)
    assert len(expected) > 0, "the random model should detect something at score 0.05"
    assert len(got) == len(expected)
    np.testing.assert_allclose(got.boxes, expected.boxes, atol=1e-2)
    np.testing.assert_allclose(got.scores, expected.scores, atol=1e-4)
    np.testing.assert_array_equal(got.labels, expected.labels)
    assert set(got.labels.tolist()) <= {11, 22, 33}
    assert got.masks.shape == expected.masks.shape == (len(got), *size)
    assert got.masks.dtype == bool
    assert mask_iou(got.masks, expected.masks) > 0.98


def test_export_with_no_detection_runs_and_is_not_specialised(tmp_path):
    """Traced while nothing passes the threshold: empty outputs are handled, and the graph is
    not frozen to 'empty' (lowering the baked threshold brings detections back)."""
    sentinel = 0.987654
    path = tmp_path / "empty.onnx"
    model = tiny_model(score_thresh=sentinel)
    with torch.no_grad():
        assert len(model([torch.rand(3, 64, 64)])[0]["boxes"]) == 0
    export_onnx(model, 64, path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    outputs = session.run(None, {"image": preprocess_rgb(image(48, 64))})
    assert [o.shape[0] for o in outputs] == [0, 0, 0, 0]
    pred = from_onnx(outputs, (48, 64))
    assert pred.boxes.shape == (0, 4) and pred.masks.shape == (0, 48, 64) and pred.labels.dtype == np.int64

    graph = onnx.load(str(path))
    patched = 0
    for node in graph.graph.node:
        if node.op_type == "Constant" and node.attribute[0].t.data_type == onnx.TensorProto.FLOAT:
            value = onnx.numpy_helper.to_array(node.attribute[0].t)
            if value.size == 1 and abs(float(value.reshape(-1)[0]) - sentinel) < 1e-6:
                node.attribute[0].t.CopyFrom(onnx.numpy_helper.from_array(np.array(0.05, np.float32)))
                patched += 1
    assert patched == 1
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    assert session.run(None, {"image": preprocess_rgb(image(48, 64))})[0].shape[0] > 0


def test_empty_output_gives_empty_prediction():
    empty = {"boxes": np.zeros((0, 4), np.float32), "labels": np.zeros(0, np.int64), "scores": np.zeros(0, np.float32),
             "masks": np.zeros((0, 1, 30, 40), np.float32)}
    pred = to_instances(empty, INDEX_TO_CATEGORY, 0.5, (30, 40))
    assert pred.masks.shape == (0, 30, 40) and pred.boxes.dtype == np.float32


def test_postprocess_maps_labels_and_thresholds_masks():
    masks = np.zeros((3, 1, 4, 5), np.float32)
    masks[0, 0, 1, 1] = 0.7
    masks[1, 0, 2, 2] = 0.3
    outputs = [np.array([[0, 0, 2, 2], [1, 1, 3, 3], [0, 0, 1, 1]], np.float32), np.array([2, 1, 7]),
               np.array([0.9, 0.8, 0.7], np.float32), masks]
    pred = from_onnx(outputs, (4, 5))
    assert pred.labels.tolist() == [22, 11]      # index 7 has no category: dropped, not guessed
    assert pred.masks.sum(axis=(1, 2)).tolist() == [1, 0]
    assert pred.scores.tolist() == pytest.approx([0.9, 0.8])


def _onnx_meta() -> dict:
    return {"task": "instance_segmentation", "categories": [{"id": 11, "name": "a"}], "spec": "task: x\n",
            "precision": "fp32", "opset": 17, "inputs": [], "outputs": []}


def test_sidecar_round_trip(tmp_path):
    artifact = tmp_path / "m.onnx"
    artifact.write_bytes(b"graph bytes")
    written = write_sidecar(artifact, _onnx_meta())
    assert written == sidecar_path(artifact) == tmp_path / "m.onnx.json"
    data = read_sidecar(artifact, expect_format=ONNX_FORMAT)
    assert data["format"] == ONNX_FORMAT and data["categories"] == [{"id": 11, "name": "a"}]
    assert data["size"] == len(b"graph bytes") and len(data["sha256"]) == 64


def test_sidecar_problems_are_clear(tmp_path):
    artifact = tmp_path / "m.onnx"
    artifact.write_bytes(b"graph bytes")
    with pytest.raises(ArtifactError, match="has no sidecar"):
        read_sidecar(artifact)
    sidecar_path(artifact).write_text("{not json")
    with pytest.raises(ArtifactError, match="not readable JSON"):
        read_sidecar(artifact)
    write_sidecar(artifact, _onnx_meta())
    artifact.write_bytes(b"graph bytez")  # same size, other content: a sidecar from another export
    with pytest.raises(ArtifactError, match="SHA-256"):
        read_sidecar(artifact)
    artifact.write_bytes(b"another graph")
    with pytest.raises(ArtifactError, match="belongs to another export"):
        read_sidecar(artifact)
    data = json.loads(sidecar_path(artifact).read_text())
    del data["categories"]
    sidecar_path(artifact).write_text(json.dumps(data))
    with pytest.raises(ArtifactError, match="lacks categories"):
        read_sidecar(artifact)
    assert issubclass(ArtifactError, CheckpointError)


def test_engine_sidecar_environment_is_checked_before_loading():
    meta = {"format": ENGINE_FORMAT, "file": "m.engine", "tensorrt_version": "10.3.0", "gpu_name": "NVIDIA H100",
            "compute_capability": "9.0"}
    check_environment(meta, {"tensorrt_version": "10.3.0", "gpu_name": "NVIDIA H100", "compute_capability": "9.0"})
    with pytest.raises(RuntimeUnavailableError, match="gpu name 'NVIDIA H100'.*Rebuild"):
        check_environment(meta, {"tensorrt_version": "10.3.0", "gpu_name": "NVIDIA L4", "compute_capability": "8.9"})
