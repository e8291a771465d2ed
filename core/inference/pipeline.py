"""The video pipeline: a reader thread decodes ahead, the runner infers in batches, the
family's overlay is drawn, and a writer thread encodes.

`iter_annotated` is the frame-by-frame form the preview consumes from a worker thread: it
yields `AnnotatedFrame(index, image, prediction, timings)` and stops when `should_stop()`
turns true or the generator is closed (the reader thread is always shut down). To seek, close
the generator and start a new one with `start=`. `run_inference` drives it to a video file or
an image folder and returns per-stage timings (mean ms per frame) and the overall FPS.
"""
from __future__ import annotations

import collections
import queue
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple, Sequence

import cv2
import numpy as np

from core.families.base import Window
from core.inference.roi import Roi, clip_roi, crop, draw_roi, to_frame
from core.video.multi_reader import MultiReader
from core.jobs.reporter import NullReporter, Reporter
from core.predictions import count_shown
from core.video.draw import draw_fps
from core.video.reader import FrameReader
from core.video.writer import VideoWriter, open_writer

DrawFn = Callable[..., np.ndarray]  # (frame_bgr, prediction, score_threshold=, classes=) -> frame: Runner.draw


class AnnotatedFrame(NamedTuple):
    index: int
    image: np.ndarray          # BGR with the overlay drawn
    prediction: Any            # the typed prediction shown on this frame (None: a window still filling)
    timings: dict[str, float]  # decode_ms (mean so far), inference_ms, draw_ms (this frame), fps, timestamp
    name: str | None = None    # the source frame's file name (image folders), else None


def shown_count(prediction, score_threshold: float, classes: set[int] | None) -> int:
    """What a frame's prediction shows (summed over the tiles of several sources; 0 for none)."""
    if prediction is None:
        return 0
    parts = getattr(prediction, "predictions", None)
    if parts is not None:
        return sum(count_shown(p, score_threshold, classes) for p in parts if p is not None)
    return count_shown(prediction, score_threshold, classes)


def _rgb(frame) -> np.ndarray:
    return cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)


class WindowState:
    """One source's sliding window: `push` each frame (RGB); it returns the clip to infer when a
    prediction is due — the last `window.frames` frames taken every `window.subsample`-th, every
    `window.stride` frames once the window is full — and None otherwise."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.recent: collections.deque = collections.deque(maxlen=window.span)
        self.since: int | None = None

    def push(self, rgb: np.ndarray) -> np.ndarray | None:
        self.recent.append(rgb)
        if len(self.recent) < self.window.span:
            return None
        self.since = 0 if self.since is None else self.since + 1
        if self.since % max(1, self.window.stride):
            return None
        return np.stack(list(self.recent)[::max(1, self.window.subsample)])


def is_clip_window(window: Window | None) -> bool:
    return window is not None and not (window.frames <= 1 and window.stride <= 1)


def _predicted(runner, frames: Iterator, batch_size: int, should_stop: Callable[[], bool] | None,
               roi: Roi | None = None):
    """(frame, prediction, inference ms per frame) for every frame, walking the runner's window.

    Image models (a window of 1 frame, stride 1) infer `batch_size` frames per call. Clip models
    infer over the last `window.frames` frames (every `window.subsample`-th) each `window.stride`
    frames; the prediction holds for the frames until the next one, and frames before the first
    full window have none. With a `roi` the model sees only that part of each frame; predictions
    come back in the frame's pixels."""
    window = getattr(runner, "window", None) or Window()
    if not is_clip_window(window):
        while not (should_stop and should_stop()):
            batch = [f for _, f in zip(range(max(1, batch_size)), frames)]
            if not batch:
                return
            t0 = time.perf_counter()
            rois = [clip_roi(roi, f.image.shape[1], f.image.shape[0]) for f in batch]
            predictions = runner([crop(_rgb(f), r) for f, r in zip(batch, rois)])
            ms = (time.perf_counter() - t0) * 1000.0 / len(batch)
            yield from ((f, to_frame(p, r, f.image.shape), ms) for f, p, r in zip(batch, predictions, rois))
        return
    state = WindowState(window)
    current = None
    for frame in frames:
        if should_stop and should_stop():
            return
        r = clip_roi(roi, frame.image.shape[1], frame.image.shape[0])
        clip = state.push(crop(_rgb(frame), r))
        ms = 0.0
        if clip is not None:
            t0 = time.perf_counter()
            current = runner([clip])[0]
            ms = (time.perf_counter() - t0) * 1000.0
        yield frame, to_frame(current, r, frame.image.shape), ms


