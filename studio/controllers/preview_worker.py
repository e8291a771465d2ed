"""The preview's worker thread: loads a runner, opens the source, and walks
`core.inference.pipeline.iter_annotated` frame by frame under the control of the GUI.

The GUI talks to it only through `PreviewControl` (a condition variable guarding play/pause,
steps, seeks, redraws, the score threshold and class filter, and stop). A paused worker waits on
the condition, never spins. Each finished frame goes into a one-item slot (latest wins: a
slow GUI skips frames, nothing queues up); `frame_available` fires when the slot was empty.
"""
from __future__ import annotations

import collections
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PySide6.QtCore import QThread, Signal

from core.errors import StudioError
from core.inference.pipeline import iter_annotated, shown_count
from core.inference.tiled import Tiles
from core.runtime import fastest_runner, load_runner
from core.video.multi_reader import MultiReader
from core.video.reader import FrameReader

FASTEST = "fastest"


@dataclass
class PreviewFrame:
    index: int
    image: np.ndarray                  # BGR with the overlay drawn
    detections: int                    # instances shown at the current threshold and filter
    timings: dict[str, float]          # decode_ms, inference_ms, draw_ms (recent means), fps
    prediction: Any = field(repr=False, default=None)   # the typed prediction shown (None: none yet)
    redraw: bool = False               # drawn again from the kept prediction, no inference


def count_shown(prediction: Any, score_threshold: float, classes: set[int] | None) -> int:
    """What a prediction shows at the threshold and the class filter (0 without a prediction;
    summed over the sources of a tiled preview)."""
    return shown_count(prediction, score_threshold, classes)


class PreviewControl:
    """What the GUI asks of the worker; every field is read and written under `cond`."""

    def __init__(self, playing: bool, score_threshold: float, classes: set[int] | None) -> None:
        self.cond = threading.Condition()
        self.playing = playing
        self.steps = 0
        self.seek_to: int | None = None
        self.redraw = False
        self.stop = False
        self.score_threshold = score_threshold
        self.classes = classes

    def update(self, **fields: Any) -> None:
        with self.cond:
            for k, v in fields.items():
                setattr(self, k, v)
            self.cond.notify_all()

    def stop_requested(self) -> bool:
        return self.stop


