"""The pose family end to end on tiny synthetic stick figures: the spec's input-size rule, a tiny
training through the shared trainer, the resolution trade-off through the real command line
(`studio evaluate --sizes`), the ONNX export scoring the same as PyTorch, and the one-keypoint-set
rule. Drawing and video live in test_pose_drawing.py."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from core.errors import DataError, SpecError  # noqa: E402
from core.project import catalog  # noqa: E402
from pose_fixtures import make_pose_project, tiny_pose_spec  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def studio(*args, check=True, timeout=600) -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, "-m", "studio.cli", *map(str, args)], capture_output=True, text=True,
                         cwd=ROOT, timeout=timeout)
    if check and out.returncode != 0:
        raise AssertionError(f"studio {' '.join(map(str, args))} exited {out.returncode}:\n{out.stdout}\n{out.stderr}")
    return out


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A pose project (16 images 64 px high) and run "r" trained for 8 steps, in process."""
    from core.jobs.reporter import NullReporter
    from core.setup.new_run import create_run_from_spec
    from core.training.trainer import train_run

    project = make_pose_project(tmp_path_factory.mktemp("pose") / "p", num_images=16, size=64, val=0.25)
    spec = tiny_pose_spec(total_steps=8)
    spec.model.test_score_threshold = 0.0
    create_run_from_spec(project, "r", spec)
    losses = []

    class Losses(NullReporter):
        def metrics(self, values, **kw):
            losses.append(values)

    train_run(project, "r", Losses())
    keypoint = [v["loss_keypoint"] for v in losses if "loss_keypoint" in v]
    assert len(keypoint) == 8 and np.isfinite(keypoint).all() and np.mean(keypoint[-3:]) < keypoint[0]
    root = project.root
    project.close()
    return root


def test_input_sides_must_be_multiples_of_32():
    from core.families.spec_lookup import default_spec_for
    from core.specs import validate_spec

    spec = default_spec_for("pose", "cpu")
    assert (spec.data.input_height, spec.data.input_width) == (128, 160)
    validate_spec(spec)
    spec.data.input_height, spec.data.input_width = 300, 384
    with pytest.raises(SpecError) as err:
        validate_spec(spec)
    assert str(err.value) == ("The spec is not valid: data.input_height must be a multiple of 32 (the backbone halves "
                              "the image five times), got 300; use 288 or 320.")


def test_a_tiny_training_learns_and_records_keypoint_metrics(trained):
    from core.project import Project, runs

    with Project.open(trained) as project:
        run = runs.get_run(project, "r")
        metrics = runs.latest_metrics(project, run.id)
        assert {"keypoints_AP", "keypoints_APm", "PCK", "AP"} <= set(metrics)
    assert (trained / "runs" / "r" / "checkpoints" / "model.pt").is_file()
    assert (trained / "runs" / "r" / "checkpoints" / "best.pt").is_file()
    gt = json.loads((trained / "runs" / "r" / "eval" / "step-8" / "gt.json").read_text())
    assert len(gt["info"]["kpt_oks_sigmas"]) == 14 and all("num_keypoints" in a for a in gt["annotations"])


def test_the_resolution_trade_off_through_the_command_line(trained):
    bad = studio("evaluate", trained, "--run", "r", "--sizes", "64x96,70x96", check=False)
    assert bad.returncode != 0
    assert "The input size 70x96 does not suit this model: data.input_height must be a multiple of 32" in bad.stderr
    assert studio("evaluate", trained, "--run", "r", "--sizes", "64 by 96", check=False).returncode != 0
    out = studio("evaluate", trained, "--run", "r", "--sizes", "64x96,96x128").stdout
    assert "keypoints_AP" in out and "ms/image" in out and "64x96" in out and "96x128" in out
    data = json.loads((trained / "runs" / "r" / "eval" / "sizes.json").read_text())
    assert [r["size"] for r in data["sizes"]] == ["64x96", "96x128"] and data["headline"] == "keypoints_AP"
    for row in data["sizes"]:
        assert row["latency_ms"] > 0 and row["ap"]["all"] == row["metrics"]["keypoints_AP"]
        assert row["ap"]["medium"] == row["metrics"]["keypoints_APm"]
        assert (trained / "runs" / "r" / "eval" / "sizes" / row["size"] / "predictions.json").is_file()
    assert data["trained_at"] == "64x96"


