"""The import page's source forms, one per data option: a form per import format of the
registry (`core.datasets.formats`: what to pick, what is missing, the planner to run off the GUI
thread), the family's built-in sample data, and "skip". Planners write nothing."""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QSpinBox, QWidget

from core.datasets.formats import FORMATS, ImportFormat, formats_for
from studio.wizard.widgets import OptionField, PathField

Planner = Callable[..., Any]   # planner(reporter=...) -> ImportPlan | VideoImportPlan


class SourceForm(QWidget):
    """Base: a form of path fields. `needs_check`: the data must be read and validated first."""

    changed = Signal()
    key = ""
    title = ""
    blurb = ""
    needs_check = True
    copy_option = True      # media can be copied or referenced
    splits = True           # a validation split applies

    def __init__(self, parent: QWidget | None = None, blurb: str | None = None):
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        blurb = self.blurb if blurb is None else blurb
        if blurb:
            text = QLabel(blurb)
            text.setWordWrap(True)
            text.setProperty("role", "hint")
            self.form.addRow(text)
        self.fields: dict[str, PathField | OptionField] = {}

    def add_path(self, name: str, label: str, mode: str, caption: str, placeholder: str = "",
                 file_filter: str = "") -> PathField:
        field = PathField(mode, caption, file_filter, placeholder)
        field.setObjectName(f"{self.key}_{name}")
        field.changed.connect(lambda _t: self.changed.emit())
        self.fields[name] = field
        self.form.addRow(label, field)
        return field

    def add_option(self, name: str, label: str, choices: tuple[str, ...] = (), placeholder: str = "") -> OptionField:
        field = OptionField(choices, placeholder)
        field.setObjectName(f"{self.key}_{name}")
        field.changed.connect(lambda _t: self.changed.emit())
        self.fields[name] = field
        self.form.addRow(label, field)
        return field

    def inputs(self) -> tuple:
        return tuple((k, f.text()) for k, f in self.fields.items())

    def entered(self) -> bool:
        """A file or folder was typed or picked (options with a default choice do not count)."""
        return any(f.text() for f in self.fields.values() if isinstance(f, PathField))

    def problem(self) -> str | None:
        """What is missing before the data can be checked, as a sentence."""
        return None

    def kwargs(self) -> dict:
        """The planner's keyword arguments."""
        raise NotImplementedError

    def planner(self) -> Planner:
        """Planning runs in a child process (see core.datasets.plan_process): a big COCO json parsed on a
        thread of this process would still hold the interpreter lock, and the GUI with it, for seconds."""
        key, kwargs = self.key, self.kwargs()

        def plan(reporter):
            from core.datasets.plan_process import plan_in_subprocess

            return plan_in_subprocess(key, kwargs, reporter)
        return plan


class FormatForm(SourceForm):
    """The form of one import format: a path field per input the registry lists."""

    def __init__(self, fmt: ImportFormat, parent: QWidget | None = None):
        self.fmt = fmt
        self.key, self.title = fmt.name, fmt.title
        self.splits = not fmt.videos        # clips are split when action training arrives
        super().__init__(parent, blurb=fmt.blurb)
        for i in fmt.inputs:
            if i.is_path:
                field = self.add_path(i.name, f"{i.label}:", i.kind, f"Choose the {i.what}", i.placeholder,
                                      i.file_filter)
            else:   # an option: the class map, what happens to unmapped classes
                field = self.add_option(i.name, f"{i.label}:", i.choices, i.placeholder)
            field.setToolTip(i.help[:1].upper() + i.help[1:])
        for i in fmt.inputs:
            if i.guess:   # KITTI: picking .../image_2 fills in .../label_2 beside it when that exists
                self.fields[i.guess[0]].changed.connect(lambda _t, name=i.name: self._guess(name))

    def values(self) -> dict[str, str]:
        return {k: f.text() for k, f in self.fields.items()}

    def _guess(self, name: str) -> None:
        guess = self.fmt.guess(name, self.values())
        if guess:
            self.fields[name].setText(guess)

    def problem(self) -> str | None:
        return self.fmt.problem(self.values()) or None

    def kwargs(self) -> dict:
        return self.fmt.kwargs(self.values())


class SampleForm(SourceForm):
    key, title = "sample", "Built-in sample data (synthetic scenes)"
    blurb = ("Synthetic scenes generated on this computer and imported through the COCO importer: shapes with "
             "exact masks for instance segmentation, hands with exact boxes (and a gesture each) for detection. "
             "Good for trying Studio end to end.")
    needs_check = False
    copy_option = False

    def __init__(self, parent=None):
        super().__init__(parent)
        self.images = QSpinBox()
        self.images.setObjectName("SampleImages")
        self.images.setRange(8, 5000)
        self.images.setValue(200)
        self.images.setSuffix(" images")
        self.images.setToolTip("How many sample images to generate (200 train in minutes on a CPU).")
        self.size = QSpinBox()
        self.size.setObjectName("SampleSize")
        self.size.setRange(64, 512)
        self.size.setSingleStep(32)
        self.size.setValue(128)
        self.size.setSuffix(" px")
        self.size.setToolTip("Side of each square sample image.")
        for spin in (self.images, self.size):
            spin.setFixedWidth(140)
        self.form.addRow("&Images:", self.images)
        self.form.addRow("Image &size:", self.size)
        self.images.valueChanged.connect(lambda _v: self.changed.emit())

    def inputs(self) -> tuple:
        return (self.images.value(), self.size.value())


class SkipForm(SourceForm):
    key, title = "skip", "Skip for now"
    blurb = "Create the project without data; import it later from the Data page (studio data import)."
    needs_check = False
    copy_option = False
    splits = False


def make_forms() -> list[SourceForm]:
    """A form per registry format, then the sample data and skip (every family's options among them)."""
    return [FormatForm(fmt) for fmt in FORMATS.values()] + [SampleForm(), SkipForm()]


def options_for(info) -> list[str]:
    """The form keys a family offers, in the order shown: its import formats (in its order), its
    built-in sample data when it has some (`FamilyInfo.sample_data`), and skip."""
    keys = [f.name for f in formats_for(info)]
    if info.sample_data:
        keys.append("sample")
    return keys + ["skip"]
