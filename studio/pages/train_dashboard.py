"""The Train page's right side: progress with ETA, latest values, live curves and the log.

Curves come from a `CurveStore` fed three ways: live events of a job started here
(`attach_job`), a replay of `runs/<run>/events.jsonl` (`show_run`), and, for a run trained by
another process, the lines appended to that file (`follow=True`: read every 0.5 s). Big files
replay in chunks so the GUI thread never stalls; widgets update at most 10 times a second.
What it names follows the project's family (`set_family`): the evaluation curves and the best
values are the family's shown metrics (headline first), the loss legend its short labels.
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QSplitter,
                               QVBoxLayout, QWidget)

from core.families import FamilyInfo
from core.jobs.curves import EVAL_PREFIX, CurveStore
from core.jobs.event_tail import EventFileTail
from studio.ui.fit_labels import ElidedLabel, WrappingLine
from studio.ui.log_view import LogView
from studio.ui.loss_plot import LivePlot, eval_curves, is_loss, short_label

CHUNK_BYTES = 512 * 1024      # a replay reads at most this much per turn of the event loop
TAIL_MS = 500


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    return f"{s // 3600}h {s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m {s % 60:02d}s"


def event_line(event: dict) -> str:
    """A log/error/done event as a line of the log view."""
    stamp = time.strftime("%H:%M:%S", time.localtime(event["time"])) + " " if event.get("time") else ""
    kind = event.get("event")
    if kind == "error":
        return f"{stamp}ERROR {event.get('message', '')}\n"
    if kind == "done":
        step = f" at step {event['step']}" if event.get("step") is not None else ""
        return f"{stamp}{event.get('job', 'job')} {event.get('status', 'done')}{step}\n"
    return f"{stamp}{event.get('message', '')}\n"


def _num(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1e-3 and value else f"{value:.4g}"


class TrainDashboard(QWidget):
    run_ended = Signal(str)          # a done/error event arrived (status)

    def __init__(self, family: FamilyInfo | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.metrics: tuple[str, ...] = ()          # the family's shown metrics, headline first
        self.loss_labels: dict[str, str] = {}
        self._is_eval_curve = eval_curves(())
        self.store = CurveStore()
        self.job = None
        self._tail: EventFileTail | None = None
        self._follow = False
        self._shown_version = -1

        self.title = ElidedLabel("No run selected", min_chars=8)
        self.title.setObjectName("DashboardTitle")
        self.title.setStyleSheet("font-weight: 600;")
        self.progress = QProgressBar()
        self.progress.setObjectName("TrainProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.eta = ElidedLabel(min_chars=10)      # "ETA 3m 05s", "done", "failed: <why>" (all of it in its tooltip)
        self.eta.setObjectName("TrainEta")
        self.eta.setMaximumWidth(260)
        # values wrap onto more lines when narrow; the height changes only when the line count does
        self.values = WrappingLine()
        self.values.setProperty("role", "hint")
        self.values.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        label = lambda name: short_label(name, self.loss_labels)  # noqa: E731 - follows set_family
        self.loss_plot = LivePlot("Losses", self.store, is_loss, log_y=True, y_label="loss", legend_columns=3,
                                  label_for=label)
        self.lr_plot = LivePlot("Learning rate", self.store, lambda n: n == "lr", y_label="lr", legend_columns=0)
        self.eval_plot = LivePlot("Evaluation (val split)", self.store, lambda n: self._is_eval_curve(n),
                                  markers=True, legend_columns=3, y_range=(0.0, 1.0), label_for=label)
        self.eval_plot.setToolTip("The family's metrics on the validation split, at each evaluation")
        self.rate_plot = LivePlot("Throughput", self.store, lambda n: n == "samples_per_s", y_label="samples/s",
                                  legend_columns=0)
        self.plots = (self.loss_plot, self.lr_plot, self.eval_plot, self.rate_plot)
        self.log_y = QCheckBox("Log scale for losses")
        self.log_y.setChecked(True)
        self.log_y.setToolTip("Plot the losses on a logarithmic axis")
        self.log_y.toggled.connect(self._set_log_y)

        grid_box = QWidget()
        grid = QGridLayout(grid_box)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, plot in enumerate(self.plots):
            grid.addWidget(plot, i // 2, i % 2)
        self.log_view = LogView()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(grid_box)
        split.addWidget(self.log_view)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 1)
        split.setSizes([480, 90])
        self.log_view.setMinimumHeight(60)

        bar = QHBoxLayout()
        bar.addWidget(self.title)
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.eta)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(bar)
        row = QHBoxLayout()
        row.addWidget(self.values, 1)
        row.addWidget(self.log_y)
        lay.addLayout(row)
        lay.addWidget(split, 1)

        self._status_timer = QTimer(self, interval=100, timeout=self._update_status)
        self._status_timer.start()
        self._tail_timer = QTimer(self, interval=TAIL_MS, timeout=self._pump)
        self.set_family(family)

    @property
    def headline(self) -> str:
        return self.metrics[0] if self.metrics else ""

    def set_family(self, info: FamilyInfo | None) -> None:
        """Name curves and values as the project's family does (None: loss terms by their names, no
        evaluation curves)."""
        self.metrics = info.shown_metrics if info is not None else ()
        self.loss_labels = dict(info.loss_labels) if info is not None else {}
        self._is_eval_curve = eval_curves(self.metrics)
        for plot in (self.loss_plot, self.eval_plot):   # curves again, with the new legend labels
            plot.set_store(self.store)
        self._update_status(force=True)

    # -- sources -----------------------------------------------------------------------------
    def clear(self, title: str = "No run selected") -> None:
        self.detach()
        self._tail_timer.stop()
        self._tail, self._follow = None, False
        self.store.clear()
        self.log_view.clear_log()
        self.title.set_full_text(title)
        self._update_status(force=True)
        for plot in self.plots:      # at once, not on the next redraw tick: nothing of the last run stays
            plot.refresh(force=True)

    def show_run(self, events_path: Path, title: str, follow: bool = False, log_path: Path | None = None) -> None:
        """Replay a run's events file; with follow, keep reading what another process appends."""
        self.clear(title)
        self._tail, self._follow = EventFileTail(events_path), follow
        self._pump()
        self.log_view.flush()
        self.log_view.show_file(log_path, follow=follow)
        if follow:
            self._tail_timer.start()
        for plot in self.plots:     # a replay shows at once, every curve
            plot.refresh(force=True)
        self._update_status(force=True)

    def stop_following(self) -> None:
        """The other process ended: read what is left, then stop polling."""
        if self._follow:
            self._follow = False
            self._pump()
        self._tail_timer.stop()
        self.log_view.stop_following()

    def _pump(self) -> None:
        if self._tail is None:
            return
        events, reset = self._tail.read_new(CHUNK_BYTES)
        if reset:      # a resumed run trimmed its file: start over
            self.store.clear()
        self._add(events)
        if events and not self._tail.at_end:   # more already written: next turn of the event loop
            QTimer.singleShot(0, self._pump)

    def attach_job(self, job) -> None:
        """Feed the curves and the log from a job started in this GUI."""
        self.detach()
        self._tail_timer.stop()
        self.log_view.stop_following()
        self.job = job
        job.event.connect(self.on_event)
        job.log.connect(self.log_view.append_text)

    def detach(self) -> None:
        if self.job is not None:
            for signal, slot in ((self.job.event, self.on_event), (self.job.log, self.log_view.append_text)):
                try:
                    signal.disconnect(slot)
                except (RuntimeError, TypeError):
                    pass
            self.job = None

    def on_event(self, event: dict) -> None:
        self._add((event,))

    def _add(self, events) -> None:
        ended = None
        for event in events:
            self.store.add_event(event)
            kind = event.get("event")
            if kind in ("log", "error", "done"):
                self.log_view.append_text(event_line(event))
                if kind != "log":
                    ended = self.store.progress.status
        if ended:
            self.run_ended.emit(ended)

    # -- presentation ------------------------------------------------------------------------
    def _set_log_y(self, on: bool) -> None:
        self.loss_plot.set_log_y(on)
        self.loss_plot.refresh(force=True)

    def _update_status(self, force: bool = False) -> None:
        if not force and self.store.version == self._shown_version:
            return
        self._shown_version = self.store.version
        p = self.store.progress
        for plot in self.plots:        # every plot spans the run's steps: they line up, and grow from the left
            plot.set_x_span(p.total or None)
        if p.total:
            self.progress.setRange(0, int(p.total))
            self.progress.setValue(int(p.done or 0))
            epoch = f"epoch {p.epoch} / {p.epochs}  ·  " if p.epoch and p.epochs else ""
            self.progress.setFormat(epoch + "step %v / %m  (%p%)")
            widest = (f"epoch {p.epochs} / {p.epochs}  ·  " if p.epoch and p.epochs else "") + \
                f"step {p.total} / {p.total}  (100%)"      # the bar never cuts its own text
            self.progress.setMinimumWidth(self.progress.fontMetrics().horizontalAdvance(widest) + 12)
        else:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.progress.setFormat("")
        parts = []
        if p.status:
            parts.append(p.status if not p.message else f"{p.status}: {p.message}")
        elif p.phase and p.phase != "train" and p.phase_total:
            parts.append(f"{p.phase} {p.phase_done}/{p.phase_total}")
        elif p.eta_s is not None:
            parts.append(f"ETA {format_eta(p.eta_s)}")
        self.eta.set_full_text("  ·  ".join(parts), tooltip=p.message)
        self.values.set_parts(self.latest_parts())

    def latest_text(self) -> str:
        return "   ·   ".join(self.latest_parts())

    def latest_parts(self) -> list[str]:
        s = self.store
        parts = []
        for name, label in (("loss", "loss"), ("lr", "lr"), ("samples_per_s", "samples/s")):
            v = s.latest(name)
            if v is not None:
                parts.append(f"{label} {_num(v)}")
        for name in self.metrics[:2]:      # the headline and the next metric the family shows
            best = s.best(EVAL_PREFIX + name)
            if best is not None:
                parts.append(f"{name} {s.latest(EVAL_PREFIX + name):.3f} (best {best:.3f})")
        return parts
