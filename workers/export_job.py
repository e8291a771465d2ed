"""`python -m workers export --project P --run R [--checkpoint best|last|FILE] [--precision fp32|fp16|int8]
[--format onnx|engine] [--cal-split S | --cal-images DIR] [--cal-batch-size B] [--cal-batches K]
[--cal-sample random|min-objects|min-keypoints] [--cal-min N] [--out FILE] [--opset N] [--no-eval] [--no-deploy]`.

Exports the run's model (core.deploy.export.export_run): the ONNX graph, the quantized or FP16 one,
an engine where TensorRT runs; each registered and evaluated on the validation split (the accuracy
guardrail), with DeepStream and Triton files and a model card."""
from __future__ import annotations

import argparse
from pathlib import Path

from core.project import Project


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", required=True)
    p.add_argument("--format", default="onnx", choices=("onnx", "engine"))
    p.add_argument("--precision", default="fp32", choices=("fp32", "fp16", "int8"))
    p.add_argument("--checkpoint", help="best, last (default: the run's trained model) or a .pt file")
    p.add_argument("--out", help="output file (default: runs/R/exports/model[.int8|.fp16].onnx)")
    p.add_argument("--opset", type=int)
    p.add_argument("--cal-split")
    p.add_argument("--cal-images")
    p.add_argument("--cal-batch-size", type=int)
    p.add_argument("--cal-batches", type=int)
    p.add_argument("--cal-sample", default="random")
    p.add_argument("--cal-min", type=int, default=1)
    p.add_argument("--no-eval", action="store_true", help="skip evaluating the export on the validation split")
    p.add_argument("--no-deploy", action="store_true", help="skip the DeepStream, Triton and model-card files")
    p.add_argument("--sources", type=int, default=1)
    p.add_argument("--roi", action="append", default=[], help="x,y,w,h of one source (repeat per source)")


def events_path(project: Project, args):
    from workers.job import job_events_path

    return job_events_path(project, args, "export")


def run(project: Project, args, reporter) -> dict:
    from core.deploy.deepstream import parse_roi
    from core.deploy.export import ExportRequest, export_run

    request = ExportRequest(
        run=args.run, checkpoint=args.checkpoint or "last", precision=args.precision, format=args.format,
        out=Path(args.out) if args.out else None, opset=args.opset, cal_split=args.cal_split,
        cal_images=Path(args.cal_images) if args.cal_images else None, cal_batch_size=args.cal_batch_size,
        cal_batches=args.cal_batches, cal_sample=args.cal_sample, cal_minimum=args.cal_min,
        evaluate=not args.no_eval, deploy=not args.no_deploy, sources=args.sources,
        rois=tuple(parse_roi(r) for r in args.roi))
    return export_run(project, request, reporter).to_dict()
