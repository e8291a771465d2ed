"""The import formats: one registry that `studio data import` (its flags and checks), the planning
child process (`core.datasets.plan_process`), the GUI's import dialog and the new-project
wizard's import forms all read. Torch-free and Qt-free: listing the formats imports nothing
heavy; a format's planner and commit are imported when they are used.

Each format says its name (`--format NAME`), its titles, the inputs it takes — each one a CLI
flag (``--images``) and a field of the GUI forms, with its label, its help for this format,
whether it is required and the planner keyword it fills; a path (a file or a folder), or an
option: free text checked as it is typed (the class map) or one of a few choices (what happens
to unmapped classes) — its planner ("module:function",
returning an `ImportPlan` or a `VideoImportPlan` and writing nothing), and the kind of plan it
makes (`media`: "images" or "videos"), which decides how the plan is reconciled with a
project, committed, and described ("would add 3 image(s) and 5 annotation(s)...").

A family lists the formats it takes in `FamilyInfo.import_formats`; `formats_for(info)` gives
them in that order. Adding a format is one entry in `FORMATS` (and its planner module).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from core.dotted import load
from core.errors import DataError

MEDIA = ("images", "videos")
INPUT_KINDS = ("file", "dir", "text", "choice")
PATH_KINDS = ("file", "dir")


def cli_flag(name: str) -> str:
    """An input's CLI flag: --images, --class-map (for the input class_map)."""
    return "--" + name.replace("_", "-")


