"""Live pyqtgraph plots of a run's curves (`core.jobs.curves.CurveStore`).

Points arrive at any rate (`add_points`, or straight into the store from events) and cost an
array append; the plot redraws on a ~10 Hz timer, and only the series that moved. Clipping to
the view and peak downsampling keep 100,000 points smooth.

A plot shows exactly what its store holds: a series that left the store (a cleared store, another
run, another project) leaves the plot with its legend entry. A curve of one point is drawn as a
dot; axes show plain numbers (no "x0.001" prefixes); the step axis spans the run when its length
is known (`set_x_span`), and a lone point is not centred in a one-step-wide axis.
"""
from __future__ import annotations

import time
from typing import Callable, Mapping

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QGraphicsItem, QWidget

from core.jobs.curves import EVAL_PREFIX, CurveStore
from studio.theme import colors, current_theme, theme_changed
from studio.ui.log_axis import LogLabelAxis
from studio.ui.plot_support import Log10Cache, PlotScheduler

NEW_CURVES_PER_REFRESH = 2
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f")


def _font(points: int) -> QFont:
    font = QFont()
    font.setPointSize(points)
    return font


def is_loss(name: str) -> bool:
    return name == "loss" or name.startswith("loss_")


def eval_curves(metrics) -> Callable[[str], bool]:
    """Which evaluation curves a plot draws: the family's shown metrics (`FamilyInfo.shown_metrics`);
    the others stay in tables."""
    wanted = {EVAL_PREFIX + m for m in metrics}
    return lambda name: name in wanted


def short_label(name: str, loss_labels: Mapping[str, str] | None = None) -> str:
    """"loss" -> "total"; a loss term -> its family's short label (`FamilyInfo.loss_labels`: "loss_box_reg"
    -> "box"), else its name without "loss_"; "eval/mask_AP" -> "mask_AP"."""
    base = name.removeprefix(EVAL_PREFIX)
    if base == "loss":
        return "total"
    return (loss_labels or {}).get(base) or base.removeprefix("loss_")


