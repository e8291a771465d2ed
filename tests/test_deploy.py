"""Exports for deployment, for every family: post-training INT8 (a Q/DQ graph ONNX Runtime runs, a
TensorRT calibration cache of its activation scales), FP16, DeepStream and Triton files that parse
and agree with the model, a model card, the INT8 guardrail's advice; calibration with too few
samples refused with a sentence; the TensorRT build's pure parts (profiles, sidecars) without a GPU."""
from __future__ import annotations

import json
import struct

import numpy as np
import pytest

pytest.importorskip("torch")

from family_smoke import smoke_project, trainable_tasks, with_toy  # noqa: E402


@pytest.mark.parametrize("task", trainable_tasks())
def test_each_family_exports_int8_with_deepstream_triton_and_a_model_card(task, tmp_path):
    import onnx

    from core.deploy.deepstream import class_names, read_config
    from core.deploy.export import ExportRequest, export_run
    from core.deploy.triton import parse_pbtxt
    from core.fsutil import sha256_file
    from core.optimize.ptq import activation_scales, read_calibration_cache
    from core.runtime import load_runner, read_artifact

    with with_toy():
        project, run = smoke_project(tmp_path, task)
        result = export_run(project, ExportRequest(run=run, precision="int8", cal_batch_size=2, cal_batches=2,
                                                   latency_runs=2))
        int8 = result.artifact
        assert int8.name == "model.int8.onnx" and result.precision == "int8"
        ops = [n.op_type for n in onnx.load(str(int8)).graph.node]
        assert ops.count("QuantizeLinear") > 0
        artifact = read_artifact(int8)
        assert artifact.meta["precision"] == "int8" and artifact.meta["quantization"]["calibration_samples"] == 4
        with load_runner(int8) as runner:                                       # ONNX Runtime runs it
            x = runner.family.load_input(project, runner.family.samples(project, "val")[0], runner.spec)
            assert len(runner([x])) == 1
        assert result.metrics and set(result.delta) <= set(result.metrics)      # evaluated: the guardrail

        cache = read_calibration_cache(result.calibration_cache)                 # TensorRT's text format
        first = result.calibration_cache.read_text().splitlines()[0]
        assert first.startswith("TRT-") and first.endswith("EntropyCalibration2")
        scales = activation_scales(int8)
        assert cache.keys() == scales.keys() and all(abs(cache[k] - scales[k]) < 1e-12 for k in cache)
        line = result.calibration_cache.read_text().splitlines()[1]
        name, hexed = line.rsplit(": ", 1)
        assert len(hexed) == 8 and struct.unpack(">f", bytes.fromhex(hexed))[0] == pytest.approx(scales[name])

        folder = result.deploy_dir
        infer = read_config(next(folder.glob("config_infer_*.txt")))["property"]
        graph = runner.family.graph(runner.spec)
        shape = list(np.shape(runner.family.example_inputs(runner.spec)[graph.inputs[0]]))
        assert (folder / infer["onnx-file"]).is_file() and infer["network-mode"] == "1"
        assert (folder / infer["int8-calib-file"]).is_file()
        labels = (folder / infer["labelfile-path"]).read_text().split()
        assert labels == class_names(artifact.categories) and int(infer["num-detected-classes"]) == len(labels)
        assert infer["infer-dims"] == ";".join(map(str, shape[1:] if graph.batched else shape))
        assert float(infer["net-scale-factor"]) == pytest.approx(runner.family.input_format(runner.spec).scale)
        for key, value in runner.family.deepstream(runner.spec).items():
            assert infer[key] == str(value)                                       # the family's network-type ...
        app = read_config(next(folder.glob("deepstream_app_*.txt")))
        assert app["primary-gie"]["config-file"].startswith("config_infer_")

        config = parse_pbtxt(next(folder.glob("triton/*/config.pbtxt")).read_text())
        assert config["platform"] == "onnxruntime_onnx"
        assert [i["name"] for i in config["input"]] == list(graph.inputs)
        assert [o["name"] for o in config["output"]] == list(graph.outputs)
        assert config["max_batch_size"] == (8 if graph.batched else 0)
        assert ("dynamic_batching" in config) == graph.batched
        model_dir = next(folder.glob("triton/*/1"))
        assert sha256_file(model_dir / "model.onnx") == sha256_file(int8)

        card = json.loads(int8.with_name(int8.name + ".card.json").read_text())
        assert card["family"]["name"] == task and card["artifact"]["precision"] == "int8"
        assert card["training"]["steps"] == runner.spec.train.total_steps and card["training"]["batch_size"]
        assert card["metrics"] == result.metrics and card["throughput"]["latency_ms_p50"] > 0
        assert card["hashes"][int8.name] == sha256_file(int8) and card["data"]["per_class"]
        md = int8.with_name(int8.name + ".card.md").read_text()
        assert "Model card" in md and "Speed on the exporting machine" in md

        from core.families import family_info
        from core.project.runs import get_run
        from studio.commands.runs import _guardrail_rows               # what `studio runs show` prints

        headline = family_info(task).headline_metric
        rows = {r["path"]: r for r in _guardrail_rows(project, get_run(project, run))}
        trained = next(r for r in rows.values() if r["role"] == "trained")
        shown = next(r for p, r in rows.items() if p.endswith("model.int8.onnx"))
        assert shown["value"] == result.metrics[headline] and shown["delta"] == pytest.approx(
            result.metrics[headline] - trained["value"])
        assert shown["latency_ms"] == card["throughput"]["latency_ms_p50"] and shown["card"].endswith(".card.md")
        assert shown["deploy_dir"] == str(folder)


