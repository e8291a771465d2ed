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
    p.add_argument("--format", default="onnx", choices=("onnx",))
    p.add_argument("--checkpoint", help="best (the run's best evaluation), last (default: the finished model, "
                                        "else the newest checkpoint) or a .pt file")
    p.add_argument("--out", help="output file (default: runs/NAME/exports/model.onnx)")
    p.add_argument("--opset", type=int)
    p.add_argument("--no-eval", action="store_true", help="skip the validation-split check of the export")
    p.set_defaults(func=_export)


def _export(args: argparse.Namespace) -> int:
    with Project.open(args.dir) as project:
        runs.get_run(project, args.run)
        root, task = project.root, project.task
    code, events = run_job("export", root, event_printer(task), run=args.run, format=args.format,
                           checkpoint=args.checkpoint, out=args.out, opset=args.opset, no_eval=args.no_eval)
    last = completed_event(events)
    if last is None:
        return code or 1
    print(f"Exported {last['artifact']}")
    if last.get("metrics"):
        print_metrics(last["metrics"], last.get("delta"))
    return 0
