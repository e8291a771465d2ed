"""What the import dialog knows about each import format: the paths to ask for, the planner's
arguments (`core.datasets.plan_process.PLANNERS` names the planners), and the check / commit
functions it runs as background `DataTask`s.

Planning runs in a child process (a large COCO json parsed on a thread of the GUI process would
hold the interpreter lock, and the GUI with it, for seconds).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable


@dataclass(frozen=True)
class PathInput:
    name: str
    label: str
    mode: str                  # "file" or "dir"
    placeholder: str = ""
    optional: bool = False


@dataclass(frozen=True)
class ImportFormat:
    key: str
    title: str
    blurb: str
    inputs: tuple[PathInput, ...]
    kwargs: Callable[[dict[str, str]], dict[str, Any]]
    videos: bool = False

    def problem(self, values: dict[str, str]) -> str:
        """What is missing or wrong in the typed paths, as a sentence ("" when fine)."""
        for i in self.inputs:
            text = values.get(i.name, "").strip()
            what = i.label[0].lower() + i.label[1:]
            if not text:
                if not i.optional:
                    return f"Choose the {what}."
                continue
            path = Path(text).expanduser()
            if i.mode == "file" and not path.is_file():
                return f"The {what} {text} does not exist."
            if i.mode == "dir" and not path.is_dir():
                return f"The {what} {text} does not exist or is not a folder."
        return ""


FORMATS: dict[str, ImportFormat] = {f.key: f for f in (
    ImportFormat("coco", "COCO instances / keypoints (.json)",
                 "A COCO file and the folder its image file_names are relative to.",
                 (PathInput("annotations", "Annotations file", "file", "instances_train.json"),
                  PathInput("images", "Images folder", "dir", "default: the folder of the .json file", True)),
                 lambda v: {"annotations_file": v["annotations"], "images_dir": v.get("images") or None}),
    ImportFormat("labelme", "labelme (images with their .json files)",
                 "A folder, searched recursively, of images and the labelme .json file beside each.",
                 (PathInput("folder", "Labelme folder", "dir"),),
                 lambda v: {"images_dir": v["folder"]}),
    ImportFormat("kitti", "KITTI labels (images folder + labels folder)",
                 "One <image name>.txt of KITTI object lines per image (e.g. image_2/ and label_2/). Boxes only.",
                 (PathInput("images", "Images folder", "dir", ".../image_2"),
                  PathInput("labels", "Labels folder", "dir", ".../label_2")),
                 lambda v: {"images_dir": v["images"], "labels_dir": v["labels"]}),
    ImportFormat("image_folders", "Image folders (one subfolder per class)",
                 "A folder with one subfolder per class, the images of that class inside.",
                 (PathInput("folder", "Folder of class folders", "dir"),),
                 lambda v: {"root_dir": v["folder"]}),
    ImportFormat("video_folders", "Video folders (one subfolder per action)",
                 "One subfolder per action class holding videos (wave/clip1.mp4) or frame folders "
                 "(wave/clip1/rgb/000001.png). Each video becomes one clip of its class.",
                 (PathInput("folder", "Folder of action folders", "dir"),),
                 lambda v: {"root_dir": v["folder"]}, videos=True),
)}


def check_task(key: str, values: dict[str, str], copy: bool):
    """fn(project, reporter) -> the plan, reconciled with what the project already holds."""
    fmt = FORMATS[key]
    kwargs = fmt.kwargs({k: v.strip() for k, v in values.items()})

    def fn(project, reporter):
        from core.datasets.plan_process import plan_in_subprocess

        plan = plan_in_subprocess(fmt.key, kwargs, reporter)
        if fmt.videos:
            from core.datasets.video_folders import reconcile_videos
            return reconcile_videos(project, plan, copy)
        from core.datasets.plan import reconcile
        return reconcile(project, plan)
    return fn


def commit_task(key: str, plan, copy: bool):
    """fn(project, reporter) -> the import result (one transaction)."""
    def fn(project, reporter):
        if FORMATS[key].videos:
            from core.datasets.video_folders import commit_video_import
            return commit_video_import(project, plan, copy=copy, reporter=reporter)
        from core.datasets.plan import commit_import
        return commit_import(project, plan, copy=copy, reporter=reporter)
    return fn


def plan_sentence(plan) -> str:
    """'Import will add ...' for a checked plan ('' when it adds nothing)."""
    c = plan.counts
    if "videos" in c:
        if not c["videos"]:
            return ""
        new = [n for n in plan.categories]
        return (f"Import will add {c['videos']} video(s) as {c['clips']} clip(s) of {c['frames']:,} frames; "
                f"classes: {', '.join(new) or 'none'}.")
    if not c["images"]:
        return ""
    new = ", ".join(plan.new_categories or []) or "none"
    return f"Import will add {c['images']} image(s) and {c['annotations']} annotation(s); new categories: {new}."


def result_sentence(result) -> str:
    if hasattr(result, "videos"):
        if not result.videos:
            return "Nothing new was imported: every clip was already in the project."
        return f"Imported {result.videos:,} video(s) as {result.clips:,} clip(s) as import {result.import_id}."
    if not result.images:
        return "Nothing new was imported: every usable image was already in the project."
    return (f"Imported {result.images:,} image(s) and {result.annotations:,} annotation(s) as import "
            f"{result.import_id}.")
