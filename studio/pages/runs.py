"""The Runs page: every run of the project with its status, best metrics and training time;
select one to see its curves, two to compare them; open a run's folder; delete a run.

Shortcuts: F5 refresh, Ctrl+Shift+O open the folder, Delete delete (with a confirmation).
"""
from __future__ import annotations

import shutil

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QSplitter, QVBoxLayout

from core.families import FamilyInfo
from core.project import runs
from core.project.run_summary import run_row
from studio.family_lookup import known_family, shown_metrics
from studio.pages.base import Page, header
from studio.pages.runs_compare import CompareView
from studio.pages.runs_table import RunsTable

REFRESH_WHILE_RUNNING_MS = 5000


def folder_summary(path) -> str:
    """"12 files, 48.1 MB (checkpoints, events, logs)" — what deleting a run folder removes."""
    if not path.is_dir():
        return "no folder"
    files = [p for p in path.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    parts = sorted({p.relative_to(path).parts[0] for p in path.iterdir()})
    human = f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.0f} kB"
    return f"{len(files)} files, {human}" + (f" ({', '.join(parts)})" if parts else "")


class RunsPage(Page):
    key = "runs"
    title = "Runs"
    needs_project = True

    def __init__(self, session, jobs, parent=None):
        super().__init__(session, jobs, parent)
        self.table = RunsTable()
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.compare = CompareView()
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the runs again (F5)")
        self.refresh_button.clicked.connect(self.reload)
        self.open_button = QPushButton("Open folder")
        self.open_button.setToolTip("Open the selected run's folder: spec, checkpoints, events, logs (Ctrl+Shift+O)")
        self.open_button.clicked.connect(self.open_folder)
        self.delete_button = QPushButton("Delete...")
        self.delete_button.setToolTip("Delete the selected runs and their folders, after a confirmation (Delete)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.message = QLabel()
        self.message.setObjectName("RunsMessage")
        self.message.setWordWrap(True)
        self.empty = QLabel("No runs yet: start one on the Train page (or `studio train DIR`).")
        self.empty.setProperty("role", "hint")

        bar = QHBoxLayout()
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.open_button)
        bar.addWidget(self.delete_button)
        bar.addWidget(self.message, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.compare)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([200, 400])
        lay = QVBoxLayout(self)
        lay.addWidget(header("Runs", "Every training run of this project. Select two runs (Ctrl+click) to "
                                     "overlay their curves and compare their metrics."))
        lay.addLayout(bar)
        lay.addWidget(self.empty)
        lay.addWidget(split, 1)

        for key, slot, what in (("F5", self.reload, "Read the runs again"),
                                ("Ctrl+Shift+O", self.open_folder, "Open the selected run's folder"),
                                ("Delete", self.delete_selected, "Delete the selected runs (asks first)")):
            self.add_shortcut(key, slot, what)
        self._timer = QTimer(self, interval=REFRESH_WHILE_RUNNING_MS, timeout=self._refresh_if_running)
        session.runs_changed.connect(self.reload)
        self.on_project_changed(session.project)

    # -- loading -----------------------------------------------------------------------------
    def on_project_changed(self, project) -> None:
        self.table.clearSelection()
        self.reload()
        if self.table.rows:          # the newest run, so that its curves show at once
            self.table.select_names({list(self.table.rows)[-1]})

    def on_shown(self) -> None:
        self.reload()

    def family(self) -> FamilyInfo | None:
        return known_family(self.project.task if self.project is not None else None)

    def metrics(self) -> tuple[str, ...]:
        """The metrics the project's family shows, headline first."""
        return shown_metrics(self.project.task if self.project is not None else None)

    def reload(self) -> None:
        project = self.project
        rows = [run_row(project, r) for r in runs.list_runs(project)] if project is not None else []
        self.table.fill(rows, self.metrics())
        self.empty.setVisible(project is not None and not rows)
        if any(r["status"] == "running" for r in rows):
            self._timer.start()
        else:
            self._timer.stop()
        self._selection_changed()

    def _refresh_if_running(self) -> None:
        if self.isVisible():
            self.reload()

    def _selection_changed(self) -> None:
        names = self.table.selected_names()
        self.open_button.setEnabled(len(names) == 1)
        self.delete_button.setEnabled(bool(names))
        shown = names[:2]
        if len(names) > 2:
            self.message.setText(f"{len(names)} runs selected: comparing the first two ({', '.join(shown)}).")
        if self.project is None:
            self.compare.show_runs([], [], ())
            return
        rows = [self.table.rows[n] for n in shown]
        info = self.family()
        self.compare.show_runs(rows, [self.project.run_dir(n) for n in shown], self.metrics(),
                               info.loss_labels if info is not None else None)

    # -- actions -----------------------------------------------------------------------------
    def open_folder(self) -> None:
        names = self.table.selected_names()
        if len(names) == 1 and self.project is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.project.run_dir(names[0]))))

    def _busy(self, name: str) -> bool:
        """A job of this run is running (started here, or by another process still alive)."""
        if self.jobs.active(run=name, project=self.project):
            return True
        run = runs.find_run(self.project, name)
        return run is not None and any(runs.job_is_alive(j) for j in runs.list_jobs(self.project, run.id))

    def delete_selected(self) -> None:
        project, names = self.project, self.table.selected_names()
        if project is None or not names:
            return
        busy = [n for n in names if self._busy(n)]
        if busy:
            self.message.setText(f"{', '.join(busy)} {'is' if len(busy) == 1 else 'are'} still running: stop "
                                 "the job first (Train page or the Jobs panel), then delete.")
            return
        details = []
        for n in names:
            children = [r.name for r in runs.list_runs(project) if r.parent_run == n]
            note = f"; runs derived from it ({', '.join(children)}) keep their own files" if children else ""
            details.append(f"• {n}: runs/{n}/ — {folder_summary(project.run_dir(n))}{note}")
        what = f"run {names[0]}" if len(names) == 1 else f"{len(names)} runs"
        answer = QMessageBox.question(
            self, f"Delete {what}?",
            f"Delete {what}? This removes the folder (spec, checkpoints, exports, events, logs) and the run's "
            "metrics, artifacts and job records from the project. It cannot be undone.\n\n" + "\n".join(details),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return
        problems = []
        for n in names:
            runs.delete_run(project, n)
            try:
                shutil.rmtree(project.run_dir(n), ignore_errors=False)
            except FileNotFoundError:
                pass
            except OSError as exc:
                problems.append(f"{n}: the records are gone but its folder could not be removed ({exc}).")
        self.message.setText(" ".join(problems) or f"Deleted {', '.join(names)}.")
        self.table.clearSelection()
        self.session.runs_changed.emit()
        self.session.artifacts_changed.emit()


PAGE = RunsPage
