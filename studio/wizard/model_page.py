"""Step 4 (families that train): model size profile, backbone, and optional local pretrained
weights — the trained models of the same family in recent projects (Studio checkpoints, possibly
of other classes: the class-dependent head is re-initialized), torchvision weights in the torch
hub cache, or a file — checked by a child process (torch is never imported in the GUI process)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QPushButton,
                               QRadioButton, QVBoxLayout, QWidget, QWizardPage)

from studio.wizard.background import TaskSlot
from studio.wizard.environment import Environment, field_choices
from studio.wizard.widgets import Message

NO_WEIGHTS = "None: train from scratch"
NO_DETECTOR = "None: classify whole images (set model.detector later)"


def _add_file(combo: QComboBox, label: str, path: Path) -> None:
    """An entry for a file: `label` shown, the full path as its data and its tooltip."""
    combo.addItem(label, str(path))
    combo.setItemData(combo.count() - 1, str(path), Qt.ItemDataRole.ToolTipRole)


def _select_or_add(combo: QComboBox, path: str) -> None:
    """Select the entry holding `path`, adding one named after the file when there is none."""
    index = combo.findData(path)
    if index < 0:
        combo.addItem(Path(path).name, path)
        index = combo.count() - 1
    combo.setCurrentIndex(index)


class ModelPage(QWizardPage):
    def __init__(self, wizard, parent=None):
        super().__init__(parent)
        self.wiz = wizard
        self.setTitle("Model")
        self.setSubTitle("Pick the model's size and backbone, and optionally weights to start from (transfer "
                         "learning). Every setting can be changed on the next step.")
        self.cpu = QRadioButton("&CPU: a small model sized to train on this computer's processor")
        self.gpu = QRadioButton("&GPU: the full-size model (torchvision's defaults)")
        self.cpu.setObjectName("ProfileCpu")
        self.gpu.setObjectName("ProfileGpu")
        self.profiles = QButtonGroup(self)
        for b in (self.cpu, self.gpu):
            self.profiles.addButton(b)
        self.hardware = Message()
        self.backbone = QComboBox()
        self.backbone.setObjectName("Backbone")
        self.backbone.setToolTip("Deeper backbones are more accurate and slower.")
        self.weights = QComboBox()
        self.weights.setObjectName("Weights")
        self.weights.setMinimumWidth(380)
        self.weights.setToolTip("A Studio checkpoint of this family (from a recent project; trained on other "
                                "classes too), torchvision weights (a ResNet backbone or a whole model) from the "
                                "torch hub cache, or a file. Files are read safely (weights only) and nothing "
                                "is downloaded.")
        self.browse = QPushButton("Browse...")
        self.browse.setToolTip("Choose a local .pth / .pt weights file")
        self.weights_message = Message()
        self.weights_message.setObjectName("WeightsMessage")
        # the detector a second-stage family (gesture) runs after: a detection run of a recent project
        self.detector = QComboBox()
        self.detector.setObjectName("Detector")
        self.detector.setToolTip("The hand detector whose boxes this classifier names: the trained model of a "
                                 "detection run (from a recent project), or a .pt / .onnx / .engine file. "
                                 "It is model.detector in the spec, and can be set later.")
        self.detector_browse = QPushButton("Browse...")
        self.detector_browse.setObjectName("DetectorBrowse")
        self.detector_browse.setToolTip("Choose a detection model file (.pt, .onnx or .engine)")
        self.status = Message()

        profile_box = QVBoxLayout()
        profile_box.addWidget(self.cpu)
        profile_box.addWidget(self.gpu)
        profile_box.addWidget(self.hardware)
        weights_row = QHBoxLayout()
        weights_row.addWidget(self.weights, 1)
        weights_row.addWidget(self.browse)
        weights_box = QWidget()
        weights_box.setLayout(weights_row)
        weights_row.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.addRow("Profile:", profile_box)
        form.addRow("&Backbone:", self.backbone)
        form.addRow("Pretrained &weights:", weights_box)
        form.addRow("", self.weights_message)
        detector_row = QHBoxLayout()
        detector_row.setContentsMargins(0, 0, 0, 0)
        detector_row.addWidget(self.detector, 1)
        detector_row.addWidget(self.detector_browse)
        self.detector_box = QWidget()
        self.detector_box.setLayout(detector_row)
        form.addRow("Runs after &detector:", self.detector_box)
        self.form = form
        form.setRowVisible(self.detector_box, False)
        lay = QVBoxLayout(self)
        lay.addWidget(self.status)
        lay.addLayout(form)
        lay.addStretch(1)

        self.env: Environment | None = None
        self._user_backbone = False
        self._user_profile = False
        self.check_slot = TaskSlot(self)
        self.checked: dict[tuple[str, str, str], str | None] = {}   # (file, backbone, family) -> problem or None
        self._checking: tuple[str, str, str] | None = None
        self._descriptions: dict[tuple[str, str, str], str] = {}
        self.cpu.toggled.connect(self._profile_changed)
        for b in (self.cpu, self.gpu):
            b.clicked.connect(lambda _c=False: setattr(self, "_user_profile", True))
        self.backbone.activated.connect(self._backbone_chosen)
        self.weights.currentIndexChanged.connect(lambda _i: self._check_weights())
        self.browse.clicked.connect(self.browse_weights)
        self.detector_browse.clicked.connect(self.browse_detector)
        self.detector.currentIndexChanged.connect(lambda _i: self.completeChanged.emit())
        self._set_enabled(False)

    # -- environment ------------------------------------------------------------------------
    def initializePage(self) -> None:  # noqa: N802 - Qt override
        task = self.wiz.family_page.family().name
        env = self.wiz.environments.get(task)
        if env is None:
            self.status.note("Looking for a GPU and cached weights...")
            self.wiz.probe(task)
        elif self.env is None or self.env.task != task:
            self.environment_ready(env)
        self.completeChanged.emit()

    def cleanupPage(self) -> None:  # noqa: N802 - Back keeps what was entered
        pass

    def environment_ready(self, env: Environment) -> None:
        """Called by the wizard when the probe for a family finished."""
        if env.task != self.wiz.family_page.family().name:
            return
        first = self.env is None or self.env.task != env.task
        self.env = env
        self.status.clear_message()
        if first:
            self.backbone.clear()
            self.backbone.addItems(list(field_choices(env.spec_class, "model.backbone")))
            if not self._user_profile:
                (self.gpu if env.cuda else self.cpu).setChecked(True)
            self._fill_weights()
            self._fill_detectors()
        self.hardware.note(f"GPU found: {env.gpu_name}." if env.cuda else
                           "No CUDA GPU here: the CPU profile trains in minutes; GPU settings would be very slow.")
        self._profile_changed()
        self._set_enabled(True)

    def environment_failed(self, task: str, sentence: str) -> None:
        if task == self.wiz.family_page.family().name:
            self.status.error(f"The model settings could not be prepared: {sentence}")

    def _set_enabled(self, on: bool) -> None:
        for w in (self.cpu, self.gpu, self.backbone, self.weights, self.browse, self.detector, self.detector_browse):
            w.setEnabled(on)

    def _fill_detectors(self) -> None:
        found = self.env.detectors if self.env else None
        self.form.setRowVisible(self.detector_box, found is not None)
        current = self.detector_path()
        self.detector.blockSignals(True)
        self.detector.clear()
        self.detector.addItem(NO_DETECTOR, "")
        for checkpoint in found or []:
            _add_file(self.detector, f"{checkpoint.label()}  (detection run)", checkpoint.path)
        self.detector.blockSignals(False)
        if current:
            self.set_detector(current)
        elif found:
            self.detector.setCurrentIndex(1)        # the newest detection run: the usual choice

    def detector_path(self) -> str:
        return str(self.detector.currentData() or "") if self.form.isRowVisible(self.detector_box) else ""

    def set_detector(self, path: str) -> None:
        _select_or_add(self.detector, path)

    def browse_detector(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Choose the detector", "",
                                                "Detection models (*.pt *.onnx *.engine);;All files (*)")
        if chosen:
            self.set_detector(chosen)

    def _fill_weights(self) -> None:
        current = self.pretrained()
        self.weights.blockSignals(True)
        self.weights.clear()
        self.weights.addItem(NO_WEIGHTS, "")
        for found in self.env.checkpoints if self.env else []:
            _add_file(self.weights, f"{found.label()}  (Studio checkpoint)", found.path)
        for found in self.env.lenders if self.env else []:
            _add_file(self.weights, f"{found.label()}  (its backbone only)", found.path)
        for path in self.env.cached if self.env else []:
            self.weights.addItem(f"{path.name}  (torch hub cache)", str(path))
        self.weights.blockSignals(False)
        if current:
            self.set_weights(current)

    # -- choices ----------------------------------------------------------------------------
    def profile(self) -> str:
        return "gpu" if self.gpu.isChecked() else "cpu"

    def _profile_changed(self, *_args) -> None:
        if self.env is not None and not self._user_backbone:
            default = self.env.default_spec(self.profile()).model.backbone
            self.backbone.setCurrentText(default)
            self._check_weights()
        self.completeChanged.emit()

    def _backbone_chosen(self, _index: int) -> None:
        self._user_backbone = True
        self._check_weights()

    def pretrained(self) -> str:
        return str(self.weights.currentData() or "")

    def set_weights(self, path: str) -> None:
        _select_or_add(self.weights, path)

    def browse_weights(self) -> None:
        start = str(self.env.hub_dir) if self.env and self.env.hub_dir and self.env.hub_dir.is_dir() else ""
        chosen, _ = QFileDialog.getOpenFileName(self, "Choose pretrained weights", start,
                                                "PyTorch weights (*.pth *.pt);;All files (*)")
        if chosen:
            self.set_weights(chosen)

    # -- weights check ----------------------------------------------------------------------
    def _key(self) -> tuple[str, str, str]:
        """What a check answers for: the file, the backbone and the family."""
        return self.pretrained(), self.backbone.currentText(), self.env.task if self.env is not None else ""

    def _check_weights(self) -> None:
        key = path, backbone, task = self._key()
        if not path:
            self.weights_message.note("The model starts from random weights; it needs more steps to learn.")
        elif key in self.checked:
            self._show_check(key)
        else:
            from core.families.pretrained import check_weights_in_subprocess

            self._checking = key
            self.weights_message.note(f"Checking {Path(path).name} (read safely, weights only)...")
            check = lambda reporter: check_weights_in_subprocess(path, backbone, task or None).describe()  # noqa: E731
            self.check_slot.start(check,
                                  on_done=lambda text: self._weights_checked(key, None, text),
                                  on_error=lambda sentence: self._weights_checked(key, sentence, ""))
        self.completeChanged.emit()

    def _weights_checked(self, key, problem: str | None, description: str) -> None:
        self._checking = None
        self.checked[key] = problem
        self._descriptions[key] = description
        if key == self._key():
            self._show_check(key)
        self.completeChanged.emit()

    def _show_check(self, key) -> None:
        problem = self.checked[key]
        if problem:
            self.weights_message.error(problem)
        else:
            self.weights_message.ok(f"Usable: {self._descriptions.get(key, '')}")

    def problem(self) -> str | None:
        if self.env is None or self.env.task != self.wiz.family_page.family().name:
            return "Looking for a GPU and cached weights..."
        key = self._key()
        if key[0] and key not in self.checked:
            return "The weights are being checked..."
        return self.checked.get(key) if key[0] else None

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return self.problem() is None

    def choices(self) -> dict:
        return {"profile": self.profile(), "backbone": self.backbone.currentText(), "pretrained": self.pretrained(),
                "detector": self.detector_path()}