def test_fp16_export_keeps_fp32_inputs_and_runs(tmp_path):
    import onnx

    from core.deploy.export import ExportRequest, export_run
    from core.runtime import load_runner

    with with_toy():
        project, run = smoke_project(tmp_path, "toy_colors")
        result = export_run(project, ExportRequest(run=run, precision="fp16", deploy=False))
        graph = onnx.load(str(result.artifact)).graph
        assert graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT      # FP32 in and out
        assert any(i.data_type == onnx.TensorProto.FLOAT16 for i in graph.initializer)  # FP16 weights
        assert abs(result.delta.get("accuracy", 0.0)) <= 0.01
        with load_runner(result.artifact) as runner:
            assert runner.artifact.meta["precision"] == "fp16"


def test_calibration_with_too_few_samples_is_refused_and_writes_nothing(tmp_path):
    from core.deploy.export import ExportRequest, export_run
    from core.optimize.ptq import CalibrationError

    with with_toy():
        project, run = smoke_project(tmp_path, "toy_colors")
        train = len(project.conn.execute("SELECT 1 FROM sample_splits WHERE split = 'train'").fetchall())
        with pytest.raises(CalibrationError) as err:
            export_run(project, ExportRequest(run=run, precision="int8", cal_batch_size=8, cal_batches=4))
        assert str(err.value) == (f"INT8 calibration needs at least --cal-batch-size x --cal-batches = 8 x 4 = 32 "
                                  f"samples, but the 'train' split has {train}; lower the batch size or the number of "
                                  "batches, or calibrate on another split.")
        assert not list(project.run_dir(run).glob("exports/*.int8.*"))


def test_the_int8_guardrail_advises_qat_beyond_one_point():
    from core.deploy.export import int8_warning

    assert int8_warning("int8", {"mask_AP": -0.005}, "mask_AP", "studio qat p --run r") is None
    assert int8_warning("fp32", {"mask_AP": -0.2}, "mask_AP", "studio qat p --run r") is None
    warning = int8_warning("int8", {"mask_AP": -0.023}, "mask_AP", "studio qat p --run r")
    assert warning == ("The INT8 export loses 2.3 points of mask_AP against the trained model (more than 1): run "
                       "quantization-aware training (`studio qat p --run r`) and export that run instead.")


def test_tensorrt_profiles_and_sidecars_without_a_gpu(tmp_path):
    from types import SimpleNamespace

    from core.deploy.tensorrt_build import engine_meta, optimization_profile, profile_text
    from core.families.base import GraphSpec
    from core.runtime.sidecar import ENGINE_FORMAT, REQUIRED

    export = SimpleNamespace(opt_batch_size=1, max_batch_size=2)
    batched = GraphSpec(("input_1",), ("scores",), batched=True)
    profile = optimization_profile(batched, {"input_1": np.zeros((1, 3, 160, 160), np.float32)}, export)
    assert profile_text(profile) == "input_1,1x3x160x160,1x3x160x160,2x3x160x160"   # TAO's hand-detector profile
    one_image = GraphSpec(("image",), ("boxes",), dynamic_axes={"image": {1: "height", 2: "width"}})
    assert optimization_profile(one_image, {"image": np.zeros((3, 128, 128))}, export) == {
        "image": ((3, 64, 64), (3, 128, 128), (3, 256, 256))}
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"graph")
    env = {"tensorrt_version": "10.3.0", "cuda_version": "12.6", "gpu_name": "NVIDIA H200", "compute_capability": "9.0"}
    meta = engine_meta({"task": "t", "categories": [], "spec": "", "inputs": [], "outputs": [], "file": "m.onnx"},
                       onnx, "int8", profile, env)
    assert meta["format"] == ENGINE_FORMAT and all(k in meta for k in REQUIRED[ENGINE_FORMAT])
    assert meta["source_onnx"] == "m.onnx" and len(meta["source_onnx_sha256"]) == 64 and "file" not in meta