def test_onnx_export_scores_the_same_as_pytorch(trained, tmp_path):
    from core.evaluation.predict import evaluate_runner
    from core.project import Project
    from core.runtime import load_runner
    from core.runtime.convert import checkpoint_to_onnx

    ckpt = trained / "runs" / "r" / "checkpoints" / "model.pt"
    onnx_path = checkpoint_to_onnx(ckpt, tmp_path / "pose.onnx").path
    with Project.open(trained) as project:
        torch_runner, onnx_runner = load_runner(ckpt), load_runner(onnx_path)
        a = evaluate_runner(torch_runner, project, "val", tmp_path / "pt")["metrics"]
        b = evaluate_runner(onnx_runner, project, "val", tmp_path / "ort")["metrics"]
        assert a.keys() == b.keys()
        assert max(abs(a[k] - b[k]) for k in a) < 2e-3, {k: (a[k], b[k]) for k in a if abs(a[k] - b[k]) >= 2e-3}
        image = torch_runner.family.load_input(project, torch_runner.family.samples(project, "val")[0],
                                               torch_runner.spec)
        p, q = torch_runner([image])[0], onnx_runner([image])[0]
        assert len(p) == len(q) > 0 and p.keypoints.shape == q.keypoints.shape == (len(p), 14, 3)
        np.testing.assert_allclose(p.boxes, q.boxes, atol=0.05)
        np.testing.assert_allclose(p.keypoints[..., :2], q.keypoints[..., :2], atol=0.05)
        assert q.skeleton == p.skeleton and len(q.skeleton) == 13 + 1
        times = {}
        for name, runner in (("pytorch", torch_runner), ("onnxruntime", onnx_runner)):
            runner([image])
            t0 = time.perf_counter()
            for _ in range(3):
                runner([image])
            times[name] = (time.perf_counter() - t0) / 3 * 1000
        print(f"Keypoint R-CNN (tiny) per image: PyTorch {times['pytorch']:.1f} ms, ONNX Runtime "
              f"{times['onnxruntime']:.1f} ms")
        torch_runner.close(), onnx_runner.close()


def test_a_pose_model_needs_one_keypoint_set(tmp_path):
    from core.datasets.coco import plan_coco_import
    from core.datasets.plan import commit_import
    from core.families import get_family
    from data_fixtures import write_json, write_png

    write_png(tmp_path / "src" / "a.png", 40, 40)
    doc = {"images": [{"id": 1, "file_name": "a.png"}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 9, 9], "area": 81,
                            "keypoints": [2, 2, 2, 5, 5, 2], "num_keypoints": 2}],
           "categories": [{"id": 1, "name": "bird", "keypoints": ["beak", "tail"], "skeleton": [[1, 2]]},
                          {"id": 2, "name": "cat", "keypoints": ["nose"], "skeleton": []}]}
    project = make_pose_project(tmp_path / "p", num_images=2, size=64)
    commit_import(project, plan_coco_import(write_json(tmp_path / "src" / "ann.json", doc)))
    with pytest.raises(DataError) as err:
        get_family("pose").build_model(tiny_pose_spec(), catalog.categories(project))
    assert str(err.value) == (
        "A pose model cannot be made for this project: categories 'figure' (14 keypoints (left_shoulder, "
        "right_shoulder, left_elbow, ...)) and 'bird' (2 keypoints (beak, tail)) have different keypoints; a pose "
        "model predicts one keypoint set, so keep one of them (or give them the same keypoint names).")
    project.close()


