"""Plan an import in a child process and receive the plan in small pieces.

Why: planning is Python-heavy (``json.loads`` of a large COCO file alone holds the interpreter
lock for a second or more), so even on a GUI's background thread it would freeze the GUI. Here
the planner runs in ``python -m core.datasets.plan_process``; the request (the format's name in
`core.datasets.formats` and the planner's keyword arguments) goes in on stdin as JSON, and the
child writes length-prefixed pickle frames to a private copy of stdout: progress and log events
while it works, then the plan — a head without its lists, the lists in chunks of `CHUNK` items,
then ``end``. The parent unpickles one small frame at a time, so it never holds the lock for
long, and rebuilds the same plan object.

A planner's `DataError` comes back as the same sentence; a crash as a sentence with the end of
the child's stderr. `reporter.request_stop()` kills the child (between frames). The frames come
from our own child process, so unpickling them is safe.
"""
from __future__ import annotations

import dataclasses
import gc
import json
import os
import pickle
import struct
import subprocess
import sys
import tempfile
from typing import Any

from core.datasets.formats import import_format
from core.errors import DataError, JobStopped, StudioError
from core.jobs.child_env import child_env
from core.jobs.reporter import NullReporter, Reporter

LISTS = ("images", "annotations", "videos")
CHUNK = 500
_HEADER = struct.Struct("<Q")


def planner(name: str):
    """The planner of an import format (`core.datasets.formats`); DataError for an unknown one."""
    return import_format(name).planner()


# ------------------------------------------------------------------------------ child

class _FrameWriter:
    def __init__(self, stream) -> None:
        self.stream = stream

    def send(self, *message: Any) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self.stream.write(_HEADER.pack(len(data)) + data)
        self.stream.flush()


class _FrameReporter(Reporter):
    def __init__(self, writer: _FrameWriter) -> None:
        super().__init__()
        self.writer = writer

    def emit(self, event: dict[str, Any]) -> None:
        self.writer.send("event", event)


def _send_plan(writer: _FrameWriter, plan: Any) -> None:
    lists = {n: getattr(plan, n) for n in LISTS if isinstance(getattr(plan, n, None), list)}
    empty_report = dataclasses.replace(plan.report, items=[])
    writer.send("head", dataclasses.replace(plan, report=empty_report, **{n: [] for n in lists}))
    for name, items in lists.items():
        for start in range(0, len(items), CHUNK):
            writer.send("chunk", name, items[start:start + CHUNK])
    for start in range(0, len(plan.report.items), CHUNK):
        writer.send("report", plan.report.items[start:start + CHUNK])
    writer.send("end")


def child_main() -> int:
    out = os.fdopen(os.dup(1), "wb")   # frames only: library prints go to stderr
    os.dup2(2, 1)
    writer = _FrameWriter(out)
    try:
        request = json.loads(sys.stdin.read())
        plan = planner(request["format"])(**request["kwargs"], reporter=_FrameReporter(writer))
    except StudioError as exc:
        writer.send("error", str(exc))
        return 0
    except Exception as exc:  # noqa: BLE001 - any failure becomes a sentence for the parent
        writer.send("error", f"Checking the data failed unexpectedly ({type(exc).__name__}: {exc}).")
        return 1
    _send_plan(writer, plan)
    return 0


# ------------------------------------------------------------------------------ parent

def _read_exact(stream, n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        data = stream.read(left)
        if not data:
            return None
        chunks.append(data)
        left -= len(data)
    return b"".join(chunks)


def plan_in_subprocess(fmt: str, kwargs: dict[str, Any], reporter: Reporter | None = None) -> Any:
    """The plan `planner(fmt)(**kwargs)` would return, computed in a child process."""
    planner(fmt)  # unknown formats fail here, before a process starts
    reporter = reporter or NullReporter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "core.datasets.plan_process"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=err, env=child_env())
        try:
            proc.stdin.write(json.dumps({"format": fmt, "kwargs": kwargs}).encode())
            proc.stdin.close()
            plan = _receive_quietly(proc, reporter)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        code = proc.wait()
        if plan is None:
            err.seek(0)
            tail = err.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            raise DataError(f"Checking the data stopped unexpectedly (exit code {code})"
                            + (f": {' '.join(tail)}" if tail else "."))
    return plan


def _receive_quietly(proc: subprocess.Popen, reporter: Reporter) -> Any:
    """`_receive` without cyclic-GC passes while the plan's objects pile up (each full pass walks every
    object of the process while holding the interpreter lock: the GUI would stutter), then the plan
    is moved out of the collector's way with `gc.freeze()` (reference counting still frees it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    plan = None
    try:
        plan = _receive(proc, reporter)
    finally:
        if plan is not None:
            gc.freeze()   # before enabling: else the first young-generation pass walks the whole plan
        if was_enabled:
            gc.enable()
    return plan


def _receive(proc: subprocess.Popen, reporter: Reporter) -> Any:
    plan = None
    while True:
        if reporter.should_stop():
            raise JobStopped("The data check was cancelled.")
        header = _read_exact(proc.stdout, _HEADER.size)
        if header is None:
            return None
        payload = _read_exact(proc.stdout, _HEADER.unpack(header)[0])
        if payload is None:
            return None
        kind, *rest = pickle.loads(payload)
        if kind == "event":
            event = rest[0]
            if event.get("event") == "progress":
                fields = {k: v for k, v in event.items() if k not in ("event", "done", "total", "phase")}
                reporter.progress(event.get("done", 0), event.get("total"), phase=event.get("phase", "main"),
                                  **fields)
            elif event.get("event") == "log":
                reporter.log(event.get("message", ""), event.get("level", "info"))
        elif kind == "error":
            raise DataError(rest[0])
        elif kind == "head":
            plan = rest[0]
        elif kind == "chunk":
            getattr(plan, rest[0]).extend(rest[1])
        elif kind == "report":
            plan.report.items.extend(rest[0])
        elif kind == "end":
            return plan


if __name__ == "__main__":
    sys.exit(child_main())
