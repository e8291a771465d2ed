"""The Prune, Retrain, QAT and INT8 forms of the Optimize page. Each form only collects options and
emits them; the page starts the worker job (`prune`, `train`, `qat`, `export`) and shows its
progress in the form's `JobProgress`."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from studio.ui.job_progress import JobProgress

EQUALIZATIONS = (("union", "union: keep a channel when any coupled layer needs it"),
                 ("intersection", "intersection: keep it only when every coupled layer needs it"),
                 ("arithmetic", "arithmetic: keep it by the mean of the coupled layers' norms"))
CAL_SAMPLES = (("random", "random samples"), ("min-objects", "samples with at least N objects"),
               ("min-keypoints", "samples with at least N labeled keypoints"))


class OptionsPanel(QWidget):
    """A form on the left, a hint, the action button and the job's progress on the right."""

    requested = Signal(dict)

    def __init__(self, hint: str, button: str, tip: str, parent=None):
        super().__init__(parent)
        self.form = QFormLayout()
        self.hint = QLabel(hint)
        self.hint.setWordWrap(True)
        self.hint.setProperty("role", "hint")
        self.button = QPushButton(button)
        self.button.setProperty("primary", True)
        self._tip = tip
        self.button.setToolTip(tip)
        self.button.clicked.connect(lambda: self.requested.emit(self.options()))
        self.progress = JobProgress()
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch(1)
        side = QVBoxLayout()
        side.addWidget(self.hint)
        side.addLayout(row)
        side.addWidget(self.progress)
        side.addStretch(1)
        lay = QHBoxLayout(self)
        lay.addLayout(self.form, 1)
        lay.addSpacing(12)
        lay.addLayout(side, 1)

    def options(self) -> dict:
        raise NotImplementedError

    def set_available(self, enabled: bool, reason: str = "") -> None:
        self.button.setEnabled(enabled)
        self.button.setToolTip(self._tip if enabled else reason)


class PrunePanel(OptionsPanel):
    """Also the sensitivity sweep: `sweep_requested(options)` with the thresholds and steps; the
    page shows the sweep's plot under the form (`show_sweep`)."""

    sweep_requested = Signal(dict)

    def __init__(self, parent=None):
        super().__init__("Removes the channels whose normalized L1 norm is below the threshold, keeping coupled "
                         "channels (residual adds, FPN inputs) consistent, into a new run that retrains the pruned "
                         "model. The pruned model is evaluated before retraining.",
                         "Prune into a new run", "Prune the selected run's trained model", parent)
        self.pth = QDoubleSpinBox()
        self.pth.setRange(0.0, 0.999)
        self.pth.setDecimals(3)
        self.pth.setSingleStep(0.05)
        self.pth.setValue(0.1)
        self.pth.setToolTip("Channels weaker than this fraction of their layer's strongest go (TAO's -pth)")
        self.equalization = QComboBox()
        for key, text in EQUALIZATIONS:
            self.equalization.addItem(text, key)
        self.granularity = QSpinBox()
        self.granularity.setRange(1, 64)
        self.granularity.setValue(8)
        self.granularity.setToolTip("Each layer keeps a multiple of this many channels")
        self.min_filters = QSpinBox()
        self.min_filters.setRange(1, 1024)
        self.min_filters.setValue(16)
        self.min_filters.setToolTip("Each layer keeps at least this many channels")
        self.exclude = QLineEdit()
        self.exclude.setPlaceholderText("layer names never pruned, e.g. backbone.body.layer4")
        self.form.addRow("Threshold (pth)", self.pth)
        self.form.addRow("Equalization", self.equalization)
        self.form.addRow("Granularity", self.granularity)
        self.form.addRow("Minimum channels", self.min_filters)
        self.form.addRow("Exclude", self.exclude)
        self.sweep_pths = QLineEdit("0.05,0.1,0.2,0.3")
        self.sweep_pths.setToolTip("Thresholds to try, separated by commas")
        self.sweep_steps = QSpinBox()
        self.sweep_steps.setRange(1, 100_000)
        self.sweep_steps.setValue(20)
        self.sweep_steps.setToolTip("Fine-tune steps per threshold before it is evaluated")
        self.sweep_button = QPushButton("Sweep thresholds")
        self.sweep_button.setToolTip("Prune at each threshold, fine-tune briefly and evaluate: a plot of parameters "
                                     "and the metric against pth, to choose pth")
        self.sweep_button.clicked.connect(lambda: self.sweep_requested.emit(self.sweep_options()))
        sweep_row = QHBoxLayout()
        sweep_row.addWidget(self.sweep_pths, 1)
        sweep_row.addWidget(QLabel("steps"))
        sweep_row.addWidget(self.sweep_steps)
        sweep_row.addWidget(self.sweep_button)
        self.form.addRow("Sensitivity", sweep_row)
        self.sweep_plot = QLabel()
        self.sweep_plot.setObjectName("PruneSweepPlot")
        self.sweep_plot.hide()
        self.form.addRow("", self.sweep_plot)

    def sweep_options(self) -> dict:
        return {**self.options(), "sweep": self.sweep_pths.text().strip(), "sweep_steps": self.sweep_steps.value()}

    def show_sweep(self, png: str | None) -> None:
        """The sweep's plot (scaled to fit), or nothing."""
        from PySide6.QtGui import QPixmap

        pix = QPixmap(png) if png else QPixmap()
        if pix.isNull():
            self.sweep_plot.clear()
            self.sweep_plot.hide()
            return
        self.sweep_plot.setPixmap(pix.scaledToWidth(min(480, pix.width())))
        self.sweep_plot.setToolTip(png)
        self.sweep_plot.show()

    def set_available(self, enabled: bool, reason: str = "") -> None:
        super().set_available(enabled, reason)
        self.sweep_button.setEnabled(enabled)

    def options(self) -> dict:
        return {"pth": round(self.pth.value(), 4), "equalization": self.equalization.currentData(),
                "granularity": self.granularity.value(), "min_filters": self.min_filters.value(),
                "exclude": self.exclude.text().strip() or None}