def test_skeletons_over_a_generated_video(trained, tmp_path):
    """The pose model over a generated video of walking stick figures, through the real inference
    pipeline: every frame comes out with its skeletons drawn, each limb in its own colour."""
    import cv2

    from core.datasets.synthetic_pose import generate_pose_video
    from core.inference.pipeline import run_inference
    from core.runtime import load_runner
    video = generate_pose_video(tmp_path / "walk.mp4", num_frames=8, size=(96, 128), seed=3)
    runner = load_runner(trained / "runs" / "r" / "checkpoints" / "model.pt")
    out = tmp_path / "frames"
    result = run_inference(runner, None, video, out, score_threshold=0.0, show_fps=False)
    runner.close()
    assert result["frames"] == 8 and result["detections"] > 0
    written = sorted(out.glob("*.png"))
    assert len(written) == 8
    cap = cv2.VideoCapture(str(video))
    ok, first_in = cap.read()
    cap.release()
    first_out = cv2.imread(str(written[0]))
    assert ok and first_out.shape == first_in.shape
    assert np.abs(first_out.astype(int) - first_in.astype(int)).mean() > 5      # the overlay is drawn
    # the skeleton of each person as the pipeline's draw drew it (limb colours: test_pose_drawing.py)
    pred = result_prediction = load_runner(trained / "runs" / "r" / "checkpoints" / "model.pt")(
        [cv2.cvtColor(first_in, cv2.COLOR_BGR2RGB)])[0]
    assert result_prediction.keypoints.shape[1:] == (14, 3) and len(pred.skeleton) == 14


def test_int8_calibration_samples_images_by_keypoints_per_person(tmp_path):
    """`--cal-sample min-keypoints --cal-min N` draws only images holding a person with at least N
    labeled keypoints (v > 0), counted here from the stored keypoints themselves."""
    from core.families import get_family
    from core.optimize.ptq import CalibrationError, CalibrationSettings, choose_samples

    project = make_pose_project(tmp_path / "p", num_images=16, size=64)
    family = get_family("pose")
    train = family.samples(project, "train")
    best = {}
    for image_id, kps in project.conn.execute("SELECT image_id, keypoints FROM annotations").fetchall():
        labeled = sum(1 for v in json.loads(kps)[2::3] if v > 0)
        best[image_id] = max(best.get(image_id, 0), labeled)
    counts = sorted({best.get(s.image_id, 0) for s in train})
    n = counts[len(counts) // 2]                        # a minimum that some train images meet and some do not
    eligible = {s.image_id for s in train if best.get(s.image_id, 0) >= n}
    assert 0 < len(eligible) < len(train)
    chosen = choose_samples(family, project, CalibrationSettings(batch_size=1, batches=len(eligible),
                                                                 sample="min-keypoints", minimum=n))
    assert {s.image_id for s in chosen} == eligible
    with pytest.raises(CalibrationError, match=f"that hold a person with at least {n} labelled keypoint"):
        choose_samples(family, project, CalibrationSettings(batch_size=1, batches=len(eligible) + 1,
                                                            sample="min-keypoints", minimum=n))
    project.close()


def test_the_pose_demo_prepares_its_data_spec_and_video(tmp_path):
    """The pose parts of `studio demo --task pose` (the stages around them are the shared demo's,
    tested in test_demo.py): its data imported and split, specs that validate, the video."""
    import dataclasses

    import cv2

    from core.demo import demo_for
    from core.families import get_family
    from core.families.pose.demo import FULL, QUICK
    from core.project import Project
    from core.specs import validate_spec

    demo = demo_for("pose")
    for config in (FULL, QUICK):
        spec = demo.spec(config)
        validate_spec(spec)
        assert (spec.data.input_height, spec.data.input_width) == (128, 160)
        assert spec.train.total_steps == config.total_steps and spec.train.batch_size == config.batch_size
    tiny = dataclasses.replace(QUICK, train_images=6, val_images=2, image_size=64, video_frames=3)
    with Project.create(tmp_path / "p", "pose") as project:
        data = demo.prepare(project, tiny)
        family = get_family("pose")
        assert data["images"] == 8 and data["annotations"] >= 8 and data["image_size"] == "64x80"
        assert len(family.samples(project, "train")) + len(family.samples(project, "val")) == 8
        assert len(family.samples(project, "val")) >= 1
        assert [c.keypoints.size for c in catalog.categories(project)] == [14]
    cap = cv2.VideoCapture(str(demo.video(tmp_path, tiny)))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    assert len(frames) == 3 and frames[0].shape[:2] == (96, 120)
