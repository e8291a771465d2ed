"""Frame sinks: an mp4 (or other container) `VideoWriter` and an `ImageFolderWriter`;
`open_writer` picks one from the output path (a video suffix means a video file).

Every frame handed to `write` is written: frames of another size than the first are resized
to it (a container holds one frame size). A video is written to a hidden partial file and
moved into place on `close`, so a reader never sees half a video; `abort` discards it.

An image folder keeps the input's file names when the frames come with one (an image folder
in: `street.jpg` becomes `street.png`, the same stem with the writer's extension) and numbers
them `000000.png`... otherwise (videos, cameras). Two inputs with the same stem (`a.jpg`,
`a.png`) would overwrite each other: the first keeps `a.png`, a later one gets its source
suffix added (`a_png.png`), then a counter (`a_png_2.png`) if even that is taken.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import cv2
import numpy as np

from core.errors import DataError
from core.video.reader import VIDEO_SUFFIXES

_FOURCC = {".avi": "MJPG", ".webm": "VP80"}


class VideoWriter:
    def __init__(self, path: str | Path, fps: float | None = None, fourcc: str | None = None) -> None:
        self.path = Path(path)
        self.fps = float(fps) if fps and fps > 0 else 30.0
        self.fourcc = fourcc or _FOURCC.get(self.path.suffix.lower(), "mp4v")
        self.frames_written = 0
        self.size: tuple[int, int] | None = None
        self._partial = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")
        self._writer: cv2.VideoWriter | None = None

    def _open(self, frame: np.ndarray) -> None:
        h, w = frame.shape[:2]
        self.size = (w, h)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = cv2.VideoWriter(str(self._partial), cv2.VideoWriter_fourcc(*self.fourcc), self.fps, (w, h))
        if not self._writer.isOpened():
            self._writer = None
            raise DataError(f"Cannot write the video {self.path} with codec {self.fourcc!r}; choose an .mp4 or "
                            ".avi output, or an image folder.")

    def write(self, frame_bgr: np.ndarray, index: int | None = None, name: str | None = None) -> None:
        """Append a frame (`index` and `name` are for image folders; a video ignores them)."""
        if self._writer is None:
            self._open(frame_bgr)
        if (frame_bgr.shape[1], frame_bgr.shape[0]) != self.size:
            frame_bgr = cv2.resize(frame_bgr, self.size, interpolation=cv2.INTER_AREA)
        self._writer.write(np.ascontiguousarray(frame_bgr))
        self.frames_written += 1

    def close(self) -> Path:
        """Finish the file and move it into place (a video with no frame is not created)."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None
            os.replace(self._partial, self.path)
        return self.path

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        with contextlib.suppress(FileNotFoundError):
            self._partial.unlink()

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.abort() if exc_type is not None else self.close()


class ImageFolderWriter:
    """Writes a frame as `<folder>/<stem of name><ext>` when it has a source name, else as
    `<folder>/<index:06d><ext>` (PNG by default: lossless). See the module docstring for clashes."""

    def __init__(self, folder: str | Path, ext: str = ".png") -> None:
        self.path = Path(folder)
        self.ext = ext if ext.startswith(".") else f".{ext}"
        self.frames_written = 0
        self._used: set[str] = set()     # names written so far, lower-cased (case-insensitive disks)
        self.path.mkdir(parents=True, exist_ok=True)

    def target(self, index: int, name: str | None) -> Path:
        """Where a frame goes (and reserve the name)."""
        if not name:
            file = f"{index:06d}{self.ext}"
        else:
            source = Path(name)
            file = f"{source.stem}{self.ext}"
            if file.lower() in self._used and source.suffix:
                file = f"{source.stem}_{source.suffix.lstrip('.')}{self.ext}"
            base, k = Path(file).stem, 2
            while file.lower() in self._used:
                file = f"{base}_{k}{self.ext}"
                k += 1
        self._used.add(file.lower())
        return self.path / file

    def write(self, frame_bgr: np.ndarray, index: int | None = None, name: str | None = None) -> None:
        index = self.frames_written if index is None else index
        target = self.target(index, name)
        if not cv2.imwrite(str(target), frame_bgr):
            raise DataError(f"Cannot write the image {target}; check the folder's permissions and free space.")
        self.frames_written += 1

    def close(self) -> Path:
        return self.path

    def abort(self) -> None:
        """Frames already written stay (each is a complete file)."""

    def __enter__(self) -> "ImageFolderWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def is_video_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def open_writer(out_path: str | Path, fps: float | None = None) -> VideoWriter | ImageFolderWriter:
    """A VideoWriter for a path with a video suffix (.mp4, .avi ...), else an image folder."""
    return VideoWriter(out_path, fps) if is_video_path(out_path) else ImageFolderWriter(out_path)
