"""The Data page's actions bar (Import, Split, Export COCO, with a progress bar and a status line)
and the split dialog. Split and export run as `DataTask`s, off the GUI thread."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
                               QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from studio.controllers.data_tasks import DataTask


class SplitDialog(QDialog):
    """Validation/test fractions and a seed; refuses fractions that leave nothing to train on."""

    def __init__(self, val: float = 0.2, test: float = 0.0, seed: int = 0, images: int = 0, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Split the images")
        self.setMinimumWidth(460)
        self.images = images
        self.val, self.test = QDoubleSpinBox(), QDoubleSpinBox()
        for box, value, tip in ((self.val, val, "Fraction of the images used to validate while training"),
                                (self.test, test, "Fraction kept apart for a final test (0: no test split)")):
            box.setRange(0.0, 0.95)
            box.setSingleStep(0.05)
            box.setDecimals(2)
            box.setValue(value)
            box.setToolTip(tip)
            box.valueChanged.connect(self._check)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(seed)
        self.seed.setToolTip("The same images, fractions and seed always give the same split")
        self.preview = QLabel()
        self.preview.setProperty("role", "hint")
        self.preview.setWordWrap(True)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Split")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Validation fraction", self.val)
        form.addRow("Test fraction", self.test)
        form.addRow("Seed", self.seed)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.preview)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self._check()

    def values(self) -> tuple[float, float, int]:
        return round(self.val.value(), 4), round(self.test.value(), 4), self.seed.value()

    def _check(self) -> None:
        val, test, _ = self.values()
        problem = ""
        if val + test >= 1.0:
            problem = f"Validation {val:g} and test {test:g} leave no images for training; keep their sum below 1."
        self.error.setText(problem)
        self.error.setVisible(bool(problem))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
        if self.images:
            n_val = max(1, round(self.images * val)) if val > 0 else 0
            n_test = max(1, round(self.images * test)) if test > 0 else 0
            self.preview.setText(f"About {self.images - n_val - n_test:,} train, {n_val:,} validation and {n_test:,} "
                                 f"test images, stratified by each image's main class. Every image is reassigned.")


class ActionsBar(QWidget):
    """Buttons for the page's actions and the progress of the one running."""

    import_clicked = Signal()
    split_clicked = Signal()
    export_clicked = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.import_button = QPushButton("Import…")
        self.import_button.setShortcut(QKeySequence("Ctrl+I"))
        self.import_button.setToolTip("Import COCO or labelme files: check, see the report, then commit (Ctrl+I)")
        self.split_button = QPushButton("Split…")
        self.split_button.setToolTip("Assign the images to train / val / test (deterministic for a seed)")
        self.export_button = QPushButton("Export COCO…")
        self.export_button.setToolTip("Write every image's annotations as one COCO .json file")
        self.import_button.clicked.connect(self.import_clicked)
        self.split_button.clicked.connect(self.split_clicked)
        self.export_button.clicked.connect(self.export_clicked)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setVisible(False)
        self.status = QLabel("")
        self.status.setProperty("role", "hint")
        self.status.setWordWrap(True)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for b in (self.import_button, self.split_button, self.export_button):
            lay.addWidget(b)
        lay.addSpacing(12)
        lay.addWidget(self.progress)
        lay.addWidget(self.status, 1)
        self.task: DataTask | None = None
        self._can = (True, True)

    @property
    def busy(self) -> bool:
        return self.task is not None

    def set_enabled(self, importing: bool, has_images: bool) -> None:
        self._can = (importing, has_images)
        idle = not self.busy
        self.import_button.setEnabled(idle and importing)
        self.split_button.setEnabled(idle and has_images)
        self.export_button.setEnabled(idle and has_images)

    def run(self, task: DataTask, text: str, on_success, on_failure=None) -> None:
        self.task = task
        self.status.setText(text)
        self.status.setProperty("role", "hint")
        self.status.style().polish(self.status)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        for b in (self.import_button, self.split_button, self.export_button):
            b.setEnabled(False)
        task.progress.connect(self._on_progress)
        task.succeeded.connect(lambda result: self._finish(on_success, result))
        task.failed.connect(lambda message: self._fail(message, on_failure))
        task.start()

    def _on_progress(self, done: int, total: int, stage: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _finish(self, on_success, result) -> None:
        self.task = None
        self.progress.setVisible(False)
        self.set_enabled(*self._can)
        self.status.setText(on_success(result) or "")

    def _fail(self, message: str, on_failure) -> None:
        self.task = None
        self.progress.setVisible(False)
        self.set_enabled(*self._can)
        self.status.setText(message)
        self.status.setProperty("role", "error")
        self.status.style().polish(self.status)
        if on_failure:
            on_failure(message)
