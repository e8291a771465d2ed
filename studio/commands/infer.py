"""`studio infer DIR --artifact FILE (--video IN | --images FOLDER | --camera N)... --out OUT [--roi x,y,w,h]...`.

Up to four sources (in the order given, any mix of kinds) are tiled 2x2 into one output."""
from __future__ import annotations

import argparse
from pathlib import Path

from core.errors import DataError
from core.jobs.launch import run_job
from core.project import Project
from studio.commands.progress import event_printer, final_event


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("infer", help="draw a model's predictions over a video, camera or image folder")
    p.add_argument("dir", help="project folder")
    p.add_argument("--artifact", required=True, help="checkpoint (.pt), ONNX (.onnx) or engine")
    for flag, what in (("--video", "input video file"), ("--images", "input image folder"),
                       ("--camera", "camera index")):
        p.add_argument(flag, action=_AddSource, dest="sources", default=[], metavar="N" if flag == "--camera" else "PATH",
                       help=f"{what} (repeat up to four sources of any kind: they are tiled 2x2, inferred in one "
                            "batch per step)")
    p.add_argument("--roi", action="append", metavar="X,Y,W,H",
                   help="where the model looks in the source of the same position, in pixels (full: the whole frame)")
    p.add_argument("--out", required=True, help="output video (.mp4) or folder")
    p.add_argument("--run", help="record the output on this run")
    p.add_argument("--backend", default="auto", choices=("auto", "pytorch", "onnxruntime", "tensorrt"))
    p.add_argument("--score", type=float, default=0.5, help="draw detections at or above this score")
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--max-frames", type=int, help="stop after this many frames (cameras run until stopped)")
    p.set_defaults(func=_infer)


class _AddSource(argparse.Action):
    """--video / --images / --camera append (kind, value) to one ordered list of sources."""

    def __call__(self, parser, namespace, values, option_string=None):
        items = list(getattr(namespace, self.dest) or [])
        items.append((option_string.lstrip("-"), values))
        setattr(namespace, self.dest, items)


def _source(kind: str, value: str) -> str:
    if kind == "camera":
        if not value.isdigit():
            raise DataError(f"--camera takes a camera index (0, 1, ...), not {value!r}.")
        return value
    path = Path(value).expanduser()
    if not path.exists():
        raise DataError(f"The input {value} does not exist.")
    if kind == "video" and path.is_dir():
        raise DataError(f"--video {value} is a folder; give folders of images with --images.")
    if kind == "images" and not path.is_dir():
        raise DataError(f"--images {value} is not a folder of images; give a video file with --video.")
    return str(path.resolve())


def _infer(args: argparse.Namespace) -> int:
    from core.inference.roi import parse_roi
    from core.video.multi_reader import MAX_SOURCES

    if not args.sources:
        raise DataError("Give a source: --video FILE, --images FOLDER or --camera N (up to four, tiled).")
    if len(args.sources) > MAX_SOURCES:
        raise DataError(f"Up to {MAX_SOURCES} sources can be tiled; got {len(args.sources)}.")
    sources = [_source(kind, value) for kind, value in args.sources]
    rois = list(args.roi or [])
    if len(rois) > len(sources):
        raise DataError(f"{len(rois)} --roi for {len(sources)} source(s): give at most one per source, in order.")
    for r in rois:
        if r.strip().lower() not in ("full", "none"):
            parse_roi(r)
    if not Path(args.artifact).is_file():
        raise DataError(f"The artifact {args.artifact} does not exist.")
    with Project.open(args.dir) as project:
        root, task = project.root, project.task
    code, events = run_job("infer", root, event_printer(task), run=args.run,
                           artifact=str(Path(args.artifact).resolve()), source=sources, roi=rois or None,
                           out=str(Path(args.out).resolve()), backend=args.backend, score=args.score,
                           batch_size=args.batch_size, max_frames=args.max_frames)
    last = final_event(events)
    if not last or last["event"] != "done":
        return code or 1
    t = last["timings_ms"]
    ended = last.get("input_ended")
    short = f" (the input ended at frame {ended['frame']} of {ended['of']})" if ended else ""
    print(f"Wrote {last['frames']} frames{short} to {last['out_path']} on {last['backend']}: {last['fps']:.1f} FPS "
          f"(decode {t['decode']:.1f} ms, inference {t['inference']:.1f} ms, draw {t['draw']:.1f} ms, "
          f"encode {t['encode']:.1f} ms per frame)")
    return 0
