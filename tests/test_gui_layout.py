"""Layouts that hold and looks that read: every page of the real main window at 1024x700, in the
light and the dark theme, with nothing clipped (tests/layout_check.py says what that means);
plots that draw a lone point, plain axes and a step axis from 0; and a dark theme whose check
boxes, radio buttons, legends, links and image canvas can be seen, also after a switch at run
time from the View menu."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor

from core.families import EXTRA_FAMILIES_ENV
from gui_journeys import LOAD_MS, TOY, close_window, legend_texts, main_window, toy_trained
from layout_check import clipped
from studio.main_window import PAGE_MODULES
from studio.theme import colors

pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture
def toy_root(tmp_path, monkeypatch):
    monkeypatch.setenv(EXTRA_FAMILIES_ENV, TOY)
    return toy_trained(tmp_path, onnx=True)


@pytest.fixture
def window(qtbot):
    w = main_window(qtbot, size=(1024, 700))
    yield w
    w.set_theme("light")
    close_window(w)


def _settle(qtbot, w, key):
    w.show_page(key)
    page = w.page(key)
    qtbot.waitUntil(page.settled, timeout=LOAD_MS)
    qtbot.wait(150)        # lazy loads and the plot scheduler's first ticks


def test_every_page_holds_at_1024x700_in_both_themes(qtbot, window, toy_root):
    assert window.open_project(str(toy_root))
    assert (window.width(), window.height()) == (1024, 700)
    problems = {}
    for theme in ("light", "dark"):
        window.set_theme(theme)
        for key in PAGE_MODULES:
            _settle(qtbot, window, key)
            if key == "train":     # the run's curves, legends and progress text are all in
                dash = window.page("train").dashboard
                qtbot.waitUntil(lambda: dash.eval_plot.point_count("eval/accuracy") == 2, timeout=LOAD_MS)
                assert "step 20 / 20  (100%)" in dash.progress.text()
            found = clipped(window)
            if found:
                problems[f"{theme}/{key}"] = found
    assert problems == {}


def test_plots_draw_a_lone_point_plain_axes_and_steps_from_zero(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setenv(EXTRA_FAMILIES_ENV, TOY)
    root = toy_trained(tmp_path, total_steps=10, eval_every=0, log_every=10)   # one point of each curve
    assert window.open_project(str(root))
    _settle(qtbot, window, "train")
    dash = window.page("train").dashboard
    qtbot.waitUntil(lambda: dash.loss_plot.point_count("loss") == 1, timeout=LOAD_MS)
    loss = dash.loss_plot.curves["loss"]
    assert loss.opts["symbol"] == "o"                                   # a line of one point is a dot
    assert dash.rate_plot.curves["samples_per_s"].opts["symbol"] == "o"
    for plot in dash.plots:
        for side in ("left", "bottom"):
            assert not plot.plot_item.getAxis(side).autoSIPrefix       # "lr 0.1", never "lr (x0.001)"
        x0, x1 = plot.plot_item.vb.viewRange()[0]
        assert x0 <= 0 and x1 >= 10, (plot.title, x0, x1)               # the run's steps, from 0
    assert "x0.001" not in dash.lr_plot.plot_item.getAxis("left").labelString()
    _settle(qtbot, window, "runs")
    compare = window.page("runs").compare
    qtbot.waitUntil(lambda: compare.eval_plot.point_count("r/eval/accuracy") == 1, timeout=LOAD_MS)
    x0, x1 = compare.eval_plot.plot_item.vb.viewRange()[0]
    assert x0 <= 0 and x1 >= 10                                         # not 9.5 .. 10.5 around one point


def _ring_contrast(widget, window_color: QColor) -> float:
    """The strongest difference from the window color inside a check box's indicator."""
    image = widget.grab().toImage()
    h = image.height()
    pixels = np.array([[QColor(image.pixel(x, y)).getRgb()[:3] for x in range(min(18, image.width()))]
                       for y in range(h)], dtype=float)
    return float(np.abs(pixels - np.array(window_color.getRgb()[:3], dtype=float)).sum(axis=2).max())


def test_the_dark_theme_reads_after_a_switch_from_the_view_menu(qtbot, window, toy_root):
    assert window.open_project(str(toy_root))
    _settle(qtbot, window, "train")
    _settle(qtbot, window, "label")
    _settle(qtbot, window, "train")
    dash = window.page("train").dashboard
    qtbot.waitUntil(lambda: dash.eval_plot.point_count("eval/accuracy") == 2, timeout=LOAD_MS)
    dark = next(a for a in window.theme_actions.actions() if a.data() == "dark")
    dark.trigger()                                                      # as the View menu does
    c = colors("dark")
    for plot in dash.plots:   # every legend entry and the background follow, not only new ones
        assert plot.backgroundBrush().color().name() == c["plot_bg"]
        for _sample, label in plot.legend.items:
            assert c["plot_fg"][1:] in label.item.toHtml().lower(), (plot.title, label.text)   # drawn in it
    assert "accuracy" in legend_texts(dash.eval_plot)
    canvas = window.page("label").image.view
    assert canvas.backgroundBrush().color().name() == c["alt"]         # the Label canvas is not left white
    checkbox = window.page("train").draft_form.advanced
    window.page("train").select_run(None)
    qtbot.wait(50)
    assert _ring_contrast(checkbox, QColor(c["window"])) > 150         # the indicator can be seen
    link = window.page("train").controls.next_steps.palette().color(
        window.page("train").controls.next_steps.palette().ColorRole.Link)
    assert link.lightness() > 140                                      # links are light on the dark window
