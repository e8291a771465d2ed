"""Up to four sources at once, tiled 2x2, for every family: each step reads one frame of every
source, infers everything that is due in ONE runner call (the batch spans the sources: each
source's frame for image models, each source's clip whose window is due for clip models),
draws each source's prediction on its own frame (inside its ROI, when it has one) and tiles them.

`iter_tiled` yields `AnnotatedFrame`s whose image is the mosaic and whose prediction is a `Tiles`
(the raw frames and predictions per source, which can be composed again with other drawing
settings: the preview's paused redraw). Sources that end before the others keep their last
frame, marked "ended". One source comes out untiled.
"""
from __future__ import annotations

import collections
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

import cv2
import numpy as np

from core.families.base import Window
from core.inference.pipeline import AnnotatedFrame, DrawFn, WindowState, is_clip_window
from core.inference.roi import Roi, clip_roi, crop, draw_roi, to_frame
from core.video.draw import draw_fps, draw_label
from core.video.multi_reader import MultiReader

BACKGROUND = (24, 19, 17)       # BGR of an empty tile


def grid(n: int) -> tuple[int, int]:
    """(rows, columns) of the mosaic: 1x1, 1x2, then 2x2."""
    return (1, 1) if n <= 1 else ((1, 2) if n == 2 else (2, 2))


@dataclass
class Tiles:
    """What one mosaic frame shows: per source its raw frame (BGR, None before its first), its
    prediction (None: none yet), its ROI, name and whether it has ended."""

    frames: list[np.ndarray | None]
    predictions: list[Any]
    rois: list[Roi | None]
    names: list[str]
    ended: list[bool] = field(default_factory=list)
    tile_size: tuple[int, int] = (0, 0)     # width, height of one tile

    kind = "tiles"

    def compose(self, draw: DrawFn, score_threshold: float = 0.5, classes: set[int] | None = None) -> np.ndarray:
        """The mosaic with every source's prediction drawn by `draw` (copies; the raw frames stay)."""
        tw, th = self.tile_size
        rows, cols = grid(len(self.frames))
        mosaic = np.empty((rows * th, cols * tw, 3), np.uint8)
        mosaic[:] = BACKGROUND
        for k, frame in enumerate(self.frames):
            r, c = divmod(k, cols)
            cell = mosaic[r * th:(r + 1) * th, c * tw:(c + 1) * tw]
            if frame is not None:
                image = draw(frame.copy(), self.predictions[k], score_threshold=score_threshold, classes=classes)
                draw_roi(image, self.rois[k])
                _fit(image, cell)
            label = f"{k + 1}: {self.names[k]}" + ("  (ended)" if self.ended and self.ended[k] else "")
            draw_label(cell, label, 4, th - 4, (48, 48, 48), scale=max(0.4, min(0.8, tw / 800)))
        return mosaic


def _placement(frame_size: tuple[int, int], cell_size: tuple[int, int]) -> tuple[float, int, int, int, int]:
    """(scale, x, y, width, height) of a frame (width, height) fitted into a cell, centered."""
    (w, h), (cw, ch) = frame_size, cell_size
    scale = min(cw / w, ch / h)
    nw, nh = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
    return scale, (cw - nw) // 2, (ch - nh) // 2, nw, nh


def locate(tiles: "Tiles", x: float, y: float) -> tuple[int, float, float] | None:
    """(source index, x, y in that source's pixels) under point (x, y) of the mosaic, or None
    (between tiles, in an empty one, or outside)."""
    tw, th = tiles.tile_size
    rows, cols = grid(len(tiles.frames))
    if len(tiles.frames) == 1:
        frame = tiles.frames[0]
        return (0, x, y) if frame is not None and 0 <= x < frame.shape[1] and 0 <= y < frame.shape[0] else None
    if tw <= 0 or th <= 0 or not (0 <= x < cols * tw and 0 <= y < rows * th):
        return None
    r, c = int(y // th), int(x // tw)
    k = r * cols + c
    if k >= len(tiles.frames) or tiles.frames[k] is None:
        return None
    h, w = tiles.frames[k].shape[:2]
    scale, ox, oy, nw, nh = _placement((w, h), (tw, th))
    lx, ly = x - c * tw - ox, y - r * th - oy
    if not (0 <= lx < nw and 0 <= ly < nh):
        return None
    return k, lx / scale, ly / scale


def roi_between(tiles: "Tiles", start: tuple[float, float], end: tuple[float, float]) -> tuple[int, Roi] | None:
    """The ROI a drag from `start` to `end` (mosaic pixels) draws: (source index, (x, y, w, h) in
    its pixels), clipped to that source; None when the drag starts outside every source or is
    too small."""
    a = locate(tiles, *start)
    if a is None:
        return None
    k = a[0]
    frame = tiles.frames[k]
    h, w = frame.shape[:2]
    if len(tiles.frames) == 1:
        bx, by = end
    else:
        tw, th = tiles.tile_size
        rows, cols = grid(len(tiles.frames))
        r, c = divmod(k, cols)
        scale, ox, oy, _, _ = _placement((w, h), (tw, th))
        bx, by = (end[0] - c * tw - ox) / scale, (end[1] - r * th - oy) / scale
    x1, x2 = sorted((a[1], bx))
    y1, y2 = sorted((a[2], by))
    x1, y1 = max(0, int(round(x1))), max(0, int(round(y1)))
    x2, y2 = min(w, int(round(x2))), min(h, int(round(y2)))
    if x2 - x1 < 4 or y2 - y1 < 4:
        return None
    return k, (x1, y1, x2 - x1, y2 - y1)


def _fit(image: np.ndarray, cell: np.ndarray) -> None:
    """Draw `image` into `cell` (in place) scaled to fit, centered, aspect ratio kept."""
    ch, cw = cell.shape[:2]
    h, w = image.shape[:2]
    _, x, y, nw, nh = _placement((w, h), (cw, ch))
    resized = image if (nw, nh) == (w, h) else cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA)
    cell[y:y + nh, x:x + nw] = resized


