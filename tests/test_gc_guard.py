"""Cyclic garbage is collected on the GUI thread only (studio.gc_guard): a worker thread that
allocates never runs the collector, so it never destroys a widget; the GUI thread's timer collects
as automatic collection would."""
from __future__ import annotations

import gc
import threading
import weakref


def test_only_the_gui_thread_collects_cycles(qapp, qtbot):
    from studio.gc_guard import install

    guard = install(qapp)
    assert install(qapp) is guard and not gc.isenabled()

    class Node:
        pass

    def make_cycle():
        a, b = Node(), Node()
        a.other, b.other = b, a
        return weakref.ref(a)

    ref = make_cycle()
    collected_in_thread, kept = [], []

    def worker():                               # allocates far past the generation-0 threshold
        kept.extend([] for _ in range(5 * gc.get_threshold()[0]))
        collected_in_thread.append(ref() is None)

    t = threading.Thread(target=worker)
    t.start()
    t.join(10)
    assert collected_in_thread == [False]        # the worker never collected
    assert guard.timer.isActive() and guard.timer.thread() is qapp.thread()   # the GUI thread's timer checks
    assert guard.check() > 0 and ref() is None   # and its check collects, past the thresholds, on this thread
    kept.clear()
    assert guard.check() == 0                    # below them it leaves the collector alone
