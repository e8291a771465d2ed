"""Start a worker process and talk to it — the one way the CLI and the tests start jobs (the GUI
uses the same `worker_command` with QProcess).

Events arrive as JSON lines on the worker's stdout; its stderr (library output, logging) goes
to a log file. Stopping follows `core.jobs.protocol`: a stop line on stdin, SIGTERM after a
grace period, then kill.

`run_job` never leaves a worker behind: Ctrl+C, SIGTERM (`timeout`, a service manager) and
SIGHUP (a closed terminal) all stop the worker the same way (it saves a checkpoint first), and
then raise `JobInterrupted`. A worker that ends without a word (killed by a signal) gets an
`error` event with a sentence from `core.jobs.state`.
"""
from __future__ import annotations

import datetime as _dt
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

from core.errors import JobInterrupted
from core.jobs.child_env import child_env
from core.jobs.protocol import RESUMING_VERBS, STOP_GRACE_S, STOP_LINE, TERM_GRACE_S, parse_event
from core.jobs.state import ended_without_word, final_event, interrupted_message

EventFn = Callable[[dict[str, Any]], None]
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def worker_command(verb: str, project: str | Path, **options: Any) -> list[str]:
    """`python -m workers VERB --project P --key value ...` (None options are left out, True is a flag,
    a list repeats its flag once per item)."""
    cmd = [sys.executable, "-m", "workers", verb, "--project", str(project)]
    for key, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        if isinstance(value, (list, tuple)):
            for item in value:
                cmd += [flag, str(item)]
            continue
        cmd += [flag] if value is True else [flag, str(value)]
    return cmd


def worker_env() -> dict[str, str]:
    return child_env()


def log_path_for(project_root: str | Path, verb: str, run: str | None = None) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    base = Path(project_root) / "runs" / run / "logs" if run else Path(project_root) / "logs"
    return base / f"{verb}-{stamp}.log"


class JobProcess:
    """A running worker. Iterate `events()`; `request_stop()` asks it to stop; `stop()` makes it
    stop (escalating) while draining its events; `wait()` returns its status."""

    def __init__(self, cmd: list[str], log_path: Path):
        self.cmd = cmd
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                     env=worker_env(), text=True, bufsize=1,
                                     # its own session: a Ctrl+C or a closed terminal reaches only the
                                     # launcher, which then stops the worker gracefully (checkpoint first)
                                     start_new_session=True)
        self._stop_lock = threading.Lock()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def events(self) -> Iterator[dict[str, Any]]:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            event = parse_event(line)
            if event is not None:
                yield event

    def request_stop(self) -> None:
        with self._stop_lock:
            if self.proc.poll() is None and self.proc.stdin and not self.proc.stdin.closed:
                try:
                    self.proc.stdin.write(STOP_LINE)
                    self.proc.stdin.flush()
                except (BrokenPipeError, OSError):
                    pass

    def stop(self, on_event: EventFn | None = None, grace_s: float = STOP_GRACE_S,
             term_s: float = TERM_GRACE_S) -> int:
        """Stop line, then SIGTERM after `grace_s`, then kill after `term_s` more; the events the
        worker sends meanwhile go to `on_event`. Returns its exit status."""
        ended = threading.Event()

        def escalate() -> None:
            if ended.wait(grace_s):
                return
            if self.proc.poll() is None:
                self.proc.terminate()
            if ended.wait(term_s):
                return
            if self.proc.poll() is None:
                self.proc.kill()

        self.request_stop()
        watchdog = threading.Thread(target=escalate, name="stop-escalation", daemon=True)
        watchdog.start()
        try:
            for event in self.events():
                if on_event is not None:
                    on_event(event)
            return self.wait()
        finally:
            ended.set()

    def wait(self) -> int:
        code = self.proc.wait()
        self._log.close()
        return code


class _Signalled(BaseException):
    """Raised by the launcher's handler for the first stop signal (not an Exception: user
    callbacks that catch Exception must not swallow it)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class _StopSignals:
    """While a job runs: the first of SIGINT/SIGTERM/SIGHUP raises `_Signalled`; later ones are
    noted only (the stop under way is bounded by its grace periods). A signal that is ignored
    here (`nohup` ignores SIGHUP) stays ignored. Off the main thread, nothing is installed."""

    def __init__(self) -> None:
        self.first: int | None = None
        self._old: dict[int, Any] = {}

    def __enter__(self) -> "_StopSignals":
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                if signal.getsignal(signum) is not signal.SIG_IGN:
                    self._old[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum: int, frame) -> None:  # noqa: ARG002
        if self.first is None:
            self.first = signum
            raise _Signalled(signum)

    def __exit__(self, *exc) -> None:
        for signum, old in self._old.items():
            signal.signal(signum, old)


class _Deliver:
    """Calls `on_event`; once its output fails (the terminal closed, a pipe reader left), the job
    goes on without output instead of losing its worker."""

    def __init__(self, on_event: EventFn | None):
        self.on_event = on_event

    def __call__(self, event: dict[str, Any]) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(event)
        except OSError:
            self.on_event = None


def run_job(verb: str, project: str | Path, on_event: EventFn | None = None,
            run: str | None = None, again: str | None = None, **options: Any) -> tuple[int, list[dict[str, Any]]]:
    """Run a worker to the end. Returns (exit code, events); a worker killed by a signal returns
    128 + its number, with an `error` event that says so. Ctrl+C, SIGTERM or SIGHUP stop the
    worker gracefully, then raise `JobInterrupted`. `again` overrides how those sentences say
    to go on ("run the same command to ...")."""
    log_path = log_path_for(project, verb, run)
    deliver = _Deliver(on_event)
    seen: list[dict[str, Any]] = []

    def take(event: dict[str, Any]) -> None:
        seen.append(event)
        deliver(event)

    job: JobProcess | None = None
    with _StopSignals() as signals:
        try:
            job = JobProcess(worker_command(verb, project, run=run, log=log_path, **options), log_path)
            for event in job.events():
                take(event)
            code = job.wait()
        except _Signalled as exc:
            if job is None:
                raise JobInterrupted(interrupted_message(verb, exc.signum, None, again), exc.signum) from None
            deliver({"event": "log", "message": f"Stopping the {verb} job (a checkpoint is saved first)..."
                     if verb in RESUMING_VERBS else f"Stopping the {verb} job..."})
            code = job.stop(take)
        except BaseException:
            if job is not None:
                job.stop(take)   # never leave a worker behind
            raise
    last = final_event(seen)
    if last is None:
        last = ended_without_word(verb, code, pid=job.pid, log_path=log_path, again=again)
        if signals.first is None:
            take(last)
        code = 128 - code if code < 0 else (code or 1)
    if signals.first is not None:
        raise JobInterrupted(interrupted_message(verb, signals.first, last, again), signals.first, seen)
    return code, seen
