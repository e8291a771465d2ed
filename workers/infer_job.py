"""`python -m workers infer --project P --artifact FILE --source IN [--source IN2 ...] --out OUT [...]`:
annotate a video, camera or image folder with a model's predictions; up to four sources are tiled
2x2 into one output, inferred in one batch per step. `--roi x,y,w,h` (once per source, in order;
`full` for none) limits where the model looks."""
from __future__ import annotations

import argparse
from pathlib import Path

from core.project import Project


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--artifact", required=True)
    p.add_argument("--source", required=True, action="append",
                   help="video file, image folder, or camera index (up to four: tiled 2x2)")
    p.add_argument("--roi", action="append", help="x,y,w,h: where the model looks in the source of the same "
                                                  "position (full: the whole frame)")
    p.add_argument("--out", required=True, help="output video (.mp4/.avi) or folder")
    p.add_argument("--run", help="the run the artifact belongs to (the output is recorded on it)")
    p.add_argument("--backend", default="auto")
    p.add_argument("--score", type=float, default=0.5)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--max-frames", type=int)


def events_path(project: Project, args):
    from workers.job import job_events_path

    return job_events_path(project, args, "infer")


def run(project: Project, args, reporter) -> dict:
    from core.inference.pipeline import run_inference
    from core.project import runs
    from core.runtime import load_runner

    from core.errors import DataError
    from core.inference.roi import parse_roi

    sources: list[str | int] = [int(s) if s.isdigit() else s for s in args.source]
    rois = [None if r.strip().lower() in ("", "full", "none") else parse_roi(r) for r in (args.roi or [])]
    if len(rois) > len(sources):
        raise DataError(f"{len(rois)} regions of interest for {len(sources)} source(s): give at most one --roi per "
                        "source, in the order of the sources.")
    with load_runner(args.artifact, args.backend) as runner:
        reporter.log(f"Running {Path(args.artifact).name} on {runner.backend} over {', '.join(args.source)}...")
        result = run_inference(runner, None, sources if len(sources) > 1 else sources[0], args.out,
                               batch_size=args.batch_size, score_threshold=args.score, reporter=reporter,
                               max_frames=args.max_frames,
                               roi=rois if len(sources) > 1 else (rois[0] if rois else None))
    if args.run and result["frames"]:
        run = runs.get_run(project, args.run)
        runs.add_artifact(project, run.id, f"annotated_{result['output']}", result["out_path"],
                          fmt=result["output"], meta={k: result[k] for k in ("frames", "fps", "timings_ms", "backend")})
    return {"status": "stopped" if result["stopped"] else "done", **result}
