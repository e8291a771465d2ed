"""`studio train DIR [--spec FILE] [--run NAME]` — start a run, or resume it."""
from __future__ import annotations

import argparse
import shlex

from core.errors import RunError
from core.families import get_family
from core.hardware import PROFILES, resolve_profile
from core.jobs.launch import run_job
from core.jobs.state import ended_status, final_event
from core.project import Project, runs
from core.setup.new_run import create_run_from_spec
from core.specs import load_spec_file
from studio.commands.progress import event_printer
from studio.commands.spec import add_total_steps_argument, with_total_steps


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model (run it again with the same --run to resume)")
    p.add_argument("dir", help="project folder")
    p.add_argument("--spec", help="experiment spec YAML (default: the family's default spec)")
    p.add_argument("--run", help="run name (default: the next run-NNN); an existing run resumes")
    p.add_argument("--profile", choices=PROFILES, default="auto",
                   help="default spec sizing when --spec is not given")
    add_total_steps_argument(p)
    p.set_defaults(func=_train)


def prepare_run(project: Project, spec_file: str | None, run_name: str | None, profile: str = "auto",
                total_steps: int | None = None) -> str:
    """Create the run (spec saved to runs/NAME/spec.yaml) or check that an existing one can resume."""
    family = get_family(project.task)
    if run_name and runs.find_run(project, run_name):
        existing = runs.get_run(project, run_name)
        if spec_file or total_steps is not None:
            given = "--spec" if spec_file else "--total-steps"
            raise RunError(f"Run {run_name!r} already exists and resumes with its own spec; leave out {given} or "
                           "choose a new --run name.")
        if existing.status == "done":
            raise RunError(f"Run {run_name!r} has already finished ({existing.step} steps).")
        return run_name
    spec = (load_spec_file(family.spec_class, spec_file) if spec_file
            else family.default_spec(resolve_profile(profile)))
    spec = with_total_steps(spec, total_steps)
    return create_run_from_spec(project, run_name or runs.next_run_name(project), spec)


def _train(args: argparse.Namespace) -> int:
    with Project.open(args.dir) as project:
        name = prepare_run(project, args.spec, args.run, args.profile, args.total_steps)
        root, task = project.root, project.task
    resume = f"studio train {shlex.quote(str(args.dir))} --run {name}"
    print(f"Training run {name} (Ctrl+C stops it with a checkpoint; `{resume}` resumes it)")
    code, events = run_job("train", root, event_printer(task), run=name,
                           again=f"run `{resume}` to resume from its last checkpoint")
    last = final_event(events)
    if ended_status(last) in ("done", "stopped"):
        print(f"Run {name} {last.get('status')} at step {last.get('step')}.")
        return 0
    return code or 1
