"""The whole command line, as a user types it: project, data, spec, train, evaluate, export,
infer, runs. Evaluation numbers are checked against pycocotools called directly."""
import contextlib
import io
import json

import cv2
import pytest

from conftest import tiny_spec
from core.datasets.synthetic import generate_coco, generate_video
from core.project import Project, runs
from core.specs import save_spec_file
from studio.cli import main


def studio(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([str(a) for a in args])
    assert code == 0, out.getvalue()
    return out.getvalue()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    ann = generate_coco(tmp / "shapes", num_images=14, size=64, seed=3)
    proj = tmp / "proj"
    studio("project", "new", proj, "--task", "instance_segmentation")
    out = studio("data", "import", proj, "--format", "coco", "--annotations", ann, "--images", ann.parent)
    assert "14" in out
    studio("data", "split", proj, "--val", "0.3", "--seed", "0")
    spec_file = tmp / "spec.yaml"
    save_spec_file(tiny_spec(total_steps=4), spec_file)
    out = studio("train", proj, "--spec", spec_file, "--run", "r1")
    assert "step 4/4" in out and "Run r1 done at step 4." in out
    return tmp, proj


def test_stats_and_spec_default(trained, tmp_path):
    _, proj = trained
    stats = json.loads(studio("data", "stats", proj, "--json"))
    assert stats["images"] == 14
    assert stats["splits"]["val"] + stats["splits"]["train"] == 14
    text = studio("spec", "default", "--task", "instance_segmentation", "--profile", "cpu")
    (tmp_path / "s.yaml").write_text(text)
    assert "Valid" in studio("spec", "check", tmp_path / "s.yaml", "--task", "instance_segmentation").title()


def test_evaluate_equals_pycocotools_called_directly(trained):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    _, proj = trained
    out = studio("evaluate", proj, "--run", "r1")
    assert "mask_AP" in out
    metrics_file = proj / "runs" / "r1" / "eval" / "metrics.json"
    stored = json.loads(metrics_file.read_text())["metrics"]
    gt = COCO(str(metrics_file.parent / "gt.json"))
    predictions = json.loads((metrics_file.parent / "predictions.json").read_text())
    names = ("AP", "AP50", "AP75", "APs", "APm", "APl", "ARmax1", "ARmax10", "ARmax100", "ARs", "ARm", "ARl")
    if not predictions:  # an untrained model may find nothing; then every metric is 0
        assert all(v == 0.0 for v in stored.values())
        return
    dt = gt.loadRes(predictions)
    for iou_type, prefix in (("bbox", ""), ("segm", "mask_")):
        ev = COCOeval(gt, dt, iou_type)
        ev.evaluate(), ev.accumulate(), ev.summarize()
        for name, value in zip(names, ev.stats):
            assert stored[prefix + name] == float(value), (prefix + name)


def test_export_infer_and_runs(trained):
    tmp, proj = trained
    out = studio("export", proj, "--run", "r1", "--format", "onnx")
    onnx = proj / "runs" / "r1" / "exports" / "model.onnx"
    assert onnx.is_file() and (proj / "runs" / "r1" / "exports" / "model.onnx.json").is_file()
    assert "vs trained model" in out
    video = generate_video(tmp / "in.mp4", num_frames=10, size=64, seed=5)
    out = studio("infer", proj, "--artifact", onnx, "--video", video, "--out", tmp / "out.mp4", "--run", "r1")
    assert "Wrote 10 frames" in out
    cap = cv2.VideoCapture(str(tmp / "out.mp4"))
    frames = 0
    while cap.read()[0]:
        frames += 1
    assert frames == 10
    listing = studio("runs", "list", proj)
    assert "r1" in listing and "done" in listing
    shown = json.loads(studio("runs", "show", proj, "r1", "--json"))
    kinds = {a["kind"] for a in shown["artifacts"]}
    assert {"checkpoint", "onnx", "annotated_video"} <= kinds
    assert shown["curve"]["points"] == 4


def test_infer_keeps_image_names_and_says_when_a_video_ends_early(trained):
    from video_fixtures import truncated_avi

    tmp, proj = trained
    with Project.open(proj) as project:
        run = runs.get_run(project, "r1")
        ckpt = next(a.path for a in runs.artifacts(project, run.id) if a.kind == "checkpoint")
    images = tmp / "pictures"
    images.mkdir()
    for name in ("street.jpg", "yard.png"):
        cv2.imwrite(str(images / name), cv2.imread(str(next((tmp / "shapes" / "images").iterdir()))))
    out = studio("infer", proj, "--artifact", proj / ckpt, "--images", images, "--out", tmp / "annotated")
    assert "Wrote 2 frames to" in out
    assert sorted(p.name for p in (tmp / "annotated").iterdir()) == ["street.png", "yard.png"]

    cut = truncated_avi(tmp / "cut.avi", frames=24, keep=13)
    out = studio("infer", proj, "--artifact", proj / ckpt, "--video", cut, "--out", tmp / "cut-out.mp4")
    sentence = "The input ended at frame 13 of 24: cut.avi holds fewer frames than its header claims"
    assert sentence in out and "Wrote 13 frames (the input ended at frame 13 of 24)" in out
    logs = sorted((proj / "logs").glob("infer-*.events.jsonl"))
    events = [json.loads(line) for line in logs[-1].read_text().splitlines()]
    assert any(e["event"] == "log" and e["level"] == "warning" and sentence in e["message"] for e in events)
    done = [e for e in events if e["event"] == "done"][-1]
    assert done["input_ended"]["frame"] == 13 and done["input_ended"]["of"] == 24 and done["frames"] == 13


def test_bad_input_gives_a_sentence_not_a_traceback(tmp_path, capsys):
    assert main(["project", "new", str(tmp_path / "p"), "--task", "instance_segmentation"]) == 0
    assert main(["train", str(tmp_path / "p"), "--run", "x"]) == 2       # refused before a run is made
    assert "The 'train' split has no images: import data and split it first" in capsys.readouterr().err
    assert not (tmp_path / "p" / "runs" / "x").exists()
    with Project.open(tmp_path / "p") as project:
        assert runs.list_runs(project) == []
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["data", "import", str(tmp_path / "p"), "--format", "coco", "--annotations", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("studio: ") and "not valid JSON" in err and "Traceback" not in err


def test_a_stopped_evaluation_stores_nothing(trained):
    from core.errors import JobStopped
    from core.evaluation.artifact import evaluate_artifact
    from core.jobs.reporter import RecordingReporter
    from core.project import Project

    stopping = RecordingReporter()
    stopping.request_stop()
    _, proj = trained
    with Project.open(proj) as project:
        before = project.conn.execute("SELECT count(*) FROM metrics").fetchone()[0]
        with pytest.raises(JobStopped, match="no metrics were stored"):
            evaluate_artifact(project, "r1", None, "val", "pytorch", stopping)
        assert project.conn.execute("SELECT count(*) FROM metrics").fetchone()[0] == before


def test_total_steps_sizes_the_schedule_of_a_new_run(make_seg_project, tmp_path, monkeypatch, capsys):
    import yaml

    import studio.commands.train as train_command
    from core.specs import load_spec_file
    from core.families.instance_segmentation.spec import InstanceSegmentationSpec

    text = studio("spec", "default", "--task", "instance_segmentation", "--profile", "cpu", "--total-steps", "60")
    t = yaml.safe_load(text)["train"]
    assert (t["total_steps"], t["warmup_steps"], t["learning_rate_steps"], t["checkpoint_interval"]) == (
        60, 6, [42, 54], 3)

    started = []
    monkeypatch.setattr(train_command, "run_job", lambda verb, root, on_event, run, **o: (
        started.append(run) or (0, [{"event": "done", "status": "done", "step": 60}])))
    project = make_seg_project(num_images=4)
    studio("train", project.root, "--run", "short", "--profile", "cpu", "--total-steps", "60")
    spec = load_spec_file(InstanceSegmentationSpec, project.run_dir("short") / "spec.yaml")
    assert (spec.train.total_steps, spec.train.warmup_steps, spec.train.learning_rate_steps) == (60, 6, [42, 54])
    assert runs.get_run(project, "short").total_steps == 60 and started == ["short"]
    # a given spec is resized the same way
    spec_file = tmp_path / "given.yaml"
    save_spec_file(tiny_spec(total_steps=40, warmup_steps=4, learning_rate_steps=[20, 30],
                             learning_rate_decay_levels=[0.1, 0.01]), spec_file)
    studio("train", project.root, "--run", "given", "--spec", spec_file, "--total-steps", "80")
    t = load_spec_file(InstanceSegmentationSpec, project.run_dir("given") / "spec.yaml").train
    assert (t.total_steps, t.warmup_steps, t.learning_rate_steps) == (80, 8, [40, 60])
    # an existing run keeps its own
    capsys.readouterr()
    assert main(["train", str(project.root), "--run", "given", "--total-steps", "10"]) == 2
    err = capsys.readouterr().err
    assert "Run 'given' already exists and resumes with its own spec; leave out --total-steps" in err


def test_an_empty_spec_file_is_refused_and_makes_no_run(make_seg_project, tmp_path, capsys):
    project = make_seg_project(num_images=4)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert main(["train", str(project.root), "--spec", str(empty), "--run", "e"]) == 2
    err = capsys.readouterr().err
    assert f"studio: The spec file {empty} is empty" in err
    assert "studio spec default --task instance_segmentation" in err
    assert runs.list_runs(project) == [] and not project.run_dir("e").exists()
    assert main(["spec", "check", str(empty), "--task", "instance_segmentation"]) == 2
