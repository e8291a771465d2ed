"""Last step: what will be made, the generated experiment spec (editable, validated on Finish)
and whether training starts right away. Families without a trainer end at "Create project"."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QKeySequence
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWizard, QWizardPage)

from core.errors import RunError, SpecError
from core.families.spec_lookup import sample_schedule_for
from studio.wizard.widgets import Message
from studio.wizard.yaml_highlighter import YamlHighlighter


def generate_spec(env, profile: str, backbone: str, pretrained: str, sample_size: int | None):
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
    return spec


class ReviewPage(QWizardPage):
    def __init__(self, wizard, parent=None):
        super().__init__(parent)
        self.wiz = wizard
        self.setTitle("Review")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.later = Message()
        self.run_name = QLineEdit("run-001")
        self.run_name.setObjectName("RunName")
        self.run_name.setMaximumWidth(240)
        self.run_name.setToolTip("Letters, digits, '.', '_' or '-'; the run's folder is runs/<name>/.")
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("SpecEditor")
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setToolTip("The experiment spec (YAML). Each setting's help is in its comment.")
        self.highlighter = YamlHighlighter(self.editor.document())
        self.reset = QPushButton("Reset to the choices")
        self.reset.setToolTip("Regenerate the spec from the model step (Ctrl+R); your edits are replaced.")
        self.reset.setShortcut(QKeySequence("Ctrl+R"))
        self.spec_label = QLabel("Experiment &spec (YAML, editable):")
        self.spec_label.setBuddy(self.editor)
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
        spec_head.addWidget(self.spec_label, 1)
        spec_head.addWidget(self.reset)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.later)
        lay.addLayout(run_form)
        lay.addLayout(spec_head)
        lay.addWidget(self.editor, 1)
        lay.addWidget(self.message)
        lay.addWidget(self.start)
        lay.addStretch(0)   # takes the space when the editor is hidden
        self.spec_widgets = (self.run_label, self.run_name, self.editor, self.reset, self.spec_label, self.start)

        self._generated_text = ""
        self._generated_for: tuple | None = None
        self.spec = None
        self.reset.clicked.connect(self.regenerate)
        self.start.toggled.connect(lambda _on: self._finish_text())
        self.editor.textChanged.connect(self.message.clear_message)

    # -- entering -----------------------------------------------------------------------------
    def initializePage(self) -> None:  # noqa: N802 - Qt override
        trainable = self.wiz.family_page.trainable()
        info = self.wiz.family_page.family()
        self.setSubTitle("Check what will be made. Finish creates the project, imports the data and creates the "
                         "first run." if trainable else "Check what will be made. Finish creates the project and "
                         "imports its data.")
        self.summary.setText(self._summary_html(trainable))
        for w in self.spec_widgets:
            w.setVisible(trainable)
        if trainable:
            self.later.clear_message()
            key = self._choices_key()
            if self._generated_for != key:
                if not self.editor.toPlainText().strip() or self.editor.toPlainText() == self._generated_text:
                    self.regenerate()
                else:
                    self.message.note("The model choices changed since you edited the spec; your edits are kept. "
                                      "Press “Reset to the choices” to apply the new choices instead.")
        else:
            self.later.note(f"Training {info.title.lower()} models arrives in a later version of Studio: this wizard "
                            "creates the project and imports its data; train it once that version is out.")
        self._finish_text()

    def cleanupPage(self) -> None:  # noqa: N802 - Back keeps what was entered
        pass

    def _choices_key(self) -> tuple:
        c = self.wiz.model_page.choices()
        data = self.wiz.import_page.data_source()
        return (self.wiz.family_page.family().name, c["profile"], c["backbone"], c["pretrained"],
                data.sample_size if data.kind == "sample" else None)

    def regenerate(self) -> None:
        task, profile, backbone, pretrained, sample_size = key = self._choices_key()
        env = self.wiz.environments[task]
        from core.specs import spec_to_yaml

        text = spec_to_yaml(generate_spec(env, profile, backbone, pretrained, sample_size))
        self._generated_text, self._generated_for = text, key
        self.editor.setPlainText(text)
        self.message.clear_message()

    def _summary_html(self, trainable: bool) -> str:
        w = self.wiz
        rows = [("Project", w.location_page.project_name()), ("Folder", str(w.location_page.project_root())),
                ("Model family", w.family_page.family().title), ("Data", w.import_page.describe())]
        if trainable:
            c = w.model_page.choices()
            weights = c["pretrained"] or "none (from scratch)"
            rows.append(("Model", f"{c['backbone']}, {c['profile'].upper()} profile, pretrained weights: {weights}"))
        cells = "".join(f"<tr><td style='padding-right:12px'><b>{html.escape(k)}</b></td>"
                        f"<td>{html.escape(v)}</td></tr>" for k, v in rows)
        return f"<table>{cells}</table>"

    def _finish_text(self) -> None:
        trainable = self.wiz.family_page.trainable()
        text = "Create and &train" if trainable and self.start.isChecked() else "&Create project"
        self.wiz.setButtonText(QWizard.WizardButton.FinishButton, text)

    # -- leaving --------------------------------------------------------------------------------
    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        self.spec = None
        if not self.wiz.family_page.trainable():
            return True
        from core.project.runs import check_run_name
        from core.specs import spec_from_yaml

        env = self.wiz.environments[self.wiz.family_page.family().name]
        try:
            check_run_name(self.run_name.text().strip())
            spec = spec_from_yaml(env.spec_class, self.editor.toPlainText())
        except (SpecError, RunError) as exc:
            self.message.error(str(exc))
            return False
        if spec.task != env.task:
            self.message.error(f"The spec is for {spec.task} but the project is {env.task}; set task: {env.task}.")
            return False
        self.spec = spec
        return True

    def start_training(self) -> bool:
        return self.wiz.family_page.trainable() and self.start.isChecked()
