"""The Train page: a spec form and the run controls on the left, the live dashboard on the right.

New runs are edited in their own form (a draft kept while you look at other runs); an existing
run shows its spec read-only and replays its curves, following them when another process is
still training it. Start = Ctrl+Enter, Stop = Ctrl+., Resume = Ctrl+R. Training runs in a worker
process (`JobController`); this page only parses its events.
"""
from __future__ import annotations

import os
import signal

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSplitter,
                               QStackedWidget, QVBoxLayout, QWidget)

from core.errors import StudioError
from core.families import FamilyNotAvailable, family_info
from core.families.spec_lookup import default_profile, default_spec_for, spec_class_for
from core.project import runs
from core.specs import spec_from_yaml
from studio.pages import train_runs
from studio.pages.base import Page, header
from studio.pages.train_dashboard import TrainDashboard
from studio.ui.log_view import newest_log
from studio.ui.spec_form import SpecForm

NEW = "__new__"


class TrainPage(Page):
    key = "train"
    title = "Train"
    needs_project = True

    def __init__(self, session, jobs, parent=None):
        super().__init__(session, jobs, parent)
        self.draft_form: SpecForm | None = None
        self.view_form: SpecForm | None = None
        self._spec_cls = None
        self._viewed_spec = None

        self.run_combo = QComboBox()
        self.run_combo.setObjectName("RunCombo")
        self.run_combo.setToolTip("A new run, or an existing run to watch, compare or resume")
        self.run_combo.currentIndexChanged.connect(self._on_run_selected)
        self.new_button = QPushButton("New run")
        self.new_button.setToolTip("Edit the spec of a new run")
        self.new_button.clicked.connect(lambda: self.select_run(None))
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("RunName")
        self.name_edit.setToolTip("Name of the new run: letters, digits, '.', '_' or '-'")
        self.name_edit.textEdited.connect(self._check_name)
        self.name_label = QLabel("Name")
        self.forms = QStackedWidget()
        self.start_button = QPushButton("Start")
        self.start_button.setProperty("primary", True)
        self.start_button.setToolTip("Create the run and train it in a worker process (Ctrl+Enter)")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop training; a checkpoint is saved so the run can resume (Ctrl+.)")
        self.stop_button.clicked.connect(self.stop)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue a stopped or interrupted run from its newest checkpoint (Ctrl+R)")
        self.resume_button.clicked.connect(self.resume)
        self.copy_button = QPushButton("Copy to new run")
        self.copy_button.setToolTip("Start a new run's spec from this run's spec")
        self.copy_button.clicked.connect(self.copy_to_new)
        self.message = QLabel()
        self.message.setObjectName("TrainMessage")
        self.message.setWordWrap(True)

        left = QWidget()
        left.setMinimumWidth(380)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 8, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Run"))
        row.addWidget(self.run_combo, 1)
        row.addWidget(self.new_button)
        lv.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(self.name_label)
        row.addWidget(self.name_edit, 1)
        lv.addLayout(row)
        lv.addWidget(self.forms, 1)
        buttons = QHBoxLayout()
        for b in (self.start_button, self.stop_button, self.resume_button, self.copy_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lv.addLayout(buttons)
        lv.addWidget(self.message)

        self.dashboard = TrainDashboard()
        self.dashboard.run_ended.connect(
            lambda _s: self._live_timer.isActive() and QTimer.singleShot(500, self._check_foreign))
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.dashboard)
        split.setStretchFactor(1, 1)
        split.setSizes([460, 800])
        self.unavailable = QLabel()
        self.unavailable.setObjectName("FamilyNotAvailable")
        self.unavailable.setWordWrap(True)
        self.unavailable.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.body = QStackedWidget()
        self.body.addWidget(split)
        self.body.addWidget(self.unavailable)
        lay = QVBoxLayout(self)
        lay.addWidget(header("Train", "Edit a spec and train by transfer learning; curves update live and "
                                      "replay when you come back."))
        lay.addWidget(self.body, 1)

        for keys, slot in ((("Ctrl+Return", "Ctrl+Enter"), self.start_button),
                           (("Ctrl+.",), self.stop_button), (("Ctrl+R",), self.resume_button)):
            for key in keys:
                sc = QShortcut(QKeySequence(key), self, activated=lambda b=slot: b.isEnabled() and b.click())
                sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._live_timer = QTimer(self, interval=2000, timeout=self._check_foreign)
        jobs.job_finished.connect(self._on_job_finished)
        session.runs_changed.connect(self._reload_runs)
        self.on_project_changed(session.project)

    # -- project -----------------------------------------------------------------------------
    def on_project_changed(self, project) -> None:
        self.dashboard.clear()
        self._live_timer.stop()
        if project is None:
            return
        try:
            spec_cls = spec_class_for(project.task)
        except FamilyNotAvailable as exc:
            self.unavailable.setText(f"<h3>Training is not available for this project</h3><p>{exc}</p>")
            self.body.setCurrentWidget(self.unavailable)
            return
        self.body.setCurrentIndex(0)
        self.dashboard.headline = family_info(project.task).headline_metric
        if spec_cls is not self._spec_cls:
            self._build_forms(spec_cls, default_spec_for(project.task, default_profile()))
        else:
            self.draft_form.set_spec(default_spec_for(project.task, default_profile()))
        self._reload_runs(select_default=True)

    def _build_forms(self, spec_cls, defaults) -> None:
        for form in (self.draft_form, self.view_form):
            if form is not None:
                self.forms.removeWidget(form)
                form.deleteLater()
        self._spec_cls = spec_cls
        self.draft_form = SpecForm(spec_cls, defaults)
        self.draft_form.setObjectName("DraftSpecForm")
        self.draft_form.validity_changed.connect(lambda _v: self._update_buttons())
        self.view_form = SpecForm(spec_cls, defaults)
        self.view_form.setObjectName("RunSpecForm")
        self.forms.addWidget(self.draft_form)
        self.forms.addWidget(self.view_form)

    def on_shown(self) -> None:
        if self.project is not None and self._spec_cls is not None:
            self._reload_runs()

    # -- run selection -----------------------------------------------------------------------
    def selected_run(self) -> str | None:
        data = self.run_combo.currentData()
        return None if data in (None, NEW) else data

    def _reload_runs(self, select_default: bool = False) -> None:
        project = self.project
        if project is None or self._spec_cls is None:
            return
        self.choices = {c.name: c for c in train_runs.run_choices(project)}
        current = self.selected_run()
        if select_default:
            live = [c for c in self.choices.values() if c.status == "running"]
            current = live[-1].name if live else (list(self.choices)[-1] if self.choices else None)
        elif current not in self.choices:
            current = None
        self.run_combo.blockSignals(True)
        self.run_combo.clear()
        self.run_combo.addItem("New run", NEW)
        for choice in self.choices.values():
            self.run_combo.addItem(choice.text, choice.name)
        self.run_combo.blockSignals(False)
        if not self.name_edit.text() or self.name_edit.text() in self.choices:
            self.name_edit.setText(runs.next_run_name(project))
        self.select_run(current, reload=select_default or self.dashboard.title.text() != (current or ""))

    def select_run(self, name: str | None, reload: bool = True) -> None:
        index = self.run_combo.findData(name or NEW)
        self.run_combo.blockSignals(True)
        self.run_combo.setCurrentIndex(max(index, 0))
        self.run_combo.blockSignals(False)
        if reload:
            self._show_selected()
        self._update_buttons()

    def _on_run_selected(self, _index: int) -> None:
        self._show_selected()
        self._update_buttons()

    def _show_selected(self) -> None:
        self.message.clear()
        self._live_timer.stop()
        name, project = self.selected_run(), self.project
        new = name is None
        self.name_edit.setVisible(new)
        self.name_label.setVisible(new)
        if new:
            self.forms.setCurrentWidget(self.draft_form)
            if self.dashboard.job is None or not self.dashboard.job.is_active:
                self.dashboard.clear("New run: edit the spec, then Start (Ctrl+Enter)")
            return
        self.forms.setCurrentWidget(self.view_form)
        run = runs.get_run(project, name)
        try:
            self._viewed_spec = spec_from_yaml(self._spec_cls, run.spec, source=f"the spec of run {name}")
            self.view_form.set_spec(self._viewed_spec)
            self.view_form.set_read_only(True, f"Run {name} keeps this spec; Copy to new run to change it.")
        except StudioError as exc:
            self._viewed_spec = None
            self.view_form.set_read_only(True, str(exc))
        own = self.jobs.active("train", name)
        foreign = None if own else train_runs.foreign_live_job(project, name, self._own_pids())
        run_dir = project.run_dir(name)
        log = newest_log(run_dir / "logs")
        self.dashboard.show_run(run_dir / "events.jsonl", name, follow=foreign is not None, log_path=log)
        if own:
            self.dashboard.attach_job(own[-1])
        elif foreign is not None:
            self._live_timer.start()

    def _own_pids(self) -> set[int]:
        return {int(j.process.processId()) for j in self.jobs.jobs if j.process.processId()}

    # -- actions -----------------------------------------------------------------------------
    def start(self) -> None:
        project, form = self.project, self.draft_form
        if project is None or form is None or self.selected_run() is not None:
            return
        spec = form.validate()
        if spec is None:
            self.message.setText("Fix the spec first: " + "; ".join(form.errors))
            return
        name = self.name_edit.text().strip()
        try:
            train_runs.create_run_from_spec(project, name, spec)
        except StudioError as exc:
            self.message.setText(str(exc))
            return
        self.session.runs_changed.emit()  # reloads the run list (the new run is not selected yet)
        self.name_edit.setText(runs.next_run_name(project))
        self._launch(name)

    def resume(self) -> None:
        name = self.selected_run()
        if name and self.project is not None and not self.jobs.active("train", name):
            self._launch(name, replay=False)

    def _launch(self, name: str, replay: bool = True) -> None:
        job = self.jobs.start("train", self.project.root, run=name)
        if replay:
            self.select_run(name)
        self.dashboard.title.setText(name)
        self.dashboard.attach_job(job)
        job.changed.connect(self._update_buttons)
        self.message.setText(f"Training {name} in a worker process.")
        self._update_buttons()

    def stop(self) -> None:
        name = self.selected_run()
        own = self.jobs.active("train", name) if name else []
        if own:
            own[-1].stop()
            self.message.setText(f"Stopping {name}: a checkpoint is saved first.")
            return
        foreign = train_runs.foreign_live_job(self.project, name, self._own_pids()) if name else None
        if foreign is not None and foreign.pid:
            os.kill(foreign.pid, signal.SIGTERM)   # the worker treats SIGTERM as a stop request
            self.message.setText(f"Asked the process training {name} to stop (it saves a checkpoint first).")
        self._update_buttons()

    def copy_to_new(self) -> None:
        if self._viewed_spec is not None:
            self.draft_form.set_spec(self._viewed_spec)
            self.select_run(None)
            self.message.setText("Spec copied; name the new run and Start.")

    # -- updates -----------------------------------------------------------------------------
    def _check_name(self, text: str) -> None:
        problem = train_runs.check_new_run_name(self.project, text.strip()) if self.project else None
        self.name_edit.setStyleSheet("border: 1px solid #d9443a;" if problem else "")
        self.message.setText(problem or "")
        self._update_buttons()

    def _update_buttons(self) -> None:
        name = self.selected_run()
        choice = getattr(self, "choices", {}).get(name) if name else None
        own = bool(name and self.jobs.active("train", name))
        following = self._live_timer.isActive()
        self.start_button.setVisible(name is None)
        self.start_button.setEnabled(name is None and self.draft_form is not None and self.draft_form.is_valid())
        self.stop_button.setEnabled(own or following)
        self.resume_button.setVisible(name is not None)
        self.resume_button.setEnabled(bool(choice and choice.resumable and not own and not following))
        self.resume_button.setText("Start" if choice and choice.status == "created" else "Resume")
        self.copy_button.setVisible(name is not None)

    def _on_job_finished(self, job) -> None:
        if job.verb != "train":
            return
        self.session.runs_changed.emit()
        if job.status == "failed" and job.run == self.selected_run():
            self.message.setText(job.message)
        elif job.run == self.selected_run():
            self.message.setText(f"Run {job.run} {job.status}.")

    def _check_foreign(self) -> None:
        name = self.selected_run()
        if name is None or train_runs.foreign_live_job(self.project, name, self._own_pids()) is None:
            self._live_timer.stop()
            self.dashboard.stop_following()
            self._after_foreign_change()

    def _after_foreign_change(self) -> None:
        self.session.runs_changed.emit()
        self._update_buttons()


PAGE = TrainPage
