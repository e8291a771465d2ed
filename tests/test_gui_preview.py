"""The Preview page renders a model's predictions over a video off the GUI thread: frames with
overlays, pause/step/seek, live threshold and class filter (a paused frame is redrawn without
inference), timings, clear sentences for bad sources, and no thread left after closing."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.datasets.synthetic import generate_video
from core.families.base import Window
from core.families.instance_segmentation.family import FAMILY
from core.predictions import Instances
from core.runtime.tensorrt_backend import tensorrt_available
from core.runtime.torch_backend import TorchRunner
from optimize_preview_support import trained_project_copy
from studio.controllers.jobs import JobController
from studio.controllers.preview import wait_for_threads
from studio.pages.preview import PreviewPage
from studio.session import Session
from studio.ui.export_panel import choice_enabled

FRAMES = 8
LOAD_MS = 60_000


@pytest.fixture(scope="module")
def trained_root(tmp_path_factory):
    return trained_project_copy(tmp_path_factory)


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return generate_video(tmp_path_factory.mktemp("video") / "clip.mp4", num_frames=FRAMES, size=64, seed=3)


def raw_frames(path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


@pytest.fixture
def page(qtbot, trained_root):
    session, jobs = Session(), JobController()
    page = PreviewPage(session, jobs)
    qtbot.addWidget(page)
    session.open_project(trained_root)
    page.resize(1100, 700)
    page.show()
    qtbot.waitExposed(page)
    page.score.set_value(0.0)                      # the barely trained model scores low
    yield page
    page.preview.shutdown()
    jobs.stop_all(grace_ms=1000)
    jobs.wait_all(15_000)
    session.close_project()
    assert wait_for_threads(10_000)


def wait_frame(qtbot, page, predicate=lambda f: True, timeout=LOAD_MS):
    qtbot.waitUntil(lambda: page.preview.current is not None and predicate(page.preview.current), timeout=timeout)
    return page.preview.current


def pause_and_settle(qtbot, page):
    """Pause, then let the frame in flight (if any) arrive."""
    page.preview.pause()
    qtbot.wait(300)
    shown = -1
    while shown != page.preview.frames_shown:      # quiet for a whole inference time
        shown = page.preview.frames_shown
        qtbot.wait(1500)


def test_plays_a_video_with_overlays_and_timings(page, qtbot, video):
    page.open_source(str(video))
    first = wait_frame(qtbot, page)
    frame = wait_frame(qtbot, page, lambda f: f.index >= first.index + 1)
    assert not page.view.pixmap().isNull()
    assert page.view.pixmap().width() == 64
    raw = raw_frames(video)[frame.index]
    assert frame.detections > 0
    assert not np.array_equal(page.view.frame(), raw), "overlays are drawn over the frame"
    text = page.stats.text()
    for word in ("FPS", "decode", "inference", "draw", "detection", "PyTorch"):
        assert word in text
    assert page.transport.slider.maximum() == FRAMES - 1
    assert page.classes.names() == {1: "circle", 2: "square", 3: "triangle", 4: "star"}


def test_pause_step_seek_and_keys(page, qtbot, video):
    page.open_source(str(video))
    wait_frame(qtbot, page)
    qtbot.keyClick(page, Qt.Key.Key_Space)                           # pause
    assert page.preview.state == "paused"
    pause_and_settle(qtbot, page)
    shown = page.preview.frames_shown
    qtbot.wait(1200)
    assert page.preview.frames_shown == shown, "a paused preview receives no frames"

    page.transport.seek_requested.emit(5)                            # what the slider sends
    wait_frame(qtbot, page, lambda f: f.index == 5)
    assert page.preview.state == "paused"
    assert page.transport.slider.value() == 5
    assert page.transport.position.text() == f"frame 6 / {FRAMES}"
    qtbot.keyClick(page, Qt.Key.Key_Left)                            # back one frame
    wait_frame(qtbot, page, lambda f: f.index == 4)

    shown = page.preview.frames_shown
    qtbot.keyClick(page, Qt.Key.Key_Right)                           # step one frame
    qtbot.waitUntil(lambda: page.preview.frames_shown == shown + 1, timeout=LOAD_MS)
    assert page.preview.current_index == 5
    qtbot.wait(1200)
    assert page.preview.frames_shown == shown + 1, "a step shows exactly one frame"
    qtbot.keyClick(page, Qt.Key.Key_Period)
    wait_frame(qtbot, page, lambda f: f.index == 6)

    qtbot.keyClick(page, Qt.Key.Key_Space)                           # play to the end
    qtbot.waitUntil(lambda: page.preview.state == "ended", timeout=LOAD_MS)
    assert page.preview.current_index == FRAMES - 1


def test_threshold_and_class_filter_redraw_a_paused_frame_without_inference(page, qtbot, video, monkeypatch):
    calls = []
    original = TorchRunner.__call__

    def counting(self, images):
        calls.append(len(images))
        return original(self, images)

    monkeypatch.setattr(TorchRunner, "__call__", counting)
    page.open_source(str(video))
    wait_frame(qtbot, page)
    pause_and_settle(qtbot, page)
    before = page.preview.current
    assert before.detections > 0
    n_calls = len(calls)

    page.score.slider.setValue(100)                                  # confidence 1.00: nothing is shown
    after = wait_frame(qtbot, page, lambda f: f.redraw and f.detections == 0)
    assert after.index == before.index
    assert np.array_equal(page.view.frame(), raw_frames(video)[before.index]), "no overlay above 1.00"
    assert len(calls) == n_calls, "a redraw runs no inference"

    page.score.slider.setValue(0)
    wait_frame(qtbot, page, lambda f: f.redraw and f.detections == before.detections)
    labels = before.prediction.labels
    one = int(labels[0])
    for cid in page.classes.names():                                 # keep only one class
        item = page.classes.item_for(cid)
        item.setCheckState(Qt.CheckState.Checked if cid == one else Qt.CheckState.Unchecked)
    assert page.preview.classes == {one}
    wait_frame(qtbot, page, lambda f: f.redraw and f.detections == int((labels == one).sum()))
    qtbot.mouseClick(page.classes.none_button, Qt.MouseButton.LeftButton)
    wait_frame(qtbot, page, lambda f: f.redraw and f.detections == 0)
    assert len(calls) == n_calls


def test_bad_sources_say_why(page, qtbot, tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video at all")
    page.open_source(str(bad))
    qtbot.waitUntil(lambda: page.error_label.isVisible(), timeout=LOAD_MS)
    assert "Cannot open the video" in page.error_label.text() and "broken.mp4" in page.error_label.text()
    assert "Cannot open the video" in page.view.message()
    assert not page.transport.play.isEnabled()
    page.open_source(str(tmp_path / "missing.mp4"))
    qtbot.waitUntil(lambda: "does not exist" in page.error_label.text(), timeout=LOAD_MS)
    qtbot.waitUntil(lambda: not page.preview.is_running, timeout=10_000)


def test_backends_offered_for_a_checkpoint(page):
    combo = page.picker.backend_combo
    assert page.picker.choice().path.name == "model.pt"
    assert page.picker.backend() == "pytorch"
    assert not choice_enabled(combo, "onnxruntime")
    assert "export it to ONNX" in combo.itemData(combo.findData("onnxruntime"), Qt.ItemDataRole.ToolTipRole)
    ok, reason = tensorrt_available()
    assert choice_enabled(combo, "tensorrt") is False
    if not ok:
        assert combo.itemData(combo.findData("tensorrt"), Qt.ItemDataRole.ToolTipRole) == reason
    assert not choice_enabled(combo, "fastest")                      # no ONNX export to compare with yet


def test_closing_the_page_stops_the_thread(page, qtbot, video):
    page.open_source(str(video))
    wait_frame(qtbot, page)
    assert page.preview.is_running
    page.close()
    qtbot.waitUntil(lambda: not page.preview.is_running, timeout=20_000)
    assert page.preview.state == "idle"


def test_save_annotated_video_runs_as_a_job(page, qtbot, video, tmp_path):
    page.open_source(str(video))
    wait_frame(qtbot, page)
    out = tmp_path / "annotated.mp4"
    job = page.save_annotated(out)
    assert job.verb == "infer"
    qtbot.waitUntil(lambda: not job.is_active, timeout=240_000)
    assert job.status == "done", job.message
    assert len(raw_frames(out)) == FRAMES


class _InstantRunner:
    """A stand-in runner that answers at once: the pipeline outruns the GUI."""

    backend, device, task = "pytorch", "cpu", "instance_segmentation"
    class_names = {1: "thing"}

    def __init__(self, path):
        from core.runtime.base import Artifact

        self.family = FAMILY
        self.artifact = Artifact(path, "checkpoint", self.task, [], "")

    def __call__(self, images):
        import time

        time.sleep(0.004)                               # ~250 frames a second
        return [Instances.empty() for _ in images]

    window = Window()

    def draw(self, frame, prediction, score_threshold=0.5, classes=None):
        return frame

    def close(self):
        pass


def test_a_fast_pipeline_is_paced_and_the_latest_frame_wins(qtbot, tmp_path, monkeypatch):
    import time

    from studio.controllers import preview_worker
    from studio.controllers.preview import MAX_FPS, PreviewController

    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(90):
        cv2.imwrite(str(folder / f"{i:03d}.png"), np.full((24, 32, 3), i, np.uint8))
    monkeypatch.setattr(preview_worker, "load_runner", lambda path, backend, device: _InstantRunner(path))
    controller = PreviewController()
    indices, arrived = [], []
    controller.frame_shown.connect(lambda f: (indices.append(f.index), arrived.append(time.monotonic())))
    controller.open(["model.pt"], "pytorch", str(folder))
    thread = controller._thread
    qtbot.waitUntil(lambda: controller.state == "ended", timeout=30_000)
    qtbot.wait(200)                                    # the paced last frame lands
    elapsed = arrived[-1] - arrived[0]
    assert thread.produced == 90                       # every frame went through the pipeline
    assert indices == sorted(indices) and indices[-1] == 89, "the newest frame is the one shown"
    assert len(indices) < 90, "frames the GUI had no time for were skipped"
    assert len(indices) <= elapsed * MAX_FPS * 1.2 + 2, "at most ~30 frames a second reach the GUI"
    assert controller.shutdown(5000)
