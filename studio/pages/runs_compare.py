"""Two runs side by side: their curves overlaid (from events.jsonl) and their metrics with the
difference. One run selected shows that run alone."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QHeaderView, QLabel, QSizePolicy, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from core.jobs.curves import EVAL_PREFIX, CurveStore
from core.jobs.event_tail import EventFileTail
from core.project.run_summary import format_duration
from studio.ui.loss_plot import LivePlot, short_label

RUN_COLORS = ("#2f6fed", "#e8710a")
CHUNK_BYTES = 512 * 1024
LOWER_IS_BETTER = ("loss", "seconds")
FACTS = (("status", "status"), ("steps", "steps"), ("duration", "seconds"), ("backbone", "backbone"),
         ("batch size", "batch_size"), ("init learning rate", "init_learning_rate"), ("image size", "image_size"),
         ("final loss", "loss"))


def _label(series: str, loss_labels=None) -> str:
    base = series.removeprefix(EVAL_PREFIX)
    return f"{short_label(series)} (eval)" if series.startswith(EVAL_PREFIX) else (
        "total loss" if base == "loss" else short_label(series, loss_labels))


class FittedPicture(QLabel):
    """A picture shown at most at its own size, shrunk (aspect kept) to the space it is given;
    `picture` is the full-size one."""

    def __init__(self) -> None:
        super().__init__()
        self.picture = QPixmap()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(80, 80)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)

    def set_picture(self, picture: QPixmap) -> None:
        self.picture = picture
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self.picture.isNull():
            self.setPixmap(QPixmap())
            return
        box = self.picture.size().boundedTo(self.size())
        self.setPixmap(self.picture.scaled(box, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation))

class CompareView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.metrics: tuple[str, ...] = ()      # the project family's shown metrics, headline first
        self.loss_labels: dict[str, str] = {}
        self.names: list[str] = []
        self.stores: dict[str, CurveStore] = {}
        self._tails: dict[str, EventFileTail] = {}
        self.merged = CurveStore()
        self.rows: list[dict] = []

        self.series_combo = QComboBox()
        self.series_combo.setObjectName("CompareSeries")
        self.series_combo.setToolTip("Which curve to overlay")
        self.series_combo.currentIndexChanged.connect(self._series_changed)
        self.hint = QLabel("Select one run to see its curves, or two (Ctrl+click) to compare them.")
        self.hint.setProperty("role", "hint")
        style = lambda name, _i: {"color": RUN_COLORS[self._run_index(name) % 2], "width": 2}  # noqa: E731
        self.curve_plot = LivePlot("total loss", self.merged, lambda n: self._is("curve", n),
                                   label_for=lambda n: n.split("/", 1)[0], style_for=style, legend_columns=2)
        self.eval_plot = LivePlot("evaluation", self.merged, lambda n: self._is("eval", n),
                                  markers=True, label_for=lambda n: n.split("/", 1)[0], style_for=style,
                                  legend_columns=2, y_range=(0.0, 1.0))
        self.table = QTableWidget()
        self.table.setObjectName("CompareTable")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setMinimumWidth(360)
        self.table.verticalHeader().setDefaultSectionSize(22)

        top = QHBoxLayout()
        top.addWidget(self.hint, 1)
        top.addWidget(QLabel("Curve"))
        top.addWidget(self.series_combo)
        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.addWidget(self.curve_plot)
        plots.addWidget(self.eval_plot)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(plots)
        body.addWidget(self.table)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        body.setSizes([660, 420])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(body, 1)
        # a classifier's confusion matrix (eval/confusion.png, written by its evaluation), one run
        # selected: beside the table, shrunk to fit, so the curves keep their height
        self.confusion = FittedPicture()
        self.confusion.setObjectName("ConfusionPicture")
        self.confusion.setToolTip("Confusion matrix of the run's last evaluation: rows are the true classes, "
                                  "columns the predicted ones (also eval/confusion.csv)")
        self.confusion.hide()
        body.addWidget(self.confusion)
        body.setStretchFactor(2, 2)
        self.body = body
        self._chosen = "loss"

    # -- which series each plot shows ----------------------------------------------------------
    def _run_index(self, name: str) -> int:
        run = name.split("/", 1)[0]
        return self.names.index(run) if run in self.names else 0

    def _is(self, plot: str, name: str) -> bool:
        series = name.split("/", 1)[1] if "/" in name else ""
        return series == (self._chosen if plot == "curve" else EVAL_PREFIX + self.headline)

    def _series_changed(self, _i: int) -> None:
        self._chosen = self.series_combo.currentData() or "loss"
        self.curve_plot.title = _label(self._chosen, self.loss_labels)
        self.curve_plot._apply_theme()
        self.curve_plot.set_log_y(self._chosen.startswith("loss"))
        self.curve_plot.set_store(self.merged)

    # -- loading -------------------------------------------------------------------------------
    @property
    def headline(self) -> str:
        return self.metrics[0] if self.metrics else ""

    def show_runs(self, rows: list[dict], run_dirs: list[Path], metrics: tuple[str, ...],
                  loss_labels=None) -> None:
        """rows: `run_row` dicts of the selected runs (one or two); metrics: the family's shown metrics
        (the eval plot draws the first, the headline); loss_labels: its short loss-term labels."""
        self.metrics, self.rows = tuple(metrics), rows
        self.loss_labels = dict(loss_labels or {})
        self.names = [r["name"] for r in rows]
        self.eval_plot.title = f"{self.headline} (eval)" if self.headline else "evaluation"
        self.eval_plot._apply_theme()
        self.stores = {n: CurveStore() for n in self.names}
        self._tails = {n: EventFileTail(d / "events.jsonl") for n, d in zip(self.names, run_dirs)}
        self.hint.setText({0: "Select one run to see its curves, or two (Ctrl+click) to compare them.",
                           1: f"{self.names[0] if self.names else ''}: select a second run (Ctrl+click) to compare.",
                           2: f"Comparing {' and '.join(self.names)}."}.get(len(rows), ""))
        self.body.setVisible(bool(rows))
        self.series_combo.setEnabled(bool(rows))
        self._show_confusion(run_dirs[0] / "eval" / "confusion.png" if len(rows) == 1 else None)
        self._pump()
        self._fill_combo()
        self._fill_table()
        self.eval_plot.refresh(force=True)    # now, hidden or not: no curve of the runs shown before stays

    def _show_confusion(self, path: Path | None) -> None:
        picture = QPixmap(str(path)) if path is not None and path.is_file() else QPixmap()
        self.confusion.set_picture(picture)
        self.confusion.setVisible(not picture.isNull())

    def _pump(self) -> None:
        more = False
        for name, tail in self._tails.items():
            events, _reset = tail.read_new(CHUNK_BYTES)
            self.stores[name].add_events(events)
            more |= bool(events) and not tail.at_end
        self.merged.series = {f"{run}/{s}": series for run, store in self.stores.items()
                              for s, series in store.series.items()}
        self.merged.version += 1
        if more:   # a big file: the rest on the next turns of the event loop
            QTimer.singleShot(0, self._pump)
        else:
            self._fill_table()

    def _fill_combo(self) -> None:
        names: list[str] = []
        for store in self.stores.values():
            names += [n for n in store.series if n not in names and not n.startswith(EVAL_PREFIX)]
        names.sort(key=lambda n: (n != "loss", not n.startswith("loss"), n))
        self.series_combo.blockSignals(True)
        self.series_combo.clear()
        for n in names or ["loss"]:
            self.series_combo.addItem(_label(n, self.loss_labels), n)
        i = self.series_combo.findData(self._chosen)
        self.series_combo.setCurrentIndex(max(i, 0))
        self.series_combo.blockSignals(False)
        self._series_changed(0)

    # -- the metrics table -----------------------------------------------------------------------
    def _values(self, row: dict) -> dict:
        facts = row.get("facts", {})
        steps = f"{row['step'] or 0}/{row['total_steps']}" if row.get("total_steps") else row.get("step")
        store = self.stores.get(row["name"])
        return {**facts, **row["best"], "status": row["status"], "steps": steps, "seconds": row.get("seconds"),
                "loss": store.latest("loss") if store else None}

    def metric_rows(self) -> list[tuple[str, str]]:
        """(label, key) rows: the family's shown metrics first, then the other metrics, then facts."""
        metrics: list[str] = []
        for row in self.rows:
            metrics += [m for m in row["best"] if m not in metrics]
        first = [m for m in self.metrics if m in metrics]
        ordered = first + [m for m in metrics if m not in first]
        return [(f"best {m}", m) for m in ordered] + list(FACTS)

    def _fill_table(self) -> None:
        values = [self._values(r) for r in self.rows]
        rows = self.metric_rows()
        headers = self.names + (["difference"] if len(self.names) == 2 else [])
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setVerticalHeaderLabels([label for label, _ in rows])
        for i, (_label_text, key) in enumerate(rows):
            cells = [v.get(key) for v in values]
            for j, v in enumerate(cells):
                self.table.setItem(i, j, self._cell(key, v))
            numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in cells)
            if len(cells) == 2 and numbers and (key == "loss" or min(cells) >= 0):
                self.table.setItem(i, 2, self._diff(key, cells[1] - cells[0]))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

    @staticmethod
    def _cell(key: str, v) -> QTableWidgetItem:
        if key == "seconds":
            text = format_duration(v)
        elif isinstance(v, float) and v < 0 and key not in ("loss",):
            text = "n/a"        # COCO's -1: no objects of that size in the split
        elif isinstance(v, float):
            text = f"{v:.4g}" if key in ("init_learning_rate", "loss") else f"{v:.3f}"
        else:
            text = "-" if v is None or v == "" else str(v)
        item = QTableWidgetItem(text)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    @staticmethod
    def _diff(key: str, d: float) -> QTableWidgetItem:
        text = format_duration(abs(d)) if key == "seconds" else f"{abs(d):.4g}" if key in (
            "init_learning_rate", "loss") else f"{abs(d):.3f}"
        item = QTableWidgetItem(("+" if d > 0 else "−" if d < 0 else "±") + text)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if d and key not in ("image_size", "batch_size", "init_learning_rate"):
            better = (d < 0) if key in LOWER_IS_BETTER else (d > 0)
            item.setForeground(QColor("#2f8f4e" if better else "#d9443a"))
        return item
