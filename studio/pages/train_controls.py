"""The left side of the Train page: the run selector, the new run's name, the spec forms (a draft
for a new run, a read-only view of an existing run's spec) and the Start/Stop/Resume buttons.
It holds widgets and their state; the page decides what they do."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QStackedWidget,
                               QVBoxLayout, QWidget)

from studio.pages.train_runs import RunChoice
from studio.ui.spec_form import SpecForm

NEW = "__new__"


class TrainControls(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.draft_form: SpecForm | None = None
        self.view_form: SpecForm | None = None
        self.spec_cls = None
        self.choices: dict[str, RunChoice] = {}
        self.run_combo = QComboBox()
        self.run_combo.setObjectName("RunCombo")
        self.run_combo.setToolTip("A new run, or an existing run to watch, compare or resume")
        self.new_button = QPushButton("New run")
        self.new_button.setToolTip("Edit the spec of a new run")
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("RunName")
        self.name_edit.setToolTip("Name of the new run: letters, digits, '.', '_' or '-'")
        self.name_label = QLabel("Name")
        self.forms = QStackedWidget()
        self.start_button = QPushButton("Start")
        self.start_button.setProperty("primary", True)
        self.start_button.setToolTip("Create the run and train it in a worker process (Ctrl+Enter)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop training; a checkpoint is saved so the run can resume (Ctrl+.)")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue a stopped or interrupted run from its newest checkpoint (Ctrl+R)")
        self.copy_button = QPushButton("Copy to new run")
        self.copy_button.setToolTip("Start a new run's spec from this run's spec")
        self.message = QLabel()
        self.message.setObjectName("TrainMessage")
        self.message.setWordWrap(True)
        self.next_steps = QLabel()
        self.next_steps.setObjectName("NextSteps")
        self.next_steps.setWordWrap(True)
        self.next_steps.setTextFormat(Qt.TextFormat.RichText)
        self.next_steps.hide()

        self.setMinimumWidth(380)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 8, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Run"))
        row.addWidget(self.run_combo, 1)
        row.addWidget(self.new_button)
        lay.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(self.name_label)
        row.addWidget(self.name_edit, 1)
        lay.addLayout(row)
        lay.addWidget(self.forms, 1)
        buttons = QHBoxLayout()
        for b in (self.start_button, self.stop_button, self.resume_button, self.copy_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        lay.addWidget(self.message)
        lay.addWidget(self.next_steps)

    # -- forms -------------------------------------------------------------------------------
    def set_spec_class(self, spec_cls, defaults) -> bool:
        """Forms for a family's spec class; False when they already were (the draft is reset)."""
        if spec_cls is self.spec_cls:
            self.draft_form.set_spec(defaults)
            return False
        for form in (self.draft_form, self.view_form):
            if form is not None:
                self.forms.removeWidget(form)
                form.deleteLater()
        self.spec_cls = spec_cls
        self.draft_form = SpecForm(spec_cls, defaults)
        self.draft_form.setObjectName("DraftSpecForm")
        self.view_form = SpecForm(spec_cls, defaults)
        self.view_form.setObjectName("RunSpecForm")
        self.forms.addWidget(self.draft_form)
        self.forms.addWidget(self.view_form)
        return True

    def show_new(self, new: bool) -> None:
        self.name_edit.setVisible(new)
        self.name_label.setVisible(new)
        self.forms.setCurrentWidget(self.draft_form if new else self.view_form)

    # -- run selector ------------------------------------------------------------------------
    def selected_run(self) -> str | None:
        data = self.run_combo.currentData()
        return None if data in (None, NEW) else data

    def fill_runs(self, choices: list[RunChoice]) -> None:
        self.choices = {c.name: c for c in choices}
        self.run_combo.blockSignals(True)
        self.run_combo.clear()
        self.run_combo.addItem("New run", NEW)
        for choice in choices:
            self.run_combo.addItem(choice.text, choice.name)
        self.run_combo.blockSignals(False)

    def select(self, name: str | None) -> None:
        """Select without announcing it (the page reacts itself)."""
        self.run_combo.blockSignals(True)
        self.run_combo.setCurrentIndex(max(self.run_combo.findData(name or NEW), 0))
        self.run_combo.blockSignals(False)

    def update_choice(self, choice: RunChoice) -> None:
        self.choices[choice.name] = choice
        i = self.run_combo.findData(choice.name)
        if i >= 0:
            self.run_combo.setItemText(i, choice.text)

    # -- state -------------------------------------------------------------------------------
    def show_next_steps(self, html: str) -> None:
        """What to do after the shown run ended (links name pages), or nothing."""
        self.next_steps.setText(html)
        self.next_steps.setVisible(bool(html))

    def show_name_problem(self, problem: str | None) -> None:
        self.name_edit.setStyleSheet("border: 1px solid #d9443a;" if problem else "")
        self.message.setText(problem or "")

    def update_buttons(self, own_job: bool, following: bool) -> None:
        name = self.selected_run()
        choice = self.choices.get(name) if name else None
        self.start_button.setVisible(name is None)
        self.start_button.setEnabled(name is None and self.draft_form is not None and self.draft_form.is_valid())
        self.stop_button.setEnabled(own_job or following)
        self.resume_button.setVisible(name is not None)
        self.resume_button.setEnabled(bool(choice and choice.resumable and not own_job and not following))
        self.resume_button.setText("Start" if choice and choice.status == "created" else "Resume")
        self.copy_button.setVisible(name is not None)
