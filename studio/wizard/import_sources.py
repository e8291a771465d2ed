"""The import page's source forms, one per data option: what to pick, what is missing, and the
planner to run (off the GUI thread) for the picked files. Planners write nothing."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QSpinBox, QWidget

from studio.wizard.widgets import PathField

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

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        if self.blurb:
            text = QLabel(self.blurb)
            text.setWordWrap(True)
            text.setProperty("role", "hint")
            self.form.addRow(text)
        self.fields: dict[str, PathField] = {}

    def add_path(self, name: str, label: str, mode: str, caption: str, placeholder: str = "",
                 file_filter: str = "") -> PathField:
        field = PathField(mode, caption, file_filter, placeholder)
        field.setObjectName(f"{self.key}_{name}")
        field.changed.connect(lambda _t: self.changed.emit())
        self.fields[name] = field
        self.form.addRow(label, field)
        return field

    def inputs(self) -> tuple:
        return tuple((k, f.text()) for k, f in self.fields.items())

    def problem(self) -> str | None:
        """What is missing before the data can be checked, as a sentence."""
        return None

    def kwargs(self) -> dict:
        """The planner's keyword arguments (see core.datasets.plan_process.PLANNERS[key])."""
        raise NotImplementedError

    def planner(self) -> Planner:
        """Planning runs in a child process (see core.datasets.plan_process): a big COCO json parsed on a
        thread of this process would still hold the interpreter lock, and the GUI with it, for seconds."""
        key, kwargs = self.key, self.kwargs()

        def plan(reporter):
            from core.datasets.plan_process import plan_in_subprocess

            return plan_in_subprocess(key, kwargs, reporter)
        return plan


def _missing_dir(text: str, what: str) -> str | None:
    if not text:
        return f"Choose the {what}."
    if not Path(text).expanduser().is_dir():
        return f"The {what} {text} does not exist."
    return None


class CocoForm(SourceForm):
    key, title = "coco", "COCO (annotations .json + images folder)"
    blurb = "A COCO instances (or person_keypoints) file and the folder its image file_names are relative to."

    def __init__(self, parent=None):
        super().__init__(parent)
        self.add_path("annotations", "&Annotations file:", "file", "Choose the COCO annotations file",
                      "instances_train.json", "COCO json (*.json);;All files (*)")
        self.add_path("images", "I&mages folder:", "dir", "Choose the images folder",
                      "leave empty: the json's folder")

    def problem(self) -> str | None:
        ann = self.fields["annotations"].text()
        if not ann:
            return "Choose the COCO annotations .json file."
        if not Path(ann).expanduser().is_file():
            return f"The annotations file {ann} does not exist."
        images = self.fields["images"].text()
        return _missing_dir(images, "images folder") if images else None

    def kwargs(self) -> dict:
        return {"annotations_file": self.fields["annotations"].text(),
                "images_dir": self.fields["images"].text() or None}


class LabelmeForm(SourceForm):
    key, title = "labelme", "labelme (images with their .json files)"
    blurb = "A folder (searched recursively) of images and the labelme .json file beside each."

    def __init__(self, parent=None):
        super().__init__(parent)
        self.add_path("folder", "&Folder:", "dir", "Choose the labelme folder")

    def problem(self) -> str | None:
        return _missing_dir(self.fields["folder"].text(), "labelme folder")

    def kwargs(self) -> dict:
        return {"images_dir": self.fields["folder"].text()}


class KittiForm(SourceForm):
    key, title = "kitti", "KITTI (images folder + labels folder)"
    blurb = "KITTI object labels: one <image name>.txt per image (e.g. image_2/ and label_2/). Boxes only."

    def __init__(self, parent=None):
        super().__init__(parent)
        self.add_path("images", "I&mages folder:", "dir", "Choose the KITTI images folder", ".../image_2")
        self.add_path("labels", "&Labels folder:", "dir", "Choose the KITTI labels folder", ".../label_2")
        self.fields["images"].changed.connect(self._guess_labels)

    def _guess_labels(self, text: str) -> None:
        """Picking .../image_2 fills in .../label_2 beside it when that exists and nothing is typed."""
        images = Path(text).expanduser()
        if self.fields["labels"].text() or not images.name:
            return
        guess = images.parent / images.name.replace("image", "label")
        if guess != images and guess.is_dir():
            self.fields["labels"].setText(str(guess))

    def problem(self) -> str | None:
        return _missing_dir(self.fields["images"].text(), "images folder") or \
            _missing_dir(self.fields["labels"].text(), "labels folder")

    def kwargs(self) -> dict:
        return {"images_dir": self.fields["images"].text(), "labels_dir": self.fields["labels"].text()}


class ImageFoldersForm(SourceForm):
    key, title = "image_folders", "Image folders (one subfolder per class)"
    blurb = "A folder with one subfolder per class (e.g. palm/, fist/), the images of that class inside."

    def __init__(self, parent=None):
        super().__init__(parent)
        self.add_path("folder", "&Folder:", "dir", "Choose the folder of class folders")

    def problem(self) -> str | None:
        return _missing_dir(self.fields["folder"].text(), "folder")

    def kwargs(self) -> dict:
        return {"root_dir": self.fields["folder"].text()}


class VideoFoldersForm(SourceForm):
    key, title = "video_folders", "Video folders (one subfolder per action)"
    blurb = ("A folder with one subfolder per action class, holding videos (wave/clip1.mp4) or frame folders "
             "(wave/clip1/rgb/000001.png). Each video becomes one clip of its class.")
    splits = False

    def __init__(self, parent=None):
        super().__init__(parent)
        self.add_path("folder", "&Folder:", "dir", "Choose the folder of action folders")

    def problem(self) -> str | None:
        return _missing_dir(self.fields["folder"].text(), "folder")

    def kwargs(self) -> dict:
        return {"root_dir": self.fields["folder"].text()}


class SampleForm(SourceForm):
    key, title = "sample", "Built-in sample data (synthetic shapes)"
    blurb = ("Scenes of circles, squares, triangles and other shapes with exact masks, generated on this computer "
             "and imported through the COCO importer. Good for trying Studio end to end.")
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


FORMS = (CocoForm, LabelmeForm, KittiForm, VideoFoldersForm, ImageFoldersForm, SampleForm, SkipForm)


def options_for(info) -> list[str]:
    """The form keys a family offers, in the order shown."""
    keys = [k for k in (f.key for f in FORMS) if k in info.import_formats]
    if info.name == "instance_segmentation":
        keys.append("sample")
    return keys + ["skip"]
