"""The preview controller: runs a model over a video, image folder or camera off the GUI thread
and hands the GUI annotated frames, at most ~30 per second (latest wins: frames the GUI has no
time for are skipped, never queued).

    preview = PreviewController()
    preview.frame_shown.connect(lambda f: view.set_frame(f.image))
    preview.open(["runs/r/checkpoints/model.pt"], "pytorch", "clip.mp4")
    preview.pause(); preview.step(); preview.seek(40); preview.set_score_threshold(0.3)

A paused worker waits on a condition; a seek closes the frame generator and starts a new one at
`start=`; a new threshold or class filter applies to the next frames, and a paused frame is
drawn again from its kept prediction (no inference). `stop()` never blocks the GUI: the worker
ends after its current frame; `shutdown()` waits for it (application exit).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from studio.controllers.preview_worker import FASTEST, PreviewControl, PreviewFrame, PreviewThread

MAX_FPS = 30.0
_LIVE: set[PreviewThread] = set()     # threads still running, kept alive until they end


def wait_for_threads(timeout_ms: int = 10_000) -> bool:
    """Wait until every preview thread ended (True) or the time ran out (False)."""
    deadline = time.monotonic() + timeout_ms / 1000
    for thread in list(_LIVE):
        thread.wait(max(0, int((deadline - time.monotonic()) * 1000)))
    return not any(t.isRunning() for t in list(_LIVE))


class PreviewController(QObject):
    loaded = Signal(dict)            # what the worker opened: backend, class_names, frame_count, ...
    frame_shown = Signal(object)     # PreviewFrame
    state_changed = Signal(str)      # idle | loading | playing | paused | ended | error
    error = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread: PreviewThread | None = None
        self._control: PreviewControl | None = None
        self._threads: set[PreviewThread] = set()
        self.state = "idle"
        self.info: dict[str, Any] = {}
        self.current: PreviewFrame | None = None
        self.frames_shown = 0
        self.score_threshold = 0.5
        self.classes: set[int] | None = None
        self._last_shown = 0.0
        self._pace = QTimer(self, singleShot=True, timeout=self._take)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # -- lifecycle ----------------------------------------------------------------------------
    def open(self, artifacts: str | Path | Sequence[str | Path], backend: str, source: str | int | Sequence,
             start: int = 0, play: bool = True, device: str = "auto", rois: Sequence | None = None) -> None:
        """Start previewing `source` (or up to four sources, tiled 2x2 and inferred in one batch)
        with an artifact (several with backend "fastest": the one measured fastest on its first
        frame wins), inside `rois` (one per source, None: the whole frame). Replaces whatever was
        open."""
        self.stop()
        paths = [artifacts] if isinstance(artifacts, (str, Path)) else list(artifacts)
        control = PreviewControl(play, self.score_threshold, self.classes)
        if not play:
            control.steps = 1                      # show the first frame, then wait
        thread = PreviewThread(paths, backend, source, control, start=start, device=device, rois=rois)
        thread.loaded.connect(self._on_loaded)
        thread.frame_available.connect(self._on_available)
        thread.state.connect(self._on_worker_state)
        thread.failed.connect(self._on_failed)
        thread.finished.connect(self._on_finished)
        self._thread, self._control = thread, control
        self.info, self.current = {}, None
        _LIVE.add(thread)
        self._threads.add(thread)
        self._set_state("loading")
        thread.start()

    def stop(self) -> None:
        """Ask the worker to end (it finishes its current frame); returns at once."""
        self._pace.stop()
        if self._control is not None:
            self._control.update(stop=True)
        self._thread, self._control = None, None
        if self.state not in ("idle", "error"):
            self._set_state("idle")

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        self.stop()
        return wait_for_threads(timeout_ms)

    @property
    def is_running(self) -> bool:
        """A worker of this controller (current or still stopping) is alive."""
        return any(t.isRunning() for t in self._threads)

    # -- transport ----------------------------------------------------------------------------
    @property
    def is_playing(self) -> bool:
        return self.state == "playing"

    @property
    def frame_count(self) -> int | None:
        return self.info.get("frame_count")

    @property
    def seekable(self) -> bool:
        return bool(self.info.get("seekable"))

    @property
    def current_index(self) -> int:
        return self.current.index if self.current is not None else -1

    def play(self) -> None:
        if self._control is None or self.state in ("idle", "error"):
            return
        if self.state == "loading":            # play once loaded (a restart after a new ROI opens paused)
            self._control.update(playing=True, steps=0)
            return
        if self.state == "ended":
            if not self.seekable:
                return
            self._control.update(seek_to=0, playing=True)
        else:
            self._control.update(playing=True)
        self._set_state("playing")

    def pause(self) -> None:
        if self._control is None or self.state != "playing":
            return
        self._control.update(playing=False)
        self._set_state("paused")

    def toggle(self) -> None:
        self.pause() if self.state == "playing" else self.play()

    def step(self) -> None:
        """Show exactly the next frame (pausing first)."""
        if self._control is None or self.state not in ("playing", "paused"):
            return
        self.pause()
        with self._control.cond:
            self._control.steps += 1
            self._control.cond.notify_all()

    def step_back(self) -> None:
        if self.current_index > 0:
            self.pause()
            self.seek(self.current_index - 1)

    def seek(self, index: int) -> None:
        """Jump to frame `index` (files and folders); a paused preview shows that frame."""
        if self._control is None or not self.seekable:
            return
        last = (self.frame_count or index + 1) - 1
        index = max(0, min(int(index), last))
        if self.state == "ended":
            self._set_state("paused")
        self._control.update(seek_to=index)

    # -- drawing settings ---------------------------------------------------------------------
    def set_score_threshold(self, value: float) -> None:
        self.score_threshold = float(value)
        self._settings_changed(score_threshold=self.score_threshold)

    def set_classes(self, classes: set[int] | None) -> None:
        self.classes = None if classes is None else set(classes)
        self._settings_changed(classes=self.classes)

    def _settings_changed(self, **fields: Any) -> None:
        if self._control is None:
            return
        redraw = self.state in ("paused", "ended") and self.current is not None
        self._control.update(redraw=redraw or self._control.redraw, **fields)

    # -- from the worker ----------------------------------------------------------------------
    def _from_current(self) -> bool:
        return self.sender() is self._thread and self._thread is not None

    def _on_loaded(self, info: dict) -> None:
        if not self._from_current():
            return
        self.info = info
        self.loaded.emit(info)
        self._set_state("playing" if self._control and self._control.playing else "paused")

    def _on_available(self) -> None:
        if not self._from_current() or self._pace.isActive():
            return
        wait_s = 1.0 / MAX_FPS - (time.monotonic() - self._last_shown)
        if wait_s > 0:
            self._pace.start(int(wait_s * 1000) + 1)
        else:
            self._take()

    def _take(self) -> None:
        frame = self._thread.take() if self._thread is not None else None
        if frame is None:
            return
        self._last_shown = time.monotonic()
        self.current = frame
        self.frames_shown += 1
        self.frame_shown.emit(frame)

    def _on_worker_state(self, state: str) -> None:
        if self._from_current():
            self._set_state(state)

    def _on_failed(self, message: str) -> None:
        if not self._from_current():
            return
        self._thread, self._control = None, None
        self._set_state("error")
        self.error.emit(message)

    def _on_finished(self) -> None:
        thread = self.sender()
        if thread is self._thread:             # ended on its own (not stopped): nothing more to show
            self._thread, self._control = None, None
        # forget it once this signal has returned (never delete a QObject inside its own emission)
        QTimer.singleShot(0, lambda t=thread: (_LIVE.discard(t), self._threads.discard(t)))

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)


__all__ = ["PreviewController", "PreviewFrame", "FASTEST", "MAX_FPS", "wait_for_threads"]
