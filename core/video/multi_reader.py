"""Several frame sources read in step: up to four videos, image folders or cameras, each decoded
ahead on its own `FrameReader` thread; `read()` returns one `Frame` per source (None for a source
that has ended, while others go on) and None when every source has ended.

    with MultiReader(["a.mp4", "b.mp4", 0]) as sources:
        for frames in sources:            # [Frame | None, Frame | None, Frame | None]
            ...

The group's frame count is its longest source's (None when any is a camera or unknown); it seeks
when every source can (all to the same index, a shorter one then ends at once).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Sequence

from core.errors import DataError
from core.video.reader import Frame, FrameReader

MAX_SOURCES = 4


def source_label(source: str | Path | int) -> str:
    return f"camera {source}" if isinstance(source, int) or str(source).isdigit() else Path(str(source)).name


class MultiReader:
    kind = "tiled"

    def __init__(self, sources: Sequence[str | Path | int], queue_size: int = 4, max_frames: int | None = None) -> None:
        sources = list(sources)
        if not 1 <= len(sources) <= MAX_SOURCES:
            raise DataError(f"Up to {MAX_SOURCES} sources can be tiled; got {len(sources)}.")
        self.sources = sources
        self.names = [source_label(s) for s in sources]
        self.readers: list[FrameReader] = []
        try:
            for s in sources:
                self.readers.append(FrameReader(s, queue_size=queue_size, max_frames=max_frames))
        except BaseException:
            self.close()
            raise
        self._done = [False] * len(self.readers)
        self.seekable = all(r.seekable for r in self.readers)
        self.fps = next((r.fps for r in self.readers if r.fps), None)

    @property
    def frame_count(self) -> int | None:
        counts = [r.frame_count for r in self.readers]
        return None if any(c is None for c in counts) else max(counts)

    @property
    def decode_ms(self) -> float:
        return sum(r.decode_ms for r in self.readers)

    @property
    def ended_early(self) -> tuple[int, int] | None:
        """The first source that ran out before its claimed count: (frames read, claimed)."""
        return next((r.ended_early for r in self.readers if r.ended_early is not None), None)

    def shortfall(self) -> str | None:
        return next((r.shortfall() for r in self.readers if r.ended_early is not None), None)

    def read(self) -> list[Frame | None] | None:
        out: list[Frame | None] = []
        for k, r in enumerate(self.readers):
            frame = None if self._done[k] else r.read()
            self._done[k] = frame is None
            out.append(frame)
        return None if all(self._done) else out

    def __iter__(self) -> Iterator[list[Frame | None]]:
        while (frames := self.read()) is not None:
            yield frames

    def seek(self, index: int) -> None:
        if not self.seekable:
            raise DataError("A live camera cannot seek.")
        for k, r in enumerate(self.readers):
            count = r.frame_count
            if count is not None and index >= count:
                self._done[k] = True            # this one is over at that point
                continue
            r.seek(index)
            self._done[k] = False

    def close(self) -> None:
        for r in self.readers:
            r.close()

    def __enter__(self) -> "MultiReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
