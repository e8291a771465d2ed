"""`studio demo` end to end on a tiny configuration: every stage runs through its worker and the
report holds what the issue asks for."""
import json
from pathlib import Path

import cv2
import pytest
import yaml

from core.demo import MARKER, prepare_out_dir, run_demo
from core.families.instance_segmentation.demo import QUICK, DemoConfig
from core.errors import StudioError

TINY = DemoConfig("tiny", train_images=8, val_images=4, image_size=64, total_steps=6, batch_size=2,
                  warmup_steps=2, init_learning_rate=0.01, learning_rate_steps=(4,),
                  learning_rate_decay_levels=(0.1,), checkpoint_interval=3, num_steps_per_eval=0, video_frames=6)


def test_demo_writes_report_artifacts_and_video(tmp_path):
    out = tmp_path / "demo"
    events = []
    report = run_demo(out, on_event=events.append, config=TINY)
    saved = json.loads((out / "report.json").read_text())
    assert saved["task"] == "instance_segmentation"
    assert {"bbox_AP", "segm_AP"} <= set(saved["metrics"])
    assert saved["report_metrics"][0] == ["mask_AP", "segm AP"]             # the family's headline leads
    assert set(saved["artifacts"]) >= {"checkpoint", "onnx", "video"}
    assert set(saved["timings"]) >= {"data", "train", "evaluate", "export", "infer", "total"}
    for key in ("checkpoint", "onnx", "video"):
        assert Path(saved["artifacts"][key]).exists(), key
    cap = cv2.VideoCapture(saved["artifacts"]["video"])
    frames = 0
    while cap.read()[0]:
        frames += 1
    assert frames == TINY.video_frames
    md = (out / "report.md").read_text()
    assert "segm AP" in md and "ONNX export" in md
    assert report["train"]["steps"] == 6
    assert any(e.get("event") == "metric" and e.get("phase") == "train" for e in events)


def test_demo_replaces_only_its_own_folder(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("precious")
    with pytest.raises(StudioError, match="does not hold an earlier demo"):
        prepare_out_dir(foreign)
    assert (foreign / "thesis.txt").read_text() == "precious"
    old = tmp_path / "old"
    old.mkdir()
    (old / MARKER).write_text("x")
    (old / "report.json").write_text("{}")
    prepare_out_dir(old)
    assert not (old / "report.json").exists() and (old / MARKER).exists()


def test_quick_config_stays_within_its_three_minutes():
    # measured on 2 cores: 1,600 training images of 96 px (400 steps of 4) take about 110 s
    assert QUICK.total_steps * QUICK.batch_size <= 2000 and QUICK.image_size <= 96
    assert QUICK.warmup_steps < QUICK.learning_rate_steps[0] < QUICK.total_steps


def test_ctrl_c_ends_the_demo_without_evaluating_or_reporting(tmp_path):
    """Ctrl+C during the demo's training: the worker stops with a checkpoint, and the demo ends
    there (exit 130, a sentence) instead of evaluating and reporting a half-trained model."""
    import signal
    import subprocess
    import sys

    from conftest import ROOT
    from core.jobs.child_env import child_env

    out = tmp_path / "demo"
    script = (
        "import sys, core.families.instance_segmentation.demo as d\n"
        "d.DEMO.configs['quick'] = d.DemoConfig('tiny', train_images=8, val_images=4, image_size=64, total_steps=400, batch_size=2,"
        " warmup_steps=2, init_learning_rate=0.01, learning_rate_steps=(300,), learning_rate_decay_levels=(0.1,),"
        " checkpoint_interval=100, num_steps_per_eval=0, video_frames=6)\n"
        "from studio.cli import main\n"
        f"sys.exit(main(['demo', '--out', {str(out)!r}, '--quick']))\n")
    demo = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=child_env(), cwd=ROOT)
    printed = []
    for line in demo.stdout:
        printed.append(line)
        if line.startswith("step "):
            demo.send_signal(signal.SIGINT)
            break
    rest, err = demo.communicate(timeout=60)
    printed.append(rest)
    assert demo.returncode == 130, err
    assert "Stopped the train job at step" in err and "the demo stops here and writes no report" in err
    assert "== evaluate" not in "".join(printed)
    assert not (out / "report.json").exists() and not (out / "report.md").exists()


def test_a_demo_stage_that_stopped_ends_the_demo(tmp_path):
    """A stage that ends "stopped" (someone stopped its worker) is not a finished stage."""
    calls = []

    def runner(verb, project, on_event, **options):
        calls.append(verb)
        return 0, [{"event": "done", "status": "stopped", "step": 3}]

    with pytest.raises(StudioError, match="The demo's train step was stopped before it finished; the demo stops "
                                          "here and writes no report"):
        run_demo(tmp_path / "demo", config=TINY, runner=runner)
    assert calls == ["train"]
    assert not (tmp_path / "demo" / "report.json").exists()


@pytest.mark.slow
def test_the_gesture_demo_trains_both_stages_and_scores_the_cascade(tmp_path):
    from core.families.detection.demo import DemoConfig as DetectionConfig
    from core.families.gesture.demo import DemoConfig as GestureConfig

    detector = DetectionConfig("tiny", train_images=8, val_images=4, image_size=64, total_steps=4, batch_size=2,
                               warmup_steps=1, init_learning_rate=0.01, learning_rate_steps=(3,),
                               learning_rate_decay_levels=(0.1,), checkpoint_interval=2, num_steps_per_eval=0,
                               video_frames=3)
    tiny = GestureConfig("tiny", scenes=12, val_fraction=0.25, crop_margin=0.25, image_size=32, total_steps=4,
                         batch_size=4, warmup_steps=1, init_learning_rate=0.01, video_frames=4,
                         before={"detector": detector})
    out = tmp_path / "demo"
    report = run_demo(out, config=tiny, task="gesture")
    saved = json.loads((out / "report.json").read_text())
    assert saved["task"] == "gesture" and saved["report_metrics"][0] == ["accuracy", "gesture accuracy"]
    assert {"detection_recall", "gesture_accuracy", "end_to_end_accuracy"} <= set(saved["metrics"]["all"])
    assert saved["before"]["detector"]["metrics"]["all"]["AP"] is not None
    assert (out / "detector" / "report.json").exists() and (out / "cascade.json").exists()
    model = yaml.safe_load((out / "project" / "runs" / "demo" / "spec.yaml").read_text())["model"]
    assert Path(model["pretrained"]).parent.parent.parent.parent == out / "detector" / "project"   # its body
    assert model["pretrained"].endswith(".pt") and model["detector"].endswith(".onnx")
    assert "started from the hand detector's ResNet18 backbone" in saved["summary"]
    assert set(saved["timings"]) >= {"detector", "data", "train", "evaluate", "export", "infer", "cascade"}
    cap = cv2.VideoCapture(report["artifacts"]["video"])
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 4
