"""`studio gui PROJECT --page NAME --screenshot FILE.png` renders each page offscreen at 1280x800
and exits; with --source the Preview page shows model frames, not its idle message."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtGui import QImage

from conftest import ROOT
from core.datasets.synthetic import generate_video
from optimize_preview_support import trained_project_copy
from studio.app import run_app
from studio.commands.gui import PAGES

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture(scope="module")
def trained_root(tmp_path_factory):
    return trained_project_copy(tmp_path_factory)


def pixels(path) -> np.ndarray:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    assert (image.width(), image.height()) == (1280, 800)
    return np.frombuffer(image.constBits(), np.uint8).reshape(800, image.bytesPerLine())[:, :1280 * 3] \
        .reshape(800, 1280, 3).copy()


def test_every_page_renders_to_its_own_png(qapp, trained_root, tmp_path):
    shots = {}
    for page in PAGES:
        path = tmp_path / f"{page}.png"
        assert run_app(project=str(trained_root), page=page, screenshot=str(path), settle_ms=300) == 0
        shots[page] = pixels(path)
    # each page shows something of its own (the side bar and jobs panel are shared)
    bodies = {page: shot[60:600, 200:].astype(np.int16) for page, shot in shots.items()}
    for a in PAGES:
        for b in PAGES:
            if a < b:
                assert np.abs(bodies[a] - bodies[b]).mean() > 2, f"{a} and {b} look the same"


def test_source_opens_the_preview_on_model_frames(qapp, trained_root, tmp_path):
    video = generate_video(tmp_path / "clip.mp4", num_frames=12, size=64, seed=3)
    idle, playing = tmp_path / "idle.png", tmp_path / "playing.png"
    assert run_app(project=str(trained_root), page="preview", screenshot=str(idle), settle_ms=300) == 0
    assert run_app(project=str(trained_root), source=str(video), screenshot=str(playing), settle_ms=300) == 0
    view = (slice(200, 520), slice(450, 750))        # the middle of the video view
    assert pixels(playing)[view].mean() > pixels(idle)[view].mean() + 20   # a frame, not the dark idle view


def test_the_command_line_writes_the_png_and_refuses_a_source_without_project(trained_root, tmp_path):
    out = tmp_path / "runs.png"
    cmd = [sys.executable, "-m", "studio.cli", "gui", str(trained_root), "--page", "runs", "--screenshot", str(out)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert pixels(out).std() > 10
    done = subprocess.run([sys.executable, "-m", "studio.cli", "gui", "--source", "clip.mp4"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "name the project folder too" in done.stderr
