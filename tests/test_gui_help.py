"""Discoverability through the real main window: the Help menu's shortcut sheet (F1) lists the
keys each page has, the About box names the versions, a reopened project comes back on the page
it was left on, and the Preview's Save annotated video starts in the run's exports folder, says
where the file went (with an Open folder link) and draws tags that a 192x192 video can carry."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.families import EXTRA_FAMILIES_ENV
from core.project import Project
from gui_journeys import LOAD_MS, TOY, close_window, main_window, toy_trained

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture
def window(qtbot):
    w = main_window(qtbot)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)     # menu shortcuts go to the active window
    yield w
    close_window(w)


def test_f1_opens_the_shortcut_sheet_with_every_pages_keys(qtbot, window, tmp_path):
    Project.create(tmp_path / "p", "instance_segmentation").close()
    assert window.open_project(str(tmp_path / "p"))
    qtbot.keyClick(window, Qt.Key.Key_F1)
    sheet = window.shortcut_sheet
    assert sheet is not None and sheet.isVisible()
    rows = {(where, keys): what for where, keys, what in sheet.rows}
    for where, keys, words in (("Train", "Ctrl+.", "Stop training"), ("Train", "Ctrl+R", "Resume"),
                               ("Train", "Ctrl+Return / Ctrl+Enter", "Start"), ("Runs", "F5", "runs again"),
                               ("Runs", "Delete", "Delete the selected runs"), ("Preview", "Space", "Play"),
                               ("Label", "D / Right", "Next image"), ("Everywhere", "Ctrl+J", "Jobs"),
                               ("Everywhere", "F1", "Keyboard shortcuts"), ("Everywhere", "Ctrl+4", "Train")):
        assert words in rows.get((where, keys), ""), (where, keys, sorted(rows))
    assert sheet.table.rowCount() == len(sheet.rows)
    sheet.close()


def test_the_about_box_names_the_versions(qtbot, window, monkeypatch):
    import importlib.metadata as md

    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append((title, text)))
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    next(a for a in help_menu.actions() if "About" in a.text()).trigger()
    title, text = shown[0]
    assert title == "About Studio"
    assert f"<td>PyTorch</td><td>{md.version('torch')}</td>" in text.replace(" style='padding-right:14px'", "")
    assert md.version("onnxruntime") in text and "ONNX Runtime" in text
    assert "TensorRT" in text          # its version where installed, "not installed" here
    assert "import torch" not in text


def test_a_reopened_project_comes_back_on_the_page_it_was_left_on(qtbot, window, tmp_path):
    for name in ("a", "b"):
        Project.create(tmp_path / name, "instance_segmentation").close()
    assert window.open_project(str(tmp_path / "a"))
    assert window.stack.currentWidget().key == "data"          # never opened before: the Data page
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)   # Runs
    assert window.stack.currentWidget().key == "runs"
    window.show_page("projects")
    assert window.open_project(str(tmp_path / "b"))
    assert window.stack.currentWidget().key == "data"
    window.show_page("optimize")
    assert window.open_project(str(tmp_path / "a"))
    assert window.stack.currentWidget().key == "runs"
    assert window.open_project(str(tmp_path / "b"))
    assert window.stack.currentWidget().key == "optimize"
    window.close()                                             # and across sessions
    again = main_window(qtbot)
    try:
        assert again.open_project(str(tmp_path / "a"))
        assert again.stack.currentWidget().key == "runs"
    finally:
        close_window(again)


def test_save_annotated_video_starts_in_the_exports_folder_and_says_where(qtbot, window, tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QFileDialog

    from core.video.draw import overlay_style
    from tests.toy_family.data import write_video

    monkeypatch.setenv(EXTRA_FAMILIES_ENV, TOY)
    root = toy_trained(tmp_path, onnx=True)
    video = write_video(tmp_path / "small.mp4", frames=8)
    import cv2

    small = tmp_path / "small192.mp4"                    # the same frames at 192x192
    cap, out = cv2.VideoCapture(str(video)), cv2.VideoWriter(str(small), cv2.VideoWriter_fourcc(*"mp4v"), 6.0,
                                                              (192, 192))
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        out.write(cv2.resize(frame, (192, 192), interpolation=cv2.INTER_NEAREST))
    cap.release()
    out.release()
    cap, raw = cv2.VideoCapture(str(small)), []          # the frames as the preview decodes them
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        raw.append(frame)
    cap.release()
    assert window.open_project(str(root))
    window.show_page("preview")
    preview = window.page("preview")
    combo = preview.picker.model_combo
    combo.setCurrentIndex(next(i for i in range(combo.count()) if "model.onnx" in combo.itemText(i)))
    preview.open_source(str(small))
    qtbot.waitUntil(lambda: preview.preview.current is not None, timeout=LOAD_MS)

    # the tag is sized for the frame: one line of text a few pixels high, not a third of the picture
    frame = preview.preview.current
    style = overlay_style(frame.image)
    assert (style.font_scale, style.line_width) == (0.3, 1)
    tag = _tag_box(frame.image, raw[frame.index])
    assert tag is not None
    x1, y1, x2, y2 = tag
    assert y2 - y1 <= 0.12 * 192 and x2 - x1 <= 0.6 * 192, tag

    asked = []

    def save_dialog(parent, caption, start, filters):
        asked.append(start)
        return str(Path(start).parent / "mine.mp4"), filters
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    qtbot.mouseClick(preview.save_button, Qt.MouseButton.LeftButton)
    exports = root / "runs" / "r" / "exports"
    assert asked == [str(exports / "small192-annotated.mp4")]          # the run's exports folder, not the cwd
    note = preview.saved
    assert "Saving to" in note.text() and str(exports / "mine.mp4") in note.text()
    job = window.jobs.active("infer", project=window.session.project)[0]
    qtbot.waitUntil(lambda: not job.is_active, timeout=LOAD_MS)
    assert job.status == "done", job.message
    assert (exports / "mine.mp4").stat().st_size > 0
    assert note.text().startswith(f"Saved to {exports / 'mine.mp4'}") and "Open folder" in note.text()
    note.linkActivated.emit("open-folder")
    assert opened == [str(exports)]


def _tag_box(drawn: np.ndarray, raw: np.ndarray):
    """The bounding box of the pixels the overlay changed (None when it drew nothing)."""
    diff = np.abs(drawn.astype(int) - raw.astype(int)).sum(axis=2) > 60
    ys, xs = np.nonzero(diff)
    if not len(xs):
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
