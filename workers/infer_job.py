"""`python -m workers infer --project P --artifact FILE --source IN --out OUT [...]`: annotate a
video, camera or image folder with a model's predictions."""
from __future__ import annotations

import argparse
from pathlib import Path

from core.project import Project


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--artifact", required=True)
    p.add_argument("--source", required=True, help="video file, image folder, or camera index")
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

    source: str | int = int(args.source) if args.source.isdigit() else args.source
    with load_runner(args.artifact, args.backend) as runner:
        reporter.log(f"Running {Path(args.artifact).name} on {runner.backend} over {args.source}...")
        result = run_inference(runner, None, source, args.out, batch_size=args.batch_size,
                               score_threshold=args.score, reporter=reporter, max_frames=args.max_frames)
    if args.run and result["frames"]:
        run = runs.get_run(project, args.run)
        runs.add_artifact(project, run.id, f"annotated_{result['output']}", result["out_path"],
                          fmt=result["output"], meta={k: result[k] for k in ("frames", "fps", "timings_ms", "backend")})
    return {"status": "stopped" if result["stopped"] else "done", **result}
