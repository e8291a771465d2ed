"""`studio data import|export|split|stats`."""
from __future__ import annotations

import argparse
import json
import sys

from core.errors import DataError
from core.project import Project

IMPORT_FORMATS = ("coco", "labelme", "kitti", "image_folders", "video_folders")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="import, export, split and describe a project's data")
    dsub = p.add_subparsers(dest="action", metavar="ACTION")
    dsub.required = True

    imp = dsub.add_parser("import", help="import labeled images (one transaction; a validation report first)")
    imp.add_argument("dir", help="the project folder")
    imp.add_argument("--format", required=True, choices=IMPORT_FORMATS)
    imp.add_argument("--annotations", help="COCO: the annotations .json file")
    imp.add_argument("--images", help="COCO: folder that image file_names are relative to (default: the json's "
                                      "folder); labelme: the folder of images and their .json files; kitti: the "
                                      "images folder; image_folders: the folder of one subfolder per class")
    imp.add_argument("--labels", help="KITTI: the folder of label .txt files (one per image)")
    imp.add_argument("--videos", help="video_folders: the folder of one subfolder per action, holding videos "
                                      "(wave/clip1.mp4) or frame folders (wave/clip1/rgb/000001.png)")
    imp.add_argument("--link", action="store_true",
                     help="reference the images where they are instead of copying them into the project")
    imp.add_argument("--dry-run", action="store_true", help="print the validation report; write nothing")
    imp.add_argument("--report-json", action="store_true", help="print the full report as JSON")
    imp.set_defaults(func=_import)

    exp = dsub.add_parser("export", help="write the project's annotations as a COCO json")
    exp.add_argument("dir", help="the project folder")
    exp.add_argument("--format", default="coco", choices=("coco",))
    exp.add_argument("out", help="the .json file to write")
    exp.add_argument("--split", choices=("train", "val", "test"), help="only this split (default: every image)")
    exp.add_argument("--images-root", help="make file_names relative to this folder (default: the project's media)")
    exp.set_defaults(func=_export)

    spl = dsub.add_parser("split", help="assign images to train/val/test (deterministic for a seed)")
    spl.add_argument("dir", help="the project folder")
    spl.add_argument("--val", type=float, default=0.2, help="fraction of images for validation (default 0.2)")
    spl.add_argument("--test", type=float, default=0.0, help="fraction of images for test (default 0)")
    spl.add_argument("--seed", type=int, default=0)
    spl.set_defaults(func=_split)

    st = dsub.add_parser("stats", help="count images, annotations and classes per split")
    st.add_argument("dir", help="the project folder")
    st.add_argument("--json", action="store_true", help="print JSON")
    st.set_defaults(func=_stats)


def _planner_kwargs(args: argparse.Namespace) -> dict:
    """The planner's keyword arguments (core.datasets.plan_process.PLANNERS) from the flags."""
    if args.format == "coco":
        if not args.annotations:
            raise DataError("A COCO import needs --annotations FILE (the instances .json).")
        return {"annotations_file": args.annotations, "images_dir": args.images}
    if args.format == "kitti":
        if not args.images or not args.labels:
            raise DataError("A KITTI import needs --images DIR and --labels DIR.")
        return {"images_dir": args.images, "labels_dir": args.labels}
    if args.format == "video_folders":
        if not args.videos:
            raise DataError("A video_folders import needs --videos DIR (one subfolder per action, holding videos "
                            "or frame folders).")
        return {"root_dir": args.videos}
    if not args.images:
        raise DataError("A labelme import needs --images DIR (the folder of images and their .json files)."
                        if args.format == "labelme" else
                        "An image_folders import needs --images DIR (one subfolder per class).")
    return {"images_dir": args.images} if args.format == "labelme" else {"root_dir": args.images}


def _import(args: argparse.Namespace) -> int:
    from core.datasets.plan import commit_import, reconcile
    from core.datasets.plan_process import planner
    from core.datasets.video_folders import commit_video_import, reconcile_videos
    from core.families import family_info

    videos = args.format == "video_folders"
    with Project.open(args.dir) as project:
        info = family_info(project.task)
        if args.format not in info.import_formats:
            raise DataError(f"{info.title} projects import {', '.join(info.import_formats)}, not {args.format}.")
        plan = planner(args.format)(**_planner_kwargs(args))
        if args.dry_run:
            plan = reconcile_videos(project, plan, not args.link) if videos else reconcile(project, plan)
            _print_report(plan.report, args.report_json)
            c = plan.counts
            adds = (f"{c['videos']} clip(s) of {c['frames']} frames" if videos else
                    f"{c['images']} image(s), {c['annotations']} annotation(s)")
            new = plan.categories if videos else plan.new_categories
            verdict = ("would be refused" if plan.report.has_rejections else
                       f"would add {adds}; new categories: {', '.join(new or []) or 'none'}")
            print(f"Dry run: nothing written. The import {verdict}.")
            return 1 if plan.report.has_rejections else 0
        commit = commit_video_import if videos else commit_import
        result = commit(project, plan, copy=not args.link)
        _print_report(result.report, args.report_json)
        added = result.videos if videos else result.images
        if added == 0:
            print(f"Nothing new was imported: everything usable is already in the project (the report is kept as "
                  f"import {result.import_id}).")
            return 0
        where = "referenced in place" if args.link else f"copied into {result.media_dir}"
        what = (f"{result.videos} video clip(s) ({where})" if videos else
                f"{result.images} image(s) ({where}) and {result.annotations} annotation(s)")
        print(f"Imported {what} as import {result.import_id}; categories new: "
              f"{', '.join(result.categories_created) or 'none'}, reused: {', '.join(result.categories_reused) or 'none'}.")
    return 0


def _print_report(report, as_json: bool) -> None:
    print(json.dumps(report.to_dict(), indent=2) if as_json else report.summary())


def _export(args: argparse.Namespace) -> int:
    from core.datasets.coco import export_coco

    with Project.open(args.dir) as project:
        summary = export_coco(project, args.out, split=args.split, images_root=args.images_root)
    print(f"Wrote {summary['path']}: {summary['images']} image(s), {summary['annotations']} annotation(s), "
          f"{summary['categories']} categories.")
    print(f"Image file_names are relative to {summary['images_root']} (import with --images {summary['images_root']}).")
    return 0


def _split(args: argparse.Namespace) -> int:
    from core.datasets.split import split_project

    with Project.open(args.dir) as project:
        sizes = split_project(project, val=args.val, test=args.test, seed=args.seed)
    print("Split (seed {}): {}.".format(args.seed, ", ".join(f"{k} {v}" for k, v in sizes.items())))
    return 0


def _stats(args: argparse.Namespace) -> int:
    from core.datasets.stats import dataset_stats, format_stats

    with Project.open(args.dir) as project:
        stats = dataset_stats(project)
    sys.stdout.write((json.dumps(stats, indent=2) if args.json else format_stats(stats)) + "\n")
    return 0
