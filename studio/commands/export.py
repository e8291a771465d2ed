"""`studio export DIR --run NAME --format onnx` — a deployable artifact, evaluated on the way."""
from __future__ import annotations

import argparse

from core.jobs.launch import run_job
from core.project import Project, runs
from studio.commands.evaluate import print_metrics
from studio.commands.progress import completed_event, event_printer


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a run's model (ONNX) and check its accuracy")
    p.add_argument("dir", help="project folder")
    p.add_argument("--run", required=True)
    p.add_argument("--format", default="onnx", choices=("onnx", "engine"),
                   help="onnx (default), or a TensorRT engine (on a machine with an NVIDIA GPU and TensorRT)")
    p.add_argument("--precision", default="fp32", choices=("fp32", "fp16", "int8"),
                   help="int8: post-training quantization (Q/DQ) calibrated on --cal-batch-size x --cal-batches "
                        "samples, with a TensorRT calibration cache; fp16: for GPU back ends")
    p.add_argument("--checkpoint", help="best (the run's best evaluation), last (default: the finished model, "
                                        "else the newest checkpoint) or a .pt file")
    p.add_argument("--out", help="output file (default: runs/NAME/exports/model.onnx)")
    p.add_argument("--opset", type=int)
    p.add_argument("--cal-split", help="INT8: the split calibration samples come from (default: the spec's, train)")
    p.add_argument("--cal-images", help="INT8: calibrate on the images of this folder instead")
    p.add_argument("--cal-batch-size", type=int, help="INT8: samples per calibration batch (default: the spec's)")
    p.add_argument("--cal-batches", type=int, help="INT8: calibration batches (default: the spec's)")
    p.add_argument("--cal-sample", default="random", choices=("random", "min-objects", "min-keypoints"),
                   help="INT8: which samples: random, or those with at least --cal-min objects / keypoints")
    p.add_argument("--cal-min", type=int, default=1, help="INT8: N of min-objects / min-keypoints")
    p.add_argument("--no-eval", action="store_true", help="skip the validation-split check of the export")
    p.add_argument("--no-deploy", action="store_true", help="skip the DeepStream, Triton and model-card files")
    p.add_argument("--sources", type=int, default=1,
                   help="DeepStream: streams batched and tiled (4: a 2x2 display; clip models build one clip each)")
    p.add_argument("--roi", action="append", default=[], metavar="X,Y,W,H",
                   help="DeepStream clip models: the region of one source, repeated per source (default: whole frame)")
    p.set_defaults(func=_export)
    r = sub.add_parser("rebuild-engine", help="build a TensorRT engine made elsewhere again on this machine, from "
                                              "the ONNX beside it")
    r.add_argument("engine", help="the .engine file (its sidecar names its ONNX, precision and profile)")
    r.set_defaults(func=_rebuild_engine)


def _export(args: argparse.Namespace) -> int:
    from core.deploy.deepstream import parse_roi
    from core.errors import ExportError

    if args.sources < 1:
        raise ExportError(f"--sources must be at least 1; got {args.sources}.")
    for roi in args.roi:
        parse_roi(roi)                                   # a sentence now, not from the worker
    with Project.open(args.dir) as project:
        runs.get_run(project, args.run)
        root, task = project.root, project.task
    code, events = run_job("export", root, event_printer(task), run=args.run, format=args.format,
                           precision=args.precision, checkpoint=args.checkpoint, out=args.out, opset=args.opset,
                           cal_split=args.cal_split, cal_images=args.cal_images, cal_batch_size=args.cal_batch_size,
                           cal_batches=args.cal_batches, cal_sample=args.cal_sample, cal_min=args.cal_min,
                           no_eval=args.no_eval, no_deploy=args.no_deploy, sources=args.sources,
                           roi=args.roi or None)
    last = completed_event(events)
    if last is None:
        return code or 1
    print(f"Exported {last['artifact']} ({last['precision'].upper()})")
    if last.get("calibration_cache"):
        print(f"TensorRT calibration cache: {last['calibration_cache']}")
    if last.get("metrics"):
        print_metrics(last["metrics"], last.get("delta"))
    for warning in last.get("warnings") or []:
        print(f"warning: {warning}")
    if last.get("deploy_dir"):
        print(f"DeepStream and Triton files: {last['deploy_dir']}   model card: {last['card']}")
    return 0


def _rebuild_engine(args: argparse.Namespace) -> int:
    from core.deploy.tensorrt_build import rebuild_engine, rebuild_source

    source, precision, _ = rebuild_source(args.engine)
    print(f"Rebuilding {args.engine} ({precision}) from {source.name} on this machine...")
    print(f"Built {rebuild_engine(args.engine)}")
    return 0
