"""The Train page: a spec form and the run controls on the left, the live dashboard on the right.

New runs are edited in their own form (a draft kept while you look at other runs); an existing
run shows its spec read-only and replays its curves, following them when another process is
still training it. Start = Ctrl+Enter, Stop = Ctrl+., Resume = Ctrl+R. Training runs in a worker
process (`JobController`); this page only parses its events.

The dashboard shows the selected run and nothing else: a train job of this project attaches when
it starts, wherever it was started (this page, the new-project wizard); a new run's dashboard is
empty until it has data. When a run ends the page says what comes next (Resume after a stop;
Optimize and Preview once trained).
"""
from __future__ import annotations

import os
import signal

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QSplitter, QStackedWidget, QVBoxLayout

from core.errors import StudioError
from core.families import FamilyNotAvailable, family_info
from core.families.spec_lookup import default_spec_for, spec_class_for
from core.hardware import default_profile
from core.project import runs
from core.setup.new_run import check_new_run_name, create_run_from_spec
from core.specs import spec_from_yaml
from studio.pages import train_runs
from studio.pages.base import Page, header
from studio.pages.train_controls import NEW, TrainControls
from studio.pages.train_dashboard import TrainDashboard
from studio.ui.log_view import newest_log
from studio.ui.save_target import exports_folder


