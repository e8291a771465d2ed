"""The input-size tab of the Optimize page: evaluate the run's model at several input sizes (a worker
job: `python -m workers evaluate --sizes ...`) and plot accuracy against measured milliseconds per
image, one point per size and a line per object area (all, medium, large), so a user picks the
deploy resolution by the trade-off. The plot reads the run's `eval/sizes.json`
(`core.evaluation.sizes.read_sizes`, a small JSON file)."""
from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from core.errors import SpecError
from core.evaluation.sizes import parse_sizes
from studio.metric_text import metric_text
from studio.theme import colors, current_theme
from studio.ui.job_progress import JobProgress

DEFAULT_SIZES = "224x320,288x384,320x448"
AREAS = (("all", "all", "#2f6fed"), ("medium", "medium", "#e8871e"), ("large", "large", "#2aa876"))


def _value(v) -> float | None:
    """A plottable metric: COCO's -1 (no object of that area) and missing values are left out."""
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or v < 0 else float(v)


class SizeTradeoffPanel(QWidget):
    """Emits `evaluate_requested(sizes text)`; `show_tradeoff(data)` draws a run's trade-off (or none)."""

    evaluate_requested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.sizes = QLineEdit(DEFAULT_SIZES)
        self.sizes.setObjectName("TradeoffSizes")
        self.sizes.setToolTip("Input sizes as HEIGHTxWIDTH separated by commas; multiples of 32 for pose models")
        self.button = QPushButton("Evaluate sizes")
        self.button.setToolTip("Evaluate the run's model on the validation split at each input size and measure "
                               "its latency (a background job)")
        self.button.clicked.connect(self._request)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setProperty("role", "hint")
        self.progress = JobProgress()
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("TradeoffPlot")
        self.plot.setMinimumHeight(160)
        self.plot.setLabel("bottom", "milliseconds per image")
        self.plot.setLabel("left", "AP")
        self.legend = self.plot.addLegend(offset=(8, 8), labelTextSize="8pt")
        self.points: dict[str, list[tuple[float, float, str]]] = {}
        self.table = QLabel()
        self.table.setObjectName("TradeoffTable")
        self.table.setTextFormat(Qt.TextFormat.RichText)
        row = QHBoxLayout()
        row.addWidget(QLabel("Sizes"))
        row.addWidget(self.sizes, 1)
        row.addWidget(self.button)
        side = QVBoxLayout()
        side.addLayout(row)
        side.addWidget(self.message)
        side.addWidget(self.progress)
        side.addWidget(self.table)
        side.addStretch(1)
        lay = QHBoxLayout(self)
        lay.addLayout(side, 1)
        lay.addWidget(self.plot, 2)
        self.show_tradeoff(None)

    def _request(self) -> None:
        try:
            parse_sizes(self.sizes.text())
        except SpecError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText("")
        self.evaluate_requested.emit(self.sizes.text())

    def set_available(self, enabled: bool, reason: str = "") -> None:
        self.button.setEnabled(enabled)
        if not enabled:
            self.button.setToolTip(reason)

    def show_tradeoff(self, data: dict | None) -> None:
        """Plot a run's trade-off (`read_sizes`' dict), or say there is none yet."""
        self.plot.clear()
        self.legend.clear()
        self.points = {}
        c = colors(current_theme())
        self.plot.setBackground(c["plot_bg"])
        if not data or not data.get("sizes"):
            self.table.setText("No sizes evaluated for this run yet.")
            return
        head = data.get("headline", "AP")
        self.plot.setLabel("left", head)
        rows = sorted(data["sizes"], key=lambda r: r.get("latency_ms", 0))
        for key, label, color in AREAS:
            pts = [(float(r["latency_ms"]), _value(r.get("ap", {}).get(key)), r["size"]) for r in rows]
            pts = [(x, y, s) for x, y, s in pts if y is not None]
            if not pts:
                continue
            self.points[key] = pts
            self.plot.plot([p[0] for p in pts], [p[1] for p in pts], pen=pg.mkPen(color, width=2), symbol="o",
                           symbolBrush=color, symbolSize=8, name=label)
            if key == "all":
                for x, y, s in pts:
                    text = pg.TextItem(s, color=c["plot_fg"], anchor=(0.5, 1.3))
                    text.setPos(x, y)
                    self.plot.addItem(text)
        cells = "".join(f"<tr><td>{r['size']}</td><td align='right'>{metric_text(r['ap'].get('all'), 3)}</td>"
                        f"<td align='right'>{metric_text(r['ap'].get('medium'), 3)}</td>"
                        f"<td align='right'>{metric_text(r['ap'].get('large'), 3)}</td>"
                        f"<td align='right'>{r['latency_ms']:.1f}</td></tr>" for r in rows)
        self.table.setText(f"<table cellspacing='6'><tr><th>size</th><th>{head}</th><th>medium</th><th>large</th>"
                           f"<th>ms/image</th></tr>{cells}</table>"
                           f"<small>{data.get('backend', '')} on {data.get('device', '')}, "
                           f"{data.get('latency', '')}; trained at {data.get('trained_at', '?')}.</small>")
