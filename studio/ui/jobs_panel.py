"""The jobs panel: the open project's jobs, running or finished, with status, progress, ETA and,
while a job runs, a Stop button. Live jobs come from the JobController; earlier ones from the
project's `jobs` table (a 'running' row whose process is gone shows as interrupted). Jobs of
another project are not mixed in: a line above the list names those still running."""
from __future__ import annotations

import datetime as _dt

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from core.project import runs
from studio.controllers.jobs import Job, JobController
from studio.session import Session
from studio.ui.time_text import when

COLUMNS = ("Job", "Status", "Progress", "ETA", "Started", "Message", "")
STOP_COLUMN = 6


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


class JobsPanel(QWidget):
    def __init__(self, session: Session, jobs: JobController, parent: QWidget | None = None):
        super().__init__(parent)
        self.session, self.jobs = session, jobs
        self.tree = QTreeWidget()
        self.tree.setObjectName("JobsTree")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        head = self.tree.header()
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.elsewhere = QLabel()
        self.elsewhere.setObjectName("JobsElsewhere")
        self.elsewhere.setProperty("role", "hint")
        self.elsewhere.setWordWrap(True)
        self.elsewhere.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.elsewhere)
        lay.addWidget(self.tree)
        self._live: dict[int, QTreeWidgetItem] = {}
        jobs.job_started.connect(self._job_started)
        jobs.job_finished.connect(self._job_finished)
        session.project_changed.connect(lambda _p: self.reload())

    # -- which jobs ------------------------------------------------------------------------------
    def _ours(self, job: Job) -> bool:
        return job in self.jobs.of_project(self.session.project)

    def reload(self) -> None:
        """The open project's jobs: those started in this session, then the earlier ones."""
        self.tree.clear()
        self._live.clear()
        for job in self.jobs.of_project(self.session.project):
            self._add_live(job)
        self.reload_history()
        self._show_elsewhere()

    def _job_started(self, job: Job) -> None:
        job.changed.connect(lambda j=job: self._update_live(j))
        if self._ours(job):
            self._add_live(job)
        self._show_elsewhere()

    def _job_finished(self, job: Job) -> None:
        self._show_elsewhere()
        if self._ours(job):
            QTimer.singleShot(200, self.reload_history)

    def _show_elsewhere(self) -> None:
        project = self.session.project
        mine = set(map(id, self.jobs.of_project(project)))
        others = [j for j in self.jobs.active() if id(j) not in mine]
        names = ", ".join(f"{j.title} ({j.project_root.name})" for j in others)
        self.elsewhere.setText(f"Still running in another project: {names}." if others else "")
        self.elsewhere.setVisible(bool(others))

    # -- live jobs ------------------------------------------------------------------------------
    def _add_live(self, job: Job) -> None:
        started = _dt.datetime.fromtimestamp(job.started_at, _dt.timezone.utc).isoformat(timespec="seconds")
        item = QTreeWidgetItem([job.title, job.status, "", "", when(started), "", ""])
        self.tree.insertTopLevelItem(0, item)
        bar = QProgressBar()
        bar.setRange(0, 1000)
        bar.setTextVisible(True)
        self.tree.setItemWidget(item, 2, bar)
        if job.is_active:
            stop = QPushButton("Stop")
            stop.setToolTip("Ask the job to stop; a training run saves a checkpoint first")
            stop.clicked.connect(job.stop)
            holder = QWidget()
            h = QHBoxLayout(holder)
            h.setContentsMargins(0, 0, 0, 0)
            h.addWidget(stop)
            self.tree.setItemWidget(item, STOP_COLUMN, holder)
        self._live[id(job)] = item
        self._update_live(job)

    def stop_button(self, job: Job) -> QPushButton | None:
        """The Stop button of a job's row (None once the job has ended: nothing left to stop)."""
        item = self._live.get(id(job))
        holder = self.tree.itemWidget(item, STOP_COLUMN) if item is not None else None
        return holder.findChild(QPushButton) if holder is not None else None

    def _update_live(self, job: Job) -> None:
        item = self._live.get(id(job))
        if item is None:
            return
        item.setText(1, job.status)
        item.setText(3, _eta(job.eta_s) if job.is_active else "")
        item.setText(5, job.message)
        item.setToolTip(5, job.message)
        bar = self.tree.itemWidget(item, 2)
        if isinstance(bar, QProgressBar):
            if job.progress is None:
                bar.setRange(0, 0 if job.is_active else 1000)
            else:
                bar.setRange(0, 1000)
                bar.setValue(int(job.progress * 1000))
        holder = self.tree.itemWidget(item, STOP_COLUMN)
        if holder is not None:
            if job.is_active:
                holder.setEnabled(job.status != "stopping")
            else:
                self.tree.removeItemWidget(item, STOP_COLUMN)   # an ended job has nothing to stop

    # -- history --------------------------------------------------------------------------------
    def reload_history(self) -> None:
        """Show earlier jobs of the project (those not started in this session)."""
        for i in reversed(range(self.tree.topLevelItemCount())):
            item = self.tree.topLevelItem(i)
            if item.data(0, Qt.ItemDataRole.UserRole) == "history":
                self.tree.takeTopLevelItem(i)
        project = self.session.project
        if project is None:
            return
        live_pids = {j.pid for j in self.jobs.jobs if j.pid}
        run_names = {r.id: r.name for r in runs.list_runs(project)}
        for rec in reversed(runs.list_jobs(project)):
            if rec.pid in live_pids:
                continue
            status = runs.job_status(rec)
            title = f"{rec.verb} {run_names.get(rec.run_id, '')}".strip()
            item = QTreeWidgetItem([title, status, "", "", when(rec.started_at), rec.message or "", ""])
            item.setData(0, Qt.ItemDataRole.UserRole, "history")
            self.tree.addTopLevelItem(item)