@dataclass(frozen=True)
class FormatInput:
    name: str                  # the CLI flag (--NAME) and the key of the GUI's field
    kind: str                  # "file" or "dir" (paths), "text" or "choice" (options)
    label: str                 # "Images folder" (GUI label; sentences use it lower-cased)
    help: str                  # what to give, for this format (CLI help, GUI tooltip)
    arg: str                   # the planner's keyword argument
    required: bool = True
    placeholder: str = ""
    file_filter: str = ""      # a file dialog's filter, for kind "file"
    # (other input, old, new): a folder beside the other input's, named with old replaced by new
    # (KITTI: .../image_2 suggests .../label_2), offered when this input is empty.
    guess: tuple[str, str, str] | None = None
    choices: tuple[str, ...] = ()   # kind "choice": the values, the first is the default
    check: str = ""            # "module:function" returning what is wrong with a value, or "" (for a path
                               # input it replaces the file/folder existence rule)
    metavar_text: str = ""     # kind "text": the CLI's metavar

    def __post_init__(self) -> None:
        if self.kind not in INPUT_KINDS:
            raise ValueError(f"{self.name}: kind must be one of {INPUT_KINDS}, got {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"{self.name}: a choice input needs its choices")

    @property
    def what(self) -> str:
        return self.label[:1].lower() + self.label[1:]

    @property
    def flag(self) -> str:
        """The CLI flag: --images, --class-map."""
        return cli_flag(self.name)

    @property
    def is_path(self) -> bool:
        return self.kind in PATH_KINDS

    @property
    def metavar(self) -> str:
        return {"file": "FILE", "dir": "DIR", "text": self.metavar_text or "TEXT",
                "choice": "{" + ",".join(self.choices) + "}"}[self.kind]

    @property
    def default(self) -> str | None:
        return self.choices[0] if self.kind == "choice" else None

    def problem(self, text: str) -> str:
        """What is wrong with a non-empty value, as a sentence ("" when fine)."""
        if self.kind == "choice":
            return "" if text in self.choices else \
                f"The {self.what} must be one of {', '.join(self.choices)}, not {text!r}."
        if self.check or self.kind == "text":
            return load(self.check)(text) if self.check else ""
        path = Path(text).expanduser()
        if self.kind == "file" and not path.is_file():
            return f"The {self.what} {text} does not exist" + (" (it is a folder)." if path.is_dir() else ".")
        if self.kind == "dir" and not path.is_dir():
            return f"The {self.what} {text} " + ("is a file, not a folder." if path.exists() else "does not exist.")
        return ""


class _ImagePlans:
    """`core.datasets.plan`: images and their annotations."""

    @staticmethod
    def reconcile(project, plan, copy: bool):
        from core.datasets.plan import reconcile
        return reconcile(project, plan)

    @staticmethod
    def commit(project, plan, copy: bool, reporter):
        from core.datasets.plan import commit_import
        return commit_import(project, plan, copy=copy, reporter=reporter)

    @staticmethod
    def adds(plan) -> str:
        c = plan.counts
        if not c["images"]:
            return ""
        new = plan.new_categories if plan.new_categories is not None else [cat.name for cat in plan.categories]
        return (f"{c['images']:,} image(s) and {c['annotations']:,} annotation(s){_ignored(plan.ignore_regions)}; "
                f"new categories: {', '.join(new) or 'none'}")

    @staticmethod
    def added(result) -> int:
        return result.images

    @staticmethod
    def details(plan) -> list[str]:
        return []

    @staticmethod
    def result_text(result) -> str:
        return (f"{result.images:,} image(s) and {result.annotations:,} annotation(s)"
                f"{_ignored(getattr(result, 'ignore_regions', 0))}")


def _ignored(n: int) -> str:
    return f" ({n:,} of them ignore regions)" if n else ""


class _VideoPlans:
    """`core.datasets.video_folders`: videos, each one clip of its class."""

    @staticmethod
    def reconcile(project, plan, copy: bool):
        from core.datasets.video_folders import reconcile_videos
        return reconcile_videos(project, plan, copy)

    @staticmethod
    def commit(project, plan, copy: bool, reporter):
        from core.datasets.video_folders import commit_video_import
        return commit_video_import(project, plan, copy=copy, reporter=reporter)

    @staticmethod
    def adds(plan) -> str:
        c = plan.counts
        if not c["videos"]:
            return ""
        return (f"{c['videos']:,} video(s) as {c['clips']:,} clip(s) of {c['frames']:,} frames; classes: "
                f"{', '.join(plan.categories) or 'none'}")

    @staticmethod
    def added(result) -> int:
        return result.videos

    @staticmethod
    def details(plan) -> list[str]:
        return plan.clip_lines()

    @staticmethod
    def result_text(result) -> str:
        splits = f", split {', '.join(f'{k} {v}' for k, v in result.splits.items())}" if result.splits else ""
        return f"{result.videos:,} video(s) as {result.clips:,} clip(s){splits}"


_PLANS = {"images": _ImagePlans, "videos": _VideoPlans}


@dataclass(frozen=True)
class ImportFormat:
    name: str                          # --format NAME; stored as the import's format
    title: str                         # the GUI's choice: "KITTI labels (images folder + labels folder)"
    short: str                         # a few words for lists: "KITTI labels"
    blurb: str                         # one or two sentences on the layout it reads
    inputs: tuple[FormatInput, ...]
    planner_ref: str                   # "module:function" (keyword args from `kwargs`, plus reporter=)
    media: str = "images"              # the plans it makes: "images" or "videos" (see MEDIA)

    def __post_init__(self) -> None:
        if self.media not in MEDIA:
            raise ValueError(f"{self.name}: media must be one of {MEDIA}, got {self.media!r}")

    # -- inputs -------------------------------------------------------------------------------
    def input(self, name: str) -> FormatInput:
        return next(i for i in self.inputs if i.name == name)

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)

    def problem(self, values: Mapping[str, str | None], cli: bool = False) -> str:
        """What is missing or wrong in the given paths, as a sentence ("" when fine). `cli`: name
        the flags (--labels DIR) instead of the form's fields."""
        missing = [i for i in self.inputs if i.required and not (values.get(i.name) or "").strip()]
        if missing:
            if not cli:
                return f"Choose {missing[0].help}."
            needs = " and ".join(f"{i.flag} {i.metavar}" for i in self.inputs if i.required)
            gaps = "; ".join(f"{i.flag} ({i.help})" for i in missing)
            return f"A {self.name} import needs {needs}; missing: {gaps}."
        for i in self.inputs:
            text = (values.get(i.name) or "").strip()
            problem = i.problem(text) if text else ""
            if problem:
                return problem
        return ""

    def kwargs(self, values: Mapping[str, str | None]) -> dict[str, Any]:
        """The planner's keyword arguments for the given values (empty optional ones: None, or a
        choice's default)."""
        return {i.arg: ((values.get(i.name) or "").strip() or i.default) for i in self.inputs}

    def guess(self, name: str, values: Mapping[str, str | None]) -> str | None:
        """A path for the empty input `name` derived from another one (see FormatInput.guess)."""
        rule = self.input(name).guess
        if rule is None or (values.get(name) or "").strip():
            return None
        other, old, new = rule
        source = Path((values.get(other) or "").strip()).expanduser()
        if not source.name or old not in source.name:
            return None
        candidate = source.parent / source.name.replace(old, new)
        return str(candidate) if candidate != source and candidate.is_dir() else None

    # -- planning and committing --------------------------------------------------------------
    @property
    def videos(self) -> bool:
        """Its plans are video plans (checking them depends on copy vs link)."""
        return self.media == "videos"

    def planner(self):
        return load(self.planner_ref)

    def plan(self, kwargs: Mapping[str, Any], reporter=None):
        """Plan in this process (the GUI plans in a child: `core.datasets.plan_process`)."""
        return self.planner()(**kwargs, reporter=reporter)

    def reconcile(self, project, plan, copy: bool = True):
        """The plan without what the project already holds; still nothing written."""
        return _PLANS[self.media].reconcile(project, plan, copy)

    def commit(self, project, plan, copy: bool = True, reporter=None):
        """Write the plan in one transaction (an ImportResult or a VideoImportResult)."""
        return _PLANS[self.media].commit(project, plan, copy, reporter)

    # -- what is said about it ----------------------------------------------------------------
    def adds(self, plan) -> str:
        """What a checked plan would add ("3 image(s) and 5 annotation(s); new categories: a"),
        "" when nothing: the CLI's dry run and the GUI's verdicts both say this."""
        return _PLANS[self.media].adds(plan)

    def added(self, result) -> int:
        """How many images (or videos) an import added."""
        return _PLANS[self.media].added(result)

    def details(self, plan) -> list[str]:
        """Lines about each item of a plan worth printing (a video's frame count), maybe none."""
        return _PLANS[self.media].details(plan)

    def result_text(self, result) -> str:
        """What an import added: "3 image(s) and 5 annotation(s)" or "2 video(s) as 2 clip(s)"."""
        return _PLANS[self.media].result_text(result)