def test_an_engine_export_without_tensorrt_says_why(tmp_path):
    from core.deploy.export import ExportRequest, export_run
    from core.errors import ExportError
    from core.runtime.tensorrt_backend import tensorrt_available

    ok, reason = tensorrt_available()
    if ok:
        pytest.skip("TensorRT is available here")
    with with_toy():
        project, run = smoke_project(tmp_path, "toy_colors")
        with pytest.raises(ExportError, match="A TensorRT engine cannot be built here: TensorRT is not installed"):
            export_run(project, ExportRequest(run=run, format="engine"))


def test_an_engine_from_another_machine_names_its_onnx_and_the_rebuild(tmp_path, capsys):
    from core.deploy.tensorrt_build import engine_meta, rebuild_source
    from core.errors import RuntimeUnavailableError
    from core.runtime.sidecar import check_environment, read_sidecar, write_sidecar
    from core.runtime.tensorrt_backend import tensorrt_available
    from studio.cli import main

    onnx = tmp_path / "model.int8.onnx"
    onnx.write_bytes(b"graph")
    engine = tmp_path / "model.int8.engine"
    engine.write_bytes(b"plan")
    built_on = {"tensorrt_version": "10.3.0", "cuda_version": "12.6", "gpu_name": "NVIDIA H200",
                "compute_capability": "9.0"}
    profile = {"input_1": ((1, 3, 64, 64), (1, 3, 64, 64), (2, 3, 64, 64))}
    meta = engine_meta({"task": "t", "categories": [], "spec": "", "inputs": [], "outputs": []}, onnx, "int8",
                       profile, built_on)
    write_sidecar(engine, meta)
    stored = read_sidecar(engine)
    here = {**built_on, "gpu_name": "NVIDIA L4", "compute_capability": "8.9"}
    with pytest.raises(RuntimeUnavailableError) as err:
        check_environment(stored, here)
    assert str(err.value) == ("model.int8.engine was built for another environment: gpu name 'NVIDIA H200' (here "
                              "'NVIDIA L4'); compute capability '9.0' (here '8.9'). Rebuild it on this machine from its "
                              "ONNX model.int8.onnx: `studio rebuild-engine model.int8.engine`.")
    assert rebuild_source(engine) == (onnx, "int8", profile)        # what a rebuild takes from the sidecar
    ok, reason = tensorrt_available()
    if not ok:                                                      # here: the availability sentence, exit 2
        assert main(["rebuild-engine", str(engine)]) == 2
        assert "A TensorRT engine cannot be built here" in capsys.readouterr().err
    onnx.write_bytes(b"another graph")
    assert main(["rebuild-engine", str(engine)]) == 2
    assert ("model.int8.onnx is not the ONNX model.int8.engine was built from (its SHA-256 differs)"
            in capsys.readouterr().err)


def test_four_clip_sources_get_their_rois_one_batch_and_a_2x2_display(tmp_path):
    from types import SimpleNamespace

    from core.deploy import deepstream as ds
    from core.errors import ExportError

    fmt = SimpleNamespace(color="RGB", scale=1 / 255, offsets=(0.0, 0.0, 0.0))
    groups = ds.preprocess_config(name="a", example_shape=[1, 3, 32, 224, 224], three_d=True, stride=1, subsample=0,
                                  input_format=fmt, sources=4, rois=[(0, 0, 100, 120), None, (10, 20, 30, 40)])
    assert groups["property"]["network-input-shape"] == "4;3;32;224;224"       # N;3;T;H;W, one clip per source
    g = groups["group-0"]
    assert g["src-ids"] == "0;1;2;3"
    assert [g[f"roi-params-src-{i}"] for i in range(4)] == ["0;0;100;120", "0;0;224;224", "10;20;30;40",
                                                            "0;0;224;224"]
    app = ds.read_config(ds.write_app(tmp_path / "app.txt", tmp_path / "infer.txt", "a",
                                      preprocess=tmp_path / "pre.txt", sources=4))
    assert (app["tiled-display"]["rows"], app["tiled-display"]["columns"]) == ("2", "2")
    assert app["source0"]["num-sources"] == "4" and app["streammux"]["batch-size"] == "4"
    assert [ds.tile_grid(n) for n in (1, 2, 3, 5, 9)] == [(1, 1), (1, 2), (2, 2), (2, 3), (3, 3)]
    assert ds.parse_roi("full") is None and ds.parse_roi("1,2,3,4") == (1, 2, 3, 4)
    with pytest.raises(ExportError, match=r"--roi takes x,y,w,h in pixels \(or full\); got '1,2'"):
        ds.parse_roi("1,2")
