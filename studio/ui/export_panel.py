"""The Export form of the Optimize page: format, precision, opset and the accuracy guardrail
checkbox. A TensorRT engine needs TensorRT and an NVIDIA GPU: elsewhere it is listed but disabled,
with the reason in its tooltip and under the form. INT8 here calibrates on the training split with
the defaults; the INT8 tab sets the calibration."""
from __future__ import annotations

import functools

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from studio.ui.job_progress import JobProgress

DEFAULT_OPSET = 17


@functools.lru_cache(maxsize=1)
def tensorrt_status() -> tuple[bool, str]:
    """(TensorRT engines can be built here, why or why not) — asked once per session."""
    from core.runtime.tensorrt_backend import tensorrt_available

    return tensorrt_available()


def add_choice(combo: QComboBox, text: str, data: str, enabled: bool = True, tip: str = "") -> None:
    combo.addItem(text, data)
    model = combo.model()
    index = combo.count() - 1
    if tip:
        combo.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
    if not enabled and isinstance(model, QStandardItemModel):
        model.item(index).setEnabled(False)


def choice_enabled(combo: QComboBox, data: str) -> bool:
    index = combo.findData(data)
    model = combo.model()
    return index >= 0 and (not isinstance(model, QStandardItemModel) or model.item(index).isEnabled())


class ExportPanel(QWidget):
    """Emits `export_requested(options)` with format, precision, opset and no_eval."""

    export_requested = Signal(dict)

    def __init__(self, parent=None):
        super().__init__(parent)
        trt_ok, trt_reason = tensorrt_status()
        self.format = QComboBox()
        add_choice(self.format, "ONNX (runs on ONNX Runtime; input to TensorRT)", "onnx",
                   tip="A self-describing ONNX graph with a sidecar (task, classes, spec, shapes).")
        add_choice(self.format, "TensorRT engine (built from the ONNX)", "engine", enabled=trt_ok,
                   tip=trt_reason or "An engine for this machine's GPU, with an optimization profile from the spec.")
        self.trt_reason = trt_reason
        self.precision = QComboBox()
        add_choice(self.precision, "FP32", "fp32", tip="Full precision: the trained model's accuracy.")
        add_choice(self.precision, "FP16", "fp16", tip="FP16 weights and math, FP32 inputs and outputs (GPU back ends).")
        add_choice(self.precision, "INT8 (Q/DQ)", "int8",
                   tip="Post-training INT8 calibrated on the training split (the INT8 tab sets the calibration).")
        self.opset = QSpinBox()
        self.opset.setRange(11, 21)
        self.opset.setValue(DEFAULT_OPSET)
        self.opset.setToolTip("ONNX operator set version; 17 suits ONNX Runtime and TensorRT 8.6+.")
        self.evaluate = QCheckBox("Evaluate on the validation split (accuracy guardrail)")
        self.evaluate.setChecked(True)
        self.evaluate.setToolTip("Score the export on the validation split and store its metric delta against "
                                 "the trained model.")
        form = QFormLayout()
        form.addRow("Format", self.format)
        form.addRow("Precision", self.precision)
        form.addRow("ONNX opset", self.opset)
        form.addRow("", self.evaluate)
        self.note = QLabel("Every export is evaluated (unless unchecked) and gets DeepStream and Triton files and a "
                           "model card." + (f" TensorRT: {trt_reason}" if not trt_ok else ""))
        self.note.setWordWrap(True)
        self.note.setProperty("role", "hint")
        self.button = QPushButton("Export")
        self.button.setProperty("primary", True)
        self.button.setToolTip("Export the selected run's trained model (Ctrl+E)")
        self.button.setShortcut("Ctrl+E")
        self.button.clicked.connect(self._request)
        self.progress = JobProgress()
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch(1)
        side = QVBoxLayout()
        side.addWidget(self.note)
        side.addLayout(row)
        side.addWidget(self.progress)
        side.addStretch(1)
        lay = QHBoxLayout(self)
        lay.addLayout(form, 1)
        lay.addSpacing(12)
        lay.addLayout(side, 1)

    def options(self) -> dict:
        return {"format": self.format.currentData(), "precision": self.precision.currentData(),
                "opset": self.opset.value(), "no_eval": not self.evaluate.isChecked()}

    def _request(self) -> None:
        self.export_requested.emit(self.options())

    def set_available(self, enabled: bool, reason: str = "") -> None:
        """Enable the Export button (or disable it, saying why in its tooltip)."""
        self.button.setEnabled(enabled)
        self.button.setToolTip("Export the selected run's trained model (Ctrl+E)" if enabled else reason)
