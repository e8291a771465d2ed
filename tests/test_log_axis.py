"""The log-scale loss plot's labels: on a short plot spanning about one decade (a loss from 2.3 to
0.15, as a gesture run draws it) pyqtgraph's own axis piled 0.6, 0.7, 0.8, 0.9 and 1 on top of each
other; `LogLabelAxis` keeps the ticks and labels only those with room."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QImage, QPainter

from studio.ui.log_axis import LogLabelAxis, spaced_labels
from studio.ui.loss_plot import LivePlot


def _labels(axis) -> list:
    image = QImage(400, 400, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _, text in texts if text]


def _overlaps(labels) -> list:
    rects = sorted((r for r, _ in labels), key=lambda r: r.top())
    return [(a, b) for a, b in zip(rects, rects[1:]) if a.intersects(b)]


def _short_log_plot(qtbot, axis=None):
    plot = LivePlot("Losses", log_y=True, legend_columns=0)
    if axis is not None:     # the same plot with pyqtgraph's own axis, to show what went wrong
        plot.plot_item.setAxisItems({"left": axis})
        axis.setLogMode(True)
    qtbot.addWidget(plot)
    plot.resize(360, 170)
    steps = np.arange(1, 901, dtype=float)
    plot.add_points("loss", steps, 2.3 * np.exp(-steps / 330.0))
    plot.show()
    qtbot.waitExposed(plot)
    plot.refresh(force=True)
    qtbot.wait(50)
    return plot


def test_a_short_log_plot_labels_without_overlap(qtbot):
    plot = _short_log_plot(qtbot)
    axis = plot.plot_item.getAxis("left")
    assert isinstance(axis, LogLabelAxis)
    labels = _labels(axis)
    assert len(labels) >= 3, labels            # still readable: 1 and some minor ticks
    assert "1" in {t for _, t in labels}
    assert not _overlaps(labels)
    ticks = [v for _, values in axis.tickValues(*axis.range, axis.height()) for v in values]
    assert len(ticks) > len(labels)            # the unlabeled minor ticks are still drawn


def test_pyqtgraphs_own_axis_overlaps_there(qtbot):
    """The case the axis exists for: the plain axis on the same plot does overlap (if a pyqtgraph
    update stops this, `LogLabelAxis` can go)."""
    plot = _short_log_plot(qtbot, pg.AxisItem(orientation="left"))
    assert _overlaps(_labels(plot.plot_item.getAxis("left")))


def test_spaced_labels_prefers_5_then_2_and_keeps_the_gap():
    minors = [float(np.log10(m)) - 1 for m in range(2, 10)]      # 0.2 .. 0.9
    lo, hi = -1.0, 0.0
    assert spaced_labels(minors, [0.0], lo, hi, 1000, 15) == set(minors)      # tall: all of them
    few = spaced_labels(minors, [0.0], lo, hi, 60, 15)
    assert float(np.log10(5)) - 1 in few
    px = 60 / (hi - lo)
    chosen = sorted([0.0, *few])
    assert all((b - a) * px >= 15 for a, b in zip(chosen, chosen[1:]))
    assert spaced_labels(minors, [], lo, lo, 100, 15) == set()
