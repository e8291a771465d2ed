"""The import dialog: choose the files of one format (COCO, labelme, KITTI, image folders or video
folders — those the project's family takes), Check (the validation report, nothing written), then
Import (one transaction). Both steps run off the GUI thread with a progress bar, so a folder of
thousands of images never freezes the window. Changing an input asks for a new check; a refused
or failed check leaves Import disabled and says why.
"""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QProgressBar, QPushButton, QStackedWidget, QTextBrowser, QVBoxLayout,
                               QWidget)

from studio.controllers.data_tasks import DataTask
from studio.ui.import_formats import FORMATS, check_task, commit_task, plan_sentence, result_sentence

MAX_REPORT_ROWS = 500
IDLE = "Choose the files, then Check: nothing is written until you press Import."


def _text(edit) -> str:
    return edit.currentText() if isinstance(edit, QComboBox) else edit.text()


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
    imported = Signal(object)        # ImportResult or VideoImportResult

    def __init__(self, project_root: str | Path, formats: tuple[str, ...] = ("coco", "labelme"), parent=None):
        super().__init__(parent)
        self.setWindowTitle("Import labeled data")
        self.setMinimumSize(720, 520)
        self.project_root = Path(project_root)
        self.plan = None
        self.result = None
        self.task: DataTask | None = None

        self.format = QComboBox()
        self.format.setToolTip("The format of the data to import (those this project's model family takes)")
        self.inputs = QStackedWidget()
        self.edits: dict[str, dict[str, QLineEdit]] = {}
        for key in formats:
            self.format.addItem(FORMATS[key].title, key)
            self.inputs.addWidget(self._form(key))
        self.copy = QCheckBox("Copy the files into the project")
        self.copy.setChecked(True)
        self.copy.setToolTip("Unchecked: the project references the files where they are (they must stay there)")

        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict = QLabel(IDLE)
        self.verdict.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.report = QTextBrowser()
        self.report.setPlaceholderText("The validation report appears here after Check.")
        self.report.setOpenLinks(False)

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
        self.copy.toggled.connect(lambda _on: FORMATS[self.fmt].videos and self._invalidate())  # videos: reconcile
        self._on_format()

    def _form(self, key: str) -> QWidget:
        fmt = FORMATS[key]
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        blurb = QLabel(fmt.blurb)
        blurb.setWordWrap(True)
        blurb.setProperty("role", "hint")
        form.addRow(blurb)
        self.edits[key] = {}
        for i in fmt.inputs:
            tip = i.help[:1].upper() + i.help[1:]
            if i.kind == "choice":           # e.g. what happens to unmapped classes
                box = QComboBox()
                box.addItems(list(i.choices))
                box.setToolTip(tip)
                box.currentTextChanged.connect(self._invalidate)
                self.edits[key][i.name] = box
                form.addRow(i.label, box)
                continue
            edit = QLineEdit()
            edit.setPlaceholderText(i.placeholder)
            edit.setToolTip(tip)
            edit.textChanged.connect(self._invalidate)
            self.edits[key][i.name] = edit
            form.addRow(i.label, _path_row(edit, lambda _=False, e=edit, i=i: self._browse(e, i)) if i.is_path
                        else edit)
        for i in fmt.inputs:
            if i.guess:   # e.g. KITTI: picking .../image_2 fills in .../label_2 when it exists
                self.edits[key][i.guess[0]].textChanged.connect(lambda _t, k=key, n=i.name: self._guess(k, n))
        return page

    def _guess(self, key: str, name: str) -> None:
        values = {n: _text(e) for n, e in self.edits[key].items()}
        guess = FORMATS[key].guess(name, values)
        if guess:
            self.edits[key][name].setText(guess)

    # -- inputs -------------------------------------------------------------------------------
    @property
    def fmt(self) -> str:
        return str(self.format.currentData())

    def _on_format(self) -> None:
        self.inputs.setCurrentIndex(self.format.currentIndex())
        self._invalidate()

    def values(self) -> dict[str, str]:
        return {name: _text(edit) for name, edit in self.edits[self.fmt].items()}

    def set_value(self, name: str, text: str) -> None:
        """Type a path or option into the current format's field `name` (or pick a choice), as a user would."""
        edit = self.edits[self.fmt][name]
        edit.setCurrentText(text) if isinstance(edit, QComboBox) else edit.setText(text)

    def _browse(self, edit: QLineEdit, item) -> None:
        if item.kind == "file":
            path, _ = QFileDialog.getOpenFileName(self, item.label, edit.text(), item.file_filter or "All files (*)")
        else:
            path = QFileDialog.getExistingDirectory(self, item.label, edit.text())
        if path:
            edit.setText(path)

    def _primary(self, button: QPushButton) -> None:
        for b in (self.check_button, self.import_button):
            b.setProperty("primary", b is button)
            b.setDefault(b is button)
            b.style().polish(b)

    def _invalidate(self) -> None:
        self._primary(self.check_button)
        self.plan = None
        self.import_button.setEnabled(False)
        self.error.clear()
        self.error.setVisible(False)
        self.report.clear()
        if self.task is None:
            self.verdict.setText(IDLE)

    # -- running ------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.task is not None

    def check(self) -> None:
        if self.busy:
            return
        self._invalidate()
        problem = FORMATS[self.fmt].problem(self.values())
        if problem:
            self._fail(problem)
            return
        fn = check_task(self.fmt, self.values(), self.copy.isChecked())
        self._run(DataTask(self.project_root, fn, "The check"), self._on_checked, "Checking…")

    def commit(self) -> None:
        if self.busy or self.plan is None:
            return
        self._run(DataTask(self.project_root, commit_task(self.fmt, self.plan, self.copy.isChecked()), "The import"),
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

    def _on_checked(self, plan) -> None:
        self._done()
        self.plan = plan
        self._show_report(plan)
        r = plan.report.counts
        found = f"Found {r['repaired']} repaired, {r['skipped']} skipped and {r['rejected']} refusing problem(s). "
        if plan.report.has_rejections:
            first = plan.report.of("rejected")[0]
            self._fail(f"The import would be refused: {first.what}: {first.reason}")
            self.verdict.setText(found + "Fix the files and check again; nothing was written.")
            return
        adds = plan_sentence(plan)
        if not adds:
            self.verdict.setText(found + "Nothing new to import: everything usable is already in the project.")
            return
        self.verdict.setText(found + adds)
        self.import_button.setEnabled(True)
        self._primary(self.import_button)

    def _on_committed(self, result) -> None:
        self._done()
        self.result = result
        self.verdict.setText(result_sentence(result))
        self.imported.emit(result)
        self.accept()

    def _show_report(self, plan) -> None:
        items = plan.report.of("rejected") + plan.report.of("skipped") + plan.report.of("repaired")
        if not items:
            self.report.setHtml("<p>No problems found.</p>")
            return
        colors = {"rejected": "#d9443a", "skipped": "#d08a16", "repaired": "#3b9a57"}
        lines = [f'<p style="margin:0 0 4px 0"><b style="color:{colors[i.action]}">{i.action}</b> · '
                 f"{html.escape(i.what)} — {html.escape(i.reason)}</p>" for i in items[:MAX_REPORT_ROWS]]
        if len(items) > MAX_REPORT_ROWS:
            lines.append(f"<p>… and {len(items) - MAX_REPORT_ROWS} more (the full report is kept with the import).</p>")
        self.report.setHtml("".join(lines))

    def reject(self) -> None:
        if self.task is not None and self.plan is not None:   # writing: the transaction must finish
            self.verdict.setText("The import is being written; it cannot be stopped halfway.")
            return
        if self.task is not None:                             # checking: stop reading (writes nothing)
            self.task.cancel()
        super().reject()
