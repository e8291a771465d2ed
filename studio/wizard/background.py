"""Short work off the GUI thread: a QRunnable that calls a plain function with a `Reporter`
whose progress and log lines arrive as Qt signals (queued to the GUI thread).

The function gets `reporter=` and returns a result; a `StudioError` becomes its sentence, any
other exception a sentence naming it. Owners keep the `Task` while it runs and drop results
they no longer want (see `TaskSlot`).
"""
from __future__ import annotations

import sys
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from core.errors import StudioError
from core.jobs.reporter import Reporter


class TaskSignals(QObject):
    progress = Signal(int, int, str)    # done, total (0: unknown), stage
    message = Signal(str)
    finished = Signal(object)           # the function's result
    failed = Signal(str)                # a sentence


class SignalReporter(Reporter):
    def __init__(self, signals: TaskSignals) -> None:
        super().__init__()
        self.signals = signals

    def emit(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "progress":
            stage = str(event.get("stage") or event.get("phase") or "")
            self.signals.progress.emit(int(event.get("done") or 0), int(event.get("total") or 0), stage)
        elif kind == "log":
            self.signals.message.emit(str(event.get("message", "")))


def error_sentence(exc: BaseException) -> str:
    if isinstance(exc, StudioError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{exc.filename or 'A file'} could not be used: {exc.strerror or exc}."
    return f"Something unexpected went wrong ({type(exc).__name__}: {exc})."


class Task(QRunnable):
    def __init__(self, fn: Callable[..., Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.signals = TaskSignals()
        self.reporter = SignalReporter(self.signals)
        self.done = False

    def run(self) -> None:
        try:
            outcome = ("finished", self.fn(reporter=self.reporter))
        except BaseException as exc:  # noqa: BLE001 - every failure becomes a sentence
            if not isinstance(exc, StudioError) and not sys.is_finalizing():
                traceback.print_exc()
            outcome = ("failed", error_sentence(exc))
        self.done = True
        try:
            getattr(self.signals, outcome[0]).emit(outcome[1])
        except RuntimeError:  # the application is closing and took the signals object with it
            pass
        finally:
            _RUNNING.discard(self)   # the relay (if its owner lives) keeps the task until it has reported

    def cancel(self) -> None:
        self.reporter.request_stop()


_RUNNING: set[Task] = set()


class _Relay(QObject):
    """Lives in the GUI thread: the task's signals are queued to it, and it calls the callbacks."""

    def __init__(self, callbacks: dict[str, Callable | None], is_current: Callable[[], bool],
                 owner: QObject | None) -> None:
        super().__init__(owner)   # destroyed with its owner: late results are then dropped by Qt
        self.callbacks, self.is_current = callbacks, is_current
        self.task: Task | None = None

    def _call(self, name: str, *args) -> None:
        cb = self.callbacks.get(name)
        if cb is not None and self.is_current():
            cb(*args)

    @Slot(object)
    def finished(self, result) -> None:
        self._call("done", result)

    @Slot(str)
    def failed(self, sentence: str) -> None:
        self._call("error", sentence)

    @Slot(int, int, str)
    def progress(self, done: int, total: int, stage: str) -> None:
        self._call("progress", done, total, stage)

    @Slot(str)
    def message(self, text: str) -> None:
        self._call("message", text)


def start_task(fn: Callable[..., Any], on_done: Callable[[Any], None], on_error: Callable[[str], None],
               on_progress: Callable[[int, int, str], None] | None = None,
               on_message: Callable[[str], None] | None = None,
               is_current: Callable[[], bool] = lambda: True, owner: QObject | None = None) -> Task:
    """Run `fn(reporter=...)` on the thread pool; the callbacks run on the GUI thread (never after
    `owner` is destroyed)."""
    task = Task(fn)
    task.relay = _Relay({"done": on_done, "error": on_error, "progress": on_progress, "message": on_message},
                        is_current, owner)
    task.relay.task = task
    _RUNNING.add(task)  # the pool does not own the task (autoDelete off): keep it alive while it runs
    s = task.signals
    s.finished.connect(task.relay.finished)
    s.failed.connect(task.relay.failed)
    s.progress.connect(task.relay.progress)
    s.message.connect(task.relay.message)
    QThreadPool.globalInstance().start(task)
    return task


class TaskSlot:
    """Holds the newest task of one kind; results of an older, replaced task are ignored."""

    def __init__(self, owner: QObject | None = None) -> None:
        self.owner = owner
        self.task: Task | None = None
        self.generation = 0

    def start(self, fn, on_done, on_error, on_progress=None, on_message=None) -> Task:
        self.forget()
        gen = self.generation
        self.task = start_task(fn, on_done, on_error, on_progress, on_message,
                               is_current=lambda: gen == self.generation, owner=self.owner)
        return self.task

    def forget(self) -> None:
        """Cancel the running task (if it polls) and ignore whatever it still reports."""
        if self.task is not None and not self.task.done:
            self.task.cancel()
        self.generation += 1

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.done