class PreviewThread(QThread):
    loaded = Signal(dict)          # backend, device, class_names, frame_count, fps, seekable, ...
    frame_available = Signal()     # a frame waits in the slot (take it with `take()`)
    state = Signal(str)            # "playing" | "paused" | "ended"
    failed = Signal(str)           # a sentence for the user

    def __init__(self, artifacts: Sequence[str | Path], backend: str, source: str | int | Sequence[str | int],
                 control: PreviewControl, start: int = 0, device: str = "auto", parent=None,
                 rois: Sequence[Any] | None = None) -> None:
        super().__init__(parent)
        self.artifacts = [Path(a) for a in artifacts]
        self.backend, self.source, self.control, self.start_index, self.device = backend, source, control, start, device
        self.sources = list(source) if isinstance(source, (list, tuple)) else [source]
        self.rois = list(rois or [])
        self._slot: PreviewFrame | None = None
        self._slot_lock = threading.Lock()
        self._last: tuple[int, np.ndarray, dict[str, Any]] | None = None   # index, raw frame, prediction
        self._raw: np.ndarray | None = None
        self._draw_times: collections.deque[float] = collections.deque(maxlen=30)
        self._infer_ms: collections.deque[float] = collections.deque(maxlen=10)
        self._draw_ms: collections.deque[float] = collections.deque(maxlen=10)
        self._decode_ms = 0.0
        self.produced = 0
        self.runner = None
        self.fastest_timings: dict[str, Any] | None = None

    # -- the GUI side -------------------------------------------------------------------------
    def take(self) -> PreviewFrame | None:
        with self._slot_lock:
            frame, self._slot = self._slot, None
        return frame

    # -- the worker side ----------------------------------------------------------------------
    def run(self) -> None:
        reader = None
        try:
            reader = MultiReader(self.sources) if len(self.sources) > 1 else FrameReader(self.sources[0], queue_size=4)
            self.runner = self._load(reader)
            self.loaded.emit(self._describe(reader))
            self._loop(reader)
        except StudioError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - the GUI must hear about it, not a dead thread
            self.failed.emit(f"The preview stopped: {type(exc).__name__}: {exc}")
        finally:
            if reader is not None:
                reader.close()
            if self.runner is not None:
                self.runner.close()

    def _load(self, reader: FrameReader):
        if self.backend != FASTEST:
            return load_runner(self.artifacts[0], self.backend, self.device)
        first = reader.read()
        if isinstance(first, list):
            first = next((f for f in first if f is not None), None)
        if first is None:
            raise StudioError("The source has no frame to time the back ends on.")
        if reader.seekable:
            reader.seek(0)
        sample = [np.ascontiguousarray(first.image[:, :, ::-1])]
        runner, self.fastest_timings = fastest_runner(self.artifacts, sample, repeats=3, device=self.device)
        return runner

    def _describe(self, reader: FrameReader) -> dict[str, Any]:
        r = self.runner
        return {"backend": r.backend, "device": r.device, "artifact": str(r.artifact.path), "task": r.task,
                "class_names": dict(r.class_names), "frame_count": reader.frame_count, "fps": reader.fps,
                "seekable": reader.seekable, "kind": reader.kind,
                "sources": [str(x) for x in self.sources], "window": _window_text(r),
                "fastest": self.fastest_timings, "after": _first_stage(r)}

    def _loop(self, reader: FrameReader) -> None:
        pos, fresh = self.start_index, True
        while True:
            if reader.seekable and not fresh and pos == 0:
                reader.seek(0)              # iter_annotated seeks only for start > 0
            fresh = False
            rois = self.rois if len(self.sources) > 1 else (self.rois[0] if self.rois else None)
            frames = iter_annotated(self.runner, reader, draw=self._draw, batch_size=1, start=pos,
                                    score_threshold=self.control.score_threshold, classes=self.control.classes,
                                    show_fps=False, should_stop=self.control.stop_requested, roi=rois)
            try:
                pos = self._consume(frames)
            finally:
                frames.close()
            if pos is None:
                return

    def _consume(self, frames) -> int | None:
        """Feed frames as the control allows; the index to seek to, or None to stop."""
        ctl, at_end = self.control, False
        while True:
            with ctl.cond:
                waited = False
                while True:
                    if ctl.stop:
                        return None
                    if ctl.seek_to is not None:
                        index, ctl.seek_to = ctl.seek_to, None
                        ctl.steps = 0 if ctl.playing else 1       # a paused seek shows that frame
                        self._draw_times.clear()
                        return index
                    if ctl.redraw:
                        ctl.redraw, job = False, "redraw"
                        break
                    if not at_end and (ctl.playing or ctl.steps > 0):
                        if not ctl.playing:
                            ctl.steps -= 1
                        job = "next"
                        break
                    waited = True
                    ctl.cond.wait()
                if waited:
                    self._draw_times.clear()   # FPS measures playing, not pauses
            if job == "redraw":
                self._redraw()
                continue
            item = next(frames, None)
            if item is None:
                if ctl.stop:
                    return None
                at_end = True
                ctl.update(playing=False, steps=0)
                self.state.emit("ended")
                continue
            self._last = (item.index, self._raw, item.prediction)
            self._infer_ms.append(item.timings["inference_ms"])
            self._publish(item.index, item.image, item.prediction, item.timings["decode_ms"])

    def _draw(self, frame_bgr: np.ndarray, prediction: Any, score_threshold: float = 0.5,
              classes: set[int] | None = None) -> np.ndarray:
        """Draw with the settings of this moment (not those the generator started with)."""
        self._raw = frame_bgr.copy()
        t0 = time.perf_counter()
        with self.control.cond:
            threshold, wanted = self.control.score_threshold, self.control.classes
        out = self.runner.draw(frame_bgr, prediction, score_threshold=threshold, classes=wanted)
        self._draw_ms.append((time.perf_counter() - t0) * 1000.0)
        return out

    def _redraw(self) -> None:
        if self._last is None:
            return
        index, raw, prediction = self._last
        if isinstance(prediction, Tiles):          # several sources: compose the tiles again
            image = prediction.compose(self._draw)
            self._publish(index, image, prediction, None, redraw=True)
            return
        roi = prediction_roi(self.rois, raw)
        image = draw_roi(self._draw(raw.copy(), prediction), roi)
        self._raw = raw
        self._publish(index, image, prediction, None, redraw=True)

    def _publish(self, index: int, image: np.ndarray, prediction: Any, decode_ms: float | None,
                 redraw: bool = False) -> None:
        if not redraw:
            self._draw_times.append(time.perf_counter())
        times = self._draw_times
        fps = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
        with self.control.cond:
            threshold, wanted = self.control.score_threshold, self.control.classes
        if decode_ms is not None:
            self._decode_ms = decode_ms
        timings = {"decode_ms": self._decode_ms, "inference_ms": _mean(self._infer_ms),
                   "draw_ms": _mean(self._draw_ms), "fps": fps}
        frame = PreviewFrame(index, image, count_shown(prediction, threshold, wanted), timings, prediction, redraw)
        self.produced += 1
        with self._slot_lock:
            was_empty, self._slot = self._slot is None, frame
        if was_empty:
            self.frame_available.emit()


def prediction_roi(rois: list, frame: np.ndarray):
    """The single source's ROI, clipped to its frame (None: the whole frame)."""
    from core.inference.roi import clip_roi

    return clip_roi(rois[0], frame.shape[1], frame.shape[0]) if rois else None


def draw_roi(image: np.ndarray, roi) -> np.ndarray:
    from core.inference.roi import draw_roi as draw

    return draw(image, roi)


def _window_text(runner) -> str:
    w = runner.window
    return "" if w.frames <= 1 and w.stride <= 1 else (f"window of {w.frames} frames every {w.subsample}, "
                                                       f"a prediction every {w.stride}")


def _mean(values: collections.deque[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _first_stage(runner) -> dict[str, Any] | None:
    """A cascade's first stage as its runner describes it (the detector), else None."""
    describe = getattr(runner, "describe", None)
    return describe().get("after") if callable(describe) else None
