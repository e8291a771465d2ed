"""An exclusive lock held for the life of a job: one trainer per run.

The lock is an OS file lock on a small file (it holds the owner's pid, for the message), so it
goes away with the process however the process ends (kill -9 included): a stale lock never
blocks a resume.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from core.errors import RunError

try:  # POSIX
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
except ImportError:  # pragma: no cover - Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
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
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise RunError(busy_message.format(pid=holder))
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        os.close(fd)   # closing the descriptor releases the lock
