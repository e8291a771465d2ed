"""Pick a model and a back end: the project's deployable artifacts (plus "Browse..." for any
file) and the back ends that can run the chosen one here. Back ends that cannot are listed but
disabled, with the reason in their tooltip and in `backend_note`."""
from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from core.runtime import available_backends
from core.runtime.base import BACKEND_BY_KIND
from core.runtime.models import ModelChoice, deployable_models, describe_file, siblings
from studio.controllers.preview_worker import FASTEST
from studio.ui.export_panel import add_choice, choice_enabled, tensorrt_status

BACKEND_TITLES = {"pytorch": "PyTorch", "onnxruntime": "ONNX Runtime", "tensorrt": "TensorRT",
                  FASTEST: "Fastest (measured)"}
MODEL_FILTER = "Models (*.pt *.pth *.onnx *.engine *.plan *.trt);;All files (*)"


@functools.lru_cache(maxsize=64)
def _runnable(path: str) -> tuple[str, ...]:
    return tuple(available_backends(path))


def backend_reasons(choice: ModelChoice, candidates: list[ModelChoice]) -> dict[str, str]:
    """For each back end: "" when it can run `choice` here, else the sentence why not."""
    name, natural = choice.path.name, BACKEND_BY_KIND[choice.kind]
    runnable = _runnable(str(choice.path))
    trt_ok, trt_reason = tensorrt_status()
    reasons = {
        "pytorch": "" if natural == "pytorch" else f"{name} is not a PyTorch checkpoint; pick the run's model.pt "
                                                 "to run it on PyTorch.",
        "onnxruntime": ("" if natural == "onnxruntime" and runnable else
                        f"{name} is not an ONNX graph; export it to ONNX on the Optimize page first."
                        if natural != "onnxruntime" else "ONNX Runtime is not installed here."),
        "tensorrt": (trt_reason if not trt_ok else
                     "" if natural == "tensorrt" and runnable else f"{name} is not a TensorRT engine; build one "
                                                                   "from an ONNX export first."),
    }
    others = [c for c in candidates[1:] if _runnable(str(c.path))]
    reasons[FASTEST] = ("" if others and runnable else
                        "Needs a second runnable model of the same weights (e.g. the run's checkpoint and its ONNX "
                        "export) to compare.")
    return reasons


class ModelPicker(QWidget):
    changed = Signal()            # the model or the back end changed
    problem = Signal(str)         # a browsed file that is not a model

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.models: list[ModelChoice] = []
        self._browsed: list[ModelChoice] = []
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("ModelCombo")
        self.model_combo.setMinimumWidth(260)
        self.model_combo.setToolTip("The model to run: a checkpoint, step checkpoint or export of a run")
        self.model_combo.currentIndexChanged.connect(self._model_changed)
        self.browse = QPushButton("Browse...")
        self.browse.setToolTip("Run a model file from elsewhere (.pt, .onnx, .engine)")
        self.browse.clicked.connect(self.browse_file)
        self.backend_combo = QComboBox()
        self.backend_combo.setObjectName("BackendCombo")
        for key, title in BACKEND_TITLES.items():
            add_choice(self.backend_combo, title, key)
        self.backend_combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.backend_note = QLabel()
        self.backend_note.setProperty("role", "hint")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("Model"))
        lay.addWidget(self.model_combo, 2)
        lay.addWidget(self.browse)
        lay.addSpacing(8)
        lay.addWidget(QLabel("Back end"))
        lay.addWidget(self.backend_combo, 1)

    # -- content ------------------------------------------------------------------------------
    def set_project(self, project, fresh: bool = False) -> None:
        """The project's models (again); `fresh`: another project, so files browsed for the last one go."""
        keep = None if fresh else self.choice()
        self.models = deployable_models(project) if project is not None else []
        self._browsed = [] if project is None or fresh else self._browsed
        self._fill(keep.path if keep else None)

    def _fill(self, keep: Path | None) -> None:
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for m in self.models + self._browsed:
            self.model_combo.addItem(m.label, m)
            self.model_combo.setItemData(self.model_combo.count() - 1, str(m.path), Qt.ItemDataRole.ToolTipRole)
        paths = [m.path for m in self.models + self._browsed]
        if paths:
            self.model_combo.setCurrentIndex(paths.index(keep) if keep in paths else 0)
        else:
            self.model_combo.addItem("No model yet: train a run first, or browse for a file", None)
        self.model_combo.setEnabled(bool(paths))
        self.model_combo.blockSignals(False)
        self._model_changed()

    def browse_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a model", "", MODEL_FILTER)
        if path:
            self.add_file(path)

    def add_file(self, path: str | Path) -> bool:
        """Add and select a model file from anywhere; a non-model file is refused with a sentence."""
        choice = describe_file(Path(path).resolve())
        if choice is None:
            self.problem.emit(f"{Path(path).name} is not a model Studio can run: pick a .pt checkpoint, an .onnx "
                              "graph or a TensorRT .engine.")
            return False
        known = [m for m in self.models + self._browsed if m.path == choice.path]
        if not known:
            self._browsed.append(ModelChoice(choice.path, None, choice.kind, f"Browsed · {choice.label}"))
        self._fill(choice.path)
        return True

    # -- selection ----------------------------------------------------------------------------
    def choice(self) -> ModelChoice | None:
        data = self.model_combo.currentData()
        return data if isinstance(data, ModelChoice) else None

    def backend(self) -> str:
        return self.backend_combo.currentData()

    def set_backend(self, key: str) -> bool:
        index = self.backend_combo.findData(key)
        if index < 0 or not choice_enabled(self.backend_combo, key):
            return False
        self.backend_combo.setCurrentIndex(index)
        return True

    def artifacts(self) -> list[Path]:
        """What to load: the chosen model, or with "Fastest" every runnable candidate of its run."""
        choice = self.choice()
        if choice is None:
            return []
        if self.backend() != FASTEST:
            return [choice.path]
        return [c.path for c in siblings(self.models, choice) if _runnable(str(c.path))]

    def _model_changed(self, _index: int = -1) -> None:
        choice = self.choice()
        model = self.backend_combo.model()
        self.backend_combo.blockSignals(True)
        if choice is None:
            reasons = {k: "Pick a model first." for k in BACKEND_TITLES}
        else:
            reasons = backend_reasons(choice, siblings(self.models, choice))
        for i in range(self.backend_combo.count()):
            key = self.backend_combo.itemData(i)
            model.item(i).setEnabled(not reasons[key])
            self.backend_combo.setItemData(i, reasons[key] or f"Run on {BACKEND_TITLES[key]}",
                                           Qt.ItemDataRole.ToolTipRole)
        if reasons.get(self.backend()):
            natural = BACKEND_BY_KIND[choice.kind] if choice else "pytorch"
            self.backend_combo.setCurrentIndex(self.backend_combo.findData(natural))
        self.backend_combo.blockSignals(False)
        self.backend_note.setText(reasons.get(self.backend(), ""))
        self.changed.emit()
