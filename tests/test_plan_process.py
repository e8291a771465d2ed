"""Planning in a child process gives the same plan as in-process, in pieces; errors keep their sentences."""
from __future__ import annotations


import pytest

import core.datasets.plan_process as pp
from core.datasets.coco import plan_coco_import
from core.datasets.kitti import plan_kitti_import
from core.datasets.synthetic import generate_coco, generate_video
from core.datasets.video_folders import plan_video_folders_import
from core.errors import DataError, JobStopped
from core.jobs.reporter import RecordingReporter
from data_fixtures import write_png


def test_coco_plan_is_the_same_as_in_process(tmp_path):
    ann = generate_coco(tmp_path / "shapes", 12, size=64, seed=0)
    reporter = RecordingReporter()
    remote = pp.plan_in_subprocess("coco", {"annotations_file": str(ann), "images_dir": str(ann.parent)}, reporter)
    local = plan_coco_import(ann, ann.parent)
    assert remote == local
    assert reporter.of("progress")[-1]["done"] == 12


def test_frames_carry_the_plan_in_chunks(tmp_path, monkeypatch):
    import io
    from types import SimpleNamespace

    ann = generate_coco(tmp_path / "shapes", 12, size=64, seed=0)
    plan = plan_coco_import(ann, ann.parent)
    plan.report.skipped("x", "a reason")
    monkeypatch.setattr(pp, "CHUNK", 5)
    buffer = io.BytesIO()
    pp._send_plan(pp._FrameWriter(buffer), plan)
    frames = buffer.getvalue()
    assert frames.count(b"chunk") >= 3 + len(plan.annotations) // 5   # images and annotations, 5 per frame
    rebuilt = pp._receive(SimpleNamespace(stdout=io.BytesIO(frames)), RecordingReporter())
    assert rebuilt == plan


def test_kitti_report_items_and_videos_come_back(tmp_path):
    write_png(tmp_path / "img" / "a.png", 20, 20)
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "a.txt").write_text("Car 0 0 0 1 1 9 9 1 1 1 1 1 1 0\nbad line\n")
    (tmp_path / "lab" / "orphan.txt").write_text("")
    kwargs = {"images_dir": str(tmp_path / "img"), "labels_dir": str(tmp_path / "lab")}
    remote = pp.plan_in_subprocess("kitti", kwargs)
    assert remote == plan_kitti_import(**kwargs) and len(remote.report.items) == 2
    generate_video(tmp_path / "v" / "wave" / "a.mp4", num_frames=3, size=16)
    assert pp.plan_in_subprocess("video_folders", {"root_dir": str(tmp_path / "v")}) == \
        plan_video_folders_import(tmp_path / "v")


def test_errors_keep_their_sentences(tmp_path):
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(DataError, match=r"bad.json is not valid JSON \(line 1"):
        pp.plan_in_subprocess("coco", {"annotations_file": str(tmp_path / "bad.json")})
    with pytest.raises(DataError, match="Unknown import format 'xml'"):
        pp.plan_in_subprocess("xml", {})
    with pytest.raises(DataError, match="failed unexpectedly .*TypeError"):
        pp.plan_in_subprocess("labelme", {"no_such_argument": 1})


def test_a_stop_request_kills_the_child(tmp_path):
    generate_coco(tmp_path / "shapes", 4, size=64, seed=0)
    reporter = RecordingReporter()
    reporter.request_stop()
    with pytest.raises(JobStopped):
        pp.plan_in_subprocess("coco", {"annotations_file": str(tmp_path / "shapes" / "annotations.json")}, reporter)
