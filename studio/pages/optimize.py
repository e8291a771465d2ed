"""The Optimize page: pick a trained run, export its model (ONNX today; TensorRT, FP16 and INT8
are listed with the reason they are unavailable), compare every artifact with the trained
model on the validation split (the accuracy guardrail), and plot accuracy against latency at
several input sizes (the Input size tab). Pruning, retraining, QAT and INT8
calibration are shown as disabled sections that say what they will do.

Export and evaluation run as worker jobs (`JobController`); the page only reads the project
database (`core.evaluation.guardrail`) to fill its table.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QComboBox, QGroupBox, QHBoxLayout, QLabel, QMenu, QPushButton, QTabWidget,
                               QVBoxLayout, QWidget)

from core.evaluation.guardrail import artifact_summaries, trained_runs
from core.evaluation.sizes import read_sizes
from studio.controllers.jobs import Job
from studio.family_lookup import shown_metrics
from studio.pages.base import Page, header
from studio.ui.artifact_table import GOOD_DELTA, ArtifactTable, delta_color, metric_text
from studio.ui.export_panel import ExportPanel
from studio.ui.job_progress import JobProgress
from studio.ui.size_tradeoff import SizeTradeoffPanel

LATER_SECTIONS = (
    ("Prune", "Removes the least important channels by a normalized L1 threshold (coupled channels merged by "
              "union, intersection or arithmetic equalization) and shows parameters and MACs before and after."),
    ("Retrain", "Fine-tunes the pruned model on the training split to win back the accuracy pruning cost."),
    ("Quantization-aware training", "Trains with fake INT8 quantization (per-channel weights, per-tensor "
                                    "activations) so that an INT8 export keeps the model's accuracy."),
    ("INT8 calibration", "Measures activation ranges on a few batches of training images for a post-training "
                         "INT8 export, without retraining."),
)
LATER = "It arrives in a later version of Studio."


def later_section(title: str, text: str) -> QWidget:
    """A disabled section that says what it will do (no controls that would do nothing)."""
    box = QGroupBox(f"{title} — not available yet")
    label = QLabel(f"{text} {LATER}")
    label.setWordWrap(True)
    lay = QVBoxLayout(box)
    lay.addWidget(label)
    box.setEnabled(False)
    box.setToolTip(LATER)
    holder = QWidget()
    h = QVBoxLayout(holder)
    h.addWidget(box)
    h.addStretch(1)
    return holder


class OptimizePage(Page):
    key = "optimize"
    title = "Optimize"
    needs_project = True

    def __init__(self, session, jobs, parent=None):
        super().__init__(session, jobs, parent)
        self._own_jobs: set[Job] = set()
        self.run_combo = QComboBox()
        self.run_combo.setMinimumWidth(220)
        self.run_combo.setToolTip("The trained run whose model is exported and whose artifacts are listed")
        self.run_combo.currentIndexChanged.connect(lambda _i: self.refresh_artifacts())
        self.run_hint = QLabel()
        self.run_hint.setProperty("role", "hint")
        self.export_panel = ExportPanel()
        self.export_panel.export_requested.connect(self.start_export)
        self.export_panel.progress.finished.connect(self._own_job_done)

        self.table = ArtifactTable()
        self.table.setMinimumHeight(110)
        self.table.selection_changed.connect(self._update_actions)
        self.table.doubleClicked.connect(lambda _i: self.open_folder())
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.evaluate_button = QPushButton("Evaluate artifact")
        self.evaluate_button.setToolTip("Score the selected artifact on the validation split and store its delta")
        self.evaluate_button.clicked.connect(self.evaluate_selected)
        self.folder_button = QPushButton("Open folder")
        self.folder_button.setToolTip("Show the selected artifact's folder in the file manager (double-click a row)")
        self.folder_button.clicked.connect(self.open_folder)
        self.eval_progress = JobProgress()
        self.eval_progress.finished.connect(self._own_job_done)
        self.sizes_panel = SizeTradeoffPanel()
        self.sizes_panel.evaluate_requested.connect(self.start_sizes)
        self.sizes_panel.progress.finished.connect(self._own_job_done)
        self._build()
        session.runs_changed.connect(self.refresh)
        session.artifacts_changed.connect(self.refresh_artifacts)
        jobs.job_finished.connect(self._any_job_done)

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        run_row = QHBoxLayout()
        run_row.addWidget(QLabel("Run"))
        run_row.addWidget(self.run_combo)
        run_row.addWidget(self.run_hint, 1)

        self.sections = QTabWidget()
        self.sections.setObjectName("OptimizeSections")
        self.sections.addTab(self.export_panel, "Export")
        self.sections.setTabToolTip(0, "Export the trained model to ONNX, then check its accuracy")
        self.sections.addTab(self.sizes_panel, "Input size")
        self.sections.setTabToolTip(1, "Accuracy against latency at several input sizes: pick the deploy resolution")
        for title, text in LATER_SECTIONS:
            index = self.sections.addTab(later_section(title, text), title)
            self.sections.setTabToolTip(index, f"{title}: {LATER}")

        artifacts = QGroupBox("Artifacts")
        legend = QLabel(f"Δ: metric minus the trained model's on the validation split; green keeps accuracy "
                        f"(≥ {GOOD_DELTA}), red lost more.")
        legend.setProperty("role", "hint")
        legend.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.evaluate_button)
        buttons.addWidget(self.folder_button)
        buttons.addWidget(legend, 1)
        a_lay = QVBoxLayout(artifacts)
        a_lay.addWidget(self.table, 1)
        a_lay.addLayout(buttons)
        a_lay.addWidget(self.eval_progress)

        lay = QVBoxLayout(self)
        lay.addWidget(header("Optimize", "Export the trained model for deployment and check that every artifact "
                                         "keeps its accuracy on the validation split."))
        lay.addLayout(run_row)
        lay.addWidget(self.sections)
        lay.addWidget(artifacts, 1)

    # -- state --------------------------------------------------------------------------------
    def on_project_changed(self, project) -> None:
        self.refresh()

    def on_shown(self) -> None:
        self.refresh()

    @property
    def run_name(self) -> str | None:
        return self.run_combo.currentData()

    def refresh(self) -> None:
        """Reload the trained runs (keeping the chosen one) and the artifact table."""
        project = self.project
        current = self.run_name
        self.run_combo.blockSignals(True)
        self.run_combo.clear()
        names = [r.name for r in trained_runs(project)] if project is not None else []
        for name in names:
            self.run_combo.addItem(name, name)
        if names:
            self.run_combo.setCurrentIndex(names.index(current) if current in names else len(names) - 1)
        self.run_combo.blockSignals(False)
        self.run_combo.setEnabled(bool(names))
        self.run_hint.setText("" if names else "No trained run yet: train one on the Train page, then export it "
                                               "here.")
        self.refresh_artifacts()

    def refresh_artifacts(self) -> None:
        project, name = self.project, self.run_name
        summaries = artifact_summaries(project, name) if project is not None and name else []
        self.table.set_summaries(summaries, shown_metrics(project.task if project is not None else None))
        self.sizes_panel.show_tradeoff(read_sizes(project, name) if project is not None and name else None)
        self._update_actions()

    def _update_actions(self) -> None:
        name = self.run_name
        busy = bool(name) and bool(self.jobs.active("export", name))
        if not name:
            self.export_panel.set_available(False, "Pick a trained run first.")
        elif busy:
            self.export_panel.set_available(False, f"An export of run {name} is running.")
        else:
            self.export_panel.set_available(True)
        s = self.table.current_summary()
        evaluating = bool(name) and bool(self.jobs.active("evaluate", name))
        self.sizes_panel.set_available(bool(name) and not evaluating,
                                       "Pick a trained run first." if not name else f"Run {name} is being evaluated.")
        self.evaluate_button.setEnabled(s is not None and s.exists and not evaluating)
        self.folder_button.setEnabled(s is not None)

    # -- jobs ---------------------------------------------------------------------------------
    def start_export(self, options: dict) -> Job | None:
        project, name = self.project, self.run_name
        if project is None or not name:
            return None
        job = self.jobs.start("export", project.root, run=name, format=options["format"], opset=options["opset"],
                              no_eval=options["no_eval"])
        self._own_jobs.add(job)
        self.export_panel.progress.track(job, f"Exporting run {name} to ONNX (opset {options['opset']})...",
                                         self._export_result)
        self._update_actions()
        return job

    def evaluate_selected(self) -> Job | None:
        s, project, name = self.table.current_summary(), self.project, self.run_name
        if s is None or project is None or not name:
            return None
        job = self.jobs.start("evaluate", project.root, run=name, artifact=str(s.path))
        self._own_jobs.add(job)
        self.eval_progress.track(job, f"Evaluating {s.path.name} on the validation split...", self._eval_result)
        self._update_actions()
        return job

    def start_sizes(self, sizes: str) -> Job | None:
        """Evaluate the run's trained model at each input size (a worker job) and plot the trade-off."""
        project, name = self.project, self.run_name
        if project is None or not name:
            return None
        job = self.jobs.start("evaluate", project.root, run=name, sizes=sizes)
        self._own_jobs.add(job)
        self.sizes_panel.progress.track(job, f"Evaluating run {name} at {sizes.replace(',', ', ')}...",
                                        lambda j: f"Evaluated {len((j.last_event or {}).get('sizes', []))} input sizes.")
        self._update_actions()
        return job

    def _own_job_done(self, job: Job) -> None:
        if job in self._own_jobs:
            self._own_jobs.discard(job)
            self.session.artifacts_changed.emit()
        self._update_actions()

    def _any_job_done(self, job: Job) -> None:
        if job not in self._own_jobs and job.verb in ("train", "export", "evaluate"):
            self.refresh()

    def _metric_sentence(self, result: dict) -> str:
        metrics, delta = result.get("metrics") or {}, result.get("delta") or {}
        names = shown_metrics(self.project.task if self.project is not None else None)
        parts = []
        for m in names:
            if m in metrics:
                d = delta.get(m)
                shown = "" if d is None else f" (Δ <span style='color:{delta_color(d)}'>{d:+.3f}</span>)"
                parts.append(f"{m} {metric_text(metrics[m]) or 'n/a'}{shown}")
        return ", ".join(parts)

    def _export_result(self, job: Job) -> str:
        result = job.last_event or {}
        name = Path(result.get("artifact", "model.onnx")).name
        metrics = self._metric_sentence(result)
        return f"Exported {name}." + (f" On the validation split: {metrics}." if metrics else
                                      " Not evaluated; use Evaluate artifact to check its accuracy.")

    def _eval_result(self, job: Job) -> str:
        result = job.last_event or {}
        name = Path(result.get("artifact", "")).name
        return f"Evaluated {name}: {self._metric_sentence(result) or 'no metrics'}."

    # -- actions ------------------------------------------------------------------------------
    def open_folder(self) -> None:
        s = self.table.current_summary()
        if s is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(s.path.parent)))

    def _context_menu(self, pos) -> None:
        if self.table.current_summary() is None:
            return
        menu = QMenu(self)
        menu.addAction("Evaluate artifact", self.evaluate_selected).setEnabled(self.evaluate_button.isEnabled())
        menu.addAction("Open folder", self.open_folder)
        menu.exec(self.table.viewport().mapToGlobal(pos))


PAGE = OptimizePage
