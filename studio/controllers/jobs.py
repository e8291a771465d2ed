"""Worker processes started from the GUI with QProcess — the same command line the CLI and the
tests use (`core.jobs.launch.worker_command`). Events arrive on stdout as JSON lines; stderr
goes to the job's log file and to the log view. The GUI thread only parses lines.

Stopping follows the protocol of `core.jobs.protocol` (its stop line and grace periods): a stop
line on stdin, SIGTERM after a grace period, then kill. How a job ended is decided by
`core.jobs.state`, as for the CLI.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from core.jobs import protocol
from core.jobs.launch import log_path_for, worker_command, worker_env
from core.jobs.state import ACTIVE, ended_status, ended_without_word


class Job(QObject):
    """One worker process. Signals carry parsed events and stderr text."""

    event = Signal(dict)
    log = Signal(str)
    changed = Signal()                 # status / progress / message changed
    finished = Signal(object)          # self

    def __init__(self, verb: str, project_root: Path, run: str | None, options: dict[str, Any],
                 parent: QObject | None = None):
        super().__init__(parent)
        self.verb, self.run, self.project_root = verb, run, Path(project_root)
        self.status = "starting"
        self.progress: float | None = None      # 0..1 when known
        self.eta_s: float | None = None
        self.step: int | None = None            # a trainer's step (progress events that carry `step`) ...
        self.total: int | None = None           # ... of its total steps
        self._stepped = False
        self.message = ""
        self.last_event: dict[str, Any] | None = None
        self.started_at = time.time()
        self.ended_at: float | None = None
        self.exit_code: int | None = None
        self.pid: int | None = None             # kept after the process ended (processId() is then 0)
        self.log_path = log_path_for(self.project_root, verb, run)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = open(self.log_path, "ab")
        self._buffer = b""
        cmd = worker_command(verb, self.project_root, run=run, log=self.log_path, **options)
        self.process = QProcess(self)
        env = QProcessEnvironment()
        for k, v in worker_env().items():
            env.insert(k, v)
        self.process.setProcessEnvironment(env)
        self.process.readyReadStandardOutput.connect(self._read_stdout)
        self.process.readyReadStandardError.connect(self._read_stderr)
        self.process.finished.connect(self._on_finished)
        self.process.errorOccurred.connect(self._on_error)
        self.process.started.connect(lambda: setattr(self, "pid", int(self.process.processId())))
        self._term_timer = QTimer(self, singleShot=True, timeout=self._terminate)
        self._kill_timer = QTimer(self, singleShot=True, timeout=self.process.kill)
        self.process.start(cmd[0], cmd[1:])
        self.status = "running"

    # -- title for lists ---------------------------------------------------------------------
    @property
    def title(self) -> str:
        return f"{self.verb} {self.run}" if self.run else self.verb

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    # -- control -----------------------------------------------------------------------------
    def stop(self, grace_ms: int | None = None) -> None:
        """Stop line now, SIGTERM after `grace_ms` (default: the protocol's grace), then kill."""
        if not self.is_active:
            return
        self.status = "stopping"
        self.message = "Stopping (a checkpoint is saved first)..."
        self.changed.emit()
        self.process.write(protocol.STOP_LINE.encode())
        self._term_timer.start(_ms(protocol.STOP_GRACE_S) if grace_ms is None else grace_ms)

    def _terminate(self) -> None:
        if self.process.state() != QProcess.ProcessState.NotRunning:
            self.process.terminate()
            self._kill_timer.start(_ms(protocol.TERM_GRACE_S))

    # -- I/O ---------------------------------------------------------------------------------
    def _read_stdout(self) -> None:
        self._buffer += bytes(self.process.readAllStandardOutput())
        *lines, self._buffer = self._buffer.split(b"\n")
        for event in protocol.parse_event_lines(lines):
            self._consume(event)

    def _consume(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "progress":
            done, total = event.get("done"), event.get("total")
            stepped = "step" in event
            if stepped:
                self.step, self.total = event.get("step"), total or self.total
            # a trainer's overall progress is its steps; the phases in between (an evaluation's
            # batches) report their own done/total, which must not move the job's bar
            if total and (stepped or not self._stepped):
                self.progress = min(1.0, done / total)
                self.eta_s = event.get("eta_s", self.eta_s)
            self._stepped |= stepped
            self.changed.emit()
        elif kind in ("done", "error"):
            self.last_event = event
            self.message = event.get("message") or _done_text(event)
            if isinstance(event.get("step"), int):
                self.step = event["step"]
        elif kind == "log":
            self.message = event.get("message", "")
            self.changed.emit()
        self.event.emit(event)

    def _read_stderr(self) -> None:
        data = bytes(self.process.readAllStandardError())
        self._log_file.write(data)
        self._log_file.flush()
        self.log.emit(data.decode("utf-8", errors="replace"))

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.message = f"The {self.verb} worker could not start: {self.process.errorString()}"
            self._finish(-1)

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self._read_stdout()
        self._read_stderr()
        # a worker killed by a signal: Qt reports a crash exit whose code is the signal's number
        self._finish(code, signum=code if status == QProcess.ExitStatus.CrashExit else None)

    def _finish(self, code: int, signum: int | None = None) -> None:
        if self.ended_at is not None:
            return
        self._term_timer.stop()
        self._kill_timer.stop()
        self.exit_code = code
        self.ended_at = time.time()
        if self.last_event is None and code != -1:   # -1: it never started (the message says why)
            self.last_event = ended_without_word(self.verb, None if signum else code, signum=signum,
                                                 pid=self.pid, log_path=self.log_path, ui="gui")
            self.message = self.last_event["message"]
            self.event.emit(self.last_event)
        self.status = ended_status(self.last_event)
        if self.status == "done":
            self.progress = 1.0
        elif not self.message:
            self.message = f"The {self.verb} worker ended with exit code {code}."
        self._log_file.close()
        self.changed.emit()
        self.finished.emit(self)


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def _done_text(event: dict[str, Any]) -> str:
    """'done at step 120', 'stopped at step 40', 'done'."""
    step = event.get("step")
    return f"{event.get('status', 'done')}" + (f" at step {step}" if isinstance(step, int) else "")


ANY = object()     # `JobController.active`: jobs of every project


class JobController(QObject):
    """Starts jobs and keeps the list the jobs panel shows."""

    job_started = Signal(object)
    job_finished = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.jobs: list[Job] = []

    def start(self, verb: str, project_root: str | Path, run: str | None = None, **options: Any) -> Job:
        job = Job(verb, Path(project_root), run, options, self)
        job.finished.connect(self.job_finished)
        self.jobs.append(job)
        self.job_started.emit(job)
        return job

    def of_project(self, project) -> list[Job]:
        """The jobs started here for `project` (a Project or its folder; none for None)."""
        if project is None:
            return []
        key = Path(getattr(project, "root", project)).resolve()
        return [j for j in self.jobs if j.project_root.resolve() == key]

    def active(self, verb: str | None = None, run: str | None = None, project=ANY) -> list[Job]:
        """Running jobs, of one verb, run and project (a Project or its folder) when given: run names
        repeat across projects, so pages always name theirs."""
        jobs = self.jobs if project is ANY else self.of_project(project)
        return [j for j in jobs if j.is_active and (verb is None or j.verb == verb)
                and (run is None or j.run == run)]

    def stop_all(self, grace_ms: int | None = None) -> None:
        for job in self.active():
            job.stop(grace_ms)

    def wait_all(self, timeout_ms: int) -> bool:
        deadline = time.monotonic() + timeout_ms / 1000
        for job in self.active():
            left = max(0, int((deadline - time.monotonic()) * 1000))
            job.process.waitForFinished(left)
        return not self.active()