class LivePlot(pg.GraphicsLayoutWidget):
    """One plot over the series of a store that `accept(name)` picks; its legend sits below it."""

    def __init__(self, title: str, store: CurveStore | None = None, accept: Callable[[str], bool] | None = None,
                 log_y: bool = False, markers: bool = False, y_label: str = "", legend_columns: int = 1,
                 y_range: tuple[float, float] | None = None,
                 label_for: Callable[[str], str] = short_label,
                 style_for: Callable[[str, int], dict] | None = None, parent: QWidget | None = None):
        super().__init__(parent=parent)
        self.ci.setContentsMargins(2, 2, 2, 2)
        self.plot_item = self.addPlot(row=0, col=0, axisItems={"left": LogLabelAxis(orientation="left")})
        self.title = title
        self.store = store if store is not None else CurveStore()
        self.accept = accept or (lambda _name: True)
        self.markers, self.label_for, self.style_for = markers, label_for, style_for
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._log_cache: dict[str, Log10Cache] = {}
        self._seen: dict[str, int] = {}
        self._drawn: dict[str, object] = {}     # name -> the Series object its curve draws
        self._dots: set[str] = set()            # curves drawn as a dot (a single point)
        self._x_span: float | None = None
        self._lone_fitted = False
        self._empty_log = False     # an empty log plot shows a few decades (see _fit_empty_log)
        self._store_version = -1
        self._theme = ""
        self.redraws = 0
        item = self.plot_item
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        item.showGrid(x=True, y=True, alpha=0.2)
        for axis in ("left", "bottom"):   # axes (and the grid they draw) repaint from a pixmap until
            item.getAxis(axis).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # they change
            item.getAxis(axis).enableAutoSIPrefix(False)    # "lr" reads 0.02, not "lr (x0.001)" and 20
        item.getAxis("bottom").setToolTip("training step")   # no axis title: the room goes to the curves
        if y_label:
            item.setLabel("left", y_label)
        self.legend = pg.LegendItem(labelTextSize="8pt", colCount=max(1, legend_columns), frame=False,
                                    verSpacing=-6)
        self.max_legend_columns = max(1, legend_columns)
        self._legend_rows = 2
        self.show_legend = legend_columns > 0
        if self.show_legend:
            self.addItem(self.legend, row=1, col=0)
            self.ci.layout.setRowStretchFactor(0, 100)
            self.ci.layout.setRowStretchFactor(1, 0)
            self.ci.layout.setRowSpacing(0, 0)
            # room for two rows of entries from the start: the first curves must not relayout the plot
            self.ci.layout.setRowFixedHeight(1, 30)
        self.set_log_y(log_y)
        if y_range is not None:   # e.g. AP in [0, 1]: a flat curve of zeros still reads right
            item.setYRange(*y_range, padding=0.02)
            item.enableAutoRange(y=False)
        self.setMinimumHeight(150)
        self._title_html = ""
        self.next_due = 0.0     # when the scheduler may redraw it again
        self.paint_s = 0.0      # what its last repaint cost
        self._apply_theme()
        theme_changed().connect(self._theme_switched)

    # -- feeding -----------------------------------------------------------------------------
    def add_points(self, series: str, steps, values) -> None:
        """Append points (cheap, no redraw; the timer picks them up)."""
        self.store.add_points(series, steps, values)

    def set_store(self, store: CurveStore) -> None:
        for name in list(self.curves):
            self._remove_curve(name)
        self.legend.clear()
        self.store, self._store_version = store, -1
        self.refresh()

    def set_x_span(self, last_step: float | None) -> None:
        """Show steps 0..last_step (a run's total steps); None: fit the data."""
        if last_step == self._x_span:
            return
        self._x_span = last_step
        if last_step:
            self.plot_item.setXRange(0, float(last_step), padding=0.02)
        else:
            self.plot_item.enableAutoRange(x=True)

    def curve_names(self) -> list[str]:
        """The series drawn now (in the order their curves were added)."""
        return list(self.curves)

    def set_log_y(self, on: bool) -> None:
        """Log y axis. The curves get log10 values computed once per new point (pyqtgraph's own
        log mode maps every point again on each redraw); the axis labels read 10^x, thinned so they
        never overlap (`LogLabelAxis`)."""
        self.log_y = on
        self._log_cache.clear()
        self.plot_item.getAxis("left").setLogMode(on)
        self.plot_item.enableAutoRange(y=True)
        self._empty_log = False
        self._fit_empty_log()

    def _fit_empty_log(self) -> None:
        """An empty log plot spans 0.01 .. 10, not 1 .. 10 with a crowded label at every unit; the
        first curve gives the range back to auto-ranging."""
        if self.log_y and not self.curves:
            if not self._empty_log:
                self.plot_item.setYRange(-2, 1, padding=0)
                self._empty_log = True
        elif self._empty_log:
            self._empty_log = False
            self.plot_item.enableAutoRange(y=True)

    # -- drawing -----------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self.store.version != self._store_version

    def refresh(self, force: bool = False) -> bool:
        """Redraw the series that changed since the last refresh; True when something was drawn."""
        if current_theme() != self._theme:
            self._apply_theme()
        if not (force or self.dirty):
            return False
        self._store_version = self.store.version
        drawn, created = False, 0
        for name in list(self.curves):      # gone from the store, or replaced by another series
            if self.store.series.get(name) is not self._drawn.get(name):
                self._remove_curve(name)
                drawn = True
        for name, series in list(self.store.series.items()):
            if not self.accept(name) or (not force and self._seen.get(name) == series.version):
                continue
            curve = self.curves.get(name)
            if curve is None:
                if created == NEW_CURVES_PER_REFRESH and not force:
                    self._store_version = -1      # the rest next time: a new curve costs a few ms
                    continue
                curve = self._add_curve(name)
                created += 1
            if self.log_y:
                cache = self._log_cache.get(name) or self._log_cache.setdefault(name, Log10Cache())
                xs, ys = cache.update(series)
            else:
                xs, ys = series.steps, series.values
            self._set_dot(name, curve, len(xs) == 1)
            curve.setData(xs, ys)
            self._seen[name] = series.version
            self._drawn[name] = series
            drawn = True
        if drawn:
            self._fit_empty_log()
            self._fit_lone_point()
            # auto-range now, not while painting: a range change during the paint asks for a second one
            self.plot_item.vb.prepareForPaint()
            self.redraws += 1
        return drawn

    def _add_curve(self, name: str) -> pg.PlotDataItem:
        i = len(self.curves)
        style = (self.style_for(name, i) if self.style_for else
                 {"color": PALETTE[i % len(PALETTE)], "width": 2 if name == "loss" else 1})
        pen = pg.mkPen(style["color"], width=style.get("width", 1), style=style.get("dash", Qt.PenStyle.SolidLine))
        kwargs = {}
        if self.markers:
            kwargs = {"symbol": "o", "symbolSize": 6, "symbolBrush": style["color"], "symbolPen": None}
        curve = pg.PlotDataItem(pen=pen, **kwargs)
        curve.opts["autoDownsampleFactor"] = 1.0   # peak mode: a min and a max per pixel column
        self.plot_item.addItem(curve)
        self.legend.addItem(curve, self.label_for(name))
        self.curves[name] = curve
        self._fit_legend()
        return curve

    def _remove_curve(self, name: str) -> None:
        curve = self.curves.pop(name)
        self.plot_item.removeItem(curve)
        self.legend.removeItem(curve)
        self._fit_legend()
        for table in (self._seen, self._drawn, self._log_cache):
            table.pop(name, None)
        self._dots.discard(name)

    def _set_dot(self, name: str, curve: pg.PlotDataItem, single: bool) -> None:
        """A line needs two points: a lone point is drawn as a dot (curves with markers have one)."""
        if self.markers or single == (name in self._dots):
            return
        if single:
            color = curve.opts["pen"].color() if hasattr(curve.opts["pen"], "color") else None
            curve.setSymbol("o")
            curve.setSymbolSize(6)
            curve.setSymbolBrush(color)
            curve.setSymbolPen(None)
            self._dots.add(name)
        else:
            curve.setSymbol(None)
            self._dots.discard(name)

    def _fit_lone_point(self) -> None:
        """Fitted to data that all sits at one step, pyqtgraph would show that step +- 0.5: show it
        from step 0 instead (the fit comes back once the data spans more than one step)."""
        if self._x_span:
            return
        xs = [c.xData for c in self.curves.values() if c.xData is not None and len(c.xData)]
        if not xs:
            return
        lo, hi = min(float(x.min()) for x in xs), max(float(x.max()) for x in xs)
        if lo == hi:
            self.plot_item.setXRange(min(0.0, lo), max(hi, 1.0), padding=0.05)
            self._lone_fitted = True
        elif self._lone_fitted:
            self._lone_fitted = False
            self.plot_item.enableAutoRange(x=True)

    def point_count(self, name: str) -> int:
        curve = self.curves.get(name)
        return 0 if curve is None or curve.xData is None else len(curve.xData)

    def _fit_legend(self) -> None:
        """As many legend columns as fit the plot's width (at most the configured number), and the
        legend row as tall as its rows: a narrow plot (a window at 1024x700) keeps every entry."""
        if not self.show_legend:
            return
        fm = QFontMetrics(_font(8))
        widest = max((fm.horizontalAdvance(label.text) for _s, label in self.legend.items), default=40)
        fits = max(1, int((self.width() - 16) // (widest + 36)))    # the sample line and spacing: ~36 px
        cols = min(self.max_legend_columns, fits)
        if cols != self.legend.columnCount:
            self.legend.setColumnCount(cols)
        rows = max(2, -(-len(self.legend.items) // cols))
        if rows != self._legend_rows:
            self._legend_rows = rows
            self.ci.layout.setRowFixedHeight(1, 15 * rows)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if hasattr(self, "_title_html"):     # pyqtgraph resizes once while it is being built
            self._fit_legend()
            self._set_title()

    def _set_title(self) -> None:
        c = colors(current_theme())
        room = max(20, self.width() - 12)
        text = QFontMetrics(_font(9)).elidedText(self.title, Qt.TextElideMode.ElideRight, room)
        html = f"<span style='color:{c['plot_fg']}'>{text}</span>"
        if html != self._title_html:     # a title change relayouts the plot: only when it really changed
            self._title_html = html
            self.plot_item.setTitle(html, size="9pt")

    def _theme_switched(self, _theme: str) -> None:
        self._apply_theme()
        self.update()

    def _apply_theme(self) -> None:
        self._theme = current_theme()
        c = colors(self._theme)
        self.setBackground(c["plot_bg"])
        for axis in ("left", "bottom"):
            ax = self.plot_item.getAxis(axis)
            ax.setPen(pg.mkPen(c["muted"]))
            ax.setTextPen(pg.mkPen(c["plot_fg"]))
        self.legend.setLabelTextColor(c["plot_fg"])
        for _sample, label in self.legend.items:      # pyqtgraph keeps the old color until a label's text is set
            label.setText(label.text, color=c["plot_fg"])
        self._set_title()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        t = time.perf_counter()
        super().paintEvent(event)
        self.paint_s = time.perf_counter() - t

    # -- refreshed only while visible ------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.refresh()
        PlotScheduler.instance().add(self)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        PlotScheduler.instance().remove(self)
        super().hideEvent(event)
