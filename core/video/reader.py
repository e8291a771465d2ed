"""Frame sources for inference and the preview: a video file, a folder of images, a single
image, or a camera index — read by `FrameReader`, which decodes ahead on a background thread
into a bounded queue and yields `Frame(index, image_bgr, timestamp, name)` (`name`: the image's
file name when the source is a folder or an image, None for videos and cameras).

Files and folders know their frame count and can seek; cameras cannot. A source that cannot be
opened (or an image that cannot be decoded) raises `DataError` with the file's name. A video
whose frames end before the count its header claims (a truncated or damaged file) ends the
iteration early; `FrameReader.ended_early` then says where, and `shortfall()` says it as a
sentence, so a short output never passes for a complete one.
"""
from __future__ import annotations

import queue
import threading
import time
from pathlib import Path
from typing import Iterator, NamedTuple

import cv2
import numpy as np

from core.errors import DataError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".m4v", ".webm", ".mpg", ".mpeg", ".wmv"})


class Frame(NamedTuple):
    index: int
    image: np.ndarray      # BGR uint8 (H, W, 3)
    timestamp: float       # seconds from the start of the source
    name: str | None = None  # the image file's name for folders and images; None for videos and cameras


class _Source:
    """Sequential access to frames; the reader thread is the only caller of `read`."""

    kind = ""
    seekable = True
    frame_count: int | None = None
    fps: float | None = None

    def read(self) -> np.ndarray | None: ...
    def name(self, index: int) -> str | None:
        return None
    def seek(self, index: int) -> None: ...
    def close(self) -> None: ...


