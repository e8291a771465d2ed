"""`studio infer DIR --artifact FILE (--video IN | --images FOLDER | --camera N) --out OUT`."""
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
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--video", help="input video file")
    src.add_argument("--images", help="input image folder")
    src.add_argument("--camera", type=int, help="camera index")
    p.add_argument("--out", required=True, help="output video (.mp4) or folder")
    p.add_argument("--run", help="record the output on this run")
    p.add_argument("--backend", default="auto", choices=("auto", "pytorch", "onnxruntime", "tensorrt"))
    p.add_argument("--score", type=float, default=0.5, help="draw detections at or above this score")
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--max-frames", type=int, help="stop after this many frames (cameras run until stopped)")
    p.set_defaults(func=_infer)


def _infer(args: argparse.Namespace) -> int:
    source = args.video or args.images or str(args.camera)
    if (args.video or args.images) and not Path(source).exists():
        raise DataError(f"The input {source} does not exist.")
    if not Path(args.artifact).is_file():
        raise DataError(f"The artifact {args.artifact} does not exist.")
    with Project.open(args.dir) as project:
        root, task = project.root, project.task
    code, events = run_job("infer", root, event_printer(task), run=args.run,
                           artifact=str(Path(args.artifact).resolve()),
                           source=str(Path(source).resolve()) if args.camera is None else source,
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
