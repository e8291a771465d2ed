"""Atomic file writes: temp file in the same folder, fsync, then os.replace.

A reader never sees half a file: either the old one or the new one.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Iterator


def _read_umask() -> int:
    mask = os.umask(0o022)   # the only way to read it is to set it; read once, at import
    os.umask(mask)
    return mask


_UMASK = _read_umask()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path` atomically.

    Whatever the body writes to the temporary path is fsynced and renamed into place. If the
    body raises, the temporary file is removed and `path` is left as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        # mkstemp makes the file private (0600); the result gets the mode a plain open() would give
        # it, or keeps the mode of the file it replaces
        os.chmod(tmp_path, target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_UMASK)
        yield tmp_path
        with open(tmp_path, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, target)
        _fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def free_bytes(folder: str | os.PathLike) -> int | None:
    """Free space on the disk holding `folder` (or its nearest existing parent), None if unknown."""
    p = Path(folder)
    for candidate in (p, *p.parents):
        if candidate.exists():
            try:
                import shutil

                return shutil.disk_usage(candidate).free
            except OSError:
                return None
    return None


def storage_failure(path: str | os.PathLike, exc: BaseException, doing: str = "write the file"):
    """A `StorageError` with a sentence for a write that failed: a read-only folder, a full disk
    (torch's zip writer reports that as a RuntimeError "unexpected pos"), or another OS error.
    Returns the error for the caller to raise, or None when `exc` is not about storage."""
    import errno

    from core.errors import StorageError

    target = Path(path)
    folder = target.parent
    code = getattr(exc, "errno", None)
    free = free_bytes(folder)
    free_text = f" ({free / 1e6:.0f} MB free)" if free is not None else ""
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or (folder.exists() and not os.access(folder, os.W_OK)):
        return StorageError(f"Could not {doing}: {folder} is read-only. The last good file is kept; make the folder "
                            "writable and resume.")
    text = str(exc)
    if code in (errno.ENOSPC, errno.EDQUOT) or "unexpected pos" in text or "file write failed" in text \
            or (free is not None and free < 64 * 1024 * 1024):
        return StorageError(f"Could not {doing}: no space left on the disk holding {folder}{free_text}. The last "
                            "good file is kept; free some space and resume.")
    if isinstance(exc, OSError):
        return StorageError(f"Could not {doing} in {folder}: {exc.strerror or exc}.")
    return None
