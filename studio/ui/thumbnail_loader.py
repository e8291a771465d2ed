"""Thumbnails decoded off the GUI thread: a request stack served newest first by a small thread
pool, de-duplicated, bounded (requests for rows scrolled away long ago are dropped), with an LRU
cache of ready pixmaps.

OpenCV's reduced decoders (`IMREAD_REDUCED_COLOR_2/4/8`) decode a JPEG at 1/2, 1/4 or 1/8 size
directly, so a 20-megapixel photo costs about as much as a small one; other formats decode fully
and are shrunk with INTER_AREA.
"""
from __future__ import annotations

import collections
import threading

import cv2
import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage, QPixmap

REDUCED = ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4), (2, cv2.IMREAD_REDUCED_COLOR_2))


def decode_thumbnail(path: str, size: int, width: int = 0, height: int = 0) -> QImage | None:
    """The image at `path` fitted into size x size (RGB), or None when it cannot be read.
    `width`/`height` (when known) pick the largest reduced decode that still covers `size`."""
    flag = cv2.IMREAD_COLOR
    if width and height:
        for factor, reduced in REDUCED:
            if min(width, height) // factor >= size:
                flag = reduced
                break
    image = cv2.imread(path, flag)
    if image is None:
        return None
    h, w = image.shape[:2]
    scale = size / max(h, w)
    if scale < 1:
        image = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    rgb = np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class _Signals(QObject):
    done = Signal(int, object, object)     # generation, key, QImage or None


class _Worker(QRunnable):
    """Serves the loader's request stack until it is empty."""

    def __init__(self, loader: "ThumbnailLoader"):
        super().__init__()
        self.loader = loader

    def run(self) -> None:
        while True:
            item = self.loader._pop()
            if item is None:
                return
            gen, key, path, w, h = item
            try:
                image = decode_thumbnail(path, self.loader.size, w, h)
            except Exception:  # noqa: BLE001 - a broken file shows as unreadable, never kills the pool
                image = None
            self.loader._signals.done.emit(gen, key, image)


class ThumbnailLoader(QObject):
    """`request(key, path)` → later `ready(key)`; `pixmap(key)` is the cached result or None."""

    ready = Signal(object)            # key (its pixmap is now cached, or it failed)

    def __init__(self, size: int = 96, cache_items: int = 3000, max_pending: int = 400, threads: int = 2,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.size, self.cache_items, self.max_pending = size, cache_items, max_pending
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._threads = threads
        self._lock = threading.Lock()
        self._stack: collections.OrderedDict = collections.OrderedDict()   # key → (path, w, h); newest last
        self._in_flight: set = set()
        self._workers = 0
        self._cache: collections.OrderedDict = collections.OrderedDict()   # key → QPixmap; LRU order
        self.failed: set = set()
        self.decoded = 0
        self._generation = 0
        self._signals = _Signals(self)
        self._signals.done.connect(self._on_done)

    def pixmap(self, key) -> QPixmap | None:
        pm = self._cache.get(key)
        if pm is not None:
            self._cache.move_to_end(key)
        return pm

    def request(self, key, path: str, width: int = 0, height: int = 0) -> None:
        """Ask for a thumbnail; repeated requests move it to the front instead of queuing twice."""
        if key in self._cache or key in self.failed:
            return
        with self._lock:
            if key in self._in_flight:
                return
            self._stack[key] = (self._generation, path, width, height)
            self._stack.move_to_end(key)
            while len(self._stack) > self.max_pending:      # scrolled past long ago: forget it
                self._stack.popitem(last=False)
            start = self._workers < self._threads
            if start:
                self._workers += 1
        if start:
            self.pool.start(_Worker(self))

    def pending(self) -> int:
        with self._lock:
            return len(self._stack) + len(self._in_flight)

    def clear(self) -> None:
        """Forget queued requests and cached pixmaps (the project changed)."""
        with self._lock:
            self._stack.clear()
            self._in_flight.clear()
            self._generation += 1
        self._cache.clear()
        self.failed.clear()

    def wait(self, msecs: int = 10_000) -> bool:
        return self.pool.waitForDone(msecs)

    # -- worker side --------------------------------------------------------------------------
    def _pop(self):
        with self._lock:
            if not self._stack:
                self._workers -= 1
                return None
            key, (gen, path, w, h) = self._stack.popitem(last=True)   # newest first: what is on screen now
            self._in_flight.add(key)
            return gen, key, path, w, h

    def _on_done(self, gen: int, key, image: QImage | None) -> None:
        with self._lock:
            if gen != self._generation:      # decoded for a project that is gone
                return
            self._in_flight.discard(key)
        if image is None:
            self.failed.add(key)
        else:
            self.decoded += 1
            self._cache[key] = QPixmap.fromImage(image)
            while len(self._cache) > self.cache_items:
                self._cache.popitem(last=False)
        self.ready.emit(key)