class RetrainPanel(OptionsPanel):
    def __init__(self, parent=None):
        super().__init__("Trains a pruned run from its pruned model (its start checkpoint) to win back the "
                         "accuracy pruning cost. Its curves appear on the Train page.",
                         "Retrain", "Train the chosen pruned run", parent)
        self.pruned = QComboBox()
        self.pruned.setMinimumWidth(200)
        self.pruned.setToolTip("Runs made by pruning the selected run")
        self.form.addRow("Pruned run", self.pruned)

    def set_runs(self, names: list[str]) -> None:
        current = self.pruned.currentData()
        self.pruned.clear()
        for name in names:
            self.pruned.addItem(name, name)
        if current in names:
            self.pruned.setCurrentIndex(names.index(current))

    def options(self) -> dict:
        return {"run": self.pruned.currentData()}


class QatPanel(OptionsPanel):
    def __init__(self, parent=None):
        super().__init__("Fine-tunes the selected run's model with fake INT8 quantization (symmetric, per-channel "
                         "weights, per-tensor activations, TensorRT's scheme) in a new run, then its INT8 export "
                         "keeps the accuracy. The new run trains right away; follow it on the Train page.",
                         "Start QAT run", "Make and train the quantization-aware training run", parent)
        self.steps = QSpinBox()
        self.steps.setRange(0, 1_000_000)
        self.steps.setSpecialValueText("a tenth of the run's (at least 20)")
        self.steps.setToolTip("Length of the QAT run in steps")
        self.checkpoint = QComboBox()
        self.checkpoint.addItem("the trained model (last)", "last")
        self.checkpoint.addItem("the best checkpoint", "best")
        self.form.addRow("Steps", self.steps)
        self.form.addRow("Start from", self.checkpoint)

    def options(self) -> dict:
        return {"steps": self.steps.value() or None, "checkpoint": self.checkpoint.currentData()}


class Int8Panel(OptionsPanel):
    def __init__(self, parent=None):
        super().__init__("Post-training INT8: calibrates activation ranges on batches of a split, writes a Q/DQ "
                         "ONNX and a TensorRT calibration cache, and evaluates it; a loss of more than 1 point "
                         "advises QAT. It needs at least batch size × batches samples.",
                         "Calibrate and export INT8", "Export the selected run's model as INT8", parent)
        self.split = QComboBox()
        for split in ("train", "val", "test"):
            self.split.addItem(split, split)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 256)
        self.batch_size.setValue(4)
        self.batches = QSpinBox()
        self.batches.setRange(1, 1000)
        self.batches.setValue(4)
        self.sample = QComboBox()
        for key, text in CAL_SAMPLES:
            self.sample.addItem(text, key)
        self.minimum = QSpinBox()
        self.minimum.setRange(1, 1000)
        self.minimum.setValue(1)
        self.minimum.setToolTip("N for the 'at least N' rules")
        self.form.addRow("Calibration split", self.split)
        self.form.addRow("Batch size", self.batch_size)
        self.form.addRow("Batches", self.batches)
        self.form.addRow("Samples", self.sample)
        self.form.addRow("At least N", self.minimum)

    def options(self) -> dict:
        return {"precision": "int8", "cal_split": self.split.currentData(), "cal_batch_size": self.batch_size.value(),
                "cal_batches": self.batches.value(), "cal_sample": self.sample.currentData(),
                "cal_min": self.minimum.value()}
