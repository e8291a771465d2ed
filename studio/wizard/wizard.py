"""The new-project wizard: family → name and folder → data → model → review, then Finish creates
the project, imports the data, splits it, creates the first run (all off the GUI thread, nothing
left behind on failure) and, when asked, starts training and shows the Train page, where the
run's live curves attach. Without data (or a trainer) there is no model step and no run.

Back never loses input: pages keep their widgets and their `initializePage` only fills what the
user has not touched.
"""
from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWizard

from core.errors import StudioError
from core.setup.new_project import NewProjectRequest, create_project
from studio.settings import recent_projects, settings
from studio.wizard.background import TaskSlot, start_task
from studio.wizard.environment import Environment, probe_environment
from studio.wizard.family_page import FamilyPage, family_trainable
from studio.wizard.import_page import ImportPage
from studio.wizard.location_page import LocationPage
from studio.wizard.model_page import ModelPage
from studio.wizard.review_page import ReviewPage

FAMILY, LOCATION, IMPORT, MODEL, REVIEW = range(5)
GEOMETRY_KEY = "wizard/geometry"
STYLE = """
QLabel[role="ok"] { color: #2f9a57; font-weight: 600; }
QListWidget#FamilyList::item { padding: 4px; }
"""


class NewProjectWizard(QWizard):
    created = Signal(object)     # core.setup.new_project.NewProjectResult, after the project is open

    def __init__(self, session, jobs, parent=None):
        super().__init__(parent)
        self.session, self.jobs = session, jobs
        self.setObjectName("NewProjectWizard")
        self.setWindowTitle("New project")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setStyleSheet(STYLE)
        self.environments: dict[str, Environment] = {}
        self._probes: dict[str, TaskSlot] = {}
        self.family_page = FamilyPage()
        self.location_page = LocationPage(self.family_page)
        self.import_page = ImportPage(self.family_page)
        self.model_page = ModelPage(self)
        self.review_page = ReviewPage(self)
        for pid, page in ((FAMILY, self.family_page), (LOCATION, self.location_page), (IMPORT, self.import_page),
                          (MODEL, self.model_page), (REVIEW, self.review_page)):
            self.setPage(pid, page)
        geometry = settings().value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1000, 740)
        self.finished.connect(lambda _r: settings().setValue(GEOMETRY_KEY, self.saveGeometry()))
        self.finished.connect(lambda _r: self.review_page.estimator.cancel())   # no step timing outlives it
        self.result_info = None
        self.job = None
        self._busy = False
        self._create_task = None
        self.progress: QProgressDialog | None = None
        self.family_page.list.currentRowChanged.connect(lambda _r: self._probe_selected())
        self._probe_selected()

    # -- flow -------------------------------------------------------------------------------
    def nextId(self) -> int:  # noqa: N802 - Qt override
        if self.currentId() == IMPORT:    # no model to choose without a trainer, or without data to train on
            trains = self.family_page.trainable() and self.import_page.data_source().kind != "none"
            return MODEL if trains else REVIEW
        return super().nextId()

    def _probe_selected(self) -> None:
        name = self.family_page.family().name
        if family_trainable(name):
            self.probe(name)

    def probe(self, task: str) -> None:
        """Look up the family's spec and the hardware, once, off the GUI thread (without torch)."""
        if task in self.environments or task in self._probes:
            return
        slot = self._probes[task] = TaskSlot(self)
        recent = recent_projects()       # QSettings are read here, on the GUI thread
        slot.start(lambda reporter: probe_environment(task, recent=recent), on_done=self._probed,
                   on_error=lambda sentence: self._probe_failed(task, sentence))

    def _probed(self, env: Environment) -> None:
        self.environments[env.task] = env
        self._probes.pop(env.task, None)
        self.model_page.environment_ready(env)

    def _probe_failed(self, task: str, sentence: str) -> None:
        self._probes.pop(task, None)
        self.model_page.environment_failed(task, sentence)

    # -- finish -----------------------------------------------------------------------------
    def request(self) -> NewProjectRequest:
        return NewProjectRequest(
            root=self.location_page.project_root(), task=self.family_page.family().name,
            name=self.location_page.project_name(), data=self.import_page.data_source(),
            spec=self.review_page.spec, run_name=self.review_page.run_name.text().strip())

    def accept(self) -> None:
        if self._busy or not self.validateCurrentPage():
            return
        request = self.request()
        self._set_busy(True)
        self.progress = QProgressDialog("Creating the project...", "", 0, 0, self)
        self.progress.setWindowTitle("New project")
        self.progress.setCancelButton(None)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(0)
        self.progress.setMinimumWidth(420)
        self.progress.show()
        self._create_task = start_task(lambda reporter: create_project(request, reporter),
                                       on_done=self._created, on_error=self._failed, on_progress=self._progress,
                                       on_message=self.progress.setLabelText, owner=self)

    def _progress(self, done: int, total: int, stage: str) -> None:
        if self.progress is not None and total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for b in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.BackButton,
                  QWizard.WizardButton.CancelButton):
            self.button(b).setEnabled(not busy)

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def _failed(self, sentence: str) -> None:
        self._close_progress()
        self._set_busy(False)
        self.review_page.message.error(f"The project was not created: {sentence} Nothing was left on disk; fix the "
                                       "problem (Back keeps your entries) and press Finish again.")

    def _created(self, result) -> None:
        self._close_progress()
        self._set_busy(False)
        self.result_info = result
        try:
            self.session.open_project(result.root)
        except StudioError as exc:
            self.review_page.message.error(f"The project was created in {result.root} but cannot be opened: {exc}")
            return
        window = self.parentWidget().window() if self.parentWidget() is not None else None
        if self.review_page.start_training() and result.run:
            self.job = self.jobs.start("train", result.root, run=result.run)
            self.session.runs_changed.emit()
        if window is not None and hasattr(window, "show_page"):
            window.show_page("train" if self.job is not None else "data")
        self.created.emit(result)
        super().accept()

    def reject(self) -> None:
        if not self._busy:  # a project being created finishes (or cleans up) first
            super().reject()
