"""A progress bar and a status line following one worker job (`studio.controllers.jobs.Job`):
the phase and log messages while it runs, then a sentence for how it ended. Hidden until a job
is tracked."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from studio.controllers.jobs import Job

ResultText = Callable[[Job], str]


class JobProgress(QWidget):
    finished = Signal(object)       # the Job

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.job: Job | None = None
        self._result_text: ResultText | None = None
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setProperty("role", "hint")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.bar, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.label)
        self.bar.hide()
        self.label.hide()

    def track(self, job: Job, running_text: str, result_text: ResultText | None = None) -> None:
        """Follow `job`; `result_text(job)` words a successful end (default: its status)."""
        if self.job is not None:
            self.job.changed.disconnect(self._update)
            self.job.finished.disconnect(self._done)
        self.job, self._result_text = job, result_text
        self.bar.setValue(0)
        self.bar.setFormat("%p%")
        self.bar.show()
        self.label.setProperty("role", "hint")
        self._set_text(running_text)
        job.changed.connect(self._update)
        job.finished.connect(self._done)

    def reset(self) -> None:
        """Stop following (another project opened): hidden again, with no sentence of the old job."""
        if self.job is not None:
            self.job.changed.disconnect(self._update)
            self.job.finished.disconnect(self._done)
        self.job, self._result_text = None, None
        self.bar.setValue(0)
        self.bar.hide()
        self.label.setText("")
        self.label.hide()

    def _set_text(self, text: str, role: str = "hint") -> None:
        if self.label.property("role") != role:
            self.label.setProperty("role", role)
            self.label.style().unpolish(self.label)
            self.label.style().polish(self.label)
        self.label.setText(text)
        self.label.setVisible(bool(text))

    def _update(self) -> None:
        job = self.job
        if job is None or not job.is_active:
            return
        if job.progress is not None:
            self.bar.setValue(int(job.progress * 1000))
        if job.message:
            self._set_text(job.message)

    def _done(self, job: Job) -> None:
        if job is not self.job:
            return
        if job.status == "done":
            self.bar.setValue(1000)
            self._set_text(self._result_text(job) if self._result_text else "Done.")
        elif job.status == "stopped":
            self._set_text(f"The {job.verb} job was stopped; nothing new was kept.")
        else:
            self._set_text(job.message or f"The {job.verb} job failed; see its log in the jobs panel.", "error")
        self.finished.emit(job)
