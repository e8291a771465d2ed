"""`studio data import|export|split|stats`."""
from __future__ import annotations

import argparse
import json
import sys

from core.datasets.formats import FORMATS, cli_flag, import_format, input_names
from core.errors import DataError
from core.jobs.reporter import Reporter
from core.project import Project


EXPORT_FORMATS = ("coco", "kitti", "image_folders", "frame_folders")


def _input_help(name: str) -> str:
    """--NAME's help: what each format that takes it wants there (formats that say the same, once)."""
    helps: dict[str, list[str]] = {}
    for f in FORMATS.values():
        if name in f.flags:
            helps.setdefault(f.input(name).help, []).append(f.name)
    return "; ".join(f"{', '.join(names)}: {text}" for text, names in helps.items())


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="import, export, split and describe a project's data")
    dsub = p.add_subparsers(dest="action", metavar="ACTION")
    dsub.required = True

    imp = dsub.add_parser("import", help="import labeled data (one transaction; a validation report first)")
    imp.add_argument("dir", help="the project folder")
    imp.add_argument("--format", required=True, choices=tuple(FORMATS),
                     help="; ".join(f"{f.name}: {f.short}" for f in FORMATS.values()))
    for name in input_names():
        inputs = [f.input(name) for f in FORMATS.values() if name in f.flags]
        kinds = {i.metavar for i in inputs}
        choices = {i.choices for i in inputs if i.kind == "choice"}
        imp.add_argument(cli_flag(name), dest=name, metavar=kinds.pop() if len(kinds) == 1 else "PATH",
                         help=_input_help(name),
                         **({"choices": choices.pop()} if len(choices) == 1 else {}))
    imp.add_argument("--link", action="store_true",
                     help="reference the files where they are instead of copying them into the project")
    imp.add_argument("--dry-run", action="store_true", help="print the validation report; write nothing")
    imp.add_argument("--report-json", action="store_true", help="print the full report as JSON")
    imp.set_defaults(func=_import)

    exp = dsub.add_parser("export", help="write the project's annotations as a COCO json, KITTI labels or image "
                                         "folders per class, or its clips as frame folders with split lists")
    exp.add_argument("dir", help="the project folder")
    exp.add_argument("--format", default=None, choices=EXPORT_FORMATS,
                     help="coco: one .json file; kitti: a folder, its label_2/ holding one .txt per image; "
                          "image_folders: one subfolder of images per class; frame_folders (clips: "
                          "OUT/<class>/<clip>/rgb/000001.png and train.txt, val.txt, test.txt, splits.txt). The "
                          "default is the one that imports back into the project's family: frame_folders for clip "
                          "projects, image_folders for gesture projects, else coco")
    exp.add_argument("out", help="the .json file (coco) or the folder to write (kitti, image_folders, frame_folders)")
    exp.add_argument("--split", choices=("train", "val", "test"), help="only this split (default: everything)")
    names = exp.add_mutually_exclusive_group()
    names.add_argument("--with-images", metavar="DIR",
                       help="copy the images into DIR and make file_names relative to it (default: keep the names "
                            "the data came with, to re-import with the original images folder)")
    names.add_argument("--images-root", metavar="DIR",
                       help="make file_names the paths of the project's stored images relative to DIR")
    exp.set_defaults(func=_export)

    spl = dsub.add_parser("split", help="assign images (or clips) to train/val/test (deterministic for a seed), or "
                                        "split clips by HMDB-style split files")
    spl.add_argument("dir", help="the project folder")
    spl.add_argument("--val", type=float, default=0.2, help="fraction of images (or clips) for validation (default 0.2)")
    spl.add_argument("--test", type=float, default=0.0, help="fraction of images (or clips) for test (default 0)")
    spl.add_argument("--seed", type=int, default=0)
    spl.add_argument("--split-files", metavar="PATH",
                     help="clips: an HMDB-style split file or folder of them ('name.avi 1|2|0': 1 train, 2 test, 0 "
                          "unused) instead of fractions")
    spl.add_argument("--split-number", type=int, default=1, help="which split of a folder of <class>_test_splitN.txt "
                                                                  "files (default 1)")
    spl.add_argument("--heldout", choices=("val", "test"), default="val",
                     help="where the split files' test videos (2) go (default val: what training evaluates on)")
    spl.set_defaults(func=_split)

    st = dsub.add_parser("stats", help="count images, annotations and classes per split")
    st.add_argument("dir", help="the project folder")
    st.add_argument("--json", action="store_true", help="print JSON")
    st.set_defaults(func=_stats)


