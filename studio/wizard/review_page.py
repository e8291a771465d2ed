"""Last step: what will be made, in a short summary (model, run length, batch, image size, the
estimated time on this computer from a measured step, where the weights come from), the first
run's length as a preset (quick look, standard, long), the experiment spec as YAML behind a
button, and whether training starts right away.

Without data there is nothing to train: the page then offers "Create project" only (import data
on the Data page, then train on the Train page). Families without a trainer end the same way.
The YAML can be edited; a changed total_steps carries warmup and decay steps with it
(`core.specs.follow_edits`), unless the user set those too.
"""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontDatabase, QKeySequence
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QPushButton, QRadioButton, QVBoxLayout, QWizard, QWizardPage)

from core.errors import RunError, SpecError
from core.families.spec_lookup import sample_schedule_for
from core.setup.presets import PRESETS, apply_preset, duration_text, presets
from studio.wizard.step_estimate import StepEstimator
from studio.wizard.widgets import Message
from studio.wizard.yaml_highlighter import YamlHighlighter

DEFAULT_PRESET = "standard"


def generate_spec(env, profile: str, backbone: str, pretrained: str, sample_size: int | None, detector: str = ""):
    """The family's default spec for `profile` with the model choices applied; with the family's
    built-in sample data on a CPU, the schedule the family declares for it (`sample_schedule`:
    sized to learn that data in reasonable time on a CPU). Built from spec metadata only: no torch
    in the GUI process."""
    spec = env.default_spec(profile)
    schedule = sample_schedule_for(env.task) if sample_size is not None and profile == "cpu" else None
    if schedule is not None:
        spec = schedule(spec)
    if sample_size is not None and hasattr(spec, "data") and hasattr(spec.data, "image_size"):
        spec.data.image_size = sample_size
    spec.model.backbone = backbone
    spec.model.pretrained = pretrained
    if detector and hasattr(spec.model, "detector"):
        spec.model.detector = detector
    return spec