class TrainPage(Page):
    key = "train"
    title = "Train"
    needs_project = True

    def __init__(self, session, jobs, parent=None):
        super().__init__(session, jobs, parent)
        self._viewed_spec = None
        self._shown: str | None = ""     # the run the dashboard shows (NEW for a new run)
        c = self.controls = TrainControls()
        # the controls' widgets, by their names, for the page's callers and tests
        for attr in ("run_combo", "name_edit", "name_label", "start_button", "stop_button", "resume_button",
                     "copy_button", "message", "new_button"):
            setattr(self, attr, getattr(c, attr))
        c.run_combo.currentIndexChanged.connect(lambda _i: self._show_selected())
        c.new_button.clicked.connect(lambda: self.select_run(None))
        c.name_edit.textEdited.connect(self._check_name)
        c.start_button.clicked.connect(self.start)
        c.stop_button.clicked.connect(self.stop)
        c.resume_button.clicked.connect(self.resume)
        c.copy_button.clicked.connect(self.copy_to_new)
        c.next_steps.linkActivated.connect(self.navigate)

        self.dashboard = TrainDashboard()
        self.dashboard.run_ended.connect(
            lambda _s: self._live_timer.isActive() and QTimer.singleShot(500, self._check_foreign))
        split = self.split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(c)
        split.addWidget(self.dashboard)
        split.setStretchFactor(0, 0)      # a wider window widens the plots, not the form
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        self._split_sized = False
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

        for keys, button, what in ((("Ctrl+Return", "Ctrl+Enter"), c.start_button, "Start the new run"),
                                   (("Ctrl+.",), c.stop_button, "Stop training (a checkpoint is saved)"),
                                   (("Ctrl+R",), c.resume_button, "Resume the selected run")):
            self.add_shortcut(keys, lambda b=button: b.isEnabled() and b.click(), what)
        self._live_timer = QTimer(self, interval=2000, timeout=self._check_foreign)
        jobs.job_started.connect(self._on_job_started)
        jobs.job_finished.connect(self._on_job_finished)
        session.runs_changed.connect(self._reload_runs)
        self.on_project_changed(session.project)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if not self._split_sized and self.split.width() > 0:   # the first layout: about a third for the form
            self._split_sized = True
            total = self.split.width()
            left = min(460, max(self.controls.minimumSizeHint().width(), round(total * 0.36)))
            self.split.setSizes([left, total - left])

    @property
    def draft_form(self):
        return self.controls.draft_form

    @property
    def view_form(self):
        return self.controls.view_form

    # -- project -----------------------------------------------------------------------------
    def on_project_changed(self, project) -> None:
        self.dashboard.clear()
        self._live_timer.stop()
        self._shown = ""
        if project is None:
            return
        try:
            spec_cls = spec_class_for(project.task)
        except FamilyNotAvailable as exc:
            self.unavailable.setText(f"<h3>Training is not available for this project</h3><p>{exc}</p>")
            self.body.setCurrentWidget(self.unavailable)
            return
        self.body.setCurrentIndex(0)
        self.dashboard.set_family(family_info(project.task))
        if self.controls.set_spec_class(spec_cls, default_spec_for(project.task, default_profile())):
            self.draft_form.validity_changed.connect(lambda _v: self._update_buttons())
        self.draft_form.folder = exports_folder(project)     # Save/Load YAML start in the project's exports
        self._reload_runs(select_default=True)

    def on_shown(self) -> None:
        if self.project is not None and self.controls.spec_cls is not None:
            self._reload_runs()

    # -- run selection -----------------------------------------------------------------------
    def selected_run(self) -> str | None:
        return self.controls.selected_run()

    def _reload_runs(self, select_default: bool = False) -> None:
        project = self.project
        if project is None or self.controls.spec_cls is None:
            return
        choices = train_runs.run_choices(project)
        self.controls.fill_runs(choices)
        names = [c.name for c in choices]
        current = self._shown if self._shown in names else None
        if select_default:
            live = [c.name for c in choices if c.status == "running"]
            current = live[-1] if live else (names[-1] if names else None)
        if not self.name_edit.text() or self.name_edit.text() in names:
            self.name_edit.setText(runs.next_run_name(project))
        self.select_run(current, reload=select_default or (current or NEW) != self._shown)

    def select_run(self, name: str | None, reload: bool = True) -> None:
        self.controls.select(name)
        if reload:
            self._show_selected()
        self._update_buttons()

    def _show_selected(self) -> None:
        self.message.clear()
        self._live_timer.stop()
        name, project = self.selected_run(), self.project
        self._shown = name or NEW
        self.controls.show_new(name is None)
        self.controls.show_next_steps("")
        if name is None:      # a new run has no data yet (a job still training keeps going: Jobs panel)
            self.dashboard.clear("New run: edit the spec, then Start (Ctrl+Enter)")
            self._update_buttons()
            return
        run = runs.get_run(project, name)
        try:
            self._viewed_spec = spec_from_yaml(self.controls.spec_cls, run.spec, source=f"the spec of run {name}",
                                               stored=True)
            self.view_form.set_spec(self._viewed_spec)
            self.view_form.set_read_only(True, f"Run {name} keeps this spec; Copy to new run to change it.")
        except StudioError as exc:
            self._viewed_spec = None
            self.view_form.set_read_only(True, str(exc))
        own = self.jobs.active("train", name, project)
        foreign = None if own else train_runs.foreign_live_job(project, name, self._own_pids())
        run_dir = project.run_dir(name)
        self.view_form.folder = exports_folder(project, name)
        self.dashboard.show_run(run_dir / "events.jsonl", name, follow=foreign is not None,
                                log_path=newest_log(run_dir / "logs"))
        if own:
            self.dashboard.attach_job(own[-1])
        elif foreign is not None:
            self._live_timer.start()
        else:
            choice = self.controls.choices.get(name)
            self.controls.show_next_steps(next_steps(name, choice.status if choice else ""))
        self._update_buttons()

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
            create_run_from_spec(project, name, spec)
        except StudioError as exc:
            self.message.setText(str(exc))
            return
        self.session.runs_changed.emit()  # reloads the run list (the new run is not selected yet)
        self.name_edit.setText(runs.next_run_name(project))
        self._launch(name)

    def resume(self) -> None:
        name = self.selected_run()
        if name and self.project is not None and not self.jobs.active("train", name, self.project):
            self._launch(name, replay=False)

    def _launch(self, name: str, replay: bool = True) -> None:
        if replay:
            self.select_run(name)
        self.jobs.start("train", self.project.root, run=name)     # `_on_job_started` attaches it
        self.message.setText(f"Training {name} in a worker process.")
        self._update_buttons()

    def stop(self) -> None:
        name = self.selected_run()
        own = self.jobs.active("train", name, self.project) if name else []
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
        problem = check_new_run_name(self.project, text.strip()) if self.project else None
        self.controls.show_name_problem(problem)
        self._update_buttons()

    def _update_buttons(self) -> None:
        name = self.selected_run()
        own = bool(name and self.jobs.active("train", name, self.project))
        self.controls.update_buttons(own, self._live_timer.isActive())

    def _is_ours(self, job) -> bool:
        """A train job of the open project (the same run names exist in other projects)."""
        return job.verb == "train" and self.project is not None and job in self.jobs.of_project(self.project)

    def _on_job_started(self, job) -> None:
        """Wherever a train job of this project starts (here, the wizard), the selector follows its
        steps, and the dashboard attaches when it shows that run."""
        if not self._is_ours(job):
            return
        job.changed.connect(lambda j=job: self._job_changed(j))
        if job.run == self.selected_run():
            self.controls.show_next_steps("")
            self.dashboard.attach_job(job)
        self._job_changed(job)

    def _job_changed(self, job) -> None:
        """Keep the run's entry in the selector current (status, step) while its job runs: the same
        step the dashboard's header shows (the job's newest step event)."""
        if not self._is_ours(job):
            return
        old = self.controls.choices.get(job.run)
        step = job.step if job.step is not None else (old.step if old else None)
        total = job.total or (old.total_steps if old else None)
        status = "running" if job.is_active else job.status
        self.controls.update_choice(train_runs.RunChoice(job.run, status, step, total))
        self._update_buttons()

    def _on_job_finished(self, job) -> None:
        if not self._is_ours(job):
            return
        self.session.runs_changed.emit()
        if job.run == self.selected_run():
            self.message.setText(job.message if job.status == "failed" else "")
            self.controls.show_next_steps(next_steps(job.run, job.status, job.step))

    def _check_foreign(self) -> None:
        name = self.selected_run()
        if name is None or train_runs.foreign_live_job(self.project, name, self._own_pids()) is None:
            self._live_timer.stop()
            self.dashboard.stop_following()
            self.session.runs_changed.emit()
            self._update_buttons()


def next_steps(run: str, status: str, step: int | None = None) -> str:
    """What the user can do after a run ended, with links to the pages that do it ('' otherwise)."""
    if status == "done":
        return (f"Run {run} is trained. Next: <a href='optimize'>evaluate and export it</a> (Optimize) or "
                f"<a href='preview'>watch it on a video</a> (Preview).")
    if status in ("stopped", "interrupted"):
        at = f" at step {step}" if step is not None else ""
        return f"Run {run} {status}{at}. Press Resume (Ctrl+R) to continue from its newest checkpoint."
    return ""


PAGE = TrainPage
