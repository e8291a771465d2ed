"""Action recognition in the real main window: the Data page plays a clip as a filmstrip (and on
hover), the Train page says the epoch beside the step, and the Preview page tiles four sources 2x2
with one batch per step, and a region of interest drawn with the mouse limits where the model
looks in one of them."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QEnterEvent
from PySide6.QtWidgets import QApplication

pytest.importorskip("torch")

from action_fixtures import action_project, tiny_action_spec  # noqa: E402

LOAD_MS = 60_000


@pytest.fixture
def action_root(tmp_path):
    from core.setup.new_run import create_run_from_spec
    from core.training.trainer import train_run
    from workers.channel import WorkerReporter

    project = action_project(tmp_path, per_class=2, size=32, frames=12)
    spec = tiny_action_spec("2d", epochs=2, size=32)
    create_run_from_spec(project, "r", spec)
    reporter = WorkerReporter("train", None, project.run_dir("r") / "events.jsonl")
    train_run(project, "r", reporter)
    reporter.close()
    root = project.root
    project.close()
    return root


@pytest.fixture
def window(qtbot):
    from studio.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    yield w
    w.page("preview").preview.stop()
    w.session.close_project()


@pytest.mark.slow
def test_actions_in_the_main_window(qtbot, window, action_root, tmp_path):
    from core.datasets.synthetic_clips import generate_action_video
    from core.runtime.torch_backend import TorchRunner

    assert window.open_project(str(action_root))

    # Data: the clips, one played as a filmstrip
    window.show_page("data")
    data = window.page("data")
    qtbot.waitUntil(lambda: data.clips.table.rowCount() == 6, timeout=LOAD_MS)
    assert data.actions.split_button.isEnabled() and data.actions.export_button.text() == "Export frame folders…"
    data.clips.table.selectRow(0)
    strip = data.clips.frame
    qtbot.waitUntil(lambda: strip.loaded, timeout=LOAD_MS)
    assert strip.strip_frames == [0, 2, 3, 5, 6, 8, 9, 11] and len(strip.cells) == 16   # 8 frames and their numbers
    assert not strip.player.pixmap().isNull()
    center = QPointF(strip.player.rect().center())
    QApplication.sendEvent(strip, QEnterEvent(center, center, QPointF(strip.mapToGlobal(center.toPoint()))))
    qtbot.waitUntil(lambda: strip.play_index >= 2, timeout=5000)          # it plays while the pointer rests on it
    QApplication.sendEvent(strip, QEvent(QEvent.Type.Leave))
    assert strip.play_index == 0 and not strip.hovered

    # Train: the epoch beside the step
    window.show_page("train")
    dash = window.page("train").dashboard
    qtbot.waitUntil(lambda: "epoch 2 / 2" in dash.progress.format(), timeout=LOAD_MS)

    # Preview: four sources tiled, one batch per step; then a ROI drawn on the second one
    window.show_page("preview")
    preview = window.page("preview")
    combo = preview.picker.model_combo
    combo.setCurrentIndex(next(i for i in range(combo.count()) if "model.pt" in combo.itemText(i)))
    videos = [generate_action_video(tmp_path / f"in{k}.mp4", segments=1, segment_frames=16, size=32, seed=k,
                                    scale=2)[0] for k in range(4)]
    batches = []
    original = TorchRunner.__call__

    def counting(self, clips):
        batches.append([c.shape for c in clips])
        return original(self, clips)

    TorchRunner.__call__ = counting
    try:
        preview.open_source(str(videos[0]))
        for v in videos[1:]:
            preview.add_source(str(v))
        assert preview.source_picker.label.text() == "in0.mp4 + in1.mp4 + in2.mp4 + in3.mp4"
        assert not preview.source_picker.add_button.isEnabled()              # four is the most
        qtbot.waitUntil(lambda: preview.preview.current is not None and preview.preview.current.index >= 6,
                        timeout=LOAD_MS)
        assert preview.preview.current.image.shape == (2 * 64, 2 * 64, 3)   # 2x2 tiles of 64 px
        assert [4] in [[len(b)] for b in batches]                           # the four clips in one call
        preview.preview.pause()
        qtbot.wait(500)
        view = preview.view
        qtbot.mouseClick(preview.roi_button, Qt.MouseButton.LeftButton)
        assert view.drawing
        # drag inside the top-right tile: image pixels (64 + 8, 8) to (64 + 40, 40)
        start, end = view.to_widget(64 + 8, 8), view.to_widget(64 + 40, 40)
        batches.clear()
        qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(int(start.x()), int(start.y())))
        qtbot.mouseMove(view, QPoint(int(end.x()), int(end.y())))
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(int(end.x()), int(end.y())))
        assert preview.rois[0] is None and preview.rois[1] is not None
        x, y, w, h = preview.rois[1]
        assert abs(x - 8) <= 2 and abs(y - 8) <= 2 and abs(w - 32) <= 3 and abs(h - 32) <= 3
        assert "2: " in preview.roi_label.text() and not view.drawing
        preview.preview.play()
        qtbot.waitUntil(lambda: any(len(b) == 4 for b in batches), timeout=LOAD_MS)
        frame = preview.preview.current
        assert frame.prediction.rois[1] == preview.rois[1]                  # the worker uses it
        tile = frame.image[:64, 64:]                                        # source 2 at scale 1
        b, g, r = (int(v) for v in tile[y, x + w // 2])                     # the ROI's outline on it
        assert r > 150 and g > 120 and b < 90
    finally:
        TorchRunner.__call__ = original
        preview.preview.stop()
    assert np.isfinite(frame.timings["inference_ms"])
