"""Thumbnails decoded off the GUI thread: a request stack served newest first by a small thread
pool, de-duplicated, bounded (requests for rows scrolled away long ago are dropped), with an LRU
cache of ready pixmaps.

The GUI thread never waits on the workers: requests and results pass through containers whose
single operations are atomic in CPython (OrderedDict.popitem, set.add, deque.append/popleft), with
no lock and no cross-thread Qt signal. Only the GUI thread counts workers and touches the cache; it
collects results on a timer while work is under way. (A worker preempted while holding a lock —
likely when other processes saturate the cores and the worker runs at a lower priority — would
otherwise stall the GUI thread for a whole scheduling period.)

OpenCV's reduced decoders (`IMREAD_REDUCED_COLOR_2/4/8`) decode a JPEG at 1/2, 1/4 or 1/8 size
directly, so a 20-megapixel photo costs about as much as a small one; other formats decode fully
and are shrunk with INTER_AREA.
"""
from __future__ import annotations

import collections
import os
import threading
import time

import cv2
import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap

IDLE_S = 0.5      # a worker with nothing to do waits this long for new requests before it ends
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


def lower_thread_priority(niceness: int = 10) -> None:
    """Make the calling thread yield the CPU to the GUI thread (Linux: per-thread nice value;
    elsewhere a no-op). Decoding then runs in the GUI thread's idle time instead of competing
    with its painting on a machine with few cores."""
    try:
        tid = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, tid) < niceness:
            os.setpriority(os.PRIO_PROCESS, tid, niceness)
    except (AttributeError, OSError):
        pass


EXIT = object()    # a worker's last result: it has ended
POLL_MS = 30


class _Worker(QRunnable):
    """Serves the loader's request stack, newest first; idles a little before it ends, so that a
    scrolling view does not start a runnable per thumbnail."""

    def __init__(self, loader: "ThumbnailLoader"):
        super().__init__()
        self.loader = loader

    def run(self) -> None:
        lower_thread_priority()
        stack, in_flight, results = self.loader._stack, self.loader._in_flight, self.loader._results
        size = self.loader.size
        idle_since = None
        while True:
            try:
                key, (gen, path, w, h) = stack.popitem(last=True)   # newest first: what is on screen now
            except KeyError:
                now = time.monotonic()
                idle_since = idle_since or now
                if now - idle_since > IDLE_S:
                    results.append(EXIT)
                    return
                time.sleep(0.01)
                continue
            idle_since = None
            in_flight.add(key)
            try:
                image = decode_thumbnail(path, size, w, h)
            except Exception:  # noqa: BLE001 - a broken file shows as unreadable, never kills the pool
                image = None
            results.append((gen, key, image))


class ThumbnailLoader(QObject):
    """`request(key, path)` → later `ready(key)`; `pixmap(key)` is the cached result or None."""

    ready = Signal(object)            # key (its pixmap is now cached, or it failed)

    def __init__(self, size: int = 96, cache_items: int = 3000, max_pending: int = 400, threads: int | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        if threads is None:   # leave a core to the GUI thread
            threads = max(1, min(2, QThread.idealThreadCount() - 1))
        self.size, self.cache_items, self.max_pending = size, cache_items, max_pending
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._threads = threads
        self._stack: collections.OrderedDict = collections.OrderedDict()   # key → (gen, path, w, h); newest last
        self._in_flight: set = set()
        self._results: collections.deque = collections.deque()
        self._workers = 0                                                  # GUI thread only
        self._cache: collections.OrderedDict = collections.OrderedDict()   # key → QPixmap; LRU order
        self.failed: set = set()
        self.decoded = 0
        self._generation = 0
        self._poll = QTimer(self, interval=POLL_MS, timeout=self._collect)

    def pixmap(self, key) -> QPixmap | None:
        pm = self._cache.get(key)
        if pm is not None:
            self._cache.move_to_end(key)
        return pm

    def request(self, key, path: str, width: int = 0, height: int = 0) -> None:
        """Ask for a thumbnail; repeated requests move it to the front instead of queuing twice."""
        if key in self._cache or key in self.failed or key in self._in_flight:
            return
        self._stack[key] = (self._generation, path, width, height)
        try:
            self._stack.move_to_end(key)
        except KeyError:         # a worker took it in between
            pass
        while len(self._stack) > self.max_pending:      # scrolled past long ago: forget it
            try:
                self._stack.popitem(last=False)
            except KeyError:
                break
        self._start_workers()

    def _start_workers(self) -> None:
        while self._stack and self._workers < self._threads:
            self._workers += 1
            self.pool.start(_Worker(self))
        if self._workers and not self._poll.isActive():
            self._poll.start()

    def pending(self) -> int:
        return len(self._stack) + len(self._in_flight) + len(self._results)

    def clear(self) -> None:
        """Forget queued requests and cached pixmaps (the project changed)."""
        self._generation += 1
        self._stack.clear()
        self._in_flight.clear()
        self._cache.clear()
        self.failed.clear()

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until the workers have ended (tests and shutdown), then collect their results."""
        done = self.pool.waitForDone(msecs)
        self._collect()
        return done

    def _collect(self, limit: int = 400) -> None:
        for _ in range(limit):
            try:
                item = self._results.popleft()
            except IndexError:
                break
            if item is EXIT:
                self._workers -= 1
                continue
            gen, key, image = item
            self._in_flight.discard(key)
            if gen != self._generation:      # decoded for rows that are gone
                continue
            if image is None:
                self.failed.add(key)
            else:
                self.decoded += 1
                self._cache[key] = QPixmap.fromImage(image)
                while len(self._cache) > self.cache_items:
                    self._cache.popitem(last=False)
            self.ready.emit(key)
        self._start_workers()
        if not self._workers and not self._results:
            self._poll.stop()
