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
from typing import Any, Callable, Iterator, NamedTuple

import cv2
import numpy as np

from core.families.base import Window
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


def _rgb(frame) -> np.ndarray:
    return cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)


def _predicted(runner, frames: Iterator, batch_size: int, should_stop: Callable[[], bool] | None):
    """(frame, prediction, inference ms per frame) for every frame, walking the runner's window.

    Image models (a window of 1 frame, stride 1) infer `batch_size` frames per call. Clip models
    infer over the last `window.frames` frames (every `window.subsample`-th) each `window.stride`
    frames; the prediction holds for the frames until the next one, and frames before the first
    full window have none."""
    window = getattr(runner, "window", None) or Window()
    if window.frames <= 1 and window.stride <= 1:
        while not (should_stop and should_stop()):
            batch = [f for _, f in zip(range(max(1, batch_size)), frames)]
            if not batch:
                return
            t0 = time.perf_counter()
            predictions = runner([_rgb(f) for f in batch])
            ms = (time.perf_counter() - t0) * 1000.0 / len(batch)
            yield from ((f, p, ms) for f, p in zip(batch, predictions))
        return
    recent: collections.deque = collections.deque(maxlen=window.span)
    current, seen, since = None, 0, None
    for frame in frames:
        if should_stop and should_stop():
            return
        recent.append(_rgb(frame))
        seen += 1
        ms = 0.0
        if len(recent) == window.span:
            since = 0 if since is None else since + 1
            if since % max(1, window.stride) == 0:
                clip = np.stack(list(recent)[::max(1, window.subsample)])
                t0 = time.perf_counter()
                current = runner([clip])[0]
                ms = (time.perf_counter() - t0) * 1000.0
        yield frame, current, ms


def iter_annotated(runner, source: str | Path | int | FrameReader, *, draw: DrawFn | None = None,
                   batch_size: int = 1, score_threshold: float = 0.5, classes: set[int] | None = None,
                   max_frames: int | None = None, start: int = 0, show_fps: bool = True,
                   should_stop: Callable[[], bool] | None = None) -> Iterator[AnnotatedFrame]:
    """Annotated frames of `source` (a path, camera index, or an open FrameReader the caller
    keeps owning), inferred as the runner's window says (see `_predicted`)."""
    draw = draw or runner.draw
    owned = not isinstance(source, FrameReader)
    reader = FrameReader(source, queue_size=2 * batch_size + 2, max_frames=max_frames) if owned else source
    recent: collections.deque[float] = collections.deque(maxlen=30)
    try:
        if start:
            reader.seek(start)
        for frame, prediction, infer_ms in _predicted(runner, iter(reader), batch_size, should_stop):
            t1 = time.perf_counter()
            image = draw(frame.image, prediction, score_threshold=score_threshold, classes=classes)
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


def run_inference(runner, draw: DrawFn | None, source: str | Path | int, out_path: str | Path,
                  batch_size: int = 4, score_threshold: float = 0.5, classes: set[int] | None = None,
                  reporter: Reporter | None = None, max_frames: int | None = None,
                  show_fps: bool = True) -> dict[str, Any]:
    """Annotate every frame of `source` into `out_path` (a video for .mp4/.avi/..., else an
    image folder). Reports progress; stops early (keeping what was written) on a stop request.

    Returns frames, total, stopped, out_path, fps (overall), timings_ms {decode, inference,
    draw, encode} (mean per frame), detections (kept by the threshold), backend, batch_size and
    input_ended ({"frame", "of", "message"} when the input ran out before the frame count its
    header claims, also logged as a warning; else None).
    """
    reporter = reporter or NullReporter()
    reader = FrameReader(source, queue_size=2 * batch_size + 2, max_frames=max_frames)
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
                                   should_stop=reporter.should_stop):
            encoder.put(item.index, item.image, item.name)
            done += 1
            infer_ms += item.timings["inference_ms"]
            draw_ms += item.timings["draw_ms"]
            detections += count_shown(item.prediction, score_threshold, classes) if item.prediction is not None else 0
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
