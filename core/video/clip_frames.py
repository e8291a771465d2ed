"""Frames of a clip, read on the fly from a video file or a folder of frame images.

Action samples are frame ranges of a video or a frame folder (`core.project.samples.ClipSample`);
training and evaluation read the frames a sample needs when they need them. Videos are not
extracted to image files on import: measured on a 2-core EPYC, reading an 8-frame clip from a
64 px mp4 costs about 3 ms (12 ms at 160 px, 17 ms at 320 px) against 1 / 7 / 31 ms from PNG
files, while the PNG frames take 7-9 times the disk space; a CPU training step of 8 such clips
takes one to several seconds, so decoding is a few percent of it. Frame folders
(`<class>/<clip>/rgb/000001.png`) are read as they are.

    read_frames("wave/clip1.mp4", [4, 5, 6, 7])     # (4, H, W, 3) RGB uint8
    count_frames("clap/take1/rgb")                 # frames in the folder

Indices are 0-based frame numbers of the video (or positions in the folder's sorted listing). A
video that ends before an index (truncated) raises `DataError` naming the file and the frame.

OpenCV's FFmpeg back end prints its complaints about damaged files ("moov atom not found") on the
process's stderr; `quiet_stderr` captures them while an import probes its videos, so they are
reported as sentences instead (training and inference leave them in the job's log).
"""
from __future__ import annotations

import contextlib
import functools
import os
import tempfile
import threading
from pathlib import Path
from typing import Iterator, Sequence

import cv2
import numpy as np

from core.errors import DataError
from core.video.reader import IMAGE_SUFFIXES

_STDERR_LOCK = threading.Lock()


@contextlib.contextmanager
def quiet_stderr() -> Iterator[list[str]]:
    """Capture what native code writes on file descriptor 2 while the block runs; the list it
    yields holds the captured lines once the block has ended (FFmpeg's messages, for instance)."""
    lines: list[str] = []
    with _STDERR_LOCK, tempfile.TemporaryFile(mode="w+b") as sink:
        try:
            saved = os.dup(2)
        except OSError:        # no stderr to redirect (a detached process): nothing to capture
            yield lines
            return
        try:
            os.dup2(sink.fileno(), 2)
            yield lines
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            text = sink.read().decode("utf-8", "replace")
            lines.extend(ln.strip() for ln in text.splitlines() if ln.strip())


@functools.lru_cache(maxsize=4096)
def _listing(folder: str, mtime_ns: int) -> tuple[str, ...]:
    return tuple(sorted(str(p) for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                        and not p.name.startswith(".")))


def frame_files(folder: str | Path) -> tuple[str, ...]:
    """The frame images of a folder, in name order (cached until the folder changes)."""
    folder = Path(folder)
    return _listing(str(folder), folder.stat().st_mtime_ns)


def count_frames(path: str | Path) -> int:
    """Frames of a frame folder, or the frame count a video's header claims."""
    path = Path(path)
    if path.is_dir():
        return len(frame_files(path))
    cap = cv2.VideoCapture(str(path))
    try:
        return int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    finally:
        cap.release()


def read_frames(path: str | Path, indices: Sequence[int]) -> np.ndarray:
    """RGB uint8 frames (len(indices), H, W, 3) at `indices` (any order, repeats allowed)."""
    path = Path(path)
    if len(indices) == 0:
        raise ValueError("no frame indices to read")
    if min(indices) < 0:
        raise ValueError(f"frame indices must be >= 0, got {min(indices)}")
    if path.is_dir():
        return _folder_frames(path, indices)
    if not path.is_file():
        raise DataError(f"The clip's video {path} does not exist; was it moved or deleted after the import?")
    return _video_frames(path, indices)


def _folder_frames(folder: Path, indices: Sequence[int]) -> np.ndarray:
    files = frame_files(folder)
    if max(indices) >= len(files):
        raise DataError(f"The frame folder {folder} holds {len(files)} frames; frame {max(indices) + 1} was asked "
                        "for (were frames deleted after the import?).")
    cache: dict[int, np.ndarray] = {}
    out = []
    for i in indices:
        if i not in cache:
            image = cv2.imread(files[i], cv2.IMREAD_COLOR)
            if image is None:
                raise DataError(f"Cannot decode the frame {files[i]}; replace it with a readable image.")
            cache[i] = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        out.append(cache[i])
    return _stack(out, folder)


def _video_frames(path: Path, indices: Sequence[int]) -> np.ndarray:
    wanted = sorted(set(int(i) for i in indices))
    got: dict[int, np.ndarray] = {}
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise DataError(f"Cannot open the video {path}: it is damaged or in a format OpenCV cannot decode.")
        pos = wanted[0]
        if pos > 0:
            cap.set(cv2.CAP_PROP_POS_FRAMES, pos)
        for target in wanted:
            while pos < target:       # skip what lies between wanted frames
                if not cap.grab():
                    break
                pos += 1
            ok, frame = cap.read() if pos == target else (False, None)
            if not ok or frame is None:
                raise DataError(f"The video {path.name} ends before frame {target + 1} (it is truncated or "
                                "damaged); import it again or remove its clip.")
            got[target] = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            pos += 1
    finally:
        cap.release()
    return _stack([got[int(i)] for i in indices], path)


def _stack(frames: list[np.ndarray], source: Path) -> np.ndarray:
    shapes = {f.shape for f in frames}
    if len(shapes) > 1:
        h, w = frames[0].shape[:2]
        frames = [f if f.shape == frames[0].shape else cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA)
                  for f in frames]
    return np.stack(frames)
