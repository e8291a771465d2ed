"""The import dialog: choose COCO or labelme files, Check (the validation report, nothing written),
then Import (one transaction). Both steps run on a background thread with a progress bar, so a
folder of thousands of images never freezes the window. Changing an input asks for a new check;
a refused or failed check leaves Import disabled and says why.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QProgressBar, QPushButton, QStackedWidget, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from core.datasets.plan import ImportPlan, ImportResult
from studio.controllers.data_tasks import DataTask

FORMATS = {"coco": "COCO instances / keypoints (.json)", "labelme": "labelme (a folder of images and .json files)"}
MAX_REPORT_ROWS = 500


def _check(fmt: str, annotations: str, images: str):
    def fn(project, reporter) -> ImportPlan:
        from core.datasets.plan import reconcile

        if fmt == "coco":
            from core.datasets.coco import plan_coco_import
            plan = plan_coco_import(annotations, images or None, reporter=reporter)
        else:
            from core.datasets.labelme import plan_labelme_import
            plan = plan_labelme_import(images, reporter=reporter)
        return reconcile(project, plan)
    return fn


def _commit(plan: ImportPlan, copy: bool):
    def fn(project, reporter) -> ImportResult:
        from core.datasets.plan import commit_import
        return commit_import(project, plan, copy=copy, reporter=reporter)
    return fn


def _path_row(edit: QLineEdit, browse) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(edit, 1)
    button = QPushButton("Browse…")
    button.clicked.connect(browse)
    row.addWidget(button)
    return box


class ImportDialog(QDialog):
    imported = Signal(object)        # ImportResult

    def __init__(self, project_root: str | Path, formats: tuple[str, ...] = ("coco", "labelme"), parent=None):
        super().__init__(parent)
        self.setWindowTitle("Import labeled images")
        self.setMinimumSize(720, 520)
        self.project_root = Path(project_root)
        self.plan: ImportPlan | None = None
        self.result: ImportResult | None = None
        self.task: DataTask | None = None

        self.format = QComboBox()
        for key in formats:
            self.format.addItem(FORMATS.get(key, key), key)
        self.coco_json, self.coco_images, self.labelme_dir = QLineEdit(), QLineEdit(), QLineEdit()
        self.coco_json.setPlaceholderText("annotations.json")
        self.coco_images.setPlaceholderText("default: the folder of the .json file")
        self.labelme_dir.setPlaceholderText("a folder with images and one labelme .json beside each")
        coco = QWidget()
        cf = QFormLayout(coco)
        cf.setContentsMargins(0, 0, 0, 0)
        cf.addRow("Annotations file", _path_row(self.coco_json, self._browse_json))
        cf.addRow("Images folder", _path_row(self.coco_images, lambda: self._browse_dir(self.coco_images)))
        labelme = QWidget()
        lf = QFormLayout(labelme)
        lf.setContentsMargins(0, 0, 0, 0)
        lf.addRow("Folder", _path_row(self.labelme_dir, lambda: self._browse_dir(self.labelme_dir)))
        self.inputs = QStackedWidget()
        self.inputs.addWidget(coco)
        self.inputs.addWidget(labelme)
        self.copy = QCheckBox("Copy the images into the project")
        self.copy.setChecked(True)
        self.copy.setToolTip("Unchecked: the project references the images where they are (they must stay there)")

        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict = QLabel("Choose the files, then Check: nothing is written until you press Import.")
        self.verdict.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.report = QTreeWidget()
        self.report.setHeaderLabels(["Action", "What", "Why"])
        self.report.setRootIsDecorated(False)
        self.report.setAlternatingRowColors(True)
        self.report.header().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.report.setWordWrap(True)

        self.check_button = QPushButton("Check")
        self.check_button.setToolTip("Read the files and show the validation report; nothing is written")
        self.check_button.setProperty("primary", True)
        self.import_button = QPushButton("Import")
        self.import_button.setToolTip("Write the checked import into the project (one transaction)")
        self.import_button.setEnabled(False)
        self.cancel_button = QPushButton("Cancel")
        self.check_button.clicked.connect(self.check)
        self.import_button.clicked.connect(self.commit)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.check_button, self.import_button, self.cancel_button):
            buttons.addWidget(b)

        form = QFormLayout()
        form.addRow("Format", self.format)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.inputs)
        lay.addWidget(self.copy)
        lay.addWidget(self.error)
        lay.addWidget(self.verdict)
        lay.addWidget(self.progress)
        lay.addWidget(self.report, 1)
        lay.addLayout(buttons)

        self.format.currentIndexChanged.connect(self._on_format)
        for edit in (self.coco_json, self.coco_images, self.labelme_dir):
            edit.textChanged.connect(self._invalidate)
        self._on_format()

    # -- inputs -------------------------------------------------------------------------------
    @property
    def fmt(self) -> str:
        return str(self.format.currentData())

    def _on_format(self) -> None:
        self.inputs.setCurrentIndex(0 if self.fmt == "coco" else 1)
        self._invalidate()

    def _browse_json(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "COCO annotations file", self.coco_json.text(), "JSON (*.json)")
        if path:
            self.coco_json.setText(path)

    def _browse_dir(self, edit: QLineEdit) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose a folder", edit.text())
        if path:
            edit.setText(path)

    def _invalidate(self) -> None:
        self.plan = None
        self.import_button.setEnabled(False)
        self.error.clear()
        self.error.setVisible(False)
        self.report.clear()
        if self.task is None:
            self.verdict.setText("Choose the files, then Check: nothing is written until you press Import.")

    def _inputs_error(self) -> str:
        if self.fmt == "coco":
            if not self.coco_json.text().strip():
                return "Choose the COCO annotations .json file."
            if not Path(self.coco_json.text().strip()).expanduser().is_file():
                return f"The annotations file {self.coco_json.text().strip()} does not exist."
        elif not self.labelme_dir.text().strip():
            return "Choose the labelme folder (images with a .json file beside each)."
        return ""

    # -- running ------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.task is not None

    def check(self) -> None:
        if self.busy:
            return
        self._invalidate()
        problem = self._inputs_error()
        if problem:
            self._fail(problem)
            return
        fn = _check(self.fmt, self.coco_json.text().strip(), (
            self.coco_images if self.fmt == "coco" else self.labelme_dir).text().strip())
        self._run(DataTask(self.project_root, fn, "The check"), self._on_checked, "Checking…")

    def commit(self) -> None:
        if self.busy or self.plan is None:
            return
        self._run(DataTask(self.project_root, _commit(self.plan, self.copy.isChecked()), "The import"),
                  self._on_committed, "Importing…")

    def _run(self, task: DataTask, on_success, text: str) -> None:
        self.task = task
        task.progress.connect(self._on_progress)
        task.succeeded.connect(on_success)
        task.failed.connect(self._fail)
        self.verdict.setText(text)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        for w in (self.check_button, self.import_button, self.inputs, self.format, self.copy):
            w.setEnabled(False)
        task.start()

    def _done(self) -> None:
        self.task = None
        self.progress.setVisible(False)
        for w in (self.check_button, self.inputs, self.format, self.copy):
            w.setEnabled(True)

    def _on_progress(self, done: int, total: int, stage: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(f"{stage}: %v / %m" if stage else "%v / %m")

    def _fail(self, sentence: str) -> None:
        self._done()
        self.error.setText(sentence)
        self.error.setVisible(True)
        self.verdict.setText("Nothing was written to the project.")
        self.import_button.setEnabled(False)

    def _on_checked(self, plan: ImportPlan) -> None:
        self._done()
        self.plan = plan
        self._show_report(plan)
        c, r = plan.counts, plan.report.counts
        found = f"Found {r['repaired']} repaired, {r['skipped']} skipped and {r['rejected']} refusing problem(s). "
        if plan.report.has_rejections:
            first = plan.report.of("rejected")[0]
            self._fail(f"The import would be refused: {first.what}: {first.reason}")
            self.verdict.setText(found + "Fix the files and check again; nothing was written.")
            return
        if c["images"] == 0:
            self.verdict.setText(found + "Nothing new to import: every usable image is already in the project.")
            return
        new = ", ".join(plan.new_categories or []) or "none"
        self.verdict.setText(found + f"Import will add {c['images']} image(s) and {c['annotations']} annotation(s); "
                             f"new categories: {new}.")
        self.import_button.setEnabled(True)
        self.import_button.setDefault(True)

    def _on_committed(self, result: ImportResult) -> None:
        self._done()
        self.result = result
        self.verdict.setText(f"Imported {result.images} image(s) and {result.annotations} annotation(s).")
        self.imported.emit(result)
        self.accept()

    def _show_report(self, plan: ImportPlan) -> None:
        self.report.clear()
        items = plan.report.of("rejected") + plan.report.of("skipped") + plan.report.of("repaired")
        rows = [QTreeWidgetItem([i.action, i.what, i.reason]) for i in items[:MAX_REPORT_ROWS]]
        if len(items) > MAX_REPORT_ROWS:
            rows.append(QTreeWidgetItem(["", "", f"… and {len(items) - MAX_REPORT_ROWS} more (kept with the import)."]))
        if not items:
            rows.append(QTreeWidgetItem(["ok", "", "No problems found."]))
        self.report.addTopLevelItems(rows)

    def reject(self) -> None:
        if self.task is not None and self.plan is not None:   # writing: the transaction must finish
            self.verdict.setText("The import is being written; it cannot be stopped halfway.")
            return
        super().reject()
