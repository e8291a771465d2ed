"""Up to four sources tiled 2x2 with inference batched across them (image and clip models), a
region of interest per source (the model sees only the crop; predictions come back in the
frame's pixels), and the CLI's several --video and --roi."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import DataError
from core.families.base import Window
from core.inference import iter_annotated, run_inference
from core.inference.roi import clip_roi, crop, parse_roi, to_frame
from core.inference.tiled import Tiles, grid, locate, roi_between
from core.predictions import Classification, Instances
from core.video.multi_reader import MultiReader
from core.video.overlay import draw_prediction

W, H = 64, 48


def level_video(path: Path, n: int, base: int) -> Path:
    """Frame i is a flat gray of base + 4*i (names the source and the frame)."""
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (W, H))
    for i in range(n):
        w.write(np.full((H, W, 3), base + 4 * i, np.uint8))
    w.release()
    return path


class BoxRunner:
    """An image model: one box around the middle of whatever it is given; records each call."""

    backend = "stub"
    window = Window()
    class_names = {1: "thing"}

    def __init__(self):
        self.calls: list[list[tuple]] = []

    def __call__(self, images):
        self.calls.append([im.shape for im in images])
        out = []
        for im in images:
            h, w = im.shape[:2]
            masks = np.zeros((1, h, w), bool)
            masks[0, h // 4:h // 2, w // 4:w // 2] = True
            out.append(Instances([[w / 4, h / 4, w / 2, h / 2]], [0.9], [1], masks))
        return out

    def draw(self, frame, prediction, score_threshold=0.5, classes=None):
        return draw_prediction(frame, prediction, self.class_names, score_threshold, classes)


class ClipRunner(BoxRunner):
    """A clip model (4 frames every 2nd, a prediction every 3 frames) naming the newest frame's gray."""

    window = Window(frames=4, stride=3, subsample=2)

    def __call__(self, clips):
        self.calls.append([c.shape for c in clips])
        return [Classification.from_scores(np.array([0.2, 0.8]), [1, int(c[-1, 0, 0, 0])]) for c in clips]


@pytest.fixture
def videos(tmp_path):
    return [level_video(tmp_path / f"v{k}.avi", n, 40 * k) for k, n in enumerate((12, 12, 10, 8))]


def test_four_tiled_sources_are_inferred_in_one_batch_per_frame(videos, tmp_path):
    runner = BoxRunner()
    items = list(iter_annotated(runner, [str(v) for v in videos], show_fps=False))
    assert [i.index for i in items] == list(range(12))                 # the longest source's frames
    assert runner.calls[0] == [(H, W, 3)] * 4                          # one call, one frame of each source
    assert [len(c) for c in runner.calls] == [4] * 8 + [3] * 2 + [2] * 2   # ended sources drop out of the batch
    mosaic = items[0].image
    assert mosaic.shape == (2 * H, 2 * W, 3) and grid(4) == (2, 2)
    tiles = items[-1].prediction
    assert isinstance(tiles, Tiles) and tiles.ended == [False, False, True, True]
    for k in range(4):                                                # each tile shows its own source
        r, c = divmod(k, 2)
        cell = mosaic[r * H:(r + 1) * H, c * W:(c + 1) * W]
        assert abs(int(cell[H - 3, W - 3, 0]) - 40 * k) <= 3            # an untouched corner of source k, frame 0
        assert cell[:8].mean() != cell[H - 8:].mean()                   # its tag is drawn along the top
    result = run_inference(BoxRunner(), None, [str(v) for v in videos], tmp_path / "tiled.mp4", show_fps=False)
    assert result["frames"] == 12 and result["detections"] == 4 * 12     # an ended source keeps its last frame
    cap = cv2.VideoCapture(result["out_path"])
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 12 and int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) == 2 * W
    cap.release()


def test_clip_models_slide_a_window_per_source_and_batch_the_due_ones(videos):
    runner = ClipRunner()
    items = list(iter_annotated(runner, [str(v) for v in videos[:2]], show_fps=False))
    assert items[0].image.shape == (H, 2 * W, 3)                       # two sources side by side
    span = (4 - 1) * 2 + 1
    assert [i.prediction.predictions[0] is None for i in items] == [True] * (span - 1) + [False] * (12 - span + 1)
    assert runner.calls == [[(4, H, W, 3)] * 2] * 2                    # frames 6 and 9: both sources at once
    last = items[-1].prediction.predictions
    assert np.allclose([p.label for p in last], [4 * 9, 40 + 4 * 9], atol=3)   # each source's own frame 9


