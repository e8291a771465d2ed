"""An exclusive lock held for the life of a job: one trainer per run.

The lock is an advisory OS file lock (flock) on a small file that holds the owner's pid, for
the message; it goes away with the process however the process ends (kill -9 included), so a
stale lock never blocks a resume.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from core.errors import RunError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks; jobs are not guarded there
    fcntl = None


def _try_lock(fd: int) -> bool:
    if fcntl is None:  # pragma: no cover
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def exclusive_lock(path: str | os.PathLike, busy_message: str) -> Iterator[None]:
    """Hold the lock at `path`, or raise RunError(busy_message) naming the process that holds it.

    `busy_message` may contain `{pid}`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd):
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            raise RunError(busy_message.format(pid=holder))
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        yield
    finally:
        os.close(fd)   # closing the descriptor releases the lock
