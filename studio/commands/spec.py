"""`studio spec default|check`."""
from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from core.errors import SpecError
from core.families import family_infos, get_family
from core.hardware import PROFILES, resolve_profile
from core.specs import load_spec_file, spec_file_task, spec_to_yaml


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("spec", help="write or check an experiment spec (YAML)")
    psub = p.add_subparsers(dest="action", metavar="ACTION")
    psub.required = True
    d = psub.add_parser("default", help="print the default spec of a model family")
    d.add_argument("--task", required=True, choices=[f.name for f in family_infos()])
    d.add_argument("--profile", choices=PROFILES, default="auto",
                   help="cpu shrinks the model heads for CPU training; auto picks by the hardware here")
    add_total_steps_argument(d)
    d.set_defaults(func=_default)
    c = psub.add_parser("check", help="validate a spec file")
    c.add_argument("file")
    c.add_argument("--task", choices=[f.name for f in family_infos()],
                   help="the model family (default: the file's `task:`; when both are given they must agree)")
    c.set_defaults(func=_check)


def add_total_steps_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--total-steps", type=int, metavar="N",
                   help="length of the run; warmup, decay steps and intervals that would not fit keep their "
                        "fractions of it")


def with_total_steps(spec: Any, total_steps: int | None) -> Any:
    """`spec` with its training schedule resized to `total_steps` (unchanged for None)."""
    if total_steps is None:
        return spec
    train = getattr(spec, "train", None)
    if not hasattr(train, "with_total_steps"):
        raise SpecError("This family's spec has no training schedule whose length --total-steps could set.")
    return dataclasses.replace(spec, train=train.with_total_steps(total_steps))


def _default(args: argparse.Namespace) -> int:
    family = get_family(args.task)
    spec = with_total_steps(family.default_spec(resolve_profile(args.profile)), args.total_steps)
    sys.stdout.write(spec_to_yaml(spec))
    return 0


def check_task(file: str, task: str | None) -> str:
    """The family a spec file is checked as: its `task:`, or `task` (--task) when the file names
    none; a disagreement or no task at all is refused with a sentence."""
    named = spec_file_task(file)
    if named is not None:
        if named not in {f.name for f in family_infos()}:
            raise SpecError(f"{file} names the task {named!r}, which is not a model family Studio knows (one of "
                            f"{', '.join(f.name for f in family_infos())}).")
        if task is not None and task != named:
            raise SpecError(f"{file} says task: {named}, not {task}; drop --task or fix the file.")
        return named
    if task is None:
        raise SpecError(f"{file} does not say which model family it is for: add a `task:` line (one of "
                        f"{', '.join(f.name for f in family_infos())}) or pass --task.")
    return task


def _check(args: argparse.Namespace) -> int:
    task = check_task(args.file, args.task)
    family = get_family(task)
    load_spec_file(family.spec_class, args.file)
    print(f"{args.file}: valid {task} spec")
    return 0