def test_a_region_of_interest_limits_where_the_model_looks(videos):
    runner = BoxRunner()
    roi = (16, 8, 32, 24)
    items = list(iter_annotated(runner, str(videos[0]), roi=roi, max_frames=3, show_fps=False))
    assert runner.calls[0] == [(24, 32, 3)]                            # it saw the crop only
    p = items[0].prediction
    assert np.allclose(p.boxes[0], [16 + 8, 8 + 6, 16 + 16, 8 + 12])   # back in the frame's pixels
    assert p.masks.shape == (1, H, W) and p.masks[0, 8 + 6, 16 + 8] and not p.masks[0, 0, 0]
    b, g, r = (int(v) for v in items[0].image[8, 30])                   # the ROI is outlined in amber
    assert r > 180 and g > 150 and b < 60
    tiled = BoxRunner()
    list(iter_annotated(tiled, [str(v) for v in videos[:2]], roi=[None, roi], max_frames=2, show_fps=False))
    assert tiled.calls[0] == [(H, W, 3), (24, 32, 3)]                  # one ROI per source


def test_roi_geometry_and_bad_rois():
    assert parse_roi("10, 20,30,40") == (10, 20, 30, 40)
    with pytest.raises(DataError, match="x,y,width,height"):
        parse_roi("10,20,0,5")
    assert clip_roi((-5, -5, 30, 30), 20, 20) == (0, 0, 20, 20) or clip_roi((-5, -5, 30, 30), 20, 20) is None
    assert clip_roi((50, 50, 10, 10), 20, 20) is None and clip_roi((2, 3, 5, 6), 20, 20) == (2, 3, 5, 6)
    image = np.arange(20 * 20 * 3, dtype=np.uint8).reshape(20, 20, 3)
    assert np.array_equal(crop(image, (2, 3, 5, 6)), image[3:9, 2:7])
    c = Classification.from_scores(np.array([1.0]), [3])
    assert to_frame(c, (2, 3, 5, 6), (20, 20, 3)) is c
    frames = [np.zeros((48, 64, 3), np.uint8), np.zeros((96, 64, 3), np.uint8), None]
    tiles = Tiles(frames, [None] * 3, [None] * 3, ["a", "b", "c"], tile_size=(64, 48))
    assert locate(tiles, 10, 10) == (0, 10, 10)
    k, x, y = locate(tiles, 64 + 32, 24)                               # the tall source is scaled by 1/2, centered
    assert k == 1 and (x, y) == (pytest.approx(32), pytest.approx(48))
    assert locate(tiles, 64 + 2, 24) is None and locate(tiles, 10, 48 + 10) is None   # margin; empty tile
    assert roi_between(tiles, (64 + 20, 10), (64 + 40, 40)) == (1, (8, 20, 40, 60))


def test_multi_reader_reads_in_step_and_seeks(videos):
    with MultiReader([str(v) for v in videos]) as group:
        assert group.frame_count == 12 and group.seekable and group.names[0] == "v0.avi"
        group.seek(9)
        frames = group.read()
        assert [f is None for f in frames] == [False, False, False, True]     # the 8-frame source is over
        assert [f.index for f in frames[:3]] == [9, 9, 9]
    with pytest.raises(DataError, match="Up to 4 sources"):
        MultiReader([str(v) for v in videos] + [str(videos[0])])


def test_cli_tiles_several_sources_with_rois(tmp_path, videos, capsys):
    from core.jobs import launch
    from studio.cli import main

    proj = tmp_path / "p"
    assert main(["project", "new", str(proj), "--task", "action_recognition"]) == 0
    art = tmp_path / "m.onnx"
    art.write_bytes(b"x")
    args = ["infer", str(proj), "--artifact", str(art), "--out", str(tmp_path / "o.mp4")]
    assert main(args + ["--video", str(videos[0]), "--images", str(videos[1])]) == 2
    assert "--images" in capsys.readouterr().err
    many = sum((["--video", str(v)] for v in videos + [videos[0]]), [])
    assert main(args + many) == 2 and "Up to 4 sources" in capsys.readouterr().err
    assert main(args + ["--video", str(videos[0]), "--roi", "1,2,3"]) == 2
    assert "x,y,width,height" in capsys.readouterr().err
    seen = {}

    def fake_run_job(verb, root, on_event, **options):
        seen.update(options)
        return 0, []

    import studio.commands.infer as infer_cmd
    original = infer_cmd.run_job
    infer_cmd.run_job = fake_run_job
    try:
        main(args + ["--video", str(videos[0]), "--camera", "0", "--roi", "full", "--roi", "4,4,20,20"])
    finally:
        infer_cmd.run_job = original
    assert seen["source"] == [str(videos[0].resolve()), "0"] and seen["roi"] == ["full", "4,4,20,20"]
    cmd = launch.worker_command("infer", proj, source=seen["source"], roi=seen["roi"])
    assert cmd.count("--source") == 2 and cmd.count("--roi") == 2