def _import(args: argparse.Namespace) -> int:
    from core.families import family_info

    fmt = import_format(args.format)
    values = {name: getattr(args, name) for name in input_names()}
    with Project.open(args.dir) as project:
        info = family_info(project.task)
        if fmt.name not in info.import_formats:
            raise DataError(f"{info.title} projects import {', '.join(info.import_formats)}, not {fmt.name}.")
        stray = [cli_flag(n) for n, v in values.items() if v and n not in fmt.flags]
        if stray:
            raise DataError(f"A {fmt.name} import does not take {', '.join(stray)}; it takes "
                            f"{', '.join(cli_flag(n) for n in fmt.flags)}.")
        problem = fmt.problem(values, cli=True)
        if problem:
            raise DataError(problem)
        plan = fmt.reconcile(project, fmt.plan(fmt.kwargs(values), reporter=_progress_reporter(fmt)), copy=not args.link)
        _print_report(plan.report, args.report_json)
        if not args.report_json:
            for line in fmt.details(plan):
                print(f"  {line}")
        plan.report.raise_if_rejected()    # a refused import, dry run or not: the sentence and exit code 2
        if args.dry_run:
            adds = fmt.adds(plan)
            print("Dry run: nothing written. The import " + (f"would add {adds}." if adds else
                  "would add nothing new: everything usable is already in the project."))
            return 0
        result = fmt.commit(project, plan, copy=not args.link)
        if fmt.added(result) == 0:
            print(f"Nothing new was imported: everything usable is already in the project (the report is kept as "
                  f"import {result.import_id}).")
            return 0
        where = "referenced in place" if args.link else f"copied into {result.media_dir}"
        print(f"Imported {fmt.result_text(result)} (import {result.import_id}, {where}); categories new: "
              f"{', '.join(result.categories_created) or 'none'}, reused: {', '.join(result.categories_reused) or 'none'}.")
    return 0


class _StderrProgress(Reporter):
    """Planning progress on stderr, about once a second ("probe videos 40/180")."""

    min_progress_interval_s = 1.0

    def emit(self, event: dict) -> None:
        if event.get("event") == "progress" and event.get("total"):
            stage = event.get("stage") or "planning"
            print(f"{stage} {event['done']}/{event['total']}", file=sys.stderr, flush=True)


def _progress_reporter(fmt) -> Reporter | None:
    """Video imports decode every video to count its frames: they say how far they are (image
    imports stay quiet, as before)."""
    return _StderrProgress() if fmt.media == "videos" else None


def _print_report(report, as_json: bool) -> None:
    print(json.dumps(report.to_dict(), indent=2) if as_json else report.summary())


def _export(args: argparse.Namespace) -> int:
    from core.datasets.coco import export_coco
    from core.datasets.kitti import export_kitti
    from core.families import family_info
    from core.project.samples import split_unit

    with Project.open(args.dir) as project:
        clips = split_unit(project) == "clip"
        fmt = args.format or family_info(project.task).export_format
        if fmt == "frame_folders":
            if args.with_images or args.images_root:
                raise DataError("--with-images and --images-root belong to COCO exports; a frame_folders export "
                                "always writes the frames.")
            from core.datasets.clip_export import export_frame_folders

            summary = export_frame_folders(project, args.out, split=args.split)
            print(f"Wrote {summary['clips']} clip(s) of {summary['classes']} classes ({summary['frames']} frames) as "
                  f"frame folders in {summary['path']}, with split lists "
                  + ", ".join(f"{k}.txt ({v})" for k, v in summary["splits"].items()) + " and splits.txt.")
            return 0
        if clips:
            raise DataError("This project holds clips, not images: export them with --format frame_folders OUT_DIR "
                            "(frame folders per class and split lists).")
        if fmt == "image_folders":
            from core.datasets.image_folders import export_image_folders

            if args.with_images or args.images_root:
                raise DataError("An image_folders export always copies the images; it takes no --with-images or "
                                "--images-root.")
            summary = export_image_folders(project, args.out, split=args.split)
            print(f"Wrote {summary['images']} image(s) into {summary['path']}, one folder per class "
                  f"({', '.join(summary['classes']) or 'none'}); re-import it with --format image_folders --images "
                  f"{summary['path']}.")
            return 0
        if fmt == "kitti":
            summary = export_kitti(project, args.out, split=args.split, images_root=args.images_root,
                                   with_images=args.with_images)
            print(f"Wrote {summary['images']} KITTI label file(s) into {summary['path']}: {summary['objects']} "
                  f"object(s), {summary['dont_care']} DontCare region(s).")
            if summary["crowd_as_dont_care"]:
                print(f"{summary['crowd_as_dont_care']} crowd region(s) of a class were written as DontCare: KITTI "
                      "has no class for an ignore region.")
            if summary["renamed_classes"]:
                print("Class names with spaces were written with underscores: "
                      f"{', '.join(summary['renamed_classes'])}.")
            return 0
        summary = export_coco(project, args.out, split=args.split, images_root=args.images_root,
                              with_images=args.with_images)
    print(f"Wrote {summary['path']}: {summary['images']} image(s), {summary['annotations']} annotation(s), "
          f"{summary['categories']} categories.")
    print(summary["names"])
    return 0


def _split(args: argparse.Namespace) -> int:
    from core.datasets.split import split_project

    with Project.open(args.dir) as project:
        if args.split_files:
            from core.datasets.split_files import apply_split_files, read_split_files

            result = apply_split_files(project, read_split_files(args.split_files, args.split_number, args.heldout))
            print("\n".join(result.sentences()))
            return 0
        sizes = split_project(project, val=args.val, test=args.test, seed=args.seed)
    print("Split (seed {}): {}.".format(args.seed, ", ".join(f"{k} {v}" for k, v in sizes.items())))
    return 0


def _stats(args: argparse.Namespace) -> int:
    from core.datasets.stats import dataset_stats, format_stats

    with Project.open(args.dir) as project:
        stats = dataset_stats(project)
    sys.stdout.write((json.dumps(stats, indent=2) if args.json else format_stats(stats)) + "\n")
    return 0
