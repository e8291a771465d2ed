"""Video I/O and the inference pipeline: every frame in comes out annotated, stage timings are
reported, sources seek, stop requests are honored, and overlays change exactly the pixels they
should."""
from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import DataError
from core.inference import iter_annotated, run_inference
from core.families.base import Window
from core.predictions import Classification, Instances
from core.video.overlay import draw_instances
from core.jobs.reporter import RecordingReporter
from core.video.draw import color_for, colors_for
from core.video.reader import FrameReader
from core.video.writer import ImageFolderWriter, VideoWriter, open_writer
from video_fixtures import H, W, truncated_avi


def write_video(path: Path, n: int, fps: float = 10.0, size: tuple[int, int] = (W, H)) -> Path:
    """Frame i is a flat gray of level 10*i mod 250 (so seeking can be checked after compression)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for i in range(n):
        writer.write(np.full((size[1], size[0], 3), (10 * i) % 250, np.uint8))
    writer.release()
    return path


def count_frames(path: Path) -> int:
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    return n


def blob_prediction(h: int, w: int, label: int = 2, score: float = 0.9) -> Instances:
    masks = np.zeros((1, h, w), bool)
    masks[0, h // 4: h // 2, w // 4: w // 2] = True
    return Instances(np.array([[w // 4, h // 4, w // 2, h // 2]], np.float32), np.array([score], np.float32),
                     np.array([label], np.int64), masks)


class StubRunner:
    """A runner without a model: one blob per image."""

    backend = "stub"
    class_names = {2: "blob"}

    def __call__(self, images):
        return [blob_prediction(*im.shape[:2]) for im in images]

    def draw(self, frame, prediction, score_threshold=0.5, classes=None):
        return draw_instances(frame, prediction, self.class_names, score_threshold, classes)


def reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "studio-frame-reader" and t.is_alive()]


# --- the pipeline --------------------------------------------------------------------------------

def test_video_in_video_out_with_a_real_model(tmp_path):
    torch = pytest.importorskip("torch")
    from core.families.instance_segmentation.model import build_model
    from core.families.instance_segmentation.spec import InstanceSegmentationSpec, cpu_sized
    from core.runtime import load_runner
    from core.specs import spec_to_yaml

    torch.set_num_threads(2)
    torch.manual_seed(0)
    spec = cpu_sized(InstanceSegmentationSpec())
    spec.data.image_size = 64
    spec.model.test_detections_per_image = 5
    ckpt = tmp_path / "model.pt"
    torch.save({"format": "studio-checkpoint/1", "task": "instance_segmentation", "spec": spec_to_yaml(spec),
                "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
                "model": build_model(spec.model, 2, 64).state_dict()}, ckpt)
    source = write_video(tmp_path / "in.mp4", 10)
    reporter = RecordingReporter()
    with load_runner(ckpt) as runner:
        result = run_inference(runner, None, source, tmp_path / "out.mp4", batch_size=4, score_threshold=0.0,
                               reporter=reporter)
    assert result["frames"] == result["total"] == 10 and not result["stopped"]
    assert count_frames(tmp_path / "out.mp4") == 10
    cap = cv2.VideoCapture(str(tmp_path / "out.mp4"))
    assert (cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (W, H)
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(10.0, rel=0.01)
    cap.release()
    assert set(result["timings_ms"]) == {"decode", "inference", "draw", "encode"}
    assert result["timings_ms"]["inference"] > 0 and result["timings_ms"]["decode"] > 0
    assert result["fps"] > 0 and result["backend"] == "pytorch" and result["detections"] > 0
    progress = reporter.of("progress")
    assert progress[-1]["done"] == 10 and progress[-1]["total"] == 10
    assert reporter.of("artifact")[0]["path"] == str(tmp_path / "out.mp4")
    assert not list(tmp_path.glob(".out.partial*")) and not reader_threads()


def test_image_folder_in_and_out(tmp_path):
    src = tmp_path / "frames"
    src.mkdir()
    for name in ("b.png", "a.png", "c.jpg", "notes.txt"):
        if name.endswith("txt"):
            (src / name).write_text("not an image")
        else:
            cv2.imwrite(str(src / name), np.full((H, W, 3), 200, np.uint8))
    result = run_inference(StubRunner(), None, src, tmp_path / "out", batch_size=2, show_fps=False)
    assert result["frames"] == result["total"] == 3 and result["output"] == "images"
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["a.png", "b.png", "c.png"]    # the input names, with the writer's extension
    assert result["input_ended"] is None
    out = cv2.imread(str(tmp_path / "out" / "a.png"))
    assert out[H // 4 + 4, W // 4 + 4].tolist() != [200, 200, 200]   # inside the blob: tinted
    assert out[H - 2, W - 2].tolist() == [200, 200, 200]             # far from it: untouched


def test_image_names_that_clash_get_their_source_suffix_and_videos_are_numbered(tmp_path):
    src = tmp_path / "frames"
    src.mkdir()
    for name in ("a.jpg", "a.png", "A.bmp", "z.png"):
        cv2.imwrite(str(src / name), np.full((H, W, 3), 90, np.uint8))
    run_inference(StubRunner(), None, src, tmp_path / "out", show_fps=False)
    # sorted input A.bmp, a.jpg, a.png, z.png: the first keeps the stem, later clashes add their suffix
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["A.png", "a_jpg.png", "a_png.png", "z.png"]
    run_inference(StubRunner(), None, src / "z.png", tmp_path / "one", show_fps=False)
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["z.png"]     # a single image keeps its name
    video = write_video(tmp_path / "in.mp4", 3)
    run_inference(StubRunner(), None, video, tmp_path / "from_video", show_fps=False)
    assert sorted(p.name for p in (tmp_path / "from_video").iterdir()) == ["000000.png", "000001.png", "000002.png"]
    writer = ImageFolderWriter(tmp_path / "w")
    assert [writer.target(0, n).name for n in ("x.jpg", "x.jpg", "x.jpg", "x_jpg.tif")] == \
        ["x.png", "x_jpg.png", "x_jpg_2.png", "x_jpg_tif.png"]


def test_a_truncated_video_says_where_it_ended(tmp_path):
    source = truncated_avi(tmp_path / "cut.avi", frames=24, keep=13)
    reporter = RecordingReporter()
    result = run_inference(StubRunner(), None, source, tmp_path / "out.mp4", batch_size=4,
                           reporter=reporter)
    assert result["frames"] == 13 and result["total"] == 24 and not result["stopped"]
    assert (result["input_ended"]["frame"], result["input_ended"]["of"]) == (13, 24)
    warnings = [e for e in reporter.of("log") if e["level"] == "warning"]
    assert [w["message"] for w in warnings] == [result["input_ended"]["message"]]
    assert warnings[0]["message"].startswith("The input ended at frame 13 of 24: cut.avi holds fewer frames")
    assert count_frames(tmp_path / "out.mp4") == 13
    with FrameReader(source) as reader:     # the reader alone says it too; a complete read says nothing
        assert len(list(reader)) == 13 and reader.ended_early == (13, 24)
    with FrameReader(source, max_frames=10) as reader:
        assert len(list(reader)) == 10 and reader.ended_early is None and reader.shortfall() is None
    with FrameReader(write_video(tmp_path / "full.mp4", 12)) as reader:
        assert len(list(reader)) == 12 and reader.ended_early is None


class StopAfter(RecordingReporter):
    def __init__(self, frames: int) -> None:
        super().__init__()
        self.frames = frames

    def emit(self, event):
        super().emit(event)
        if event["event"] == "progress" and event["done"] >= self.frames:
            self.request_stop()


def test_stop_request_is_honored(tmp_path):
    source = write_video(tmp_path / "in.mp4", 30)
    result = run_inference(StubRunner(), None, source, tmp_path / "out.mp4", batch_size=2,
                           reporter=StopAfter(4))
    assert result["stopped"] and 4 <= result["frames"] < 30
    assert count_frames(tmp_path / "out.mp4") == result["frames"]   # what was done is kept, complete
    assert not reader_threads()


def test_iter_annotated_for_the_preview(tmp_path):
    source = write_video(tmp_path / "in.mp4", 12)
    stream = iter_annotated(StubRunner(), source, start=5)
    items = [next(stream) for _ in range(3)]
    stream.close()
    assert [i.index for i in items] == [5, 6, 7]
    index, image, prediction, timings, name = items[0]
    assert image.shape == (H, W, 3) and len(prediction) == 1 and name is None
    assert {"decode_ms", "inference_ms", "draw_ms", "fps", "timestamp"} <= set(timings)
    assert timings["timestamp"] == pytest.approx(0.5)
    assert not reader_threads()   # closing the generator shut the reader down
    assert len(list(iter_annotated(StubRunner(), source, max_frames=4))) == 4


def test_bad_sources_are_clear_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        FrameReader(tmp_path / "missing.mp4")
    fake = tmp_path / "fake.mp4"
    fake.write_text("this is not a video")
    with pytest.raises(DataError, match="Cannot open the video"):
        FrameReader(fake)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no images"):
        FrameReader(tmp_path / "empty")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "0.png").write_bytes(b"garbage")
    with pytest.raises(DataError, match="Cannot decode the image"):
        run_inference(StubRunner(), None, broken, tmp_path / "o.mp4")
    assert not (tmp_path / "o.mp4").exists() and not reader_threads()


# --- reader and writer -----------------------------------------------------------------------------

def test_reader_knows_counts_and_seeks(tmp_path):
    with FrameReader(write_video(tmp_path / "in.mp4", 20)) as reader:
        assert reader.frame_count == 20 and reader.fps == pytest.approx(10.0)
        first = reader.read()
        assert first.index == 0 and first.timestamp == 0.0
        reader.seek(7)
        frame = reader.read()
        assert frame.index == 7 and abs(float(frame.image.mean()) - 70) < 6
        assert reader.read().index == 8
        with pytest.raises(DataError):
            reader.seek(25)
    folder = tmp_path / "folder"
    folder.mkdir()
    for i in range(6):
        cv2.imwrite(str(folder / f"{i:03d}.png"), np.full((H, W, 3), 10 * i, np.uint8))
    with FrameReader(folder, max_frames=5) as reader:
        assert reader.frame_count == 5
        reader.seek(3)
        assert [(f.index, int(f.image[0, 0, 0])) for f in reader] == [(3, 30), (4, 40)]


def test_writers_write_every_frame(tmp_path):
    assert isinstance(open_writer(tmp_path / "x.mp4"), VideoWriter)
    assert isinstance(open_writer(tmp_path / "frames"), ImageFolderWriter)
    with VideoWriter(tmp_path / "v.mp4", fps=5) as writer:
        for i in range(6):   # a frame of another size is resized, not dropped
            writer.write(np.full((H, W, 3) if i % 2 else (H * 2, W * 2, 3), 30 * i, np.uint8))
        assert not (tmp_path / "v.mp4").exists()   # moved into place on close
    assert count_frames(tmp_path / "v.mp4") == 6


# --- drawing ----------------------------------------------------------------------------------------

def test_overlay_tints_the_mask_and_leaves_the_rest(tmp_path):
    h, w, alpha = 120, 160, 0.45
    frame = np.full((h, w, 3), 100, np.uint8)
    masks = np.zeros((1, h, w), bool)
    masks[0, 60:100, 40:120] = True
    box = [40, 60, 120, 100]
    pred = Instances(np.array([box], np.float32), np.array([0.93], np.float32), np.array([7], np.int64), masks)
    out = draw_instances(frame.copy(), pred, {7: "circle"}, alpha=alpha)
    color = np.array(color_for(7), np.float32)
    inside = out[64:96, 44:116].reshape(-1, 3).astype(np.float32)   # mask pixels clear of the box lines
    expected = np.floor(100 * (1 - alpha) + color * alpha + 0.5)
    np.testing.assert_array_equal(inside, np.broadcast_to(expected, inside.shape))
    assert (np.abs(inside - color) < np.abs(100 - color) + 1e-6).all()   # toward the class color
    near = np.zeros((h, w), bool)
    near[57:104, 37:124] = True      # the box with its line width
    near[30:64, 37:124] = True       # the "circle 0.93" tag above it
    changed = (out != frame).any(axis=2)
    assert not (changed & ~near).any()
    assert changed[35:60, 40:100].any()   # the tag is there
    untouched = draw_instances(frame.copy(), pred, {7: "circle"}, score_threshold=0.95)
    np.testing.assert_array_equal(untouched, frame)
    np.testing.assert_array_equal(draw_instances(frame.copy(), pred, {}, classes={1, 2}), frame)


def test_overlapping_masks_best_score_on_top():
    frame = np.zeros((40, 40, 3), np.uint8)
    masks = np.zeros((2, 40, 40), bool)
    masks[:, 10:30, 10:30] = True
    pred = Instances(np.zeros((2, 4), np.float32), np.array([0.6, 0.9], np.float32), np.array([1, 2]), masks)
    out = draw_instances(frame, pred, {}, alpha=1.0)
    assert out[20, 20].tolist() == list(color_for(2))


def test_class_colors_are_stable_and_distinct():
    assert color_for(5) == color_for(5)
    colors = colors_for(range(1, 11))
    assert colors.shape == (10, 3) and len({tuple(c) for c in colors.tolist()}) == 10


class ClipRunner(StubRunner):
    """A clip model: a window of 3 frames taken every 2nd frame, a prediction every 2 frames."""

    window = Window(frames=3, stride=2, subsample=2)

    def __init__(self) -> None:
        self.clips = []

    def __call__(self, clips):
        self.clips += [c.shape for c in clips]
        level = int(clips[0][-1, 0, 0, 0])      # the newest frame's gray level names the "class"
        return [Classification.from_scores(np.array([0.1, 0.9]), [1, level])]

    def draw(self, frame, prediction, score_threshold=0.5, classes=None):
        if prediction is not None:
            frame[:4, :4] = 255
        return frame


def test_a_clip_model_slides_its_window_and_every_frame_is_written(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(12):
        cv2.imwrite(str(folder / f"{i:03d}.png"), np.full((H, W, 3), 10 * i, np.uint8))
    runner = ClipRunner()
    items = list(iter_annotated(runner, folder, show_fps=False))
    assert [i.index for i in items] == list(range(12))                       # every frame comes out
    assert [i.prediction is None for i in items] == [True] * 4 + [False] * 8  # the window spans 5 frames
    assert runner.clips == [(3, H, W, 3)] * 4                                 # frames 4, 6, 8, 10: stride 2
    levels = [i.prediction.label for i in items[4:]]
    assert levels == [40, 40, 60, 60, 80, 80, 100, 100]                       # each holds until the next one
    result = run_inference(ClipRunner(), None, folder, tmp_path / "out", show_fps=False)
    assert result["frames"] == 12 and len(list((tmp_path / "out").iterdir())) == 12
