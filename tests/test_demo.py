"""`studio demo` end to end on a tiny configuration: every stage runs through its worker and the
report holds what the issue asks for."""
import json
from pathlib import Path

import cv2
import pytest

from core.demo import MARKER, QUICK, DemoConfig, prepare_out_dir, run_demo
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
