"""Step 3: where the first data comes from. File formats are read and validated off the GUI
thread when the user presses Check; the report shows before anything is written, and a refused
(or unchecked, or changed) source blocks Next with its reason. Nothing is written until Finish."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QGroupBox, QHBoxLayout, QLabel,
                               QProgressBar, QPushButton, QRadioButton, QSpinBox, QStackedWidget, QVBoxLayout,
                               QWizardPage)

from core.setup.new_project import DataSource
from studio.wizard.background import TaskSlot
from studio.wizard.import_sources import SourceForm, make_forms, options_for
from studio.wizard.import_summary import VAL_TIP, plan_summary, split_problem
from studio.wizard.report_table import ReportTable
from studio.wizard.widgets import Message


class ImportPage(QWizardPage):
    def __init__(self, family_page, parent=None):
        super().__init__(parent)
        self.family_page = family_page
        self.setTitle("Import data")
        self.setSubTitle("Choose the project's first data. It is checked first and shown below; nothing is written "
                         "until you finish the wizard.")
        self.forms: dict[str, SourceForm] = {}
        self.buttons: dict[str, QRadioButton] = {}
        self.group = QButtonGroup(self)
        self.stack = QStackedWidget()
        self.choices = choices = QVBoxLayout()
        choices.setSpacing(2)
        for form in make_forms():
            self.forms[form.key] = form
            self.stack.addWidget(form)
            button = QRadioButton(form.title)
            button.setObjectName(f"Option_{form.key}")
            self.buttons[form.key] = button
            self.group.addButton(button)
            choices.addWidget(button)
            button.toggled.connect(lambda on, k=form.key: on and self._select(k))
            form.changed.connect(self._inputs_changed)
        source = QGroupBox("Source")
        QVBoxLayout(source).addWidget(self.stack)

        self.copy = QCheckBox("&Copy the media into the project (uncheck to reference them where they are)")
        self.copy.setChecked(True)
        self.copy.setToolTip("Copied media keep working when the source folder moves or disappears.")
        self.val = QSpinBox()
        self.val.setObjectName("ValPercent")
        self.val.setRange(0, 50)
        self.val.setSingleStep(5)
        self.val.setValue(20)
        self.val.setSuffix(" %")
        self.val.setFixedWidth(90)
        self.val.setToolTip(VAL_TIP)
        self.val_label = QLabel("&Validation split:")
        self.val_label.setBuddy(self.val)
        self.check_button = QPushButton("Check data")
        self.check_button.setObjectName("CheckData")
        self.check_button.setProperty("primary", True)
        self.check_button.setShortcut(QKeySequence("Ctrl+K"))
        self.check_button.setToolTip("Read and validate the source (Ctrl+K); nothing is written.")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.message = Message()
        self.message.setObjectName("ImportMessage")
        self.table = ReportTable()

        options = QHBoxLayout()
        options.addWidget(self.val_label)
        options.addWidget(self.val)
        options.addSpacing(16)
        options.addWidget(self.copy)
        options.addStretch(1)
        check_row = QHBoxLayout()
        check_row.addWidget(self.check_button)
        check_row.addWidget(self.progress)
        check_row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(choices)
        lay.addWidget(source)
        lay.addLayout(options)
        lay.addLayout(check_row)
        lay.addWidget(self.message)
        lay.addWidget(self.table, 1)
        lay.addStretch(0)   # takes the space when the table is hidden

        self.slot = TaskSlot(self)
        self._checking: str | None = None      # the source key being checked now
        self.results: dict[str, tuple[tuple, object, str | None]] = {}   # key -> (inputs, plan, error)
        self.check_button.clicked.connect(self.check)
        self.val.valueChanged.connect(lambda _v: self._refresh())
        self.buttons["coco"].setChecked(True)

    # -- options ----------------------------------------------------------------------------
    def initializePage(self) -> None:  # noqa: N802 - Qt override
        keys = options_for(self.family_page.family())
        for key in keys:      # in the family's order
            self.choices.removeWidget(self.buttons[key])
            self.choices.addWidget(self.buttons[key])
        for key, button in self.buttons.items():
            button.setVisible(key in keys)
        if self.current_key() not in keys:
            self.buttons[keys[0]].setChecked(True)
        self._refresh()

    def cleanupPage(self) -> None:  # noqa: N802 - Back keeps what was entered
        pass

    def current_key(self) -> str:
        return next((k for k, b in self.buttons.items() if b.isChecked()), "coco")

    def current_form(self) -> SourceForm:
        return self.forms[self.current_key()]

    def choose(self, key: str) -> None:
        self.buttons[key].setChecked(True)

    def _select(self, key: str) -> None:
        form = self.forms[key]
        self.stack.setCurrentWidget(form)
        self.copy.setVisible(form.copy_option)
        for w in (self.val, self.val_label):
            w.setEnabled(form.splits)
        self.val.setToolTip(VAL_TIP if form.splits else "Clips are split when action training arrives.")
        self.check_button.setVisible(form.needs_check)
        self._refresh()

    # -- checking ---------------------------------------------------------------------------
    def check(self) -> None:
        form = self.current_form()
        if not form.needs_check:
            return
        problem = form.problem()
        if problem:
            self.results.pop(form.key, None)
            self.table.show_report(None)
            self.message.error(problem)
            self.completeChanged.emit()
            return
        inputs, key = form.inputs(), form.key
        self.progress.setRange(0, 0)
        self.progress.show()
        self.check_button.setEnabled(False)
        self._checking = key
        self.message.note("Reading and checking the data... (the wizard stays usable; nothing is written)")
        self.slot.start(form.planner(),
                        on_done=lambda plan: self._checked(key, inputs, plan, None),
                        on_error=lambda sentence: self._checked(key, inputs, None, sentence),
                        on_progress=self._progress)
        self.completeChanged.emit()

    def _progress(self, done: int, total: int, stage: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(f"{stage}: %v / %m" if stage else "%v / %m")

    def _checked(self, key: str, inputs: tuple, plan, error: str | None) -> None:
        self._checking = None
        self.progress.hide()
        self.check_button.setEnabled(True)
        self.results[key] = (inputs, plan, error)
        self._refresh()

    def _inputs_changed(self) -> None:
        self.slot.forget()             # a check of the old inputs no longer matters
        self._checking = None
        self.progress.hide()
        self.check_button.setEnabled(True)
        self._refresh()

    # -- state ------------------------------------------------------------------------------
    def checked_plan(self):
        """The plan of the current source when it was checked with the inputs shown now."""
        form = self.current_form()
        inputs, plan, error = self.results.get(form.key, (None, None, None))
        return plan if inputs == form.inputs() and error is None else None

    def problem(self) -> str | None:
        """Why Next is blocked, as a sentence (None: it is not)."""
        form = self.current_form()
        if form.key == "sample":
            return split_problem(form.images.value(), self.val_fraction())
        if not form.needs_check:
            return None
        if self._checking == form.key:
            return "The data is being checked..."
        inputs, plan, error = self.results.get(form.key, (None, None, None))
        if inputs != form.inputs():
            if inputs is not None:
                return "The source changed since it was checked: press Check data again (Ctrl+K)."
            return form.problem() or "Press Check data (Ctrl+K) to read and validate the data before going on."
        if error:
            return error
        if plan.report.has_rejections:
            first = plan.report.of("rejected")[0]
            return f"This data cannot be imported: {first.reason} Fix the source and check it again."
        n = len(getattr(plan, "images", getattr(plan, "videos", [])))
        if n == 0:
            return "Nothing new to import: every item was skipped (see the report)."
        return split_problem(n, self.val_fraction()) if form.splits else None

    def _refresh(self) -> None:
        form = self.current_form()
        problem = self.problem()
        plan = self.checked_plan() if form.needs_check else None
        inputs, last_plan, _ = self.results.get(form.key, (None, None, None))
        self.table.setVisible(form.needs_check)
        self.table.show_report(plan.report if plan is not None else
                               (last_plan.report if last_plan is not None and inputs == form.inputs() else None))
        if self._checking == form.key:
            self.message.note("Reading and checking the data... (the wizard stays usable; nothing is written)")
        elif problem and self._untouched(form):
            self.message.note(problem)     # what to do first, not an error: nothing was entered yet
        elif problem:
            self.message.error(problem)
        elif plan is not None:
            self.message.ok(f"Ready to import: {plan_summary(plan)}")
        elif form.key == "sample":
            self.message.ok(f"{form.images.value()} images of {form.size.value()} px will be generated and imported.")
        elif form.key == "skip":
            self.message.note("The project starts empty.")
        self.completeChanged.emit()

    def _untouched(self, form: SourceForm) -> bool:
        """Nothing typed or picked in the form yet, and nothing checked."""
        return form.needs_check and form.key not in self.results and not form.entered()

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return self.problem() is None

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        self._refresh()
        return self.problem() is None

    # -- results ----------------------------------------------------------------------------
    def val_fraction(self) -> float:
        return self.val.value() / 100.0

    def data_source(self) -> DataSource:
        form = self.current_form()
        val = self.val_fraction() if form.splits else 0.0
        if form.key == "sample":
            return DataSource("sample", sample_images=form.images.value(), sample_size=form.size.value(),
                              val_fraction=val)
        if form.key == "skip":
            return DataSource("none")
        plan = self.checked_plan()
        return DataSource("plan", plan, copy=self.copy.isChecked(), val_fraction=val)

    def describe(self) -> str:
        form = self.current_form()
        if form.key == "sample":
            text = f"built-in sample data, {form.images.value()} images of {form.size.value()} px"
        elif form.key == "skip":
            return "none yet (import it later from the Data page)"
        else:
            plan = self.checked_plan()
            summary = plan_summary(plan).split(". Validation")[0] if plan else ""
            text = f"{form.title.split(' (')[0]}: {summary}"
            text += "; copied into the project" if self.copy.isChecked() else "; referenced in place"
        val = self.val_fraction() if form.splits else 0.0
        return text + (f"; {val:.0%} held out for validation" if val > 0 else "")