_COCO_FILTER = "COCO json (*.json);;All files (*)"

# the class map options of the box formats (core.datasets.class_map)
_CLASS_MAP = (
    FormatInput("class_map", "text", "Class map",
                "how to rename or merge classes, e.g. Car=vehicle,Van=vehicle, or *=hand for every class "
                "(Misc=DontCare makes a class ignore regions); empty keeps the classes as they are", "class_map",
                required=False, placeholder="e.g. Car=vehicle,Van=vehicle or *=hand",
                check="core.datasets.class_map:class_map_problem", metavar_text="MAP"),
    FormatInput("unmapped", "choice", "Unmapped classes",
                "what happens to a class the class map does not name: keep it under its own name, or drop it",
                "unmapped", required=False, choices=("keep", "drop")),
)

FORMATS: dict[str, ImportFormat] = {f.name: f for f in (
    ImportFormat(
        "coco", "COCO instances / keypoints (.json + images folder)", "COCO json",
        "A COCO instances (or person_keypoints) file and the folder its image file_names are relative to.",
        (FormatInput("annotations", "file", "Annotations file", "the COCO instances or person_keypoints .json file",
                     "annotations_file", placeholder="instances_train.json", file_filter=_COCO_FILTER),
         FormatInput("images", "dir", "Images folder",
                     "the folder the image file_names in the .json are relative to (default: the .json's folder)",
                     "images_dir", required=False, placeholder="default: the folder of the .json file"),
         *_CLASS_MAP),
        "core.datasets.coco:plan_coco_import"),
    ImportFormat(
        "labelme", "labelme (images with their .json files)", "labelme json",
        "A folder, searched recursively, of images and the labelme .json file beside each.",
        (FormatInput("images", "dir", "Labelme folder",
                     "the folder (searched recursively) of images and the labelme .json file beside each",
                     "images_dir"), *_CLASS_MAP),
        "core.datasets.labelme:plan_labelme_import"),
    ImportFormat(
        "kitti", "KITTI labels (images folder + labels folder)", "KITTI labels",
        "One <image name>.txt of KITTI object lines per image (e.g. image_2/ and label_2/). Boxes only; "
        "DontCare rows become ignore regions.",
        (FormatInput("images", "dir", "Images folder", "the folder of images (e.g. image_2/)", "images_dir",
                     placeholder=".../image_2"),
         FormatInput("labels", "dir", "Labels folder",
                     "the folder of label .txt files, one <image name>.txt per image (e.g. label_2/)", "labels_dir",
                     placeholder=".../label_2", guess=("images", "image", "label")), *_CLASS_MAP),
        "core.datasets.kitti:plan_kitti_import"),
    ImportFormat(
        "image_folders", "Image folders (one subfolder per class)", "image folders per class",
        "A folder with one subfolder per class (e.g. palm/, fist/), the images of that class inside.",
        (FormatInput("images", "dir", "Folder of class folders",
                     "the folder holding one subfolder per class (palm/, fist/), the images of that class inside",
                     "root_dir"),),
        "core.datasets.image_folders:plan_image_folders_import"),
    ImportFormat(
        "detection_crops", "Crops of detected boxes (a detection project or a COCO file)", "crops of boxes",
        "Each box of a detection project (or a COCO .json) is cut out with a margin, clipped to its image and "
        "saved as an image of its class, taken from a per-box attribute or a mapping of the box classes.",
        (FormatInput("source", "file", "Detection source",
                     "a detection project (its folder or its project.db), or a COCO instances .json file", "source",
                     placeholder=".../project.db or instances.json", file_filter="project.db or COCO json "
                     "(*.db *.json);;All files (*)", check="core.datasets.detection_crops:source_problem"),
         FormatInput("images", "dir", "Images folder",
                     "the folder a COCO file's image file_names are relative to (default: the .json's folder)",
                     "images_dir", required=False, placeholder="default: the folder of the .json file"),
         FormatInput("margin", "text", "Margin",
                     "how far each box grows on every side before it is cut: pixels (200), a fraction of the box "
                     "(0.25) or a percentage (25%)", "margin", required=False, placeholder="0.25",
                     check="core.datasets.detection_crops:margin_problem", metavar_text="PX|FRACTION"),
         FormatInput("attribute", "text", "Class attribute",
                     "the per-box attribute holding each crop's class (default gesture)", "attribute",
                     required=False, placeholder="gesture", metavar_text="NAME"),
         FormatInput("class_map", "text", "Class map",
                     "the crop class of each box class, e.g. hand_fist=fist,hand_palm=palm (wins over the "
                     "attribute; unmapped boxes are dropped)", "class_map", required=False,
                     placeholder="e.g. hand_fist=fist", check="core.datasets.class_map:class_map_problem",
                     metavar_text="MAP")),
        "core.datasets.detection_crops:plan_detection_crops_import"),
    ImportFormat(
        "video_folders", "Video folders (one subfolder per action)", "video folders per action",
        "One subfolder per action class holding videos (wave/clip1.mp4) or frame folders "
        "(wave/clip1/rgb/000001.png). Each video becomes one clip of its class; HMDB-style split files "
        "(name.avi 1|2|0) may split them.",
        (FormatInput("videos", "dir", "Folder of action folders",
                     "the folder holding one subfolder per action, with videos (wave/clip1.mp4) or frame folders "
                     "(wave/clip1/rgb/000001.png)", "root_dir"),
         FormatInput("splits", "dir", "Split files folder",
                     "optional: a folder of HMDB-style split files (lines 'name.avi 1|2|0': 1 train, 2 test -> val, "
                     "0 unused; split 1 of <class>_test_split1.txt files)", "split_files", required=False,
                     placeholder="optional: e.g. testTrainMulti_7030_splits")),
        "core.datasets.video_folders:plan_video_folders_import", media="videos"),
)}


def import_format(name: str) -> ImportFormat:
    if name not in FORMATS:
        raise DataError(f"Unknown import format {name!r}; Studio imports {', '.join(FORMATS)}.")
    return FORMATS[name]


def format_of(plan_or_result) -> ImportFormat:
    """The format a plan was made by, or an import result was written from (their `format`)."""
    return import_format(plan_or_result.format)


def formats_for(info) -> list[ImportFormat]:
    """The formats a family takes (`FamilyInfo.import_formats`), in the family's order."""
    return [import_format(name) for name in info.import_formats]


def input_names() -> tuple[str, ...]:
    """Every input any format takes, in first-seen order (the CLI's flags)."""
    seen: dict[str, None] = {}
    for f in FORMATS.values():
        seen.update(dict.fromkeys(f.flags))
    return tuple(seen)