def _rows_html(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><td style='padding-right:12px'><b>{html.escape(k)}</b></td>"
                    f"<td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


class ReviewPage(QWizardPage):
    def __init__(self, wizard, parent=None):
        super().__init__(parent)
        self.wiz = wizard
        self.setTitle("Review")
        self.estimator = StepEstimator(self)
        self.estimator.changed.connect(self._measured)
        self.summary = QLabel()
        self.summary.setObjectName("ReviewSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.later = Message()
        self.later.setObjectName("ReviewLater")
        self.run_name = QLineEdit("run-001")
        self.run_name.setObjectName("RunName")
        self.run_name.setMaximumWidth(240)
        self.run_name.setToolTip("Letters, digits, '.', '_' or '-'; the run's folder is runs/<name>/.")

        self.length = QGroupBox("Length of the first run")
        self.length.setObjectName("RunLength")
        self.preset_group = QButtonGroup(self)
        self.preset_buttons: dict[str, QRadioButton] = {}
        box = QVBoxLayout(self.length)
        for name in PRESETS:
            b = QRadioButton()
            b.setObjectName(f"Preset_{name}")
            self.preset_buttons[name] = b
            self.preset_group.addButton(b)
            box.addWidget(b)
            b.toggled.connect(lambda on, n=name: on and self.choose_preset(n))
        self.timing = Message()
        self.timing.setObjectName("StepTiming")
        self.timing.linkActivated.connect(lambda _link: self.measure_again())
        box.addWidget(self.timing)
        self.preset = DEFAULT_PRESET

        self.yaml_button = QPushButton("Show the spec (YAML)")
        self.yaml_button.setObjectName("ShowYaml")
        self.yaml_button.setCheckable(True)
        self.yaml_button.setToolTip("Every setting of the first run, as the YAML `studio train --spec` reads; "
                                    "editable")
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("SpecEditor")
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setToolTip("The experiment spec (YAML). Each setting's help is in its comment.")
        self.editor.hide()
        self.highlighter = YamlHighlighter(self.editor.document())
        self.reset = QPushButton("Reset to the choices")
        self.reset.setToolTip("Regenerate the spec from the model step and the length (Ctrl+R); your edits are "
                              "replaced.")
        self.reset.setShortcut(QKeySequence("Ctrl+R"))
        self.reset.hide()
        self.message = Message()
        self.message.setObjectName("ReviewMessage")
        self.start = QCheckBox("Start &training when the project is created")
        self.start.setObjectName("StartTraining")
        self.start.setChecked(True)
        self.start.setToolTip("Runs as a background job; follow it on the Train page. You can stop and resume it.")

        run_form = QFormLayout()
        run_form.addRow("&Run name:", self.run_name)
        self.run_label = run_form.labelForField(self.run_name)
        spec_head = QHBoxLayout()
        spec_head.addWidget(self.yaml_button)
        spec_head.addStretch(1)
        spec_head.addWidget(self.reset)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.later)
        lay.addLayout(run_form)
        lay.addWidget(self.length)
        lay.addLayout(spec_head)
        lay.addWidget(self.editor, 1)
        lay.addWidget(self.message)
        lay.addWidget(self.start)
        lay.addStretch(0)   # takes the space when the editor is hidden
        self.training_widgets = (self.run_label, self.run_name, self.length, self.yaml_button, self.start)

        self._generated_text = ""
        self._generated_spec = None     # the spec the editor's text was made from (edits follow from it)
        self._generated_for: tuple | None = None
        self._base = None               # the choices' spec at its standard length
        self._hand_edited = False
        self.spec = None
        self.reset.clicked.connect(self.regenerate)
        self.yaml_button.toggled.connect(self._show_yaml)
        self.start.toggled.connect(lambda _on: self._finish_text())
        self.editor.textChanged.connect(self._text_changed)
        self._summary_timer = QTimer(self, singleShot=True, interval=300, timeout=self._refresh)
        self.preset_buttons[DEFAULT_PRESET].setChecked(True)

    # -- what is offered ----------------------------------------------------------------------
    def trains(self) -> bool:
        """A run is made: the family trains here and there is data to train on."""
        return self.wiz.family_page.trainable() and self.wiz.import_page.data_source().kind != "none"

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        trainable = self.wiz.family_page.trainable()
        info = self.wiz.family_page.family()
        trains = self.trains()
        for w in self.training_widgets:
            w.setVisible(trains)
        self._show_yaml(self.yaml_button.isChecked() and trains)
        if not trainable:
            self.setSubTitle("Check what will be made. Finish creates the project and imports its data.")
            self.later.note(f"Training {info.title.lower()} models arrives in a later version of Studio: this wizard "
                            "creates the project and imports its data; train it once that version is out.")
        elif not trains:
            self.setSubTitle("Check what will be made. Finish creates the project.")
            self.later.note("There is no data to train on yet, so no run is made: import data on the Data page "
                            "(Ctrl+I), then start a run on the Train page.")
        else:
            self.setSubTitle("Check what will be made. Finish creates the project, imports the data and creates the "
                             "first run.")
            self.later.clear_message()
            key = self._choices_key()
            if self._generated_for != key:
                if not self._hand_edited:
                    self.regenerate()
                else:
                    self.message.note("The model choices changed since you edited the spec; your edits are kept. "
                                      "Press “Reset to the choices” to apply the new choices instead.")
        self._refresh()
        self._finish_text()

    def cleanupPage(self) -> None:  # noqa: N802 - Back keeps what was entered
        pass

    def _choices_key(self) -> tuple:
        c = self.wiz.model_page.choices()
        data = self.wiz.import_page.data_source()
        return (self.wiz.family_page.family().name, c["profile"], c["backbone"], c["pretrained"],
                data.sample_size if data.kind == "sample" else None, c["detector"])

    def _env(self):
        return self.wiz.environments[self.wiz.family_page.family().name]

    # -- the spec -----------------------------------------------------------------------------
    def timed_spec(self):
        """The spec whose step the estimates use: the editor's when it is valid."""
        return self.current_spec() or self._generated_spec or self._base

    def step_seconds(self) -> float | None:
        spec = self.timed_spec()
        return self.estimator.seconds(self._env().task, spec) if spec is not None else None

    def regenerate(self) -> None:
        """The spec from the model choices and the chosen length (edits are replaced)."""
        task, profile, backbone, pretrained, sample_size, detector = key = self._choices_key()
        self._base = generate_spec(self._env(), profile, backbone, pretrained, sample_size, detector)
        self._generated_for = key
        self._put(apply_preset(self._base, self.preset, self.estimator.seconds(task, self._base)))
        self._hand_edited = False
        self.message.clear_message()
        self.estimator.request(task, self._base)

    def _put(self, spec) -> None:
        from core.specs import spec_to_yaml

        text = spec_to_yaml(spec)
        self._generated_text, self._generated_spec = text, spec
        self.editor.blockSignals(True)
        self.editor.setPlainText(text)
        self.editor.blockSignals(False)
        self._refresh()

    def choose_preset(self, name: str) -> None:
        """Size the run by a preset: only total_steps changes, the schedule follows it."""
        self.preset = name
        if not self.preset_buttons[name].isChecked():
            self.preset_buttons[name].setChecked(True)
            return
        if self._base is None:
            return
        step_s = self.step_seconds()
        if not self._hand_edited:
            self._put(apply_preset(self._base, name, step_s))
            return
        spec = self.current_spec()
        if spec is None:
            self.message.error("Fix the spec first (Show the spec), or press “Reset to the choices”: the length "
                               "cannot be applied to a spec with a problem.")
            return
        sized = apply_preset(self._base, name, step_s)
        spec.train = spec.train.with_total_steps(sized.train.total_steps)
        self._put(spec)
        self._hand_edited = True

    def current_spec(self):
        """The spec the editor holds now (edits followed from the generated one), or None."""
        from core.specs import spec_from_yaml

        if self._generated_spec is None:
            return None
        try:
            return spec_from_yaml(self._env().spec_class, self.editor.toPlainText(), base=self._generated_spec)
        except SpecError:
            return None

    def _text_changed(self) -> None:
        self.message.clear_message()
        self._hand_edited = self.editor.toPlainText() != self._generated_text or self._hand_edited
        self._summary_timer.start()

    def _show_yaml(self, on: bool) -> None:
        self.editor.setVisible(on)
        self.reset.setVisible(on)
        self.yaml_button.setText("Hide the spec (YAML)" if on else "Show the spec (YAML)")

    def measure_again(self) -> None:
        spec = self.timed_spec()
        if spec is not None:
            self.estimator.measure_again(self._env().task, spec)

    def _measured(self) -> None:
        if self._base is not None and self.preset == "quick" and not self._hand_edited:
            self._put(apply_preset(self._base, "quick", self.step_seconds()))   # a quick look is sized by the step
        self._refresh()

    # -- what the page says -------------------------------------------------------------------
    def _refresh(self) -> None:
        trains = self.trains()
        spec = self.current_spec() if trains else None
        if spec is not None:
            self.estimator.request(self._env().task, spec)    # an edited size (batch, backbone) is measured too
        if trains and self._base is not None:
            self._label_presets()
        self.summary.setText(_rows_html(self.summary_rows(spec)))

    def _label_presets(self) -> None:
        task, timed = self._env().task, self.timed_spec()
        step_s = self.estimator.seconds(task, timed)
        for p in presets(self._base.train.total_steps, step_s):
            text = f"{p.title}: {p.total_steps:,} steps"
            if p.seconds is not None:
                text += f", {duration_text(p.seconds)}"
            elif p.name == "quick":
                text += " (about two minutes once a step is measured)"
            self.preset_buttons[p.name].setText(text)
        if step_s is not None:
            self.timing.note(f"Times are estimated from a training step measured on this computer: {step_s:.2f} s "
                             "(evaluations add to them). Was the computer busy? <a href='again'>Measure again</a>")
        elif self.estimator.busy(task, timed):
            self.timing.note("Measuring a training step on this computer for the time estimates...")
        elif self.estimator.problem(task, timed):
            self.timing.note(f"No time estimate: {html.escape(self.estimator.problem(task, timed))}")
        else:
            self.timing.clear_message()

    def summary_rows(self, spec) -> list[tuple[str, str]]:
        w = self.wiz
        rows = [("Project", w.location_page.project_name()), ("Folder", str(w.location_page.project_root())),
                ("Model family", w.family_page.family().title), ("Data", w.import_page.describe())]
        if not self.trains():
            return rows
        c = w.model_page.choices()
        info = w.family_page.family()
        rows.append(("Model", f"{info.model.split(',')[0]}, {c['backbone']} backbone, {c['profile'].upper()} profile"))
        rows.append(("Weights", self.weights_text(c["pretrained"])))
        if c["detector"]:
            rows.append(("Runs after", w.model_page.detector.currentText()))
        if spec is None:
            rows.append(("Training", "the spec has a problem: see Show the spec (YAML)"))
            return rows
        t = spec.train
        size = getattr(getattr(spec, "data", None), "image_size", None)
        where = {"cpu": "the CPU", "cuda": "the GPU"}.get(t.device) or ("the GPU" if self._env().cuda else "the CPU")
        rows.append(("Training", f"{t.total_steps:,} steps of {t.batch_size} images"
                     + (f" at {size} px" if size else "") + f", on {where}"))
        step_s = self.estimator.seconds(self._env().task, spec)
        if step_s is not None:
            when = f"{duration_text(t.total_steps * step_s)} on this computer ({step_s:.2f} s per step, measured)"
        elif self.estimator.busy(self._env().task, spec):
            when = "measuring a training step on this computer..."
        else:
            when = "unknown until training runs (the Train page shows the time left)"
        rows.append(("Estimated time", when))
        return rows

    def weights_text(self, pretrained: str) -> str:
        if not pretrained:
            return "none: the model starts from random weights"
        shown = self.wiz.model_page.weights.currentText()
        return shown if shown else Path(pretrained).name

    def _finish_text(self) -> None:
        text = "Create and &train" if self.start_training() else "&Create project"
        self.wiz.setButtonText(QWizard.WizardButton.FinishButton, text)

    # -- leaving --------------------------------------------------------------------------------
    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        self.spec = None
        if not self.trains():
            return True
        from core.project.runs import check_run_name
        from core.specs import spec_from_yaml

        env = self._env()
        try:
            check_run_name(self.run_name.text().strip())
            spec = spec_from_yaml(env.spec_class, self.editor.toPlainText(), base=self._generated_spec)
        except (SpecError, RunError) as exc:
            self.message.error(str(exc))
            if isinstance(exc, SpecError) and not self.yaml_button.isChecked():
                self.yaml_button.setChecked(True)     # show what needs fixing
            return False
        if spec.task != env.task:
            self.message.error(f"The spec is for {spec.task} but the project is {env.task}; set task: {env.task}.")
            return False
        self.spec = spec
        return True

    def start_training(self) -> bool:
        return self.trains() and self.start.isChecked()