def iter_annotated(runner, source: str | Path | int | FrameReader | Sequence | MultiReader, *,
                   draw: DrawFn | None = None, batch_size: int = 1, score_threshold: float = 0.5,
                   classes: set[int] | None = None, max_frames: int | None = None, start: int = 0,
                   show_fps: bool = True, should_stop: Callable[[], bool] | None = None,
                   roi: Roi | Sequence[Roi | None] | None = None) -> Iterator[AnnotatedFrame]:
    """Annotated frames of `source` (a path, camera index, or an open FrameReader the caller
    keeps owning), inferred as the runner's window says (see `_predicted`), inside `roi` when
    given. Several sources (a list of 2 to 4, or a `MultiReader`) come out tiled
    (`core.inference.tiled.iter_tiled`; `roi` is then one per source)."""
    if isinstance(source, (list, tuple, MultiReader)):
        from core.inference.tiled import iter_tiled

        yield from iter_tiled(runner, source, draw=draw, score_threshold=score_threshold, classes=classes,
                              max_frames=max_frames, start=start, show_fps=show_fps, should_stop=should_stop,
                              rois=roi)
        return
    draw = draw or runner.draw
    owned = not isinstance(source, FrameReader)
    reader = FrameReader(source, queue_size=2 * batch_size + 2, max_frames=max_frames) if owned else source
    recent: collections.deque[float] = collections.deque(maxlen=30)
    try:
        if start:
            reader.seek(start)
        for frame, prediction, infer_ms in _predicted(runner, iter(reader), batch_size, should_stop, roi):
            t1 = time.perf_counter()
            image = draw(frame.image, prediction, score_threshold=score_threshold, classes=classes)
            draw_roi(image, clip_roi(roi, image.shape[1], image.shape[0]))
            recent.append(time.perf_counter())
            fps = (len(recent) - 1) / (recent[-1] - recent[0]) if len(recent) > 1 else 0.0
            if show_fps and fps > 0:
                draw_fps(image, fps, runner.backend)
            draw_ms = (time.perf_counter() - t1) * 1000.0
            yield AnnotatedFrame(frame.index, image, prediction,
                                 {"decode_ms": reader.decode_ms, "inference_ms": infer_ms, "draw_ms": draw_ms,
                                  "fps": fps, "timestamp": frame.timestamp}, frame.name)
    finally:
        if owned:
            reader.close()


class _EncoderThread:
    """Encodes frames on its own thread; `close` joins it and re-raises its error."""

    def __init__(self, writer, maxsize: int = 8) -> None:
        self.writer, self.seconds, self.error = writer, 0.0, None
        self._queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self._thread = threading.Thread(target=self._run, name="studio-frame-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self.error is not None:
                continue  # drain so the producer never blocks
            try:
                t0 = time.perf_counter()
                self.writer.write(item[1], index=item[0], name=item[2])
                self.seconds += time.perf_counter() - t0
            except BaseException as exc:  # noqa: BLE001 - re-raised by close() in the caller's thread
                self.error = exc

    def put(self, index: int, image: np.ndarray, name: str | None = None) -> None:
        if self.error is not None:
            raise self.error
        self._queue.put((index, image, name))

    def close(self) -> None:
        self.shutdown()
        if self.error is not None:
            raise self.error

    def shutdown(self) -> None:
        """Finish the queued frames and end the thread (no error raised)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


def run_inference(runner, draw: DrawFn | None, source: str | Path | int | Sequence, out_path: str | Path,
                  batch_size: int = 4, score_threshold: float = 0.5, classes: set[int] | None = None,
                  reporter: Reporter | None = None, max_frames: int | None = None,
                  show_fps: bool = True, roi: Roi | Sequence[Roi | None] | None = None) -> dict[str, Any]:
    """Annotate every frame of `source` into `out_path` (a video for .mp4/.avi/..., else an
    image folder). Reports progress; stops early (keeping what was written) on a stop request.
    Several sources (2 to 4) are tiled 2x2 into one output, inferred in one batch per step.

    Returns frames, total, stopped, out_path, fps (overall), timings_ms {decode, inference,
    draw, encode} (mean per frame), detections (kept by the threshold), backend, batch_size and
    input_ended ({"frame", "of", "message"} when the input ran out before the frame count its
    header claims, also logged as a warning; else None).
    """
    reporter = reporter or NullReporter()
    if isinstance(source, (list, tuple)) and len(source) == 1:
        source, roi = source[0], (roi[0] if isinstance(roi, (list, tuple)) and roi and not isinstance(roi[0], int)
                                  else roi)
    reader = MultiReader(source, max_frames=max_frames) if isinstance(source, (list, tuple)) else \
        FrameReader(source, queue_size=2 * batch_size + 2, max_frames=max_frames)
    total = reader.frame_count
    try:
        writer = open_writer(out_path, fps=reader.fps)
    except BaseException:
        reader.close()
        raise
    encoder = _EncoderThread(writer)
    done, detections, infer_ms, draw_ms = 0, 0, 0.0, 0.0
    t_start = time.perf_counter()
    try:
        for item in iter_annotated(runner, reader, draw=draw, batch_size=batch_size,
                                   score_threshold=score_threshold, classes=classes, show_fps=show_fps,
                                   should_stop=reporter.should_stop, roi=roi):
            encoder.put(item.index, item.image, item.name)
            done += 1
            infer_ms += item.timings["inference_ms"]
            draw_ms += item.timings["draw_ms"]
            detections += shown_count(item.prediction, score_threshold, classes)
            reporter.progress(done, total, phase="infer", fps=round(item.timings["fps"], 2))
        encoder.close()
    except BaseException:
        encoder.shutdown()
        if isinstance(writer, VideoWriter):
            writer.abort()
        raise
    finally:
        reader.close()
    out = writer.close()
    wall = time.perf_counter() - t_start
    stopped = reporter.should_stop() and (total is None or done < total)
    n = max(done, 1)
    short = reader.ended_early
    if short is not None:
        reporter.log(reader.shortfall(), level="warning")
    result = {"frames": done, "total": total, "stopped": stopped, "out_path": str(out),
              "output": "video" if isinstance(writer, VideoWriter) else "images", "wall_s": round(wall, 3),
              "fps": round(done / wall, 3) if wall > 0 else 0.0,
              "timings_ms": {"decode": round(reader.decode_ms, 3), "inference": round(infer_ms / n, 3),
                             "draw": round(draw_ms / n, 3), "encode": round(1000.0 * encoder.seconds / n, 3)},
              "detections": detections, "backend": runner.backend, "batch_size": batch_size,
              "input_ended": {"frame": short[0], "of": short[1], "message": reader.shortfall()} if short else None}
    if done:
        reporter.artifact("annotated_" + result["output"], str(out), frames=done)
    return result