def _rois(rois, n: int) -> list[Roi | None]:
    if rois is None:
        return [None] * n
    rois = list(rois)
    if len(rois) == 4 and all(isinstance(v, (int, np.integer)) for v in rois):
        raise ValueError("several sources take one ROI (or None) per source")
    return (rois + [None] * n)[:n]


def iter_tiled(runner, sources: Sequence | MultiReader, *, draw: DrawFn | None = None, score_threshold: float = 0.5,
               classes: set[int] | None = None, max_frames: int | None = None, start: int = 0,
               show_fps: bool = True, should_stop: Callable[[], bool] | None = None,
               rois: Sequence[Roi | None] | None = None) -> Iterator[AnnotatedFrame]:
    draw = draw or runner.draw
    owned = not isinstance(sources, MultiReader)
    reader = MultiReader(sources, max_frames=max_frames) if owned else sources
    n = len(reader.readers)
    wanted = _rois(rois, n)
    window = getattr(runner, "window", None) or Window()
    clips = is_clip_window(window)
    states = [WindowState(window) for _ in range(n)]
    tiles = Tiles([None] * n, [None] * n, [None] * n, list(reader.names), [False] * n)
    recent: collections.deque[float] = collections.deque(maxlen=30)
    index = start - 1
    try:
        if start:
            reader.seek(start)
        for frames in reader:
            if should_stop and should_stop():
                return
            index += 1
            due: list[tuple[int, np.ndarray]] = []
            for k, frame in enumerate(frames):
                if frame is None:
                    tiles.ended[k] = tiles.frames[k] is not None or tiles.ended[k]
                    continue
                h, w = frame.image.shape[:2]
                tiles.frames[k], tiles.rois[k] = frame.image, clip_roi(wanted[k], w, h)
                rgb = crop(cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB), tiles.rois[k])
                x = states[k].push(rgb) if clips else rgb
                if x is not None:
                    due.append((k, x))
            infer_ms = 0.0
            if due:
                t0 = time.perf_counter()
                out = runner([x for _, x in due])        # one call: the batch spans the sources
                infer_ms = (time.perf_counter() - t0) * 1000.0
                for (k, _), p in zip(due, out):
                    tiles.predictions[k] = to_frame(p, tiles.rois[k], tiles.frames[k].shape)
            if tiles.tile_size == (0, 0):
                first = next(f for f in tiles.frames if f is not None)
                tiles.tile_size = (first.shape[1], first.shape[0])
            t1 = time.perf_counter()
            shown = Tiles(list(tiles.frames), list(tiles.predictions), list(tiles.rois), tiles.names,
                          list(tiles.ended), tiles.tile_size)
            image = shown.compose(draw, score_threshold, classes) if n > 1 else _single(shown, draw, score_threshold,
                                                                                      classes)
            recent.append(time.perf_counter())
            fps = (len(recent) - 1) / (recent[-1] - recent[0]) if len(recent) > 1 else 0.0
            if show_fps and fps > 0:
                draw_fps(image, fps, f"{runner.backend} x{n}")
            draw_ms = (time.perf_counter() - t1) * 1000.0
            yield AnnotatedFrame(index, image, shown, {"decode_ms": reader.decode_ms, "inference_ms": infer_ms,
                                                       "draw_ms": draw_ms, "fps": fps,
                                                       "timestamp": index / reader.fps if reader.fps else 0.0,
                                                       "batch": len(due)})
    finally:
        if owned:
            reader.close()


def _single(tiles: Tiles, draw: DrawFn, score_threshold: float, classes) -> np.ndarray:
    image = draw(tiles.frames[0].copy(), tiles.predictions[0], score_threshold=score_threshold, classes=classes)
    return draw_roi(image, tiles.rois[0])


__all__ = ["Tiles", "grid", "iter_tiled", "locate", "roi_between"]
