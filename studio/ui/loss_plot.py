"""Live pyqtgraph plots of a run's curves (`core.jobs.curves.CurveStore`).

Points arrive at any rate (`add_points`, or straight into the store from events) and cost an
array append; the plot redraws on a ~10 Hz timer, and only the series that moved. Clipping to
the view and peak downsampling keep 100,000 points smooth.
"""
from __future__ import annotations

import re
from typing import Callable

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QWidget

from core.jobs.curves import EVAL_PREFIX, CurveStore
from studio.theme import colors, current_theme

REFRESH_MS = 100
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f")
_AP_CURVES = re.compile(r"^(mask_|kp_)?AP(50|75)?$")


def is_loss(name: str) -> bool:
    return name == "loss" or name.startswith("loss_")


def is_eval_curve(name: str) -> bool:
    """The evaluation curves worth plotting (AP, AP50, AP75 and their mask_ twins); others stay in tables."""
    return name.startswith(EVAL_PREFIX) and bool(_AP_CURVES.match(name[len(EVAL_PREFIX):]))


def short_label(name: str) -> str:
    """"loss" -> "total", "loss_box_reg" -> "box_reg", "eval/mask_AP" -> "mask_AP"."""
    base = name.removeprefix(EVAL_PREFIX)
    return "total" if base == "loss" else base.removeprefix("loss_")


class LivePlot(pg.PlotWidget):
    """One plot over the series of a store that `accept(name)` picks."""

    def __init__(self, title: str, store: CurveStore | None = None, accept: Callable[[str], bool] | None = None,
                 log_y: bool = False, markers: bool = False, y_label: str = "",
                 label_for: Callable[[str], str] = short_label,
                 style_for: Callable[[str, int], dict] | None = None, parent: QWidget | None = None):
        super().__init__(parent=parent)
        self.title = title
        self.store = store if store is not None else CurveStore()
        self.accept = accept or (lambda _name: True)
        self.markers, self.label_for, self.style_for = markers, label_for, style_for
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._seen: dict[str, int] = {}
        self._store_version = -1
        self._theme = ""
        self.redraws = 0
        item = self.getPlotItem()
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        item.showGrid(x=True, y=True, alpha=0.2)
        item.setLabel("bottom", "step")
        if y_label:
            item.setLabel("left", y_label)
        self.legend = item.addLegend(offset=(-8, 8), labelTextSize="8pt")
        self.set_log_y(log_y)
        self.setMinimumHeight(150)
        self.setMenuEnabled(True)
        self._timer = QTimer(self, interval=REFRESH_MS, timeout=self.refresh)
        self._timer.setTimerType(Qt.TimerType.CoarseTimer)
        self._apply_theme()
        self._set_title()

    # -- feeding -----------------------------------------------------------------------------
    def add_points(self, series: str, steps, values) -> None:
        """Append points (cheap, no redraw; the timer picks them up)."""
        self.store.add_points(series, steps, values)

    def set_store(self, store: CurveStore) -> None:
        for curve in self.curves.values():
            self.removeItem(curve)
        self.legend.clear()
        self.curves.clear()
        self._seen.clear()
        self.store, self._store_version = store, -1
        self.refresh()

    def set_log_y(self, on: bool) -> None:
        self.log_y = on
        self.getPlotItem().setLogMode(x=False, y=on)

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
        drawn = False
        for name, series in list(self.store.series.items()):
            if not self.accept(name) or (not force and self._seen.get(name) == series.version):
                continue
            curve = self.curves.get(name) or self._add_curve(name)
            if self.log_y:   # log10 of 0 or less is not drawable: leave those points out
                keep = series.values > 0
                curve.setData(series.steps[keep], series.values[keep])
            else:
                curve.setData(series.steps, series.values)
            self._seen[name] = series.version
            drawn = True
        if drawn:
            self.redraws += 1
            self._set_title()
        return drawn

    def _add_curve(self, name: str) -> pg.PlotDataItem:
        i = len(self.curves)
        style = self.style_for(name, i) if self.style_for else {"color": PALETTE[i % len(PALETTE)]}
        pen = pg.mkPen(style["color"], width=style.get("width", 1.6), style=style.get("dash", Qt.PenStyle.SolidLine))
        kwargs = {}
        if self.markers:
            kwargs = {"symbol": "o", "symbolSize": 6, "symbolBrush": style["color"], "symbolPen": None}
        curve = pg.PlotDataItem(pen=pen, name=self.label_for(name), **kwargs)
        self.addItem(curve)
        self.curves[name] = curve
        return curve

    def point_count(self, name: str) -> int:
        curve = self.curves.get(name)
        return 0 if curve is None or curve.xData is None else len(curve.xData)

    def _set_title(self) -> None:
        c = colors(current_theme())
        empty = "" if self.curves else "  (no points yet)"
        self.setTitle(f"<span style='color:{c['plot_fg']}'>{self.title}</span>"
                      f"<span style='color:{c['muted']}'>{empty}</span>", size="10pt")

    def _apply_theme(self) -> None:
        self._theme = current_theme()
        c = colors(self._theme)
        self.setBackground(c["plot_bg"])
        for axis in ("left", "bottom"):
            ax = self.getPlotItem().getAxis(axis)
            ax.setPen(pg.mkPen(c["muted"]))
            ax.setTextPen(pg.mkPen(c["plot_fg"]))
        self.legend.setLabelTextColor(c["plot_fg"])
        self.legend.setBrush(pg.mkBrush(c["plot_bg"] + "c0"))
        self._set_title()

    # -- timer only while visible ----------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.refresh()
        self._timer.start()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._timer.stop()
        super().hideEvent(event)