class _VideoSource(_Source):
    kind = "video"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cap = cv2.VideoCapture(str(path))
        if not self.cap.isOpened():
            raise DataError(f"Cannot open the video {path}: the file is missing, damaged, or in a format OpenCV "
                            "cannot decode.")
        count = int(self.cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.frame_count = count if count > 0 else None
        fps = float(self.cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 0.0 < fps < 1000.0 else None

    def read(self) -> np.ndarray | None:
        ok, frame = self.cap.read()
        return frame if ok else None

    def seek(self, index: int) -> None:
        self.cap.set(cv2.CAP_PROP_POS_FRAMES, index)

    def close(self) -> None:
        self.cap.release()


class _FolderSource(_Source):
    kind = "images"

    def __init__(self, files: list[Path], fps: float) -> None:
        self.files, self.pos, self.fps, self.frame_count = files, 0, fps, len(files)

    def read(self) -> np.ndarray | None:
        if self.pos >= len(self.files):
            return None
        path = self.files[self.pos]
        self.pos += 1
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise DataError(f"Cannot decode the image {path}; remove it or replace it with a readable file.")
        return image

    def name(self, index: int) -> str | None:
        return self.files[index].name

    def seek(self, index: int) -> None:
        self.pos = index


class _CameraSource(_VideoSource):
    kind = "camera"
    seekable = False

    def __init__(self, index: int) -> None:
        self.cap = cv2.VideoCapture(index)
        if not self.cap.isOpened():
            raise DataError(f"Cannot open camera {index}: it is missing or in use by another program.")
        fps = float(self.cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 0.0 < fps < 1000.0 else None
        self.frame_count = None


def list_images(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
                  key=lambda p: p.name)


def open_source(source: str | Path | int, folder_fps: float = 30.0) -> _Source:
    if isinstance(source, int) or (isinstance(source, str) and source.isdigit()):
        return _CameraSource(int(source))
    path = Path(source).expanduser()
    if path.is_dir():
        files = list_images(path)
        if not files:
            raise DataError(f"The folder {path} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))}).")
        return _FolderSource(files, folder_fps)
    if not path.exists():
        raise DataError(f"The video or image source {path} does not exist.")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return _FolderSource([path], folder_fps)
    return _VideoSource(path)


_END = object()


class FrameReader:
    """Iterate over a source's frames while a thread decodes the next ones (at most
    `queue_size` ahead). `decode_ms` is the mean decode time per frame on that thread."""

    def __init__(self, source: str | Path | int, queue_size: int = 8, max_frames: int | None = None,
                 folder_fps: float = 30.0) -> None:
        self._source = open_source(source, folder_fps)
        self.kind, self.seekable, self.fps = self._source.kind, self._source.seekable, self._source.fps
        self.max_frames = max_frames
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, queue_size))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next = 0
        self._decode_s, self._decoded = 0.0, 0
        self._ended_early: tuple[int, int] | None = None
        self._t0 = time.monotonic()
        self._start(0)

    @property
    def frame_count(self) -> int | None:
        """Frames this reader will yield from the start (None when unknown: cameras, some files)."""
        n = self._source.frame_count
        if self.max_frames is not None:
            return self.max_frames if n is None else min(n, self.max_frames)
        return n

    @property
    def ended_early(self) -> tuple[int, int] | None:
        """(frames read, frames the source claims) when the source ran out before its claimed
        count (a truncated or damaged video); None while reading, or when it ended where it said."""
        return self._ended_early

    def shortfall(self) -> str | None:
        """`ended_early` as a sentence for the user (None when the input was complete)."""
        if self._ended_early is None:
            return None
        read, claimed = self._ended_early
        path = getattr(self._source, "path", None)
        subject = path.name if isinstance(path, Path) else "the video"
        return (f"The input ended at frame {read} of {claimed}: {subject} holds fewer frames than its header "
                f"claims (it is truncated or damaged), so only its first {read} frames were processed.")

    @property
    def decode_ms(self) -> float:
        return 1000.0 * self._decode_s / self._decoded if self._decoded else 0.0

    def _timestamp(self, index: int) -> float:
        if self.kind == "camera" or not self.fps:
            return time.monotonic() - self._t0
        return index / self.fps

    def _run(self, start: int) -> None:
        index = start
        try:
            while not self._stop.is_set() and (self.max_frames is None or index < self.max_frames):
                t0 = time.perf_counter()
                image = self._source.read()
                if image is None:
                    claimed = self._source.frame_count
                    if claimed is not None and index < claimed:
                        self._ended_early = (index, claimed)   # read by the consumer after _END
                    break
                self._decode_s += time.perf_counter() - t0
                self._decoded += 1
                if not self._put(Frame(index, image, self._timestamp(index), self._source.name(index))):
                    return
                index += 1
        except BaseException as exc:  # noqa: BLE001 - handed to the consuming thread
            self._put(exc)
            return
        self._put(_END)

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _start(self, index: int) -> None:
        self._stop.clear()
        self._ended_early = None
        self._thread = threading.Thread(target=self._run, args=(index,), name="studio-frame-reader", daemon=True)
        self._thread.start()

    def _halt(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        while not self._queue.empty():
            self._queue.get_nowait()

    def read(self) -> Frame | None:
        """The next frame, or None at the end of the source."""
        if self._thread is None:
            return None
        item = self._queue.get()
        if item is _END:
            self._thread.join()
            self._thread = None
            return None
        if isinstance(item, BaseException):
            self._halt()
            raise item
        return item

    def __iter__(self) -> Iterator[Frame]:
        while (frame := self.read()) is not None:
            yield frame

    def seek(self, index: int) -> None:
        """Continue from frame `index` (files and folders; cameras raise DataError)."""
        if not self.seekable:
            raise DataError("A live camera cannot seek.")
        if index < 0 or (self._source.frame_count is not None and index >= self._source.frame_count):
            raise DataError(f"Frame {index} is outside the source (0 to {(self._source.frame_count or 1) - 1}).")
        self._halt()
        self._source.seek(index)
        self._start(index)

    def close(self) -> None:
        self._halt()
        self._source.close()

    def __enter__(self) -> "FrameReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
