"""Short data tasks (check an import, commit it, split, export) on a background thread.

Imports of a whole folder take seconds to minutes — hashing and copying files — so they never run
on the GUI thread. A task is a plain function `fn(project, reporter) -> result` (Orange's
`concurrent` idea): it gets its OWN connection to the project (SQLite in WAL mode lets the GUI
keep reading), reports progress through a `Reporter` whose events arrive here as Qt signals, and
its `StudioError` becomes the sentence of `failed`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

from core.errors import StudioError
from core.jobs.reporter import Reporter
from core.project import Project


class _SignalReporter(Reporter):
    def __init__(self, task: "DataTask"):
        super().__init__()
        self.task = task

    def emit(self, event: dict[str, Any]) -> None:
        if event.get("event") == "progress":
            stage = str(event.get("stage") or event.get("phase") or "")
            self.task.progress.emit(int(event.get("done") or 0), int(event.get("total") or 0), stage)
        elif event.get("event") == "log":
            self.task.message.emit(str(event.get("message", "")))


_ALIVE: set["DataTask"] = set()   # running tasks, kept alive even if the dialog that started them closes


_QUIT_HOOKED = False


def wait_all(msecs: int = 60_000) -> bool:
    """Block until every running task has finished (at quit: a QThread must not be destroyed while
    it runs, and an import's transaction must end)."""
    return all(task.wait(msecs) for task in list(_ALIVE))


class DataTask(QThread):
    """Runs `fn(project, reporter)` once. Exactly one of `succeeded` / `failed` follows `start()`.
    Create it without a parent: it keeps itself alive until its thread has finished."""

    progress = Signal(int, int, str)      # done, total (0: unknown), stage
    message = Signal(str)
    succeeded = Signal(object)            # fn's result
    failed = Signal(str)                  # a sentence

    def __init__(self, project_root: str | Path, fn: Callable[[Project, Reporter], Any], title: str = "",
                 parent: QObject | None = None):
        super().__init__(parent)
        self.project_root, self.fn, self.title = Path(project_root), fn, title
        self.reporter = _SignalReporter(self)
        self.result: Any = None
        self.error: str | None = None

    def start(self, *args) -> None:
        global _QUIT_HOOKED
        _ALIVE.add(self)
        self.finished.connect(lambda: _ALIVE.discard(self))
        app = QCoreApplication.instance()
        if app is not None and not _QUIT_HOOKED:
            app.aboutToQuit.connect(wait_all)
            _QUIT_HOOKED = True
        super().start(*args)

    def cancel(self) -> None:
        """Ask the task to stop (core code polls `reporter.should_stop()` where it can)."""
        self.reporter.request_stop()

    def run(self) -> None:
        try:
            with Project.open(self.project_root) as project:
                self.result = self.fn(project, self.reporter)
        except StudioError as exc:
            self.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - shown to the user; a thread must not die silently
            self.error = f"{self.title or 'The task'} failed unexpectedly: {type(exc).__name__}: {exc}"
        if self.error is None:
            self.succeeded.emit(self.result)
        else:
            self.failed.emit(self.error)
