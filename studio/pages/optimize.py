"""The Optimize page: pick a trained run; export it (ONNX FP32 / FP16 / INT8, a TensorRT engine
where TensorRT runs), prune it into a new run and retrain that, make its quantization-aware
training run, or calibrate an INT8 export; then compare every artifact with the trained model on
the validation split (the accuracy guardrail), with the latency its export measured, and open its
model card or its DeepStream / Triton folder.

Every action runs as a worker job (`JobController`); the page only reads the project database
(`core.evaluation.guardrail`) to fill its table.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QComboBox, QGroupBox, QHBoxLayout, QLabel, QMenu, QPushButton, QTabWidget,
                               QVBoxLayout, QWidget)

from core.evaluation.guardrail import artifact_summaries, trained_runs
from studio.controllers.jobs import Job
from studio.family_lookup import shown_metrics
from studio.pages.base import Page, header
from studio.ui.artifact_table import GOOD_DELTA, ArtifactTable, delta_color, metric_text
from studio.ui.export_panel import ExportPanel
from studio.ui.job_progress import JobProgress
from studio.ui.optimize_panels import Int8Panel, PrunePanel, QatPanel, RetrainPanel

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
        self.prune_panel = PrunePanel()
        self.prune_panel.requested.connect(self.start_prune)
        self.prune_panel.sweep_requested.connect(self.start_prune)
        self.retrain_panel = RetrainPanel()
        self.retrain_panel.requested.connect(self.start_retrain)
        self.qat_panel = QatPanel()
        self.qat_panel.requested.connect(self.start_qat)
        self.int8_panel = Int8Panel()
        self.int8_panel.requested.connect(self.start_export)
        for panel in (self.prune_panel, self.retrain_panel, self.qat_panel, self.int8_panel):
            panel.progress.finished.connect(self._own_job_done)

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
        self.card_button = QPushButton("Model card")
        self.card_button.setToolTip("Open the selected export's model card")
        self.card_button.clicked.connect(self.open_card)
        self.deploy_button = QPushButton("DeepStream / Triton")
        self.deploy_button.setToolTip("Open the selected export's deployment folder (DeepStream configs, Triton "
                                      "repository, labels)")
        self.deploy_button.clicked.connect(self.open_deploy)
        self.eval_progress = JobProgress()
        self.eval_progress.finished.connect(self._own_job_done)
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
        for panel, title, tip in (
                (self.export_panel, "Export", "Export the trained model (ONNX, FP16, INT8, TensorRT), then check "
                                              "its accuracy"),
                (self.prune_panel, "Prune", "Prune channels into a new run"),
                (self.retrain_panel, "Retrain", "Retrain a pruned run"),
                (self.qat_panel, "QAT", "Quantization-aware training in a new run"),
                (self.int8_panel, "INT8", "Post-training INT8 calibration and export")):
            index = self.sections.addTab(panel, title)
            self.sections.setTabToolTip(index, tip)

        artifacts = QGroupBox("Artifacts")
        legend = QLabel(f"Δ: metric minus the trained model's on the validation split; green keeps accuracy "
                        f"(≥ {GOOD_DELTA}), red lost more.")
        legend.setProperty("role", "hint")
        legend.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.evaluate_button)
        buttons.addWidget(self.folder_button)
        buttons.addWidget(self.card_button)
        buttons.addWidget(self.deploy_button)
        buttons.addWidget(legend, 1)
        a_lay = QVBoxLayout(artifacts)
        a_lay.addWidget(self.table, 1)
        a_lay.addLayout(buttons)
        a_lay.addWidget(self.eval_progress)

        lay = QVBoxLayout(self)
        lay.addWidget(header("Optimize", "Prune, quantize and export the trained model for deployment, and check "
                                         "that every artifact keeps its accuracy on the validation split."))
        lay.addLayout(run_row)
        lay.addWidget(self.sections)
        lay.addWidget(artifacts, 1)

    # -- state --------------------------------------------------------------------------------
    def on_project_changed(self, project) -> None:
        self._own_jobs.clear()
        for progress in (self.export_panel.progress, self.eval_progress, self.prune_panel.progress,
                         self.retrain_panel.progress, self.qat_panel.progress, self.int8_panel.progress):
            progress.reset()                  # no sentence about another project's job stays
        self.refresh()                        # the sweep plot and pruned runs follow the new project

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
        sweep = project.run_dir(name) / "prune_sweep.png" if project is not None and name else None
        self.prune_panel.show_sweep(str(sweep) if sweep is not None and sweep.is_file() else None)
        summaries = artifact_summaries(project, name) if project is not None and name else []
        self.table.set_summaries(summaries, shown_metrics(project.task if project is not None else None))
        self._update_actions()

    def pruned_runs(self) -> list[str]:
        """Runs made by pruning the selected run (its `pruned` artifacts name them), newest last."""
        project, name = self.project, self.run_name
        if project is None or not name:
            return []
        from core.project import runs

        try:
            run = runs.get_run(project, name)
        except Exception:  # noqa: BLE001 - a run removed meanwhile: nothing to list
            return []
        made = [a.meta.get("run") for a in runs.artifacts(project, run.id, kind="checkpoint")
                if a.meta.get("role") == "pruned"]
        existing = {r.name for r in runs.list_runs(project)}
        return [m for m in made if m in existing]

    def _update_actions(self) -> None:
        name = self.run_name
        for verb, panel, what in (("export", self.export_panel, "An export"), ("export", self.int8_panel,
                                                                                 "An export"),
                                  ("prune", self.prune_panel, "A pruning"), ("qat", self.qat_panel, "A QAT setup")):
            if not name:
                panel.set_available(False, "Pick a trained run first.")
            elif self.jobs.active(verb, name, self.project):
                panel.set_available(False, f"{what} of run {name} is running.")
            else:
                panel.set_available(True)
        pruned = self.pruned_runs()
        self.retrain_panel.set_runs(pruned)
        chosen = self.retrain_panel.options()["run"]
        if not pruned:
            self.retrain_panel.set_available(False, "Prune this run first (Prune tab): retraining takes a pruned run.")
        elif chosen and self.jobs.active("train", chosen, self.project):
            self.retrain_panel.set_available(False, f"Run {chosen} is training; follow it on the Train page.")
        else:
            self.retrain_panel.set_available(True)
        s = self.table.current_summary()
        evaluating = bool(name) and bool(self.jobs.active("evaluate", name, self.project))
        self.evaluate_button.setEnabled(s is not None and s.exists and not evaluating)
        self.folder_button.setEnabled(s is not None)
        self.card_button.setEnabled(s is not None and s.card is not None)
        self.deploy_button.setEnabled(s is not None and s.deploy_dir is not None)

    # -- jobs ---------------------------------------------------------------------------------
    def start_export(self, options: dict) -> Job | None:
        """An export job; options come from the Export tab or the INT8 tab (calibration settings)."""
        project, name = self.project, self.run_name
        if project is None or not name:
            return None
        calibrating = "cal_batch_size" in options
        panel = self.int8_panel if calibrating else self.export_panel
        job = self.jobs.start("export", project.root, run=name, format=options.get("format", "onnx"),
                              precision=options.get("precision", "fp32"), opset=options.get("opset"),
                              no_eval=options.get("no_eval", False), cal_split=options.get("cal_split"),
                              cal_batch_size=options.get("cal_batch_size"), cal_batches=options.get("cal_batches"),
                              cal_sample=options.get("cal_sample"), cal_min=options.get("cal_min"))
        self._own_jobs.add(job)
        precision = options.get("precision", "fp32").upper()
        what = "a TensorRT engine" if options.get("format") == "engine" else "ONNX"
        panel.progress.track(job, f"Exporting run {name} to {what} ({precision})...", self._export_result)
        self._update_actions()
        return job

    def start_prune(self, options: dict) -> Job | None:
        project, name = self.project, self.run_name
        if project is None or not name:
            return None
        job = self.jobs.start("prune", project.root, run=name, **options)
        self._own_jobs.add(job)
        text = (f"Sweeping pth {options['sweep']} on run {name} ({options['sweep_steps']} fine-tune steps each)..."
                if options.get("sweep") else f"Pruning run {name} (pth {options['pth']}, {options['equalization']})...")
        self.prune_panel.progress.track(job, text, self._prune_result)
        self._update_actions()
        return job

    def start_retrain(self, options: dict) -> Job | None:
        project, pruned = self.project, options.get("run")
        if project is None or not pruned:
            return None
        return self._train(pruned, self.retrain_panel, f"Retraining the pruned run {pruned}...")

    def _train(self, run: str, panel, text: str, root=None) -> Job:
        job = self.jobs.start("train", root or self.project.root, run=run)
        self._own_jobs.add(job)
        panel.progress.track(job, text, lambda j: f"Run {run} ended: {j.status}. Its metrics are on the Train and "
                                                  "Runs pages; export it from here once it is chosen as the run.")
        self._update_actions()
        return job

    def start_qat(self, options: dict) -> Job | None:
        project, name = self.project, self.run_name
        if project is None or not name:
            return None
        job = self.jobs.start("qat", project.root, run=name, steps=options.get("steps"),
                              checkpoint=options.get("checkpoint"))
        self._own_jobs.add(job)
        self.qat_panel.progress.track(job, f"Making the QAT run of {name}...", self._qat_made)
        self._update_actions()
        return job

    def _qat_made(self, job: Job) -> str:
        result = job.last_event or {}
        made = result.get("run")
        if not made:
            return f"The QAT run was not made: {result.get('message') or job.status}."
        self.session.runs_changed.emit()
        self._train(made, self.qat_panel, f"Training {made} with fake INT8 quantization...", job.project_root)
        return f"Made {made} ({result.get('steps')} steps); it is training now."

    def _prune_result(self, job: Job) -> str:
        result = job.last_event or {}
        if "sweep" in result:
            sweep = result["sweep"]
            self.prune_panel.show_sweep(next((f for f in sweep.get("files", []) if f.endswith(".png")), None))
            best = ", ".join(f"pth {p['pth']:g}: {100 * p['params_ratio']:.0f}% params, {sweep['metric']} "
                             f"{metric_text(p['metric']) or 'n/a'}" for p in sweep["points"])
            return f"Sweep of {sweep['run']}: {best}."
        p = result.get("prune") or {}
        if not p:
            return f"Pruning ended: {result.get('message') or job.status}."
        self.session.runs_changed.emit()
        kept = 100 * p["params_after"] / max(1, p["params_before"])
        metrics = self._metric_sentence(result)
        speed = (f" Latency {p['latency_ms_before']:.1f} → {p['latency_ms_after']:.1f} ms (batch 1, eager)."
                 if p.get("latency_ms_before") and p.get("latency_ms_after") else "")
        return (f"New run {result.get('run')}: parameters {p['params_before']:,} → {p['params_after']:,} "
                f"({kept:.0f}% kept).{speed}" + (f" Before retraining: {metrics}." if metrics else "")
                + " Retrain it on the Retrain tab.")

    def evaluate_selected(self) -> Job | None:
        s, project, name = self.table.current_summary(), self.project, self.run_name
        if s is None or project is None or not name:
            return None
        job = self.jobs.start("evaluate", project.root, run=name, artifact=str(s.path))
        self._own_jobs.add(job)
        self.eval_progress.track(job, f"Evaluating {s.path.name} on the validation split...", self._eval_result)
        self._update_actions()
        return job

    def _own_job_done(self, job: Job) -> None:
        if job in self._own_jobs:
            self._own_jobs.discard(job)
            self.session.artifacts_changed.emit()
        self._update_actions()

    def _any_job_done(self, job: Job) -> None:
        if job not in self._own_jobs and job.verb in ("train", "export", "evaluate", "prune", "qat"):
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

    def open_card(self) -> None:
        s = self.table.current_summary()
        if s is not None and s.card is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(s.card)))

    def open_deploy(self) -> None:
        s = self.table.current_summary()
        if s is not None and s.deploy_dir is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(s.deploy_dir)))

    def _context_menu(self, pos) -> None:
        if self.table.current_summary() is None:
            return
        menu = QMenu(self)
        menu.addAction("Evaluate artifact", self.evaluate_selected).setEnabled(self.evaluate_button.isEnabled())
        menu.addAction("Open folder", self.open_folder)
        menu.addAction("Open model card", self.open_card).setEnabled(self.card_button.isEnabled())
        menu.addAction("Open DeepStream / Triton folder", self.open_deploy).setEnabled(self.deploy_button.isEnabled())
        menu.exec(self.table.viewport().mapToGlobal(pos))


PAGE = OptimizePage
