"""Python's cyclic garbage collector runs only on the GUI thread.

Left alone, the collector runs in whichever thread happens to allocate when its threshold is
crossed, and that can be a worker thread (the Preview's model loader, say). If the garbage holds
a Qt widget (a closed window caught in a reference cycle), the widget is then destroyed off the
GUI thread while the GUI thread waits for the same Qt lock, with the GIL held on both sides: the
application freezes for good. This was seen: a Preview thread loading a checkpoint collected an
old main window's menu. The cure that PyQt and PySide applications use: automatic collection
off, and a timer on the GUI thread that collects whenever the counts pass the same thresholds."""
from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadGC(QObject):
    """Install once on the application object: `MainThreadGC(app)`."""

    def __init__(self, parent: QObject, interval_ms: int = 500):
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> int:
        """Collect the generations whose counts passed their thresholds (as automatic GC would)."""
        c0, c1, c2 = gc.get_count()
        t0, t1, t2 = self.thresholds
        if c0 <= t0:
            return 0
        generation = 2 if (c1 > t1 and c2 > t2) else 1 if c1 > t1 else 0
        return gc.collect(generation)

    def uninstall(self) -> None:
        self.timer.stop()
        gc.enable()


def install(app) -> MainThreadGC:
    """The application's guard (one per application)."""
    guard = getattr(app, "_studio_gc_guard", None)
    if guard is None:
        guard = MainThreadGC(app)
        app._studio_gc_guard = guard
    return guard
